//! CRM demo data for the demo tenant: about a hundred contacts (B2B accounts with
//! their people, and B2C customers), activities of every kind, and sales reps'
//! visits with transcripts and structured fields. Deterministic: the same data
//! on every machine.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use shared_types::crm::{
    ActivityKind, Address, Consent, ContactEmail, ContactKind, LifecycleStage, NextAction, Outcome,
    VisitDetails, VisitLine,
};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::activities::NewActivity;
use crate::db::contacts::ContactData;
use crate::domain::crm::normalize_phone;

const COMPANIES: &[(&str, &str, &str)] = &[
    ("Acme Hardware Ltd", "Leeds", "GB"),
    ("Greenleaf Foods", "Bristol", "GB"),
    ("Northwind Builders", "Manchester", "GB"),
    ("Bolt & Nut Supplies", "Birmingham", "GB"),
    ("Kwik Fix Plumbing", "Glasgow", "GB"),
    ("Müller Haustechnik GmbH", "Berlin", "DE"),
    ("Schmidt Bau AG", "Hamburg", "DE"),
    ("Delta Electrical", "Dublin", "IE"),
    ("Harbour Marine Services", "Cork", "IE"),
    ("Oakridge Farms", "York", "GB"),
    ("Summit Roofing", "Cardiff", "GB"),
    ("Bluewater Pools", "Brighton", "GB"),
    ("Redbrick Developments", "Liverpool", "GB"),
    ("Fischer Sanitär", "München", "DE"),
    ("Alpine Heating", "Innsbruck", "AT"),
    ("Castle Joinery", "Edinburgh", "GB"),
    ("Metro Facilities", "London", "GB"),
    ("Riverside Garden Centre", "Oxford", "GB"),
    ("Pioneer Tools", "Leicester", "GB"),
    ("Coastal Caravans", "Plymouth", "GB"),
];

const FIRST: &[&str] = &[
    "Ann", "Ben", "Clara", "Dev", "Elena", "Farid", "Grace", "Hugo", "Isla", "Jonas", "Kemal",
    "Lena", "Marek", "Nora", "Oscar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
    "Will", "Yusuf", "Zoe",
];
const LAST: &[&str] = &[
    "Lee", "Stone", "Okafor", "Novak", "Schmidt", "Brennan", "Patel", "Wright", "Fischer",
    "Murphy", "Kowalski", "Haddad", "Berg", "Clarke", "Silva", "Turner", "Weber", "Doyle",
];
const TITLES: &[&str] = &[
    "Purchasing Manager",
    "Owner",
    "Site Manager",
    "Buyer",
    "Office Manager",
    "Head of Operations",
    "Engineer",
    "Accounts",
];
const PRODUCTS: &[&str] = &[
    "Copper pipe 15mm",
    "Brass elbow 90°",
    "PTFE tape",
    "Radiator valve",
    "Pipe clamp 22mm",
    "Solder wire",
    "Ball valve 1/2 inch",
    "Flexible hose 300mm",
];
const INDUSTRIES: &[&str] = &["construction", "retail", "food", "facilities"];
const TAGS: &[&str] = &[
    "vip",
    "b2b",
    "trade",
    "new",
    "north",
    "south",
    "key-account",
];

/// A tiny deterministic generator.
struct Pick(u64);

impl Pick {
    fn n(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn of<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.n(xs.len())]
    }
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase()
}

fn stage(i: usize) -> LifecycleStage {
    [
        LifecycleStage::Customer,
        LifecycleStage::Customer,
        LifecycleStage::Lead,
        LifecycleStage::Qualified,
        LifecycleStage::Opportunity,
        LifecycleStage::Customer,
        LifecycleStage::Churned,
    ][i % 7]
}

