//! The agent's own pages, on its own origin: the consent page (PIN), the
//! one-time approval of a new site, and the agent's page (certificates and
//! the allow-list with revoke buttons). Server-rendered (askama), Russian
//! first, English with `?lang=en` or `Accept-Language: en`; no scripts;
//! the CSP forbids framing (`frame-ancestors 'none'`) and scripts, and
//! COOP severs the opener, so the calling page can neither read nor script
//! them. Forms are accepted only from the agent's own origin, with the
//! page's token.

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use pki::Diagnostic;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::http::origin_of;
use crate::keys::CertSummary;
use crate::{Agent, AgentError, ApprovalView, ConsentView};

type Shared = Arc<Agent>;

/// The pages' Content-Security-Policy: no scripts, no framing, forms only
/// to the agent.
pub(crate) const PAGE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(index))
        .route("/origins/revoke", post(revoke))
        .route("/consent/{id}", get(consent).post(consent_post))
        .route("/approve/{id}", get(approve).post(approve_post))
}

/// The page language (the UI catalogue: every string is `l.t(ru, en)`).
#[derive(Debug, Clone)]
pub(crate) struct Lang {
    /// English.
    pub(crate) en: bool,
}

impl Lang {
    fn detect(query: &LangQuery, headers: &HeaderMap) -> Lang {
        let en = match query.lang.as_deref() {
            Some("en") => true,
            Some("ru") => false,
            _ => headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("en")),
        };
        Lang { en }
    }

    /// The Russian or the English text.
    pub(crate) fn t<'a>(&self, ru: &'a str, en: &'a str) -> &'a str {
        if self.en { en } else { ru }
    }

    /// `ru` or `en`.
    pub(crate) fn code(&self) -> &'static str {
        self.t("ru", "en")
    }

    /// The error's message in the page's language.
    pub(crate) fn message(&self, e: &AgentError) -> String {
        if self.en {
            e.message_en()
        } else {
            e.message_ru()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut resp = (status, Html(html)).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(PAGE_CSP),
            );
            h.insert(
                "cross-origin-opener-policy",
                HeaderValue::from_static("same-origin"),
            );
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            h.insert(
                "cross-origin-resource-policy",
                HeaderValue::from_static("same-origin"),
            );
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "page template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    l: Lang,
    title: String,
    text: String,
    code: Option<&'static str>,
}

fn error_page(l: Lang, e: &AgentError) -> Response {
    let status = match e {
        AgentError::ConsentNotFound => StatusCode::NOT_FOUND,
        AgentError::ConsentUsed => StatusCode::CONFLICT,
        AgentError::ConsentExpired => StatusCode::GONE,
        _ => StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
    };
    let title = l.t("Запрос не выполнен", "Request refused").to_owned();
    let text = l.message(e);
    render(
        status,
        &MessagePage {
            l,
            title,
            text,
            code: Some(e.code()),
        },
    )
}

/// A form post must come from the agent's own pages: its Origin (and, when
/// the browser sends it, `Sec-Fetch-Site: same-origin`).
fn own_form(agent: &Agent, headers: &HeaderMap) -> bool {
    let same_site = headers
        .get("sec-fetch-site")
        .is_none_or(|v| v.as_bytes() == b"same-origin");
    origin_of(headers).is_some_and(|o| agent.is_own_origin(o)) && same_site
}

fn forged(l: Lang) -> Response {
    let title = l.t("Форма отклонена", "Form refused").to_owned();
    let text = l
        .t(
            "Форма отправлена не со страницы агента. Подтверждайте только в окне агента подписи.",
            "The form was not sent from the agent's page. Confirm only in the signing agent's window.",
        )
        .to_owned();
    render(
        StatusCode::FORBIDDEN,
        &MessagePage {
            l,
            title,
            text,
            code: None,
        },
    )
}

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage {
    l: Lang,
    v: ConsentView,
}

async fn consent(
    State(agent): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let l = Lang::detect(&q, &headers);
    match agent.consent_view(&id) {
        Ok(v) => render(StatusCode::OK, &ConsentPage { l, v }),
        Err(e) => error_page(l, &e),
    }
}

#[derive(Deserialize)]
struct ConsentForm {
    token: String,
    action: String,
    #[serde(default)]
    pin: Zeroizing<String>,
    lang: Option<String>,
}

