//! Parser cases, many written the way a recogniser outputs them: lower case, no
//! punctuation, hesitations, names that only sound like the real ones.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn customers() -> Vec<Candidate> {
    vec![
        Candidate::new("c-acme", "Acme Hardware Ltd").with_aliases(["Acme"]),
        Candidate::new("c-greenleaf", "Greenleaf Garden Center"),
        Candidate::new("c-bobs", "Bob's Building Supplies"),
        Candidate::new("c-northside", "Northside Plumbing"),
        Candidate::new("c-kwik", "Kwik Fix Repairs"),
        Candidate::new("c-riverside", "Riverside Cafe"),
        Candidate::new("c-hartley", "Hartley & Sons"),
        Candidate::new("c-summit", "Summit Electrical"),
    ]
}

fn products() -> Vec<Candidate> {
    vec![
        Candidate::new("p-pipe", "Copper Pipe 15mm").with_aliases(["copper pipe"]),
        Candidate::new("p-elbow", "PVC Elbow").with_aliases(["elbow joint"]),
        Candidate::new("p-screws", "Wood Screws").with_aliases(["screws"]),
        Candidate::new("p-roller", "Paint Roller"),
        Candidate::new("p-bulb", "LED Bulb").with_aliases(["light bulb"]),
        Candidate::new("p-hose", "Garden Hose"),
        Candidate::new("p-drywall", "Drywall Sheet").with_aliases(["drywall", "plasterboard"]),
        Candidate::new("p-cable", "Extension Cable")
            .with_aliases(["extension lead", "extension cord"]),
        Candidate::new("p-cement", "Cement Bag").with_aliases(["cement"]),
        Candidate::new("p-gloves", "Safety Gloves").with_aliases(["work gloves"]),
    ]
}

/// Parses `text` for a visit on Wednesday 2025-01-15.
fn parse(text: &str) -> VisitDraft {
    let customers = customers();
    let products = products();
    let ctx = VisitContext {
        visit_date: day(2025, 1, 15),
        customers: &customers,
        products: &products,
    };
    parse_visit(text, &ctx)
}

fn lines(d: &VisitDraft) -> Vec<(&str, Option<u32>)> {
    d.lines
        .iter()
        .map(|l| (l.product.id.as_str(), l.quantity))
        .collect()
}

fn customer(d: &VisitDraft) -> Option<&str> {
    d.customer.as_ref().map(|c| c.id.as_str())
}

/// One case: customer id, (product id, quantity) lines, follow-up, next action.
macro_rules! case {
    ($name:ident, $text:expr, $cust:expr, [$(($p:expr, $q:expr)),* $(,)?], $date:expr, $action:expr) => {
        #[test]
        fn $name() {
            let d = parse($text);
            assert_eq!(customer(&d), $cust, "customer in {:?}: {d:#?}", $text);
            let expected: Vec<(&str, Option<u32>)> = vec![$(($p, $q)),*];
            assert_eq!(lines(&d), expected, "lines in {:?}", $text);
            let date: Option<(i32, u32, u32)> = $date;
            assert_eq!(d.follow_up, date.map(|(y, m, dd)| day(y, m, dd)), "follow-up in {:?}", $text);
            assert_eq!(d.next_action, $action, "next action in {:?}", $text);
        }
    };
}

use NextAction::*;

