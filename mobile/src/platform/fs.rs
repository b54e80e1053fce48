//! File-backed [`Storage`]: one file per key in an app data directory. Used on desktop
//! now; Android and iOS also have a private app directory, so it ports unchanged.

use super::{validate_key, Storage, StorageError};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

/// Stores each key as a file under `dir`.
#[derive(Debug, Clone)]
pub struct FileStorage {
    dir: PathBuf,
}

impl FileStorage {
    /// Uses `dir`, creating it if needed.
    pub fn open(dir: impl Into<PathBuf>) -> std::io::Result<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        validate_key(key)?;
        Ok(self.dir.join(key))
    }
}

fn io_err(key: &str) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        key: key.to_owned(),
        source,
    }
}

impl Storage for FileStorage {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match std::fs::read(self.path(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err(key)(e)),
        }
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), StorageError> {
        let path = self.path(key)?;
        // Write to a temporary file and rename, so a crash mid-write (phones get killed
        // any time) leaves either the old or the new value, never half of one.
        let tmp = self.dir.join(format!(".{key}.tmp"));
        let mut file = std::fs::File::create(&tmp).map_err(io_err(key))?;
        file.write_all(value).map_err(io_err(key))?;
        file.sync_all().map_err(io_err(key))?;
        std::fs::rename(&tmp, &path).map_err(io_err(key))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        match std::fs::remove_file(self.path(key)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err(key)(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_storage_meets_the_contract_and_persists() {
        let dir = std::env::temp_dir().join(format!("elevate-fs-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let storage = FileStorage::open(&dir).unwrap();
        crate::platform::tests::storage_contract(&storage);

        storage.put("kept", b"value").unwrap();
        let reopened = FileStorage::open(&dir).unwrap();
        assert_eq!(
            reopened.get("kept").unwrap().as_deref(),
            Some(&b"value"[..])
        );
        // Only the two live keys remain: no temporary files, nothing for rejected keys.
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["b-2_x", "kept"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
