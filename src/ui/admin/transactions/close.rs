//! Closing a visit that is still inside from its detail: the vehicle left without an exit
//! record (during a manual opening, towed, a system error). The admin gives a reason and the
//! fee the visit carries (zero allowed); [`crate::admin::closes::close_visit`] checks the role,
//! writes the forced close and the audit line on a background task.

use egui::RichText;

use crate::admin::AdminError;
use crate::admin::closes::close_visit;
use crate::domain::Rupiah;
use crate::store::{Exit, Visit};
use crate::ui::app::Env;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::section_title_ui;

/// The shortest reason accepted (the same rule [`close_visit`] applies).
const MIN_REASON_CHARS: usize = 5;

/// The form and its outcome.
#[derive(Default)]
pub struct CloseForm {
    reason: String,
    fee: String,
    task: Option<Task<Result<Exit, AdminError>>>,
    error: Option<String>,
    /// What was done, once the close is stored.
    pub notice: Option<String>,
}

impl CloseForm {
    /// True while the close is being written.
    pub fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// The forced close once it is stored (taken once); a refusal stays on the form.
    pub fn take_closed(&mut self, env: &Env<'_>) -> Option<Exit> {
        let result = self.task.as_mut()?.take()?;
        self.task = None;
        match result {
            Ok(exit) => {
                let reason = exit.forced_reason.clone().unwrap_or_default();
                self.notice =
                    Some(env.tr.f("admin.books.close.done", &[("reason", &reason), ("fee", &exit.total)]));
                self.error = None;
                Some(exit)
            }
            Err(err) => {
                self.error = Some(super::super::admin_error_text(&err, env.tr));
                None
            }
        }
    }
}

/// The form under a visit still inside.
pub fn close_form_ui(ui: &mut egui::Ui, form: &mut CloseForm, visit: &Visit, env: &Env<'_>) {
    let tr = env.tr;
    ui.add_space(10.0);
    section_title_ui(ui, tr.t("admin.books.close.title"));
    ui.label(RichText::new(tr.t("admin.books.close.explain")).color(theme::MUTED));
    let label = ui.label(tr.t("admin.books.close.reason"));
    ui.add(
        egui::TextEdit::singleline(&mut form.reason)
            .hint_text(tr.t("admin.books.close.reason_hint"))
            .desired_width(f32::INFINITY)
            .id_salt("close-reason"),
    )
    .labelled_by(label.id);
    let label = ui.label(tr.t("admin.books.close.fee"));
    ui.add(
        egui::TextEdit::singleline(&mut form.fee)
            .hint_text(tr.t("admin.books.close.fee_hint"))
            .desired_width(200.0)
            .id_salt("close-fee"),
    )
    .labelled_by(label.id);
    let fee = if form.fee.trim().is_empty() { Some(Rupiah::ZERO) } else { Rupiah::parse(&form.fee) };
    let fee = fee.filter(|fee| *fee >= Rupiah::ZERO);
    if fee.is_none() {
        ui.label(RichText::new(tr.t("admin.books.close.bad_fee")).color(theme::FAULT));
    }
    let reason_given = form.reason.trim().chars().count() >= MIN_REASON_CHARS;
    if !reason_given {
        ui.label(RichText::new(tr.t("manual.reason_rule")).color(theme::MUTED));
    }
    ui.horizontal(|ui| {
        let button = egui::Button::new(tr.t("admin.books.close.button"));
        let clicked = ui.add_enabled(fee.is_some() && reason_given && !form.busy(), button).clicked();
        if form.busy() {
            ui.spinner();
        }
        if clicked && let Some(fee) = fee {
            let actor = super::super::actor(env);
            let site = env.site().to_string();
            let (id, reason) = (visit.entry.id.to_string(), form.reason.clone());
            form.error = None;
            form.task = Some(Task::spawn("admin-close-visit", env.waker, move || {
                close_visit(&actor.acting(), &site, &id, &reason, fee)
            }));
        }
    });
    if let Some(error) = &form.error {
        theme::message_ui(ui, theme::FAULT_BG, theme::FAULT, error);
    }
}
