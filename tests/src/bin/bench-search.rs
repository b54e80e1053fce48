//! Type-ahead search benchmark: seeds N contacts (default 50 000) into a fresh
//! test database, then times `GET /api/v1/search?q=` over many type-ahead
//! queries (prefixes and typos of real names) through the HTTP API, next to a
//! reference measured in the same run: `GET /api/v1/contacts/{id}`, a primary-key
//! lookup through the same stack (auth, tenant transaction, RLS). Prints the
//! figures as Markdown for docs/BENCHMARKS.md.
//!
//! `cargo run -p elevate-tests --bin bench-search -- [contacts] [queries]`

use std::time::{Duration, Instant};

use elevate_tests::TestApp;
use serde_json::json;
use uuid::Uuid;

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ran", "sto", "ver", "bel", "dor", "fen", "gar", "hol", "jin", "kes", "lin",
    "mar", "nor", "pel", "quin", "ros", "sal", "tor", "ul", "vin", "wes", "yar", "zen", "bra",
    "cor", "dal", "el",
];
const FIRST: &[&str] = &[
    "Ann", "Ben", "Clara", "Dev", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jonas", "Kemal",
    "Lena", "Marek", "Nora", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Will", "Yusuf", "Zoe", "Aiden", "Bianca", "Caleb", "Dina", "Emil",
];
const TRADES: &[&str] = &[
    "Hardware",
    "Plumbing",
    "Builders",
    "Foods",
    "Electrical",
    "Roofing",
    "Joinery",
    "Marine",
    "Heating",
    "Tools",
    "Farms",
    "Logistics",
];
const SUFFIX: &[&str] = &["Ltd", "GmbH", "& Co", "Group", "Supplies", "AG"];

struct Rng(u64);

impl Rng {
    fn n(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

fn word(r: &mut Rng, syllables: usize) -> String {
    let mut w: String = (0..syllables)
        .map(|_| SYLLABLES[r.n(SYLLABLES.len())])
        .collect();
    if let Some(first) = w.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    w
}

struct Seeded {
    id: Uuid,
    name: String,
    first: Option<String>,
    last: String,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn swap_typo(w: &str, r: &mut Rng) -> String {
    let mut c: Vec<char> = w.chars().collect();
    if c.len() > 3 {
        let i = 1 + r.n(c.len() - 2);
        c.swap(i, i + 1);
    }
    c.into_iter().collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n_contacts: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
    let n_queries: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1_000);

    let app = TestApp::spawn_with(json!({"auth": {"api_requests_per_minute": 10_000_000}})).await?;
    let t = app.sign_up("bench-search").await;
    let mut r = Rng(0x9e37_79b9_7f4a_7c15);

    // Seed: a fifth organisations, the rest people (half of them at an organisation).
    let started = Instant::now();
    let mut seeded: Vec<Seeded> = Vec::with_capacity(n_contacts);
    let mut orgs: Vec<Uuid> = Vec::new();
    let batch = 5_000;
    let mut i = 0;
    while i < n_contacts {
        let end = (i + batch).min(n_contacts);
        let mut ids = Vec::new();
        let mut kinds = Vec::new();
        let mut names = Vec::new();
        let mut firsts: Vec<Option<String>> = Vec::new();
        let mut lasts: Vec<Option<String>> = Vec::new();
        let mut org_ids: Vec<Option<Uuid>> = Vec::new();
        let mut search_texts = Vec::new();
        for k in i..end {
            let id = Uuid::now_v7();
            if k % 5 == 0 {
                let syl = 2 + r.n(2);
                let stem = word(&mut r, syl);
                let name = format!(
                    "{stem} {} {}",
                    TRADES[r.n(TRADES.len())],
                    SUFFIX[r.n(SUFFIX.len())]
                );
                kinds.push("organization".to_owned());
                firsts.push(None);
                lasts.push(None);
                org_ids.push(None);
                search_texts.push(format!("orders {}", stem.to_lowercase()));
                seeded.push(Seeded {
                    id,
                    name: name.clone(),
                    first: None,
                    last: stem,
                });
                names.push(name);
                orgs.push(id);
            } else {
                let first = FIRST[r.n(FIRST.len())].to_owned();
                let syl = 2 + r.n(2);
                let last = word(&mut r, syl);
                let name = format!("{first} {last}");
                kinds.push("person".to_owned());
                search_texts.push(format!(
                    "{first} {last} {}.{}@example.com",
                    first.to_lowercase(),
                    last.to_lowercase()
                ));
                firsts.push(Some(first.clone()));
                lasts.push(Some(last.clone()));
                org_ids.push((k % 2 == 0 && !orgs.is_empty()).then(|| orgs[r.n(orgs.len())]));
                seeded.push(Seeded {
                    id,
                    name: name.clone(),
                    first: Some(first),
                    last,
                });
                names.push(name);
            }
            ids.push(id);
        }
        sqlx::query(
            "INSERT INTO contacts (id, tenant_id, kind, display_name, first_name, last_name,
                 organization_id, search_text)
             SELECT i, $1, k, n, f, l, o, s
               FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[])
                    AS t(i, k, n, f, l, o, s)",
        )
        .bind(t.tenant_id)
        .bind(&ids)
        .bind(&kinds)
        .bind(&names)
        .bind(&firsts)
        .bind(&lasts)
        .bind(&org_ids)
        .bind(&search_texts)
        .execute(&app.db.owner)
        .await?;
        i = end;
    }
    sqlx::query("ANALYZE contacts")
        .execute(&app.db.owner)
        .await?;
    let seed_secs = started.elapsed().as_secs_f64();
    eprintln!("seeded {n_contacts} contacts in {seed_secs:.1}s");

