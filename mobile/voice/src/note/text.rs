//! Tokenising ASR text and reading numbers written as digits or words.
//!
//! Whisper's output varies: "12", "twelve", "1,500", "a hundred and fifty", "two dozen",
//! "twenty-five". Everything downstream works on lower-case tokens, so "Acme" and "acme",
//! "Tuesday," and "tuesday" are the same, and hesitations ("um", "uh") are dropped.

/// A word of the transcript, lower-cased, punctuation removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// Lower-case letters and digits only ("bob's" → "bobs", "1,500" → "1500").
    pub norm: String,
    /// The word as spoken, for showing what was matched.
    pub raw: String,
}

/// Hesitation sounds that carry no meaning but break up names.
const FILLERS: &[&str] = &["um", "umm", "uh", "uhh", "erm", "er", "ah", "hmm", "mm"];

/// Splits text into tokens. Hyphens and punctuation separate words; apostrophes vanish;
/// commas and dots between digits are kept inside the number ("1,500", "2.5").
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut raw = String::new();
    let mut norm = String::new();
    let flush = |raw: &mut String, norm: &mut String, tokens: &mut Vec<Token>| {
        if !norm.is_empty() && !FILLERS.contains(&norm.as_str()) {
            tokens.push(Token {
                norm: std::mem::take(norm),
                raw: std::mem::take(raw),
            });
        }
        raw.clear();
        norm.clear();
    };
    for (i, &c) in chars.iter().enumerate() {
        let prev_digit = i > 0 && chars[i - 1].is_ascii_digit();
        let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() {
            raw.push(c);
            norm.extend(c.to_lowercase());
        } else if (c == ',' || c == '.') && prev_digit && next_digit {
            // Thousands separator or decimal point inside a number.
            raw.push(c);
            if c == '.' {
                norm.push('.');
            }
        } else if (c == '\'' || c == '’') && !norm.is_empty() {
            raw.push(c);
        } else if c == '&' {
            flush(&mut raw, &mut norm, &mut tokens);
            tokens.push(Token {
                norm: "and".into(),
                raw: "&".into(),
            });
        } else {
            flush(&mut raw, &mut norm, &mut tokens);
        }
    }
    flush(&mut raw, &mut norm, &mut tokens);
    tokens
}

/// Reduces a plural to its singular well enough for matching ("boxes" → "box",
/// "batteries" → "battery", "pipes" → "pipe"), leaving "glass" and numbers alone.
pub(crate) fn stem(word: &str) -> String {
    if word.len() <= 3 || word.chars().any(|c| c.is_ascii_digit()) {
        return word.to_owned();
    }
    if let Some(base) = word.strip_suffix("ies") {
        return format!("{base}y");
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

fn unit_value(word: &str) -> Option<u32> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    UNITS.iter().position(|u| *u == word).map(|p| p as u32)
}

fn tens_value(word: &str) -> Option<u32> {
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    TENS.iter()
        .position(|t| *t == word)
        .map(|p| (p as u32 + 2) * 10)
}

/// Day-of-month ordinals as words ("third", "twenty first" is handled by the caller).
pub(crate) fn ordinal_word_value(word: &str) -> Option<u32> {
    const ORDINALS: [&str; 20] = [
        "zeroth",
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
        "eleventh",
        "twelfth",
        "thirteenth",
        "fourteenth",
        "fifteenth",
        "sixteenth",
        "seventeenth",
        "eighteenth",
        "nineteenth",
    ];
    match word {
        "twentieth" => Some(20),
        "thirtieth" => Some(30),
        _ => ORDINALS.iter().position(|o| *o == word).map(|p| p as u32),
    }
}

/// A whole number written with digits, allowing thousands separators ("1,500").
pub(crate) fn digits_value(word: &str) -> Option<u32> {
    let cleaned: String = word.chars().filter(|c| *c != ',').collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    cleaned.parse().ok()
}

/// A number found in the token stream: tokens `start..end` say `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NumberSpan {
    pub start: usize,
    pub end: usize,
    pub value: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Start,
    A,
    Unit(u32),
    Tens,
    Hundred,
    Thousand,
    And,
}

