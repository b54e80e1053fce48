//! Segment rules: validation, compilation to parameterised SQL over `contacts c`,
//! and a plain Rust evaluator with the same meaning (used by tests to check the
//! SQL, and usable wherever contacts are already in memory).
//!
//! Meaning of each operator, shared by both sides:
//! - `eq`/`neq`: equality; a missing value is never equal, so `neq` matches it.
//! - `contains`/`starts_with`: case-insensitive substring/prefix of a text; for
//!   `tag` and `email` "has one that ..."; for an array property "has the element".
//! - `in`: equal to one of a list; for `tag` "has any of".
//! - `gt`/`gte`/`lt`/`lte`: numbers compare numerically, strings bytewise; a
//!   missing value or one of another type never matches.
//! - `exists`/`not_exists`: has a value (any tag, any e-mail, any activity).

use chrono::{DateTime, Utc};
use serde_json::Value;
use shared_types::crm::{GroupOp, SegmentOperator as Op, SegmentRule};
use uuid::Uuid;

use crate::domain::identity::InvalidValue;

const MAX_DEPTH: usize = 6;
const MAX_CONDITIONS: usize = 60;

fn invalid(message: impl Into<String>) -> InvalidValue {
    InvalidValue {
        field: "rules",
        message: message.into(),
    }
}

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Kind,
    LifecycleStage,
    DisplayName,
    JobTitle,
    OwnerId,
    OrganizationId,
    Outcome,
    Tag,
    Email,
    CreatedDaysAgo,
    LastActivityDaysAgo,
    ActivityCount90d,
    Property(String),
}

impl Field {
    pub fn parse(s: &str) -> Result<Field, InvalidValue> {
        Ok(match s {
            "kind" => Field::Kind,
            "lifecycle_stage" => Field::LifecycleStage,
            "display_name" => Field::DisplayName,
            "job_title" => Field::JobTitle,
            "owner_id" => Field::OwnerId,
            "organization_id" => Field::OrganizationId,
            "outcome" => Field::Outcome,
            "tag" => Field::Tag,
            "email" => Field::Email,
            "created_days_ago" => Field::CreatedDaysAgo,
            "last_activity_days_ago" => Field::LastActivityDaysAgo,
            "activity_count_90d" => Field::ActivityCount90d,
            other => match other.strip_prefix("property.") {
                Some(k)
                    if !k.is_empty()
                        && k.len() <= 64
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
                {
                    Field::Property(k.to_owned())
                }
                _ => return Err(invalid(format!("unknown field '{other}'"))),
            },
        })
    }

    fn is_text(&self) -> bool {
        matches!(
            self,
            Field::Kind
                | Field::LifecycleStage
                | Field::DisplayName
                | Field::JobTitle
                | Field::OwnerId
                | Field::OrganizationId
                | Field::Outcome
        )
    }

    fn is_number(&self) -> bool {
        matches!(
            self,
            Field::CreatedDaysAgo | Field::LastActivityDaysAgo | Field::ActivityCount90d
        )
    }
}

/// Checks a rule tree: known fields, operators that fit them, values of the right
/// type, bounded depth and size.
pub fn validate(rule: &SegmentRule) -> Result<(), InvalidValue> {
    let mut count = 0;
    check(rule, 0, &mut count)
}

fn check(rule: &SegmentRule, depth: usize, count: &mut usize) -> Result<(), InvalidValue> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!("groups nest at most {MAX_DEPTH} deep")));
    }
    match rule {
        SegmentRule::Group { rules, .. } => {
            for r in rules {
                check(r, depth + 1, count)?;
            }
            Ok(())
        }
        SegmentRule::Condition {
            field,
            operator,
            value,
        } => {
            *count += 1;
            if *count > MAX_CONDITIONS {
                return Err(invalid(format!("at most {MAX_CONDITIONS} conditions")));
            }
            let f = Field::parse(field)?;
            check_condition(&f, *operator, value)
                .map_err(|m| invalid(format!("{field} {operator:?}: {m}")))
        }
    }
}

