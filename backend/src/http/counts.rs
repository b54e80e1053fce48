//! Count sessions: open (full, cycle with ABC classes, spot), record counts
//! (REST or sync op `count_line`), see reconciled variances, approve them into
//! adjustment moves, close.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{json, Value};
use shared_types::api::{ErrorCode, Page};
use shared_types::counts::{
    AbcAssignment, AbcBasis, CountApproval, CountApprovalRequest, CountApprovalResult, CountEntry,
    CountKind, CountLine, CountLineDecisionResult, CountLineDecisions, CountLineForCreate,
    CountLineKey, CountLineRejection, CountLineState, CountLineVerdict, CountMode, CountRejection,
    CountSession, CountSessionDetail, CountSessionForCreate, CountStatus,
};
use shared_types::sync::{CountLineOp, SyncOp};
use sqlx::PgConnection;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::db;
use crate::db::counts::{NewEntry, NewPosting, NewSession};
use crate::db::stock::MoveRequest;
use crate::domain::count::{abc_classes, reconcile, within_tolerance};
use crate::domain::permissions::Permission;
use crate::domain::stock::{amount, label};
use crate::error::{ApiError, ApiResult};
use crate::http::access::guarded;
use crate::http::ctx::TenantTx;
use crate::http::extract::{AppJson, AppPath, AppQuery, PageParams};
use crate::http::sync::Refusal;
use crate::http::{idempotency, ErrorResponses};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(guarded(
            Permission::CountPerform,
            routes!(list_count_sessions),
        ))
        .routes(guarded(
            Permission::CountManage,
            routes!(open_count_session),
        ))
        .routes(guarded(
            Permission::CountPerform,
            routes!(get_count_session),
        ))
        .routes(guarded(
            Permission::CountPerform,
            routes!(record_count_line),
        ))
        .routes(guarded(Permission::CountApprove, routes!(approve_count)))
        .routes(guarded(
            Permission::CountManage,
            routes!(close_count_session),
        ))
        .routes(guarded(
            Permission::CountPerform,
            routes!(request_count_approval),
        ))
        .routes(guarded(Permission::CountApprove, routes!(reject_count)))
        .routes(guarded(
            Permission::CountApprove,
            routes!(decide_count_lines),
        ))
}

fn pct(v: Option<Decimal>, default: i64) -> ApiResult<Decimal> {
    let v = v.unwrap_or(Decimal::from(default));
    if v < Decimal::ZERO || v > Decimal::ONE_HUNDRED {
        return Err(ApiError::validation(
            "cycle",
            "Shares are percentages from 0 to 100.",
        ));
    }
    Ok(v)
}

/// Open a count session. `cycle` classifies the warehouse's products A/B/C by
/// stock value or velocity and counts those whose class is due.
#[utoipa::path(post, path = "/api/v1/counts", tag = "counting",
    security(("bearer" = [])), request_body = CountSessionForCreate,
    responses((status = 201, body = CountSession), ErrorResponses))]
async fn open_count_session(
    mut tx: TenantTx,
    AppJson(input): AppJson<CountSessionForCreate>,
) -> ApiResult<(StatusCode, AppJson<CountSession>)> {
    tx.ctx.require(Permission::CountManage)?;
    let user = tx.ctx.user_id;
    let session = open_session(tx.conn(), &input, Some(user), chrono::Utc::now()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, AppJson(session)))
}

