//! Where the agent's keys live: podpis file containers and PKCS#11 tokens.
//! Listing reads only public parts (certificates); signing opens the key
//! with the PIN the user typed on the consent page, through [`pki::Signer`].

use std::path::PathBuf;
use std::sync::Arc;

use pki::cert::CertificateInfo;
use pki::{Diagnostic, Signer};
use serde::Serialize;
use token::container::{Container, ContainerError};
use token::pkcs11::{KeySelector, ObjectKind, Pkcs11Error, Pkcs11Module, TokenSelector};
use x509_cert::Certificate;

use crate::AgentError;

/// One place keys are kept.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A podpis key container file.
    Container(PathBuf),
    /// Every token of a loaded PKCS#11 module.
    Pkcs11 {
        /// The module's path (shown to the user).
        path: PathBuf,
        /// The loaded module.
        module: Arc<Pkcs11Module>,
    },
}

/// Where one certificate's key lives (shown, never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Location {
    /// In a podpis container file.
    #[serde(rename_all = "camelCase")]
    Container {
        /// The file.
        path: String,
        /// The key's id in the container.
        key_id: String,
    },
    /// On a PKCS#11 token.
    #[serde(rename_all = "camelCase")]
    Pkcs11 {
        /// The module.
        module: String,
        /// The token's slot.
        slot: u64,
        /// The token's label.
        token_label: String,
        /// The token's serial number.
        token_serial: String,
        /// `CKA_ID` of the key, hex.
        key_id: String,
    },
}

impl Location {
    /// A one-line description for the consent page.
    pub fn describe(&self) -> String {
        match self {
            Location::Container { path, key_id } => format!("{path} ({key_id})"),
            Location::Pkcs11 {
                module,
                token_label,
                token_serial,
                key_id,
                ..
            } => format!("PKCS#11 {module}: {token_label} #{token_serial} ({key_id})"),
        }
    }
}

/// A certificate whose key the agent can use.
#[derive(Debug, Clone)]
pub struct CertEntry {
    /// The certificate's id in the API: its Streebog-256 fingerprint, hex.
    pub id: String,
    /// The certificate.
    pub certificate: Certificate,
    /// Its DER.
    pub der: Vec<u8>,
    /// Where its key is.
    pub location: Location,
    source: usize,
}

/// What `listCertificates` tells about a certificate: public facts only.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertSummary {
    /// The id to pass to `sign`.
    pub id: String,
    /// The subject's common name.
    pub name: Option<String>,
    /// The subject, RFC 4514 with short labels.
    pub subject: String,
    /// The issuer.
    pub issuer: String,
    /// The issuer's common name.
    pub issuer_name: Option<String>,
    /// The serial number, hex.
    pub serial: String,
    /// notBefore, RFC 3339.
    pub not_before: String,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// SNILS digits.
    pub snils: Option<String>,
    /// A person's INN.
    pub inn: Option<String>,
    /// A legal entity's INN.
    pub innle: Option<String>,
    /// OGRN.
    pub ogrn: Option<String>,
    /// OGRNIP.
    pub ogrnip: Option<String>,
    /// Whether the certificate meets the qualified profile.
    pub qualified: bool,
    /// Where the key lives.
    pub location: Location,
    /// The certificate itself, base64 DER (public).
    pub certificate: String,
}

impl CertEntry {
    /// The public summary.
    pub fn summary(&self) -> CertSummary {
        use base64::Engine;
        let info = CertificateInfo::new(&self.certificate, pki::cert::Lang::Ru);
        let who = &info.subject_identity;
        let digits = |v: serde_json::Value| v.as_str().map(str::to_owned);
        let ids = serde_json::to_value(who).unwrap_or_default();
        CertSummary {
            id: self.id.clone(),
            name: who.common_name.clone(),
            subject: info.subject.clone(),
            issuer: info.issuer.clone(),
            issuer_name: info.issuer_identity.common_name.clone(),
            serial: info.serial.clone(),
            not_before: info.not_before.clone(),
            not_after: info.not_after.clone(),
            snils: digits(ids["snils"].clone()),
            inn: digits(ids["inn"].clone()),
            innle: digits(ids["innle"].clone()),
            ogrn: digits(ids["ogrn"].clone()),
            ogrnip: digits(ids["ogrnip"].clone()),
            qualified: info.profile.is_qualified(),
            location: self.location.clone(),
            certificate: base64::engine::general_purpose::STANDARD.encode(&self.der),
        }
    }
}

/// The agent's key sources.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    sources: Vec<KeySource>,
}

