//! The visit-note parser: from a transcript to a reviewable [`VisitDraft`].
//!
//! Pure and deterministic: the caller passes the transcript, the visit date and the rep's
//! customers and products (from the phone's local store); nothing here does I/O. The
//! parser is built for recogniser output, not typed text: no reliance on capitals or
//! punctuation, numbers as digits or words, names that are only close to the real ones.
//!
//! Steps: find dates (so "3rd" in "March 3rd" is not a quantity), match the customer,
//! match products in the remaining words, pair each product with the nearest quantity
//! before it ("12 boxes of copper pipe") or just after it ("copper pipe, twelve"), pick
//! the follow-up date and the next action.

mod dates;
mod fuzzy;
mod text;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use text::{find_numbers, stem, tokenize, NumberSpan, Token};

/// A customer or product the rep might mention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    /// Other ways people say it ("Acme" for "Acme Hardware Ltd", "half inch pipe").
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Candidate {
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            aliases: Vec::new(),
        }
    }

    pub fn with_aliases<I, S>(mut self, aliases: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }
}

/// What the parser needs to know besides the transcript.
#[derive(Debug, Clone, Copy)]
pub struct VisitContext<'a> {
    /// The day of the visit; relative dates ("tomorrow") count from it.
    pub visit_date: NaiveDate,
    pub customers: &'a [Candidate],
    pub products: &'a [Candidate],
}

/// A candidate recognised in the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub id: String,
    pub name: String,
    /// The words as transcribed, e.g. "acne hardware".
    pub heard: String,
    /// Similarity in [0, 1]; 1 is an exact match.
    pub score: f32,
}

/// A product line of the note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductQty {
    pub product: Match,
    /// `None` when the product was mentioned without a number.
    pub quantity: Option<u32>,
    pub quantity_heard: Option<String>,
}

/// What the rep should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    Call,
    SendQuote,
    Deliver,
    Visit,
}

/// How sure the parser is of each part, in [0, 1]; 0 means "not found". The review
/// screen highlights low values so the rep checks those first.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Confidence {
    pub customer: f32,
    /// Mean over lines of the product score, halved for a line with no quantity.
    pub lines: f32,
    pub follow_up: f32,
    pub next_action: f32,
}

/// A visit note drafted from speech, for the rep to review and save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitDraft {
    pub customer: Option<Match>,
    pub lines: Vec<ProductQty>,
    pub follow_up: Option<NaiveDate>,
    /// The words the follow-up date came from, e.g. "next tuesday".
    pub follow_up_heard: Option<String>,
    pub next_action: Option<NextAction>,
    pub confidence: Confidence,
    pub transcript: String,
}

/// Minimum similarity for a name to count as mentioned.
const CUSTOMER_THRESHOLD: f64 = 0.87;
const PRODUCT_THRESHOLD: f64 = 0.87;

/// Words allowed between a quantity and its product: "12 *boxes of* pipe".
const QUANTITY_GLUE: &[&str] = &[
    "of",
    "the",
    "a",
    "x",
    "box",
    "case",
    "pack",
    "packet",
    "unit",
    "piece",
    "pc",
    "roll",
    "bag",
    "pallet",
    "carton",
    "length",
    "sheet",
    "tube",
    "can",
    "tin",
    "bottle",
    "set",
    "bundle",
    "crate",
    "more",
    "extra",
    "additional",
    "new",
    "another",
    "each",
    "meter",
    "metre",
    "foot",
    "feet",
    "litre",
    "liter",
    "gallon",
    "kilo",
    "kg",
];
/// Function words that never begin or end a customer or product name as heard.
const EDGE_WORDS: &[&str] = &[
    "a", "an", "the", "of", "and", "to", "for", "with", "at", "on", "in", "by", "x", "some",
];
/// Words allowed between a product and a quantity after it: "copper pipe *times* 12"
/// (stemmed, like every word the parser compares).
const QUANTITY_AFTER_GLUE: &[&str] = &["time", "x", "quantity", "qty", "at", "by", "of", "about"];

