//! Frames generated with rxing's writers go through the app's scan pipeline (decoder
//! thread, de-duplication, feedback hook) and resolve against the local cache offline.

use elevate_mobile::core::fixtures::{self, Warehouse};
use elevate_mobile::core::scan::synth::{render, FrameSpec, GeneratedFrames};
use elevate_mobile::core::scan::{
    resolve, CodeFormat, Decoder, Resolved, Scan, ScanEvent, ScanFeedback, ScanOrigin, ScanWorker,
    Strategy,
};
use elevate_mobile::core::store::Store;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const GS: char = '\u{1d}';

fn gs1_128() -> String {
    format!("01{}1727123110LOT42", fixtures::GTIN_GADGET_CASE)
}

fn gs1_datamatrix() -> String {
    format!("01{}10LOT7{GS}17270630", fixtures::GTIN_GADGET_CASE)
}

fn store() -> Store {
    let store = Store::open_in_memory().unwrap();
    store.apply_pull(&Warehouse::new().pull_page("c1")).unwrap();
    store
}

#[derive(Default)]
struct CountingFeedback(AtomicUsize);

impl ScanFeedback for CountingFeedback {
    fn on_scan(&self, _scan: &Scan) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn each_symbology_decodes_from_a_generated_frame() {
    let cases = [
        FrameSpec::clean(fixtures::EAN_WIDGET, CodeFormat::Ean13),
        FrameSpec::clean(fixtures::SKU_BOLT, CodeFormat::Code128),
        FrameSpec::clean(&gs1_128(), CodeFormat::Code128).gs1(),
        FrameSpec::clean(&gs1_datamatrix(), CodeFormat::DataMatrix).gs1(),
        FrameSpec::clean(fixtures::BIN_A01, CodeFormat::Qr),
    ];
    for spec in cases {
        let frame = render(&spec).unwrap();
        for strategy in [
            Strategy::default(),
            Strategy {
                last_region: false,
                fast_pass: false,
            },
        ] {
            let decoded = Decoder::default()
                .with_strategy(strategy)
                .decode(&frame)
                .unwrap_or_else(|| panic!("{:?} not decoded with {strategy:?}", spec.content));
            assert_eq!(decoded.format, spec.format);
            let expected = if spec.gs1 {
                let id = if spec.format == CodeFormat::Code128 {
                    "]C1"
                } else {
                    "]d2"
                };
                format!("{id}{}", spec.content)
            } else {
                spec.content.clone()
            };
            assert_eq!(decoded.text, expected);
        }
    }
}

#[test]
fn distorted_frames_still_decode() {
    let mut spec = FrameSpec::clean(fixtures::EAN_WIDGET, CodeFormat::Ean13);
    spec.module_px = 4;
    spec.blur = 1;
    spec.noise = 6.0;
    spec.rotation_deg = 5.0;
    spec.uneven_light = 0.5;
    spec.centre = (0.4, 0.6);
    let frame = render(&spec).unwrap();
    let decoded = Decoder::default().decode(&frame).expect("decoded");
    assert_eq!(decoded.text, fixtures::EAN_WIDGET);
}

#[test]
fn the_worker_dedupes_consecutive_frames_calls_feedback_and_resolves_offline() {
    let store = store();
    let fx = Warehouse::new();
    let ean = FrameSpec::clean(fixtures::EAN_WIDGET, CodeFormat::Ean13);
    let bin = FrameSpec::clean(fixtures::BIN_A01, CodeFormat::Qr);
    let gs1 = FrameSpec::clean(&gs1_128(), CodeFormat::Code128).gs1();
    let dm = FrameSpec::clean(&gs1_datamatrix(), CodeFormat::DataMatrix).gs1();
    // The widget held in view for three frames is one scan; after it has been gone for
    // longer than the window it counts again.
    let frames = vec![
        Some(bin.clone()),
        Some(ean.clone()),
        Some(ean.clone()),
        None,
        Some(ean.clone()),
        Some(gs1.clone()),
        None,
        None,
        None,
        None,
        Some(ean.clone()),
        Some(dm),
    ];
    let feedback = Arc::new(CountingFeedback::default());
    let (worker, events) = ScanWorker::spawn(
        Box::new(GeneratedFrames::new(frames)),
        Decoder::default(),
        2,
        feedback.clone(),
    );
    let mut scans = Vec::new();
    for event in events.iter() {
        match event {
            ScanEvent::Scan(scan) => scans.push(scan),
            ScanEvent::Stopped { error } => {
                assert_eq!(error, None);
                break;
            }
        }
    }
    let stats = worker.join();
    assert_eq!(stats.len(), 12);
    let texts: Vec<&str> = scans.iter().map(|s| s.text.as_str()).collect();
    let gs1_text = format!("]C1{}", gs1_128());
    let dm_text = format!("]d2{}", gs1_datamatrix());
    assert_eq!(
        texts,
        [
            fixtures::BIN_A01,
            fixtures::EAN_WIDGET,
            gs1_text.as_str(),
            fixtures::EAN_WIDGET,
            dm_text.as_str()
        ]
    );
    assert_eq!(
        feedback.0.load(Ordering::SeqCst),
        5,
        "feedback once per accepted scan"
    );
    assert_eq!(scans[1].origin, ScanOrigin::Camera(CodeFormat::Ean13));

    // Resolution uses only the local store.
    match resolve(&store, &scans[0].text).unwrap() {
        Resolved::Location(l) => assert_eq!(l.id, fx.bin(fixtures::BIN_A01).id),
        other => panic!("{other:?}"),
    }
    match resolve(&store, &scans[1].text).unwrap() {
        Resolved::Product(hit) => {
            assert_eq!(hit.product.id, fx.widget.id);
            assert_eq!(hit.qty, 1.into());
        }
        other => panic!("{other:?}"),
    }
    match resolve(&store, &scans[2].text).unwrap() {
        Resolved::Product(hit) => {
            assert_eq!(hit.product.id, fx.gadget.id);
            assert_eq!(hit.qty, 6.into(), "a case of six");
            assert_eq!(hit.lot.as_deref(), Some("LOT42"));
            assert_eq!(hit.expiry, chrono::NaiveDate::from_ymd_opt(2027, 12, 31));
        }
        other => panic!("{other:?}"),
    }
    match resolve(&store, &scans[4].text).unwrap() {
        Resolved::Product(hit) => {
            assert_eq!(hit.lot.as_deref(), Some("LOT7"));
            assert_eq!(hit.expiry, chrono::NaiveDate::from_ymd_opt(2027, 6, 30));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn keyboard_wedge_codes_resolve_like_camera_codes() {
    let store = store();
    let fx = Warehouse::new();
    let mut wedge = elevate_mobile::core::scan::WedgeBuffer::default();
    let mut done = None;
    for c in fixtures::SKU_BOLT.chars() {
        assert_eq!(wedge.key(&c.to_string()), None);
    }
    done = done.or(wedge.key("Enter"));
    match resolve(&store, &done.unwrap()).unwrap() {
        Resolved::Product(hit) => assert_eq!(hit.product.id, fx.bolt.id),
        other => panic!("{other:?}"),
    }
    for (code, expect) in [
        (fixtures::COUNT_CODE, "count"),
        (fixtures::PICK_CODE, "pick"),
        (fixtures::PO_NUMBER, "po"),
        ("NO-SUCH-CODE", "unknown"),
        ("]C10114012345000010", "malformed"),
    ] {
        let got = match resolve(&store, code).unwrap() {
            Resolved::CountSession(_) => "count",
            Resolved::PickList(_) => "pick",
            Resolved::PurchaseOrder(_) => "po",
            Resolved::Unknown { .. } => "unknown",
            Resolved::MalformedGs1 { .. } => "malformed",
            other => panic!("{other:?}"),
        };
        assert_eq!(got, expect, "{code}");
    }
}