async fn consent_post(
    State(agent): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ConsentForm>,
) -> Response {
    let l = Lang::detect(
        &LangQuery {
            lang: form.lang.clone(),
        },
        &headers,
    );
    if !own_form(&agent, &headers) {
        return forged(l);
    }
    let sign = form.action == "sign";
    let outcome = agent.decide(&id, &form.token, sign, form.pin).await;
    match outcome {
        Ok(Ok(_)) => {
            let title = l.t("Документ подписан", "Document signed").to_owned();
            let text = l
                .t(
                    "Подпись передана сайту. Это окно можно закрыть.",
                    "The signature was passed to the site. You may close this window.",
                )
                .to_owned();
            render(
                StatusCode::OK,
                &MessagePage {
                    l,
                    title,
                    text,
                    code: None,
                },
            )
        }
        Ok(Err(e)) => {
            let code = e["code"].as_str().unwrap_or_default();
            let text = e[if l.en { "message_en" } else { "message_ru" }]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let title = if code == "CANCELLED" {
                l.t("Подписание отменено", "Signing cancelled")
            } else {
                l.t("Документ не подписан", "Document not signed")
            }
            .to_owned();
            let code = match code {
                "CANCELLED" => "CANCELLED",
                "PIN_INCORRECT" => "PIN_INCORRECT",
                "PIN_LOCKED" => "PIN_LOCKED",
                _ => "AGENT_SIGN_FAILED",
            };
            render(
                StatusCode::OK,
                &MessagePage {
                    l,
                    title,
                    text,
                    code: Some(code),
                },
            )
        }
        Err(e) => error_page(l, &e),
    }
}

#[derive(Template)]
#[template(path = "approve.html")]
struct ApprovePage {
    l: Lang,
    v: ApprovalView,
}

async fn approve(
    State(agent): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let l = Lang::detect(&q, &headers);
    match agent.approval_view(&id) {
        Ok(v) => render(StatusCode::OK, &ApprovePage { l, v }),
        Err(e) => error_page(l, &e),
    }
}

#[derive(Deserialize)]
struct ApproveForm {
    token: String,
    action: String,
    lang: Option<String>,
}

async fn approve_post(
    State(agent): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ApproveForm>,
) -> Response {
    let l = Lang::detect(
        &LangQuery {
            lang: form.lang.clone(),
        },
        &headers,
    );
    if !own_form(&agent, &headers) {
        return forged(l);
    }
    let allow = form.action == "allow";
    match agent.decide_approval(&id, &form.token, allow) {
        Ok(origin) => {
            let (title, text) = if allow {
                (
                    l.t("Сайт разрешён", "Site allowed"),
                    format!(
                        "{} {origin}. {}",
                        l.t(
                            "Разрешён доступ к агенту подписи для",
                            "The signing agent is now open to"
                        ),
                        l.t(
                            "Отозвать разрешение можно на странице агента. Это окно можно закрыть.",
                            "You can revoke this on the agent's page. You may close this window."
                        )
                    ),
                )
            } else {
                (
                    l.t("Доступ не разрешён", "Access refused"),
                    format!(
                        "{} {origin}.",
                        l.t(
                            "Агент подписи не будет отвечать сайту",
                            "The signing agent will not answer"
                        )
                    ),
                )
            };
            let title = title.to_owned();
            render(
                StatusCode::OK,
                &MessagePage {
                    l,
                    title,
                    text,
                    code: None,
                },
            )
        }
        Err(e) => error_page(l, &e),
    }
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    l: Lang,
    version: String,
    port: u16,
    token: String,
    origins: Vec<crate::origins::AllowedOrigin>,
    certificates: Vec<CertSummary>,
    error: Option<String>,
    notice: Option<String>,
}

fn index_page(agent: &Agent, l: Lang, notice: Option<String>) -> Response {
    let (origins, error) = match agent.origins().list() {
        Ok(o) => (o, None),
        Err(e) => (Vec::new(), Some(l.message(&e))),
    };
    render(
        StatusCode::OK,
        &IndexPage {
            version: agent.config().version.clone(),
            port: agent.config().port,
            token: agent.page_token().to_owned(),
            origins,
            certificates: agent.certificates(),
            error,
            notice,
            l,
        },
    )
}

async fn index(
    State(agent): State<Shared>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let l = Lang::detect(&q, &headers);
    index_page(&agent, l, None)
}

#[derive(Deserialize)]
struct RevokeForm {
    token: String,
    origin: String,
    lang: Option<String>,
}

async fn revoke(
    State(agent): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    let l = Lang::detect(
        &LangQuery {
            lang: form.lang.clone(),
        },
        &headers,
    );
    if !own_form(&agent, &headers) {
        return forged(l);
    }
    match agent.revoke_from_page(&form.token, &form.origin) {
        Ok(true) => {
            let notice = format!("{}: {}", l.t("Разрешение отозвано", "Revoked"), form.origin);
            index_page(&agent, l, Some(notice))
        }
        Ok(false) => index_page(&agent, l, None),
        Err(e) => error_page(l, &e),
    }
}
