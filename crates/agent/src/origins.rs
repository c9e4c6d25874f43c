//! The persistent allow-list of web origins that may call the agent.
//!
//! One JSON file (`{"origins": [{"origin": …, "approved_at": …}]}`),
//! replaced atomically (a temporary file in the same directory, synced,
//! then renamed), mode 0600. It is read again at every check, so a
//! `podpis agent origins revoke` in another process takes effect at once.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::AgentError;

/// One allowed origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedOrigin {
    /// `scheme://host[:port]`, lower case.
    pub origin: String,
    /// When the user approved it, Unix seconds.
    pub approved_at: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct OriginsFile {
    origins: Vec<AllowedOrigin>,
}

/// The allow-list file.
#[derive(Debug)]
pub struct OriginStore {
    path: PathBuf,
    write: Mutex<()>,
}

/// Checks and normalises a web origin: `http` or `https`, a host, an
/// optional port, nothing else (no path, user, query); lower case.
pub fn normalize_origin(origin: &str) -> Result<String, AgentError> {
    const BAD: AgentError = AgentError::BadRequest("not a web origin (scheme://host[:port])");
    let lower = origin.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://").ok_or(BAD)?;
    if scheme != "http" && scheme != "https" {
        return Err(BAD);
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty()
        || !rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
    {
        return Err(BAD);
    }
    Ok(format!("{scheme}://{rest}"))
}

impl OriginStore {
    /// The allow-list in `path` (created on the first approval).
    pub fn new(path: impl Into<PathBuf>) -> OriginStore {
        OriginStore {
            path: path.into(),
            write: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<OriginsFile, AgentError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| AgentError::OriginsFile(format!("{}: {e}", self.path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(OriginsFile::default()),
            Err(e) => Err(AgentError::OriginsFile(format!(
                "{}: {e}",
                self.path.display()
            ))),
        }
    }

    fn write_file(&self, file: &OriginsFile) -> Result<(), AgentError> {
        let err =
            |e: std::io::Error| AgentError::OriginsFile(format!("{}: {e}", self.path.display()));
        let dir = self
            .path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let json =
            serde_json::to_vec_pretty(file).map_err(|e| AgentError::OriginsFile(e.to_string()))?;
        let tmp = dir.join(format!(
            ".{}.{}.tmp",
            self.path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(&tmp).map_err(err)?;
        f.write_all(&json).map_err(err)?;
        f.write_all(b"\n").map_err(err)?;
        f.sync_all().map_err(err)?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        // The rename itself is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Every allowed origin, in approval order.
    pub fn list(&self) -> Result<Vec<AllowedOrigin>, AgentError> {
        Ok(self.read()?.origins)
    }

    /// Whether `origin` (as the browser sent it) is allowed.
    pub fn contains(&self, origin: &str) -> Result<bool, AgentError> {
        let Ok(origin) = normalize_origin(origin) else {
            return Ok(false);
        };
        Ok(self.read()?.origins.iter().any(|o| o.origin == origin))
    }

    /// Adds `origin` (approved at `now`, Unix seconds); returns the
    /// normalised origin. Adding an allowed origin again changes nothing.
    pub fn allow(&self, origin: &str, now: u64) -> Result<String, AgentError> {
        let origin = normalize_origin(origin)?;
        let _guard = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = self.read()?;
        if !file.origins.iter().any(|o| o.origin == origin) {
            file.origins.push(AllowedOrigin {
                origin: origin.clone(),
                approved_at: now,
            });
            self.write_file(&file)?;
        }
        Ok(origin)
    }

    /// Removes `origin`; whether it was there.
    pub fn revoke(&self, origin: &str) -> Result<bool, AgentError> {
        let Ok(origin) = normalize_origin(origin) else {
            return Ok(false);
        };
        let _guard = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let mut file = self.read()?;
        let before = file.origins.len();
        file.origins.retain(|o| o.origin != origin);
        if file.origins.len() == before {
            return Ok(false);
        }
        self.write_file(&file)?;
        Ok(true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalised_and_checked() {
        assert_eq!(
            normalize_origin("HTTPS://Portal.Example:8443/").unwrap(),
            "https://portal.example:8443"
        );
        assert_eq!(
            normalize_origin("http://[::1]:8080").unwrap(),
            "http://[::1]:8080"
        );
        for bad in [
            "null",
            "file:///etc",
            "https://a/b",
            "https://user@a",
            "ftp://a",
            "https://",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn allow_list_persists_and_revokes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/origins.json");
        let store = OriginStore::new(&path);
        assert!(!store.contains("https://a.example").unwrap());
        store.allow("https://A.example", 10).unwrap();
        store.allow("https://a.example", 20).unwrap();
        store.allow("http://b.example:81", 30).unwrap();
        // Another process (a new store over the same file) sees it.
        let other = OriginStore::new(&path);
        assert!(other.contains("https://a.example").unwrap());
        assert!(!other.contains("https://a.example:444").unwrap());
        assert_eq!(other.list().unwrap()[0].approved_at, 10);
        assert_eq!(other.list().unwrap().len(), 2);
        assert!(other.revoke("https://a.example").unwrap());
        assert!(!other.revoke("https://a.example").unwrap());
        assert!(!store.contains("https://a.example").unwrap());
        assert!(store.contains("http://b.example:81").unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
        // A damaged file is an error, not an empty list.
        std::fs::write(&path, b"{").unwrap();
        assert_eq!(
            pki::Diagnostic::code(&store.contains("http://b.example:81").unwrap_err()),
            "AGENT_ORIGINS_FILE"
        );
    }
}