fn scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn check_condition(f: &Field, op: Op, v: &Value) -> Result<(), &'static str> {
    let string = || {
        v.as_str()
            .filter(|s| s.chars().count() <= 200)
            .map(|_| ())
            .ok_or("the value must be a text of at most 200 characters")
    };
    let number = || {
        v.as_f64()
            .filter(|n| n.is_finite())
            .map(|_| ())
            .ok_or("the value must be a number")
    };
    let list = |item: &dyn Fn(&Value) -> bool| match v.as_array() {
        Some(a) if !a.is_empty() && a.len() <= 100 && a.iter().all(item) => Ok(()),
        _ => Err("the value must be a list of 1–100 values"),
    };
    match op {
        Op::Exists | Op::NotExists => Ok(()),
        _ if f.is_number() => match op {
            Op::Eq | Op::Neq | Op::Gt | Op::Gte | Op::Lt | Op::Lte => number(),
            _ => Err("numbers compare with eq, neq, gt, gte, lt, lte"),
        },
        _ if f.is_text() || matches!(f, Field::Tag | Field::Email) => match op {
            Op::Eq | Op::Neq | Op::Contains | Op::StartsWith => string(),
            Op::In => list(&|x: &Value| x.is_string()),
            _ => Err("texts compare with eq, neq, contains, starts_with, in"),
        },
        _ => match op {
            Op::Eq | Op::Neq => {
                if scalar(v) {
                    Ok(())
                } else {
                    Err("the value must be a text, number or boolean")
                }
            }
            Op::Contains | Op::StartsWith => string(),
            Op::In => list(&scalar),
            Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
                if v.is_string() {
                    string()
                } else {
                    number()
                }
            }
            Op::Exists | Op::NotExists => Ok(()),
        },
    }
}

/// A value bound to a placeholder of compiled SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Texts(Vec<String>),
    Number(f64),
    Json(Value),
}

/// A compiled rule: a boolean SQL expression over `contacts c` with `$n`
/// placeholders numbered from 1 and the values to bind to them, in order. User
/// values only ever reach the database as bound parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub binds: Vec<Bind>,
}

/// Compiles a validated rule tree.
pub fn compile(rule: &SegmentRule) -> Result<Compiled, InvalidValue> {
    validate(rule)?;
    let mut binds = Vec::new();
    let sql = compile_rule(rule, &mut binds)?;
    Ok(Compiled { sql, binds })
}

fn push(binds: &mut Vec<Bind>, b: Bind) -> String {
    binds.push(b);
    format!("${}", binds.len())
}

fn compile_rule(rule: &SegmentRule, binds: &mut Vec<Bind>) -> Result<String, InvalidValue> {
    match rule {
        SegmentRule::Group { op, rules } => {
            if rules.is_empty() {
                return Ok(match op {
                    GroupOp::And => "TRUE".into(),
                    GroupOp::Or => "FALSE".into(),
                });
            }
            let parts = rules
                .iter()
                .map(|r| compile_rule(r, binds))
                .collect::<Result<Vec<_>, _>>()?;
            let joiner = match op {
                GroupOp::And => " AND ",
                GroupOp::Or => " OR ",
            };
            Ok(format!("({})", parts.join(joiner)))
        }
        SegmentRule::Condition {
            field,
            operator,
            value,
        } => {
            let f = Field::parse(field)?;
            Ok(compile_condition(&f, *operator, value, binds))
        }
    }
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn texts_of(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text_of).collect())
        .unwrap_or_default()
}

