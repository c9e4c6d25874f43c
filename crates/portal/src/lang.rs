//! The page language: Russian unless the `lang` cookie or `?lang=en` says
//! English (`?lang=` also sets the cookie, so the choice stays for the
//! next pages). Texts come from the one catalogue, [`crate::catalogue`].

use axum::http::{HeaderMap, HeaderValue, header};

use crate::catalogue;

/// The cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// The language of one page.
#[derive(Debug, Clone)]
pub struct Lang {
    /// English (else Russian).
    pub en: bool,
    /// The page's path, for the switch link.
    path: String,
    /// Whether `?lang=` chose it (then the cookie is set).
    pub(crate) chosen: bool,
}

impl Lang {
    /// The language of a request for `path`: `?lang=`, else the `lang`
    /// cookie, else Russian.
    pub fn detect(query: Option<&str>, headers: &HeaderMap, path: &str) -> Lang {
        let from_query = match query {
            Some("en") => Some(true),
            Some("ru") => Some(false),
            _ => None,
        };
        let en =
            from_query.unwrap_or_else(|| cookie(headers, LANG_COOKIE).as_deref() == Some("en"));
        Lang {
            en,
            path: path.to_owned(),
            chosen: from_query.is_some(),
        }
    }

    /// Russian.
    pub fn ru(path: &str) -> Lang {
        Lang {
            en: false,
            path: path.to_owned(),
            chosen: false,
        }
    }

    /// The text of catalogue `key` in this language (the key itself if the
    /// catalogue lacks it; a test checks every key the templates use).
    pub fn t(&self, key: &str) -> &'static str {
        match catalogue::text(key) {
            Some((ru, en)) => {
                if self.en {
                    en
                } else {
                    ru
                }
            }
            None => {
                tracing::warn!(key, "text missing from the portal catalogue");
                "?"
            }
        }
    }

    /// `ru` or `en`.
    pub fn code(&self) -> &'static str {
        if self.en { "en" } else { "ru" }
    }

    /// The other language's code.
    pub fn other_code(&self) -> &'static str {
        if self.en { "ru" } else { "en" }
    }

    /// This page in the other language.
    pub fn switch_href(&self) -> String {
        format!("{}?lang={}", self.path, self.other_code())
    }

    /// The `Set-Cookie` value keeping this language (a year; not secret).
    pub fn cookie(&self) -> Option<HeaderValue> {
        HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
            self.code()
        ))
        .ok()
    }
}

/// A cookie's value.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn russian_unless_asked() {
        let mut h = HeaderMap::new();
        let l = Lang::detect(None, &h, "/login");
        assert_eq!((l.code(), l.chosen), ("ru", false));
        assert_eq!(l.switch_href(), "/login?lang=en");
        assert_eq!(l.t("login.title"), "Вход");
        let l = Lang::detect(Some("en"), &h, "/login");
        assert_eq!((l.code(), l.chosen), ("en", true));
        assert_eq!(l.t("login.title"), "Log in");
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=en"));
        assert!(Lang::detect(None, &h, "/").en);
        assert!(!Lang::detect(Some("ru"), &h, "/").en);
        h.insert(header::COOKIE, HeaderValue::from_static("lang=de"));
        assert!(!Lang::detect(Some("xx"), &h, "/").en);
    }
}
