//! `podpis verify`: validates a CMS/CAdES signature end to end and prints
//! the validation report; the exit code is 0 only for TOTAL_PASSED.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use pki::Diagnostic;
use pki::cms::{Content, SignedMessage};
use pki::report::{Indication, Lang, SignerReport, ValidationReport};
use pki::revocation::{
    FailureMode, FetchError, RevocationChecker, RevocationPolicy, RevocationSource,
};
use pki::trust::TrustStore;
use pki::validation::{Validator, cms_sub_indication};

use crate::files::{read_input, user_error};
use crate::net;
use crate::time::parse_rfc3339;

/// Exit code when the overall status is INDETERMINATE.
pub(crate) const EXIT_INDETERMINATE: u8 = 2;
/// Exit code when the overall status is TOTAL_FAILED.
pub(crate) const EXIT_FAILED: u8 = 1;

/// Language of the text report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LangArg {
    /// Русский.
    Ru,
    /// English.
    En,
}

/// Options of `podpis verify`.
#[derive(Debug, Args)]
#[command(
    about = "Проверить подпись / Verify a signature",
    long_about = "\
Проверяет подпись CMS/CAdES: значение подписи и хеш документа, цепочку сертификатов до \
доверенного корня на момент проверки, отзыв каждого сертификата (OCSP, затем CRL; при отсутствии \
сведений — отказ, если не указан --fail-open) и, с --qualified, профиль квалифицированного \
сертификата. Печатает отчёт по каждой подписи: TOTAL_PASSED, TOTAL_FAILED или INDETERMINATE с \
уточнением по ETSI EN 319 102-1 и советом, что делать.

Validates a CMS/CAdES signature: the signature value and the document digest, the certificate \
path to a trusted root at the validation time, revocation of every certificate (OCSP first, then \
CRL; without evidence the check fails unless --fail-open) and, with --qualified, the \
qualified-certificate profile. Prints a report per signer: TOTAL_PASSED, TOTAL_FAILED or \
INDETERMINATE with the ETSI EN 319 102-1 sub-indication and advice.

Exit status / Код возврата: 0 TOTAL_PASSED, 1 TOTAL_FAILED (or an error), 2 INDETERMINATE.",
    after_help = "\
Examples / Примеры:
  podpis verify --in doc.pdf.p7s --content doc.pdf --trust roots.pem
  podpis verify --in doc.xml.p7s --trust roots.pem --crl ca.crl --json
  podpis verify --in doc.p7s --content doc.pdf --trust-dir /etc/podpis/trusted --qualified
  podpis verify --in old.p7s --content old.pdf --trust roots.pem --no-revocation --at 2025-06-01T00:00:00Z

Revocation evidence comes from --crl/--ocsp-response files and, unless --offline, from the OCSP \
and CRL addresses in the certificates (HTTP, 20 s timeout). / Сведения об отзыве берутся из \
файлов --crl/--ocsp-response и, без --offline, по адресам OCSP и CRL из сертификатов."
)]
pub(crate) struct VerifyArgs {
    /// The signature (.p7s, DER, BER or PEM) / файл подписи
    #[arg(long = "in", value_name = "FILE.p7s")]
    input: PathBuf,
    /// The signed document, for a detached signature / подписанный документ
    #[arg(long, value_name = "FILE")]
    content: Option<PathBuf>,
    /// Trusted root or accredited CA certificates (PEM bundle or DER); repeatable / доверенные сертификаты
    #[arg(long, value_name = "FILE")]
    trust: Vec<PathBuf>,
    /// A directory of trusted certificates (*.pem, *.crt, *.cer, *.der) / каталог доверенных
    #[arg(long, value_name = "DIR")]
    trust_dir: Vec<PathBuf>,
    /// Intermediate CA certificates (PEM bundle) / промежуточные сертификаты
    #[arg(long, value_name = "FILE")]
    chain: Vec<PathBuf>,
    /// A CRL to use (DER or PEM); repeatable / список отзыва
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// An OCSP response to use (DER); repeatable / ответ OCSP
    #[arg(long, value_name = "FILE")]
    ocsp_response: Vec<PathBuf>,
    /// Do not check revocation / не проверять отзыв
    #[arg(long)]
    no_revocation: bool,
    /// Accept a signature whose revocation status is unavailable (warning) / не отказывать без сведений об отзыве
    #[arg(long)]
    fail_open: bool,
    /// Do not fetch OCSP or CRLs over the network / не обращаться к сети
    #[arg(long)]
    offline: bool,
    /// Validate at this time (RFC 3339) instead of now / момент проверки
    #[arg(long, value_name = "RFC3339-TIME")]
    at: Option<String>,
    /// Require a qualified certificate (УКЭП) / требовать квалифицированный сертификат
    #[arg(long)]
    qualified: bool,
    /// Print the report as JSON / отчёт в JSON
    #[arg(long)]
    json: bool,
    /// Language of the text report / язык отчёта
    #[arg(long, value_enum, default_value = "ru")]
    lang: LangArg,
}