fn compile_condition(f: &Field, op: Op, v: &Value, binds: &mut Vec<Bind>) -> String {
    let col = match f {
        Field::Kind => "c.kind",
        Field::LifecycleStage => "c.lifecycle_stage",
        Field::DisplayName => "c.display_name",
        Field::JobTitle => "c.job_title",
        Field::OwnerId => "c.owner_id::text",
        Field::OrganizationId => "c.organization_id::text",
        Field::Outcome => "c.outcome",
        Field::CreatedDaysAgo => "(EXTRACT(epoch FROM now() - c.created_at) / 86400.0)::float8",
        Field::LastActivityDaysAgo => {
            "(SELECT EXTRACT(epoch FROM now() - max(a.occurred_at)) / 86400.0 FROM activities a
               WHERE a.contact_id = c.id)::float8"
        }
        Field::ActivityCount90d => {
            "(SELECT count(*) FROM activities a WHERE a.contact_id = c.id
               AND a.occurred_at >= now() - interval '90 days')::float8"
        }
        Field::Tag => return compile_tag(op, v, binds),
        Field::Email => return compile_email(op, v, binds),
        Field::Property(k) => return compile_property(k, op, v, binds),
    };
    if f.is_number() {
        let cmp = match op {
            Op::Exists => return format!("({col} IS NOT NULL)"),
            Op::NotExists => return format!("({col} IS NULL)"),
            Op::Eq | Op::Neq => "=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            _ => "<=",
        };
        let p = push(binds, Bind::Number(v.as_f64().unwrap_or_default()));
        let expr = format!("COALESCE({col} {cmp} {p}::float8, FALSE)");
        return if op == Op::Neq {
            format!("(NOT {expr})")
        } else {
            expr
        };
    }
    match op {
        Op::Exists => format!("({col} IS NOT NULL)"),
        Op::NotExists => format!("({col} IS NULL)"),
        Op::Eq => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("COALESCE({col} = {p}, FALSE)")
        }
        Op::Neq => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("(NOT COALESCE({col} = {p}, FALSE))")
        }
        Op::Contains => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("COALESCE(strpos(lower({col}), lower({p})) > 0, FALSE)")
        }
        Op::StartsWith => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("COALESCE(starts_with(lower({col}), lower({p})), FALSE)")
        }
        Op::In => {
            let p = push(binds, Bind::Texts(texts_of(v)));
            format!("COALESCE({col} = ANY({p}::text[]), FALSE)")
        }
        // Not reachable after validation.
        _ => "FALSE".into(),
    }
}

fn compile_tag(op: Op, v: &Value, binds: &mut Vec<Bind>) -> String {
    match op {
        Op::Exists => "(cardinality(c.tags) > 0)".into(),
        Op::NotExists => "(cardinality(c.tags) = 0)".into(),
        Op::Eq => {
            let p = push(binds, Bind::Text(text_of(v).to_lowercase()));
            format!("({p} = ANY(c.tags))")
        }
        Op::Neq => {
            let p = push(binds, Bind::Text(text_of(v).to_lowercase()));
            format!("(NOT ({p} = ANY(c.tags)))")
        }
        Op::In => {
            let p = push(
                binds,
                Bind::Texts(texts_of(v).into_iter().map(|t| t.to_lowercase()).collect()),
            );
            format!("(c.tags && {p}::text[])")
        }
        Op::Contains => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("EXISTS (SELECT 1 FROM unnest(c.tags) t WHERE strpos(t, lower({p})) > 0)")
        }
        _ => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!("EXISTS (SELECT 1 FROM unnest(c.tags) t WHERE starts_with(t, lower({p})))")
        }
    }
}

fn compile_email(op: Op, v: &Value, binds: &mut Vec<Bind>) -> String {
    let any = |cond: &str| {
        format!(
            "EXISTS (SELECT 1 FROM contact_channels e WHERE e.contact_id = c.id AND e.kind = 'email'{cond})"
        )
    };
    match op {
        Op::Exists => any(""),
        Op::NotExists => format!("(NOT {})", any("")),
        Op::Eq => {
            let p = push(binds, Bind::Text(text_of(v).trim().to_lowercase()));
            any(&format!(" AND e.normalized = {p}"))
        }
        Op::Neq => {
            let p = push(binds, Bind::Text(text_of(v).trim().to_lowercase()));
            format!("(NOT {})", any(&format!(" AND e.normalized = {p}")))
        }
        Op::In => {
            let p = push(
                binds,
                Bind::Texts(
                    texts_of(v)
                        .into_iter()
                        .map(|t| t.trim().to_lowercase())
                        .collect(),
                ),
            );
            any(&format!(" AND e.normalized = ANY({p}::text[])"))
        }
        Op::Contains => {
            let p = push(binds, Bind::Text(text_of(v)));
            any(&format!(" AND strpos(e.normalized, lower({p})) > 0"))
        }
        _ => {
            let p = push(binds, Bind::Text(text_of(v)));
            any(&format!(" AND starts_with(e.normalized, lower({p}))"))
        }
    }
}

