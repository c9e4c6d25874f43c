//! `podpis crl show`: what a certificate revocation list (RFC 5280 §5)
//! says, whether it is current, and whether its CA signed it.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::Result;
use clap::{Args, Subcommand};
use pki::Diagnostic;
use pki::cert::parse_certificate;
use pki::crl::{Crl, CrlReason, parse_crl, reason_name};
use pki::name::format_name;
use serde_json::{Value, json};

use crate::files::read_input;
use crate::files::{print, user_error};
use crate::time::{parse_rfc3339, rfc3339};

/// The Russian name of a revocation reason (RFC 5280 §5.3.1), as Russian
/// CAs word them.
pub(crate) fn reason_ru(reason: CrlReason) -> &'static str {
    match reason {
        CrlReason::Unspecified => "причина не указана",
        CrlReason::KeyCompromise => "компрометация ключа",
        CrlReason::CaCompromise => "компрометация ключа УЦ",
        CrlReason::AffiliationChanged => "изменились сведения о владельце",
        CrlReason::Superseded => "сертификат заменён",
        CrlReason::CessationOfOperation => "прекращение деятельности",
        CrlReason::CertificateHold => "действие приостановлено",
        CrlReason::RemoveFromCRL => "исключён из списка отзыва",
        CrlReason::PrivilegeWithdrawn => "полномочия отозваны",
        CrlReason::AaCompromise => "компрометация ключа центра атрибутов",
    }
}

/// `podpis crl …`
#[derive(Debug, Args)]
#[command(about = "Списки отзыва (CRL) / Certificate revocation lists (CRL)")]
pub(crate) struct CrlArgs {
    #[command(subcommand)]
    command: CrlCommand,
}

#[derive(Debug, Subcommand)]
enum CrlCommand {
    Show(ShowArgs),
}

#[derive(Debug, Args)]
#[command(
    about = "Показать список отзыва / Show a CRL",
    long_about = "\
Печатает список отзыва (CRL, PEM или DER): издателя, номер, даты выпуска и следующего \
обновления, актуальность на момент --at (по умолчанию сейчас) и отозванные сертификаты с датой и \
причиной. С --issuer проверяет подпись CRL сертификатом УЦ; если подпись неверна, код выхода 1.

Prints a certificate revocation list (PEM or DER): issuer, cRLNumber, thisUpdate and nextUpdate, \
whether it is current at --at (default: now) — fresh, stale (nextUpdate passed or absent) or not \
yet valid — and every revoked certificate with its serial number, revocation date and reason (the \
RFC 5280 name and the Russian one). With --issuer, also checks the CRL's issuer name and signature \
against the CA certificate; a failed check prints the result and exits with status 1. A stale CRL \
is reported, not an error.",
    after_help = "\
Examples / Примеры:
  podpis crl show ca.crl
  podpis crl show ca.crl --issuer ca.pem
  podpis crl show --json --at 2026-01-31T12:00:00Z ca.crl

Exit status / Код выхода: 0 shown (and the signature verified, with --issuer); 1 error or a bad signature."
)]
struct ShowArgs {
    /// CRL, PEM or DER; `-` for standard input / список отзыва
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of text / вывести JSON
    #[arg(long)]
    json: bool,
    /// CA certificate to check the signature with / сертификат УЦ для проверки подписи
    #[arg(long, value_name = "CA.pem")]
    issuer: Option<PathBuf>,
    /// Time to judge freshness at, RFC 3339 (default: now) / момент проверки актуальности
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
}

pub(crate) fn run(args: &CrlArgs) -> Result<()> {
    match &args.command {
        CrlCommand::Show(a) => show(a),
    }
}

/// Where `at` falls in the CRL's validity.
fn freshness(crl: &Crl, at: SystemTime) -> &'static str {
    if crl.is_fresh(at) {
        "fresh"
    } else if crl.is_stale(at) {
        "stale"
    } else {
        "not_yet_valid"
    }
}

