//! # podpis-portal
//!
//! The personal cabinet — the Gosuslugi portal's role: server-rendered
//! pages (askama; Russian first, English with `?lang=en`, kept in the
//! `lang` cookie; usable without JavaScript except for signing) over the
//! identity provider (`podpis-idp`): registration with the one-time code
//! step, login with the method choice (password + one-time code, or
//! e-signature), the cabinet home, «Ключи и сертификаты», «Журнал
//! действий» with filters, «Сеансы» with «выйти на всех устройствах»,
//! security settings (password, authenticator app), logout, and the
//! demo-mode outbox; and the public signature verification service
//! ([`verify`]: the page `/verify` and `POST /api/v1/verify`, no login).
//! Services and applications come later.
//!
//! [`router`] is the axum router `podpis serve` mounts (paths `/`,
//! `/login…`, `/register…`, `/cabinet…`, `/logout`, `/demo/outbox`,
//! `/static/portal.css`, and the e-signature login's scripts
//! `/static/login-esig.js` and `/static/podpis-agent.js`, see
//! [`agent_login`]); [`router_with`] takes the [`PortalOptions`] (the
//! signing agent's address). Every POST form carries a CSRF token: the
//! session's ([`idp::session::ActiveSession::csrf_token`]) once logged in,
//! before that a random double-submit token in the `portal_csrf` cookie
//! (`HttpOnly`, `SameSite=Strict`). Every response carries the security
//! headers of [`idp::security`]. Errors are shown with their stable code
//! and the message in the page's language. See docs/portal.md.
#![forbid(unsafe_code)]

pub mod agent_login;
pub mod catalogue;
mod certificates;
pub mod lang;
mod pages;
mod time;
pub mod verify;

pub use agent_login::{AgentUrl, PortalOptions};
pub use certificates::CertStatus;
pub use lang::Lang;
pub use pages::{ANON_CSRF_COOKIE, router, router_with};
