//! Where the library's file contents live, addressed by their SHA-256: a
//! small interface with one implementation today, a folder of the data
//! directory (`<data_dir>/library/ab/cd/<sha256>`). The database keeps
//! which resource has which file; the store only keeps bytes, each once.
//! An S3-compatible store would implement the same trait.

use std::io;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// A content-addressed blob store. Calls block: run them in
/// `tokio::task::spawn_blocking`.
pub trait BlobStore: Send + Sync {
    /// Keep `bytes` under `sha256` (their hash; already there is fine).
    fn put(&self, sha256: &str, bytes: &[u8]) -> io::Result<()>;
    /// The bytes under `sha256`, `None` when absent.
    fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>>;
}

/// The SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_key(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Files in a folder, two levels of fan-out.
pub struct LocalStore {
    pub root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> LocalStore {
        LocalStore { root }
    }
    fn path(&self, sha256: &str) -> io::Result<PathBuf> {
        if !valid_key(sha256) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a SHA-256"));
        }
        Ok(self
            .root
            .join(&sha256[0..2])
            .join(&sha256[2..4])
            .join(sha256))
    }
}

impl BlobStore for LocalStore {
    fn put(&self, sha256: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(sha256)?;
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().ok_or_else(|| io::Error::other("no parent"))?;
        std::fs::create_dir_all(dir)?;
        // Write aside, then rename: a reader never sees half a file, and
        // two nodes writing the same content agree.
        let tmp = dir.join(format!(".{sha256}.{}", rand::random::<u64>()));
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &path)
    }
    fn get(&self, sha256: &str) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.path(sha256)?) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The instance's store (the data directory's `library` folder).
pub fn for_config(config: &crate::config::Config) -> std::sync::Arc<dyn BlobStore> {
    std::sync::Arc::new(LocalStore::new(config.data_dir.join("library")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_hash_and_refuses_other_keys() {
        let dir = std::env::temp_dir().join(format!("passerelles-blobs-{}", rand::random::<u64>()));
        let s = LocalStore::new(dir.clone());
        let sha = sha256_hex(b"bonjour");
        assert_eq!(
            sha,
            "2cb4b1431b84ec15d35ed83bb927e27e8967d75f4bcd9cc4b25c8d879ae23e18"
        );
        assert_eq!(s.get(&sha).expect("get"), None);
        s.put(&sha, b"bonjour").expect("put");
        s.put(&sha, b"bonjour").expect("put twice");
        assert_eq!(s.get(&sha).expect("get"), Some(b"bonjour".to_vec()));
        assert!(s.get("../../etc/passwd").is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