/// Opens a session and raises `count.opened` (the REST call and the cycle-count
/// schedule). A cycle count's due products are those whose class was last
/// counted long enough before `now`. Refuses before writing anything.
pub(crate) async fn open_session(
    conn: &mut PgConnection,
    input: &CountSessionForCreate,
    user: Option<Uuid>,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<CountSession> {
    let wh = db::locations::get(&mut *conn, input.warehouse_id)
        .await?
        .filter(|l| l.kind == shared_types::inventory::LocationKind::Warehouse)
        .ok_or_else(|| ApiError::validation("warehouse_id", "The warehouse does not exist."))?;
    for l in &input.location_ids {
        db::locations::get(&mut *conn, *l)
            .await?
            .filter(|x| x.warehouse_id == Some(wh.id) || x.id == wh.id)
            .ok_or_else(|| {
                ApiError::validation("location_ids", "Every location must be in the warehouse.")
            })?;
    }
    let tolerance_qty = amount("tolerance_qty", input.tolerance_qty.unwrap_or_default())?;
    let tolerance_pct = amount("tolerance_pct", input.tolerance_pct.unwrap_or_default())?;
    let mut product_ids = input.product_ids.clone();
    let mut abc = Vec::new();
    match input.kind {
        CountKind::Spot if input.location_ids.is_empty() && input.product_ids.is_empty() => {
            return Err(ApiError::validation(
                "location_ids",
                "A spot count needs locations or products.",
            ));
        }
        CountKind::Cycle => {
            let policy = input.cycle.clone();
            let basis = policy.as_ref().map_or(AbcBasis::Value, |p| p.basis);
            let a = pct(policy.as_ref().and_then(|p| p.a_share_pct), 80)?;
            let b = pct(policy.as_ref().and_then(|p| p.b_share_pct), 95)?;
            let every = |class: char| -> i64 {
                let p = policy.as_ref();
                i64::from(match class {
                    'A' => p.and_then(|p| p.a_every_days).unwrap_or(30),
                    'B' => p.and_then(|p| p.b_every_days).unwrap_or(90),
                    _ => p.and_then(|p| p.c_every_days).unwrap_or(180),
                })
            };
            let measures = db::counts::cycle_measures(&mut *conn, wh.id).await?;
            let items: Vec<(Uuid, Decimal)> = measures
                .iter()
                .map(|(id, value, velocity, _)| {
                    (
                        *id,
                        match basis {
                            AbcBasis::Value => *value,
                            AbcBasis::Velocity => Decimal::from(*velocity),
                        },
                    )
                })
                .collect();
            let classes: HashMap<Uuid, char> = abc_classes(&items, a, b).into_iter().collect();
            for ((id, measure), (_, _, _, last)) in items.iter().zip(&measures) {
                let class = classes.get(id).copied().unwrap_or('C');
                let due = last.is_none_or(|t| (now - t).num_days() >= every(class));
                if due && (input.product_ids.is_empty() || input.product_ids.contains(id)) {
                    product_ids.push(*id);
                }
                abc.push(AbcAssignment {
                    product_id: *id,
                    class: class.to_string(),
                    measure: *measure,
                    last_counted: *last,
                    due,
                });
            }
            product_ids.sort();
            product_ids.dedup();
            if product_ids.is_empty() {
                return Err(ApiError::validation(
                    "kind",
                    "No product is due for a cycle count in this warehouse.",
                ));
            }
        }
        _ => {}
    }
    let s = NewSession {
        kind: input.kind,
        blind: input.blind.unwrap_or(true),
        mode: input.mode.unwrap_or(CountMode::Compare),
        warehouse_id: wh.id,
        location_ids: input.location_ids.clone(),
        product_ids,
        tolerance_qty,
        tolerance_pct,
        abc,
    };
    let session = db::counts::create_session(&mut *conn, &s, user).await?;
    db::events::append(
        &mut *conn,
        user,
        db::events::NewEvent::new("count.opened")
            .subject("count_session", session.id)
            .data(json!({
                "kind": session.kind, "warehouse_id": session.warehouse_id,
                "products": session.product_ids.len(), "snapshot_seq": session.snapshot_seq,
            })),
    )
    .await?;
    Ok(session)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionListParams {
    pub status: Option<CountStatus>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Count sessions, newest first.
#[utoipa::path(get, path = "/api/v1/counts", tag = "counting",
    security(("bearer" = [])), params(SessionListParams),
    responses((status = 200, body = Page<CountSession>), ErrorResponses))]
async fn list_count_sessions(
    mut tx: TenantTx,
    AppQuery(p): AppQuery<SessionListParams>,
) -> ApiResult<AppJson<Page<CountSession>>> {
    tx.ctx.require(Permission::CountPerform)?;
    let paging = PageParams {
        limit: p.limit,
        offset: p.offset,
    }
    .validate()?;
    let (items, total_count) =
        db::counts::list_sessions(tx.conn(), p.status, paging.limit, paging.offset).await?;
    Ok(AppJson(Page {
        items,
        total_count,
        limit: paging.limit,
        offset: paging.offset,
    }))
}

/// Reconciles a session's entries into lines with variances.
pub(crate) async fn lines(
    conn: &mut PgConnection,
    session: &CountSession,
    reveal: bool,
) -> ApiResult<Vec<(CountLine, Option<crate::domain::count::Reconciled>)>> {
    Ok(lines_with_entries(conn, session, reveal)
        .await?
        .into_iter()
        .map(|(l, r, _)| (l, r))
        .collect())
}

/// [`lines`], with how many entries each line's bin has (a rejection holds until
/// that number grows).
pub(crate) async fn lines_with_entries(
    conn: &mut PgConnection,
    session: &CountSession,
    reveal: bool,
) -> ApiResult<Vec<(CountLine, Option<crate::domain::count::Reconciled>, i64)>> {
    let bins = db::counts::session_entries(&mut *conn, session.id).await?;
    let posted = db::counts::postings(&mut *conn, session.id).await?;
    let rejected = db::counts::rejections(&mut *conn, session.id).await?;
    let mut out = Vec::new();
    for b in bins {
        let Some(r) = reconcile(&b.entries, session.mode) else {
            continue;
        };
        let key = (b.location_id, b.product_id, b.lot_id);
        let posting = posted.get(&key);
        let entries = b.entries.len() as i64;
        let rejection = rejected
            .get(&key)
            .filter(|x| posting.is_none() && x.entries == entries)
            .map(|x| CountLineRejection {
                reason: x.reason.clone(),
                rejected_by: x.rejected_by,
                rejected_by_name: x.rejected_by_name.clone(),
                rejected_at: x.rejected_at,
            });
        let within = within_tolerance(
            r.adjustment,
            r.expected,
            session.tolerance_qty,
            session.tolerance_pct,
        );
        let line = CountLine {
            location_id: b.location_id,
            location_path: b.location_path,
            product_id: b.product_id,
            lot_id: b.lot_id,
            state: if posting.is_some() {
                CountLineState::Posted
            } else if rejection.is_some() {
                CountLineState::Rejected
            } else {
                r.state
            },
            counters: r.counters as i64,
            counted_qty: reveal.then_some(r.counted),
            expected_qty: reveal.then_some(r.expected),
            variance_qty: reveal.then_some(r.adjustment),
            variance_value: reveal.then(|| crate::domain::valuation::round(r.adjustment * b.cost)),
            within_tolerance: within,
            move_id: posting.copied().flatten(),
            rejection,
        };
        out.push((line, Some(r), entries));
    }
    Ok(out)
}

/// A session with its reconciled lines. In a blind session, counters (without
/// `inventory.count.manage` or `.approve`) see no expected quantities or variances.
#[utoipa::path(get, path = "/api/v1/counts/{id}", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count session id")),
    responses((status = 200, body = CountSessionDetail), ErrorResponses))]