/// Reads a number starting at token `i`, if there is one.
pub(crate) fn number_at(tokens: &[Token], i: usize) -> Option<NumberSpan> {
    let word = |j: usize| tokens.get(j).map(|t| t.norm.as_str());
    let first = word(i)?;

    if let Some(v) = digits_value(first) {
        // "2 dozen", "5 hundred", "3 thousand"
        let (value, end) = match word(i + 1) {
            Some("dozen") => (v.checked_mul(12)?, i + 2),
            Some("hundred") => (v.checked_mul(100)?, i + 2),
            Some("thousand") => (v.checked_mul(1000)?, i + 2),
            _ => (v, i + 1),
        };
        // Recognisers write "a hundred and fifty" as "100 and 50"; read it as one number.
        if value % 100 == 0 && value > 0 && word(end) == Some("and") {
            if let Some(rest) = number_at(tokens, end + 1).filter(|r| r.value < 100) {
                return Some(NumberSpan {
                    start: i,
                    end: rest.end,
                    value: value + rest.value,
                });
            }
        }
        return Some(NumberSpan {
            start: i,
            end,
            value,
        });
    }
    // "half a dozen"
    if first == "half" && word(i + 1) == Some("a") && word(i + 2) == Some("dozen") {
        return Some(NumberSpan {
            start: i,
            end: i + 3,
            value: 6,
        });
    }
    // "a couple of", "couple", "a pair of"
    let after_a = if matches!(first, "a" | "an") {
        i + 1
    } else {
        i
    };
    if matches!(word(after_a), Some("couple" | "pair")) {
        return Some(NumberSpan {
            start: i,
            end: after_a + 1,
            value: 2,
        });
    }

    let mut total: u32 = 0;
    let mut current: u32 = 0;
    let mut last = Last::Start;
    let mut j = i;
    let mut end = i;
    while let Some(w) = word(j) {
        if let Some(u) = unit_value(w) {
            let ok = match last {
                Last::Start | Last::Hundred | Last::Thousand | Last::And => true,
                Last::Tens => (1..10).contains(&u),
                Last::A | Last::Unit(_) => false,
            };
            if !ok {
                break;
            }
            current += u;
            last = Last::Unit(u);
        } else if let Some(t) = tens_value(w) {
            if !matches!(
                last,
                Last::Start | Last::Hundred | Last::Thousand | Last::And
            ) {
                break;
            }
            current += t;
            last = Last::Tens;
        } else if matches!(w, "a" | "an") && last == Last::Start {
            last = Last::A;
            j += 1;
            continue;
        } else if w == "hundred" {
            if !matches!(last, Last::A | Last::Unit(1..) | Last::Thousand) {
                break;
            }
            current = current.max(1) * 100;
            last = Last::Hundred;
        } else if w == "thousand" {
            if !matches!(last, Last::A | Last::Unit(1..) | Last::Tens | Last::Hundred) {
                break;
            }
            total += current.max(1) * 1000;
            current = 0;
            last = Last::Thousand;
        } else if w == "and" {
            let next_is_number =
                word(j + 1).is_some_and(|n| unit_value(n).is_some() || tens_value(n).is_some());
            if !matches!(last, Last::Hundred | Last::Thousand) || !next_is_number {
                break;
            }
            last = Last::And;
            j += 1;
            continue;
        } else if w == "dozen" {
            if !matches!(last, Last::A | Last::Unit(1..) | Last::Tens) {
                break;
            }
            current = current.max(1) * 12;
            last = Last::Unit(12);
            end = j + 1;
            break;
        } else {
            break;
        }
        j += 1;
        end = j;
    }
    if end == i || last == Last::A {
        return None;
    }
    Some(NumberSpan {
        start: i,
        end,
        value: total + current,
    })
}

/// All numbers in the token stream, left to right, not overlapping.
pub(crate) fn find_numbers(tokens: &[Token]) -> Vec<NumberSpan> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match number_at(tokens, i) {
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
    use super::*;

    fn value(text: &str) -> Option<u32> {
        let tokens = tokenize(text);
        number_at(&tokens, 0)
            .filter(|s| s.end == tokens.len())
            .map(|s| s.value)
    }

    #[test]
    fn tokenizer_normalises_case_punctuation_and_fillers() {
        let norms: Vec<String> = tokenize("Um, Bob's Tools & Co. want 1,500 twenty-five... uh OK?")
            .into_iter()
            .map(|t| t.norm)
            .collect();
        assert_eq!(
            norms,
            ["bobs", "tools", "and", "co", "want", "1500", "twenty", "five", "ok"]
        );
    }

    #[test]
    fn number_words() {
        assert_eq!(value("twelve"), Some(12));
        assert_eq!(value("twenty five"), Some(25));
        assert_eq!(value("twenty-five"), Some(25));
        assert_eq!(value("a hundred and fifty"), Some(150));
        assert_eq!(value("one hundred fifty"), Some(150));
        assert_eq!(value("fifteen hundred"), Some(1500));
        assert_eq!(value("two thousand five hundred"), Some(2500));
        assert_eq!(value("a thousand"), Some(1000));
        assert_eq!(value("two dozen"), Some(24));
        assert_eq!(value("a dozen"), Some(12));
        assert_eq!(value("half a dozen"), Some(6));
        assert_eq!(value("a couple"), Some(2));
        assert_eq!(value("2 dozen"), Some(24));
        assert_eq!(value("1,500"), Some(1500));
        assert_eq!(value("40"), Some(40));
        assert_eq!(value("100 and 50"), Some(150));
        assert_eq!(value("2 hundred and twelve"), Some(212));
    }

    #[test]
    fn things_that_are_not_one_number() {
        assert_eq!(value("a"), None);
        assert_eq!(value("hardware"), None);
        // Two numbers side by side stay two numbers.
        let spans = find_numbers(&tokenize("five twenty"));
        assert_eq!(spans.iter().map(|s| s.value).collect::<Vec<_>>(), [5, 20]);
        // "12 and 6" are two quantities, not 18.
        let spans = find_numbers(&tokenize("12 and 6"));
        assert_eq!(spans.iter().map(|s| s.value).collect::<Vec<_>>(), [12, 6]);
        // A trailing "and" belongs to the sentence, not the number.
        let spans = find_numbers(&tokenize("a hundred and the rest"));
        assert_eq!(
            spans,
            [NumberSpan {
                start: 0,
                end: 2,
                value: 100
            }]
        );
    }

    #[test]
    fn stemming_plurals() {
        assert_eq!(stem("boxes"), "box");
        assert_eq!(stem("batteries"), "battery");
        assert_eq!(stem("pipes"), "pipe");
        assert_eq!(stem("glass"), "glass");
        assert_eq!(stem("15mm"), "15mm");
    }
}
