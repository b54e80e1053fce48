//! Contacts: the list (search by name, e-mail or phone, filter by lifecycle stage,
//! paged) and a contact's page: its details and channels, lead score with the
//! factors behind it, the saved segments it belongs to, its company and people,
//! the next follow-up, open tasks and recent activities and visits. Read from the
//! same `db` functions as `/api/v1/contacts`, `/contacts/{id}/360` and the scoring
//! API.

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use dioxus::prelude::*;
use serde::Deserialize;
use shared_types::crm::{Activity, ActivityKind, ContactKind, LifecycleStage};
use uuid::Uuid;

use crate::db;
use crate::db::contacts::ContactFilter;
use crate::db::products::enum_text;
use crate::http::extract::Paging;
use crate::web::i18n::{Key, Lang};
use crate::web::layout::{app_page, Nav, Shell};
use crate::web::pages::dashboard::stage_label;
use crate::web::pages::{encode, pager, table_region, when};
use crate::web::session::WebTx;
use crate::web::{WebError, WebResult};

const PAGE_SIZE: i64 = 25;

const STAGES: [LifecycleStage; 8] = [
    LifecycleStage::Subscriber,
    LifecycleStage::Lead,
    LifecycleStage::Qualified,
    LifecycleStage::Opportunity,
    LifecycleStage::Customer,
    LifecycleStage::Evangelist,
    LifecycleStage::Churned,
    LifecycleStage::Other,
];

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    offset: Option<i64>,
}

fn kind_label(k: ContactKind) -> Key {
    match k {
        ContactKind::Person => Key::ContactPerson,
        ContactKind::Organization => Key::ContactOrganization,
    }
}

fn activity_label(k: ActivityKind) -> Key {
    match k {
        ActivityKind::Visit => Key::ActivityVisit,
        ActivityKind::Call => Key::ActivityCall,
        ActivityKind::Email => Key::ActivityEmail,
        ActivityKind::Task => Key::ActivityTask,
        ActivityKind::Note => Key::ActivityNote,
    }
}