async fn get_count_session(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountSessionDetail>> {
    tx.ctx.require(Permission::CountPerform)?;
    let session = db::counts::get_session(tx.conn(), id, false)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    let reveal = !session.blind
        || tx.ctx.can(Permission::CountManage)
        || tx.ctx.can(Permission::CountApprove);
    let lines = lines(tx.conn(), &session, reveal)
        .await?
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    Ok(AppJson(CountSessionDetail { session, lines }))
}

fn entry_error(code: &'static str, message: String) -> ApiError {
    let status = match code {
        "not_found" => StatusCode::NOT_FOUND,
        "session_closed" => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let ec = match code {
        "not_found" => ErrorCode::NotFound,
        "session_closed" => ErrorCode::Conflict,
        _ => ErrorCode::ValidationFailed,
    };
    ApiError::new(status, ec, message).with_details(json!({ "reason": code }))
}

/// Record a count of one bin. The count is against the counter's snapshot
/// (`based_on_server_seq`); a later count of the same counter replaces it.
/// Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/counts/{id}/lines", tag = "counting",
    security(("bearer" = [])), request_body = CountLineForCreate,
    params(("id" = Uuid, Path, description = "Count session id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 201, body = CountEntry), ErrorResponses))]
async fn record_count_line(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<CountLineForCreate>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::CountPerform)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) =
        idempotency::begin(&mut tx, key.as_deref(), &format!("count.line:{id}"), &input).await?
    {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let lot = input
        .lot
        .as_deref()
        .map(|l| label("lot", l, 100))
        .transpose()?;
    let e = NewEntry {
        id: Uuid::now_v7(),
        session_id: id,
        counter_id: user,
        location_id: input.location_id,
        product_id: input.product_id,
        lot,
        counted_qty: input.counted_qty,
        based_on_seq: input.based_on_server_seq,
        counted_at: input.counted_at.unwrap_or_else(chrono::Utc::now),
        device_id: None,
    };
    let res = db::counts::record_entries(tx.conn(), std::slice::from_ref(&e)).await?;
    if let Some(Err((code, message))) = res.into_iter().next() {
        return Err(entry_error(code, message));
    }
    db::events::append(
        tx.conn(),
        Some(user),
        db::events::NewEvent::new("count.line_recorded")
            .subject("count_session", id)
            .data(json!({
                "location_id": e.location_id, "product_id": e.product_id,
                "counter_id": user, "entry_id": e.id,
            })),
    )
    .await?;
    let out = CountEntry {
        id: e.id,
        session_id: id,
        counter_id: user,
        location_id: e.location_id,
        product_id: e.product_id,
        lot_id: None,
        counted_qty: e.counted_qty,
        based_on_server_seq: e.based_on_seq,
        counted_at: e.counted_at,
    };
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::CREATED, &out).await?;
    tx.commit().await?;
    Ok(resp)
}

/// The `count_line` ops of one push, checked and stored together. The entry id
/// is the op id, so an entry exists once however often it is pushed.
pub(crate) async fn apply_count_ops(
    conn: &mut PgConnection,
    batch: &[&SyncOp],
    user_id: Uuid,
) -> ApiResult<Vec<Result<Option<Value>, Refusal>>> {
    let mut parsed: Vec<Result<NewEntry, Refusal>> = Vec::with_capacity(batch.len());
    for op in batch {
        parsed.push(
            CountLineOp::deserialize(&op.payload)
                .map_err(|e| Refusal::new("invalid_body", e.to_string()))
                .and_then(|c| {
                    let lot = c
                        .lot
                        .as_deref()
                        .map(|l| label("lot", l, 100))
                        .transpose()
                        .map_err(|e| Refusal::new("validation_failed", e.message))?;
                    Ok(NewEntry {
                        id: op.op_id,
                        session_id: c.session_id,
                        counter_id: user_id,
                        location_id: c.location_id,
                        product_id: c.product_id,
                        lot,
                        counted_qty: c.counted_qty,
                        based_on_seq: c.based_on_server_seq,
                        counted_at: c.counted_at,
                        device_id: Some(op.device_id),
                    })
                }),
        );
    }
    let valid: Vec<NewEntry> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().cloned())
        .collect();
    let stored = db::counts::record_entries(&mut *conn, &valid).await?;
    let mut stored = stored.into_iter();
    let mut progress: HashMap<Uuid, i64> = HashMap::new();
    let mut out = Vec::with_capacity(batch.len());
    for p in parsed {
        out.push(match p {
            Err(r) => Err(r),
            Ok(e) => match stored.next() {
                Some(Ok(())) => {
                    *progress.entry(e.session_id).or_default() += 1;
                    Ok(None)
                }
                Some(Err((code, message))) => Err(Refusal::new(code, message)),
                None => Err(Refusal::new("internal", "not processed")),
            },
        });
    }
    // One progress event per session and push (not one per scan).
    for (session, lines) in progress {
        db::events::append(
            &mut *conn,
            Some(user_id),
            db::events::NewEvent::new("count.progress")
                .subject("count_session", session)
                .data(json!({ "lines_recorded": lines, "counter_id": user_id })),
        )
        .await?;
    }
    Ok(out)
}

/// Approve variances: posts an adjustment move between each bin and the
/// inventory-loss location, with the reason code, for every agreed line within
/// tolerance and every listed line over it. Lines that need a recount
/// (`disagree`, `snapshot_conflict`) and unlisted lines over tolerance post
/// nothing. A line is posted at most once.
#[utoipa::path(post, path = "/api/v1/counts/{id}/approve", tag = "counting",
    security(("bearer" = [])), request_body = CountApproval,
    params(("id" = Uuid, Path, description = "Count session id")),
    responses((status = 200, body = CountApprovalResult), ErrorResponses))]
