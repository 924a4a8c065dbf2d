//! One visit (or one barrier opening by hand) in full: the photos side by side, then every
//! field of the entry and the exit with the fee breakdown. A visit closed by a forced close
//! shows its reason and fee; a visit still inside can be closed from here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use egui::{RichText, Vec2};
use uuid::Uuid;

use super::close::{CloseForm, close_form_ui};
use crate::admin::visits::ManualOpen;
use crate::lane::worker::Picture;
use crate::store::{Origin, Store, Visit};
use crate::ui::app::Env;
use crate::ui::exit_screen::duration_text;
use crate::ui::i18n::I18n;
use crate::ui::inbox::Waker;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{TextureCache, photo_ui, section_title_ui};

/// A photo on its way to the screen.
#[derive(Debug, Clone)]
pub enum PhotoSlot {
    /// The record has no photo (the camera failed or there was none).
    NoPhoto,
    /// Being read and decoded.
    Loading,
    /// Ready to draw.
    Shown(Picture),
    /// The record names a photo the database does not hold or that cannot be decoded.
    Missing,
    /// The database could not be asked.
    Failed(String),
}

/// What the detail view shows.
pub enum Subject {
    /// An entry with its exit, if any.
    Visit(Box<Visit>),
    /// A barrier opened by hand.
    Manual(ManualOpen),
}

/// The detail view's state.
pub struct Detail {
    subject: Subject,
    photos: Vec<PhotoSlot>,
    load: Option<Task<Vec<PhotoSlot>>>,
    close: CloseForm,
    /// The visit was closed here: the list behind is out of date.
    changed: bool,
}

impl Detail {
    /// The detail of `subject`, its photos loading in the background.
    pub fn open(subject: Subject, store: std::sync::Arc<dyn Store>, waker: &Waker) -> Self {
        let ids: Vec<Option<Uuid>> = match &subject {
            Subject::Visit(visit) => {
                vec![visit.entry.photo_id, visit.exit.as_ref().and_then(|x| x.photo_id)]
            }
            Subject::Manual(open) => vec![open.photo_id],
        };
        let photos =
            ids.iter().map(|id| if id.is_some() { PhotoSlot::Loading } else { PhotoSlot::NoPhoto }).collect();
        let load = Task::spawn("admin-photos", waker, move || {
            ids.into_iter().map(|id| load_photo(store.as_ref(), id)).collect()
        });
        Self { subject, photos, load: Some(load), close: CloseForm::default(), changed: false }
    }

    /// True when the visit was changed here (closed), so the list should be read again.
    pub fn changed(&self) -> bool {
        self.changed
    }

    /// How many of the record's photos are on screen.
    pub fn photos_shown(&self) -> usize {
        self.photos.iter().filter(|p| matches!(p, PhotoSlot::Shown(_))).count()
    }
}

fn load_photo(store: &dyn Store, id: Option<Uuid>) -> PhotoSlot {
    let Some(id) = id else { return PhotoSlot::NoPhoto };
    match store.photo(id) {
        Ok(Some(photo)) => {
            Picture::from_jpeg(&photo.jpeg).map(PhotoSlot::Shown).unwrap_or(PhotoSlot::Missing)
        }
        Ok(None) => PhotoSlot::Missing,
        Err(err) => PhotoSlot::Failed(err.to_string()),
    }
}

/// The detail view; returns true when the admin goes back to the list.
pub fn detail_ui(ui: &mut egui::Ui, detail: &mut Detail, env: &mut Env<'_>) -> bool {
    let tr = env.tr;
    let tz = env.runtime.config().timezone();
    if let Some(task) = &mut detail.load
        && let Some(photos) = task.take()
    {
        detail.load = None;
        detail.photos = photos;
    }
    if let Some(exit) = detail.close.take_closed(env)
        && let Subject::Visit(visit) = &mut detail.subject
    {
        visit.exit = Some(exit);
        detail.changed = true;
    }
    let mut back = false;
    ui.horizontal(|ui| {
        if ui.button(tr.t("admin.tx.back")).clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            back = true;
        }
        let title = match &detail.subject {
            Subject::Visit(visit) => {
                let plate = visit.entry.plate.clone().unwrap_or_else(|| tr.t("admin.tx.no_plate").into());
                tr.f("admin.tx.detail_title", &[("plate", &plate), ("ticket", &dash(&visit.entry.ticket_no))])
            }
            Subject::Manual(open) => tr.f("admin.tx.manual_title", &[("time", &time(open.time, tz))]),
        };
        ui.heading(RichText::new(title).size(24.0));
    });
    ui.add_space(6.0);
    egui::ScrollArea::vertical().id_salt("tx-detail").show(ui, |ui| {
        let titles: Vec<(&str, &str)> = match &detail.subject {
            Subject::Visit(_) => vec![
                (tr.t("admin.tx.entry_photo"), tr.t("exit.no_entry_photo")),
                (tr.t("admin.tx.exit_photo"), tr.t("exit.no_exit_photo")),
            ],
            Subject::Manual(_) => vec![(tr.t("admin.tx.manual_photo"), tr.t("admin.tx.no_photo"))],
        };
        let width = (ui.available_width() - 10.0) / 2.0 - 30.0;
        let size = Vec2::new(width, width * 0.5625);
        ui.horizontal(|ui| {
            for ((title, empty), slot) in titles.into_iter().zip(&detail.photos) {
                theme::card().show(ui, |ui| {
                    ui.vertical(|ui| {
                        ui.set_width(width);
                        section_title_ui(ui, title);
                        slot_ui(ui, env.textures, slot, size, title, empty, tr);
                    });
                });
            }
        });
        ui.add_space(10.0);
        match &detail.subject {
            Subject::Visit(visit) => visit_fields_ui(ui, visit, &mut detail.close, env, tz),
            Subject::Manual(open) => manual_fields_ui(ui, open, tz, tr),
        }
    });
    back
}