fn container_error(e: ContainerError) -> AgentError {
    match e {
        ContainerError::PinIncorrect { tries_left } => AgentError::PinIncorrect {
            tries_left: Some(tries_left),
        },
        ContainerError::PinLocked => AgentError::PinLocked,
        other => AgentError::SignFailed {
            cause: other.code(),
        },
    }
}

fn pkcs11_error(e: Pkcs11Error) -> AgentError {
    match e {
        Pkcs11Error::PinIncorrect { final_try } => AgentError::PinIncorrect {
            tries_left: final_try.then_some(1),
        },
        Pkcs11Error::PinLocked => AgentError::PinLocked,
        other => AgentError::SignFailed {
            cause: other.code(),
        },
    }
}

fn entry(der: Vec<u8>, location: Location, source: usize) -> Option<CertEntry> {
    let certificate = pki::cert::parse_certificate(&der).ok()?;
    let id = pki::cert::fingerprint_streebog256(&certificate)
        .ok()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(CertEntry {
        id,
        certificate,
        der,
        location,
        source,
    })
}

impl Keys {
    /// Keys from these sources.
    pub fn new(sources: Vec<KeySource>) -> Keys {
        Keys { sources }
    }

    /// Every certificate with a key, read afresh (a token plugged in later
    /// shows up). A source that cannot be read is skipped and logged.
    pub fn list(&self) -> Vec<CertEntry> {
        let mut out = Vec::new();
        for (i, source) in self.sources.iter().enumerate() {
            match source {
                KeySource::Container(path) => {
                    let keys = Container::open(path).and_then(|c| c.keys());
                    match keys {
                        Ok(keys) => out.extend(keys.into_iter().filter_map(|k| {
                            let location = Location::Container {
                                path: path.display().to_string(),
                                key_id: k.id.clone(),
                            };
                            entry(k.certificate?, location, i)
                        })),
                        Err(e) => {
                            tracing::warn!(path = %path.display(), code = e.code(), "container unreadable");
                        }
                    }
                }
                KeySource::Pkcs11 { path, module } => {
                    let tokens = match module.tokens() {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::warn!(path = %path.display(), code = e.code(), "PKCS#11 tokens unreadable");
                            continue;
                        }
                    };
                    for t in tokens {
                        let Ok(objects) = module.objects(&TokenSelector::Slot(t.slot)) else {
                            continue;
                        };
                        for o in objects {
                            if o.kind != ObjectKind::Certificate {
                                continue;
                            }
                            let Some((_, der)) = o.certificate else {
                                continue;
                            };
                            let location = Location::Pkcs11 {
                                module: path.display().to_string(),
                                slot: t.slot,
                                token_label: t.label.clone(),
                                token_serial: t.serial.clone(),
                                key_id: o.id.iter().map(|b| format!("{b:02x}")).collect(),
                            };
                            out.extend(entry(der, location, i));
                        }
                    }
                }
            }
        }
        out
    }

    /// The certificate with this id.
    pub fn find(&self, id: &str) -> Option<CertEntry> {
        let id = id.to_ascii_lowercase();
        self.list().into_iter().find(|e| e.id == id)
    }

    /// Opens the key of `entry` with `pin` (one PIN check, counted by the
    /// key holder). Blocking: the container's KDF takes a while.
    pub fn signer(&self, entry: &CertEntry, pin: &str) -> Result<Box<dyn Signer>, AgentError> {
        let source = self
            .sources
            .get(entry.source)
            .ok_or(AgentError::CertNotFound)?;
        match (source, &entry.location) {
            (KeySource::Container(path), Location::Container { key_id, .. }) => {
                let session = Container::open(path)
                    .and_then(|c| c.login(pin))
                    .map_err(container_error)?;
                let signer = session.signer(key_id).map_err(container_error)?;
                Ok(Box::new(signer))
            }
            (KeySource::Pkcs11 { module, .. }, Location::Pkcs11 { slot, key_id, .. }) => {
                let id = (0..key_id.len())
                    .step_by(2)
                    .filter_map(|i| u8::from_str_radix(key_id.get(i..i + 2)?, 16).ok())
                    .collect();
                let login = module
                    .login(&TokenSelector::Slot(*slot), pin)
                    .map_err(pkcs11_error)?;
                let signer = login
                    .gost_signer(&KeySelector::Id(id), Some(&entry.der))
                    .map_err(pkcs11_error)?;
                Ok(Box::new(signer))
            }
            _ => Err(AgentError::CertNotFound),
        }
    }
}