pub(crate) async fn approve_count(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<CountApproval>,
) -> ApiResult<AppJson<CountApprovalResult>> {
    tx.ctx.require(Permission::CountApprove)?;
    let user = tx.ctx.user_id;
    // The session row lock serializes approvals of one session.
    let session = db::counts::get_session(tx.conn(), id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    if session.status == CountStatus::Closed {
        return Err(ApiError::conflict("status", "The count session is closed."));
    }
    let reason = label(
        "reason_code",
        input.reason_code.as_deref().unwrap_or("count_adjustment"),
        100,
    )?;
    let listed: std::collections::HashSet<CountLineKey> = input.lines.iter().cloned().collect();
    let loss = db::counts::loss_location(tx.conn())
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant has no inventory-loss location"))?;
    let all = lines(tx.conn(), &session, true).await?;
    let mut posted = Vec::new();
    let mut pending = Vec::new();
    let mut total_value = Decimal::ZERO;
    for (mut line, r) in all {
        let Some(r) = r else { continue };
        if line.state == CountLineState::Posted {
            continue;
        }
        let key = CountLineKey {
            location_id: line.location_id,
            product_id: line.product_id,
            lot_id: line.lot_id,
        };
        let go = line.state == CountLineState::Agreed
            && (line.within_tolerance || input.all_over_tolerance || listed.contains(&key));
        if !go {
            pending.push(line);
            continue;
        }
        let (move_id, value) =
            post_line(tx.conn(), &session, &line, &r, &reason, loss, user).await?;
        total_value += value;
        line.state = CountLineState::Posted;
        line.move_id = move_id;
        line.variance_value = Some(value);
        posted.push(line);
    }
    let products: Vec<Uuid> = posted
        .iter()
        .filter(|l| l.move_id.is_some())
        .map(|l| l.product_id)
        .collect();
    db::reorder::after_moves(tx.conn(), Some(user), &products).await?;
    if !posted.is_empty() {
        db::events::append(
            tx.conn(),
            Some(user),
            db::events::NewEvent::new("count.approved")
                .subject("count_session", session.id)
                .data(json!({
                    "posted": posted.len(), "pending": pending.len(),
                    "adjustment_value": total_value, "reason_code": reason,
                })),
        )
        .await?;
        let decision = if pending.is_empty() {
            "approved"
        } else {
            "partly approved"
        };
        decide_open_request(
            tx.conn(),
            &session,
            user,
            decision,
            json!({ "posted": posted.len(), "pending": pending.len(), "adjustment_value": total_value }),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(AppJson(CountApprovalResult {
        posted,
        pending,
        adjustment_value: total_value,
    }))
}

/// Posts one agreed line: an adjustment move between the bin and the inventory-loss
/// location (none when nothing differs) and the posting row. Answers the move and
/// its signed value.
async fn post_line(
    conn: &mut PgConnection,
    session: &CountSession,
    line: &CountLine,
    r: &crate::domain::count::Reconciled,
    reason: &str,
    loss: Uuid,
    user: Uuid,
) -> ApiResult<(Option<Uuid>, Decimal)> {
    let mut move_id = None;
    let mut value = Decimal::ZERO;
    if !r.adjustment.is_zero() {
        let lot = match line.lot_id {
            Some(l) => db::counts::lot_code(&mut *conn, l).await?,
            None => None,
        };
        let (from, to) = if r.adjustment < Decimal::ZERO {
            (line.location_id, loss)
        } else {
            (loss, line.location_id)
        };
        let req = MoveRequest {
            product_id: line.product_id,
            qty: r.adjustment.abs(),
            from_location_id: from,
            to_location_id: to,
            lot,
            lot_expiry: None,
            unit_cost: None,
            reason: reason.to_owned(),
            reference: Some(format!("count:{}", session.id)),
            user_id: Some(user),
            device_id: None,
            client_op_id: None,
        };
        let mv = db::stock::apply_move(&mut *conn, &req).await?;
        value = if r.adjustment < Decimal::ZERO {
            -mv.value
        } else {
            mv.value
        };
        move_id = Some(mv.id);
    }
    db::counts::insert_posting(
        conn,
        &NewPosting {
            session_id: session.id,
            location_id: line.location_id,
            product_id: line.product_id,
            lot_id: line.lot_id,
            counted_qty: r.counted,
            expected_qty: r.expected,
            adjustment: r.adjustment,
            value,
            within_tolerance: line.within_tolerance,
            reason_code: reason.to_owned(),
            move_id,
        },
        user,
    )
    .await?;
    Ok((move_id, value))
}

/// Decide count lines one by one: each named line is approved (its adjustment
/// posts, whatever its tolerance) or rejected with a reason (nothing posts; the
/// line, the reason and the manager are recorded, and the counter is told). All
/// decisions apply together or none does. A rejected line can be decided again
/// once it is recounted. Accepts `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/counts/{id}/decisions", tag = "counting",
    security(("bearer" = [])), request_body = CountLineDecisions,
    params(("id" = Uuid, Path, description = "Count session id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe")),
    responses((status = 200, body = CountLineDecisionResult), ErrorResponses))]
async fn decide_count_lines(
    mut tx: TenantTx,
    headers: HeaderMap,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<CountLineDecisions>,
) -> ApiResult<Response> {
    tx.ctx.require(Permission::CountApprove)?;
    let key = idempotency::key_from_headers(&headers)?;
    if let Some(replay) = idempotency::begin(
        &mut tx,
        key.as_deref(),
        &format!("count.decisions:{id}"),
        &input,
    )
    .await?
    {
        return Ok(replay);
    }
    let user = tx.ctx.user_id;
    let out = decide_lines(tx.conn(), id, user, &input).await?;
    let resp = idempotency::finish(&mut tx, key.as_deref(), StatusCode::OK, &out).await?;
    tx.commit().await?;
    Ok(resp)
}

/// Applies per-line decisions in the caller's transaction (the API and the web view).
pub(crate) async fn decide_lines(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
    input: &CountLineDecisions,
) -> ApiResult<CountLineDecisionResult> {
    if input.decisions.is_empty() {
        return Err(ApiError::validation(
            "decisions",
            "Name at least one line to decide.",
        ));
    }
    if input.decisions.len() > 1000 {
        return Err(ApiError::validation(
            "decisions",
            "At most 1000 lines at a time.",
        ));
    }
    let reason_code = label(
        "reason_code",
        input.reason_code.as_deref().unwrap_or("count_adjustment"),
        100,
    )?;
    let mut wanted: HashMap<CountLineKey, (CountLineVerdict, Option<String>)> = HashMap::new();
    for d in &input.decisions {
        let key = CountLineKey {
            location_id: d.location_id,
            product_id: d.product_id,
            lot_id: d.lot_id,
        };
        let reason = match d.decision {
            CountLineVerdict::Reject => Some(label(
                "reason",
                d.reason.as_deref().unwrap_or_default(),
                500,
            )?),
            CountLineVerdict::Approve => None,
        };
        if wanted.insert(key, (d.decision, reason)).is_some() {
            return Err(ApiError::validation("decisions", "A line is named twice."));
        }
    }
    // The session row lock serializes decisions on one session.
    let session = db::counts::get_session(&mut *conn, id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    if session.status == CountStatus::Closed {
        return Err(ApiError::conflict("status", "The count session is closed."));
    }
    let all = lines_with_entries(&mut *conn, &session, true).await?;
    let found = all
        .iter()
        .filter(|(l, _, _)| {
            wanted.contains_key(&CountLineKey {
                location_id: l.location_id,
                product_id: l.product_id,
                lot_id: l.lot_id,
            })
        })
        .count();
    if found != wanted.len() {
        return Err(ApiError::validation(
            "decisions",
            "A named line was not counted in this session.",
        ));
    }
    let loss = db::counts::loss_location(&mut *conn)
        .await?
        .ok_or_else(|| anyhow::anyhow!("tenant has no inventory-loss location"))?;
    let (mut posted, mut rejected, mut pending) = (Vec::new(), Vec::new(), Vec::new());
    let mut total_value = Decimal::ZERO;
    for (mut line, r, entries) in all {
        let Some(r) = r else { continue };
        let key = CountLineKey {
            location_id: line.location_id,
            product_id: line.product_id,
            lot_id: line.lot_id,
        };
        let Some((verdict, reason)) = wanted.get(&key) else {
            if matches!(
                line.state,
                CountLineState::Agreed
                    | CountLineState::Disagree
                    | CountLineState::SnapshotConflict
            ) {
                pending.push(line);
            }
            continue;
        };
        match (line.state, verdict) {
            (CountLineState::Posted, _) => {
                return Err(ApiError::conflict(
                    "decisions",
                    format!("The line at {} was already posted.", line.location_path),
                ));
            }
            (CountLineState::Rejected, _) => {
                return Err(ApiError::conflict(
                    "decisions",
                    format!(
                        "The line at {} was rejected; it can be decided again after a recount.",
                        line.location_path
                    ),
                ));
            }
            (
                CountLineState::Disagree | CountLineState::SnapshotConflict,
                CountLineVerdict::Approve,
            ) => {
                return Err(ApiError::conflict(
                    "decisions",
                    format!(
                        "The line at {} needs a recount before it can be approved.",
                        line.location_path
                    ),
                ));
            }
            (_, CountLineVerdict::Approve) => {
                let (move_id, value) =
                    post_line(&mut *conn, &session, &line, &r, &reason_code, loss, user).await?;
                total_value += value;
                line.state = CountLineState::Posted;
                line.move_id = move_id;
                line.variance_value = Some(value);
                posted.push(line);
            }
            (_, CountLineVerdict::Reject) => {
                let reason = reason.clone().unwrap_or_default();
                let at = db::counts::insert_rejection(
                    &mut *conn,
                    &db::counts::NewRejection {
                        session_id: session.id,
                        location_id: line.location_id,
                        product_id: line.product_id,
                        lot_id: line.lot_id,
                        counted_qty: r.counted,
                        expected_qty: r.expected,
                        adjustment: r.adjustment,
                        entries,
                        reason: &reason,
                    },
                    user,
                )
                .await?;
                let name = db::users::get(&mut *conn, user)
                    .await?
                    .map(|u| u.display_name);
                line.state = CountLineState::Rejected;
                line.rejection = Some(CountLineRejection {
                    reason,
                    rejected_by: user,
                    rejected_by_name: name,
                    rejected_at: at,
                });
                rejected.push(line);
            }
        }
    }
    let products: Vec<Uuid> = posted
        .iter()
        .filter(|l| l.move_id.is_some())
        .map(|l| l.product_id)
        .collect();
    db::reorder::after_moves(&mut *conn, Some(user), &products).await?;
    if !posted.is_empty() {
        db::events::append(
            &mut *conn,
            Some(user),
            db::events::NewEvent::new("count.approved")
                .subject("count_session", session.id)
                .data(json!({
                    "posted": posted.len(), "pending": pending.len(),
                    "adjustment_value": total_value, "reason_code": reason_code,
                    "warehouse_id": session.warehouse_id,
                })),
        )
        .await?;
    }
    let mut reasons: Vec<&str> = Vec::new();
    if !rejected.is_empty() {
        let detail: Vec<Value> = rejected
            .iter()
            .map(|l| {
                let reason = l.rejection.as_ref().map(|x| x.reason.as_str());
                if let Some(r) = reason {
                    if !reasons.contains(&r) {
                        reasons.push(r);
                    }
                }
                json!({
                    "location_id": l.location_id, "product_id": l.product_id,
                    "lot_id": l.lot_id, "reason": reason,
                })
            })
            .collect();
        db::events::append(
            &mut *conn,
            Some(user),
            db::events::NewEvent::new("count.lines_rejected")
                .subject("count_session", session.id)
                .data(json!({
                    "rejected": detail.len(), "lines": detail,
                    "warehouse_id": session.warehouse_id,
                })),
        )
        .await?;
    }
    let decision = match (posted.is_empty(), rejected.is_empty(), pending.is_empty()) {
        (false, true, true) => "approved",
        (true, false, _) => "rejected",
        _ => "partly approved",
    };
    let mut extra = json!({
        "posted": posted.len(), "rejected": rejected.len(), "pending": pending.len(),
        "adjustment_value": total_value,
    });
    if !reasons.is_empty() {
        extra["reason"] = Value::String(reasons.join("; "));
    }
    decide_open_request(&mut *conn, &session, user, decision, extra).await?;
    Ok(CountLineDecisionResult {
        posted,
        rejected,
        pending,
        adjustment_value: total_value,
    })
}

/// Close a session: no more counts are accepted; unapproved variances post nothing.
#[utoipa::path(post, path = "/api/v1/counts/{id}/close", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count session id")),
    responses((status = 200, body = CountSession), ErrorResponses))]