fn slot_ui(
    ui: &mut egui::Ui,
    textures: &mut TextureCache,
    slot: &PhotoSlot,
    size: Vec2,
    alt: &str,
    empty: &str,
    tr: &I18n,
) {
    match slot {
        PhotoSlot::Shown(picture) => {
            let texture = textures.texture(ui.ctx(), picture);
            let [w, h] = texture.size();
            let scale = (size.x / w.max(1) as f32).min(size.y / h.max(1) as f32);
            let shown = Vec2::new(w as f32 * scale, h as f32 * scale);
            ui.allocate_ui(size, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.add(
                        egui::Image::new(&texture).fit_to_exact_size(shown).corner_radius(4).alt_text(alt),
                    );
                });
            });
        }
        PhotoSlot::Loading => {
            ui.allocate_ui(size, |ui| ui.centered_and_justified(|ui| ui.spinner()));
        }
        PhotoSlot::NoPhoto => {
            photo_ui(ui, textures, None, size, empty);
        }
        PhotoSlot::Missing => {
            photo_ui(ui, textures, None, size, tr.t("admin.tx.photo_missing"));
        }
        PhotoSlot::Failed(err) => {
            photo_ui(ui, textures, None, size, tr.t("admin.tx.photo_failed"));
            ui.label(RichText::new(err).color(theme::FAULT).size(14.0));
        }
    }
}

fn visit_fields_ui(ui: &mut egui::Ui, visit: &Visit, close: &mut CloseForm, env: &Env<'_>, tz: Tz) {
    let tr = env.tr;
    let entry = &visit.entry;
    ui.columns(2, |columns| {
        theme::column_card(&mut columns[0], |ui| {
            ui.set_width(ui.available_width());
            section_title_ui(ui, tr.t("admin.tx.entry"));
            fields_ui(
                ui,
                "tx-entry-fields",
                &[
                    (tr.t("admin.tx.ticket"), dash(&entry.ticket_no)),
                    (tr.t("admin.tx.plate"), entry.plate.clone().unwrap_or_else(|| "–".into())),
                    (tr.t("plates.detail.read"), plate_read_text(entry, tr)),
                    (
                        tr.t("plates.detail.source"),
                        tr.t(&format!("plates.source.{}", entry.plate_source.as_str())).to_string(),
                    ),
                    (tr.t("admin.tx.class"), entry.class.to_string()),
                    (tr.t("admin.tx.card"), entry.card_uid.clone().unwrap_or_else(|| "–".into())),
                    (tr.t("admin.tx.booth"), entry.booth.clone()),
                    (tr.t("admin.tx.entry_time"), time(entry.entry_time, tz)),
                    (tr.t("admin.tx.operator"), entry.operator.clone().unwrap_or_else(|| "–".into())),
                    (tr.t("admin.tx.origin"), origin(entry.origin, tr)),
                    (tr.t("admin.tx.ticket_code"), dash(&entry.ticket_code)),
                    (tr.t("admin.tx.entry_id"), entry.id.to_string()),
                ],
            );
        });
        theme::column_card(&mut columns[1], |ui| {
            ui.set_width(ui.available_width());
            if let Some(notice) = &close.notice {
                theme::message_ui(ui, theme::GOOD_BG, theme::GOOD, notice);
            }
            let Some(exit) = &visit.exit else {
                section_title_ui(ui, tr.t("admin.tx.exit"));
                ui.label(RichText::new(tr.t("admin.tx.still_inside")).color(theme::WARN).strong());
                // HQ never writes into a site's rows: a forced close is done at the site.
                if !env.scope.hq {
                    close_form_ui(ui, close, visit, env);
                }
                return;
            };
            if exit.forced() {
                forced_fields_ui(ui, exit, tz, tr);
                return;
            }
            section_title_ui(ui, tr.t("admin.tx.exit"));
            let money =
                |r: Option<crate::domain::Rupiah>| r.map(|r| r.to_string()).unwrap_or_else(|| "–".into());
            let stay = (exit.exit_time - entry.entry_time).num_minutes();
            fields_ui(
                ui,
                "tx-exit-fields",
                &[
                    (tr.t("admin.tx.booth"), exit.booth.clone()),
                    (tr.t("admin.tx.exit_time"), time(exit.exit_time, tz)),
                    (tr.t("admin.tx.stay"), duration_text(stay, tr)),
                    (tr.t("admin.tx.operator"), exit.operator.clone().unwrap_or_else(|| "–".into())),
                    (
                        tr.t("admin.tx.method"),
                        tr.t(&format!("pay.method.{}", exit.method.as_str())).to_string(),
                    ),
                    (tr.t("admin.tx.tendered"), money(exit.tendered)),
                    (tr.t("admin.tx.change"), money(exit.change)),
                    (tr.t("admin.tx.reference"), exit.reference.clone().unwrap_or_else(|| "–".into())),
                    (tr.t("admin.tx.lost_ticket"), yes_no(exit.lost_ticket, tr)),
                    (tr.t("admin.tx.origin"), origin(exit.origin, tr)),
                    (
                        tr.t("admin.tx.shift"),
                        exit.shift_id.map(|id| id.to_string()).unwrap_or_else(|| "–".into()),
                    ),
                    (tr.t("admin.tx.exit_id"), exit.id.to_string()),
                ],
            );
            ui.add_space(6.0);
            section_title_ui(ui, tr.t("admin.tx.fee"));
            let language = tr.language().code();
            egui::Grid::new("tx-fee-lines").num_columns(2).spacing([24.0, 4.0]).show(ui, |ui| {
                for line in &exit.fee.lines {
                    ui.label(line.label(language));
                    ui.label(line.amount.to_string());
                    ui.end_row();
                }
                ui.label(RichText::new(tr.t("admin.tx.total")).strong());
                ui.label(RichText::new(exit.total.to_string()).strong().color(theme::ACCENT));
                ui.end_row();
            });
        });
    });
}

