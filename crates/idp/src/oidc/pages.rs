//! The provider's pages: consent, error, logged out. Server-rendered
//! (askama, auto-escaped), Russian first with English beside it, no
//! JavaScript; strict security headers. The UI strings are the catalogue
//! [`scope_text`] and the templates under `templates/oidc/`.

use askama::Template;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pki::Diagnostic;
use store::oidc::OidcClient;

use super::OidcError;
use super::paths;

/// What a scope gives the service, in Russian and English (the consent
/// page's list).
pub(crate) fn scope_text(scope: &str) -> (&'static str, &'static str) {
    match scope {
        "openid" => (
            "идентификатор вашей учётной записи для этого сервиса",
            "an identifier of your account for this service",
        ),
        "fullname" => ("фамилию, имя и отчество", "your full name"),
        "birthdate" => ("дату рождения", "your date of birth"),
        "snils" => ("СНИЛС", "your SNILS (insurance number)"),
        "inn" => ("ИНН", "your INN (taxpayer number)"),
        "email" => ("адрес электронной почты", "your e-mail address"),
        "mobile" => ("номер мобильного телефона", "your mobile phone number"),
        _ => ("другие данные", "other data"),
    }
}

#[derive(Template)]
#[template(path = "oidc/consent.html")]
struct ConsentPage<'a> {
    client_name: &'a str,
    scopes: Vec<(&'static str, &'static str)>,
    csrf: &'a str,
    action: &'static str,
}

#[derive(Template)]
#[template(path = "oidc/error.html")]
struct ErrorPage {
    code: &'static str,
    message_ru: String,
    message_en: String,
}

#[derive(Template)]
#[template(path = "oidc/logged_out.html")]
struct LoggedOutPage;

/// `scheme://host[:port]` of an absolute URI.
fn origin(uri: &str) -> Option<&str> {
    let scheme_end = uri.find("://")? + 3;
    let end = uri[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(uri.len(), |i| scheme_end + i);
    Some(&uri[..end])
}

fn render(status: StatusCode, page: &impl Template, form_target: Option<&str>) -> Response {
    let html = match page.render() {
        Ok(h) => h,
        Err(e) => {
            tracing::error!("page template failed: {e}");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut r = (status, html).into_response();
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A form's redirect to the client must be allowed by form-action.
    let form_action = match form_target.and_then(origin) {
        Some(o) if !o.contains(['\'', ';', ' ', '"']) => format!("'self' {o}"),
        _ => "'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; form-action {form_action}; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(HeaderName::from_static("content-security-policy"), v);
    }
    h.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
    h.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// The consent page.
pub(crate) fn consent(
    client: &OidcClient,
    scopes: &[String],
    csrf: &str,
    redirect_uri: &str,
) -> Response {
    let page = ConsentPage {
        client_name: &client.name,
        scopes: scopes.iter().map(|s| scope_text(s)).collect(),
        csrf,
        action: paths::CONSENT,
    };
    render(StatusCode::OK, &page, Some(redirect_uri))
}

/// An error page (nowhere safe to redirect to).
pub(crate) fn error(status: StatusCode, e: &OidcError) -> Response {
    let page = ErrorPage {
        code: e.code(),
        message_ru: e.message_ru(),
        message_en: e.message_en(),
    };
    render(status, &page, None)
}

/// After a logout without a return address.
pub(crate) fn logged_out() -> Response {
    render(StatusCode::OK, &LoggedOutPage, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin("https://rp.example:8443/cb?x=1"),
            Some("https://rp.example:8443")
        );
        assert_eq!(origin("http://127.0.0.1/cb"), Some("http://127.0.0.1"));
        assert_eq!(origin("https://rp.example"), Some("https://rp.example"));
        assert_eq!(origin("nothing"), None);
    }
}