pub(crate) async fn close_count_session(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountSession>> {
    tx.ctx.require(Permission::CountManage)?;
    let was_open = db::counts::get_session(tx.conn(), id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?
        .status
        == CountStatus::Open;
    let s = db::counts::close_session(tx.conn(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    if was_open {
        let user = tx.ctx.user_id;
        decide_open_request(tx.conn(), &s, user, "closed without approval", json!({})).await?;
        db::events::append(
            tx.conn(),
            Some(user),
            db::events::NewEvent::new("count.closed").subject("count_session", id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(AppJson(s))
}

const APPROVAL_SUBJECT: &str = "count_session";

fn session_title(session: &CountSession) -> String {
    let id = session.id.simple().to_string();
    format!("Cycle count {}", &id[id.len() - 8..])
}

/// Appends `approval.decided` for the session's open approval request, if any.
async fn decide_open_request(
    conn: &mut PgConnection,
    session: &CountSession,
    user: Uuid,
    decision: &str,
    extra: Value,
) -> ApiResult<bool> {
    let Some(requested_by) =
        db::events::open_approval_request(&mut *conn, APPROVAL_SUBJECT, session.id).await?
    else {
        return Ok(false);
    };
    let mut data = json!({
        "title": session_title(session),
        "decision": decision,
        "requested_by": requested_by,
        "warehouse_id": session.warehouse_id,
    });
    if let (Value::Object(d), Value::Object(e)) = (&mut data, extra) {
        d.extend(e);
    }
    db::events::append(
        conn,
        Some(user),
        db::events::NewEvent::new("approval.decided")
            .subject(APPROVAL_SUBJECT, session.id)
            .data(data),
    )
    .await?;
    Ok(true)
}

/// Ask for approval: notifies every holder of `inventory.count.approve` (push and
/// in-app) that the session's variances await them. Needs at least one agreed line
/// not yet posted; one request at a time (until it is decided).
#[utoipa::path(post, path = "/api/v1/counts/{id}/request-approval", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count session id")),
    responses((status = 200, body = CountApprovalRequest), ErrorResponses))]
async fn request_count_approval(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
) -> ApiResult<AppJson<CountApprovalRequest>> {
    tx.ctx.require(Permission::CountPerform)?;
    let user = tx.ctx.user_id;
    let session = db::counts::get_session(tx.conn(), id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    if session.status == CountStatus::Closed {
        return Err(ApiError::conflict("status", "The count session is closed."));
    }
    if db::events::open_approval_request(tx.conn(), APPROVAL_SUBJECT, id)
        .await?
        .is_some()
    {
        return Err(ApiError::conflict(
            "session_id",
            "Approval was already requested for this session and is not decided yet.",
        ));
    }
    let (mut to_approve, mut over, mut recount) = (0i64, 0i64, 0i64);
    let mut value = Decimal::ZERO;
    for (line, _) in lines(tx.conn(), &session, true).await? {
        match line.state {
            CountLineState::Agreed => {
                to_approve += 1;
                if !line.within_tolerance {
                    over += 1;
                }
                value += line.variance_value.unwrap_or_default();
            }
            CountLineState::Posted => {}
            _ => recount += 1,
        }
    }
    if to_approve == 0 {
        return Err(ApiError::conflict(
            "session_id",
            "Nothing to approve: no agreed count lines are waiting.",
        ));
    }
    let ev = db::events::append(
        tx.conn(),
        Some(user),
        db::events::NewEvent::new("approval.requested")
            .subject(APPROVAL_SUBJECT, id)
            .data(json!({
                "title": session_title(&session),
                "permission": Permission::CountApprove.as_str(),
                "requested_by": user,
                "warehouse_id": session.warehouse_id,
                "lines_to_approve": to_approve,
                "over_tolerance": over,
                "needs_recount": recount,
                "variance_value": value,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(AppJson(CountApprovalRequest {
        session_id: id,
        lines_to_approve: to_approve,
        over_tolerance: over,
        needs_recount: recount,
        variance_value: value,
        event_seq: ev.seq,
    }))
}

/// Reject the open approval request: nothing is posted; the counter is notified
/// (with the reason) and may recount and ask again.
#[utoipa::path(post, path = "/api/v1/counts/{id}/reject", tag = "counting",
    security(("bearer" = [])), params(("id" = Uuid, Path, description = "Count session id")),
    request_body = CountRejection,
    responses((status = 204), ErrorResponses))]
pub(crate) async fn reject_count(
    mut tx: TenantTx,
    AppPath(id): AppPath<Uuid>,
    AppJson(input): AppJson<CountRejection>,
) -> ApiResult<StatusCode> {
    tx.ctx.require(Permission::CountApprove)?;
    let user = tx.ctx.user_id;
    let session = db::counts::get_session(tx.conn(), id, true)
        .await?
        .ok_or_else(|| ApiError::not_found("count session"))?;
    let reason = input
        .reason
        .as_deref()
        .map(|r| label("reason", r, 500))
        .transpose()?;
    if !decide_open_request(
        tx.conn(),
        &session,
        user,
        "rejected",
        json!({ "reason": reason }),
    )
    .await?
    {
        return Err(ApiError::conflict(
            "session_id",
            "No approval request is open for this session.",
        ));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