/// A forced close: why, the fee the visit carries, who closed it and when.
fn forced_fields_ui(ui: &mut egui::Ui, exit: &crate::store::Exit, tz: Tz, tr: &I18n) {
    section_title_ui(ui, tr.t("admin.books.close.forced_title"));
    fields_ui(
        ui,
        "tx-forced-fields",
        &[
            (tr.t("admin.books.reason"), exit.forced_reason.clone().unwrap_or_default()),
            (tr.t("admin.books.fee"), exit.total.to_string()),
            (tr.t("admin.books.by"), exit.operator.clone().unwrap_or_else(|| "–".into())),
            (tr.t("admin.tx.time"), time(exit.exit_time, tz)),
            (tr.t("admin.tx.booth"), exit.booth.clone()),
            (tr.t("admin.tx.exit_id"), exit.id.to_string()),
        ],
    );
}

fn manual_fields_ui(ui: &mut egui::Ui, open: &ManualOpen, tz: Tz, tr: &I18n) {
    theme::card().show(ui, |ui| {
        ui.set_width(ui.available_width());
        fields_ui(
            ui,
            "tx-manual-fields",
            &[
                (tr.t("admin.tx.time"), time(open.time, tz)),
                (tr.t("admin.tx.booth"), open.booth.clone()),
                (tr.t("admin.tx.operator"), open.username.clone().unwrap_or_else(|| "–".into())),
                (tr.t("admin.tx.reason"), open.reason.clone()),
                (tr.t("admin.tx.ticket"), open.ticket_no.clone().unwrap_or_else(|| "–".into())),
            ],
        );
    });
}

fn fields_ui(ui: &mut egui::Ui, id: &str, rows: &[(&str, String)]) {
    egui::Grid::new(id).num_columns(2).spacing([24.0, 5.0]).striped(true).show(ui, |ui| {
        for (label, value) in rows {
            ui.label(RichText::new(*label).color(theme::MUTED));
            ui.label(value);
            ui.end_row();
        }
    });
}

/// `23/11/2026 08:05` in the site's time zone.
pub fn time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d/%m/%Y %H:%M").to_string()
}

/// The text, or a dash when empty.
pub fn dash(text: &str) -> String {
    if text.is_empty() { "–".into() } else { text.to_string() }
}

fn origin(origin: Origin, tr: &I18n) -> String {
    match origin {
        Origin::Online => tr.t("admin.tx.online").into(),
        Origin::Journal => tr.t("admin.tx.journal").into(),
    }
}

/// `Ya` / `Tidak`.
pub fn yes_no(value: bool, tr: &I18n) -> String {
    tr.t(if value { "admin.records.yes" } else { "admin.records.no" }).into()
}

/// The reader's plate with its confidence (`B 1234 XYZ · 93 %`), or a dash.
fn plate_read_text(entry: &crate::store::Entry, tr: &crate::ui::i18n::I18n) -> String {
    match (&entry.plate_read, entry.plate_confidence) {
        (Some(read), Some(confidence)) => {
            tr.f("plates.detail.read_value", &[("plate", read), ("percent", &(confidence * 100.0).round())])
        }
        (Some(read), None) => read.clone(),
        (None, _) => "–".into(),
    }
}
