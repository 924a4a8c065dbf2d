//! The Settings screen's retention card: the configured days, and the admin's purge of
//! database rows before a day — counted first (a dry run), then deleted on a second press for
//! that same day, on a task, audited with its counts.

use chrono::NaiveDate;
use egui::RichText;

use crate::admin::visits::parse_day;
use crate::domain::calendar::day_range;
use crate::retention::{Keep, purge_rows};
use crate::store::{PurgeCounts, PurgePlan};
use crate::ui::admin::admin_error_text;
use crate::ui::app::Env;
use crate::ui::i18n::I18n;
use crate::ui::task::Task;
use crate::ui::theme;
use crate::ui::widgets::{KeyButton, section_title_ui};

/// A purge's answer: the day, whether it was a dry run, and the counts or why not.
type Answer = (NaiveDate, bool, Result<PurgeCounts, String>);

/// The card's state.
#[derive(Default)]
pub struct RetentionPanel {
    before: String,
    run: Option<Task<Answer>>,
    /// The day last counted, and what would go.
    counted: Option<(NaiveDate, PurgeCounts)>,
    /// The day purged, and what went.
    purged: Option<(NaiveDate, PurgeCounts)>,
    error: Option<String>,
}

fn keep_text(keep: Keep, tr: &I18n) -> String {
    match keep {
        Keep::Days(days) => tr.f("retention.days", &[("days", &days)]),
        Keep::Forever => tr.t("retention.off").to_string(),
    }
}

fn counts_text(counts: &PurgeCounts, tr: &I18n) -> String {
    tr.f(
        "retention.counts",
        &[
            ("visits", &counts.visits),
            ("photos", &counts.photos),
            ("shifts", &counts.shifts),
            ("audit", &counts.audit_rows),
        ],
    )
}

/// The card.
pub fn retention_ui(ui: &mut egui::Ui, panel: &mut RetentionPanel, env: &Env<'_>) {
    let tr = env.tr;
    if let Some(task) = &mut panel.run
        && let Some((day, dry_run, result)) = task.take()
    {
        panel.run = None;
        match result {
            Ok(counts) if dry_run => panel.counted = Some((day, counts)),
            Ok(counts) => {
                panel.counted = None;
                panel.purged = Some((day, counts));
            }
            Err(err) => panel.error = Some(err),
        }
    }
    section_title_ui(ui, tr.t("retention.title"));
    let config = env.runtime.config();
    egui::Grid::new("retention-days").num_columns(2).spacing([16.0, 4.0]).show(ui, |ui| {
        for (label, keep) in [
            ("retention.photos", config.retention.photos_days),
            ("retention.journals", config.synced_journals_keep()),
            ("retention.audit", config.retention.audit_days),
            ("retention.visits", config.retention.visits_days),
        ] {
            ui.label(RichText::new(tr.t(label)).color(theme::MUTED));
            ui.label(keep_text(keep, tr));
            ui.end_row();
        }
    });
    ui.label(RichText::new(tr.t("retention.rule")).color(theme::MUTED).size(14.0));
    ui.add_space(6.0);
    let day = parse_day(&panel.before);
    let busy = panel.run.is_some();
    ui.horizontal(|ui| {
        let label = ui.label(tr.t("retention.before"));
        ui.add_enabled(
            !busy,
            egui::TextEdit::singleline(&mut panel.before)
                .hint_text("dd/mm/yyyy")
                .desired_width(140.0)
                .id_salt("retention-before"),
        )
        .labelled_by(label.id);
        let count = KeyButton::new(tr.t("retention.count"), None).enabled(!busy && day.is_some()).show(ui);
        let counted_day = panel.counted.map(|(d, _)| d);
        let delete = KeyButton::new(tr.t("retention.delete"), None)
            .primary(true)
            .enabled(!busy && day.is_some() && counted_day == day)
            .show(ui);
        if let Some(day) = day
            && (count || delete)
        {
            panel.error = None;
            panel.purged = None;
            let dry_run = !delete;
            let tz = config.timezone();
            let site = config.site.code.clone();
            let actor = super::actor(env);
            let tr = tr.clone();
            panel.run = Some(Task::spawn("admin-purge", env.waker, move || {
                let Some((cutoff, _)) = day_range(day, tz) else {
                    return (day, dry_run, Err(tr.t("retention.bad_day").to_string()));
                };
                let plan =
                    PurgePlan { site, visits_before: Some(cutoff), audit_before: Some(cutoff), dry_run };
                (day, dry_run, purge_rows(&actor.acting(), &plan).map_err(|err| admin_error_text(&err, &tr)))
            }));
        }
        if busy {
            ui.spinner();
        }
    });
    if !panel.before.trim().is_empty() && day.is_none() {
        ui.label(RichText::new(tr.t("retention.bad_day")).color(theme::FAULT));
    }
    if let Some((day, counts)) = &panel.counted {
        let text = tr
            .f("retention.would", &[("day", &day.format("%d/%m/%Y")), ("counts", &counts_text(counts, tr))]);
        ui.label(RichText::new(text).color(theme::WARN));
    }
    if let Some((day, counts)) = &panel.purged {
        let text =
            tr.f("retention.done", &[("day", &day.format("%d/%m/%Y")), ("counts", &counts_text(counts, tr))]);
        ui.label(RichText::new(text).color(theme::GOOD));
    }
    if let Some(error) = &panel.error {
        ui.label(RichText::new(error).color(theme::FAULT));
    }
}