/// `GET /app/contacts`
pub async fn list(mut w: WebTx, Query(q): Query<ListQuery>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Contacts).await?;
    let lang = shell.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let search = q.q.trim().to_owned();
    let stage = STAGES.into_iter().find(|s| enum_text(s) == q.stage);
    let filter = ContactFilter {
        q: Some(search.clone()).filter(|s| !s.is_empty()),
        lifecycle_stage: stage,
        ..Default::default()
    };
    let (items, total) = db::contacts::list(
        w.conn(),
        &filter,
        Paging {
            limit: PAGE_SIZE,
            offset,
        },
    )
    .await?;
    w.commit().await?;
    let mut query = Vec::new();
    if !search.is_empty() {
        query.push(format!("q={}", encode(&search)));
    }
    if let Some(s) = stage {
        query.push(format!("stage={}", enum_text(&s)));
    }
    let query = query.join("&");
    let found = lang.tf(Key::ContactsFound, &[("count", &total.to_string())]);
    let body = rsx! {
        h1 { {lang.t(Key::ContactsTitle)} }
        form { class: "filters", method: "get", action: "/app/contacts", role: "search", id: "contact-search",
            div { class: "field",
                label { r#for: "contact-q", {lang.t(Key::ContactSearchLabel)} }
                input { id: "contact-q", name: "q", r#type: "search", value: "{search}", autocomplete: "off" }
            }
            div { class: "field",
                label { r#for: "contact-stage", {lang.t(Key::PipelineStage)} }
                select { id: "contact-stage", name: "stage",
                    option { value: "", selected: stage.is_none(), {lang.t(Key::PoStatusAny)} }
                    for s in STAGES {
                        option { value: "{enum_text(&s)}", selected: stage == Some(s), {stage_label(lang, &enum_text(&s))} }
                    }
                }
            }
            button { r#type: "submit", {lang.t(Key::ApplyFilters)} }
        }
        p { class: "muted", id: "contacts-found", role: "status", "{found}" }
        if items.is_empty() {
            p { class: "muted", {lang.t(Key::NoContacts)} }
        } else {
            {table_region(lang.t(Key::ContactsTitle), rsx! {
                table { id: "contacts",
                    thead { tr {
                        th { scope: "col", {lang.t(Key::ColName)} }
                        th { scope: "col", {lang.t(Key::ColType)} }
                        th { scope: "col", {lang.t(Key::ContactCompany)} }
                        th { scope: "col", {lang.t(Key::PipelineStage)} }
                        th { scope: "col", {lang.t(Key::ColEmail)} }
                        th { scope: "col", {lang.t(Key::ContactPhone)} }
                    } }
                    tbody {
                        for c in items.iter() {
                            tr { "data-contact": "{c.id}",
                                td { class: "wrap", a { href: "/app/contacts/{c.id}", "{c.display_name}" } }
                                td { {lang.t(kind_label(c.kind))} }
                                td { class: "wrap", {c.organization_name.clone().unwrap_or_default()} }
                                td { {stage_label(lang, &enum_text(&c.lifecycle_stage))} }
                                td { class: "wrap", {c.emails.first().map(|e| e.address.clone()).unwrap_or_default()} }
                                td { {c.phones.first().map(|p| p.number.clone()).unwrap_or_default()} }
                            }
                        }
                    }
                }
            })}
        }
        {pager(lang, "/app/contacts", &query, offset, PAGE_SIZE, total)}
    };
    Ok(app_page(&shell, lang.t(Key::ContactsTitle), body).into_response())
}

fn activity_item(lang: Lang, a: &Activity) -> Element {
    let at = a
        .due_at
        .filter(|_| a.kind == ActivityKind::Task)
        .unwrap_or(a.occurred_at);
    rsx! {
        li { class: "card", "data-activity": "{a.id}", "data-kind": "{enum_text(&a.kind)}",
            p {
                strong { {lang.t(activity_label(a.kind))} } " · "
                time { datetime: "{at.to_rfc3339()}", {when(lang, at)} }
            }
            p { "{a.subject}" }
            if !a.notes.is_empty() { p { class: "muted", "{a.notes}" } }
            if let Some(f) = a.visit.as_ref().and_then(|v| v.follow_up) {
                p { class: "muted", {lang.t(Key::FollowUp)} ": " time { datetime: "{f}", "{f}" } }
            }
        }
    }
}

/// `GET /app/contacts/{id}`
pub async fn detail(mut w: WebTx, Path(id): Path<Uuid>) -> WebResult<Response> {
    let shell = Shell::load(&mut w, Nav::Contacts).await?;
    let lang = shell.lang;
    let contact = db::contacts::get(w.conn(), id)
        .await?
        .ok_or(WebError::NotFound(lang))?;
    let company = match (contact.kind, contact.organization_id) {
        (ContactKind::Person, Some(org)) => db::contacts::summaries(w.conn(), &[org]).await?.pop(),
        _ => None,
    };
    let people = match (contact.kind, contact.organization_id) {
        (ContactKind::Organization, _) => db::contacts::members_of(w.conn(), id, 50).await?,
        _ => Vec::new(),
    };
    let recent = db::activities::recent_of(w.conn(), id, 20).await?;
    let tasks = db::activities::open_tasks_of(w.conn(), id, 10).await?;
    let today = chrono::Utc::now().date_naive();
    let follow_up = db::activities::next_follow_up(w.conn(), id, today).await?;
    let score = db::scoring::get(w.conn(), id).await?;
    let (segments, _) = db::segments::list(
        w.conn(),
        Paging {
            limit: 100,
            offset: 0,
        },
    )
    .await?;
    let mut member_of = Vec::new();
    for s in segments {
        if let Ok(c) = crate::domain::segments::compile(&s.rules) {
            if db::segments::contains(w.conn(), &c, id).await? {
                member_of.push(s.name);
            }
        }
    }
    w.commit().await?;
    let stage = stage_label(lang, &enum_text(&contact.lifecycle_stage));
    let outcome = contact.outcome.map(|o| {
        lang.t(match enum_text(&o).as_str() {
            "won" => Key::OutcomeWon,
            _ => Key::OutcomeLost,
        })
    });
    let score_text = score.as_ref().map(|s| {
        lang.number(
            rust_decimal::Decimal::from_f64_retain(s.rule_score).unwrap_or_default(),
            0,
        )
    });
    let probability = score.as_ref().and_then(|s| s.model_probability).map(|p| {
        format!(
            "{} %",
            lang.number(
                rust_decimal::Decimal::from_f64_retain(p * 100.0).unwrap_or_default(),
                0
            )
        )
    });
    let body = rsx! {
        p { a { href: "/app/contacts", {lang.t(Key::BackToContacts)} } }
        h1 { id: "contact-name", "{contact.display_name}" }
        dl { class: "facts", id: "contact-facts",
            dt { {lang.t(Key::ColType)} } dd { {lang.t(kind_label(contact.kind))} }
            if let Some(t) = &contact.job_title { dt { {lang.t(Key::ContactJobTitle)} } dd { "{t}" } }
            if let Some(c) = &company {
                dt { {lang.t(Key::ContactCompany)} }
                dd { a { href: "/app/contacts/{c.id}", "{c.display_name}" } }
            }
            dt { {lang.t(Key::PipelineStage)} } dd { id: "contact-stage", "{stage}" }
            if let Some(o) = outcome { dt { {lang.t(Key::ContactOutcome)} } dd { "{o}" } }
            dt { {lang.t(Key::ContactScore)} }
            dd { id: "contact-score", "data-score": score.as_ref().map(|s| s.rule_score.round().to_string()).unwrap_or_default(),
                {score_text.clone().unwrap_or_else(|| lang.t(Key::NotScoredYet).to_owned())}
                if let Some(p) = &probability { " · " {lang.tf(Key::WinProbability, &[("p", p)])} }
            }
            dt { {lang.t(Key::ContactSegments)} }
            dd { id: "contact-segments",
                if member_of.is_empty() {
                    span { class: "muted", {lang.t(Key::NoSegments)} }
                } else {
                    ul { class: "plain tags",
                        for s in member_of.iter() { li { "{s}" } }
                    }
                }
            }
            if !contact.tags.is_empty() {
                dt { {lang.t(Key::ContactTags)} } dd { {contact.tags.join(", ")} }
            }
            for e in contact.emails.iter() {
                dt { {lang.t(Key::ColEmail)} } dd { a { href: "mailto:{e.address}", "{e.address}" } }
            }
            for p in contact.phones.iter() {
                dt { {lang.t(Key::ContactPhone)} } dd { a { href: "tel:{p.normalized}", "{p.number}" } }
            }
            dt { {lang.t(Key::ColCreated)} } dd { {when(lang, contact.created_at)} }
        }
        if let Some(s) = &score {
            if !s.rule_factors.is_empty() {
                details { class: "evidence", id: "score-factors",
                    summary { {lang.t(Key::ScoreWhy)} }
                    ul { class: "plain",
                        for f in s.rule_factors.iter() {
                            li { code { "{f.factor}" } " " {format!("{:+.1}", f.contribution)} }
                        }
                    }
                }
            }
        }
        if let Some((date, _, _, subject, _)) = &follow_up {
            h2 { {lang.t(Key::FollowUp)} }
            p { id: "contact-follow-up", time { datetime: "{date}", "{date}" } " · {subject}" }
        }
        if !people.is_empty() {
            h2 { {lang.t(Key::ContactPeople)} }
            ul { class: "plain", id: "contact-people",
                for p in people.iter() {
                    li { a { href: "/app/contacts/{p.id}", "{p.display_name}" }
                        if let Some(t) = &p.job_title { span { class: "muted", " · {t}" } }
                    }
                }
            }
        }
        h2 { id: "tasks-h", {lang.t(Key::OpenTasks)} }
        if tasks.is_empty() {
            p { class: "muted", {lang.t(Key::NoOpenTasks)} }
        } else {
            ul { class: "cards feed", id: "contact-tasks", "aria-labelledby": "tasks-h",
                for a in tasks.iter() { {activity_item(lang, a)} }
            }
        }
        h2 { id: "activities-h", {lang.t(Key::RecentActivities)} }
        if recent.is_empty() {
            p { class: "muted", {lang.t(Key::NoActivities)} }
        } else {
            ul { class: "cards feed", id: "contact-activities", "aria-labelledby": "activities-h",
                for a in recent.iter() { {activity_item(lang, a)} }
            }
        }
    };
    Ok(app_page(&shell, &contact.display_name, body).into_response())
}
