//! The file store: uploaded files (PDF forms) kept by the SHA-256 of their bytes. The same bytes
//! are stored once however often they are uploaded, and a stored file never changes. The
//! default keeps them on local disk under the data folder; an object store can implement
//! [`FileStore`] later.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::StorageError;

/// Where uploaded files live.
pub trait FileStore: Send + Sync + std::fmt::Debug {
    /// Stores the bytes and returns their SHA-256 in hex (the key).
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError>;
    /// The bytes stored under a key, if any.
    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StorageError>;
}

/// The SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Files on local disk: `{root}/ab/abcdef…` (two-character fan-out keeps folders small).
#[derive(Debug, Clone)]
pub struct DiskStore {
    root: PathBuf,
}

impl DiskStore {
    /// A store under `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, StorageError> {
        let root = root.into();
        std::fs::create_dir_all(&root).map_err(|e| io_error(&root, &e))?;
        Ok(Self { root })
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        // Keys come from URLs too: only our own hex shape reaches the file system.
        (sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()))
            .then(|| self.root.join(&sha256[..2]).join(sha256))
    }
}

fn io_error(path: &Path, e: &std::io::Error) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Custom(format!(
        "the file store at {} is not usable ({e}); check that the data folder is writable",
        path.display()
    )))
}

impl FileStore for DiskStore {
    fn put(&self, bytes: &[u8]) -> Result<String, StorageError> {
        let key = sha256_hex(bytes);
        let path = self.path(&key).expect("our own key");
        if path.exists() {
            return Ok(key);
        }
        let dir = path.parent().expect("fan-out folder");
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
        // Write to a temporary name and rename: a reader never sees half a file, and a crash
        // leaves at most a stray temporary file.
        let tmp = dir.join(format!(".{key}.{}", uuid::Uuid::new_v4()));
        let mut f = std::fs::File::create(&tmp).map_err(|e| io_error(&tmp, &e))?;
        f.write_all(bytes).and_then(|()| f.sync_all()).map_err(|e| io_error(&tmp, &e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io_error(&path, &e))?;
        Ok(key)
    }

    fn get(&self, sha256: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(path) = self.path(sha256) else { return Ok(None) };
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_kept_by_content_and_keys_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::new(dir.path().join("files")).unwrap();
        let a = store.put(b"%PDF-1.7 a").unwrap();
        assert_eq!(store.put(b"%PDF-1.7 a").unwrap(), a, "same bytes, same key");
        assert_eq!(store.get(&a).unwrap().unwrap(), b"%PDF-1.7 a");
        assert!(store.get("../../etc/passwd").unwrap().is_none());
        assert!(store.get(&"0".repeat(64)).unwrap().is_none());
    }
}
