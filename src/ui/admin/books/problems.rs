//! The books' problems in the operator's language: drawn from the check's figures (the check
//! itself words them in English for the command line), so the Books screen and the dashboard
//! say the same thing in Indonesian or English.

use chrono::NaiveDate;

use crate::domain::Rupiah;
use crate::lane::books::BooksReport;
use crate::ui::i18n::I18n;

/// One thing that keeps the books from balancing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A day's entries are not its exits, forced closes and vehicles inside.
    Day {
        /// The local day as the check names it (`2026-11-23`).
        day: String,
        /// Entries that day.
        entries: u64,
        /// Of them, left through an exit.
        exited: u64,
        /// Of them, closed by a forced close.
        forced: u64,
        /// Of them, still inside.
        inside: u64,
    },
    /// The payments do not add up to what the shifts hold.
    Payments {
        /// Every payment of the period.
        revenue: Rupiah,
        /// What the shifts hold of them.
        shifts: Rupiah,
    },
    /// A closed shift's cash differs from its payments and no late record explains it.
    ShiftCash {
        /// The cashier.
        cashier: String,
        /// The booth.
        booth: String,
        /// The expected cash stored at the close.
        expected: Rupiah,
        /// Float plus cash payments now.
        now: Rupiah,
    },
    /// Exits whose entry is not in the database.
    Orphans {
        /// How many.
        count: u64,
    },
    /// Records still waiting in this machine's journal.
    Pending {
        /// How many.
        count: u64,
    },
    /// A problem the figures do not carry (the journal could not be read), in the check's
    /// own words.
    Other(String),
}

/// The problems of `report`, in the order the check finds them.
pub fn problems(report: &BooksReport) -> Vec<Problem> {
    let mut out = Vec::new();
    for day in &report.days {
        if day.entries != day.exited + day.forced + day.inside {
            out.push(Problem::Day {
                day: day.day.clone(),
                entries: day.entries,
                exited: day.exited,
                forced: day.forced,
                inside: day.inside,
            });
        }
    }
    if report.revenue != report.shift_total {
        out.push(Problem::Payments { revenue: report.revenue, shifts: report.shift_total });
    }
    for shift in &report.shifts {
        if let Some(expected) = shift.shift.expected_cash
            && expected != shift.expected_now
            && !shift.revised
        {
            out.push(Problem::ShiftCash {
                cashier: shift.shift.username.clone(),
                booth: shift.shift.booth.clone(),
                expected,
                now: shift.expected_now,
            });
        }
    }
    if report.orphans > 0 {
        out.push(Problem::Orphans { count: report.orphans });
    }
    if report.pending_journal > 0 {
        out.push(Problem::Pending { count: report.pending_journal });
    }
    if out.is_empty() && !report.ok {
        out.extend(report.problems.iter().cloned().map(Problem::Other));
    }
    out
}

/// The problem as one plain sentence.
pub fn problem_text(problem: &Problem, tr: &I18n) -> String {
    match problem {
        Problem::Day { day, entries, exited, forced, inside } => tr.f(
            "admin.books.problem.day",
            &[
                ("day", &day_text(day)),
                ("entries", entries),
                ("exited", exited),
                ("forced", forced),
                ("inside", inside),
            ],
        ),
        Problem::Payments { revenue, shifts } => {
            tr.f("admin.books.problem.payments", &[("revenue", revenue), ("shifts", shifts)])
        }
        Problem::ShiftCash { cashier, booth, expected, now } => tr.f(
            "admin.books.problem.shift_cash",
            &[("cashier", cashier), ("booth", booth), ("expected", expected), ("now", now)],
        ),
        Problem::Orphans { count } => tr.f("admin.books.problem.orphans", &[("count", count)]),
        Problem::Pending { count } => tr.f("admin.books.problem.pending", &[("count", count)]),
        Problem::Other(text) => text.clone(),
    }
}

/// `2026-11-23` as `23/11/2026`; any other text as it is.
pub fn day_text(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%d/%m/%Y").to_string())
        .unwrap_or_else(|_| day.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::lane::books::{DayBooks, ShiftBooks};
    use crate::store::Shift;

    fn shift(expected: Option<i64>, now: i64, revised: bool) -> ShiftBooks {
        let opened = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        ShiftBooks {
            shift: Shift {
                id: uuid::Uuid::from_u128(7),
                site: "S".into(),
                booth: "OUT1".into(),
                username: "budi".into(),
                opened_at: opened,
                closed_at: expected.map(|_| opened),
                opening_float: Rupiah(100_000),
                expected_cash: expected.map(Rupiah),
                counted_cash: None,
                simulated: false,
            },
            by_method: Default::default(),
            total: Rupiah::ZERO,
            expected_now: Rupiah(now),
            late_records: u64::from(revised),
            revised,
        }
    }

    #[test]
    fn each_imbalance_becomes_one_problem_and_a_revised_shift_is_none() {
        let balanced = BooksReport { ok: true, ..BooksReport::default() };
        assert_eq!(problems(&balanced), []);
        let report = BooksReport {
            ok: false,
            days: vec![
                DayBooks {
                    day: "2026-11-22".into(),
                    entries: 3,
                    exited: 2,
                    forced: 0,
                    inside: 1,
                    ..Default::default()
                },
                DayBooks {
                    day: "2026-11-23".into(),
                    entries: 3,
                    exited: 1,
                    forced: 0,
                    inside: 1,
                    ..Default::default()
                },
            ],
            revenue: Rupiah(9_000),
            shift_total: Rupiah(4_000),
            shifts: vec![
                shift(Some(100_000), 104_000, false),
                shift(Some(100_000), 111_000, true),
                shift(None, 1, false),
            ],
            orphans: 2,
            pending_journal: 5,
            problems: vec!["…".into(); 6],
            ..BooksReport::default()
        };
        let found = problems(&report);
        assert_eq!(
            found,
            [
                Problem::Day { day: "2026-11-23".into(), entries: 3, exited: 1, forced: 0, inside: 1 },
                Problem::Payments { revenue: Rupiah(9_000), shifts: Rupiah(4_000) },
                Problem::ShiftCash {
                    cashier: "budi".into(),
                    booth: "OUT1".into(),
                    expected: Rupiah(100_000),
                    now: Rupiah(104_000)
                },
                Problem::Orphans { count: 2 },
                Problem::Pending { count: 5 },
            ]
        );
        let tr = I18n::new(Language::English);
        assert_eq!(
            problem_text(&found[0], &tr),
            "23/11/2026: 3 entries, but 1 exited + 0 forced closes + 1 inside"
        );
        let unreadable =
            BooksReport { ok: false, problems: vec!["journal unreadable".into()], ..Default::default() };
        assert_eq!(problems(&unreadable), [Problem::Other("journal unreadable".into())]);
    }
}