fn freshness_text(state: &str) -> &'static str {
    match state {
        "fresh" => "актуален / fresh",
        "stale" => "устарел / stale (nextUpdate passed or absent)",
        _ => "ещё не действует / not yet valid (thisUpdate is later)",
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn show(args: &ShowArgs) -> Result<()> {
    let data = read_input(&args.file)?;
    let crl = parse_crl(&data).map_err(|e| user_error(&e))?;
    let at = match &args.at {
        Some(t) => parse_rfc3339(t)?,
        None => SystemTime::now(),
    };
    let signature = match &args.issuer {
        None => None,
        Some(path) => {
            let ca = parse_certificate(&read_input(path)?).map_err(|e| user_error(&e))?;
            Some(crl.verify_signature(&ca))
        }
    };
    let state = freshness(&crl, at);

    if args.json {
        let entries: Vec<Value> = crl
            .entries()
            .iter()
            .map(|e| {
                let reason = e.reason_or_unspecified();
                json!({
                    "serial": hex(e.serial.as_bytes()),
                    "revocation_date": rfc3339(e.revocation_date),
                    "reason": reason_name(reason),
                    "reason_ru": reason_ru(reason),
                    "invalidity_date": e.invalidity_date.map(rfc3339),
                })
            })
            .collect();
        let sig = signature.as_ref().map(|r| match r {
            Ok(()) => json!({"valid": true}),
            Err(e) => json!({
                "valid": false,
                "code": e.code(),
                "message_ru": e.message_ru(),
                "message_en": e.message_en(),
            }),
        });
        let report = json!({
            "version": crl.version(),
            "issuer": format_name(crl.issuer()),
            "number": crl.number_hex(),
            "authority_key_id": crl.authority_key_id().map(hex),
            "this_update": rfc3339(crl.this_update()),
            "next_update": crl.next_update().map(rfc3339),
            "at": rfc3339(at),
            "freshness": state,
            "unsupported_critical_extensions": crl
                .unsupported_critical_extensions()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            "entries": entries,
            "signature": sig,
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        let mut s = String::new();
        let mut line = |label: &str, value: &str| {
            s.push_str(&format!("{label:<34}{value}\n"));
        };
        line("Издатель / issuer:", &format_name(crl.issuer()));
        line("Версия / version:", &crl.version().to_string());
        line(
            "Номер / number:",
            crl.number_hex().as_deref().unwrap_or("—"),
        );
        if let Some(aki) = crl.authority_key_id() {
            line("Ключ УЦ / authority key id:", &hex(aki));
        }
        line("Выпущен / this update:", &rfc3339(crl.this_update()));
        line(
            "Следующий / next update:",
            &crl.next_update().map(rfc3339).unwrap_or_else(|| "—".into()),
        );
        line(&format!("На / at {}:", rfc3339(at)), freshness_text(state));
        for oid in crl.unsupported_critical_extensions() {
            line(
                "Неизвестное критическое / unknown critical:",
                &format!("{oid} (CRL нельзя использовать / unusable for revocation checks)"),
            );
        }
        match &signature {
            None => {}
            Some(Ok(())) => line("Подпись / signature:", "верна / valid"),
            Some(Err(e)) => line(
                "Подпись / signature:",
                &format!("НЕВЕРНА / INVALID [{}]", e.code()),
            ),
        }
        line("Отозвано / revoked:", &crl.entries().len().to_string());
        for e in crl.entries() {
            let reason = e.reason_or_unspecified();
            s.push_str(&format!(
                "  {}  {}  {} ({})",
                hex(e.serial.as_bytes()),
                rfc3339(e.revocation_date),
                reason_name(reason),
                reason_ru(reason)
            ));
            if let Some(d) = e.invalidity_date {
                s.push_str(&format!(
                    ", скомпрометирован с / invalid since {}",
                    rfc3339(d)
                ));
            }
            s.push('\n');
        }
        print(&s)?;
    }
    match signature {
        Some(Err(e)) => Err(user_error(&e)),
        _ => Ok(()),
    }
}
