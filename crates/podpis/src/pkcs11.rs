//! Keys on PKCS#11 tokens for `podpis sign --pkcs11` and
//! `podpis token list --pkcs11` (`token::pkcs11`).

use std::path::Path;

use anyhow::{Result, bail};
use clap::Args;
use pki::Signer;
use token::pkcs11::{KeySelector, ObjectKind, Pkcs11Module, TokenSelector};
use x509_cert::Certificate;

use crate::files::{print, user_error};
use crate::pin;

/// Which token of a module: `--slot` or `--token-label`, else the only one.
#[derive(Debug, Args)]
pub(crate) struct TokenChoice {
    /// Slot of the token (`podpis token list --pkcs11`) / слот токена
    #[arg(
        long,
        value_name = "N",
        requires = "pkcs11",
        conflicts_with = "token_label"
    )]
    slot: Option<u64>,
    /// Label of the token / метка токена
    #[arg(long, value_name = "LABEL", requires = "pkcs11")]
    token_label: Option<String>,
}

impl TokenChoice {
    fn selector(&self) -> TokenSelector {
        match (&self.slot, &self.token_label) {
            (Some(slot), _) => TokenSelector::Slot(*slot),
            (None, Some(label)) => TokenSelector::Label(label.clone()),
            (None, None) => TokenSelector::Only,
        }
    }
}

/// Which key: `--key-id HEX` or `--key-label LABEL`.
#[derive(Debug, Args)]
pub(crate) struct KeyChoice {
    /// CKA_ID of the key, hex / идентификатор ключа на токене (hex)
    #[arg(
        long,
        value_name = "HEX",
        requires = "pkcs11",
        conflicts_with = "key_label"
    )]
    key_id: Option<String>,
    /// CKA_LABEL of the key / метка ключа на токене
    #[arg(long, value_name = "LABEL", requires = "pkcs11")]
    key_label: Option<String>,
}

impl KeyChoice {
    fn selector(&self) -> Result<KeySelector> {
        match (&self.key_id, &self.key_label) {
            (Some(id), _) => Ok(KeySelector::Id(parse_hex(id)?)),
            (None, Some(label)) => Ok(KeySelector::Label(label.clone())),
            (None, None) => bail!(
                "с --pkcs11 укажите --key-id или --key-label / with --pkcs11 pass --key-id or --key-label"
            ),
        }
    }
}

fn parse_hex(s: &str) -> Result<Vec<u8>> {
    let s = s.trim();
    if s.is_empty() || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--key-id: ожидается шестнадцатеричная строка / expected hex octets, got {s:?}");
    }
    Ok((0..s.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect())
}

fn load(module: &Path) -> Result<Pkcs11Module> {
    Pkcs11Module::load(module).map_err(|e| user_error(&e))
}

/// The signer for `podpis sign --pkcs11` and its certificate: `--cert`, else
/// the token's certificate with the key's CKA_ID.
pub(crate) fn signer(
    module: &Path,
    token: &TokenChoice,
    key: &KeyChoice,
    pin_file: Option<&Path>,
    cert: Option<Certificate>,
) -> Result<(Box<dyn Signer>, Certificate)> {
    let key = key.selector()?;
    let module = load(module)?;
    let pin = pin::read(crate::token::user_pin(pin_file))?;
    let login = module
        .login(&token.selector(), &pin)
        .map_err(|e| user_error(&e))?;
    let cert_der = cert.as_ref().map(der::Encode::to_der).transpose()?;
    let signer = login
        .gost_signer(&key, cert_der.as_deref())
        .map_err(|e| user_error(&e))?;
    let cert = match cert {
        Some(cert) => cert,
        None => {
            let Some(der) = signer.certificate() else {
                bail!(
                    "на токене нет сертификата ключа {key}: укажите --cert / the token holds no \
                     certificate for key {key}: pass --cert"
                );
            };
            pki::cert::parse_certificate(der).map_err(|e| user_error(&e))?
        }
    };
    Ok((Box::new(signer), cert))
}

/// `podpis token list --pkcs11`: the tokens and their public objects.
pub(crate) fn list(module: &Path, token: &TokenChoice, json: bool) -> Result<()> {
    let module = load(module)?;
    let tokens = module.tokens().map_err(|e| user_error(&e))?;
    let chosen = token.selector();
    let mut out = Vec::new();
    for t in &tokens {
        let wanted = match &chosen {
            TokenSelector::Only => true,
            TokenSelector::Slot(s) => *s == t.slot,
            TokenSelector::Label(l) => *l == t.label,
        };
        if !wanted {
            continue;
        }
        let objects = module
            .objects(&TokenSelector::Slot(t.slot))
            .map_err(|e| user_error(&e))?;
        out.push((t, objects));
    }
    if out.is_empty() && chosen != TokenSelector::Only {
        bail!("нет такого токена / no such token");
    }
    if json {
        let array: Vec<serde_json::Value> = out
            .iter()
            .map(|(t, objects)| {
                serde_json::json!({
                    "slot": t.slot,
                    "label": t.label,
                    "manufacturer": t.manufacturer,
                    "model": t.model,
                    "serial": t.serial,
                    "pin_locked": t.pin_locked,
                    "pin_count_low": t.pin_count_low,
                    "objects": objects.iter().map(|o| serde_json::json!({
                        "kind": kind_name(o.kind),
                        "id": hex(&o.id),
                        "label": o.label,
                        "key_type": o.key_type,
                        "subject": o.certificate.as_ref().map(|c| &c.0),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return print(&format!("{}\n", serde_json::to_string_pretty(&array)?));
    }
    let mut text = String::new();
    if out.is_empty() {
        text.push_str("Токенов нет / No tokens\n");
    }
    for (t, objects) in &out {
        text.push_str(&format!(
            "slot {}: {} ({} {}, serial {}){}\n",
            t.slot,
            t.label,
            t.manufacturer,
            t.model,
            t.serial,
            if t.pin_locked {
                "  PIN locked"
            } else if t.pin_count_low {
                "  PIN count low"
            } else {
                ""
            }
        ));
        for o in objects {
            text.push_str(&format!(
                "    {:<11} id {}  {}{}\n",
                kind_name(o.kind),
                hex(&o.id),
                if o.label.is_empty() { "-" } else { &o.label },
                o.key_type
                    .as_ref()
                    .map(|k| format!("  {k}"))
                    .unwrap_or_default(),
            ));
            if let Some((subject, _)) = &o.certificate {
                text.push_str(&format!("        subject: {subject}\n"));
            }
        }
    }
    print(&text)
}

fn kind_name(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::PublicKey => "public-key",
        ObjectKind::PrivateKey => "private-key",
        ObjectKind::Certificate => "certificate",
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
