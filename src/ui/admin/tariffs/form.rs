//! The tariff form: the fields as typed, what is wrong with each in the operator's language,
//! the effective-from moment, and the preview table computed live from the edited values.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use egui::RichText;

use crate::admin::tariffs::{PREVIEW_STAYS, preview};
use crate::domain::{ClassCode, Fee, MemberRule, Rupiah, Tariff};
use crate::ui::i18n::I18n;
use crate::ui::theme;

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Free minutes.
    Grace,
    /// Length of the first period.
    FirstPeriod,
    /// Fee of the first period.
    FirstFee,
    /// Length of each further period.
    NextPeriod,
    /// Fee of each further period.
    NextFee,
    /// Most per 24 hours.
    DailyMax,
    /// Lost-ticket fine.
    LostFine,
    /// Member percent off.
    Percent,
    /// The effective-from date and time.
    Effective,
}

/// The tariff as typed: every value is text until it parses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TariffForm {
    /// Free minutes.
    pub grace: String,
    /// First period, minutes.
    pub first_period: String,
    /// First period fee, rupiah.
    pub first_fee: String,
    /// Further period, minutes.
    pub next_period: String,
    /// Further period fee, rupiah.
    pub next_fee: String,
    /// Daily maximum, rupiah.
    pub daily_max: String,
    /// Lost-ticket fine, rupiah.
    pub lost_fine: String,
    /// Members park free (else `percent` off).
    pub member_free: bool,
    /// Member discount, percent.
    pub percent: String,
}

impl TariffForm {
    /// The form showing `tariff`.
    pub fn of(tariff: &Tariff) -> Self {
        let (member_free, percent) = match tariff.member {
            MemberRule::Free => (true, String::new()),
            MemberRule::PercentOff(p) => (false, p.to_string()),
        };
        Self {
            grace: tariff.grace_min.to_string(),
            first_period: tariff.first_period_min.to_string(),
            first_fee: tariff.first_fee.digits(),
            next_period: tariff.next_period_min.to_string(),
            next_fee: tariff.next_fee.digits(),
            daily_max: tariff.daily_max.digits(),
            lost_fine: tariff.lost_fine.digits(),
            member_free,
            percent,
        }
    }

