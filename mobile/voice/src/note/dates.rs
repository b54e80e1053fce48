//! Finding spoken dates ("next Tuesday", "in two weeks", "on March 3rd", "end of the
//! month") and resolving them against the day of the visit.
//!
//! Conventions, chosen to match how reps talk about follow-ups:
//! - "Tuesday", "on Tuesday", "this Tuesday": the first Tuesday after the visit day.
//! - "next Tuesday": the Tuesday of the following week (weeks start on Monday).
//! - "next week": Monday of the following week; "next month": the 1st of next month.
//! - "end of the week": that week's Friday; "end of the month": its last day.
//! - A month and day without a year ("March 3rd") is the next such date on or after the
//!   visit; "the 15th" alone is the next 15th.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

use super::text::{digits_value, number_at, ordinal_word_value, Token};

/// A date expression found in tokens `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateSpan {
    pub start: usize,
    pub end: usize,
    pub date: NaiveDate,
    /// Named the visit day itself ("today", "tonight"): context, not a follow-up.
    pub is_today: bool,
    /// A calendar date ("March 3rd") rather than one relative to the visit.
    pub absolute: bool,
}

fn weekday(word: &str) -> Option<Weekday> {
    Some(match word {
        "monday" => Weekday::Mon,
        "tuesday" => Weekday::Tue,
        "wednesday" => Weekday::Wed,
        "thursday" => Weekday::Thu,
        "friday" => Weekday::Fri,
        "saturday" => Weekday::Sat,
        "sunday" => Weekday::Sun,
        _ => return None,
    })
}

