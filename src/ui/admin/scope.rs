//! Which site the admin screens show. A site's console always shows its own site; the HQ console
//! shows every site replicated into HQ's database, with a site picker above the navigation and
//! "all sites" as the overview.

use chrono::{DateTime, Duration, Utc};
use egui::RichText;

use crate::store::{Site, StoreError};
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;

/// How often the HQ console reads the site list again (a site added at HQ shows up by itself).
const RELOAD_EVERY: Duration = Duration::seconds(60);

/// The sites a screen shows, handed to every admin screen in [`Env`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The HQ console: many sites, read-only for their rows.
    pub hq: bool,
    /// The chosen site; `None` for all sites (HQ only).
    pub site: Option<String>,
}

impl Scope {
    /// A site's own console.
    pub fn site(code: &str) -> Scope {
        Scope { hq: false, site: Some(code.to_string()) }
    }

    /// The chosen site, if one is chosen.
    pub fn one(&self) -> Option<&str> {
        self.site.as_deref()
    }
}

/// The HQ console's site list and choice.
#[derive(Default)]
pub struct ScopeState {
    sites: Vec<Site>,
    chosen: Option<String>,
    load: Option<Task<Result<Vec<Site>, StoreError>>>,
    loaded_at: Option<DateTime<Utc>>,
    error: Option<String>,
    /// Whether the database follows sites (HQ's), once asked.
    followed: Option<bool>,
    detect: Option<Task<Result<Vec<String>, StoreError>>>,
}

impl ScopeState {
    /// The scope for this frame: HQ's when the console runs as HQ or found HQ's database.
    pub fn scope(&self, hq: bool, own_site: &str) -> Scope {
        if hq || self.followed == Some(true) {
            Scope { hq: true, site: self.chosen.clone() }
        } else {
            Scope::site(own_site)
        }
    }

    /// Asks once whether the database follows sites by replication: an admin console started
    /// on HQ's database becomes the HQ console by itself.
    pub fn detect(&mut self, env: &Env<'_>) {
        if let Some(task) = &mut self.detect
            && let Some(result) = task.take()
        {
            self.detect = None;
            // A database that cannot say is a site's: the console stays as it is.
            self.followed = Some(result.is_ok_and(|sites| !sites.is_empty()));
        }
        if self.followed.is_none() && self.detect.is_none() {
            let store = env.runtime.store();
            self.detect = Some(Task::spawn("hq-detect", env.waker, move || store.followed_sites()));
        }
    }

    /// Chooses a site (`None`: all sites).
    pub fn choose(&mut self, site: Option<String>) {
        self.chosen = site;
    }

    /// The sites known, by code.
    pub fn sites(&self) -> &[Site] {
        &self.sites
    }

    /// Loads the site list when it is due and takes a finished load.
    pub fn refresh(&mut self, env: &Env<'_>) {
        if let Some(task) = &mut self.load
            && let Some(result) = task.take()
        {
            self.load = None;
            match result {
                Ok(sites) => {
                    self.sites = sites;
                    self.error = None;
                }
                Err(err) => self.error = Some(env.tr.f("admin.records.error.store", &[("error", &err)])),
            }
        }
        let now = env.runtime.clock().now();
        let due = self.loaded_at.is_none_or(|at| now - at >= RELOAD_EVERY);
        if due && self.load.is_none() {
            self.loaded_at = Some(now);
            let store = env.runtime.store();
            let own = env.runtime.config().site.code.clone();
            self.load = Some(Task::spawn("hq-sites", env.waker, move || {
                Ok(store.sites()?.into_iter().filter(|site| site.code != own).collect())
            }));
        }
    }

    /// The site picker above the navigation.
    pub fn picker_ui(&mut self, ui: &mut egui::Ui, env: &Env<'_>) {
        let tr = env.tr;
        ui.label(RichText::new(tr.t("hq.site")).color(theme::MUTED));
        let all = tr.t("hq.all_sites").to_string();
        let shown = match &self.chosen {
            Some(code) => self.label(code),
            None => all.clone(),
        };
        egui::ComboBox::from_id_salt("hq-site-picker")
            .width(ui.available_width())
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.chosen, None, all);
                for site in &self.sites {
                    let label = format!("{} · {}", site.code, site.name);
                    ui.selectable_value(&mut self.chosen, Some(site.code.clone()), label);
                }
            });
        if let Some(error) = &self.error {
            ui.label(RichText::new(error).color(theme::FAULT).small());
        }
    }

    fn label(&self, code: &str) -> String {
        match self.sites.iter().find(|s| s.code == code) {
            Some(site) => format!("{} · {}", site.code, site.name),
            None => code.to_string(),
        }
    }
}

/// What a screen that works on one site shows at HQ while "all sites" is chosen: a button per site.
/// Returns the site picked.
pub fn pick_site_ui(ui: &mut egui::Ui, sites: &[Site], env: &Env<'_>) -> Option<String> {
    let mut picked = None;
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(RichText::new(env.tr.t("hq.pick_site")).size(18.0));
        ui.add_space(6.0);
        ui.horizontal_wrapped(|ui| {
            for site in sites {
                if ui.button(RichText::new(format!("{} · {}", site.code, site.name)).size(16.0)).clicked() {
                    picked = Some(site.code.clone());
                }
            }
        });
    });
    picked
}
