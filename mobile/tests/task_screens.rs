//! Every task screen rendered without a window, in its main states (including offline
//! and error states), from a store filled with the demo warehouse.

mod common;

use common::{render, tags, text_of_id};
use elevate_mobile::core::fixtures::{self, Warehouse};
use elevate_mobile::core::ops::{NewOp, OpOutcome, StockMovePayload};
use elevate_mobile::core::store::{lock, SharedStore, Store};
use elevate_mobile::core::sync::NoSync;
use elevate_mobile::core::{AppSettings, ServerUrl, TextSize};
use elevate_mobile::i18n::{t, Key, Language};
use elevate_mobile::platform::{AppServices, FixedNetworkStatus, MemoryStorage};
use elevate_mobile::screens::count::CountState;
use elevate_mobile::screens::lookup::LookupState;
use elevate_mobile::screens::moves::MoveState;
use elevate_mobile::screens::pick::PickState;
use elevate_mobile::screens::receive::ReceiveState;
use elevate_mobile::screens::sync::SyncScreenState;
use elevate_mobile::{Screen, Session};
use std::sync::Arc;

fn store() -> SharedStore {
    let store = Store::open_in_memory().unwrap();
    store.apply_pull(&Warehouse::new().pull_page("c1")).unwrap();
    store.shared()
}

fn services(store: &SharedStore, online: bool, error: Option<&str>) -> AppServices {
    let network = Arc::new(FixedNetworkStatus::new(online));
    let mut s = AppServices::with(
        Arc::new(MemoryStorage::default()),
        network.clone(),
        store.clone(),
    );
    s.sync = Arc::new(NoSync {
        store: store.clone(),
        network,
        error: error.map(str::to_owned),
    });
    s
}

fn en() -> AppSettings {
    AppSettings::default()
}

fn de() -> AppSettings {
    AppSettings {
        language: Language::De,
        ..AppSettings::default()
    }
}

fn show(store: &SharedStore, settings: AppSettings, screen: Screen, online: bool) -> String {
    render(settings, screen, services(store, online, None))
}

/// Every input/select has exactly one label; every button has text or an aria-label and
/// the `btn` class that gives it the 48 px minimum.
fn assert_accessible(html: &str) {
    let all = tags(html);
    let labels: Vec<&str> = all
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.attr("for"))
        .collect();
    for control in all
        .iter()
        .filter(|t| matches!(t.name.as_str(), "input" | "select"))
    {
        let id = control.attr("id").expect("control without id");
        assert_eq!(
            labels.iter().filter(|l| **l == id).count(),
            1,
            "#{id} label in {html}"
        );
    }
    for button in all.iter().filter(|t| t.name == "button") {
        assert!(
            button
                .attr("class")
                .is_some_and(|c| c.split(' ').any(|c| c == "btn")),
            "button without .btn: {:?}",
            button.attrs
        );
    }
    let ids: Vec<&str> = all.iter().filter_map(|t| t.attr("id")).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate ids");
}

