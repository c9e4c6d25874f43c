//! `podpis ocsp`: an OCSP client (RFC 6960), like `openssl ocsp -issuer
//! … -cert … -url …` with the checks of the answer made strictly: the
//! responder must be the CA, a responder it authorised, or one trusted by
//! the user; the nonce must come back; the answer must be current.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use pki::cert::{ocsp_urls, parse_certificate, parse_certificates};
use pki::crl::{CrlReason, reason_name};
use pki::name::format_name;
use pki::ocsp::{
    self, CertId, CertIdHash, OcspCertStatus, OcspPolicy, RequestBuilder, ResponderKind,
    verify_response,
};
use serde_json::json;

use crate::crl::reason_ru;
use crate::files::{Access, read_input, write_output};
use crate::files::{print, user_error};
use crate::net;
use crate::time::{parse_rfc3339, rfc3339};

/// Exit status for a revoked certificate.
const EXIT_REVOKED: u8 = 2;
/// Exit status for a certificate the responder does not know.
const EXIT_UNKNOWN: u8 = 3;

/// The hash of the CertID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Hash {
    /// SHA-1: what OpenSSL sends and nearly every responder expects.
    Sha1,
    /// GOST R 34.11-2012, 256 bits.
    Streebog256,
    /// GOST R 34.11-2012, 512 bits.
    Streebog512,
}

impl From<Hash> for CertIdHash {
    fn from(h: Hash) -> Self {
        match h {
            Hash::Sha1 => CertIdHash::Sha1,
            Hash::Streebog256 => CertIdHash::Streebog256,
            Hash::Streebog512 => CertIdHash::Streebog512,
        }
    }
}

/// Options of `podpis ocsp`.
#[derive(Debug, Args)]
#[command(
    about = "Статус сертификата по OCSP / Certificate status over OCSP",
    long_about = "\
Спрашивает у службы OCSP (RFC 6960), не отозван ли сертификат: строит запрос с CertID и \
случайным nonce, отправляет его по HTTP (по умолчанию — на адрес OCSP из расширения \
authorityInfoAccess сертификата), проверяет ответ (подписан УЦ, уполномоченной им службой с \
назначением OCSPSigning или службой из --trust-responder; nonce совпадает; ответ актуален) и \
печатает статус: good, revoked (время и причина) или unknown. Статус выражается и кодом выхода.

Asks an OCSP responder (RFC 6960) whether a certificate is revoked: builds a request with the \
CertID and a random nonce, POSTs it over HTTP (by default to the OCSP URL of the certificate's \
authorityInfoAccess extension), checks the answer — signed by the CA, by a responder the CA \
issued with id-kp-OCSPSigning, or by one given with --trust-responder; the nonce comes back \
unchanged; thisUpdate/nextUpdate cover --at (default: now) — and prints the status: good, \
revoked (time and reason) or unknown, with thisUpdate, nextUpdate, producedAt and the responder. \
The status is also the exit status.",
    after_help = "\
Examples / Примеры:
  podpis ocsp --issuer ca.pem --cert user.pem
  podpis ocsp --issuer ca.pem --cert user.pem --url http://ocsp.example.ru/ocsp --json
  podpis ocsp --issuer ca.pem --cert user.pem --hash streebog256 --respout resp.der
  podpis ocsp --issuer ca.pem --cert user.pem --trust-responder ocsp-signer.pem --no-nonce

Exit status / Код выхода:
  0  good / сертификат не отозван
  1  error: no answer, a bad or unauthorised signature, a nonce mismatch, a stale answer /
     ошибка: нет ответа, неверная подпись, чужой nonce, устаревший ответ
  2  revoked / сертификат отозван  (clap also uses 2 for a bad command line)
  3  unknown / служба не знает сертификат"
)]
pub(crate) struct OcspArgs {
    /// The CA certificate that issued --cert / сертификат издателя
    #[arg(long, value_name = "CA.pem")]
    issuer: PathBuf,
    /// The certificate to check / проверяемый сертификат
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// Responder URL (default: from the certificate's AIA) / адрес службы OCSP
    #[arg(long)]
    url: Option<String>,
    /// Hash of the CertID / алгоритм хеширования CertID
    #[arg(long, value_enum, default_value = "sha1")]
    hash: Hash,
    /// Send no nonce (for responders with pre-produced answers) / без nonce
    #[arg(long)]
    no_nonce: bool,
    /// Where to write the response (DER) / куда записать ответ
    #[arg(long, value_name = "FILE")]
    respout: Option<PathBuf>,
    /// Where to write the request (DER) / куда записать запрос
    #[arg(long, value_name = "FILE")]
    reqout: Option<PathBuf>,
    /// Print JSON instead of text / вывести JSON
    #[arg(long)]
    json: bool,
    /// Time to check the answer at, RFC 3339 (default: now) / момент проверки
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// A responder certificate to trust whoever issued it (repeatable) / доверенная служба OCSP
    #[arg(long, value_name = "FILE")]
    trust_responder: Vec<PathBuf>,
    /// Replace existing output files / заменить существующие файлы
    #[arg(long)]
    force: bool,
}

