//! How one-time codes reach people: a pluggable [`Notifier`]. The default
//! is a file outbox ([`FileOutbox`]): one JSON file per message under a
//! directory, written to a temporary name and renamed into place (a reader
//! never sees half a message). A mail relay or an SMS gateway picks the
//! files up, or, in demo mode, the portal shows the newest messages
//! ([`Notifier::recent`]).
//!
//! E-mail can go out over SMTP instead ([`crate::smtp::SmtpNotifier`],
//! the `idp.smtp` section of the server's configuration), phone messages
//! staying in the outbox.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::AccountError;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// An e-mail address.
    Email,
    /// A mobile phone (SMS).
    Phone,
}

impl Channel {
    /// `email` or `phone`.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
        }
    }
}

/// One message. `Debug` leaves out the text (it holds a code).
#[derive(Clone, Serialize, Deserialize)]
pub struct Message {
    /// E-mail or phone.
    pub channel: Channel,
    /// The address or number.
    pub to: String,
    /// The subject (e-mail) or a short title.
    pub subject: String,
    /// The text.
    pub body: String,
    /// When it was sent (Unix seconds).
    pub at: u64,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("channel", &self.channel)
            .field("to", &self.to)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

/// A future a notifier returns.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), AccountError>> + Send + 'a>>;

/// Delivers messages.
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Sends one message.
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a>;

    /// The newest `limit` messages sent, newest first, for the demo-mode
    /// outbox page; empty for notifiers that keep nothing.
    fn recent(&self, limit: usize) -> Result<Vec<Message>, AccountError> {
        let _ = limit;
        Ok(Vec::new())
    }
}

/// The file outbox: `DIR/<unix-nanos>-<random>.json`, mode 0600.
#[derive(Debug, Clone)]
pub struct FileOutbox {
    dir: PathBuf,
}

impl FileOutbox {
    /// An outbox in `dir` (made when the first message is written).
    pub fn new(dir: impl Into<PathBuf>) -> FileOutbox {
        FileOutbox { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn write(&self, message: &Message) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let mut rnd = [0u8; 4];
        getrandom::fill(&mut rnd).map_err(|e| std::io::Error::other(e.to_string()))?;
        let name = format!("{nanos:020}-{}.json", crate::session::hex(&rnd));
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let path = self.dir.join(&name);
        let text = serde_json::to_vec_pretty(message).map_err(std::io::Error::other)?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let result = (|| {
            let mut file = options.open(&tmp)?;
            file.write_all(&text)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result.map(|()| path)
    }
}

impl Notifier for FileOutbox {
    fn send<'a>(&'a self, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let outbox = self.clone();
            let message = message.clone();
            let to = message.to.clone();
            tokio::task::spawn_blocking(move || outbox.write(&message))
                .await
                .map_err(|e| AccountError::NotifyFailed(e.to_string()))?
                .map_err(|e| AccountError::NotifyFailed(e.to_string()))?;
            tracing::info!(to = %to, "message written to the outbox");
            Ok(())
        })
    }

    fn recent(&self, limit: usize) -> Result<Vec<Message>, AccountError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(AccountError::NotifyFailed(e.to_string())),
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        names.sort();
        names.reverse();
        Ok(names
            .iter()
            .take(limit)
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|b| serde_json::from_slice(&b).ok())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn the_outbox_keeps_one_file_per_message_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(dir.path().join("outbox"));
        assert!(outbox.recent(10).unwrap().is_empty());
        for i in 0..3 {
            outbox
                .send(&Message {
                    channel: Channel::Email,
                    to: "a@example.ru".into(),
                    subject: format!("s{i}"),
                    body: format!("code {i}"),
                    at: i,
                })
                .await
                .unwrap();
        }
        let recent = outbox.recent(2).unwrap();
        assert_eq!(
            recent
                .iter()
                .map(|m| m.subject.as_str())
                .collect::<Vec<_>>(),
            ["s2", "s1"]
        );
        assert_eq!(std::fs::read_dir(outbox.dir()).unwrap().count(), 3);
        assert!(!format!("{:?}", recent[0]).contains("code"));
    }
}