    /// The tariff the form describes, or what is wrong with it field by field.
    pub fn parse(&self, class: &ClassCode, tr: &I18n) -> Result<Tariff, Vec<(Field, String)>> {
        let mut errors = Vec::new();
        let mut minutes = |field: Field, text: &str, least: u32| match text.trim().parse::<u32>() {
            Ok(value) if value >= least => value,
            Ok(_) => {
                errors.push((field, tr.t("admin.tariffs.error.zero_period").to_string()));
                0
            }
            Err(_) => {
                errors.push((field, tr.t("admin.tariffs.error.minutes").to_string()));
                0
            }
        };
        let grace_min = minutes(Field::Grace, &self.grace, 0);
        let first_period_min = minutes(Field::FirstPeriod, &self.first_period, 1);
        let next_period_min = minutes(Field::NextPeriod, &self.next_period, 1);
        let mut money = |field: Field, text: &str| match Rupiah::parse(text) {
            Some(amount) if amount < Rupiah::ZERO => {
                errors.push((field, tr.t("admin.tariffs.error.negative").to_string()));
                Rupiah::ZERO
            }
            Some(amount) => amount,
            None => {
                errors.push((field, tr.t("admin.tariffs.error.amount").to_string()));
                Rupiah::ZERO
            }
        };
        let first_fee = money(Field::FirstFee, &self.first_fee);
        let next_fee = money(Field::NextFee, &self.next_fee);
        let daily_max = money(Field::DailyMax, &self.daily_max);
        let lost_fine = money(Field::LostFine, &self.lost_fine);
        let member = if self.member_free {
            MemberRule::Free
        } else {
            match self.percent.trim().parse::<u8>() {
                Ok(p) if p <= 100 => MemberRule::PercentOff(p),
                _ => {
                    errors.push((Field::Percent, tr.t("admin.tariffs.error.percent").to_string()));
                    MemberRule::Free
                }
            }
        };
        let both_fees_read = !errors.iter().any(|(f, _)| matches!(f, Field::FirstFee | Field::DailyMax));
        if both_fees_read && daily_max < first_fee {
            errors.push((
                Field::DailyMax,
                tr.f("admin.tariffs.error.daily_max_below_first", &[("first", &first_fee)]),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let tariff = Tariff {
            class: class.clone(),
            grace_min,
            first_period_min,
            first_fee,
            next_period_min,
            next_fee,
            daily_max,
            lost_fine,
            member,
        };
        // The domain has the last word; the checks above word its rules for the operator.
        tariff.validate().map_err(|err| vec![(Field::DailyMax, err.to_string())])?;
        Ok(tariff)
    }
}

/// When the new tariff starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// From the moment of saving.
    pub now: bool,
    /// Local date `dd/mm/yyyy`.
    pub date: String,
    /// Local time `HH:MM`.
    pub time: String,
}

impl Default for Effective {
    fn default() -> Self {
        Self { now: true, date: String::new(), time: "00:00".into() }
    }
}

impl Effective {
    /// Fills in tomorrow's date (site time) when the admin first chooses a date.
    pub fn suggest(&mut self, now: DateTime<Utc>, tz: Tz) {
        if self.date.trim().is_empty() {
            let tomorrow = now.with_timezone(&tz).date_naive().succ_opt().unwrap_or_default();
            self.date = tomorrow.format("%d/%m/%Y").to_string();
        }
    }

    /// The chosen moment (`None` for "now"), or why it cannot be used.
    pub fn parse(&self, now: DateTime<Utc>, tz: Tz, tr: &I18n) -> Result<Option<DateTime<Utc>>, String> {
        if self.now {
            return Ok(None);
        }
        let date = NaiveDate::parse_from_str(self.date.trim(), "%d/%m/%Y")
            .map_err(|_| tr.t("admin.tariffs.error.date").to_string())?;
        let time = NaiveTime::parse_from_str(self.time.trim(), "%H:%M")
            .map_err(|_| tr.t("admin.tariffs.error.time").to_string())?;
        let local = tz
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .ok_or_else(|| tr.t("admin.tariffs.error.time").to_string())?;
        let at = local.with_timezone(&Utc);
        if at < now {
            return Err(tr.t("admin.tariffs.error.past").to_string());
        }
        Ok(Some(at))
    }
}

/// A preview stay in the operator's language.
pub fn stay_label(minutes: Option<i64>, tr: &I18n) -> String {
    match minutes {
        None => tr.t("admin.tariffs.stay_lost").to_string(),
        Some(m) if m % 60 == 0 => tr.f("admin.tariffs.stay_hours", &[("hours", &(m / 60))]),
        Some(m) => tr.f("admin.tariffs.stay_minutes", &[("minutes", &m)]),
    }
}

/// The preview: each stay's fee under the tariff in force and under the edited one (when it
/// parses), with the breakdown on hover.
pub fn preview_ui(ui: &mut egui::Ui, current: Option<&Tariff>, edited: Option<&Tariff>, tr: &I18n) {
    let language = tr.language().code();
    let current = current.map(preview);
    let edited = edited.map(preview);
    egui::Grid::new("tariff-preview").striped(true).num_columns(3).spacing([28.0, 6.0]).show(ui, |ui| {
        for key in ["admin.tariffs.stay", "admin.tariffs.current_fee", "admin.tariffs.new_fee"] {
            ui.label(RichText::new(tr.t(key)).color(theme::MUTED));
        }
        ui.end_row();
        for (index, (_, minutes)) in PREVIEW_STAYS.iter().enumerate() {
            ui.label(stay_label(*minutes, tr));
            let fee_at = |fees: &Option<Vec<(&'static str, Fee)>>| fees.as_ref().map(|f| f[index].1.clone());
            fee_cell_ui(ui, fee_at(&current).as_ref(), false, language);
            fee_cell_ui(ui, fee_at(&edited).as_ref(), true, language);
            ui.end_row();
        }
    });
}

fn fee_cell_ui(ui: &mut egui::Ui, fee: Option<&Fee>, strong: bool, language: &str) {
    let Some(fee) = fee else {
        ui.label(RichText::new("–").color(theme::MUTED));
        return;
    };
    let text = RichText::new(fee.total.to_string()).size(18.0);
    let text = if strong { text.strong().color(theme::ACCENT) } else { text.color(theme::TEXT) };
    let breakdown = fee
        .lines
        .iter()
        .map(|line| format!("{}: {}", line.label(language), line.amount))
        .collect::<Vec<_>>()
        .join("\n");
    let response = ui.label(text);
    if !breakdown.is_empty() {
        response.on_hover_text(breakdown);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::domain::tariff::default_tariffs;

    fn car() -> Tariff {
        default_tariffs().into_iter().find(|t| t.class.as_str() == "MBL").unwrap()
    }

    #[test]
    fn the_form_round_trips_a_tariff_and_reads_rupiah_as_typed() {
        let tr = I18n::new(Language::Indonesian);
        let mut form = TariffForm::of(&car());
        assert_eq!(form.first_fee, "5.000");
        assert_eq!(form.parse(&car().class, &tr), Ok(car()));
        form.first_fee = "Rp 6.000".into();
        form.next_fee = "3500".into();
        let parsed = form.parse(&car().class, &tr).unwrap();
        assert_eq!((parsed.first_fee, parsed.next_fee), (Rupiah(6_000), Rupiah(3_500)));
    }

    type Change = fn(&mut TariffForm);

    #[test]
    fn each_bad_value_is_named_beside_its_field() {
        let tr = I18n::new(Language::English);
        let cases: [(Change, Field); 6] = [
            (|f| f.first_fee = "5,000".into(), Field::FirstFee),
            (|f| f.next_fee = "-1".into(), Field::NextFee),
            (|f| f.first_period = "0".into(), Field::FirstPeriod),
            (|f| f.grace = "five".into(), Field::Grace),
            (|f| f.daily_max = "4.000".into(), Field::DailyMax),
            (
                |f| {
                    f.member_free = false;
                    f.percent = "120".into();
                },
                Field::Percent,
            ),
        ];
        for (change, field) in cases {
            let mut form = TariffForm::of(&car());
            change(&mut form);
            let errors = form.parse(&car().class, &tr).unwrap_err();
            assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![field], "{errors:?}");
        }
    }

    #[test]
    fn the_effective_moment_is_site_time_and_never_in_the_past() {
        let tr = I18n::new(Language::Indonesian);
        let tz: Tz = "Asia/Jakarta".parse().unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 1, 5, 0).unwrap();
        let mut effective = Effective::default();
        assert_eq!(effective.parse(now, tz, &tr), Ok(None));
        effective.now = false;
        effective.suggest(now, tz);
        assert_eq!(effective.date, "24/11/2026");
        let at = effective.parse(now, tz, &tr).unwrap().unwrap();
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 11, 23, 17, 0, 0).unwrap());
        effective.date = "22/11/2026".into();
        assert!(effective.parse(now, tz, &tr).is_err());
        effective.date = "31/02/2026".into();
        assert!(effective.parse(now, tz, &tr).is_err());
    }
}
