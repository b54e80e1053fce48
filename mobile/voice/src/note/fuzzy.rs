//! Matching customer and product names against what the recogniser heard.
//!
//! Speech recognition mangles proper names in predictable ways: a letter swapped for one
//! that sounds alike ("Acne" for "Acme"), words split or merged ("Green Leaf" for
//! "Greenleaf"), British/US spellings, plurals. Two signals cover these: Jaro-Winkler
//! similarity per word and over the whole phrase with spaces removed, and a phonetic key
//! (a Soundex-style code) that makes sound-alike words count as near-equal.

use strsim::jaro_winkler;

use super::text::{stem, tokenize};

/// Words that name the kind of company rather than which one.
const NAME_NOISE: &[&str] = &["the", "inc", "ltd", "llc", "corp", "plc", "gmbh"];

/// Normalised words of a name: lower case, singular, without legal-form noise.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    tokenize(name)
        .into_iter()
        .map(|t| stem(&t.norm))
        .filter(|w| !NAME_NOISE.contains(&w.as_str()))
        .collect()
}

fn letter_code(c: char) -> Option<char> {
    Some(match c {
        'b' | 'f' | 'p' | 'v' => '1',
        'c' | 'g' | 'j' | 'k' | 'q' | 's' | 'x' | 'z' => '2',
        'd' | 't' => '3',
        'l' => '4',
        'm' | 'n' => '5',
        'r' => '6',
        _ => return None,
    })
}

/// A Soundex-style key without Soundex's 4-character cut-off, and with the first letter
/// coded too, so "Acme"/"Acne" and "Kwik"/"Quick" share a key.
pub(crate) fn phonetic_key(word: &str) -> String {
    let mut key = String::new();
    let mut last: Option<char> = None;
    for (i, c) in word.chars().enumerate() {
        match letter_code(c) {
            Some(code) if last != Some(code) => {
                key.push(code);
                last = Some(code);
            }
            Some(_) => {}
            None => {
                if i == 0 {
                    key.push('0');
                }
                // A vowel separates repeated consonant sounds ("papa" keeps both p's),
                // while h/w/y do not, as in Soundex.
                if !matches!(c, 'h' | 'w' | 'y') {
                    last = None;
                }
            }
        }
    }
    key
}

/// Similarity of two normalised words in [0, 1].
pub(crate) fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    // Sizes and codes ("15mm", "m6") must be heard exactly; "15mm" is not "16mm".
    if a.chars().chain(b.chars()).any(|c| c.is_ascii_digit()) {
        return 0.0;
    }
    let jw = jaro_winkler(a, b);
    if a.len() >= 4 && b.len() >= 4 && phonetic_key(a) == phonetic_key(b) {
        // Sounds the same: halfway between the spelling score and a perfect match.
        (jw + 1.0) / 2.0
    } else {
        jw
    }
}

/// Similarity of a name (normalised words) and a window of heard words.
pub(crate) fn phrase_similarity(name: &[String], heard: &[String]) -> f64 {
    if name.is_empty() || heard.is_empty() {
        return 0.0;
    }
    for word in name
        .iter()
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
    {
        if !heard.contains(word) {
            return 0.0;
        }
    }
    // Whole-phrase score tolerates split/merged words; slightly discounted so an exact
    // word-by-word match wins a tie.
    let joined = jaro_winkler(&name.concat(), &heard.concat()) * 0.97;
    if name.len() != heard.len() {
        return joined;
    }
    let sims: Vec<f64> = name
        .iter()
        .zip(heard)
        .map(|(a, b)| word_similarity(a, b))
        .collect();
    let worst = sims.iter().copied().fold(1.0, f64::min);
    // One clearly different word ("any" for "acme") means a different name, however
    // well the rest matches.
    let wordwise = if worst < 0.75 {
        0.0
    } else {
        sims.iter().sum::<f64>() / sims.len() as f64
    };
    wordwise.max(joined)
}

/// Where a name was heard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Hit {
    /// Index of the candidate that matched.
    pub candidate: usize,
    pub start: usize,
    pub end: usize,
    pub score: f64,
}

/// Minimum score for a one-word window; single words collide more easily.
const SINGLE_WORD_THRESHOLD: f64 = 0.9;

/// Every place a candidate's name (any of its spellings) scores at least `threshold`,
/// keeping the best window per candidate and start position. `names` pairs a candidate
/// index with one normalised spelling; `blocked` marks words that are already spoken for;
/// `weak` marks words (numbers, "of", "the") that may sit inside a window but not at its
/// edge unless the name has them too, so "12 wood screws" is not read as a name.
pub(crate) fn find_hits(
    names: &[(usize, Vec<String>)],
    heard: &[String],
    blocked: &[bool],
    weak: &[bool],
    threshold: f64,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for (candidate, name) in names {
        if name.is_empty() {
            continue;
        }
        let lengths = name.len().saturating_sub(1).max(1)..=name.len() + 1;
        for start in 0..heard.len() {
            let mut best: Option<Hit> = None;
            for len in lengths.clone() {
                let end = start + len;
                if end > heard.len() || blocked[start..end].iter().any(|b| *b) {
                    continue;
                }
                let weak_edge = |i: usize| weak[i] && !name.contains(&heard[i]);
                if weak_edge(start) || weak_edge(end - 1) {
                    continue;
                }
                let score = phrase_similarity(name, &heard[start..end]);
                let needed = if len == 1 {
                    threshold.max(SINGLE_WORD_THRESHOLD)
                } else {
                    threshold
                };
                if score >= needed && best.is_none_or(|b| score > b.score) {
                    best = Some(Hit {
                        candidate: *candidate,
                        start,
                        end,
                        score,
                    });
                }
            }
            if let Some(hit) = best {
                hits.push(hit);
            }
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        name_words(s)
    }

    #[test]
    fn phonetic_keys_group_sound_alikes() {
        assert_eq!(phonetic_key("acme"), phonetic_key("acne"));
        assert_eq!(phonetic_key("kwik"), phonetic_key("quick"));
        assert_ne!(phonetic_key("acme"), phonetic_key("any"));
    }

    #[test]
    fn asr_variants_of_a_name_score_high() {
        let acme = words("Acme Hardware Ltd");
        assert!(phrase_similarity(&acme, &words("acne hardware")) > 0.9);
        assert!(
            phrase_similarity(
                &words("Greenleaf Garden Center"),
                &words("green leaf garden centre")
            ) > 0.87
        );
    }

    #[test]
    fn different_names_score_low() {
        let acme = words("Acme Hardware");
        assert!(phrase_similarity(&acme, &words("any hardware")) < 0.87);
        assert!(phrase_similarity(&acme, &words("bob's hardware")) < 0.87);
        assert_eq!(
            phrase_similarity(&words("Copper Pipe 15mm"), &words("copper pipe 22mm")),
            0.0
        );
    }
}
