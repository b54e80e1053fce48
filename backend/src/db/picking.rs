//! Pick lists: a wave of order lines reserved (FEFO, then FIFO) and walked in
//! location-path order; confirming a line moves the goods to the output location.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use shared_types::counts::{PickLine, PickLineStatus, PickList, PickOrderLine};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db;
use crate::db::products::enum_from_text;
use crate::db::stock::{MoveRequest, ReserveRequest, StockError};

#[derive(sqlx::FromRow)]
struct LineRow {
    id: Uuid,
    pick_list_id: Option<Uuid>,
    walk_seq: i32,
    order_ref: String,
    product_id: Uuid,
    location_id: Option<Uuid>,
    location_path: Option<String>,
    lot_id: Option<Uuid>,
    lot_code: Option<String>,
    lot_expiry: Option<NaiveDate>,
    qty: Decimal,
    picked_qty: Decimal,
    status: String,
    short_reason: Option<String>,
    move_id: Option<Uuid>,
    reservation_id: Option<Uuid>,
}

impl LineRow {
    fn into_line(self) -> Result<PickLine, sqlx::Error> {
        Ok(PickLine {
            id: self.id,
            pick_list_id: self.pick_list_id.unwrap_or_default(),
            walk_seq: self.walk_seq,
            order_ref: self.order_ref,
            product_id: self.product_id,
            location_id: self.location_id,
            location_path: self.location_path,
            lot_id: self.lot_id,
            lot_code: self.lot_code,
            lot_expiry: self.lot_expiry,
            qty: self.qty,
            picked_qty: self.picked_qty,
            status: enum_from_text(&self.status)?,
            short_reason: self.short_reason,
            move_id: self.move_id,
        })
    }
}

const LINE_SELECT: &str = "SELECT p.id, p.pick_list_id, p.walk_seq, p.order_ref, p.product_id,
        p.location_id, loc.path AS location_path, p.lot_id, l.code AS lot_code, l.expiry AS lot_expiry,
        p.qty, p.picked_qty, p.status, p.short_reason, p.move_id, p.reservation_id
   FROM pick_lines p LEFT JOIN locations loc ON loc.id = p.location_id
   LEFT JOIN lots l ON l.id = p.lot_id";

