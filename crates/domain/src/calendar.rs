//! The Danish working-day calendar (*helligdage*): which days are not working days in a
//! municipality, so that a duty never falls due on a Sunday or on Christmas Day.
//!
//! The moving holidays are counted from Easter Sunday (the Gregorian computus): Skærtorsdag,
//! Langfredag, Påskedag, 2. påskedag, Kristi himmelfartsdag, Pinsedag and 2. pinsedag. The fixed
//! ones are Nytårsdag, Juledag and 2. juledag. Store Bededag was abolished as a holiday from
//! 2024. Days a municipality also keeps closed (Grundlovsdag, Juleaftensdag, Nytårsaftensdag,
//! or its own) are its configuration: [`Calendar::with_closed_days`].

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A day of the year the municipality keeps closed every year (month and day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClosedDay {
    /// The month, 1–12.
    pub month: u32,
    /// The day of the month.
    pub day: u32,
}

impl ClosedDay {
    /// Parses `MM-DD`, e.g. `06-05` for Grundlovsdag.
    pub fn parse(raw: &str) -> Option<Self> {
        let (m, d) = raw.trim().split_once('-')?;
        let (month, day) = (m.parse().ok()?, d.parse().ok()?);
        // 2024 is a leap year: any month and day that exists in some year.
        NaiveDate::from_ymd_opt(2024, month, day).map(|_| Self { month, day })
    }
}

/// The days a municipality keeps closed beyond the public holidays, as most do: Grundlovsdag
/// (5 June), Juleaftensdag (24 December) and Nytårsaftensdag (31 December).
pub const USUAL_CLOSED_DAYS: [ClosedDay; 3] =
    [ClosedDay { month: 6, day: 5 }, ClosedDay { month: 12, day: 24 }, ClosedDay { month: 12, day: 31 }];

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let golden = year.rem_euclid(19);
    let (century, in_century) = (year.div_euclid(100), year.rem_euclid(100));
    let (leap_centuries, century_rest) = (century / 4, century % 4);
    let moon_shift = (century - (century + 8) / 25 + 1) / 3;
    let epact = (19 * golden + century - leap_centuries - moon_shift + 15).rem_euclid(30);
    let (leaps, years_rest) = (in_century / 4, in_century % 4);
    let weekday = (32 + 2 * century_rest + 2 * leaps - epact - years_rest).rem_euclid(7);
    let correction = (golden + 11 * epact + 22 * weekday) / 451;
    let count = epact + weekday - 7 * correction + 114;
    // The formula gives March or April and a day that exists in it.
    #[allow(clippy::cast_sign_loss, reason = "the month is 3 or 4 and the day 1 to 31 by the formula")]
    NaiveDate::from_ymd_opt(year, (count / 31) as u32, (count % 31 + 1) as u32).unwrap_or(NaiveDate::MIN)
}

/// The public holidays (*helligdage*) of `year`, by date, with their Danish names.
pub fn public_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let from_easter = |days: i64, name| (easter + Duration::days(days), name);
    let fixed = |month, day, name| NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, name));
    let mut out: Vec<(NaiveDate, &'static str)> = [
        fixed(1, 1, "Nytårsdag"),
        Some(from_easter(-3, "Skærtorsdag")),
        Some(from_easter(-2, "Langfredag")),
        Some(from_easter(0, "Påskedag")),
        Some(from_easter(1, "2. påskedag")),
        // Store Bededag (the fourth Friday after Easter) was abolished from 2024.
        (year < 2024).then(|| from_easter(26, "Store bededag")),
        Some(from_easter(39, "Kristi himmelfartsdag")),
        Some(from_easter(49, "Pinsedag")),
        Some(from_easter(50, "2. pinsedag")),
        fixed(12, 25, "Juledag"),
        fixed(12, 26, "2. juledag"),
    ]
    .into_iter()
    .flatten()
    .collect();
    out.sort_by_key(|(d, _)| *d);
    out
}

/// The municipality's working days: Monday to Friday, except the public holidays and the days
/// it keeps closed.
/// `Copy`: the closed days are a bit per day of each month, so that the calendar travels with
/// the day duties are worked out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Calendar {
    /// Bit `d` of `closed[m - 1]`: day `d` of month `m` is kept closed every year.
    closed: [u32; 12],
    /// Every day is a working day (see [`Calendar::open_every_day`]).
    every_day: bool,
}

impl Calendar {
    /// The public holidays and weekends only.
    pub fn new() -> Self {
        Self::default()
    }

    /// With `days` kept closed every year as well.
    pub fn with_closed_days(days: impl IntoIterator<Item = ClosedDay>) -> Self {
        let mut closed = [0_u32; 12];
        for day in days {
            // A parsed `ClosedDay` has a month 1–12 and a day 1–31.
            if let Some(bits) = closed.get_mut(day.month.wrapping_sub(1) as usize) {
                *bits |= 1_u32.checked_shl(day.day).unwrap_or(0);
            }
        }
        Self { closed, every_day: false }
    }

    /// Every day a working day, weekends and holidays too: for what is tested or planned on a
    /// given day whatever day it is (a reminder's stages), never a municipality's setting.
    pub fn open_every_day() -> Self {
        Self { closed: [0; 12], every_day: true }
    }

    /// The days kept closed beyond the public holidays, in the year's order.
    pub fn closed_days(&self) -> Vec<ClosedDay> {
        (1..=12_u32)
            .flat_map(|month| (1..=31_u32).map(move |day| ClosedDay { month, day }))
            .filter(|d| self.is_closed(d.month, d.day))
            .collect()
    }

