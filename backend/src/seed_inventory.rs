//! Demo inventory for the demo tenant: ~200 industrial-supply products with
//! valid EAN-13 barcodes, two warehouses with zones and bins, suppliers in
//! three currencies with their terms, monthly exchange rates, six months of
//! ledger history with weekly seasonality (sales, purchase receipts), reorder
//! rules and a few open purchase orders.
//!
//! The history is simulated in memory (deterministic seed) and written with
//! batched `unnest` inserts: the ledger rows, their FIFO valuation layers and
//! consumptions, the purchase orders behind each receipt, and quants rebuilt
//! from the ledger. History moves get no per-move events; one
//! `inventory.demo_seeded` event records the import. Runs once: a tenant that
//! already has products is left alone.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::db;
use crate::domain::valuation::{self, Layer};
use crate::http::ctx::begin_tenant_tx;
use shared_types::inventory::ValuationMethod;

const HISTORY_DAYS: i64 = 182;

/// (name, variants, unit price EUR, mean daily demand)
const FAMILIES: &[(&str, &[&str], f64, f64)] = &[
    (
        "Hex Bolt DIN 933 zinc",
        &[
            "M6x30", "M6x50", "M8x30", "M8x50", "M10x40", "M10x60", "M12x50", "M12x80", "M16x60",
            "M16x100",
        ],
        0.12,
        40.0,
    ),
    (
        "Hex Nut DIN 934 zinc",
        &["M6", "M8", "M10", "M12", "M16", "M20"],
        0.04,
        45.0,
    ),
    (
        "Flat Washer DIN 125",
        &["M6", "M8", "M10", "M12", "M16", "M20"],
        0.02,
        50.0,
    ),
    (
        "Wood Screw Torx countersunk",
        &[
            "3.5x30", "3.5x40", "4x40", "4x50", "5x60", "5x80", "6x100", "6x120",
        ],
        0.05,
        60.0,
    ),
    (
        "Nitrile Gloves box of 100",
        &["S", "M", "L", "XL"],
        6.90,
        8.0,
    ),
    (
        "Cut-Resistant Gloves level C",
        &["7", "8", "9", "10", "11"],
        4.20,
        5.0,
    ),
    (
        "Safety Glasses EN166",
        &["clear", "tinted", "yellow", "over-spec"],
        3.10,
        4.0,
    ),
    ("Hi-Vis Vest class 2", &["M", "L", "XL", "XXL"], 2.80, 3.0),
    (
        "Safety Boots S3",
        &["39", "40", "41", "42", "43", "44", "45", "46", "47"],
        38.50,
        0.8,
    ),
    ("Ear Plugs foam pair", &["SNR 33", "SNR 37"], 0.18, 30.0),
    ("FFP2 Respirator mask", &["unvalved", "valved"], 0.65, 20.0),
    (
        "Cable Tie black",
        &["100x2.5", "200x3.6", "300x4.8", "370x7.6"],
        0.02,
        80.0,
    ),
    (
        "Electrical Tape PVC 19mm",
        &["black", "red", "blue", "yellow-green", "white"],
        0.55,
        10.0,
    ),
    (
        "Installation Cable NYM-J",
        &["3x1.5 50m", "3x2.5 50m", "5x1.5 50m", "5x2.5 50m"],
        42.0,
        0.7,
    ),
    ("LED Panel 600x600", &["3000K", "4000K", "6500K"], 24.0, 1.2),
    (
        "Cordless Drill 18V",
        &["body only", "2x2Ah kit", "2x4Ah kit"],
        79.0,
        0.5,
    ),
    (
        "HSS Drill Bit DIN 338",
        &["3mm", "4mm", "5mm", "6mm", "8mm", "10mm", "12mm"],
        1.10,
        6.0,
    ),
    (
        "SDS-plus Masonry Bit",
        &["6x110", "8x110", "8x160", "10x160", "12x210"],
        2.40,
        3.0,
    ),
    ("Cutting Disc 125mm inox", &["1.0mm", "1.6mm"], 0.70, 15.0),
    ("Flap Disc 125mm", &["K40", "K60", "K80", "K120"], 1.60, 6.0),
    (
        "Claw Hammer fibreglass",
        &["300g", "450g", "600g"],
        11.50,
        0.6,
    ),
    ("Screwdriver Set VDE", &["6 pc", "7 pc"], 19.0, 0.5),
    ("Folding Rule 2m", &["wood", "fibreglass"], 3.90, 1.5),
    ("Tape Measure", &["3m", "5m", "8m"], 4.20, 2.0),
    (
        "Spirit Level aluminium",
        &["40cm", "60cm", "100cm", "120cm"],
        9.80,
        0.6,
    ),
    ("Stretch Film hand roll 500mm", &["17my", "23my"], 8.40, 6.0),
    (
        "Packing Tape PP 50mm",
        &["brown", "clear", "fragile print"],
        1.05,
        25.0,
    ),
    (
        "Corrugated Box single wall",
        &["300x200x150", "400x300x200", "500x400x300", "600x400x400"],
        0.55,
        40.0,
    ),
    ("Pallet Wrap Net", &["red", "blue"], 14.0, 0.8),
    (
        "PVC Pipe grey",
        &["20mm 2m", "25mm 2m", "32mm 2m", "40mm 2m", "50mm 2m"],
        2.30,
        4.0,
    ),
    (
        "Ball Valve brass",
        &["1/2\"", "3/4\"", "1\"", "1 1/4\""],
        7.80,
        1.5,
    ),
    ("PTFE Thread Seal Tape", &["12mm", "19mm"], 0.45, 12.0),
    (
        "Silicone Sealant 310ml",
        &["white", "transparent", "grey", "black"],
        3.60,
        6.0,
    ),
    (
        "Construction Adhesive 290ml",
        &["standard", "high tack"],
        4.90,
        4.0,
    ),
    (
        "Spray Paint 400ml RAL",
        &[
            "9005 black",
            "9010 white",
            "7035 grey",
            "3000 red",
            "5015 blue",
            "1023 yellow",
        ],
        4.30,
        3.0,
    ),
    ("Paint Roller 25cm", &["microfibre", "foam"], 2.90, 3.0),
    (
        "Shelving Unit steel 5 shelves",
        &["90x40x180", "100x50x200"],
        49.0,
        0.3,
    ),
    (
        "Storage Bin stackable",
        &["size 2", "size 3", "size 4", "size 5"],
        1.40,
        10.0,
    ),
    (
        "Absorbent Pads universal",
        &["pack 50", "pack 100"],
        29.0,
        0.7,
    ),
    ("Wiping Cloths roll", &["blue 500", "white 1000"], 12.5, 2.5),
    ("Hand Cleaner 500ml", &["standard", "heavy duty"], 4.10, 3.0),
    (
        "AA Alkaline Battery pack 4",
        &["standard", "industrial"],
        2.60,
        8.0,
    ),
    (
        "Padlock laminated steel",
        &["40mm", "50mm", "keyed alike"],
        8.90,
        0.7,
    ),
    ("Extension Lead 4-way", &["1.5m", "3m", "5m"], 9.90, 1.2),
    (
        "Work Light LED rechargeable",
        &["10W", "20W", "30W"],
        27.0,
        0.5,
    ),
    (
        "Stainless Hex Bolt A2",
        &[
            "M6x20", "M6x40", "M8x20", "M8x40", "M10x30", "M10x50", "M12x40", "M12x60", "M16x50",
            "M16x80",
        ],
        0.35,
        15.0,
    ),
    (
        "Wall Plug nylon",
        &["5x25", "6x30", "8x40", "10x50", "12x60", "14x70"],
        0.03,
        70.0,
    ),
    (
        "Threaded Rod DIN 976 1m",
        &["M6", "M8", "M10", "M12", "M16", "M20"],
        1.20,
        4.0,
    ),
    (
        "Hose Clamp W2",
        &[
            "8-12", "10-16", "12-22", "16-25", "20-32", "25-40", "32-50", "40-60",
        ],
        0.40,
        8.0,
    ),
];

