//! What a scanned code means, answered from the local cache alone (no network).

use crate::core::refdata::{CountSessionRef, PickListRef, PurchaseOrderRef, RefKind};
use crate::core::store::{Store, StoreError};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use shared_types::barcode::{classify, ScannedCode};
use shared_types::gs1::Gs1Data;
use shared_types::inventory::{Location, Product};

/// A product scan with what the label said about this unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductHit {
    pub product: Box<Product>,
    /// Base units this scan stands for: the barcode's pack size, times a GS1 count.
    pub qty: Decimal,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub gs1: Option<Box<Gs1Data>>,
}

/// The meaning of a scan.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Product(ProductHit),
    Location(Location),
    CountSession(CountSessionRef),
    PickList(PickListRef),
    PurchaseOrder(PurchaseOrderRef),
    /// GS1-marked data that does not parse (bad check digit, bad date…).
    MalformedGs1 {
        text: String,
        error: String,
    },
    /// Nothing in the cache has this code.
    Unknown {
        text: String,
    },
}

/// Resolves `text` against the cache.
///
/// GS1 element strings resolve by their GTIN (AI 01, else 02), and bring lot, serial,
/// expiry and count along; a GTIN found nowhere falls back to the raw text so internal
/// labels that happen to look like GS1 still match.
pub fn resolve(store: &Store, text: &str) -> Result<Resolved, StoreError> {
    let classified = classify(text);
    let (key, gs1) = match &classified {
        ScannedCode::Gtin { gtin14, .. } => (gtin14.clone(), None),
        ScannedCode::Gs1(data) => match data.gtin.clone().or_else(|| data.content_gtin.clone()) {
            Some(gtin) => (gtin, Some(data.clone())),
            None => match data.sscc.clone().or_else(|| data.location_gln.clone()) {
                Some(key) => (key, Some(data.clone())),
                None => (text.trim().to_owned(), Some(data.clone())),
            },
        },
        ScannedCode::MalformedGs1 { text, error } => {
            // Maybe it is an internal code after all.
            if let Some(hit) = lookup(store, text, None)? {
                return Ok(hit);
            }
            return Ok(Resolved::MalformedGs1 {
                text: text.clone(),
                error: error.to_string(),
            });
        }
        ScannedCode::Other { text } => (text.clone(), None),
    };
    if let Some(hit) = lookup(store, &key, gs1.clone())? {
        return Ok(hit);
    }
    if key != text.trim() {
        if let Some(hit) = lookup(store, text, None)? {
            return Ok(hit);
        }
    }
    Ok(Resolved::Unknown {
        text: text.trim().to_owned(),
    })
}

fn lookup(
    store: &Store,
    code: &str,
    gs1: Option<Box<Gs1Data>>,
) -> Result<Option<Resolved>, StoreError> {
    // Products first: a bin labelled with a GTIN is a mistake, a product with one is not.
    let hits = store.lookup_code(code)?;
    let mut ordered = hits.clone();
    ordered.sort_by_key(|h| RefKind::ALL.iter().position(|k| *k == h.kind));
    for hit in ordered {
        let found = match hit.kind {
            RefKind::Product => store.get::<Product>(&hit.id)?.map(|product| {
                let pack: Decimal = hit
                    .qty
                    .as_deref()
                    .and_then(|q| q.parse().ok())
                    .unwrap_or(Decimal::ONE);
                let count = gs1
                    .as_ref()
                    .and_then(|g| g.count.or(g.variable_count))
                    .map(Decimal::from)
                    .unwrap_or(Decimal::ONE);
                Resolved::Product(ProductHit {
                    product: Box::new(product),
                    qty: pack * count,
                    lot: gs1.as_ref().and_then(|g| g.lot.clone()),
                    serial: gs1.as_ref().and_then(|g| g.serial.clone()),
                    expiry: gs1.as_ref().and_then(|g| g.expiry.or(g.best_before)),
                    gs1: gs1.clone(),
                })
            }),
            RefKind::Location => store.get::<Location>(&hit.id)?.map(Resolved::Location),
            RefKind::CountSession => store
                .get::<CountSessionRef>(&hit.id)?
                .map(Resolved::CountSession),
            RefKind::PickList => store.get::<PickListRef>(&hit.id)?.map(Resolved::PickList),
            RefKind::PurchaseOrder => store
                .get::<PurchaseOrderRef>(&hit.id)?
                .map(Resolved::PurchaseOrder),
            RefKind::Quant | RefKind::Barcode | RefKind::PickLine => None,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}
