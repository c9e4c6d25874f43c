//! E-mail over SMTP against a real server — aiosmtpd from PyPI
//! (tests/smtp/server.py; installed into a virtual environment under the
//! target directory when the system Python lacks it) — on SQLite and
//! PostgreSQL: a registration's code arrives by e-mail (To, the subject in
//! Russian and English, the code that then completes the registration),
//! with the login and the password from a file; a phone's message stays
//! in the outbox. Refused: a wrong password, STARTTLS demanded of a server
//! that offers none, the server down — each `NOTIFY_FAILED`, nothing
//! arrives, no account is made and the one-time flow is closed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use idp::account::{self, Login};
use idp::smtp::{SmtpNotifier, SmtpSettings, SmtpTls};
use idp::{AccountError, Client, FileOutbox, FixedClock, Idp, Notifier, Policy, ServerKeys};
use pki::Diagnostic;
use serde_json::Value;
use store::testing::TestDb;
use zeroize::Zeroizing;

const PASSWORD: &str = "Tr0ub4dor&3-podpis";
const SMTP_USER: &str = "podpis";
const SMTP_PASSWORD: &str = "smtp-pass-7Q";

/// A Python that has aiosmtpd: the system's, or a virtual environment
/// made once under the target directory (pip from PyPI).
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let has = |py: &Path| {
            Command::new(py)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let system = PathBuf::from("python3");
        if has(&system) {
            return system;
        }
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aiosmtpd-venv");
        let py = venv.join("bin/python");
        if !has(&py) {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 runs");
            assert!(
                made.success(),
                "python3 -m venv (Debian: apt-get install python3-venv)"
            );
            let pip = Command::new(&py)
                .args(["-m", "pip", "install", "--quiet", "aiosmtpd==1.4.6"])
                .status()
                .expect("pip runs");
            assert!(pip.success(), "pip install aiosmtpd");
        }
        assert!(has(&py), "aiosmtpd in {}", venv.display());
        py
    })
}

/// The SMTP server, running until dropped.
struct Smtp {
    child: Child,
    port: u16,
    lines: Receiver<String>,
}