/// Seeds CRM contacts, activities and visits into the current tenant.
pub async fn seed(conn: &mut PgConnection) -> anyhow::Result<()> {
    let users: Vec<(Uuid, String)> = sqlx::query_as("SELECT id, email FROM users ORDER BY email")
        .fetch_all(&mut *conn)
        .await?;
    let by_email = |part: &str| users.iter().find(|(_, e)| e.starts_with(part)).map(|u| u.0);
    let reps: Vec<Uuid> = [by_email("sales@"), by_email("manager@"), by_email("admin@")]
        .into_iter()
        .flatten()
        .collect();
    if reps.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let mut p = Pick(20_261_125);
    let mut contacts: Vec<(Uuid, String, ContactKind)> = Vec::new();

    for (ci, (name, city, country)) in COMPANIES.iter().enumerate() {
        let domain = format!("{}.example", slug(name));
        let mut tags = vec![p.of(TAGS).to_owned(), "b2b".to_owned()];
        tags.sort();
        tags.dedup();
        let mut org = ContactData {
            kind: ContactKind::Organization,
            display_name: (*name).to_owned(),
            first_name: None,
            last_name: None,
            job_title: None,
            organization_id: None,
            owner_id: Some(reps[ci % reps.len()]),
            lifecycle_stage: stage(ci),
            outcome: match ci % 5 {
                0 | 1 => Some(Outcome::Won),
                3 => Some(Outcome::Lost),
                _ => None,
            },
            outcome_at: Some(now - Duration::days(30 + ci as i64)),
            tags,
            emails: vec![ContactEmail {
                address: format!("orders@{domain}"),
                label: Some("orders".into()),
                primary: true,
            }],
            phones: vec![phone(&format!("+44 113 496 {:04}", 1000 + ci))],
            addresses: vec![Address {
                label: Some("Head office".into()),
                line1: Some(format!("{} Industrial Estate", 10 + ci)),
                line2: None,
                city: Some((*city).to_owned()),
                region: None,
                postal_code: Some(format!("{:05}", 10_000 + ci * 37)),
                country: Some((*country).to_owned()),
            }],
            properties: json!({"employees": 5 + (ci * 17) % 240, "industry": INDUSTRIES[ci % 4]}),
            consents: BTreeMap::new(),
        };
        if org.outcome.is_none() {
            org.outcome_at = None;
        }
        let org_id = db::contacts::insert(conn, &org).await?;
        contacts.push((org_id, (*name).to_owned(), ContactKind::Organization));
        for k in 0..(2 + ci % 3) {
            let first = p.of(FIRST);
            let last = p.of(LAST);
            let mut consents = BTreeMap::new();
            if k == 0 {
                consents.insert(
                    "email_marketing".to_owned(),
                    Consent {
                        granted: ci % 3 != 0,
                        at: now - Duration::days(90),
                        source: "trade fair sign-up".into(),
                    },
                );
            }
            let person = ContactData {
                kind: ContactKind::Person,
                display_name: format!("{first} {last}"),
                first_name: Some(first.to_owned()),
                last_name: Some(last.to_owned()),
                job_title: Some(p.of(TITLES).to_owned()),
                organization_id: Some(org_id),
                owner_id: Some(reps[ci % reps.len()]),
                lifecycle_stage: stage(ci),
                outcome: None,
                outcome_at: None,
                tags: Vec::new(),
                emails: vec![ContactEmail {
                    address: format!("{}.{}@{domain}", slug(first), slug(last)),
                    label: Some("work".into()),
                    primary: true,
                }],
                phones: vec![phone(&format!("07700 900{:03}", ci * 5 + k))],
                addresses: Vec::new(),
                properties: json!({}),
                consents,
            };
            let id = db::contacts::insert(conn, &person).await?;
            contacts.push((id, person.display_name, ContactKind::Person));
        }
    }
    // B2C customers.
    for i in 0..25 {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i * 7 + 3) % LAST.len()];
        let person = ContactData {
            kind: ContactKind::Person,
            display_name: format!("{first} {last}"),
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            job_title: None,
            organization_id: None,
            owner_id: Some(reps[i % reps.len()]),
            lifecycle_stage: stage(i + 2),
            outcome: None,
            outcome_at: None,
            tags: vec!["b2c".to_owned()],
            emails: vec![ContactEmail {
                address: format!("{}{}@mail.example", slug(first), i),
                label: None,
                primary: true,
            }],
            phones: Vec::new(),
            addresses: vec![Address {
                label: Some("Home".into()),
                line1: Some(format!("{} Park Road", i + 1)),
                line2: None,
                city: Some("Leeds".into()),
                region: None,
                postal_code: Some(format!("LS{} {}AB", i % 9 + 1, i % 9)),
                country: Some("GB".into()),
            }],
            properties: json!({}),
            consents: BTreeMap::from([(
                "email_marketing".to_owned(),
                Consent {
                    granted: i % 2 == 0,
                    at: now - Duration::days(10 + i as i64),
                    source: "web shop checkout".into(),
                },
            )]),
        };
        let id = db::contacts::insert(conn, &person).await?;
        contacts.push((id, person.display_name, ContactKind::Person));
    }

    // Activities: visits with transcripts on accounts, calls, e-mails, tasks, notes.
    for (i, (id, name, kind)) in contacts.iter().enumerate() {
        let owner = reps[i % reps.len()];
        let day = |d: i64| now - Duration::days(d) - Duration::hours((i % 8) as i64);
        if *kind == ContactKind::Organization {
            for v in 0..2 {
                let product = p.of(PRODUCTS);
                let qty = 2 + p.n(20);
                let ago = 3 + v * 17 + (i as i64 % 9);
                let follow = (now - Duration::days(ago)).date_naive() + Duration::days(14);
                let action = [NextAction::Call, NextAction::SendQuote, NextAction::Deliver][p.n(3)];
                let transcript = format!(
                    "visited {} today they want {} of {} {} follow up in two weeks",
                    name.to_lowercase(),
                    qty,
                    product.to_lowercase(),
                    match action {
                        NextAction::Call => "call them back",
                        NextAction::SendQuote => "send them a quote",
                        NextAction::Deliver => "deliver next week",
                        NextAction::Visit => "visit again",
                    }
                );
                activity(
                    conn,
                    NewActivity {
                        kind: ActivityKind::Visit,
                        contact_id: Some(*id),
                        owner_id: Some(owner),
                        subject: format!("Visit at {name}"),
                        notes: String::new(),
                        transcript: Some(transcript),
                        visit: Some(VisitDetails {
                            lines: vec![VisitLine {
                                product_id: None,
                                product_name: product.to_owned(),
                                quantity: Some(Decimal::from(qty)),
                            }],
                            follow_up: Some(follow),
                            next_action: Some(action),
                        }),
                        due_at: None,
                        completed_at: None,
                        occurred_at: Some(day(ago)),
                        op_id: Some(format!("demo-visit-{i}-{v}")),
                        created_by: owner,
                    },
                )
                .await?;
            }
            activity(
                conn,
                simple(
                    ActivityKind::Task,
                    *id,
                    owner,
                    "Send updated price list",
                    day(1),
                    Some(
                        (now + Duration::days(2 + (i % 10) as i64))
                            .date_naive()
                            .and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default())
                            .and_utc(),
                    ),
                ),
            )
            .await?;
        } else {
            let kind = [ActivityKind::Call, ActivityKind::Email, ActivityKind::Note][i % 3];
            let subject = match kind {
                ActivityKind::Call => "Call about the last delivery",
                ActivityKind::Email => "Sent the spring catalogue",
                _ => "Prefers deliveries before 10am",
            };
            activity(
                conn,
                simple(kind, *id, owner, subject, day((i % 40) as i64), None),
            )
            .await?;
        }
    }
    Ok(())
}

fn phone(number: &str) -> shared_types::crm::ContactPhone {
    shared_types::crm::ContactPhone {
        number: number.to_owned(),
        normalized: normalize_phone(number).unwrap_or_default(),
        label: None,
        primary: true,
    }
}

fn simple(
    kind: ActivityKind,
    contact: Uuid,
    owner: Uuid,
    subject: &str,
    at: chrono::DateTime<Utc>,
    due_at: Option<chrono::DateTime<Utc>>,
) -> NewActivity {
    NewActivity {
        kind,
        contact_id: Some(contact),
        owner_id: Some(owner),
        subject: subject.to_owned(),
        notes: String::new(),
        transcript: None,
        visit: None,
        due_at,
        completed_at: None,
        occurred_at: Some(at),
        op_id: None,
        created_by: owner,
    }
}

async fn activity(conn: &mut PgConnection, a: NewActivity) -> anyhow::Result<()> {
    db::activities::insert(conn, &a).await?;
    Ok(())
}
