//! Picking a vehicle still inside by its plate, for the exit booth's lost-ticket and
//! manual-open dialogs: a background search of the visits inside as the cashier types, and a
//! short list to pick from, so the real entry is charged or closed instead of left "inside".

use chrono_tz::Tz;
use egui::RichText;
use uuid::Uuid;

use super::i18n::I18n;
use super::inbox::Waker;
use super::runtime::BoothRuntime;
use super::task::Task;
use super::theme;
use crate::domain::VehicleClass;
use crate::domain::plate::search_key;
use crate::store::{PageRequest, Visit, VisitFilter, VisitState};

/// Vehicles listed for one plate text.
const LISTED: u64 = 6;
/// Characters of the plate's search key before a search starts.
const MIN_KEY_CHARS: usize = 2;

/// The search and the pick.
#[derive(Default)]
pub struct VehiclePick {
    /// The search key the list belongs to.
    searched: String,
    search: Option<Task<Result<Vec<Visit>, String>>>,
    /// The key being searched.
    searching: String,
    found: Vec<Visit>,
    error: Option<String>,
    picked: Option<Uuid>,
}

impl VehiclePick {
    /// The entry id of the vehicle picked.
    pub fn picked(&self) -> Option<Uuid> {
        self.picked
    }

    /// Vehicles listed for the plate typed.
    pub fn found(&self) -> &[Visit] {
        &self.found
    }

    /// Searches the vehicles inside for `plate` when it changed since the last search; takes
    /// the result when it arrived.
    fn update(&mut self, plate: &str, runtime: &BoothRuntime, waker: &Waker) {
        if let Some(task) = &mut self.search
            && let Some(result) = task.take()
        {
            self.search = None;
            self.searched = std::mem::take(&mut self.searching);
            match result {
                Ok(found) => {
                    self.found = found;
                    self.error = None;
                }
                Err(err) => {
                    self.found.clear();
                    self.error = Some(err);
                }
            }
            if self.picked.is_some_and(|id| !self.found.iter().any(|v| v.entry.id == id)) {
                self.picked = None;
            }
        }
        let key = search_key(plate);
        if self.search.is_some() || key == self.searched {
            return;
        }
        if key.chars().count() < MIN_KEY_CHARS {
            self.searched = key;
            self.found.clear();
            self.error = None;
            self.picked = None;
            return;
        }
        let store = runtime.store();
        let filter = VisitFilter {
            site: Some(runtime.config().site.code.clone()),
            plate: Some(key.clone()),
            state: Some(VisitState::Inside),
            ..VisitFilter::default()
        };
        self.searching = key;
        self.search = Some(Task::spawn("vehicle-pick", waker, move || {
            store
                .list_visits(&filter, PageRequest { offset: 0, limit: LISTED })
                .map(|page| page.rows)
                .map_err(|err| err.to_string())
        }));
    }
}

/// The vehicles inside matching `plate`, one selectable line each; a second click drops the
/// pick.
pub fn vehicle_pick_ui(
    ui: &mut egui::Ui,
    pick: &mut VehiclePick,
    plate: &str,
    classes: &[VehicleClass],
    runtime: &BoothRuntime,
    tr: &I18n,
    waker: &Waker,
) {
    pick.update(plate, runtime, waker);
    let tz: Tz = runtime.config().timezone();
    if let Some(error) = &pick.error {
        ui.label(RichText::new(tr.f("pick.failed", &[("error", error)])).color(theme::WARN));
        return;
    }
    if pick.searched.chars().count() < MIN_KEY_CHARS {
        return;
    }
    if pick.found.is_empty() {
        if pick.search.is_none() {
            ui.label(RichText::new(tr.t("pick.none")).color(theme::MUTED));
        } else {
            ui.spinner();
        }
        return;
    }
    ui.label(RichText::new(tr.t("pick.title")).strong());
    let language = tr.language().code();
    for visit in &pick.found {
        let entry = &visit.entry;
        let class = classes
            .iter()
            .find(|c| c.code == entry.class)
            .map(|c| c.name(language).to_string())
            .unwrap_or_else(|| entry.class.to_string());
        let text = tr.f(
            "pick.row",
            &[
                ("plate", &entry.plate.clone().unwrap_or_else(|| "–".into())),
                ("class", &class),
                ("time", &entry.entry_time.with_timezone(&tz).format("%d/%m %H:%M")),
                ("ticket", &entry.ticket_no),
            ],
        );
        let selected = pick.picked == Some(entry.id);
        let row = ui.push_id(entry.id, |ui| ui.selectable_label(selected, RichText::new(text).size(18.0)));
        if row.inner.clicked() {
            pick.picked = if selected { None } else { Some(entry.id) };
        }
    }
    let hint = if pick.picked.is_some() { "pick.picked" } else { "pick.hint" };
    ui.label(RichText::new(tr.t(hint)).color(theme::MUTED).size(15.0));
}
