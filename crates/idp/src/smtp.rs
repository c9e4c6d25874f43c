//! Sending e-mail over SMTP: a [`Notifier`] for e-mail messages (the codes
//! of registration, login and recovery), configured in the `idp.smtp`
//! section of `podpis serve`'s configuration ([`SmtpSettings`]). Messages
//! to a phone go to the fallback notifier (the file outbox, where an SMS
//! gateway picks them up).
//!
//! The connection is plain SMTP (`"tls": "none"`, for a relay on the same
//! host or network), STARTTLS (`"starttls"`, the default: refused when the
//! server does not offer it — no silent downgrade) or TLS from the start
//! (`"tls"`, SMTPS). The password comes from a file or an environment
//! variable, never from the configuration itself, and is never logged.
//!
//! A message that cannot be delivered is [`AccountError::NotifyFailed`]
//! (`NOTIFY_FAILED`): the request that wanted to send it fails and its
//! one-time flow is closed (see `account::send_for_flow`).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Mail};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::AccountError;
use crate::notifier::{Channel, Message, Notifier, SendFuture};

/// How the connection to the server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a local relay); default port 25.
    None,
    /// STARTTLS, required; default port 587.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS); default port 465.
    Tls,
}

impl SmtpTls {
    /// The usual port of the mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The `idp.smtp` section of the server's configuration. `Debug` shows
/// where the password comes from, never the password.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The server's host name (checked against its TLS certificate).
    pub host: String,
    /// The port (default: by `tls`, 25, 587 or 465).
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The sender: `podpis <noreply@example.ru>` or a bare address.
    pub from: String,
    /// The login, when the server wants one.
    pub username: Option<String>,
    /// A file holding the password (its first line).
    pub password_file: Option<PathBuf>,
    /// An environment variable holding the password.
    pub password_env: Option<String>,
    /// Connection and command timeout, seconds (default 10).
    pub timeout_seconds: Option<u64>,
}

impl SmtpSettings {
    /// The password from the file or the variable (None without a
    /// username). Exactly one source with a username; none without.
    pub fn password(&self) -> Result<Option<Zeroizing<String>>, AccountError> {
        let bad = |what: &str| AccountError::SmtpConfig(what.to_owned());
        match (&self.username, &self.password_file, &self.password_env) {
            (None, None, None) => Ok(None),
            (None, _, _) => Err(bad("password_file/password_env without username")),
            (Some(_), Some(_), Some(_)) => {
                Err(bad("both password_file and password_env: give one"))
            }
            (Some(_), None, None) => Err(bad("username without password_file or password_env")),
            (Some(_), Some(path), None) => {
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                    AccountError::SmtpConfig(format!("password_file {}: {e}", path.display()))
                })?);
                Ok(Some(Zeroizing::new(
                    text.lines().next().unwrap_or_default().to_owned(),
                )))
            }
            (Some(_), None, Some(var)) => match std::env::var(var) {
                Ok(v) => Ok(Some(Zeroizing::new(v))),
                Err(_) => Err(AccountError::SmtpConfig(format!(
                    "password_env: the variable {var} is not set"
                ))),
            },
        }
    }
}

/// Sends e-mail messages over SMTP; phone messages go to `fallback`.
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    server: String,
    fallback: Arc<dyn Notifier>,
}

impl std::fmt::Debug for SmtpNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("server", &self.server)
            .field("from", &self.from.to_string())
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