#[test]
fn home_lists_the_tasks_and_the_pending_count() {
    let store = store();
    lock(&store)
        .append_op(&NewOp::StockMove(StockMovePayload {
            product_id: Warehouse::new().widget.id,
            qty: 1.into(),
            from_location_id: Warehouse::new().bin(fixtures::BIN_A01).id,
            to_location_id: Warehouse::new().bin(fixtures::BIN_B01).id,
            lot: None,
        }))
        .unwrap();
    let session = Session {
        email: "ana@example.com".into(),
        server: ServerUrl::parse("https://crm.example.com").unwrap(),
    };
    let html = show(&store, en(), Screen::Home(session), false);
    for id in [
        "task-lookup",
        "task-receive",
        "task-move",
        "task-count",
        "task-pick",
        "task-sync",
        "task-settings",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    assert!(html.contains(t(Language::En, Key::Offline)));
    assert!(html.contains("1 waiting to sync"), "{html}");
    assert!(html.contains("<span class=\"badge\">1</span>"));
    assert_accessible(&html);
}

#[test]
fn lookup_shows_stock_per_location_offline() {
    let store = store();
    let empty = show(&store, en(), Screen::Lookup(LookupState::default()), false);
    assert!(empty.contains(t(Language::En, Key::LookupPrompt)));
    assert!(empty.contains(t(Language::En, Key::Offline)));
    assert!(empty.contains("id=\"scan-input\""));
    assert_accessible(&empty);

    let mut st = LookupState::default();
    st.scan(&lock(&store), fixtures::EAN_WIDGET).unwrap();
    let html = show(&store, en(), Screen::Lookup(st), false);
    assert!(html.contains(">Widget</h2>"), "{html}");
    assert!(
        html.contains("<td>WH1/A/A-01</td><td class=\"num\">40</td>"),
        "{html}"
    );
    assert!(html.contains("<td>WH1/B/B-01</td><td class=\"num\">5</td>"));

    let mut st = LookupState::default();
    st.scan(&lock(&store), fixtures::BIN_A01).unwrap();
    let html = show(&store, de(), Screen::Lookup(st), true);
    assert!(html.contains(t(Language::De, Key::LookupContents)));
    assert!(html.contains("Bolt M8×40"));

    let mut st = LookupState::default();
    st.scan(&lock(&store), "XYZ-404").unwrap();
    let html = show(&store, en(), Screen::Lookup(st), true);
    assert!(html.contains("Unknown code: XYZ-404"), "{html}");
    assert!(html.contains("role=\"status\""));
}

#[test]
fn move_screen_walks_its_steps_with_a_number_pad_and_confirms_after_saving() {
    let store = store();
    let mut st = MoveState::default();
    let html = show(&store, en(), Screen::Move(st.clone()), true);
    assert_eq!(
        text_of_id(&html, "move-prompt").as_deref(),
        Some(t(Language::En, Key::MoveStepFrom))
    );

    st.scan(&lock(&store), fixtures::BIN_A01).unwrap();
    st.scan(&lock(&store), fixtures::EAN_WIDGET).unwrap();
    let html = show(&store, en(), Screen::Move(st.clone()), true);
    assert!(html.contains("aria-label=\"Increase quantity\""), "{html}");
    assert!(html.contains("aria-label=\"Decrease quantity\""));
    assert!(html.contains("aria-label=\"Number pad\""));
    assert_eq!(text_of_id(&html, "move-qty-value").as_deref(), Some("1"));
    assert!(html.contains("aria-current=\"step\""));
    assert_accessible(&html);

    st.confirm_qty();
    st.scan(&lock(&store), fixtures::BIN_B01).unwrap();
    let html = show(&store, de(), Screen::Move(st), false);
    assert!(html.contains(t(Language::De, Key::MoveDone)), "{html}");
    assert!(html.contains("1 warten auf Synchronisation"));
    assert!(html.contains(t(Language::De, Key::Offline)));
}

#[test]
fn count_screen_lists_sessions_counts_lines_and_hides_expected_when_blind() {
    let store = store();
    let st = CountState::load(&lock(&store)).unwrap();
    let html = show(&store, en(), Screen::Count(st.clone()), true);
    assert!(html.contains("Cycle count zone A"));
    assert_accessible(&html);
    // A session pulled from the server is named by its kind, in the user's language.
    let mut pulled = st.clone();
    pulled.sessions[0].kind = Some("spot".into());
    pulled.sessions[0].name = "#a1b2c3".into();
    let html = show(
        &store,
        AppSettings {
            language: Language::De,
            ..en()
        },
        Screen::Count(pulled),
        true,
    );
    assert!(html.contains("Stichprobeninventur #a1b2c3"), "{html}");

    let mut counting = st.clone();
    counting.scan(&lock(&store), fixtures::COUNT_CODE).unwrap();
    counting.scan(&lock(&store), fixtures::BIN_A01).unwrap();
    counting.scan(&lock(&store), fixtures::EAN_WIDGET).unwrap();
    let html = show(&store, en(), Screen::Count(counting.clone()), true);
    assert!(html.contains("WH1/A/A-01"));
    assert!(html.contains("Expected 40"), "{html}");
    assert_eq!(
        text_of_id(&html, "count-line-0-value").as_deref(),
        Some("1")
    );
    assert!(html.contains("id=\"count-recount\""));
    assert_accessible(&html);

    let mut blind = counting.clone();
    if let Some(s) = blind.session.as_mut() {
        s.blind = true;
    }
    let html = show(&store, en(), Screen::Count(blind), true);
    assert!(
        !html.contains("Expected"),
        "blind count shows no expected qty"
    );
    assert!(html.contains(t(Language::En, Key::CountBlind)));

    let mut recount = counting;
    recount.start_recount();
    let html = show(&store, de(), Screen::Count(recount), true);
    assert!(html.contains(t(Language::De, Key::CountRecounting)));

    let empty = show(&store, en(), Screen::Count(CountState::default()), false);
    assert!(empty.contains(t(Language::En, Key::CountNoSessions)));
}

#[test]
fn pick_screen_guides_to_the_next_location_and_offers_short_reasons() {
    let store = store();
    let mut st = PickState::load(&lock(&store)).unwrap();
    let html = show(&store, en(), Screen::Pick(st.clone()), true);
    assert!(html.contains("Wave 1 / order 5001"));

    st.scan(&lock(&store), fixtures::PICK_CODE).unwrap();
    let html = show(&store, en(), Screen::Pick(st.clone()), true);
    assert!(
        html.contains("Go to <span class=\"code\">WH1/A/A-01</span>"),
        "{html}"
    );
    assert_eq!(
        text_of_id(&html, "pick-product").as_deref(),
        Some("Bolt M8×40")
    );
    assert!(html.contains(t(Language::En, Key::PickScanLocation)));

    st.scan(&lock(&store), fixtures::BIN_B01).unwrap();
    let html = show(&store, en(), Screen::Pick(st.clone()), true);
    assert!(
        html.contains("role=\"alert\""),
        "wrong location is an alert"
    );
    assert!(html.contains("Wrong location"));

    st.choosing_reason = true;
    let html = show(&store, de(), Screen::Pick(st), true);
    for r in [
        Key::PickReasonNotFound,
        Key::PickReasonDamaged,
        Key::PickReasonInsufficient,
    ] {
        assert!(html.contains(t(Language::De, r)));
    }
    assert_accessible(&html);
}

#[test]
fn receive_screen_lists_orders_and_shows_the_scanned_line() {
    let store = store();
    let mut st = ReceiveState::load(&lock(&store)).unwrap();
    let html = show(&store, en(), Screen::Receive(st.clone()), true);
    assert!(html.contains("PO-1001"));
    assert!(html.contains("Acme Hardware"));
    st.scan(&lock(&store), fixtures::PO_NUMBER).unwrap();
    st.scan(&lock(&store), fixtures::GTIN_GADGET_CASE).unwrap();
    let html = show(&store, en(), Screen::Receive(st), false);
    assert!(
        html.contains("<td>Gadget</td><td class=\"num\">24</td>"),
        "{html}"
    );
    assert_eq!(text_of_id(&html, "receive-qty-value").as_deref(), Some("6"));
    assert!(html.contains("id=\"receive-confirm\""));
    assert_accessible(&html);
}

#[test]
fn sync_screen_shows_offline_pending_errors_and_refused_ops_to_fix_or_discard() {
    let store = store();
    let fx = Warehouse::new();
    let (a, b) = {
        let s = lock(&store);
        let mk = |q: i64| {
            NewOp::StockMove(StockMovePayload {
                product_id: fx.widget.id,
                qty: q.into(),
                from_location_id: fx.bin(fixtures::BIN_A01).id,
                to_location_id: fx.bin(fixtures::BIN_B01).id,
                lot: None,
            })
        };
        (s.append_op(&mk(7)).unwrap(), s.append_op(&mk(2)).unwrap())
    };
    lock(&store)
        .record_outcomes(&[(
            a.op_id,
            OpOutcome::Rejected {
                code: "negative_stock".into(),
                message: "WH1/A/A-01 would go below zero".into(),
            },
        )])
        .unwrap();
    let _ = b;
    let svc = services(
        &store,
        false,
        Some("server unreachable: connection refused"),
    );
    let status = svc.sync.status();
    let state = SyncScreenState::load(&lock(&store), status).unwrap();
    let html = render(en(), Screen::Sync(state), svc);
    assert_eq!(text_of_id(&html, "sync-state").as_deref(), Some("Offline"));
    assert_eq!(text_of_id(&html, "sync-pending").as_deref(), Some("1"));
    assert_eq!(text_of_id(&html, "sync-last").as_deref(), Some("Never"));
    assert!(html.contains("server unreachable: connection refused"));
    assert!(
        html.contains("negative_stock: WH1/A/A-01 would go below zero"),
        "{html}"
    );
    assert!(html.contains(t(Language::En, Key::SyncFix)));
    assert!(html.contains(t(Language::En, Key::SyncDiscard)));
    assert_accessible(&html);

    // Everything synced, online, in German.
    let clean = self::store();
    let svc = services(&clean, true, None);
    let status = svc.sync.status();
    let state = SyncScreenState::load(&lock(&clean), status).unwrap();
    let html = render(de(), Screen::Sync(state), svc);
    assert_eq!(text_of_id(&html, "sync-state").as_deref(), Some("Online"));
    assert!(html.contains(t(Language::De, Key::SyncAllSynced)));
    assert!(html.contains(t(Language::De, Key::SyncNoRejected)));
}

#[test]
fn settings_screen_has_server_language_theme_and_text_size() {
    let store = store();
    let settings = AppSettings {
        text_size: TextSize::Larger,
        server_url: Some(ServerUrl::parse("https://crm.example.com").unwrap()),
        ..AppSettings::default()
    };
    let html = show(&store, settings, Screen::Settings, true);
    for id in [
        "settings-server",
        "settings-language",
        "settings-theme",
        "settings-text-size",
    ] {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains("value=\"https://crm.example.com\""));
    assert!(
        html.contains("html { font-size: 136%; }"),
        "text size applies to the root"
    );
    assert_accessible(&html);
}