/// Fetches OCSP and CRLs over HTTP for the revocation checker.
struct HttpSource;

impl RevocationSource for HttpSource {
    fn fetch_crl(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        net::get(url).map_err(|e| FetchError(e.into()))
    }

    fn fetch_ocsp(&self, url: &str, request_der: &[u8]) -> Result<Vec<u8>, FetchError> {
        net::post(
            url,
            pki::ocsp::CONTENT_TYPE_REQUEST,
            request_der,
            pki::ocsp::CONTENT_TYPE_RESPONSE,
        )
        .map_err(|e| FetchError(e.into()))
    }
}

/// Runs the command; returns the process exit code.
pub(crate) fn run(args: &VerifyArgs) -> Result<u8> {
    let at = match &args.at {
        Some(t) => parse_rfc3339(t)?,
        None => SystemTime::now(),
    };
    let mut trust = TrustStore::new();
    for path in &args.trust {
        trust
            .add_file(path)
            .map_err(|e| user_error(&e).context(format!("{}", path.display())))?;
    }
    for dir in &args.trust_dir {
        let loaded = trust
            .load_dir(dir)
            .map_err(|e| user_error(&e).context(format!("{}", dir.display())))?;
        for bad in &loaded.errors {
            eprintln!(
                "podpis: пропущен / skipped {}: {}",
                bad.path.display(),
                bad.error.message_en()
            );
        }
    }
    let mut intermediates = Vec::new();
    for path in &args.chain {
        intermediates.extend(
            pki::cert::parse_certificates(&read_input(path)?)
                .map_err(|e| user_error(&e).context(format!("{}", path.display())))?,
        );
    }
    let mut checker = RevocationChecker::new(RevocationPolicy {
        mode: if args.fail_open {
            FailureMode::FailOpen
        } else {
            FailureMode::FailClosed
        },
        ..RevocationPolicy::default()
    });
    if !args.offline {
        checker = checker.with_source(Arc::new(HttpSource));
    }
    for path in &args.crl {
        checker
            .add_crl_bytes(&read_input(path)?)
            .map_err(|e| user_error(&e).context(format!("{}", path.display())))?;
    }
    for path in &args.ocsp_response {
        checker.add_ocsp_response(read_input(path)?);
    }

    let report = match SignedMessage::parse(&read_input(&args.input)?) {
        Err(err) => {
            let mut signer = SignerReport::passed(0);
            signer.fail(
                cms_sub_indication(&err),
                pki::report::Failure::from_diagnostic(&err),
            );
            ValidationReport::new(pki::validation::rfc3339(at), vec![signer])
        }
        Ok(message) => {
            let mut validator = Validator::new(&trust, at)
                .intermediates(intermediates)
                .require_qualified(args.qualified);
            if !args.no_revocation {
                validator = validator.revocation(&checker);
            }
            match &args.content {
                Some(path) if message.content().is_none() => {
                    let mut file = BufReader::with_capacity(
                        1 << 16,
                        File::open(path).with_context(|| {
                            format!("не открыть / cannot open {}", path.display())
                        })?,
                    );
                    validator.validate(&message, Some(Content::Reader(&mut file)))
                }
                _ => validator.validate(&message, None),
            }
        }
    };
    if args.json {
        println!("{}", report.to_json());
    } else {
        let lang = match args.lang {
            LangArg::Ru => Lang::Ru,
            LangArg::En => Lang::En,
        };
        print!("{}", report.to_text(lang));
    }
    Ok(match report.indication {
        Indication::TotalPassed => 0,
        Indication::TotalFailed => EXIT_FAILED,
        Indication::Indeterminate => EXIT_INDETERMINATE,
    })
}