impl Smtp {
    fn start(auth: Option<(&str, &str)>) -> Smtp {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut cmd = Command::new(python());
        cmd.arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((user, password)) = auth {
            cmd.args(["--user", user, "--password", password]);
        }
        let mut child = cmd.spawn().expect("the SMTP server starts");
        let out = BufReader::new(child.stdout.take().unwrap());
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let ready = lines
            .recv_timeout(Duration::from_secs(30))
            .expect("the SMTP server says READY");
        let port = ready
            .strip_prefix("READY ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("{ready}"));
        Smtp { child, port, lines }
    }

    /// The next message it accepted, if one comes within `wait`.
    fn message(&self, wait: Duration) -> Option<Value> {
        match self.lines.recv_timeout(wait) {
            Ok(line) => Some(serde_json::from_str(&line).unwrap()),
            Err(RecvTimeoutError::Timeout) => None,
            Err(e) => panic!("the SMTP server stopped: {e}"),
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        // Closing its standard input stops it; kill it if it lingers.
        drop(self.child.stdin.take());
        for _ in 0..50 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn settings(port: u16, tls: SmtpTls, password_file: &Path) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: Some(port),
        tls,
        from: "podpis <noreply@example.ru>".into(),
        username: Some(SMTP_USER.into()),
        password_file: Some(password_file.to_owned()),
        password_env: None,
        timeout_seconds: Some(5),
    }
}

fn provider(store: store::Store, notifier: Arc<dyn Notifier>) -> Idp {
    Idp::new(
        store,
        Arc::new(FixedClock::new(SystemTime::now())),
        ServerKeys::random().unwrap(),
        notifier,
        Policy::default(),
    )
}

/// The six digits after `label` in a message body.
fn code_after(body: &str, label: &str) -> String {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {body}"))
        + label.len();
    body[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

/// A registration that cannot send its code: refused with NOTIFY_FAILED,
/// no account, its flow closed, the failure journaled.
async fn refused(idp: &Idp, url: &str, email: &str, smtp: Option<&Smtp>, what: &str) {
    let client = Client::default();
    let e = account::register_start(idp, email, Zeroizing::new(PASSWORD.into()), &client)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOTIFY_FAILED", "{what}: {e}");
    assert_eq!(e.status(), 503, "{what}");
    assert!(!e.to_string().contains(SMTP_PASSWORD), "{what}: {e}");
    if let Some(s) = smtp {
        assert!(s.message(Duration::from_millis(500)).is_none(), "{what}");
    }
    let login = Login::parse(email).unwrap();
    assert!(
        account::find(idp, &login).await.unwrap().is_none(),
        "{what}"
    );
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let open: Vec<(String,)> =
        sqlx::query_as("SELECT address FROM one_time_flows WHERE address = $1 AND used_at IS NULL")
            .bind(email)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(open.is_empty(), "{what}: the flow stays open");
    let journaled: Vec<(String,)> = sqlx::query_as(
        "SELECT result FROM action_journal WHERE action = 'account.registration'
         AND result = 'NOTIFY_FAILED' AND details LIKE $1",
    )
    .bind(format!("%{}%", account::mask(email)))
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(journaled.len(), 1, "{what}");
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_go_out_by_smtp_on_both_databases() {
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("smtp.pass");
    std::fs::write(&pass_file, format!("{SMTP_PASSWORD}\n")).unwrap();
    let wrong_file = dir.path().join("wrong.pass");
    std::fs::write(&wrong_file, "not-the-password\n").unwrap();
    for db in TestDb::both().await {
        let name = db.name();
        let url = db.url().to_owned();
        let store = db.open().await;
        let smtp = Smtp::start(Some((SMTP_USER, SMTP_PASSWORD)));
        let outbox_dir = dir.path().join(format!("outbox-{name}"));
        let outbox = Arc::new(FileOutbox::new(&outbox_dir));
        let notifier = SmtpNotifier::new(
            &settings(smtp.port, SmtpTls::None, &pass_file),
            outbox.clone(),
        )
        .unwrap();
        let idp = provider(store.clone(), Arc::new(notifier));
        let client = Client::default();

        // A registration: the code arrives by e-mail and completes it.
        let started = account::register_start(
            &idp,
            " Ivanov@Example.RU ",
            Zeroizing::new(PASSWORD.into()),
            &client,
        )
        .await
        .unwrap();
        let mail = smtp
            .message(Duration::from_secs(20))
            .unwrap_or_else(|| panic!("{name}: no message arrived"));
        assert_eq!(mail["to"], "ivanov@example.ru", "{name}: {mail}");
        assert_eq!(mail["rcpt_tos"], serde_json::json!(["ivanov@example.ru"]));
        assert_eq!(mail["mail_from"], "noreply@example.ru", "{name}");
        assert_eq!(mail["from"], "podpis <noreply@example.ru>", "{name}");
        assert_eq!(
            mail["subject"], "Код подтверждения регистрации / Registration code",
            "{name}"
        );
        assert_eq!(mail["authenticated"], true, "{name}");
        let body = mail["body"].as_str().unwrap();
        let code = code_after(body, "Код для регистрации: ");
        assert_eq!(code.len(), 6, "{name}: {body}");
        assert_eq!(code, code_after(body, "Your registration code: "), "{name}");
        assert!(
            outbox.recent(10).unwrap().is_empty(),
            "{name}: e-mail is not left in the outbox"
        );
        let account = account::register_confirm(&idp, &started.pending, &code, &client)
            .await
            .unwrap();
        assert_eq!(
            account.email.as_deref(),
            Some("ivanov@example.ru"),
            "{name}"
        );

        // A phone's message goes to the outbox (an SMS gateway's), not by mail.
        account::register_start(
            &idp,
            "+7 916 000-11-22",
            Zeroizing::new(PASSWORD.into()),
            &client,
        )
        .await
        .unwrap();
        let sms = outbox.recent(10).unwrap();
        assert_eq!(sms.len(), 1, "{name}");
        assert_eq!(sms[0].to, "+79160001122", "{name}");
        assert!(smtp.message(Duration::from_millis(500)).is_none(), "{name}");

        // A wrong password: the server refuses; nothing half-done.
        let wrong = SmtpNotifier::new(
            &settings(smtp.port, SmtpTls::None, &wrong_file),
            outbox.clone(),
        )
        .unwrap();
        let idp_wrong = provider(store.clone(), Arc::new(wrong));
        refused(
            &idp_wrong,
            &url,
            "wrong-pass@example.ru",
            Some(&smtp),
            "wrong password",
        )
        .await;

        // STARTTLS demanded of a server that offers none: no downgrade, no
        // password sent in the clear.
        let tls = SmtpNotifier::new(
            &settings(smtp.port, SmtpTls::Starttls, &pass_file),
            outbox.clone(),
        )
        .unwrap();
        let idp_tls = provider(store.clone(), Arc::new(tls));
        refused(
            &idp_tls,
            &url,
            "starttls@example.ru",
            Some(&smtp),
            "no STARTTLS",
        )
        .await;

        // The server down.
        drop(smtp);
        refused(&idp, &url, "down@example.ru", None, "server down").await;
    }
}

/// Without a username no password is read; the notifier's errors carry
/// the stable codes of docs/errors.md.
#[test]
fn settings_errors_have_codes() {
    let s: SmtpSettings = serde_json::from_str(
        r#"{"host": "127.0.0.1", "port": 1, "tls": "none", "from": "noreply@example.ru"}"#,
    )
    .unwrap();
    assert!(s.password().unwrap().is_none());
    let e = SmtpNotifier::new(
        &SmtpSettings {
            username: Some("u".into()),
            ..s
        },
        Arc::new(FileOutbox::new(std::env::temp_dir())),
    )
    .unwrap_err();
    assert!(matches!(e, AccountError::SmtpConfig(_)));
    assert_eq!(e.code(), "SMTP_CONFIG_INVALID");
}