fn join_raw(tokens: &[Token], start: usize, end: usize) -> String {
    tokens[start..end]
        .iter()
        .map(|t| t.raw.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn spellings(candidates: &[Candidate]) -> Vec<(usize, Vec<String>)> {
    candidates
        .iter()
        .enumerate()
        .flat_map(|(i, c)| {
            std::iter::once(&c.name)
                .chain(&c.aliases)
                .map(move |s| (i, fuzzy::name_words(s)))
        })
        .collect()
}

fn to_match(c: &Candidate, tokens: &[Token], hit: &fuzzy::Hit) -> Match {
    Match {
        id: c.id.clone(),
        name: c.name.clone(),
        heard: join_raw(tokens, hit.start, hit.end),
        score: hit.score.min(1.0) as f32,
    }
}

/// A decoder prompt naming the rep's customers and products.
///
/// Whisper spells names it has rarely seen by sound ("Quick Fix" for "Kwik Fix"); shown
/// the names as preceding text ([`crate::WhisperConfig::initial_prompt`]), it prefers
/// those spellings. Kept under ~150 words: the prompt shares the decoder's 224-token
/// context budget with the transcript itself.
pub fn vocabulary_prompt(customers: &[Candidate], products: &[Candidate]) -> String {
    const MAX_WORDS: usize = 150;
    let mut words = 0;
    let mut names = Vec::new();
    for c in customers.iter().chain(products) {
        let n = c.name.split_whitespace().count();
        if words + n > MAX_WORDS {
            break;
        }
        words += n;
        names.push(c.name.as_str());
    }
    if names.is_empty() {
        return String::new();
    }
    format!("Visit note. {}.", names.join(", "))
}

/// The keyword forms of each action; matched against stemmed words.
fn action_of(words: &[String], i: usize) -> Option<NextAction> {
    let w = words[i].as_str();
    let next = words.get(i + 1).map(String::as_str).unwrap_or("");
    match w {
        "call" | "callback" | "calling" | "phone" | "ring" | "telephone" => Some(NextAction::Call),
        "quote" | "quotation" | "quoting" | "pricing" | "proposal" | "estimate" => {
            Some(NextAction::SendQuote)
        }
        "price" if next == "list" => Some(NextAction::SendQuote),
        "deliver" | "delivery" | "delivering" | "ship" | "shipment" | "dispatch" => {
            Some(NextAction::Deliver)
        }
        "drop" if next == "off" => Some(NextAction::Deliver),
        "visit" | "meet" | "meeting" => Some(NextAction::Visit),
        "stop" | "drop" | "swing" | "pop" if matches!(next, "by" | "in") => Some(NextAction::Visit),
        "come" | "go" if next == "back" => Some(NextAction::Visit),
        _ => None,
    }
}

/// Parses a visit transcript into a draft note.
pub fn parse_visit(transcript: &str, ctx: &VisitContext<'_>) -> VisitDraft {
    let tokens = tokenize(transcript);
    let words: Vec<String> = tokens.iter().map(|t| stem(&t.norm)).collect();
    let mut blocked = vec![false; tokens.len()];

    // Dates first: their numbers ("3rd", "two weeks") are not quantities or names.
    let dates = dates::find_dates(&tokens, ctx.visit_date);
    for d in &dates {
        blocked[d.start..d.end].iter_mut().for_each(|b| *b = true);
    }

    // Numbers and little words may not start or end a name.
    let numbers = find_numbers(&tokens);
    let mut weak: Vec<bool> = words
        .iter()
        .map(|w| EDGE_WORDS.contains(&w.as_str()))
        .collect();
    for n in &numbers {
        weak[n.start..n.end].iter_mut().for_each(|b| *b = true);
    }

    // Customer: the single best-scoring mention.
    let customer_hit = fuzzy::find_hits(
        &spellings(ctx.customers),
        &words,
        &blocked,
        &weak,
        CUSTOMER_THRESHOLD,
    )
    .into_iter()
    .max_by(|a, b| {
        a.score
            .total_cmp(&b.score)
            .then((a.end - a.start).cmp(&(b.end - b.start)))
            // Earlier mention wins a tie; max_by keeps the last maximum, so reverse.
            .then(b.start.cmp(&a.start))
    });
    if let Some(hit) = &customer_hit {
        blocked[hit.start..hit.end]
            .iter_mut()
            .for_each(|b| *b = true);
    }
    let customer = customer_hit.map(|h| to_match(&ctx.customers[h.candidate], &tokens, &h));

    // Products: best hits first, no two sharing a word.
    let mut hits = fuzzy::find_hits(
        &spellings(ctx.products),
        &words,
        &blocked,
        &weak,
        PRODUCT_THRESHOLD,
    );
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut accepted: Vec<fuzzy::Hit> = Vec::new();
    for hit in &hits {
        if blocked[hit.start..hit.end].iter().any(|b| *b) {
            continue;
        }
        // An exact alias ("screws") inside a fuzzier full name ("would screws" for "wood
        // screws") takes the wider span, so the quantity before the name still attaches.
        let hit = hits
            .iter()
            .filter(|w| {
                w.candidate == hit.candidate
                    && w.start <= hit.start
                    && w.end >= hit.end
                    && !blocked[w.start..w.end].iter().any(|b| *b)
            })
            .max_by_key(|w| w.end - w.start)
            .copied()
            .unwrap_or(*hit);
        blocked[hit.start..hit.end]
            .iter_mut()
            .for_each(|b| *b = true);
        accepted.push(hit);
    }
    accepted.sort_by_key(|h| h.start);

    // Quantities: numbers outside dates, names and products.
    let numbers: Vec<NumberSpan> = numbers
        .into_iter()
        .filter(|n| !blocked[n.start..n.end].iter().any(|b| *b))
        .collect();
    let mut used = vec![false; numbers.len()];
    let mut lines: Vec<ProductQty> = Vec::new();
    for hit in &accepted {
        let quantity = quantity_before(&words, &numbers, &used, hit.start)
            .or_else(|| quantity_after(&words, &numbers, &used, hit.end));
        if let Some(q) = quantity {
            used[q] = true;
        }
        let product = &ctx.products[hit.candidate];
        let (quantity, quantity_heard) = match quantity {
            Some(q) => (
                Some(numbers[q].value),
                Some(join_raw(&tokens, numbers[q].start, numbers[q].end)),
            ),
            None => (None, None),
        };
        // A product said twice keeps one line: the first mention that has a number.
        match lines.iter_mut().find(|l| l.product.id == product.id) {
            Some(line) if line.quantity.is_none() && quantity.is_some() => {
                line.quantity = quantity;
                line.quantity_heard = quantity_heard;
            }
            Some(_) => {}
            None => lines.push(ProductQty {
                product: to_match(product, &tokens, hit),
                quantity,
                quantity_heard,
            }),
        }
    }

    // Follow-up: the first date after the visit day ("visited them today" is context).
    let follow_up_span = dates
        .iter()
        .find(|d| !d.is_today && d.date > ctx.visit_date);
    let follow_up = follow_up_span.map(|d| d.date);
    let follow_up_heard = follow_up_span.map(|d| join_raw(&tokens, d.start, d.end));

    // Next action: the action word nearest the follow-up date, else the first one.
    let actions: Vec<(usize, NextAction)> = (0..words.len())
        .filter(|i| !blocked[*i] || dates.iter().any(|d| (d.start..d.end).contains(i)))
        .filter_map(|i| action_of(&words, i).map(|a| (i, a)))
        .collect();
    let next_action = match follow_up_span {
        Some(d) => actions
            .iter()
            .min_by_key(|(i, _)| {
                if *i < d.start {
                    d.start - i
                } else {
                    i.saturating_sub(d.end) + 1
                }
            })
            .map(|(_, a)| *a),
        None => actions.first().map(|(_, a)| *a),
    };

    let lines_conf = if lines.is_empty() {
        0.0
    } else {
        lines
            .iter()
            .map(|l| l.product.score * if l.quantity.is_some() { 1.0 } else { 0.5 })
            .sum::<f32>()
            / lines.len() as f32
    };
    let confidence = Confidence {
        customer: customer.as_ref().map_or(0.0, |c| c.score),
        lines: lines_conf,
        follow_up: follow_up_span.map_or(0.0, |d| if d.absolute { 0.95 } else { 0.9 }),
        next_action: match (next_action, follow_up_span) {
            (None, _) => 0.0,
            (Some(_), Some(_)) if actions.len() == 1 => 0.95,
            (Some(_), _) if actions.iter().all(|(_, a)| Some(*a) == next_action) => 0.9,
            // Several different actions were mentioned; the choice is a guess.
            (Some(_), _) => 0.6,
        },
    };

    VisitDraft {
        customer,
        lines,
        follow_up,
        follow_up_heard,
        next_action,
        confidence,
        transcript: transcript.to_owned(),
    }
}

/// Index of an unused number ending just before `start`, allowing unit words between.
fn quantity_before(
    words: &[String],
    numbers: &[NumberSpan],
    used: &[bool],
    start: usize,
) -> Option<usize> {
    let mut j = start;
    for _ in 0..=4 {
        if let Some(k) = numbers.iter().position(|n| n.end == j) {
            return (!used[k]).then_some(k);
        }
        if j == 0 || !QUANTITY_GLUE.contains(&words[j - 1].as_str()) {
            return None;
        }
        j -= 1;
    }
    None
}

/// Index of an unused number starting just after `end` ("pipe, twelve", "pipe times 12").
fn quantity_after(
    words: &[String],
    numbers: &[NumberSpan],
    used: &[bool],
    end: usize,
) -> Option<usize> {
    // At most two glue words between the product and its number.
    for j in end..=end + 2 {
        if let Some(k) = numbers.iter().position(|n| n.start == j) {
            return (!used[k]).then_some(k);
        }
        if j >= words.len() || !QUANTITY_AFTER_GLUE.contains(&words[j].as_str()) {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests;
