//! The page `/verify`: an upload form that works without JavaScript
//! (multipart POST → the same page with the result), and the result in
//! plain words — the verdict, per signer who signed (subject, SNILS, INN,
//! OGRN), when, the certificate path, revocation, and for a failure what
//! it means and what to do. `/static/verify.js` adds an upload progress
//! bar when scripts run.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pki::Diagnostic;
use pki::report::{Indication, SignerReport, SubIndication, ValidationReport};

use super::upload::Upload;
use super::{VerifyState, run, size};
use crate::lang::Lang;
use crate::pages::{Nav, PageQuery, Shown, ctx};

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    l: Lang,
    nav: Nav,
    error: Option<Shown>,
    notice: Option<String>,
    /// The document limit, e.g. `100 MiB`.
    limit: String,
    result: Option<ResultView>,
}

/// The result of one verification, as the page shows it.
struct ResultView {
    /// `passed`, `failed` or `indeterminate` (the CSS class).
    class: &'static str,
    verdict: &'static str,
    explanation: &'static str,
    indication: &'static str,
    validation_time: String,
    signature_file: String,
    document_file: Option<String>,
    signers: Vec<SignerView>,
    json: String,
}

/// What a sub-indication means and what to do.
struct SubView {
    code: &'static str,
    title: &'static str,
    advice: &'static str,
}

struct ChainView {
    subject: String,
    issuer: String,
    serial: String,
    validity: String,
    anchor: bool,
}

struct SignerView {
    number: usize,
    class: &'static str,
    verdict: &'static str,
    indication: &'static str,
    sub: Option<SubView>,
    /// The check that failed: code, message.
    failure: Option<(String, String)>,
    subject: Option<String>,
    ids: Vec<(&'static str, String)>,
    signing_time: Option<String>,
    timestamp: Option<String>,
    digest: Option<String>,
    qualified: Option<&'static str>,
    chain: Vec<ChainView>,
    revocation: Vec<String>,
    /// The path was checked and revocation was not (the service's setting).
    revocation_off: bool,
    warnings: Vec<(String, String)>,
}

fn class_of(i: Indication) -> &'static str {
    match i {
        Indication::TotalPassed => "passed",
        Indication::TotalFailed => "failed",
        Indication::Indeterminate => "indeterminate",
    }
}

fn verdict(l: &Lang, i: Indication) -> (&'static str, &'static str) {
    match i {
        Indication::TotalPassed => (l.t("verify.passed"), l.t("verify.passed_help")),
        Indication::TotalFailed => (l.t("verify.failed"), l.t("verify.failed_help")),
        Indication::Indeterminate => (
            l.t("verify.indeterminate"),
            l.t("verify.indeterminate_help"),
        ),
    }
}

/// What a sub-indication means for the person at the page, and what to do
/// there (the report's own advice speaks of the command line).
fn sub_view(l: &Lang, sub: SubIndication) -> SubView {
    let (title, advice) = match sub {
        SubIndication::FormatFailure => (l.t("verify.sub.format"), l.t("verify.sub.format_do")),
        SubIndication::HashFailure => (l.t("verify.sub.hash"), l.t("verify.sub.hash_do")),
        SubIndication::SigCryptoFailure => (l.t("verify.sub.crypto"), l.t("verify.sub.crypto_do")),
        SubIndication::Revoked => (l.t("verify.sub.revoked"), l.t("verify.sub.revoked_do")),
        SubIndication::Expired => (l.t("verify.sub.expired"), l.t("verify.sub.expired_do")),
        SubIndication::NotYetValid => (
            l.t("verify.sub.not_yet_valid"),
            l.t("verify.sub.not_yet_valid_do"),
        ),
        SubIndication::NoSigningCertificateFound => {
            (l.t("verify.sub.no_cert"), l.t("verify.sub.no_cert_do"))
        }
        SubIndication::NoCertificateChainFound => {
            (l.t("verify.sub.untrusted"), l.t("verify.sub.untrusted_do"))
        }
        SubIndication::ChainConstraintsFailure => {
            (l.t("verify.sub.chain"), l.t("verify.sub.chain_do"))
        }
        SubIndication::SigConstraintsFailure => {
            (l.t("verify.sub.policy"), l.t("verify.sub.policy_do"))
        }
        SubIndication::CryptoConstraintsFailure => {
            (l.t("verify.sub.algorithm"), l.t("verify.sub.algorithm_do"))
        }
        SubIndication::TryLater => (l.t("verify.sub.try_later"), l.t("verify.sub.try_later_do")),
        SubIndication::SignedDataNotFound => (
            l.t("verify.sub.no_document"),
            l.t("verify.sub.no_document_do"),
        ),
        _ => (l.t("verify.sub.other"), l.t("verify.sub.other_do")),
    };
    SubView {
        code: sub.as_str(),
        title,
        advice,
    }
}