/// Reserves every order line and stores the list in walking order.
pub async fn create(
    conn: &mut PgConnection,
    warehouse_id: Uuid,
    output_location_id: Uuid,
    lines: &[PickOrderLine],
    user_id: Uuid,
) -> Result<PickList, StockError> {
    let list_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO pick_lists (id, warehouse_id, output_location_id, created_by_id) VALUES ($1, $2, $3, $4)",
    )
    .bind(list_id)
    .bind(warehouse_id)
    .bind(output_location_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let mut picks: Vec<(String, Uuid, shared_types::inventory::Reservation)> = Vec::new();
    for l in lines {
        let made = db::stock::reserve(
            conn,
            &ReserveRequest {
                product_id: l.product_id,
                qty: l.qty,
                reference: l.order_ref.clone(),
                location_id: None,
                lot_id: None,
                warehouse_id: Some(warehouse_id),
            },
            user_id,
        )
        .await?;
        for r in made {
            picks.push((l.order_ref.clone(), l.product_id, r));
        }
    }
    let loc_ids: Vec<Uuid> = picks.iter().map(|p| p.2.location_id).collect();
    let paths: std::collections::HashMap<Uuid, String> =
        sqlx::query_as::<_, (Uuid, String)>("SELECT id, path FROM locations WHERE id = ANY($1)")
            .bind(&loc_ids)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    // Walking order: location path (byte order, as `COLLATE "C"`), then order line.
    picks.sort_by(|a, b| {
        let pa = paths.get(&a.2.location_id).map(String::as_bytes);
        let pb = paths.get(&b.2.location_id).map(String::as_bytes);
        pa.cmp(&pb).then(a.0.cmp(&b.0))
    });
    for (i, (order_ref, product_id, r)) in picks.iter().enumerate() {
        sqlx::query(
            "INSERT INTO pick_lines (id, pick_list_id, walk_seq, order_ref, product_id, location_id,
                    lot_id, reservation_id, qty)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(Uuid::now_v7())
        .bind(list_id)
        .bind(i as i32 + 1)
        .bind(order_ref)
        .bind(product_id)
        .bind(r.location_id)
        .bind(r.lot_id)
        .bind(r.id)
        .bind(r.qty)
        .execute(&mut *conn)
        .await?;
    }
    get(conn, list_id)
        .await?
        .ok_or(StockError::NotFound("pick list"))
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<PickList>, sqlx::Error> {
    let head: Option<(Uuid, Uuid, Uuid, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT id, warehouse_id, output_location_id, status, created_at FROM pick_lists WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, warehouse_id, output_location_id, status, created_at)) = head else {
        return Ok(None);
    };
    let rows: Vec<LineRow> = sqlx::query_as(&format!(
        "{LINE_SELECT} WHERE p.pick_list_id = $1 ORDER BY p.walk_seq"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(Some(PickList {
        id,
        warehouse_id,
        output_location_id,
        status: enum_from_text(&status)?,
        lines: rows
            .into_iter()
            .map(LineRow::into_line)
            .collect::<Result<_, _>>()?,
        created_at,
    }))
}

/// What the picker scanned and picked.
pub struct Confirm {
    pub location_id: Uuid,
    pub product_id: Uuid,
    pub lot: Option<String>,
    pub picked_qty: Decimal,
    pub short_reason: Option<String>,
}

fn invalid(field: &'static str, message: impl Into<String>) -> StockError {
    StockError::Invalid {
        field,
        message: message.into(),
    }
}

/// Confirms a pick line (once): checks the scans, releases the reservation,
/// moves what was picked to the output location and, for a short pick, records
/// the reason and a backorder line for the rest.
pub async fn confirm(
    conn: &mut PgConnection,
    line_id: Uuid,
    list_id: Option<Uuid>,
    c: &Confirm,
    user_id: Uuid,
) -> Result<PickLine, StockError> {
    let row =
        sqlx::query_as::<_, LineRow>(&format!("{LINE_SELECT} WHERE p.id = $1 FOR UPDATE OF p"))
            .bind(line_id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|r| list_id.is_none() || r.pick_list_id == list_id)
            .ok_or(StockError::NotFound("pick line"))?;
    let Some(pick_list_id) = row.pick_list_id else {
        return Err(invalid(
            "pick_line_id",
            "a backorder line is not on a pick list",
        ));
    };
    if row.status != "open" {
        return Err(invalid("pick_line_id", "is already confirmed"));
    }
    let output: Uuid =
        sqlx::query_scalar("SELECT output_location_id FROM pick_lists WHERE id = $1 FOR UPDATE")
            .bind(pick_list_id)
            .fetch_one(&mut *conn)
            .await?;
    if Some(c.location_id) != row.location_id {
        return Err(invalid(
            "location_id",
            format!(
                "is not the line's location; go to {}",
                row.location_path.as_deref().unwrap_or("?")
            ),
        ));
    }
    if c.product_id != row.product_id {
        return Err(invalid("product_id", "is not the line's product"));
    }
    if row.lot_code.is_some() && c.lot != row.lot_code {
        return Err(invalid(
            "lot",
            "is not the lot or serial reserved for this line",
        ));
    }
    if c.picked_qty < Decimal::ZERO || c.picked_qty > row.qty {
        return Err(invalid(
            "picked_qty",
            format!("must be between 0 and {}", row.qty),
        ));
    }
    let short = c.picked_qty < row.qty;
    if short && c.short_reason.is_none() {
        return Err(invalid(
            "short_reason",
            "is needed when fewer are picked than asked",
        ));
    }
    if let Some(r) = row.reservation_id {
        db::stock::release(&mut *conn, r).await?;
    }
    let mut move_id = None;
    if c.picked_qty > Decimal::ZERO {
        let mv = db::stock::apply_move(
            &mut *conn,
            &MoveRequest {
                product_id: row.product_id,
                qty: c.picked_qty,
                from_location_id: c.location_id,
                to_location_id: output,
                lot: row.lot_code.clone(),
                lot_expiry: None,
                unit_cost: None,
                reason: "pick".to_owned(),
                reference: Some(row.order_ref.clone()),
                user_id: Some(user_id),
                device_id: None,
                client_op_id: None,
            },
        )
        .await?;
        move_id = Some(mv.id);
    }
    sqlx::query(
        "UPDATE pick_lines SET picked_qty = $2, status = $3, short_reason = $4, move_id = $5,
                picked_by_id = $6, picked_at = now() WHERE id = $1",
    )
    .bind(line_id)
    .bind(c.picked_qty)
    .bind(if short { "short" } else { "picked" })
    .bind(&c.short_reason)
    .bind(move_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    if short {
        sqlx::query(
            "INSERT INTO pick_lines (id, pick_list_id, walk_seq, order_ref, product_id, qty, status, backorder_of)
             VALUES ($1, NULL, 0, $2, $3, $4, 'backorder', $5)",
        )
        .bind(Uuid::now_v7())
        .bind(&row.order_ref)
        .bind(row.product_id)
        .bind(row.qty - c.picked_qty)
        .bind(line_id)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE pick_lists SET status = 'done', done_at = now()
          WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM pick_lines WHERE pick_list_id = $1 AND status = 'open')",
    )
    .bind(pick_list_id)
    .execute(&mut *conn)
    .await?;
    db::events::append(
        conn,
        Some(user_id),
        db::events::NewEvent::new("pick.confirmed")
            .subject("pick_line", line_id)
            .data(serde_json::json!({
                "pick_list_id": pick_list_id, "order_ref": row.order_ref,
                "picked_qty": c.picked_qty, "short": short, "short_reason": c.short_reason,
            })),
    )
    .await?;
    let mut line = row.into_line()?;
    line.picked_qty = c.picked_qty;
    line.status = if short {
        PickLineStatus::Short
    } else {
        PickLineStatus::Picked
    };
    line.short_reason = c.short_reason.clone();
    line.move_id = move_id;
    Ok(line)
}

/// Backorder lines of an order reference (what short picks left over).
pub async fn backorders(
    conn: &mut PgConnection,
    order_ref: &str,
) -> Result<Vec<PickLine>, sqlx::Error> {
    let rows: Vec<LineRow> = sqlx::query_as(&format!(
        "{LINE_SELECT} WHERE p.status = 'backorder' AND p.order_ref = $1 ORDER BY p.created_at"
    ))
    .bind(order_ref)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(LineRow::into_line).collect()
}
