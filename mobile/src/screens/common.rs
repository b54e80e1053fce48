//! Pieces every task screen shares: the frame (back button, title, sync badge) and the
//! camera hook that runs the decoder off the UI thread.

use crate::app::{Screen, Session};
#[cfg(not(target_arch = "wasm32"))]
use crate::core::scan::ScanWorker;
use crate::core::scan::{Decoder, ScanEvent};
use crate::core::AppSettings;
use crate::i18n::{t, Key, Language};
use crate::platform::AppServices;
use crate::widgets::Notice;
use dioxus::prelude::*;
use futures::StreamExt;

/// Header with a back button and the title, an offline/pending line, then the screen.
#[component]
pub fn ScreenFrame(id: &'static str, title: Key, children: Element) -> Element {
    let settings = use_context::<Signal<AppSettings>>();
    let mut screen = use_context::<Signal<Screen>>();
    let session = use_context::<Signal<Option<Session>>>();
    let services = use_context::<AppServices>();
    let lang = settings.read().language;
    let status = services.sync.status();
    let heading = format!("{id}-heading");
    rsx! {
        main { class: "screen task-screen", id, aria_labelledby: "{heading}",
            header { class: "top-bar",
                button {
                    class: "btn btn-secondary",
                    r#type: "button",
                    id: "nav-back",
                    onclick: move |_| {
                        let next = match session() {
                            Some(s) => Screen::Home(s),
                            None => Screen::Login,
                        };
                        screen.set(next);
                    },
                    "← " {t(lang, Key::NavBack)}
                }
                h1 { id: "{heading}", {t(lang, title)} }
            }
            SyncLine { lang, online: status.online, pending: status.pending }
            {children}
        }
    }
}

/// "Offline — kept on this phone" and the number of changes waiting.
#[component]
pub fn SyncLine(lang: Language, online: bool, pending: u64) -> Element {
    rsx! {
        if !online {
            p { class: "notice", role: "status", {t(lang, Key::Offline)} }
        }
        if pending > 0 {
            p { class: "pending", role: "status", id: "pending-count",
                "{pending} " {t(lang, Key::HomePendingBadge)}
            }
        }
    }
}

/// The error notice shown when the local store failed to save.
pub fn store_failed(e: &crate::core::store::StoreError) -> Notice {
    eprintln!("local store: {e}");
    Notice::error(Key::StoreError)
}

/// A camera button's state and action: decoding runs on the scan worker thread (inline
/// in the browser, which has none); each accepted code is handed to `on_scan` on the UI
/// side.
pub fn use_camera(on_scan: EventHandler<String>) -> (Signal<bool>, Option<EventHandler<()>>) {
    let services = use_context::<AppServices>();
    let busy = use_signal(|| false);
    let available = services.camera.available();
    let start = move |_| {
        let mut busy = busy;
        if *busy.peek() {
            return;
        }
        let source = match services.camera.open() {
            Ok(source) => source,
            Err(e) => {
                eprintln!("camera: {e}");
                return;
            }
        };
        busy.set(true);
        let mut rx = scan_events(source, services.feedback.clone());
        spawn(async move {
            while let Some(event) = rx.next().await {
                match event {
                    ScanEvent::Scan(scan) => on_scan.call(scan.text),
                    ScanEvent::Stopped { .. } => break,
                }
            }
            busy.set(false);
        });
    };
    (busy, available.then(|| EventHandler::new(start)))
}

/// Decodes the source's frames on the scan worker thread; its events arrive as a stream.
#[cfg(not(target_arch = "wasm32"))]
fn scan_events(
    source: Box<dyn crate::platform::FrameSource>,
    feedback: std::sync::Arc<dyn crate::core::scan::ScanFeedback>,
) -> futures::channel::mpsc::UnboundedReceiver<ScanEvent> {
    let (worker, events) = ScanWorker::spawn(source, Decoder::default(), 3, feedback);
    let (tx, rx) = futures::channel::mpsc::unbounded();
    // Bridge the worker's blocking channel into an async stream for the UI task.
    std::thread::spawn(move || {
        for event in events.iter() {
            let stop = matches!(event, ScanEvent::Stopped { .. });
            if tx.unbounded_send(event).is_err() || stop {
                break;
            }
        }
        drop(worker);
    });
    rx
}

/// The browser has no threads: the frames are decoded here, on the page's thread, and
/// the events handed over once the source has ended.
#[cfg(target_arch = "wasm32")]
fn scan_events(
    mut source: Box<dyn crate::platform::FrameSource>,
    feedback: std::sync::Arc<dyn crate::core::scan::ScanFeedback>,
) -> futures::channel::mpsc::UnboundedReceiver<ScanEvent> {
    let (tx, rx) = futures::channel::mpsc::unbounded();
    let stop = std::sync::atomic::AtomicBool::new(false);
    crate::core::scan::decode_frames(
        &mut *source,
        &mut Decoder::default(),
        3,
        &*feedback,
        &stop,
        |event| tx.unbounded_send(event).is_ok(),
    );
    rx
}

/// Text for a decimal quantity without trailing zeros.
pub fn qty_text(q: rust_decimal::Decimal) -> String {
    q.normalize().to_string()
}

/// A signal that changes every `ms` milliseconds (timer thread → UI task; a browser
/// timer on the web), for screens that show live status.
pub fn use_ticker(ms: u64) -> Signal<u64> {
    let mut tick = use_signal(|| 0u64);
    use_hook(move || {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let (tx, mut rx) = futures::channel::mpsc::unbounded::<()>();
            std::thread::spawn(move || loop {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                if tx.unbounded_send(()).is_err() {
                    break;
                }
            });
            spawn(async move {
                while rx.next().await.is_some() {
                    tick += 1;
                }
            });
        }
        #[cfg(target_arch = "wasm32")]
        spawn(async move {
            loop {
                gloo_timers::future::sleep(std::time::Duration::from_millis(ms)).await;
                tick += 1;
            }
        });
    });
    tick
}