fn revocation_line(l: &Lang, r: &pki::report::RevocationEvidence) -> String {
    let status = match r.status.as_str() {
        "good" => l.t("verify.rev.good"),
        "revoked" => l.t("verify.rev.revoked"),
        "unknown" => l.t("verify.rev.unknown"),
        _ => l.t("verify.rev.unchecked"),
    };
    let source = match r.source.as_str() {
        "ocsp" => l.t("verify.rev.ocsp"),
        "crl" => l.t("verify.rev.crl"),
        _ => l.t("verify.rev.none"),
    };
    let mut line = format!("{}: {status} ({source}", r.serial);
    if let Some(at) = &r.produced_at {
        line.push_str(&format!(", {at}"));
    }
    line.push(')');
    if let Some(at) = &r.revoked_at {
        line.push_str(&format!(" — {} {at}", l.t("verify.rev.revoked_at")));
    }
    if let Some(reason) = &r.reason {
        line.push_str(&format!(", {reason}"));
    }
    line
}

fn signer_view(l: &Lang, s: &SignerReport, revocation_checked: bool) -> SignerView {
    let (verdict, _) = verdict(l, s.indication);
    let mut ids = Vec::new();
    let mut subject = None;
    if let Some(id) = &s.signer {
        subject = Some(id.subject.clone());
        let i = &id.identity;
        for (label, value) in [
            (l.t("verify.snils"), i.snils.as_ref().map(|v| v.to_string())),
            (
                l.t("verify.inn"),
                i.inn.as_ref().map(|v| v.as_str().to_owned()),
            ),
            (
                l.t("verify.innle"),
                i.innle.as_ref().map(|v| v.as_str().to_owned()),
            ),
            (
                l.t("verify.ogrn"),
                i.ogrn.as_ref().map(|v| v.as_str().to_owned()),
            ),
            (
                l.t("verify.ogrnip"),
                i.ogrnip.as_ref().map(|v| v.as_str().to_owned()),
            ),
        ] {
            if let Some(v) = value {
                ids.push((label, v));
            }
        }
    }
    let timestamp = s.timestamp.as_ref().map(|t| {
        let ok = if t.valid {
            l.t("verify.timestamp_ok")
        } else {
            l.t("verify.timestamp_bad")
        };
        format!("{} ({}, {ok})", t.time, t.tsa)
    });
    SignerView {
        number: s.index + 1,
        class: class_of(s.indication),
        verdict,
        indication: s.indication.as_str(),
        sub: s.sub_indication.map(|sub| sub_view(l, sub)),
        failure: s.failure.as_ref().map(|f| {
            let msg = if l.en { &f.message_en } else { &f.message_ru };
            (f.code.clone(), msg.clone())
        }),
        subject,
        ids,
        signing_time: s.signing_time.clone(),
        timestamp,
        digest: s.digest_algorithm.clone(),
        qualified: s.qualified.map(|q| {
            if q {
                l.t("verify.yes")
            } else {
                l.t("verify.no")
            }
        }),
        chain: s
            .chain
            .iter()
            .map(|c| ChainView {
                subject: c.subject.clone(),
                issuer: c.issuer.clone(),
                serial: c.serial.clone(),
                validity: format!("{} — {}", c.not_before, c.not_after),
                anchor: c.trust_anchor,
            })
            .collect(),
        revocation: s.revocation.iter().map(|r| revocation_line(l, r)).collect(),
        revocation_off: !revocation_checked && !s.chain.is_empty(),
        warnings: s
            .warnings
            .iter()
            .map(|w| {
                let msg = if l.en { &w.message_en } else { &w.message_ru };
                (w.code.clone(), msg.clone())
            })
            .collect(),
    }
}

