//! Tariff and fee: the fee is a pure function of (tariff, entry time, exit time, flags) that
//! returns a breakdown a cashier can read, not just a number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::money::Rupiah;
use super::vehicle::ClassCode;

const DAY_S: i64 = 24 * 60 * 60;

/// What a member pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "percent", rename_all = "snake_case")]
pub enum MemberRule {
    /// Members park free.
    Free,
    /// Members get this many percent off (0–100).
    PercentOff(u8),
}

/// One class's tariff at one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tariff {
    /// The vehicle class it applies to.
    pub class: ClassCode,
    /// A stay up to this many minutes is free.
    pub grace_min: u32,
    /// Length of the first period.
    pub first_period_min: u32,
    /// Fee for the first period.
    pub first_fee: Rupiah,
    /// Length of each further period (a started period counts whole).
    pub next_period_min: u32,
    /// Fee for each further period.
    pub next_fee: Rupiah,
    /// The most one 24-hour block costs.
    pub daily_max: Rupiah,
    /// Fine for a lost ticket, added to the fee.
    pub lost_fine: Rupiah,
    /// What members pay.
    pub member: MemberRule,
}

/// Why a tariff was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TariffError {
    /// Periods must last at least a minute.
    #[error("{0} must be at least 1 minute")]
    ZeroPeriod(&'static str),
    /// Money can't be negative.
    #[error("{0} cannot be negative")]
    NegativeAmount(&'static str),
    /// The daily maximum must cover the first period.
    #[error("the daily maximum ({max}) is below the first-period fee ({first})")]
    DailyMaxBelowFirst {
        /// Daily maximum.
        max: Rupiah,
        /// First-period fee.
        first: Rupiah,
    },
    /// Member discount over 100 %.
    #[error("a member discount of {0} % is more than 100 %")]
    DiscountOver100(u8),
}

impl Tariff {
    /// Checks the numbers make sense before the tariff is saved.
    pub fn validate(&self) -> Result<(), TariffError> {
        if self.first_period_min == 0 {
            return Err(TariffError::ZeroPeriod("the first period"));
        }
        if self.next_period_min == 0 {
            return Err(TariffError::ZeroPeriod("each further period"));
        }
        for (name, amount) in [
            ("the first-period fee", self.first_fee),
            ("the further-period fee", self.next_fee),
            ("the daily maximum", self.daily_max),
            ("the lost-ticket fine", self.lost_fine),
        ] {
            if amount.0 < 0 {
                return Err(TariffError::NegativeAmount(name));
            }
        }
        if self.daily_max < self.first_fee {
            return Err(TariffError::DailyMaxBelowFirst { max: self.daily_max, first: self.first_fee });
        }
        if let MemberRule::PercentOff(percent) = self.member
            && percent > 100
        {
            return Err(TariffError::DiscountOver100(percent));
        }
        Ok(())
    }
}

/// The tariff table shipped with the migrations (DESIGN.md).
pub fn default_tariffs() -> Vec<Tariff> {
    let row = |code: &str, first: i64, next: i64, max: i64, lost: i64| Tariff {
        class: ClassCode::parse(code).unwrap_or_else(|_| unreachable!("literal class codes are valid")),
        grace_min: 5,
        first_period_min: 60,
        first_fee: Rupiah(first),
        next_period_min: 60,
        next_fee: Rupiah(next),
        daily_max: Rupiah(max),
        lost_fine: Rupiah(lost),
        member: MemberRule::Free,
    };
    vec![
        row("MTR", 2_000, 1_000, 10_000, 20_000),
        row("MBL", 5_000, 3_000, 40_000, 50_000),
        row("TRK", 10_000, 5_000, 75_000, 100_000),
    ]
}

/// Circumstances that change the fee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeFlags {
    /// The ticket was lost: the fine is added.
    pub lost_ticket: bool,
    /// The vehicle belongs to an active member.
    pub member: bool,
}

/// One line of the breakdown, structured so every language can word it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeLineKind {
    /// Inside the grace period.
    Grace {
        /// Grace length.
        minutes: u32,
    },
    /// Whole 24-hour blocks at the daily maximum.
    FullDays {
        /// How many.
        days: i64,
    },
    /// The first period.
    FirstPeriod {
        /// Its length.
        minutes: u32,
    },
    /// Further periods started.
    FurtherPeriods {
        /// How many were started.
        count: i64,
        /// Length of each.
        minutes: u32,
        /// Fee of each.
        each: Rupiah,
    },
    /// The rest of the stay was capped at the daily maximum.
    DailyCap,
    /// Lost-ticket fine.
    LostTicket,
    /// The fee an admin set when closing a visit without an exit (towed, left during a manual
    /// open, system error).
    SetAtForcedClose,
    /// Member discount (negative amount).
    Member {
        /// Percent off; 100 for free.
        percent: u8,
    },
}