impl SmtpNotifier {
    /// The notifier of `settings` (the password read now), sending phone
    /// messages to `fallback`. Nothing is sent or connected yet.
    pub fn new(
        settings: &SmtpSettings,
        fallback: Arc<dyn Notifier>,
    ) -> Result<SmtpNotifier, AccountError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| AccountError::SmtpConfig(format!("from {:?}: {e}", settings.from)))?;
        let port = settings.port.unwrap_or(settings.tls.default_port());
        let tls = match settings.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::Starttls | SmtpTls::Tls => {
                let params = TlsParameters::new(settings.host.clone())
                    .map_err(|e| AccountError::SmtpConfig(format!("TLS: {e}")))?;
                if settings.tls == SmtpTls::Tls {
                    Tls::Wrapper(params)
                } else {
                    Tls::Required(params)
                }
            }
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(
                settings.timeout_seconds.unwrap_or(10).max(1),
            )));
        if let (Some(user), Some(password)) = (&settings.username, settings.password()?) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.as_str().to_owned()));
        }
        Ok(SmtpNotifier {
            transport: builder.build(),
            from,
            server: format!("{}:{port}", settings.host),
            fallback,
        })
    }

    async fn send_mail(&self, message: &Message) -> Result<(), AccountError> {
        let failed =
            |what: &str| AccountError::NotifyFailed(format!("SMTP {}: {what}", self.server));
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|e| failed(&format!("recipient: {e}")))?;
        let mail = Mail::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())
            .map_err(|e| failed(&e.to_string()))?;
        self.transport
            .send(mail)
            .await
            .map_err(|e| failed(&e.to_string()))?;
        tracing::info!(server = %self.server, "message sent by SMTP");
        Ok(())
    }
}

impl Notifier for SmtpNotifier {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        match message.channel {
            Channel::Email => Box::pin(self.send_mail(message)),
            Channel::Phone => self.fallback.send(message),
        }
    }

    fn recent(&self, limit: usize) -> Result<Vec<Message>, AccountError> {
        self.fallback.recent(limit)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn settings(json: &str) -> Result<SmtpSettings, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn settings_and_their_refusals() {
        let s = settings(r#"{"host": "mail.example.ru", "from": "podpis <noreply@example.ru>"}"#)
            .unwrap();
        assert_eq!(s.tls, SmtpTls::Starttls);
        assert_eq!(s.tls.default_port(), 587);
        assert!(s.password().unwrap().is_none());
        assert!(settings(r#"{"host": "h", "from": "a@b.ru", "password": "x"}"#).is_err());
        assert!(settings(r#"{"host": "h", "from": "a@b.ru", "tls": "ssl"}"#).is_err());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("smtp.pass");
        std::fs::write(&file, "s3cret-pass\n").unwrap();
        let with_file = SmtpSettings {
            username: Some("podpis".into()),
            password_file: Some(file.clone()),
            ..s.clone()
        };
        assert_eq!(
            with_file.password().unwrap().unwrap().as_str(),
            "s3cret-pass"
        );
        assert!(!format!("{with_file:?}").contains("s3cret"));
        let n =
            SmtpNotifier::new(&with_file, Arc::new(crate::FileOutbox::new(dir.path()))).unwrap();
        assert!(!format!("{n:?}").contains("s3cret"));

        let code = |s: &SmtpSettings| pki::Diagnostic::code(&s.password().unwrap_err());
        let no_password = SmtpSettings {
            username: Some("podpis".into()),
            ..s.clone()
        };
        assert_eq!(code(&no_password), "SMTP_CONFIG_INVALID");
        let both = SmtpSettings {
            password_env: Some("PODPIS_TEST_SMTP_UNSET".into()),
            ..with_file.clone()
        };
        assert_eq!(code(&both), "SMTP_CONFIG_INVALID");
        let unset = SmtpSettings {
            password_file: None,
            password_env: Some("PODPIS_TEST_SMTP_UNSET".into()),
            ..with_file.clone()
        };
        assert_eq!(code(&unset), "SMTP_CONFIG_INVALID");
        let missing = SmtpSettings {
            password_file: Some(dir.path().join("nope")),
            ..with_file.clone()
        };
        assert_eq!(code(&missing), "SMTP_CONFIG_INVALID");
        let bad_from = SmtpSettings {
            from: "not an address".into(),
            ..s
        };
        let e =
            SmtpNotifier::new(&bad_from, Arc::new(crate::FileOutbox::new(dir.path()))).unwrap_err();
        assert_eq!(pki::Diagnostic::code(&e), "SMTP_CONFIG_INVALID");
    }
}
