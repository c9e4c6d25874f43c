//! Which containers the module shows as tokens: one slot per container.
//!
//! The module is loaded into someone else's process (a browser, `pkcs11-tool`,
//! OpenSSL), so unlike podpis's other library crates it reads its own
//! configuration, once, in `C_Initialize`:
//!
//! 1. `PODPIS_TOKEN_PATH`: container paths separated by `:` (empty entries
//!    are skipped), one slot each, in that order;
//! 2. otherwise the TOML file named by `PODPIS_PKCS11_CONFIG`;
//! 3. otherwise `$XDG_CONFIG_HOME/podpis/pkcs11.toml`, falling back to
//!    `~/.config/podpis/pkcs11.toml`; if that file does not exist, there are
//!    no slots.
//!
//! The file lists tokens as an array of tables; a relative `path` is taken
//! from the file's directory, `label` (the token label, at most 32 octets
//! shown) defaults to the file name without its extension:
//!
//! ```toml
//! [[token]]
//! path = "/home/ivanov/keys/ivanov.podpis"
//! label = "Иванов И. И."
//!
//! [[token]]
//! path = "work.podpis"
//! ```

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use pki::Diagnostic;

/// The environment variable with `:`-separated container paths.
pub const TOKEN_PATH_ENV: &str = "PODPIS_TOKEN_PATH";
/// The environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "PODPIS_PKCS11_CONFIG";

/// One container shown as a token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// The container file.
    pub path: PathBuf,
    /// The token label; the file stem when absent.
    pub label: Option<String>,
}

impl TokenConfig {
    /// The label shown in `CK_TOKEN_INFO`.
    pub fn label(&self) -> String {
        match &self.label {
            Some(label) => label.clone(),
            None => self
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    token: Vec<TokenConfig>,
}

/// Why the configuration file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file named by `PODPIS_PKCS11_CONFIG` (or the default one, which
    /// exists) cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{path} is not a valid podpis PKCS#11 configuration: {source}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the TOML parser said.
        source: toml::de::Error,
    },
}

impl Diagnostic for ConfigError {
    fn code(&self) -> &'static str {
        match self {
            ConfigError::Unreadable { .. } => "PKCS11_CONFIG_UNREADABLE",
            ConfigError::Invalid { .. } => "PKCS11_CONFIG_INVALID",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            ConfigError::Unreadable { path, source } => format!(
                "Модуль PKCS#11 podpis не может прочитать файл настроек {}: {source}. \
                 Проверьте путь в {CONFIG_ENV} и права на файл.",
                path.display()
            ),
            ConfigError::Invalid { path, source } => format!(
                "Файл настроек модуля PKCS#11 podpis {} содержит ошибку: {source}. \
                 Ожидается список [[token]] с полями path и label (см. docs/pkcs11.md).",
                path.display()
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ConfigError::Unreadable { path, source } => format!(
                "The podpis PKCS#11 module cannot read its configuration {}: {source}. \
                 Check the path in {CONFIG_ENV} and the file's permissions.",
                path.display()
            ),
            ConfigError::Invalid { path, source } => format!(
                "The podpis PKCS#11 configuration {} is invalid: {source}. \
                 Expected [[token]] tables with `path` and optional `label` (see docs/pkcs11.md).",
                path.display()
            ),
        }
    }
}

/// The tokens named by a `PODPIS_TOKEN_PATH` value.
pub fn from_token_path(value: &OsStr) -> Vec<TokenConfig> {
    std::env::split_paths(value)
        .filter(|p| !p.as_os_str().is_empty())
        .map(|path| TokenConfig { path, label: None })
        .collect()
}

/// Parses a configuration file's text; relative paths are resolved against
/// `dir`.
pub fn parse(text: &str, file: &Path) -> Result<Vec<TokenConfig>, ConfigError> {
    let parsed: File = toml::from_str(text).map_err(|source| ConfigError::Invalid {
        path: file.to_owned(),
        source,
    })?;
    let dir = file.parent().unwrap_or(Path::new(""));
    Ok(parsed
        .token
        .into_iter()
        .map(|t| TokenConfig {
            path: dir.join(t.path),
            label: t.label,
        })
        .collect())
}

/// The tokens configured for this process (see the module documentation
/// for the order of sources).
pub fn from_environment() -> Result<Vec<TokenConfig>, ConfigError> {
    if let Some(value) = std::env::var_os(TOKEN_PATH_ENV).filter(|v| !v.is_empty()) {
        return Ok(from_token_path(&value));
    }
    let (file, required) = match std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        Some(file) => (PathBuf::from(file), true),
        None => match default_file() {
            Some(file) => (file, false),
            None => return Ok(Vec::new()),
        },
    };
    match std::fs::read_to_string(&file) {
        Ok(text) => parse(&text, &file),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(source) => Err(ConfigError::Unreadable { path: file, source }),
    }
}

fn default_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))?;
    Some(base.join("podpis").join("pkcs11.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_path_splits_on_colons_and_skips_empty_entries() {
        let tokens = from_token_path(OsStr::new("/a/one.podpis::/b/two.podpis:"));
        let paths: Vec<_> = tokens.iter().map(|t| t.path.clone()).collect();
        assert_eq!(
            paths,
            [
                PathBuf::from("/a/one.podpis"),
                PathBuf::from("/b/two.podpis")
            ]
        );
        assert_eq!(tokens[0].label(), "one");
    }

    #[test]
    fn file_lists_tokens_with_optional_labels_relative_to_the_file() {
        let text = "[[token]]\npath = \"/k/ivanov.podpis\"\nlabel = \"Иванов\"\n\n\
                    [[token]]\npath = \"work.podpis\"\n";
        let tokens = parse(text, Path::new("/etc/podpis/pkcs11.toml")).unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].label(), "Иванов");
        assert_eq!(tokens[1].path, Path::new("/etc/podpis/work.podpis"));
        assert_eq!(tokens[1].label(), "work");
        assert!(parse("", Path::new("x.toml")).unwrap().is_empty());
    }

    #[test]
    fn bad_files_are_reported_with_a_code() {
        for text in [
            "[[token]]\nlabel = \"no path\"\n",
            "[[token]]\npath = 1\n",
            "[[token]]\npath = \"a\"\nunknown = true\n",
            "tokens = [\"typo\"]\n",
            "not toml",
        ] {
            let e = parse(text, Path::new("c.toml")).unwrap_err();
            assert_eq!(e.code(), "PKCS11_CONFIG_INVALID", "{text}");
            assert!(e.message_en().contains("c.toml"));
        }
    }
}