case!(
    clean_sentence,
    "Visited Acme Hardware today. They want 12 boxes of wood screws. Call them next Tuesday.",
    Some("c-acme"),
    [("p-screws", Some(12))],
    Some((2025, 1, 21)),
    Some(Call)
);
case!(
    misheard_customer_and_number_words,
    "visited an acne hardware they want twelve boxes of wood screws call back next tuesday",
    Some("c-acme"),
    [("p-screws", Some(12))],
    Some((2025, 1, 21)),
    Some(Call)
);
case!(
    two_dozen_and_calendar_date,
    "Greenleaf Garden Center ordered two dozen garden hoses, deliver on March 3rd.",
    Some("c-greenleaf"),
    [("p-hose", Some(24))],
    Some((2025, 3, 3)),
    Some(Deliver)
);
case!(
    split_name_british_spelling_hundred_and_fifty,
    "green leaf garden centre ordered a hundred and fifty LED bulbs send a quote in two weeks",
    Some("c-greenleaf"),
    [("p-bulb", Some(150))],
    Some((2025, 1, 29)),
    Some(SendQuote)
);
case!(
    two_products_and_tomorrow,
    "Northside Plumbing: 40 lengths of copper pipe and 25 PVC elbows. Follow up tomorrow by phone.",
    Some("c-northside"),
    [("p-pipe", Some(40)), ("p-elbow", Some(25))],
    Some((2025, 1, 16)),
    Some(Call)
);
case!(
    split_customer_word,
    "north side plumbing needs twenty five elbow joints",
    Some("c-northside"),
    [("p-elbow", Some(25))],
    None,
    None
);
case!(
    sound_alike_spelling,
    "quick fix repairs want 30 work gloves delivered friday",
    Some("c-kwik"),
    [("p-gloves", Some(30))],
    Some((2025, 1, 17)),
    None
);
case!(
    thousands_separator,
    "Riverside Cafe asked for 1,500 wood screws",
    Some("c-riverside"),
    [("p-screws", Some(1500))],
    None,
    None
);
case!(
    half_a_dozen_ampersand_and_month_end,
    "half a dozen paint rollers for Hartley and Sons, visit again end of the month",
    Some("c-hartley"),
    [("p-roller", Some(6))],
    Some((2025, 1, 31)),
    Some(Visit)
);
case!(
    product_without_customer_or_quantity,
    "need to order more drywall",
    None,
    [("p-drywall", None)],
    None,
    None
);
case!(
    pricing_by_friday,
    "Summit Electrical wants 30 extension leads and 100 LED bulbs, send pricing by Friday",
    Some("c-summit"),
    [("p-cable", Some(30)), ("p-bulb", Some(100))],
    Some((2025, 1, 17)),
    Some(SendQuote)
);
case!(
    quantity_after_product,
    "acme hardware, safety gloves times 20, deliver next week",
    Some("c-acme"),
    [("p-gloves", Some(20))],
    Some((2025, 1, 20)),
    Some(Deliver)
);
case!(
    couple_of_weeks_and_stop_by,
    "Bob's Building Supplies: twenty bags of cement. Stop by in a couple of weeks.",
    Some("c-bobs"),
    [("p-cement", Some(20))],
    Some((2025, 1, 29)),
    Some(Visit)
);
case!(
    hesitations_inside_names,
    "um so uh Acme, uh, Hardware wanted um fifteen uh paint rollers",
    Some("c-acme"),
    [("p-roller", Some(15))],
    None,
    None
);
case!(
    ordinal_day_is_not_a_quantity,
    "Call Northside Plumbing on the 20th about 12 copper pipes",
    Some("c-northside"),
    [("p-pipe", Some(12))],
    Some((2025, 1, 20)),
    Some(Call)
);
case!(
    month_the_ordinal_word,
    "deliver thirty garden hoses to greenleaf garden center on march the third",
    Some("c-greenleaf"),
    [("p-hose", Some(30))],
    Some((2025, 3, 3)),
    Some(Deliver)
);
case!(
    day_of_month_form,
    "summit electrical eight extension cords ship them the 3rd of March",
    Some("c-summit"),
    [("p-cable", Some(8))],
    Some((2025, 3, 3)),
    Some(Deliver)
);
case!(
    past_month_day_rolls_to_next_year,
    "Riverside Cafe wants a quote for 5 paint rollers on January 2nd",
    Some("c-riverside"),
    [("p-roller", Some(5))],
    Some((2026, 1, 2)),
    Some(SendQuote)
);
case!(
    alias_alone,
    "dropped in at acme, they need 9 light bulbs",
    Some("c-acme"),
    [("p-bulb", Some(9))],
    None,
    None
);
case!(
    unknown_customer,
    "visited Zenith Motors, nothing needed",
    None,
    [],
    None,
    None
);
case!(
    similar_phrase_is_not_the_customer,
    "any hardware store would stock 50 wood screws",
    None,
    [("p-screws", Some(50))],
    None,
    None
);
case!(
    product_mentioned_twice_keeps_one_line,
    "kwik fix repairs want ten wood screws, and the screws must be brass",
    Some("c-kwik"),
    [("p-screws", Some(10))],
    None,
    None
);
case!(
    one_line_without_quantity,
    "Hartley and Sons liked the paint rollers and want 8 LED bulbs",
    Some("c-hartley"),
    [("p-roller", None), ("p-bulb", Some(8))],
    None,
    None
);
case!(
    a_dozen_and_a_couple,
    "Acme wants a dozen garden hoses and a couple of extension cords",
    Some("c-acme"),
    [("p-hose", Some(12)), ("p-cable", Some(2))],
    None,
    None
);
case!(
    in_three_days,
    "northside plumbing call in 3 days about 60 copper pipe",
    Some("c-northside"),
    [("p-pipe", Some(60))],
    Some((2025, 1, 18)),
    Some(Call)
);
case!(
    next_month_quote,
    "greenleaf garden center might take 200 garden hoses, quotation next month",
    Some("c-greenleaf"),
    [("p-hose", Some(200))],
    Some((2025, 2, 1)),
    Some(SendQuote)
);
case!(
    end_of_next_month,
    "bobs building supplies need forty bags of cement by the end of next month deliver",
    Some("c-bobs"),
    [("p-cement", Some(40))],
    Some((2025, 2, 28)),
    Some(Deliver)
);
case!(
    today_is_not_a_follow_up,
    "Visited Riverside Cafe today, no orders",
    Some("c-riverside"),
    [],
    None,
    None
);
case!(
    nearest_action_to_the_date_wins,
    "Summit Electrical: send a quote for 50 safety gloves and call them on Friday",
    Some("c-summit"),
    [("p-gloves", Some(50))],
    Some((2025, 1, 17)),
    Some(Call)
);
case!(
    thousands_in_words,
    "hartley and sons two thousand five hundred wood screws",
    Some("c-hartley"),
    [("p-screws", Some(2500))],
    None,
    None
);
case!(
    shouting_and_punctuation,
    "ACME HARDWARE!!! 12 x PVC ELBOW.",
    Some("c-acme"),
    [("p-elbow", Some(12))],
    None,
    None
);
case!(
    weekday_next_week,
    "quick fix repairs, go back thursday next week with 16 plasterboard sheets",
    Some("c-kwik"),
    [("p-drywall", Some(16))],
    Some((2025, 1, 23)),
    Some(Visit)
);
case!(
    misheard_product_word,
    "acme hardware want 30 boxes of would screws",
    Some("c-acme"),
    [("p-screws", Some(30))],
    None,
    None
);
case!(empty_transcript, "", None, [], None, None);
case!(
    hundred_and_fifty_in_digits,
    "Hartley & Sons, 100 and 50 LED bulbs. Deliver next week.",
    Some("c-hartley"),
    [("p-bulb", Some(150))],
    Some((2025, 1, 20)),
    Some(Deliver)
);