    fn is_closed(&self, month: u32, day: u32) -> bool {
        self.closed
            .get(month.wrapping_sub(1) as usize)
            .is_some_and(|bits| bits & 1_u32.checked_shl(day).unwrap_or(0) != 0)
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.every_day {
            return true;
        }
        let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
        let closed = self.is_closed(date.month(), date.day());
        !weekend && !closed && !public_holidays(date.year()).iter().any(|(d, _)| *d == date)
    }

    /// `date` if it is a working day, else the working day before it: when a duty falls due.
    pub fn on_or_before(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        // At most a long Easter or Christmas away; never more than a few weeks.
        for _ in 0..31 {
            if self.is_working_day(day) {
                return day;
            }
            match day.pred_opt() {
                Some(before) => day = before,
                None => return date,
            }
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Easter and the days counted from it, as the almanac has them for 2024–2030.
    const KNOWN: &[(i32, &str, &str, &str, &str)] = &[
        // year, Easter Sunday, Skærtorsdag, Kristi himmelfartsdag, 2. pinsedag
        (2024, "2024-03-31", "2024-03-28", "2024-05-09", "2024-05-20"),
        (2025, "2025-04-20", "2025-04-17", "2025-05-29", "2025-06-09"),
        (2026, "2026-04-05", "2026-04-02", "2026-05-14", "2026-05-25"),
        (2027, "2027-03-28", "2027-03-25", "2027-05-06", "2027-05-17"),
        (2028, "2028-04-16", "2028-04-13", "2028-05-25", "2028-06-05"),
        (2029, "2029-04-01", "2029-03-29", "2029-05-10", "2029-05-21"),
        (2030, "2030-04-21", "2030-04-18", "2030-05-30", "2030-06-10"),
    ];

    #[test]
    fn the_holidays_of_2024_to_2030_are_the_almanacs() {
        for (year, easter, maundy, ascension, whit_monday) in KNOWN {
            assert_eq!(easter_sunday(*year), day(easter), "{year}");
            let names: Vec<(NaiveDate, &str)> = public_holidays(*year);
            assert!(names.contains(&(day(maundy), "Skærtorsdag")), "{year}");
            assert!(names.contains(&(day(ascension), "Kristi himmelfartsdag")), "{year}");
            assert!(names.contains(&(day(whit_monday), "2. pinsedag")), "{year}");
            assert_eq!(names.len(), 10, "{year}: no Store bededag after 2023");
        }
        assert!(public_holidays(2023).iter().any(|(d, n)| *d == day("2023-05-05") && *n == "Store bededag"));
    }

    #[test]
    fn a_date_on_a_closed_day_moves_to_the_working_day_before() {
        let plain = Calendar::new();
        let usual = Calendar::with_closed_days(USUAL_CLOSED_DAYS);
        // Christmas 2026: Thursday 24 is open unless the municipality closes it.
        assert_eq!(plain.on_or_before(day("2026-12-26")), day("2026-12-24"));
        assert_eq!(usual.on_or_before(day("2026-12-26")), day("2026-12-23"));
        // Easter 2026: Thursday 2 April to Monday 6 April are closed.
        assert_eq!(plain.on_or_before(day("2026-04-06")), day("2026-04-01"));
        // A Sunday, a Saturday; a working day stays.
        assert_eq!(plain.on_or_before(day("2026-11-29")), day("2026-11-27"));
        assert_eq!(plain.on_or_before(day("2026-12-02")), day("2026-12-02"));
        // Grundlovsdag 2026 is a Friday: closed only by configuration.
        assert!(plain.is_working_day(day("2026-06-05")) && !usual.is_working_day(day("2026-06-05")));
        // New Year 2027 is a Friday after Nytårsaftensdag.
        assert_eq!(usual.on_or_before(day("2027-01-01")), day("2026-12-30"));
        assert_eq!(ClosedDay::parse("06-05"), Some(ClosedDay { month: 6, day: 5 }));
        assert_eq!(ClosedDay::parse("02-30"), None);
        assert_eq!(ClosedDay::parse("juni"), None);
        assert_eq!(usual.closed_days(), USUAL_CLOSED_DAYS.to_vec());
        assert_eq!(plain.closed_days(), Vec::new());
        assert_eq!(Calendar::open_every_day().on_or_before(day("2026-12-25")), day("2026-12-25"));
    }

    proptest! {
        /// Whatever the day, the due day is a working day, on or before it, and at most a
        /// week and a half before (the longest run of closed days is Easter or Christmas).
        #[test]
        fn the_due_day_is_a_working_day_not_long_before(offset in 0i64..365 * 40) {
            let date = day("2000-01-01") + Duration::days(offset);
            let usual = Calendar::with_closed_days(USUAL_CLOSED_DAYS);
            let due = usual.on_or_before(date);
            prop_assert!(usual.is_working_day(due));
            prop_assert!(due <= date && (date - due).num_days() <= 10);
            let skipped = (date - due).num_days();
            prop_assert!((1..=skipped).all(|n| !usual.is_working_day(due + Duration::days(n))));
        }

        /// Easter falls between 22 March and 25 April, on a Sunday.
        #[test]
        fn easter_is_a_sunday_in_spring(year in 1900i32..2200) {
            let e = easter_sunday(year);
            prop_assert_eq!(e.weekday(), Weekday::Sun);
            prop_assert!(e >= NaiveDate::from_ymd_opt(year, 3, 22).unwrap());
            prop_assert!(e <= NaiveDate::from_ymd_opt(year, 4, 25).unwrap());
        }
    }
}