fn month(word: &str) -> Option<u32> {
    Some(match word {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" => 6,
        "july" => 7,
        "august" | "aug" => 8,
        "september" | "sept" | "sep" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// A day of the month at token `i`: "3rd", "3", "third", "twenty first", "twenty-first".
fn day_at(tokens: &[Token], i: usize) -> Option<(u32, usize)> {
    let w = tokens.get(i)?.norm.as_str();
    let day_ok = |d: u32| (1..=31).contains(&d);
    for suffix in ["st", "nd", "rd", "th"] {
        if let Some(d) = w.strip_suffix(suffix).and_then(digits_value) {
            return day_ok(d).then_some((d, i + 1));
        }
    }
    if let Some(d) = digits_value(w) {
        return day_ok(d).then_some((d, i + 1));
    }
    if let Some(d) = ordinal_word_value(w) {
        return day_ok(d).then_some((d, i + 1));
    }
    if matches!(w, "twenty" | "thirty") {
        let tens = if w == "twenty" { 20 } else { 30 };
        if let Some(u) = tokens.get(i + 1).and_then(|t| ordinal_word_value(&t.norm)) {
            let d = tens + u;
            return (u < 10 && day_ok(d)).then_some((d, i + 2));
        }
    }
    None
}

fn next_weekday_after(date: NaiveDate, target: Weekday) -> NaiveDate {
    let ahead = (7 + target.num_days_from_monday() - date.weekday().num_days_from_monday()) % 7;
    date + Days::new(u64::from(if ahead == 0 { 7 } else { ahead }))
}

fn monday_of_next_week(date: NaiveDate) -> NaiveDate {
    date + Days::new(u64::from(7 - date.weekday().num_days_from_monday()))
}

fn first_of_month(date: NaiveDate, months_ahead: u32) -> Option<NaiveDate> {
    date.with_day(1)?
        .checked_add_months(Months::new(months_ahead))
}

fn last_of_month(date: NaiveDate, months_ahead: u32) -> Option<NaiveDate> {
    first_of_month(date, months_ahead + 1)?.pred_opt()
}

/// The next `month`/`day` on or after `from` (this year, else next year).
fn next_month_day(from: NaiveDate, month: u32, day: u32, year: Option<i32>) -> Option<NaiveDate> {
    if let Some(y) = year {
        return NaiveDate::from_ymd_opt(y, month, day);
    }
    let this_year = NaiveDate::from_ymd_opt(from.year(), month, day);
    match this_year {
        Some(d) if d >= from => Some(d),
        _ => NaiveDate::from_ymd_opt(from.year() + 1, month, day),
    }
}

fn year_at(tokens: &[Token], i: usize) -> Option<i32> {
    let y = digits_value(&tokens.get(i)?.norm)?;
    (2000..=2100).contains(&y).then_some(y as i32)
}

/// Tries every date pattern at token `i`.
fn date_at(tokens: &[Token], i: usize, visit: NaiveDate) -> Option<DateSpan> {
    let w = |j: usize| tokens.get(j).map(|t| t.norm.as_str()).unwrap_or("");
    let relative = |end: usize, date: NaiveDate| DateSpan {
        start: i,
        end,
        date,
        is_today: false,
        absolute: false,
    };
    let absolute = |end: usize, date: NaiveDate| DateSpan {
        absolute: true,
        ..relative(end, date)
    };

    match w(i) {
        "today" | "tonight" => {
            return Some(DateSpan {
                is_today: true,
                ..relative(i + 1, visit)
            })
        }
        "tomorrow" => return Some(relative(i + 1, visit + Days::new(1))),
        "day" if w(i + 1) == "after" && w(i + 2) == "tomorrow" => {
            return Some(relative(i + 3, visit + Days::new(2)))
        }
        "next" => {
            if let Some(day) = weekday(w(i + 1)) {
                let date =
                    monday_of_next_week(visit) + Days::new(u64::from(day.num_days_from_monday()));
                return Some(relative(i + 2, date));
            }
            match w(i + 1) {
                "week" => return Some(relative(i + 2, monday_of_next_week(visit))),
                "month" => return Some(relative(i + 2, first_of_month(visit, 1)?)),
                _ => {}
            }
        }
        "end" | "start" | "beginning" if w(i + 1) == "of" => {
            let mut j = i + 2;
            let mut ahead = 0;
            if matches!(w(j), "the" | "this") {
                j += 1;
            } else if w(j) == "next" {
                ahead = 1;
                j += 1;
            }
            let is_end = w(i) == "end";
            let date = match (w(j), is_end) {
                ("month", true) => last_of_month(visit, ahead)?,
                ("month", false) => first_of_month(visit, ahead.max(1))?,
                ("week", true) => {
                    let friday = monday_of_next_week(visit) - Days::new(3);
                    let friday = if friday < visit {
                        friday + Days::new(7)
                    } else {
                        friday
                    };
                    friday + Days::new(7 * u64::from(ahead))
                }
                ("week", false) => monday_of_next_week(visit),
                ("year", true) => NaiveDate::from_ymd_opt(visit.year() + ahead as i32, 12, 31)?,
                _ => return None,
            };
            return Some(relative(j + 1, date));
        }
        "in" | "within" => {
            // "in two weeks", "in a week", "in a couple of days", "in a fortnight"
            let (count, j) = match w(i + 1) {
                "a" | "an" | "one" if !matches!(w(i + 2), "couple" | "pair") => (1, i + 2),
                _ => {
                    let n = number_at(tokens, i + 1)?;
                    let j = if w(n.end) == "of" { n.end + 1 } else { n.end };
                    (n.value, j)
                }
            };
            let count64 = u64::from(count);
            let date = match w(j) {
                "day" | "days" => visit.checked_add_days(Days::new(count64))?,
                "week" | "weeks" => visit.checked_add_days(Days::new(7 * count64))?,
                "fortnight" | "fortnights" => visit.checked_add_days(Days::new(14 * count64))?,
                "month" | "months" => visit.checked_add_months(Months::new(count))?,
                _ => return None,
            };
            return Some(relative(j + 1, date));
        }
        _ => {}
    }

    // "Tuesday", "this Tuesday", "Tuesday next week"
    let (skip, day) = match (w(i), weekday(w(i)), weekday(w(i + 1))) {
        (_, Some(d), _) => (0, d),
        ("this" | "on" | "coming", None, Some(d)) => (1, d),
        _ => (usize::MAX, Weekday::Mon),
    };
    if skip != usize::MAX {
        let end = i + skip + 1;
        if w(end) == "next" && w(end + 1) == "week" {
            let date =
                monday_of_next_week(visit) + Days::new(u64::from(day.num_days_from_monday()));
            return Some(relative(end + 2, date));
        }
        return Some(relative(end, next_weekday_after(visit, day)));
    }

    // "March 3rd", "March the third", "March 3 2026"
    if let Some(m) = month(w(i)) {
        let j = if w(i + 1) == "the" { i + 2 } else { i + 1 };
        let (day, end) = day_at(tokens, j)?;
        let year = year_at(tokens, end);
        let end = if year.is_some() { end + 1 } else { end };
        return Some(absolute(end, next_month_day(visit, m, day, year)?));
    }
    // "3rd of March", "the third of March", "3 March", "the 15th"
    let j = if w(i) == "the" { i + 1 } else { i };
    if let Some((day, end)) = day_at(tokens, j) {
        let k = if w(end) == "of" { end + 1 } else { end };
        if let Some(m) = month(w(k)) {
            let year = year_at(tokens, k + 1);
            let end = if year.is_some() { k + 2 } else { k + 1 };
            return Some(absolute(end, next_month_day(visit, m, day, year)?));
        }
        // A bare day needs "the" and an ordinal, so "the 3 boxes" is no date; an ordinal
        // word also needs "on"/"by" before it, so "the first order" is none either.
        let ordinal = &tokens[j].norm;
        let digit_ordinal =
            ordinal.starts_with(|c: char| c.is_ascii_digit()) && ordinal.ends_with(['t', 'd', 'h']);
        let word_ordinal = !ordinal.starts_with(|c: char| c.is_ascii_digit());
        let introduced = i > 0 && matches!(w(i - 1), "on" | "by" | "until" | "before" | "for");
        if w(i) == "the" && (digit_ordinal || (word_ordinal && introduced)) {
            let this_month = visit.with_day(day).filter(|d| *d > visit);
            let date = match this_month {
                Some(d) => d,
                None => first_of_month(visit, 1)?.with_day(day)?,
            };
            return Some(absolute(end, date));
        }
    }
    None
}

/// All date expressions, left to right, not overlapping.
pub(crate) fn find_dates(tokens: &[Token], visit: NaiveDate) -> Vec<DateSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match date_at(tokens, i, visit) {
            Some(span) => {
                i = span.end;
                spans.push(span);
            }
            None => i += 1,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::super::text::tokenize;
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The first date in `text`, for a visit on Wednesday 2025-01-15.
    fn first(text: &str) -> Option<NaiveDate> {
        find_dates(&tokenize(text), d(2025, 1, 15))
            .first()
            .map(|s| s.date)
    }

    #[test]
    fn relative_days_and_weeks() {
        assert_eq!(first("tomorrow"), Some(d(2025, 1, 16)));
        assert_eq!(first("the day after tomorrow"), Some(d(2025, 1, 17)));
        assert_eq!(first("in two weeks"), Some(d(2025, 1, 29)));
        assert_eq!(first("in 3 days"), Some(d(2025, 1, 18)));
        assert_eq!(first("in a week"), Some(d(2025, 1, 22)));
        assert_eq!(first("in a couple of weeks"), Some(d(2025, 1, 29)));
        assert_eq!(first("in a fortnight"), Some(d(2025, 1, 29)));
        assert_eq!(first("in two months"), Some(d(2025, 3, 15)));
        assert_eq!(first("next week"), Some(d(2025, 1, 20)));
        assert_eq!(first("next month"), Some(d(2025, 2, 1)));
    }

    #[test]
    fn weekdays() {
        // Visit on a Wednesday.
        assert_eq!(first("Tuesday"), Some(d(2025, 1, 21)));
        assert_eq!(first("on friday"), Some(d(2025, 1, 17)));
        assert_eq!(first("this Wednesday"), Some(d(2025, 1, 22)));
        assert_eq!(first("next Tuesday"), Some(d(2025, 1, 21)));
        assert_eq!(first("next Friday"), Some(d(2025, 1, 24)));
        assert_eq!(first("friday next week"), Some(d(2025, 1, 24)));
    }

    #[test]
    fn period_ends() {
        assert_eq!(first("end of the month"), Some(d(2025, 1, 31)));
        assert_eq!(first("end of month"), Some(d(2025, 1, 31)));
        assert_eq!(first("end of next month"), Some(d(2025, 2, 28)));
        assert_eq!(first("end of the week"), Some(d(2025, 1, 17)));
        assert_eq!(first("start of next month"), Some(d(2025, 2, 1)));
    }

    #[test]
    fn calendar_dates() {
        assert_eq!(first("on March 3rd"), Some(d(2025, 3, 3)));
        assert_eq!(first("march the third"), Some(d(2025, 3, 3)));
        assert_eq!(first("the 3rd of March"), Some(d(2025, 3, 3)));
        assert_eq!(first("February twenty-first"), Some(d(2025, 2, 21)));
        // Already past this year → next year.
        assert_eq!(first("January 2nd"), Some(d(2026, 1, 2)));
        assert_eq!(first("March 3 2027"), Some(d(2027, 3, 3)));
        assert_eq!(first("on the 20th"), Some(d(2025, 1, 20)));
        assert_eq!(first("by the 10th"), Some(d(2025, 2, 10)));
    }

    #[test]
    fn not_dates() {
        assert_eq!(first("they may order more"), None);
        assert_eq!(first("the 3 boxes"), None);
        assert_eq!(first("the first order was late"), None);
        assert_eq!(first("call on the fifth"), Some(d(2025, 2, 5)));
        assert_eq!(first("in stock"), None);
        let spans = find_dates(&tokenize("visited them today"), d(2025, 1, 15));
        assert!(spans[0].is_today);
    }

    #[test]
    fn month_end_from_the_thirty_first_does_not_overflow() {
        let spans = find_dates(&tokenize("end of next month"), d(2025, 1, 31));
        assert_eq!(spans[0].date, d(2025, 2, 28));
    }
}