#[test]
fn confidence_reflects_what_was_found() {
    let exact = parse("Acme Hardware: 12 wood screws, call next Tuesday");
    assert_eq!(exact.confidence.customer, 1.0);
    assert_eq!(exact.confidence.lines, 1.0);
    assert!(exact.confidence.follow_up > 0.8);
    assert!(exact.confidence.next_action > 0.9);

    let fuzzy = parse("an acne hardware: wood screws");
    assert!(fuzzy.confidence.customer > 0.87 && fuzzy.confidence.customer < 1.0);
    // No quantity heard: the line is there but flagged.
    assert!(fuzzy.confidence.lines <= 0.5);
    assert_eq!(fuzzy.confidence.follow_up, 0.0);
    assert_eq!(fuzzy.confidence.next_action, 0.0);
}

#[test]
fn heard_text_is_reported_for_review() {
    let d = parse("visited an acne hardware, twelve boxes of wood screws, call back next tuesday");
    assert_eq!(d.customer.as_ref().unwrap().heard, "acne hardware");
    assert_eq!(d.lines[0].quantity_heard.as_deref(), Some("twelve"));
    assert_eq!(d.follow_up_heard.as_deref(), Some("next tuesday"));
}

#[test]
fn draft_serialises_for_the_app() {
    let d = parse("Acme Hardware, 12 wood screws, send a quote tomorrow");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["next_action"], "send_quote");
    assert_eq!(json["follow_up"], "2025-01-16");
    assert_eq!(json["lines"][0]["quantity"], 12);
    let back: VisitDraft = serde_json::from_value(json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn vocabulary_prompt_lists_names_within_budget() {
    let prompt = vocabulary_prompt(&customers(), &products());
    assert!(prompt.starts_with("Visit note. Acme Hardware Ltd, Greenleaf Garden Center"));
    assert!(prompt.contains("Safety Gloves"));
    let many: Vec<Candidate> = (0..200)
        .map(|i| Candidate::new(format!("{i}"), "Two Words"))
        .collect();
    assert!(vocabulary_prompt(&many, &[]).split_whitespace().count() <= 153);
    assert_eq!(vocabulary_prompt(&[], &[]), "");
}