/// A breakdown line: what and how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeLine {
    /// What the line is.
    #[serde(flatten)]
    pub kind: FeeLineKind,
    /// Its amount (negative for a discount or cap).
    pub amount: Rupiah,
}

impl FeeLine {
    /// The line as a cashier reads it, in Indonesian (`"id"`) or English (`"en"`).
    pub fn label(&self, language: &str) -> String {
        let en = language == "en";
        match &self.kind {
            FeeLineKind::Grace { minutes } if en => format!("Grace period ({minutes} min)"),
            FeeLineKind::Grace { minutes } => format!("Masa tenggang ({minutes} menit)"),
            FeeLineKind::FullDays { days } if en => format!("{days} × 24 hours (daily max.)"),
            FeeLineKind::FullDays { days } => format!("{days} × 24 jam (maks. harian)"),
            FeeLineKind::FirstPeriod { minutes } => period_label(1, *minutes, en, true),
            FeeLineKind::FurtherPeriods { count, minutes, each } => {
                format!("{} × {each}", period_label(*count, *minutes, en, false))
            }
            FeeLineKind::DailyCap if en => "Capped at daily max.".to_string(),
            FeeLineKind::DailyCap => "maks. harian".to_string(),
            FeeLineKind::LostTicket if en => "Lost ticket fine".to_string(),
            FeeLineKind::LostTicket => "Denda tiket hilang".to_string(),
            FeeLineKind::SetAtForcedClose if en => "Fee set at forced close".to_string(),
            FeeLineKind::SetAtForcedClose => "Tarif ditetapkan saat tutup paksa".to_string(),
            FeeLineKind::Member { percent: 100 } if en => "Member: free".to_string(),
            FeeLineKind::Member { percent: 100 } => "Member: gratis".to_string(),
            FeeLineKind::Member { percent } if en => format!("Member discount {percent}%"),
            FeeLineKind::Member { percent } => format!("Diskon member {percent}%"),
        }
    }
}

/// "1 jam pertama", "2 jam berikutnya", "30 menit pertama", "3 further hours".
fn period_label(count: i64, minutes: u32, en: bool, first: bool) -> String {
    let (unit_count, unit_id, unit_en) = if minutes.is_multiple_of(60) {
        (
            count * i64::from(minutes / 60),
            "jam",
            if count * i64::from(minutes / 60) == 1 { "hour" } else { "hours" },
        )
    } else {
        (count * i64::from(minutes), "menit", "min")
    };
    match (en, first) {
        (true, true) => format!("First {unit_count} {unit_en}"),
        (true, false) => format!("{unit_count} further {unit_en}"),
        (false, true) => format!("{unit_count} {unit_id} pertama"),
        (false, false) => format!("{unit_count} {unit_id} berikutnya"),
    }
}

/// The fee: its lines and their total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    /// Whole minutes parked (rounded down); `None` for a lost ticket with no entry found.
    pub stay_min: Option<i64>,
    /// The breakdown, in order.
    pub lines: Vec<FeeLine>,
    /// What to pay; never negative.
    pub total: Rupiah,
}

/// The parking fee for a stay from `entry` to `exit` (either order is treated as zero length).
pub fn parking_fee(tariff: &Tariff, entry: DateTime<Utc>, exit: DateTime<Utc>, flags: FeeFlags) -> Fee {
    let stay_s = (exit - entry).num_seconds().max(0);
    let mut lines = stay_lines(tariff, stay_s);
    if flags.lost_ticket {
        lines.push(FeeLine { kind: FeeLineKind::LostTicket, amount: tariff.lost_fine });
    }
    finish(tariff, Some(stay_s / 60), lines, flags.member)
}

/// The fee an admin sets when closing a visit without an exit: one line, never negative.
pub fn forced_close_fee(amount: Rupiah, stay_min: Option<i64>) -> Fee {
    let amount = amount.max(Rupiah::ZERO);
    Fee { stay_min, lines: vec![FeeLine { kind: FeeLineKind::SetAtForcedClose, amount }], total: amount }
}

/// The fee for a lost ticket whose entry could not be found: the fine alone.
pub fn lost_ticket_fine_only(tariff: &Tariff, member: bool) -> Fee {
    let lines = vec![FeeLine { kind: FeeLineKind::LostTicket, amount: tariff.lost_fine }];
    finish(tariff, None, lines, member)
}