fn compile_property(key: &str, op: Op, v: &Value, binds: &mut Vec<Bind>) -> String {
    let k = push(binds, Bind::Text(key.to_owned()));
    let val = format!("(c.properties -> {k})");
    let typ = format!("jsonb_typeof({val})");
    match op {
        Op::Exists => format!("jsonb_exists(c.properties, {k})"),
        Op::NotExists => format!("(NOT jsonb_exists(c.properties, {k}))"),
        Op::Eq | Op::Neq => {
            let p = push(binds, Bind::Json(v.clone()));
            let eq = format!("COALESCE({val} = {p}::jsonb, FALSE)");
            if op == Op::Eq {
                eq
            } else {
                format!("(NOT {eq})")
            }
        }
        Op::In => {
            let p = push(binds, Bind::Json(v.clone()));
            format!("EXISTS (SELECT 1 FROM jsonb_array_elements({p}::jsonb) x WHERE x = {val})")
        }
        Op::Contains => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!(
                "(CASE WHEN {typ} = 'string' THEN strpos(lower(c.properties ->> {k}), lower({p})) > 0
                       WHEN {typ} = 'array' THEN {val} @> jsonb_build_array({p}::text)
                       ELSE FALSE END)"
            )
        }
        Op::StartsWith => {
            let p = push(binds, Bind::Text(text_of(v)));
            format!(
                "(CASE WHEN {typ} = 'string' THEN starts_with(lower(c.properties ->> {k}), lower({p}))
                       ELSE FALSE END)"
            )
        }
        Op::Gt | Op::Gte | Op::Lt | Op::Lte => {
            let cmp = match op {
                Op::Gt => ">",
                Op::Gte => ">=",
                Op::Lt => "<",
                _ => "<=",
            };
            if let Some(s) = v.as_str() {
                let p = push(binds, Bind::Text(s.to_owned()));
                format!(
                    "(CASE WHEN {typ} = 'string' THEN (c.properties ->> {k}) COLLATE \"C\" {cmp} {p} COLLATE \"C\"
                           ELSE FALSE END)"
                )
            } else {
                let p = push(binds, Bind::Number(v.as_f64().unwrap_or_default()));
                format!(
                    "(CASE WHEN {typ} = 'number' THEN (c.properties ->> {k})::float8 {cmp} {p}::float8
                           ELSE FALSE END)"
                )
            }
        }
    }
}

/// A contact as the evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactFacts {
    pub id: Uuid,
    pub kind: String,
    pub lifecycle_stage: String,
    pub display_name: String,
    pub job_title: Option<String>,
    pub owner_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub outcome: Option<String>,
    pub tags: Vec<String>,
    /// Normalised (lower-case) addresses.
    pub emails: Vec<String>,
    pub properties: Value,
    pub created_at: DateTime<Utc>,
    pub activities: Vec<DateTime<Utc>>,
}

/// Whether a contact matches a (validated) rule tree at `now`.
pub fn matches(rule: &SegmentRule, c: &ContactFacts, now: DateTime<Utc>) -> bool {
    match rule {
        SegmentRule::Group { op, rules } => match op {
            GroupOp::And => rules.iter().all(|r| matches(r, c, now)),
            GroupOp::Or => rules.iter().any(|r| matches(r, c, now)),
        },
        SegmentRule::Condition {
            field,
            operator,
            value,
        } => match Field::parse(field) {
            Ok(f) => eval(&f, *operator, value, c, now),
            Err(_) => false,
        },
    }
}

