//! Local days and months of a site as UTC ranges. Reports count a day from local midnight to
//! the next, whatever its length: a day with a daylight-saving change has 23 or 25 hours.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The first instant of a local day. Where midnight does not exist (a daylight-saving jump at
/// 00:00) the day starts at the first local time that does.
pub fn day_start(day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=24).find_map(|hours| {
        tz.from_local_datetime(&(midnight + Duration::hours(hours)))
            .earliest()
            .map(|local| local.with_timezone(&Utc))
    })
}

/// The UTC half-open range `[start, end)` covering the local `day`.
pub fn day_range(day: NaiveDate, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((day_start(day, tz)?, day_start(day.succ_opt()?, tz)?))
}

/// `[start of first, start of the day after last)` in UTC; `None` when `last` is before `first`.
pub fn days_range(first: NaiveDate, last: NaiveDate, tz: Tz) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    if last < first {
        return None;
    }
    Some((day_start(first, tz)?, day_start(last.succ_opt()?, tz)?))
}

/// The first and last day of the month holding `day`.
pub fn month_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = day.with_day(1).unwrap_or(day);
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next.and_then(|next| next.pred_opt()).unwrap_or(first);
    (first, last)
}

/// Every day from `first` to `last`, both included.
pub fn days(first: NaiveDate, last: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    first.iter_days().take_while(move |day| *day <= last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn a_jakarta_day_is_utc_17_to_17() {
        let (start, end) = day_range(date(2024, 3, 1), chrono_tz::Asia::Jakarta).unwrap();
        assert_eq!(start.to_rfc3339(), "2024-02-29T17:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2024-03-01T17:00:00+00:00");
    }

    #[test]
    fn a_daylight_saving_day_has_its_true_length() {
        let (start, end) = day_range(date(2024, 3, 31), chrono_tz::Europe::Berlin).unwrap();
        assert_eq!((end - start).num_hours(), 23);
        // Santiago skips from 00:00 to 01:00 on 2024-09-08: the day starts at 01:00 local.
        let (start, _) = day_range(date(2024, 9, 8), chrono_tz::America::Santiago).unwrap();
        assert_eq!(start.to_rfc3339(), "2024-09-08T04:00:00+00:00");
    }

    #[test]
    fn months_end_on_their_last_day() {
        assert_eq!(month_of(date(2024, 2, 17)), (date(2024, 2, 1), date(2024, 2, 29)));
        assert_eq!(month_of(date(2026, 12, 31)), (date(2026, 12, 1), date(2026, 12, 31)));
        assert_eq!(days(date(2026, 11, 29), date(2026, 12, 2)).count(), 4);
    }
}