    // Queries: what a person types when looking for one of the contacts.
    let mut queries: Vec<(String, String, &'static str)> = Vec::with_capacity(n_queries);
    while queries.len() < n_queries {
        let s = &seeded[r.n(seeded.len())];
        let (q, kind) = match (r.n(3), &s.first) {
            // "Grace Ver" → "Grace Verbel…"
            (0, Some(first)) => {
                let cut = s.last.len().saturating_sub(r.n(3)).max(4).min(s.last.len());
                (format!("{first} {}", &s.last[..cut]), "name + prefix")
            }
            // A typo in a full name.
            (1, Some(first)) => (format!("{first} {}", swap_typo(&s.last, &mut r)), "typo"),
            // The start of a company or last name.
            _ => {
                let words: Vec<&str> = s.name.split(' ').collect();
                let second = words.get(1).copied().unwrap_or("");
                (
                    format!("{} {}", words[0], &second[..second.len().min(3)]),
                    "company prefix",
                )
            }
        };
        queries.push((q, s.name.clone(), kind));
    }
    let ref_ids: Vec<Uuid> = (0..n_queries)
        .map(|_| seeded[r.n(seeded.len())].id)
        .collect();

    let client = reqwest::Client::new();
    let get = |url: String| {
        let c = client.clone();
        let tok = t.token.clone();
        async move {
            let start = Instant::now();
            let resp = c.get(url).bearer_auth(tok).send().await?;
            let status = resp.status();
            let body: serde_json::Value = resp.json().await?;
            anyhow::ensure!(status.is_success(), "{status}: {body}");
            anyhow::Ok((start.elapsed(), body))
        }
    };
    // Warm up both paths.
    for k in 0..50 {
        get(app.url(&format!(
            "/api/v1/search?q={}",
            urlencode(&queries[k % queries.len()].0)
        )))
        .await?;
        get(app.url(&format!("/api/v1/contacts/{}", ref_ids[k]))).await?;
    }
    // Interleaved, so both see the same machine load.
    let mut search_times = Vec::with_capacity(n_queries);
    let mut ref_times = Vec::with_capacity(n_queries);
    let mut right = 0usize;
    let mut right_by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (k, (q, want, kind)) in queries.iter().enumerate() {
        let (d, body) =
            get(app.url(&format!("/api/v1/search?q={}&limit=10", urlencode(q)))).await?;
        search_times.push(d);
        let top = body["hits"][0]["title"].as_str().unwrap_or_default();
        let e = right_by_kind.entry(kind).or_default();
        e.1 += 1;
        if top == want {
            right += 1;
            e.0 += 1;
        }
        let (d, _) = get(app.url(&format!("/api/v1/contacts/{}", ref_ids[k]))).await?;
        ref_times.push(d);
    }
    search_times.sort();
    ref_times.sort();
    let (s50, s95, s99) = (
        percentile(&search_times, 0.5),
        percentile(&search_times, 0.95),
        percentile(&search_times, 0.99),
    );
    let (r50, r95, r99) = (
        percentile(&ref_times, 0.5),
        percentile(&ref_times, 0.95),
        percentile(&ref_times, 0.99),
    );
    println!("| request | n | p50 ms | p95 ms | p99 ms |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| `GET /api/v1/search?q=` (type-ahead) | {n_queries} | {s50:.1} | {s95:.1} | {s99:.1} |"
    );
    println!("| `GET /api/v1/contacts/{{id}}` (reference) | {n_queries} | {r50:.1} | {r95:.1} | {r99:.1} |");
    println!();
    println!(
        "contacts: {n_contacts}; search p95 / reference p95 = {:.2}; right top result: {right}/{n_queries} ({:.1} %)",
        s95 / r95,
        100.0 * right as f64 / n_queries as f64
    );
    for (kind, (ok, all)) in right_by_kind {
        println!("  {kind}: {ok}/{all} right top result");
    }
    println!(
        "goal p95 < 50 ms: {}",
        if s95 < 50.0 { "met" } else { "NOT met" }
    );
    Ok(())
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