/// (name, currency, lead time days)
const SUPPLIERS: &[(&str, &str, i32)] = &[
    ("Würth Industrie Service", "EUR", 4),
    ("Hoffmann Group", "EUR", 6),
    ("Uvex Safety Supply", "EUR", 10),
    ("Grainger Export", "USD", 21),
    ("RS Components UK", "GBP", 8),
    ("Rajapack", "EUR", 5),
];

/// EAN-13 for a German GS1 company prefix (400 + 12345) and a 4-digit item.
fn ean13(item: u32) -> String {
    let body = format!("40012345{item:04}");
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

fn dec(v: f64, dp: u32) -> Decimal {
    Decimal::from_f64(v).unwrap_or_default().round_dp(dp)
}

/// Units of EUR per unit of `currency` in month `m` (0 = oldest), gently drifting.
fn rate(currency: &str, m: i64) -> Decimal {
    let m = m as f64;
    match currency {
        "USD" => dec(0.92 + 0.006 * (m * 0.9).sin() - 0.002 * m, 4),
        "GBP" => dec(1.17 + 0.008 * (m * 0.7).cos() + 0.001 * m, 4),
        _ => Decimal::ONE,
    }
}

/// id, parent, warehouse, kind, code, name, path, barcode
type LocRow = (
    Uuid,
    Option<Uuid>,
    Uuid,
    &'static str,
    String,
    String,
    String,
    String,
);

struct ProductSeed {
    id: Uuid,
    sku: String,
    name: String,
    cost_eur: Decimal,
    demand: f64,
    supplier: usize,
    price: Decimal,
    pack: Decimal,
    moq: Decimal,
}

#[derive(Default)]
struct Batch {
    // stock_moves
    m_id: Vec<Uuid>,
    m_product: Vec<Uuid>,
    m_qty: Vec<Decimal>,
    m_from: Vec<Uuid>,
    m_to: Vec<Uuid>,
    m_cost: Vec<Option<Decimal>>,
    m_value: Vec<Decimal>,
    m_method: Vec<Option<String>>,
    m_reason: Vec<String>,
    m_ref: Vec<Option<String>>,
    m_at: Vec<chrono::DateTime<Utc>>,
    // valuation_layers
    l_id: Vec<Uuid>,
    l_product: Vec<Uuid>,
    l_move: Vec<Uuid>,
    l_qty: Vec<Decimal>,
    l_cost: Vec<Decimal>,
    l_value: Vec<Decimal>,
    l_rem_qty: Vec<Decimal>,
    l_rem_value: Vec<Decimal>,
    l_at: Vec<chrono::DateTime<Utc>>,
    // valuation_consumptions
    c_layer: Vec<Uuid>,
    c_move: Vec<Uuid>,
    c_qty: Vec<Decimal>,
    c_value: Vec<Decimal>,
    c_at: Vec<chrono::DateTime<Utc>>,
    // purchase orders (one line each) and their receipts
    po_id: Vec<Uuid>,
    po_number: Vec<i64>,
    po_supplier: Vec<Uuid>,
    po_location: Vec<Uuid>,
    po_status: Vec<String>,
    po_currency: Vec<String>,
    po_expected: Vec<NaiveDate>,
    po_at: Vec<chrono::DateTime<Utc>>,
    pl_id: Vec<Uuid>,
    pl_product: Vec<Uuid>,
    pl_qty: Vec<Decimal>,
    pl_price: Vec<Decimal>,
    pl_received: Vec<Decimal>,
    r_id: Vec<Uuid>,
    r_po: Vec<Uuid>,
    r_on: Vec<NaiveDate>,
    r_location: Vec<Uuid>,
    r_currency: Vec<String>,
    r_rate: Vec<Decimal>,
    r_at: Vec<chrono::DateTime<Utc>>,
    rl_line: Vec<Uuid>,
    rl_move: Vec<Uuid>,
    rl_qty: Vec<Decimal>,
    rl_price: Vec<Decimal>,
    rl_cost: Vec<Decimal>,
}

struct Open {
    product: usize,
    wh: usize,
    qty: Decimal,
    arrives: i64,
    ordered: i64,
}

/// Seeds the demo inventory if the tenant has no products yet. Returns whether it did.
pub async fn seed(pool: &PgPool, tenant_id: Uuid) -> anyhow::Result<bool> {
    let mut tx = begin_tenant_tx(pool, tenant_id, None).await?;
    let has: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM products)")
        .fetch_one(&mut *tx)
        .await?;
    if has {
        return Ok(false);
    }
    // Serialize concurrent seeders of the same tenant.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('seed_inventory' || $1::text))")
        .bind(tenant_id)
        .execute(&mut *tx)
        .await?;
    let admin: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM users ORDER BY created_at LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
    seed_in(&mut tx, admin).await?;
    tx.commit().await?;
    // Reorder suggestions raised by the seeded stock are chained after commit.
    db::events::seal_pending(pool, tenant_id).await?;
    Ok(true)
}