fn finish(tariff: &Tariff, stay_min: Option<i64>, mut lines: Vec<FeeLine>, member: bool) -> Fee {
    let subtotal: Rupiah = lines.iter().map(|line| line.amount).sum();
    if member && subtotal > Rupiah::ZERO {
        let percent = match tariff.member {
            MemberRule::Free => 100,
            MemberRule::PercentOff(percent) => percent.min(100),
        };
        let discount = Rupiah(subtotal.0 * i64::from(percent) / 100);
        if discount > Rupiah::ZERO {
            lines.push(FeeLine { kind: FeeLineKind::Member { percent }, amount: Rupiah(-discount.0) });
        }
    }
    let total = lines.iter().map(|line| line.amount).sum::<Rupiah>().max(Rupiah::ZERO);
    Fee { stay_min, lines, total }
}

/// The lines for the stay itself, before fines and discounts.
fn stay_lines(tariff: &Tariff, stay_s: i64) -> Vec<FeeLine> {
    if stay_s <= i64::from(tariff.grace_min) * 60 {
        return vec![FeeLine {
            kind: FeeLineKind::Grace { minutes: tariff.grace_min },
            amount: Rupiah::ZERO,
        }];
    }
    let mut lines = Vec::new();
    let days = stay_s / DAY_S;
    let rest_s = stay_s % DAY_S;
    if days > 0 {
        lines.push(FeeLine { kind: FeeLineKind::FullDays { days }, amount: tariff.daily_max.times(days) });
    }
    if rest_s == 0 {
        return lines;
    }
    lines.push(FeeLine {
        kind: FeeLineKind::FirstPeriod { minutes: tariff.first_period_min },
        amount: tariff.first_fee,
    });
    let first_s = i64::from(tariff.first_period_min) * 60;
    let next_s = i64::from(tariff.next_period_min.max(1)) * 60;
    let further = if rest_s > first_s { (rest_s - first_s + next_s - 1) / next_s } else { 0 };
    let mut rest_fee = tariff.first_fee;
    if further > 0 {
        let amount = tariff.next_fee.times(further);
        rest_fee += amount;
        lines.push(FeeLine {
            kind: FeeLineKind::FurtherPeriods {
                count: further,
                minutes: tariff.next_period_min,
                each: tariff.next_fee,
            },
            amount,
        });
    }
    if rest_fee > tariff.daily_max {
        lines.push(FeeLine { kind: FeeLineKind::DailyCap, amount: tariff.daily_max - rest_fee });
    }
    lines
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    use super::*;

    fn tariff(code: &str) -> Tariff {
        default_tariffs().into_iter().find(|t| t.class.as_str() == code).unwrap()
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap() + Duration::minutes(minutes)
    }

    fn fee_for(code: &str, minutes: i64, flags: FeeFlags) -> Fee {
        parking_fee(&tariff(code), at(0), at(minutes), flags)
    }

    #[test]
    fn fee_table_for_the_edges() {
        let none = FeeFlags::default();
        let lost = FeeFlags { lost_ticket: true, member: false };
        // (class, minutes parked, flags, expected total)
        let cases = [
            ("MBL", 0, none, 0),
            ("MBL", 5, none, 0),      // grace boundary is free
            ("MBL", 6, none, 5_000),  // one minute past grace
            ("MBL", 60, none, 5_000), // exactly the first period
            ("MBL", 61, none, 8_000), // a further period started
            ("MBL", 120, none, 8_000),
            ("MBL", 121, none, 11_000),
            ("MBL", 600, none, 32_000), // 5 000 + 9 × 3 000
            ("MBL", 720, none, 38_000),
            ("MBL", 781, none, 40_000),   // 5 000 + 12 × 3 000 = 41 000 → capped
            ("MBL", 1_440, none, 40_000), // exactly 24 h: one daily maximum, rest zero
            ("MBL", 1_441, none, 45_000), // 24 h + 1 min: the rest starts a first period
            ("MBL", 3 * 1_440 + 90, none, 128_000), // 3 days + 1 h 30 → 120 000 + 8 000
            ("MTR", 5, none, 0),
            ("MTR", 61, none, 3_000),
            ("MTR", 1_000, none, 10_000),
            ("TRK", 61, none, 15_000),
            ("TRK", 2 * 1_440, none, 150_000),
            ("MBL", 61, lost, 58_000), // lost ticket with entry found: fine + fee
            ("MBL", 3, lost, 50_000),  // lost within grace: the fine still applies
        ];
        for (code, minutes, flags, expected) in cases {
            assert_eq!(
                fee_for(code, minutes, flags).total,
                Rupiah(expected),
                "{code} {minutes} min {flags:?}"
            );
        }
    }

    #[test]
    fn lost_ticket_without_entry_is_the_fine_alone() {
        let fee = lost_ticket_fine_only(&tariff("MBL"), false);
        assert_eq!(fee.total, Rupiah(50_000));
        assert_eq!(fee.stay_min, None);
        assert_eq!(fee.lines.len(), 1);
    }

    #[test]
    fn members_park_free_or_at_a_discount() {
        let member = FeeFlags { lost_ticket: false, member: true };
        assert_eq!(fee_for("MBL", 200, member).total, Rupiah::ZERO);
        let mut half = tariff("MBL");
        half.member = MemberRule::PercentOff(50);
        assert_eq!(parking_fee(&half, at(0), at(61), member).total, Rupiah(4_000));
        let lines = parking_fee(&half, at(0), at(61), member).lines;
        assert_eq!(lines.last().map(|l| l.label("id")).as_deref(), Some("Diskon member 50%"));
    }

    #[test]
    fn breakdown_reads_like_the_cashier_expects() {
        let fee = fee_for("MBL", 150, FeeFlags::default());
        let labels: Vec<String> = fee.lines.iter().map(|l| l.label("id")).collect();
        assert_eq!(labels, ["1 jam pertama", "2 jam berikutnya × Rp 3.000"]);
        assert_eq!(fee.lines.iter().map(|l| l.amount).sum::<Rupiah>(), fee.total);
        let capped = fee_for("MBL", 1_441 + 900, FeeFlags::default());
        let labels: Vec<String> = capped.lines.iter().map(|l| l.label("id")).collect();
        assert_eq!(
            labels,
            ["1 × 24 jam (maks. harian)", "1 jam pertama", "15 jam berikutnya × Rp 3.000", "maks. harian"]
        );
        assert_eq!(capped.total, Rupiah(80_000));
        assert_eq!(fee_for("MBL", 61, FeeFlags::default()).lines[1].label("en"), "1 further hour × Rp 3.000");
    }

    #[test]
    fn validation_names_the_problem() {
        let mut bad = tariff("MBL");
        bad.first_period_min = 0;
        assert_eq!(bad.validate(), Err(TariffError::ZeroPeriod("the first period")));
        let mut bad = tariff("MBL");
        bad.daily_max = Rupiah(1_000);
        assert!(matches!(bad.validate(), Err(TariffError::DailyMaxBelowFirst { .. })));
        let mut bad = tariff("MBL");
        bad.member = MemberRule::PercentOff(120);
        assert_eq!(bad.validate(), Err(TariffError::DiscountOver100(120)));
        assert!(default_tariffs().iter().all(|t| t.validate().is_ok()));
    }

    fn any_tariff() -> impl Strategy<Value = Tariff> {
        (0u32..30, 1u32..240, 0i64..20_000, 1u32..240, 0i64..20_000, 0i64..200_000).prop_map(
            |(grace, first_min, first, next_min, next, extra)| Tariff {
                class: ClassCode::parse("MBL").unwrap(),
                grace_min: grace,
                first_period_min: first_min,
                first_fee: Rupiah(first),
                next_period_min: next_min,
                next_fee: Rupiah(next),
                daily_max: Rupiah(first + extra),
                lost_fine: Rupiah(50_000),
                member: MemberRule::Free,
            },
        )
    }

    proptest! {
        #[test]
        fn never_negative_never_decreasing_never_above_the_daily_bound(
            t in any_tariff(), a in 0i64..20_000, b in 0i64..20_000
        ) {
            let (short, long) = (a.min(b), a.max(b));
            let f_short = parking_fee(&t, at(0), at(short), FeeFlags::default()).total;
            let f_long = parking_fee(&t, at(0), at(long), FeeFlags::default()).total;
            prop_assert!(f_short >= Rupiah::ZERO);
            prop_assert!(f_short <= f_long, "{short} min → {f_short}, {long} min → {f_long}");
            let days = long / 1_440;
            prop_assert!(f_long <= t.daily_max.times(days) + t.daily_max);
        }

        #[test]
        fn lines_always_add_up_to_the_total(t in any_tariff(), m in 0i64..10_000, lost: bool) {
            let fee = parking_fee(&t, at(0), at(m), FeeFlags { lost_ticket: lost, member: false });
            prop_assert_eq!(fee.lines.iter().map(|l| l.amount).sum::<Rupiah>(), fee.total);
        }
    }
}
