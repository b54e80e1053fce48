//! Why a GS1 element string was rejected, precise enough to show a person at
//! the scanner ("AI (17) expiry date 251340 is not a valid date: month 13").
//!
//! Positions are 0-based byte offsets into the text handed to the parser
//! (before any symbology identifier was stripped), so a UI can underline them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::table;

/// Plain-language name of an AI for messages, e.g. "expiry date".
fn name(ai: &str) -> &'static str {
    table::lookup(ai).map_or("field", |def| def.name)
}

/// What is wrong with a date or time field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum DateProblem {
    /// Month outside 01–12.
    Month { month: u32 },
    /// Day outside the month (31 April, 29 February in a common year).
    Day { day: u32, month: u32, year: i32 },
    /// Day 00 where this AI does not allow it.
    ZeroDay,
    /// Hour outside 00–23.
    Hour { hour: u32 },
    /// Minute outside 00–59.
    Minute { minute: u32 },
    /// Second outside 00–59.
    Second { second: u32 },
    /// Minutes or seconds with only one digit.
    IncompleteTime,
}

impl fmt::Display for DateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateProblem::Month { month } => write!(f, "month {month:02}"),
            DateProblem::Day { day, month, year } => {
                write!(f, "day {day:02} does not exist in {year}-{month:02}")
            }
            DateProblem::ZeroDay => write!(f, "day 00 is not allowed for this AI"),
            DateProblem::Hour { hour } => write!(f, "hour {hour:02}"),
            DateProblem::Minute { minute } => write!(f, "minute {minute:02}"),
            DateProblem::Second { second } => write!(f, "second {second:02}"),
            DateProblem::IncompleteTime => write!(f, "minutes and seconds need two digits each"),
        }
    }
}

/// A GS1 element string that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Gs1Error {
    /// Nothing but whitespace, separators or a symbology identifier.
    #[error("no GS1 data: the input is empty")]
    Empty,
    /// Something other than an AI's digits where an AI must start.
    #[error("expected an application identifier (digits) at position {position}, found {found:?}")]
    ExpectedAi { position: usize, found: char },
    /// Digits that are not an AI this parser knows.
    #[error("unknown application identifier starting ({ai}) at position {position}")]
    UnknownAi { ai: String, position: usize },
    /// A predefined-length field ended (input end or FNC1) too early.
    #[error(
        "AI ({ai}) {} is truncated: expected {expected_len} characters, found {found_len}",
        name(ai)
    )]
    Truncated {
        ai: String,
        expected_len: usize,
        found_len: usize,
    },
    /// A field's length is outside what its AI allows.
    #[error(
        "AI ({ai}) {} has {found_len} characters; it must have {}{}",
        name(ai),
        if min == max { format!("exactly {min}") } else { format!("{min} to {max}") },
        if found_len > max { " (is an FNC1/GS separator missing?)" } else { "" }
    )]
    BadLength {
        ai: String,
        min: usize,
        max: usize,
        found_len: usize,
    },
    /// A GS1 key whose check digit does not match.
    #[error(
        "AI ({ai}) {} {value} has a wrong check digit: expected {expected}, found {found}",
        name(ai)
    )]
    BadCheckDigit {
        ai: String,
        value: String,
        expected: char,
        found: char,
    },
    /// A character the field's character set does not allow.
    #[error(
        "AI ({ai}) {} contains {character:?} at position {position}, which is not allowed in {charset}",
        name(ai)
    )]
    InvalidCharacter {
        ai: String,
        character: char,
        position: usize,
        charset: String,
    },
    /// A GRAI without its leading zero filler digit.
    #[error("AI ({ai}) {} must start with the filler digit 0", name(ai))]
    MissingZeroFiller { ai: String },
    /// A date or date-time field that is not a real date.
    #[error("AI ({ai}) {} {value} is not a valid date: {problem}", name(ai))]
    InvalidDate {
        ai: String,
        value: String,
        problem: DateProblem,
    },
    /// The same AI twice with different data (identical repeats are dropped).
    #[error(
        "AI ({ai}) {} appears twice with different values: {first:?} and {second:?}",
        name(ai)
    )]
    DuplicateAi {
        ai: String,
        first: String,
        second: String,
    },
    /// Two AIs the General Specifications forbid in one element string (§4.14.1).
    #[error(
        "AI ({ai}) {} must not appear together with AI ({other}) {}",
        name(ai),
        name(other)
    )]
    InvalidCombination { ai: String, other: String },
    /// Bracketed input ("(01)…") that is not well formed.
    #[error("malformed bracketed GS1 text at position {position}: {reason}")]
    MalformedBrackets { position: usize, reason: String },
    /// A URI that is not a GS1 Digital Link.
    #[error("not a GS1 Digital Link URI: {reason}")]
    NotDigitalLink { reason: String },
}