fn days(d: chrono::Duration) -> f64 {
    d.num_milliseconds() as f64 / 86_400_000.0
}

fn cmp_num(op: Op, a: f64, b: f64) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Neq => a != b,
        Op::Gt => a > b,
        Op::Gte => a >= b,
        Op::Lt => a < b,
        Op::Lte => a <= b,
        _ => false,
    }
}

fn eval(f: &Field, op: Op, v: &Value, c: &ContactFacts, now: DateTime<Utc>) -> bool {
    let text = |s: Option<&str>| -> bool {
        match op {
            Op::Exists => s.is_some(),
            Op::NotExists => s.is_none(),
            Op::Eq => s == Some(text_of(v).as_str()),
            Op::Neq => s != Some(text_of(v).as_str()),
            Op::Contains => {
                s.is_some_and(|s| s.to_lowercase().contains(&text_of(v).to_lowercase()))
            }
            Op::StartsWith => {
                s.is_some_and(|s| s.to_lowercase().starts_with(&text_of(v).to_lowercase()))
            }
            Op::In => s.is_some_and(|s| texts_of(v).iter().any(|t| t == s)),
            _ => false,
        }
    };
    let number = |n: Option<f64>| -> bool {
        match op {
            Op::Exists => n.is_some(),
            Op::NotExists => n.is_none(),
            Op::Neq => !n.is_some_and(|n| n == v.as_f64().unwrap_or_default()),
            _ => n.is_some_and(|n| cmp_num(op, n, v.as_f64().unwrap_or_default())),
        }
    };
    match f {
        Field::Kind => text(Some(&c.kind)),
        Field::LifecycleStage => text(Some(&c.lifecycle_stage)),
        Field::DisplayName => text(Some(&c.display_name)),
        Field::JobTitle => text(c.job_title.as_deref()),
        Field::OwnerId => text(c.owner_id.map(|u| u.to_string()).as_deref()),
        Field::OrganizationId => text(c.organization_id.map(|u| u.to_string()).as_deref()),
        Field::Outcome => text(c.outcome.as_deref()),
        Field::CreatedDaysAgo => number(Some(days(now - c.created_at))),
        Field::LastActivityDaysAgo => number(c.activities.iter().max().map(|t| days(now - *t))),
        Field::ActivityCount90d => number(Some(
            c.activities
                .iter()
                .filter(|t| **t >= now - chrono::Duration::days(90))
                .count() as f64,
        )),
        Field::Tag => {
            let t = text_of(v).to_lowercase();
            match op {
                Op::Exists => !c.tags.is_empty(),
                Op::NotExists => c.tags.is_empty(),
                Op::Eq => c.tags.contains(&t),
                Op::Neq => !c.tags.contains(&t),
                Op::In => texts_of(v)
                    .iter()
                    .any(|x| c.tags.contains(&x.to_lowercase())),
                Op::Contains => c.tags.iter().any(|x| x.contains(&t)),
                Op::StartsWith => c.tags.iter().any(|x| x.starts_with(&t)),
                _ => false,
            }
        }
        Field::Email => {
            let t = text_of(v).trim().to_lowercase();
            match op {
                Op::Exists => !c.emails.is_empty(),
                Op::NotExists => c.emails.is_empty(),
                Op::Eq => c.emails.contains(&t),
                Op::Neq => !c.emails.contains(&t),
                Op::In => texts_of(v)
                    .iter()
                    .any(|x| c.emails.contains(&x.trim().to_lowercase())),
                Op::Contains => c
                    .emails
                    .iter()
                    .any(|x| x.contains(&text_of(v).to_lowercase())),
                Op::StartsWith => c
                    .emails
                    .iter()
                    .any(|x| x.starts_with(&text_of(v).to_lowercase())),
                _ => false,
            }
        }
        Field::Property(k) => {
            let p = c.properties.get(k);
            let json_eq = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) if a.is_number() && b.is_number() => x == y,
                _ => a == b,
            };
            match op {
                Op::Exists => p.is_some(),
                Op::NotExists => p.is_none(),
                Op::Eq => p.is_some_and(|p| json_eq(p, v)),
                Op::Neq => !p.is_some_and(|p| json_eq(p, v)),
                Op::In => p.is_some_and(|p| {
                    v.as_array()
                        .is_some_and(|a| a.iter().any(|x| json_eq(x, p)))
                }),
                Op::Contains => match p {
                    Some(Value::String(s)) => s.to_lowercase().contains(&text_of(v).to_lowercase()),
                    Some(Value::Array(a)) => a.contains(&Value::String(text_of(v))),
                    _ => false,
                },
                Op::StartsWith => match p {
                    Some(Value::String(s)) => {
                        s.to_lowercase().starts_with(&text_of(v).to_lowercase())
                    }
                    _ => false,
                },
                Op::Gt | Op::Gte | Op::Lt | Op::Lte => match (p, v) {
                    (Some(Value::String(a)), Value::String(b)) => {
                        let o = a.as_bytes().cmp(b.as_bytes());
                        match op {
                            Op::Gt => o.is_gt(),
                            Op::Gte => o.is_ge(),
                            Op::Lt => o.is_lt(),
                            _ => o.is_le(),
                        }
                    }
                    (Some(Value::Number(a)), b) if b.is_number() => cmp_num(
                        op,
                        a.as_f64().unwrap_or_default(),
                        b.as_f64().unwrap_or_default(),
                    ),
                    _ => false,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: Value) -> SegmentRule {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn user_values_become_parameters_never_sql() {
        let r = rule(json!({"op": "and", "rules": [
            {"field": "display_name", "operator": "contains", "value": "'; DROP TABLE contacts; --"},
            {"field": "property.tier", "operator": "eq", "value": "gold"},
            {"op": "or", "rules": [{"field": "tag", "operator": "in", "value": ["vip", "b2b"]}]}
        ]}));
        let c = compile(&r).unwrap();
        assert!(!c.sql.contains("DROP"));
        assert!(!c.sql.contains("gold") && !c.sql.contains("vip") && !c.sql.contains("tier"));
        assert_eq!(c.binds.len(), 4);
        assert!(c.sql.contains("$4"));
    }

    #[test]
    fn bad_fields_operators_and_values_are_refused() {
        for bad in [
            json!({"field": "password", "operator": "eq", "value": "x"}),
            json!({"field": "property.a-b", "operator": "eq", "value": "x"}),
            json!({"field": "kind", "operator": "gt", "value": 3}),
            json!({"field": "activity_count_90d", "operator": "gt", "value": "3"}),
            json!({"field": "tag", "operator": "in", "value": []}),
            json!({"field": "property.x", "operator": "eq", "value": {"a": 1}}),
        ] {
            assert!(compile(&rule(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_evaluator_treats_missing_values_as_unequal() {
        let now = Utc::now();
        let c = ContactFacts {
            id: Uuid::nil(),
            kind: "person".into(),
            lifecycle_stage: "lead".into(),
            display_name: "Ann Lee".into(),
            job_title: None,
            owner_id: None,
            organization_id: None,
            outcome: None,
            tags: vec!["vip".into()],
            emails: vec![],
            properties: json!({"employees": 12}),
            created_at: now,
            activities: vec![],
        };
        let m = |v: Value| matches(&rule(v), &c, now);
        assert!(m(
            json!({"field": "job_title", "operator": "neq", "value": "CEO"})
        ));
        assert!(!m(
            json!({"field": "job_title", "operator": "eq", "value": "CEO"})
        ));
        assert!(m(
            json!({"field": "property.employees", "operator": "gte", "value": 12})
        ));
        assert!(!m(
            json!({"field": "property.employees", "operator": "gt", "value": "1"})
        ));
        assert!(!m(
            json!({"field": "last_activity_days_ago", "operator": "lt", "value": 30})
        ));
        assert!(m(
            json!({"field": "last_activity_days_ago", "operator": "not_exists"})
        ));
        assert!(m(json!({"op": "and", "rules": []})));
        assert!(!m(json!({"op": "or", "rules": []})));
    }
}
