//! The due-date arithmetic against oracles of its own: a table of month-end cases worked out by
//! hand from the calendar, and a property whose expected date is computed here, from the year,
//! month and day, with a leap-year rule written out, never with the code under test or
//! chrono's month arithmetic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use systemejer_domain::calendar::{Calendar, USUAL_CLOSED_DAYS};
use systemejer_domain::obligations::{add_months, next_due_on};

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The working days of a municipality that closes the usual days.
fn cal() -> Calendar {
    Calendar::with_closed_days(USUAL_CLOSED_DAYS)
}

/// A duty done on `done` with an interval of `months`: the calendar date it comes round on
/// (before the working-day rule moves it).
fn due_after(done: NaiveDate, months: u32) -> NaiveDate {
    add_months(done, months)
}

/// Done on the first date, every so many months: due on the last. Worked out from a calendar:
/// a day past the end of the target month becomes its last day; a leap day only exists every
/// fourth year, not in 2100, but in 2000.
const MONTH_ENDS: &[(&str, u32, &str)] = &[
    ("2026-01-31", 1, "2026-02-28"),
    ("2024-01-31", 1, "2024-02-29"),
    ("2026-01-30", 1, "2026-02-28"),
    ("2026-01-29", 1, "2026-02-28"),
    ("2028-01-29", 1, "2028-02-29"),
    ("2026-01-28", 1, "2026-02-28"),
    ("2026-02-28", 1, "2026-03-28"),
    ("2026-03-31", 1, "2026-04-30"),
    ("2026-05-31", 1, "2026-06-30"),
    ("2026-10-31", 1, "2026-11-30"),
    ("2026-12-31", 1, "2027-01-31"),
    ("2026-12-31", 2, "2027-02-28"),
    ("2026-08-31", 3, "2026-11-30"),
    ("2026-11-30", 3, "2027-02-28"),
    ("2027-11-30", 3, "2028-02-29"),
    ("2026-08-31", 6, "2027-02-28"),
    ("2026-03-31", 6, "2026-09-30"),
    ("2026-05-31", 12, "2027-05-31"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-02-29", 24, "2026-02-28"),
    ("2024-02-29", 48, "2028-02-29"),
    ("2096-02-29", 48, "2100-02-28"),
    ("1996-02-29", 48, "2000-02-29"),
    ("2099-02-28", 12, "2100-02-28"),
    ("2025-02-28", 12, "2026-02-28"),
    ("2026-07-31", 36, "2029-07-31"),
    ("2026-01-31", 13, "2027-02-28"),
    ("2027-01-31", 13, "2028-02-29"),
    ("2026-06-30", 1, "2026-07-30"),
    ("2026-12-01", 60, "2031-12-01"),
];

#[test]
fn month_ends_fall_on_the_last_day_of_the_month_due() {
    let mut wrong = Vec::new();
    for &(done, months, due) in MONTH_ENDS {
        let got = due_after(day(done), months);
        if got != day(due) {
            wrong.push(format!("{done} + {months} months: {got}, not {due}"));
        }
        // The duty is due on that date, or on the working day before it.
        let due_on = next_due_on(Some(months), None, Some(day(done)), day(done), None, &cal()).unwrap();
        assert_eq!(due_on, cal().on_or_before(got), "{done} + {months} months");
        assert!(cal().is_working_day(due_on) && due_on <= got && (got - due_on).num_days() < 11);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_duty_never_done_counts_from_the_day_it_appeared() {
    // 28 February 2026 is a Saturday: due the Friday before.
    assert_eq!(next_due_on(Some(1), None, None, day("2026-01-31"), None, &cal()), Some(day("2026-02-27")));
    // Made due at once (a failed test, a change begun): that day, if it is earlier, even a
    // Sunday (the day it became due; it is not overdue the day it appears).
    assert_eq!(
        next_due_on(Some(12), None, Some(day("2026-01-31")), day("2025-01-01"), Some(day("2026-03-15")), &cal()),
        Some(day("2026-03-15"))
    );
    // A one-off duty is due on its date until done, then never again.
    assert_eq!(
        next_due_on(None, Some(day("2027-03-31")), None, day("2026-01-01"), None, &cal()),
        Some(day("2027-03-31"))
    );
    assert_eq!(
        next_due_on(None, Some(day("2027-03-31")), Some(day("2027-03-01")), day("2026-01-01"), None, &cal()),
        None
    );
    // Its own date on a holiday (2. juledag 2026, a Saturday after Juledag and
    // Juleaftensdag): the working day before.
    assert_eq!(
        next_due_on(None, Some(day("2026-12-26")), None, day("2026-01-01"), None, &cal()),
        Some(day("2026-12-23"))
    );
    // Done before Easter 2027 with a yearly interval: Skærtorsdag 25 March 2028 is not it.
    assert_eq!(
        next_due_on(Some(12), None, Some(day("2027-03-25")), day("2026-01-01"), None, &cal()),
        Some(day("2028-03-24"))
    );
}

/// The Gregorian rule, written out.
fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// `months` calendar months after (year, month, day): the same day of the month, or the
/// month's last day when it has fewer.
fn model(year: i32, month: u32, day: u32, months: u32) -> (i32, u32, u32) {
    let index = i64::from(year) * 12 + i64::from(month - 1) + i64::from(months);
    let (y, m) = (i32::try_from(index.div_euclid(12)).unwrap(), u32::try_from(index.rem_euclid(12)).unwrap() + 1);
    (y, m, day.min(days_in(y, m)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// Any day from 1900 to 2199 plus 1 to 120 months is the model's date.
    #[test]
    fn the_due_date_is_the_calendars(
        year in 1900i32..2200,
        month in 1u32..=12,
        day_seed in 0u32..31,
        months in 1u32..=120,
    ) {
        let d = day_seed % days_in(year, month) + 1;
        let done = NaiveDate::from_ymd_opt(year, month, d).unwrap();
        let got = due_after(done, months);
        prop_assert_eq!((got.year(), got.month(), got.day()), model(year, month, d, months), "{} + {} months", done, months);
    }
}
