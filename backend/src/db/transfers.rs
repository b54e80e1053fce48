//! Transfer documents. Their stock moves go through `db::stock::apply_move`;
//! these rows only record what was planned, shipped, received and scanned.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use shared_types::transfers::{Transfer, TransferLine, TransferStatus};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::products::{enum_from_text, enum_text};

#[derive(sqlx::FromRow)]
pub struct TransferRow {
    pub id: Uuid,
    pub number: i64,
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub steps: i16,
    pub status: String,
    pub notes: Option<String>,
    pub shipped_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl TransferRow {
    pub fn status(&self) -> Result<TransferStatus, sqlx::Error> {
        enum_from_text(&self.status)
    }
}

#[derive(sqlx::FromRow, Clone)]
pub struct LineRow {
    pub id: Uuid,
    pub transfer_id: Uuid,
    pub line_no: i32,
    pub product_id: Uuid,
    pub sku: String,
    pub lot: Option<String>,
    pub qty: Decimal,
    pub shipped_qty: Decimal,
    pub received_qty: Decimal,
    pub scanned_qty: Decimal,
    pub scanned_by: Option<Uuid>,
    pub scanned_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, number, from_location_id, to_location_id, steps, status, notes,
    shipped_at, done_at, created_at";

/// `TR-000042`.
pub fn reference(number: i64) -> String {
    format!("TR-{number:06}")
}

pub async fn lines(conn: &mut PgConnection, ids: &[Uuid]) -> Result<Vec<LineRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.transfer_id, l.line_no, l.product_id, p.sku, l.lot, l.qty, l.shipped_qty,
                l.received_qty, l.scanned_qty, l.scanned_by, l.scanned_at
           FROM transfer_lines l JOIN products p ON p.id = l.product_id
          WHERE l.transfer_id = ANY($1) ORDER BY l.transfer_id, l.line_no",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

async fn assemble(
    conn: &mut PgConnection,
    rows: Vec<TransferRow>,
) -> Result<Vec<Transfer>, sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let all = lines(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            Ok(Transfer {
                status: r.status()?,
                reference: reference(r.number),
                lines: all
                    .iter()
                    .filter(|l| l.transfer_id == r.id)
                    .map(|l| TransferLine {
                        id: l.id,
                        line_no: l.line_no,
                        product_id: l.product_id,
                        sku: l.sku.clone(),
                        lot: l.lot.clone(),
                        qty: l.qty,
                        shipped_qty: l.shipped_qty,
                        received_qty: l.received_qty,
                        scanned_qty: l.scanned_qty,
                        scanned_by: l.scanned_by,
                        scanned_at: l.scanned_at,
                    })
                    .collect(),
                id: r.id,
                number: r.number,
                from_location_id: r.from_location_id,
                to_location_id: r.to_location_id,
                steps: r.steps,
                notes: r.notes,
                shipped_at: r.shipped_at,
                done_at: r.done_at,
                created_at: r.created_at,
            })
        })
        .collect()
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Transfer>, sqlx::Error> {
    let row: Option<TransferRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM transfers WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(assemble(conn, vec![row]).await?.pop())
}

pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<TransferRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM transfers WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list(
    conn: &mut PgConnection,
    status: Option<TransferStatus>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Transfer>, i64), sqlx::Error> {
    let status = status.as_ref().map(enum_text);
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM transfers WHERE ($1::text IS NULL OR status = $1)",
    )
    .bind(&status)
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<TransferRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM transfers WHERE ($1::text IS NULL OR status = $1)
          ORDER BY number DESC LIMIT $2 OFFSET $3"
    ))
    .bind(&status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    Ok((assemble(conn, rows).await?, total))
}

pub struct NewTransfer<'a> {
    pub from_location_id: Uuid,
    pub to_location_id: Uuid,
    pub steps: i16,
    pub notes: Option<&'a str>,
    pub created_by: Option<Uuid>,
    /// (product, qty, lot)
    pub lines: Vec<(Uuid, Decimal, Option<String>)>,
}

pub async fn insert(conn: &mut PgConnection, t: &NewTransfer<'_>) -> Result<Uuid, sqlx::Error> {
    let number = crate::db::purchasing::next_number(conn, "transfers").await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO transfers (id, number, from_location_id, to_location_id, steps, notes, created_by_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(number)
    .bind(t.from_location_id)
    .bind(t.to_location_id)
    .bind(t.steps)
    .bind(t.notes)
    .bind(t.created_by)
    .execute(&mut *conn)
    .await?;
    for (i, (product, qty, lot)) in t.lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO transfer_lines (id, transfer_id, line_no, product_id, qty, lot)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(id)
        .bind(i as i32 + 1)
        .bind(product)
        .bind(qty)
        .bind(lot)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: TransferStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE transfers SET status = $2,
                shipped_at = CASE WHEN $2 IN ('in_transit', 'done') THEN coalesce(shipped_at, now()) ELSE shipped_at END,
                done_at = CASE WHEN $2 = 'done' THEN now() ELSE done_at END
          WHERE id = $1",
    )
    .bind(id)
    .bind(enum_text(&status))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_line_qty(
    conn: &mut PgConnection,
    line_id: Uuid,
    shipped: Decimal,
    received: Decimal,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE transfer_lines SET shipped_qty = shipped_qty + $2, received_qty = received_qty + $3
          WHERE id = $1",
    )
    .bind(line_id)
    .bind(shipped)
    .bind(received)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn scan(
    conn: &mut PgConnection,
    line_id: Uuid,
    qty: Decimal,
    user: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE transfer_lines SET scanned_qty = scanned_qty + $2, scanned_by = $3, scanned_at = now()
          WHERE id = $1",
    )
    .bind(line_id)
    .bind(qty)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(())
}