/// A file's name and size as the page shows them.
fn file_label(name: Option<&str>, bytes: u64) -> String {
    let name = name.filter(|n| !n.is_empty()).unwrap_or("—");
    format!("{name} ({bytes} B)")
}

fn result_view(l: &Lang, report: &ValidationReport, upload: &Upload, checked: bool) -> ResultView {
    let (verdict, explanation) = verdict(l, report.indication);
    ResultView {
        class: class_of(report.indication),
        verdict,
        explanation,
        indication: report.indication.as_str(),
        validation_time: report.validation_time.clone(),
        signature_file: file_label(upload.signature.file_name.as_deref(), upload.signature.size),
        document_file: upload
            .document
            .as_ref()
            .map(|d| file_label(d.file_name.as_deref(), d.size)),
        signers: report
            .signers
            .iter()
            .map(|s| signer_view(l, s, checked))
            .collect(),
        json: report.to_json(),
    }
}

/// `GET /verify`: the form.
pub(super) async fn form(
    State(state): State<VerifyState>,
    headers: HeaderMap,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let c = match ctx(&state.idp, &headers, &q, "/verify").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let page = VerifyPage {
        l: c.l.clone(),
        nav: c.nav("verify"),
        error: None,
        notice: None,
        limit: size(state.verifier.config().max_document_bytes),
        result: None,
    };
    c.render(StatusCode::OK, &page)
}

/// `POST /verify`: the same page with the result, or with the error.
pub(super) async fn submit(
    State(state): State<VerifyState>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let c = match ctx(&state.idp, &headers, &PageQuery::default(), "/verify").await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut page = VerifyPage {
        l: c.l.clone(),
        nav: c.nav("verify"),
        error: None,
        notice: None,
        limit: size(state.verifier.config().max_document_bytes),
        result: None,
    };
    match run(&state.verifier, &headers, multipart).await {
        Ok((report, upload)) => {
            let checked = state.verifier.checks_revocation();
            page.result = Some(result_view(&c.l, &report, &upload, checked));
            c.render(StatusCode::OK, &page)
        }
        Err(e) => {
            if e.status().is_server_error() {
                tracing::error!(code = e.code(), error = %e, "verification page failed");
            }
            let status = e.status();
            page.error = Some(Shown {
                code: e.code(),
                message: if c.l.en {
                    e.message_en()
                } else {
                    e.message_ru()
                },
            });
            c.render(status, &page)
        }
    }
}

/// `GET /static/verify.js`: the upload progress bar.
pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/verify.js"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sub-indication has its own words on the page, in both languages.
    #[test]
    fn every_sub_indication_is_explained() {
        use SubIndication::*;
        let ru = Lang::ru("/verify");
        let en = Lang::detect(Some("en"), &HeaderMap::new(), "/verify");
        let all = [
            FormatFailure,
            HashFailure,
            SigCryptoFailure,
            Revoked,
            Expired,
            NotYetValid,
            NoSigningCertificateFound,
            NoCertificateChainFound,
            ChainConstraintsFailure,
            SigConstraintsFailure,
            CryptoConstraintsFailure,
            TryLater,
            SignedDataNotFound,
        ];
        let mut titles = Vec::new();
        for sub in all {
            let (r, e) = (sub_view(&ru, sub), sub_view(&en, sub));
            assert_eq!(r.code, sub.as_str());
            for t in [r.title, r.advice, e.title, e.advice] {
                assert!(!t.is_empty() && t != "?", "{sub:?}");
            }
            assert_ne!(r.title, e.title, "{sub:?}");
            titles.push(r.title);
        }
        titles.sort_unstable();
        titles.dedup();
        assert_eq!(titles.len(), all.len(), "two sub-indications share words");
        assert_eq!(
            sub_view(&ru, HashFailure).title,
            "Документ изменён после подписания"
        );
        assert_eq!(
            sub_view(&en, HashFailure).title,
            "The document was changed after signing"
        );
    }
}