async fn seed_in(conn: &mut PgConnection, admin: Option<Uuid>) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(20_261_125);
    db::locations::ensure_virtual(conn).await?;
    let virt: Vec<(String, Uuid)> = sqlx::query_as(
        "SELECT kind, id FROM locations WHERE kind IN ('supplier', 'customer', 'inventory_loss', 'transit')",
    )
    .fetch_all(&mut *conn)
    .await?;
    let vloc = |k: &str| virt.iter().find(|(kind, _)| kind == k).map(|(_, id)| *id);
    let (supplier_loc, customer_loc) = (
        vloc("supplier").ok_or_else(|| anyhow::anyhow!("no supplier location"))?,
        vloc("customer").ok_or_else(|| anyhow::anyhow!("no customer location"))?,
    );

    // Locations: warehouse → zones → bins, walked in path order.
    let mut loc_rows: Vec<LocRow> = Vec::new();
    let mut bins: Vec<Vec<Uuid>> = Vec::new();
    let mut warehouses = Vec::new();
    for (code, name, zones, per_zone) in [
        (
            "BER",
            "Berlin Central Warehouse",
            &["A", "B", "C", "D"][..],
            6,
        ),
        ("HAM", "Hamburg Port Depot", &["A", "B"][..], 5),
    ] {
        let wh = Uuid::now_v7();
        warehouses.push(wh);
        loc_rows.push((
            wh,
            None,
            wh,
            "warehouse",
            code.into(),
            name.into(),
            code.into(),
            format!("LOC-{code}"),
        ));
        let mut wh_bins = Vec::new();
        for z in zones {
            let zid = Uuid::now_v7();
            let zpath = format!("{code}/{z}");
            loc_rows.push((
                zid,
                Some(wh),
                wh,
                "zone",
                (*z).into(),
                format!("Zone {z}"),
                zpath.clone(),
                format!("LOC-{code}-{z}"),
            ));
            for b in 1..=per_zone {
                let bid = Uuid::now_v7();
                loc_rows.push((
                    bid,
                    Some(zid),
                    wh,
                    "bin",
                    format!("{b:02}"),
                    format!("{z}-{b:02}"),
                    format!("{zpath}/{b:02}"),
                    format!("LOC-{code}-{z}-{b:02}"),
                ));
                wh_bins.push(bid);
            }
        }
        bins.push(wh_bins);
    }
    for r in &loc_rows {
        sqlx::query(
            "INSERT INTO locations (id, parent_id, warehouse_id, kind, code, name, path, barcode)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(r.0)
        .bind(r.1)
        .bind(r.2)
        .bind(r.3)
        .bind(&r.4)
        .bind(&r.5)
        .bind(&r.6)
        .bind(&r.7)
        .execute(&mut *conn)
        .await?;
    }

    // Suppliers.
    let mut supplier_ids = Vec::new();
    for (name, cur, lead) in SUPPLIERS {
        let s = db::purchasing::insert_supplier(
            conn,
            name,
            Some(&format!(
                "orders@{}.example",
                name.split_whitespace()
                    .next()
                    .unwrap_or("supplier")
                    .to_lowercase()
            )),
            cur,
            *lead,
        )
        .await?;
        supplier_ids.push(s.id);
    }

    // Exchange rates: the first of each month of the history and the current one.
    let today = Utc::now().date_naive();
    let start = today - Duration::days(HISTORY_DAYS);
    let first_month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    let month_index = |d: NaiveDate| -> i64 {
        i64::from(d.year() - first_month.year()) * 12 + i64::from(d.month())
            - i64::from(first_month.month())
    };
    for m in 0..=month_index(today) {
        let y = first_month.year() + ((first_month.month0() as i64 + m) / 12) as i32;
        let mo = ((first_month.month0() as i64 + m) % 12) as u32 + 1;
        let Some(from) = NaiveDate::from_ymd_opt(y, mo, 1) else {
            continue;
        };
        for cur in ["USD", "GBP"] {
            db::purchasing::set_rate(conn, cur, from, rate(cur, m), admin).await?;
        }
    }

    // Products, barcodes and supplier terms.
    let mut products: Vec<ProductSeed> = Vec::new();
    for (fi, (family, variants, price, demand)) in FAMILIES.iter().enumerate() {
        for (vi, v) in variants.iter().enumerate() {
            let n = products.len();
            let supplier = match family {
                f if f.contains("Glove")
                    || f.contains("Safety")
                    || f.contains("Vest")
                    || f.contains("Ear")
                    || f.contains("Respirator") =>
                {
                    2
                }
                f if f.contains("Box")
                    || f.contains("Tape PP")
                    || f.contains("Stretch")
                    || f.contains("Pallet") =>
                {
                    5
                }
                f if f.contains("Drill 18V") || f.contains("Work Light") => 3,
                f if f.contains("LED") || f.contains("Cable NYM") || f.contains("Battery") => 4,
                _ => (fi + vi) % 2,
            };
            let cost_eur = dec(price * (1.0 + 0.08 * vi as f64), 4);
            let cur = SUPPLIERS[supplier].1;
            let price_cur = (cost_eur / rate(cur, month_index(today))).round_dp(4);
            let pack = if *price < 0.2 {
                Decimal::from(100)
            } else if *price < 2.0 {
                Decimal::from(10)
            } else {
                Decimal::ONE
            };
            products.push(ProductSeed {
                id: Uuid::now_v7(),
                sku: format!("AC-{:04}", n + 1),
                name: format!("{family} {v}"),
                cost_eur,
                demand: demand * (0.6 + rng.gen::<f64>() * 0.8),
                supplier,
                price: price_cur,
                pack,
                moq: pack,
            });
        }
    }
    let ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    let skus: Vec<String> = products.iter().map(|p| p.sku.clone()).collect();
    let names: Vec<String> = products.iter().map(|p| p.name.clone()).collect();
    let costs: Vec<Decimal> = products.iter().map(|p| p.cost_eur).collect();
    let prices: Vec<serde_json::Value> = products
        .iter()
        .map(|p| serde_json::json!({ "EUR": (p.cost_eur * Decimal::new(175, 2)).round_dp(2) }))
        .collect();
    let infos: Vec<serde_json::Value> = products
        .iter()
        .map(|p| {
            serde_json::json!({
                "supplier_name": SUPPLIERS[p.supplier].0, "lead_time_days": SUPPLIERS[p.supplier].2,
                "min_order_qty": p.moq, "pack_size": p.pack,
            })
        })
        .collect();
    sqlx::query(
        "INSERT INTO products (id, sku, name, cost, prices, supplier_info)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::jsonb[], $6::jsonb[])",
    )
    .bind(&ids)
    .bind(&skus)
    .bind(&names)
    .bind(&costs)
    .bind(&prices)
    .bind(&infos)
    .execute(&mut *conn)
    .await?;
    let codes: Vec<String> = (0..products.len()).map(|i| ean13(i as u32 + 1)).collect();
    let normalized: Vec<String> = codes.iter().map(|c| format!("0{c}")).collect();
    let bc_ids: Vec<Uuid> = products.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO product_barcodes (id, product_id, symbology, code, normalized)
         SELECT id, pid, 'ean13', code, norm FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])
             AS u(id, pid, code, norm)",
    )
    .bind(&bc_ids)
    .bind(&ids)
    .bind(&codes)
    .bind(&normalized)
    .execute(&mut *conn)
    .await?;
    let ps_ids: Vec<Uuid> = products.iter().map(|_| Uuid::now_v7()).collect();
    let ps_sup: Vec<Uuid> = products.iter().map(|p| supplier_ids[p.supplier]).collect();
    let ps_price: Vec<Decimal> = products.iter().map(|p| p.price).collect();
    let ps_cur: Vec<String> = products
        .iter()
        .map(|p| SUPPLIERS[p.supplier].1.to_owned())
        .collect();
    let ps_pack: Vec<Decimal> = products.iter().map(|p| p.pack).collect();
    let ps_sku: Vec<String> = products
        .iter()
        .map(|p| format!("S-{}", &p.sku[3..]))
        .collect();
    sqlx::query(
        "INSERT INTO product_suppliers (id, product_id, supplier_id, supplier_sku, unit_price, currency,
                min_order_qty, pack_size)
         SELECT id, pid, sid, ssku, price, cur, pack, pack
           FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::numeric[], $6::text[], $7::numeric[])
             AS u(id, pid, sid, ssku, price, cur, pack)",
    )
    .bind(&ps_ids)
    .bind(&ids)
    .bind(&ps_sup)
    .bind(&ps_sku)
    .bind(&ps_price)
    .bind(&ps_cur)
    .bind(&ps_pack)
    .execute(&mut *conn)
    .await?;

    // Six months of history, simulated day by day.
    let weekday = [1.15, 1.1, 1.0, 1.0, 1.25, 0.45, 0.15]; // Mon..Sun
    let wh_share = [1.0, 0.35];
    let mut b = Batch::default();
    let mut on_hand = vec![[Decimal::ZERO; 2]; products.len()];
    let mut layers: Vec<Vec<(Uuid, Layer)>> = vec![Vec::new(); products.len()];
    let mut open: Vec<Open> = Vec::new();
    let mut po_no: i64 = 0;
    let at = |day: i64, hour: u32, min: u32| {
        let d = start + Duration::days(day);
        Utc.from_utc_datetime(&d.and_hms_opt(hour, min, 0).unwrap_or_default())
    };
    let receive = |b: &mut Batch,
                   layers: &mut Vec<(Uuid, Layer)>,
                   p: &ProductSeed,
                   wh: usize,
                   qty: Decimal,
                   ordered: i64,
                   day: i64,
                   bin: Uuid,
                   po_no: &mut i64| {
        *po_no += 1;
        let cur = SUPPLIERS[p.supplier].1;
        let on = start + Duration::days(day);
        let r = rate(cur, month_index(on));
        let cost = valuation::round(p.price * r);
        let value = valuation::round(qty * cost);
        let when = at(day, 8, 30);
        let mid = Uuid::now_v7();
        let reference = db::purchasing::po_reference(*po_no);
        b.m_id.push(mid);
        b.m_product.push(p.id);
        b.m_qty.push(qty);
        b.m_from.push(supplier_loc);
        b.m_to.push(bin);
        b.m_cost.push(Some(cost));
        b.m_value.push(value);
        b.m_method.push(Some("fifo".into()));
        b.m_reason.push("purchase_receipt".into());
        b.m_ref.push(Some(reference));
        b.m_at.push(when);
        let lid = Uuid::now_v7();
        layers.push((
            lid,
            Layer {
                remaining_qty: qty,
                remaining_value: value,
            },
        ));
        b.l_id.push(lid);
        b.l_product.push(p.id);
        b.l_move.push(mid);
        b.l_qty.push(qty);
        b.l_cost.push(cost);
        b.l_value.push(value);
        b.l_at.push(when);
        let po = Uuid::now_v7();
        b.po_id.push(po);
        b.po_number.push(*po_no);
        b.po_supplier.push(supplier_ids[p.supplier]);
        b.po_location.push(warehouses[wh]);
        b.po_status.push("received".into());
        b.po_currency.push(cur.into());
        b.po_expected.push(on);
        b.po_at.push(at(ordered, 10, 0));
        let line = Uuid::now_v7();
        b.pl_id.push(line);
        b.pl_product.push(p.id);
        b.pl_qty.push(qty);
        b.pl_price.push(p.price);
        b.pl_received.push(qty);
        b.r_id.push(Uuid::now_v7());
        b.r_po.push(po);
        b.r_on.push(on);
        b.r_location.push(bin);
        b.r_currency.push(cur.into());
        b.r_rate.push(r);
        b.r_at.push(when);
        b.rl_line.push(line);
        b.rl_move.push(mid);
        b.rl_qty.push(qty);
        b.rl_price.push(p.price);
        b.rl_cost.push(cost);
    };
    let bin_of = |i: usize, wh: usize| bins[wh][i % bins[wh].len()];

    // Opening stock on day 0: about five weeks of demand.
    for (i, p) in products.iter().enumerate() {
        for wh in 0..2 {
            let qty = (dec(p.demand * wh_share[wh] * 35.0, 0) / p.pack).ceil() * p.pack;
            receive(
                &mut b,
                &mut layers[i],
                p,
                wh,
                qty,
                0,
                0,
                bin_of(i, wh),
                &mut po_no,
            );
            on_hand[i][wh] += qty;
        }
    }
    for day in 1..HISTORY_DAYS {
        let date = start + Duration::days(day);
        let season = weekday[date.weekday().num_days_from_monday() as usize];
        // Mild growth over the half year.
        let trend = 0.85 + 0.3 * day as f64 / HISTORY_DAYS as f64;
        // Arrivals first.
        let (due, later): (Vec<Open>, Vec<Open>) = open.drain(..).partition(|o| o.arrives <= day);
        open = later;
        for o in due {
            let p = &products[o.product];
            receive(
                &mut b,
                &mut layers[o.product],
                p,
                o.wh,
                o.qty,
                o.ordered,
                day,
                bin_of(o.product, o.wh),
                &mut po_no,
            );
            on_hand[o.product][o.wh] += o.qty;
        }
        for (i, p) in products.iter().enumerate() {
            for wh in 0..2 {
                let mean = p.demand * wh_share[wh] * season * trend;
                // A noisy day: gamma-ish spread around the mean, sometimes no sale.
                if rng.gen::<f64>() > (mean / (mean + 0.6)).min(0.97) {
                    continue;
                }
                let noise = 0.5 + rng.gen::<f64>() + rng.gen::<f64>() * 0.5;
                let want = dec((mean * noise).max(1.0), 0);
                let qty = want.min(on_hand[i][wh]);
                if qty <= Decimal::ZERO {
                    continue;
                }
                let plain: Vec<Layer> = layers[i].iter().map(|(_, l)| *l).collect();
                let plan = valuation::plan_issue(&plain, qty, ValuationMethod::Fifo, p.cost_eur);
                let mid = Uuid::now_v7();
                let when = at(day, 9 + rng.gen_range(0..9), rng.gen_range(0..60));
                for t in &plan.takes {
                    let (lid, l) = &mut layers[i][t.layer];
                    l.remaining_qty -= t.qty;
                    l.remaining_value -= t.value;
                    b.c_layer.push(*lid);
                    b.c_move.push(mid);
                    b.c_qty.push(t.qty);
                    b.c_value.push(t.value);
                    b.c_at.push(when);
                }
                layers[i].retain(|(_, l)| l.remaining_qty > Decimal::ZERO);
                b.m_id.push(mid);
                b.m_product.push(p.id);
                b.m_qty.push(qty);
                b.m_from.push(bin_of(i, wh));
                b.m_to.push(customer_loc);
                b.m_cost
                    .push(Some(valuation::round(plan.cost_of_goods / qty)));
                b.m_value.push(plan.cost_of_goods);
                b.m_method.push(Some("fifo".into()));
                b.m_reason.push("sale".into());
                b.m_ref
                    .push(Some(format!("SO-{}{:05}", ["B", "H"][wh], b.m_id.len())));
                b.m_at.push(when);
                on_hand[i][wh] -= qty;
            }
            // Reorder when the position falls under lead-time demand plus two weeks.
            for wh in 0..2 {
                let lead = i64::from(SUPPLIERS[p.supplier].2);
                let daily = p.demand * wh_share[wh];
                let incoming: Decimal = open
                    .iter()
                    .filter(|o| o.product == i && o.wh == wh)
                    .map(|o| o.qty)
                    .sum();
                let position = on_hand[i][wh] + incoming;
                if position.to_f64().unwrap_or_default() < daily * (lead as f64 + 14.0) {
                    let qty = (dec(daily * 30.0, 0).max(p.moq) / p.pack).ceil() * p.pack;
                    open.push(Open {
                        product: i,
                        wh,
                        qty,
                        arrives: day + lead,
                        ordered: day,
                    });
                }
            }
        }
    }
    // Stable layer remainders for the batch.
    let mut remaining: BTreeMap<Uuid, Layer> = BTreeMap::new();
    for ls in &layers {
        for (id, l) in ls {
            remaining.insert(*id, *l);
        }
    }
    for (i, id) in b.l_id.iter().enumerate() {
        let l = remaining.get(id).copied().unwrap_or(Layer {
            remaining_qty: Decimal::ZERO,
            remaining_value: Decimal::ZERO,
        });
        b.l_rem_qty.push(l.remaining_qty);
        b.l_rem_value.push(if l.remaining_qty > Decimal::ZERO {
            l.remaining_value
        } else {
            Decimal::ZERO
        });
        let _ = i;
    }
    write_batch(conn, &b, admin).await?;

    // Still open: confirmed orders not yet arrived, plus two drafts.
    let mut lines_by_po: Vec<(usize, Decimal, &str)> = open
        .iter()
        .map(|o| (o.product, o.qty, "confirmed"))
        .collect();
    lines_by_po.truncate(40);
    lines_by_po.extend([
        (3usize, Decimal::from(500), "draft"),
        (60, Decimal::from(20), "draft"),
    ]);
    for (i, qty, status) in lines_by_po {
        let p = &products[i];
        let id = db::purchasing::insert_po(
            conn,
            &db::purchasing::NewPo {
                supplier_id: supplier_ids[p.supplier],
                location_id: warehouses[0],
                currency: SUPPLIERS[p.supplier].1,
                expected_date: Some(today + Duration::days(i64::from(SUPPLIERS[p.supplier].2))),
                notes: None,
                source: "demo",
                created_by: admin,
                lines: vec![(p.id, qty, p.price)],
            },
        )
        .await?;
        if status == "confirmed" {
            db::purchasing::set_po_status(
                conn,
                id,
                shared_types::purchasing::PurchaseOrderStatus::Confirmed,
            )
            .await?;
        }
    }

    // Reorder rules: demand-driven in Berlin for the busiest products, min/max in Hamburg.
    let mut by_demand: Vec<usize> = (0..products.len()).collect();
    by_demand.sort_by(|a, c| products[*c].demand.total_cmp(&products[*a].demand));
    for (rank, i) in by_demand.iter().take(80).enumerate() {
        let p = &products[*i];
        let (method, min, max) = if rank < 60 {
            ("demand", None, None)
        } else {
            let min = dec(p.demand * 0.35 * 10.0, 0);
            ("min_max", Some(min), Some(min * Decimal::from(3)))
        };
        let wh = if rank < 60 {
            warehouses[0]
        } else {
            warehouses[1]
        };
        sqlx::query(
            "INSERT INTO reorder_rules (id, product_id, warehouse_id, method, min_qty, max_qty,
                    demand_window_days, service_level, cover_days, supplier_id)
             VALUES ($1, $2, $3, $4, $5, $6, 90, 0.95, 21, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(p.id)
        .bind(wh)
        .bind(method)
        .bind(min)
        .bind(max)
        .bind(supplier_ids[p.supplier])
        .execute(&mut *conn)
        .await?;
    }
    // Mark rules already under their point so the first move does not raise a stale event.
    let ids: Vec<Uuid> = products.iter().map(|p| p.id).collect();
    db::reorder::after_moves(conn, admin, &ids).await?;
    db::events::append(
        conn,
        admin,
        db::events::NewEvent::new("inventory.demo_seeded").data(serde_json::json!({
            "products": products.len(), "moves": b.m_id.len(), "days": HISTORY_DAYS,
        })),
    )
    .await?;
    Ok(())
}