fn read_cert(path: &Path) -> Result<x509_cert::Certificate> {
    parse_certificate(&read_input(path)?).map_err(|e| {
        user_error(&e).context(format!(
            "{}: не сертификат / not a certificate",
            path.display()
        ))
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// Runs the command; the exit status says good (0), revoked (2) or unknown (3).
pub(crate) fn run(args: &OcspArgs) -> Result<u8> {
    let issuer = read_cert(&args.issuer)?;
    let cert = read_cert(&args.cert)?;
    let at = match &args.at {
        Some(t) => parse_rfc3339(t)?,
        None => SystemTime::now(),
    };
    let mut trusted = Vec::new();
    for path in &args.trust_responder {
        trusted.extend(parse_certificates(&read_input(path)?).map_err(|e| {
            user_error(&e).context(format!(
                "{}: не сертификат / not a certificate",
                path.display()
            ))
        })?);
    }
    let url = match &args.url {
        Some(u) => u.clone(),
        None => match ocsp_urls(&cert)
            .into_iter()
            .find(|u| u.starts_with("http://") || u.starts_with("https://"))
        {
            Some(u) => u,
            None => bail!(
                "в сертификате {0} нет адреса OCSP (authorityInfoAccess); укажите --url / \
                 {0} names no OCSP responder (authorityInfoAccess); give --url",
                args.cert.display()
            ),
        },
    };

    let id =
        CertId::for_certificate(&issuer, &cert, args.hash.into()).map_err(|e| user_error(&e))?;
    let mut builder = RequestBuilder::new().cert_id(id);
    if !args.no_nonce {
        builder = builder.random_nonce().map_err(|e| user_error(&e))?;
    }
    let nonce = builder.nonce_value().map(<[u8]>::to_vec);
    let request = builder.build_der().map_err(|e| user_error(&e))?;
    if let Some(path) = &args.reqout {
        write_output(path, &request, Access::Public, args.force)?;
    }
    let response = net::post(
        &url,
        ocsp::CONTENT_TYPE_REQUEST,
        &request,
        ocsp::CONTENT_TYPE_RESPONSE,
    )?;
    if let Some(path) = &args.respout {
        write_output(path, &response, Access::Public, args.force)?;
    }
    let policy = OcspPolicy {
        trusted_responders: trusted,
        ..OcspPolicy::default()
    };
    let serial = cert.tbs_certificate().serial_number();
    let status = verify_response(&response, &issuer, serial, nonce.as_deref(), at, &policy)
        .map_err(|e| user_error(&e))
        .with_context(|| format!("{url}: ответ OCSP отвергнут / the OCSP answer is refused"))?;

    let (word, word_ru, code) = match status.status {
        OcspCertStatus::Good => ("good", "действителен", 0),
        OcspCertStatus::Revoked { .. } => ("revoked", "отозван", EXIT_REVOKED),
        OcspCertStatus::Unknown => ("unknown", "неизвестен службе", EXIT_UNKNOWN),
    };
    let (revoked_at, reason) = match status.status {
        // No reason given is "unspecified" (RFC 5280 §5.3.1).
        OcspCertStatus::Revoked { time, reason } => {
            (Some(time), Some(reason.unwrap_or(CrlReason::Unspecified)))
        }
        _ => (None, None),
    };
    let kind = match status.responder_kind {
        ResponderKind::Issuer => ("issuer", "сам УЦ"),
        ResponderKind::Delegated => ("delegated", "служба, уполномоченная УЦ"),
        ResponderKind::Trusted => ("trusted", "доверенная служба (--trust-responder)"),
    };
    let responder = format_name(status.responder.tbs_certificate().subject());

    if args.json {
        let report = json!({
            "status": word,
            "revocation_time": revoked_at.map(rfc3339),
            "reason": reason.map(reason_name),
            "reason_ru": reason.map(reason_ru),
            "this_update": rfc3339(status.this_update),
            "next_update": status.next_update.map(rfc3339),
            "produced_at": rfc3339(status.produced_at),
            "responder": responder,
            "responder_kind": kind.0,
            "url": url,
            "serial": hex(serial.as_bytes()),
            "hash": args.hash.to_possible_value().map(|v| v.get_name().to_owned()),
            "nonce": nonce.as_deref().map(hex),
            "at": rfc3339(at),
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        let mut s = String::new();
        let mut line = |label: &str, value: &str| {
            s.push_str(&format!("{label:<30}{value}\n"));
        };
        line("Статус / status:", &format!("{word} ({word_ru})"));
        if let (Some(t), Some(r)) = (revoked_at, reason) {
            line("Отозван / revoked at:", &rfc3339(t));
            line(
                "Причина / reason:",
                &format!("{} ({})", reason_name(r), reason_ru(r)),
            );
        }
        line("Серийный / serial:", &hex(serial.as_bytes()));
        line("Выпущен / this update:", &rfc3339(status.this_update));
        line(
            "Следующий / next update:",
            &status
                .next_update
                .map(rfc3339)
                .unwrap_or_else(|| "—".into()),
        );
        line("Подписан / produced at:", &rfc3339(status.produced_at));
        line(
            "Служба / responder:",
            &format!("{responder} ({}; {})", kind.0, kind.1),
        );
        line("Адрес / url:", &url);
        print(&s)?;
    }
    Ok(code)
}
