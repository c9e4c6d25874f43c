//! The identity provider's server key: 32 random bytes in the data
//! directory (`keys/idp.key`, mode 0600), made on first start. Every key the
//! provider uses is derived from it with HMAC-Streebog-256 under a label, so
//! one file is backed up and one file is rotated:
//!
//! * the action journal's chain key (`podpis idp journal v1`);
//! * the sealing key of TOTP secrets at rest, AES-256-GCM (`… seal v1`);
//! * the key of sent one-time codes' hashes (`… code v1`);
//! * the key of the forms' CSRF tokens (`… csrf v1`).
//!
//! Losing the file makes the journal unverifiable and the enrolled TOTP
//! authenticators unusable (users fall back to sent codes and re-enrol);
//! anyone who reads it can forge journal entries: keep it like the CA's keys.

use std::io::Write;
use std::path::{Path, PathBuf};

use store::action_journal::JournalKey;
use zeroize::Zeroizing;

use crate::AccountError;

/// Where the key lives under a data directory.
pub const KEY_FILE: &str = "keys/idp.key";

/// The server key and what is derived from it. `Debug` shows nothing.
#[derive(Clone)]
pub struct ServerKeys {
    master: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKeys(…)")
    }
}

impl ServerKeys {
    /// Keys from the 32 bytes of a master key.
    pub fn from_bytes(master: [u8; 32]) -> ServerKeys {
        ServerKeys {
            master: Zeroizing::new(master),
        }
    }

    /// A fresh random key (tests, or a first start).
    pub fn random() -> Result<ServerKeys, AccountError> {
        let mut master = Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut master[..]).map_err(|_| AccountError::Random)?;
        Ok(ServerKeys { master })
    }

    /// The key file of data directory `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(KEY_FILE)
    }

    /// Reads `DIR/keys/idp.key`.
    pub fn load(dir: &Path) -> Result<ServerKeys, AccountError> {
        let path = ServerKeys::path(dir);
        let bytes = Zeroizing::new(
            std::fs::read(&path)
                .map_err(|e| AccountError::Keys(format!("{}: {e}", path.display())))?,
        );
        let master: [u8; 32] = bytes[..].try_into().map_err(|_| {
            AccountError::Keys(format!(
                "{}: {} bytes, expected 32",
                path.display(),
                bytes.len()
            ))
        })?;
        Ok(ServerKeys::from_bytes(master))
    }

    /// Reads `DIR/keys/idp.key`, making it first if it is missing (written
    /// to a temporary file with mode 0600 and renamed into place, so a
    /// crash never leaves half a key; two processes racing keep the first).
    pub fn load_or_create(dir: &Path) -> Result<ServerKeys, AccountError> {
        let path = ServerKeys::path(dir);
        if path.exists() {
            return ServerKeys::load(dir);
        }
        let keys = ServerKeys::random()?;
        let parent = path.parent().unwrap_or(dir);
        std::fs::create_dir_all(parent)
            .map_err(|e| AccountError::Keys(format!("{}: {e}", parent.display())))?;
        let tmp = parent.join(format!(".idp.key.{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp)?;
            file.write_all(&keys.master[..])?;
            file.sync_all()?;
            // hard_link fails if the key appeared meanwhile: keep that one.
            match std::fs::hard_link(&tmp, &path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
                Err(e) => Err(e),
            }
        };
        let result = write();
        let _ = std::fs::remove_file(&tmp);
        result.map_err(|e| AccountError::Keys(format!("{}: {e}", path.display())))?;
        ServerKeys::load(dir)
    }

    fn derive(&self, label: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(gost::mac::hmac_streebog256(
            &self.master[..],
            &[label.as_bytes()],
        ))
    }

    /// The action journal's chain key.
    pub fn journal_key(&self) -> JournalKey {
        JournalKey::new(*self.derive("podpis idp journal v1"))
    }

    /// The AES-256-GCM key sealing TOTP secrets.
    pub(crate) fn seal_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("podpis idp seal v1")
    }

    /// The key of sent codes' hashes.
    pub(crate) fn code_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("podpis idp code v1")
    }

    /// The key of CSRF tokens.
    pub(crate) fn csrf_key(&self) -> Zeroizing<[u8; 32]> {
        self.derive("podpis idp csrf v1")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use pki::Diagnostic;

    #[test]
    fn the_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = ServerKeys::load_or_create(dir.path()).unwrap();
        let b = ServerKeys::load_or_create(dir.path()).unwrap();
        assert_eq!(a.master[..], b.master[..]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(ServerKeys::path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_ne!(a.seal_key()[..], a.code_key()[..]);
        assert_ne!(a.csrf_key()[..], a.code_key()[..]);
        assert_eq!(format!("{a:?}"), "ServerKeys(…)");
        std::fs::write(ServerKeys::path(dir.path()), b"short").unwrap();
        assert_eq!(
            ServerKeys::load(dir.path()).unwrap_err().code(),
            "IDP_KEYS_UNAVAILABLE"
        );
        assert!(ServerKeys::load(&dir.path().join("nowhere")).is_err());
    }
}
