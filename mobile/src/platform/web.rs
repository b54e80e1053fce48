//! The browser (wasm32): settings and the local store in `localStorage`, the network
//! state from `navigator.onLine`, sign-in and sync over fetch. No camera yet.
//!
//! `localStorage` is per site (scheme, host and port of the page), synchronous, and holds
//! about 5 MB. The op log goes there op by op, so a reload or a closed tab keeps every
//! confirmed op; the reference cache is kept when it fits and pulled again when it does
//! not (see `core::store::memory`).

use super::{AppServices, MemoryStorage, NetworkStatus, Storage, StorageError};
use crate::core::store::{MemoryStore, Persistence, StoreError};
use crate::core::sync::SessionSync;
use std::sync::Arc;

/// Prefix of the settings keys (`elevatecrm.settings.<key>`).
const SETTINGS_PREFIX: &str = "elevatecrm.settings.";
/// Prefix of the local store's keys (`elevatecrm.store.<key>`).
const STORE_PREFIX: &str = "elevatecrm.store.";

/// The page's `localStorage`, looked up on each use (a handle to it is not `Send`).
fn local_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("no window")?
        .local_storage()
        .map_err(|e| format!("{e:?}"))?
        .ok_or_else(|| "localStorage is disabled".to_owned())
}

fn storage_error(key: &str, message: String) -> StorageError {
    StorageError::Io {
        key: key.to_owned(),
        source: std::io::Error::other(message),
    }
}

/// Settings in `localStorage`, one entry per key (values as text; settings are JSON).
#[derive(Debug, Default)]
pub struct LocalStorage;

impl Storage for LocalStorage {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        super::validate_key(key)?;
        let storage = local_storage().map_err(|e| storage_error(key, e))?;
        storage
            .get_item(&format!("{SETTINGS_PREFIX}{key}"))
            .map(|v| v.map(String::into_bytes))
            .map_err(|e| storage_error(key, format!("{e:?}")))
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        super::validate_key(key)?;
        let text = String::from_utf8(value.to_vec())
            .map_err(|_| storage_error(key, "only UTF-8 text can be stored".into()))?;
        local_storage()
            .map_err(|e| storage_error(key, e))?
            .set_item(&format!("{SETTINGS_PREFIX}{key}"), &text)
            .map_err(|e| storage_error(key, format!("{e:?}")))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        super::validate_key(key)?;
        local_storage()
            .map_err(|e| storage_error(key, e))?
            .remove_item(&format!("{SETTINGS_PREFIX}{key}"))
            .map_err(|e| storage_error(key, format!("{e:?}")))
    }
}

/// Where the browser's [`MemoryStore`] writes through to: `localStorage` entries under
/// `elevatecrm.store.`. Each `put` is synchronous: when it returns, the entry is stored.
#[derive(Debug, Default)]
pub struct LocalStoragePersistence;

fn persist_error(key: &str, message: String) -> StoreError {
    StoreError::Persist {
        key: key.to_owned(),
        message,
    }
}

impl Persistence for LocalStoragePersistence {
    fn load(&self) -> Result<Vec<(String, String)>, StoreError> {
        let storage = local_storage().map_err(|e| persist_error("*", e))?;
        let len = storage
            .length()
            .map_err(|e| persist_error("*", format!("{e:?}")))?;
        let mut entries = Vec::new();
        for i in 0..len {
            let Ok(Some(key)) = storage.key(i) else {
                continue;
            };
            let Some(short) = key.strip_prefix(STORE_PREFIX) else {
                continue;
            };
            if let Ok(Some(value)) = storage.get_item(&key) {
                entries.push((short.to_owned(), value));
            }
        }
        Ok(entries)
    }

    fn put(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        local_storage()
            .map_err(|e| persist_error(key, e))?
            .set_item(&format!("{STORE_PREFIX}{key}"), value)
            .map_err(|e| persist_error(key, format!("{e:?}")))
    }

    fn remove(&mut self, key: &str) -> Result<(), StoreError> {
        local_storage()
            .map_err(|e| persist_error(key, e))?
            .remove_item(&format!("{STORE_PREFIX}{key}"))
            .map_err(|e| persist_error(key, format!("{e:?}")))
    }
}

/// `navigator.onLine`: `false` means surely offline; `true` means a network is there
/// (the server may still be unreachable, which sync finds out and shows).
#[derive(Debug, Default)]
pub struct BrowserNetworkStatus;

impl NetworkStatus for BrowserNetworkStatus {
    fn is_online(&self) -> bool {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
}

/// Browser services: settings and the local store in `localStorage` (in memory when it
/// is unavailable, e.g. disabled by the user), sign-in and sync against the backend over
/// fetch. The backend must allow the page's origin (CORS) unless it serves the page.
pub fn services() -> AppServices {
    let storage: Arc<dyn Storage> = match local_storage() {
        Ok(_) => Arc::new(LocalStorage),
        Err(e) => {
            web_sys::console::warn_1(&format!("settings will not be kept: {e}").into());
            Arc::new(MemoryStorage::default())
        }
    };
    let store = match MemoryStore::open_persisted(Box::new(LocalStoragePersistence)) {
        Ok(store) => store.shared(),
        Err(e) => {
            web_sys::console::warn_1(&format!("work will not be kept: {e}").into());
            super::memory_store()
        }
    };
    let network: Arc<dyn NetworkStatus> = Arc::new(BrowserNetworkStatus);
    let mut services = AppServices::with(storage, network.clone(), store.clone());
    services.sync = Arc::new(SessionSync::http(store, network));
    services
}

/// Starts the app in the page (`dx serve --platform web`, or the wasm-bindgen output).
#[cfg(feature = "web")]
pub fn launch() {
    dioxus::LaunchBuilder::web()
        .with_context(services())
        .launch(crate::App);
}