async fn write_batch(
    conn: &mut PgConnection,
    b: &Batch,
    admin: Option<Uuid>,
) -> anyhow::Result<()> {
    // The ledger in time order, so `seq` follows `created_at`.
    let mut order: Vec<usize> = (0..b.m_id.len()).collect();
    order.sort_by_key(|i| b.m_at[*i]);
    let pick = |v: &Vec<_>| -> Vec<_> { order.iter().map(|i| v[*i]).collect::<Vec<_>>() };
    let pick_s = |v: &Vec<String>| -> Vec<String> { order.iter().map(|i| v[*i].clone()).collect() };
    let pick_os = |v: &Vec<Option<String>>| -> Vec<Option<String>> {
        order.iter().map(|i| v[*i].clone()).collect()
    };
    let ids: Vec<Uuid> = pick(&b.m_id);
    let products: Vec<Uuid> = pick(&b.m_product);
    let qtys: Vec<Decimal> = order.iter().map(|i| b.m_qty[*i]).collect();
    let froms: Vec<Uuid> = pick(&b.m_from);
    let tos: Vec<Uuid> = pick(&b.m_to);
    let costs: Vec<Option<Decimal>> = order.iter().map(|i| b.m_cost[*i]).collect();
    let values: Vec<Decimal> = order.iter().map(|i| b.m_value[*i]).collect();
    let methods = pick_os(&b.m_method);
    let reasons = pick_s(&b.m_reason);
    let refs = pick_os(&b.m_ref);
    let ats: Vec<chrono::DateTime<Utc>> = order.iter().map(|i| b.m_at[*i]).collect();
    const CHUNK: usize = 5000;
    for s in (0..ids.len()).step_by(CHUNK) {
        let e = (s + CHUNK).min(ids.len());
        sqlx::query(
            "INSERT INTO stock_moves (id, product_id, qty, from_location_id, to_location_id, unit_cost,
                    value, valuation_method, reason, reference, user_id, created_at)
             SELECT id, pid, qty, f, t, c, v, m, r, ref, $12, at
               FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::uuid[], $5::uuid[], $6::numeric[],
                           $7::numeric[], $8::text[], $9::text[], $10::text[], $11::timestamptz[])
                 WITH ORDINALITY AS u(id, pid, qty, f, t, c, v, m, r, ref, at, ord)
              ORDER BY ord",
        )
        .bind(&ids[s..e])
        .bind(&products[s..e])
        .bind(&qtys[s..e])
        .bind(&froms[s..e])
        .bind(&tos[s..e])
        .bind(&costs[s..e])
        .bind(&values[s..e])
        .bind(&methods[s..e])
        .bind(&reasons[s..e])
        .bind(&refs[s..e])
        .bind(&ats[s..e])
        .bind(admin)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO valuation_layers (id, product_id, move_id, qty, unit_cost, value, remaining_qty,
                remaining_value, created_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[], $5::numeric[],
                              $6::numeric[], $7::numeric[], $8::numeric[], $9::timestamptz[])",
    )
    .bind(&b.l_id)
    .bind(&b.l_product)
    .bind(&b.l_move)
    .bind(&b.l_qty)
    .bind(&b.l_cost)
    .bind(&b.l_value)
    .bind(&b.l_rem_qty)
    .bind(&b.l_rem_value)
    .bind(&b.l_at)
    .execute(&mut *conn)
    .await?;
    let c_ids: Vec<Uuid> = b.c_layer.iter().map(|_| Uuid::now_v7()).collect();
    for s in (0..c_ids.len()).step_by(CHUNK) {
        let e = (s + CHUNK).min(c_ids.len());
        sqlx::query(
            "INSERT INTO valuation_consumptions (id, layer_id, move_id, qty, value, created_at)
             SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[], $5::numeric[],
                                  $6::timestamptz[])",
        )
        .bind(&c_ids[s..e])
        .bind(&b.c_layer[s..e])
        .bind(&b.c_move[s..e])
        .bind(&b.c_qty[s..e])
        .bind(&b.c_value[s..e])
        .bind(&b.c_at[s..e])
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO purchase_orders (id, number, supplier_id, location_id, status, currency,
                expected_date, source, created_by_id, confirmed_at, created_at)
         SELECT id, n, s, l, st, cur, exp, 'demo', $9, at, at
           FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::uuid[], $5::text[], $6::text[],
                       $7::date[], $8::timestamptz[]) AS u(id, n, s, l, st, cur, exp, at)",
    )
    .bind(&b.po_id)
    .bind(&b.po_number)
    .bind(&b.po_supplier)
    .bind(&b.po_location)
    .bind(&b.po_status)
    .bind(&b.po_currency)
    .bind(&b.po_expected)
    .bind(&b.po_at)
    .bind(admin)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO purchase_order_lines (id, purchase_order_id, line_no, product_id, qty, unit_price,
                received_qty)
         SELECT id, po, 1, p, q, pr, rq FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::numeric[],
                $5::numeric[], $6::numeric[]) AS u(id, po, p, q, pr, rq)",
    )
    .bind(&b.pl_id)
    .bind(&b.po_id)
    .bind(&b.pl_product)
    .bind(&b.pl_qty)
    .bind(&b.pl_price)
    .bind(&b.pl_received)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO purchase_receipts (id, purchase_order_id, received_on, location_id, currency,
                base_currency, rate, created_by_id, created_at)
         SELECT id, po, d, l, cur, 'EUR', r, $8, at FROM unnest($1::uuid[], $2::uuid[], $3::date[],
                $4::uuid[], $5::text[], $6::numeric[], $7::timestamptz[]) AS u(id, po, d, l, cur, r, at)",
    )
    .bind(&b.r_id)
    .bind(&b.r_po)
    .bind(&b.r_on)
    .bind(&b.r_location)
    .bind(&b.r_currency)
    .bind(&b.r_rate)
    .bind(&b.r_at)
    .bind(admin)
    .execute(&mut *conn)
    .await?;
    let rl_ids: Vec<Uuid> = b.rl_line.iter().map(|_| Uuid::now_v7()).collect();
    sqlx::query(
        "INSERT INTO purchase_receipt_lines (id, receipt_id, po_line_id, move_id, qty, unit_price,
                unit_cost_base)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::numeric[],
                              $6::numeric[], $7::numeric[])",
    )
    .bind(&rl_ids)
    .bind(&b.r_id)
    .bind(&b.rl_line)
    .bind(&b.rl_move)
    .bind(&b.rl_qty)
    .bind(&b.rl_price)
    .bind(&b.rl_cost)
    .execute(&mut *conn)
    .await?;
    // Quants from the ledger, the way the ledger check rebuilds them.
    sqlx::query(
        "INSERT INTO quants (id, product_id, location_id, qty)
         SELECT gen_random_uuid(), product_id, location_id, sum(delta) FROM (
             SELECT product_id, to_location_id AS location_id, qty AS delta FROM stock_moves
             UNION ALL
             SELECT product_id, from_location_id, -qty FROM stock_moves) d
          WHERE location_id IN (SELECT id FROM locations WHERE kind IN ('warehouse', 'zone', 'bin', 'transit'))
          GROUP BY product_id, location_id",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_barcodes_are_valid_ean13() {
        for i in [1, 2, 57, 199, 200] {
            let code = ean13(i);
            assert_eq!(code.len(), 13);
            assert_eq!(
                shared_types::barcode::validate_gtin(&code).unwrap(),
                shared_types::barcode::GtinFormat::Ean13,
                "{code}"
            );
        }
    }

    #[test]
    fn there_are_about_two_hundred_products() {
        let n: usize = FAMILIES.iter().map(|f| f.1.len()).sum();
        assert!((180..=220).contains(&n), "{n}");
    }
}
