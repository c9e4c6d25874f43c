//! The accounts API end to end: the router served on 127.0.0.1:0, called
//! over HTTP by a real client (ureq), on SQLite and on PostgreSQL, with a
//! fixed clock (lockouts and timeouts without sleeping) and the file
//! outbox (the codes are read from the messages as a user would).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use idp::notifier::Notifier;
use idp::{FileOutbox, FixedClock, Idp, Policy, ServerKeys};
use serde_json::{Value, json};
use store::testing::TestDb;

const PASSWORD: &str = "Зелёный-Слон-7";
const NEW_PASSWORD: &str = "Синий-Кит-42";

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

struct Server {
    rt: tokio::runtime::Runtime,
    idp: Idp,
    clock: Arc<FixedClock>,
    outbox: FileOutbox,
    base: String,
    agent: ureq::Agent,
    name: &'static str,
    _dir: tempfile::TempDir,
    _db: TestDb,
}

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code; every error has both messages.
    fn code(&self) -> String {
        let v = self.json();
        assert!(!v["message_ru"].as_str().unwrap().is_empty(), "{v}");
        assert!(!v["message_en"].as_str().unwrap().is_empty(), "{v}");
        v["code"].as_str().unwrap().to_owned()
    }

    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

/// How a call authenticates.
#[derive(Clone, Copy)]
enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The cookie, with the CSRF token (or none).
    Cookie(&'a str, Option<&'a str>),
    Basic(&'a str, &'a str),
}

/// A logged-in session.
#[derive(Debug, Clone)]
struct Session {
    token: String,
    csrf: String,
    id: i64,
}

impl Session {
    fn bearer(&self) -> Auth<'_> {
        Auth::Bearer(&self.token)
    }

    fn cookie(&self) -> Auth<'_> {
        Auth::Cookie(&self.token, Some(&self.csrf))
    }
}

fn policy() -> Policy {
    Policy {
        // The tests give each scenario its own client address.
        trust_forwarded_for: true,
        ip_max_failures: 12,
        ..Policy::default()
    }
}

impl Server {
    fn start(db: TestDb, policy: Policy) -> Server {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(dir.path().join("outbox"));
        let clock = Arc::new(FixedClock::new(t0()));
        let name = db.name();
        let (idp, listener) = rt.block_on(async {
            let store = db.open().await;
            let idp = Idp::new(
                store,
                clock.clone(),
                ServerKeys::load_or_create(dir.path()).unwrap(),
                Arc::new(outbox.clone()),
                policy,
            );
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            (idp, listener)
        });
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = idp::api::account::router(idp.clone());
        rt.spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Server {
            rt,
            idp,
            clock,
            outbox,
            base,
            agent,
            name,
            _dir: dir,
            _db: db,
        }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        ip: &str,
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let text = body.map(Value::to_string).unwrap_or_default();
        let auth_header = match auth {
            Auth::Bearer(t) => Some(format!("Bearer {t}")),
            Auth::Basic(l, p) => Some(format!("Basic {}", STANDARD.encode(format!("{l}:{p}")))),
            _ => None,
        };
        let response = match method {
            "GET" => {
                let mut r = self.agent.get(&url).header("X-Forwarded-For", ip);
                if let Some(a) = &auth_header {
                    r = r.header("Authorization", a);
                }
                if let Auth::Cookie(t, _) = auth {
                    r = r.header("Cookie", &format!("lang=ru; podpis_session={t}"));
                }
                r.call()
            }
            _ => {
                let mut r = match method {
                    "POST" => self.agent.post(&url),
                    "PUT" => self.agent.put(&url),
                    _ => self.agent.delete(&url).force_send_body(),
                }
                .header("X-Forwarded-For", ip)
                .header("User-Agent", "accounts-http-test")
                .content_type("application/json");
                if let Some(a) = &auth_header {
                    r = r.header("Authorization", a);
                }
                if let Auth::Cookie(t, csrf) = auth {
                    r = r.header("Cookie", &format!("podpis_session={t}"));
                    if let Some(c) = csrf {
                        r = r.header("X-CSRF-Token", c);
                    }
                }
                r.send(text.as_bytes())
            }
        }
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.into_body().read_to_vec().unwrap();
        Reply {
            status,
            headers,
            body,
        }
    }

    fn post(&self, path: &str, auth: Auth<'_>, ip: &str, body: Value) -> Reply {
        self.call("POST", path, auth, ip, Some(&body))
    }

    fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.call("GET", path, auth, "192.0.2.1", None)
    }

    /// The code in the newest message to `to`.
    fn last_code(&self, to: &str) -> String {
        let messages = self.outbox.recent(50).unwrap();
        let m = messages
            .iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no message to {to}"));
        let digits: Vec<char> = m.body.chars().collect();
        for w in digits.windows(6) {
            if w.iter().all(char::is_ascii_digit) {
                return w.iter().collect();
            }
        }
        panic!("no code in {:?}", m.body)
    }

    fn messages_to(&self, to: &str) -> usize {
        self.outbox
            .recent(1000)
            .unwrap()
            .iter()
            .filter(|m| m.to == to)
            .count()
    }

    fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Registers `email` with [`PASSWORD`]; returns the account id.
    fn register(&self, email: &str) -> i64 {
        let ip = "198.51.100.1";
        let r = self.post(
            "/api/v1/account/register",
            Auth::None,
            ip,
            json!({"login": email, "password": PASSWORD}),
        );
        assert_eq!(
            r.status,
            202,
            "{}: {}",
            self.name,
            String::from_utf8_lossy(&r.body)
        );
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let code = self.last_code(email);
        let r = self.post(
            "/api/v1/account/register/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["id"].as_i64().unwrap()
    }

    /// Step one of a login; the reply.
    fn password_step(&self, login: &str, password: &str, ip: &str) -> Reply {
        self.post(
            "/api/v1/login/password",
            Auth::None,
            ip,
            json!({"login": login, "password": password}),
        )
    }

    /// A whole password + e-mailed code login.
    fn login(&self, email: &str, password: &str, ip: &str) -> Session {
        let r = self.password_step(email, password, ip);
        assert_eq!(
            r.status,
            200,
            "{}: {}",
            self.name,
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        let pending = v["pending"].as_str().unwrap().to_owned();
        let code = match v["second_factor"].as_str().unwrap() {
            "email" => self.last_code(email),
            other => panic!("second factor {other}"),
        };
        self.otp(&pending, &code, ip)
    }

    fn otp(&self, pending: &str, code: &str, ip: &str) -> Session {
        let r = self.post(
            "/api/v1/login/password/otp",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(
            r.status,
            200,
            "{}: {}",
            self.name,
            String::from_utf8_lossy(&r.body)
        );
        let v = r.json();
        Session {
            token: v["token"].as_str().unwrap().to_owned(),
            csrf: v["csrf_token"].as_str().unwrap().to_owned(),
            id: v["id"].as_i64().unwrap(),
        }
    }

    fn unix_now(&self) -> u64 {
        self.idp
            .now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }
}

fn both() -> Vec<TestDb> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(TestDb::both())
}

#[test]
fn registration_then_password_and_otp_login() {
    for db in both() {
        let s = Server::start(db, policy());
        let ip = "203.0.113.5";
        let email = "ivanov@example.ru";

        // Weak passwords are refused before anything is sent.
        for (password, code) in [
            ("Ab1!", "PASSWORD_TOO_SHORT"),
            ("abcdefghijk", "PASSWORD_TOO_SIMPLE"),
            ("Password123", "PASSWORD_COMMON"),
        ] {
            let r = s.post(
                "/api/v1/account/register",
                Auth::None,
                ip,
                json!({"login": email, "password": password}),
            );
            assert_eq!((r.status, r.code().as_str()), (422, code), "{}", s.name);
        }
        let r = s.post(
            "/api/v1/account/register",
            Auth::None,
            ip,
            json!({"login": "nobody", "password": PASSWORD}),
        );
        assert_eq!(r.code(), "LOGIN_INVALID");
        let r = s.post(
            "/api/v1/account/register",
            Auth::None,
            ip,
            json!({"login": email}),
        );
        assert_eq!((r.status, r.code().as_str()), (400, "API_BAD_REQUEST"));
        assert_eq!(s.messages_to(email), 0);

        // The code goes to the address; a wrong one is refused, then the
        // right one creates the account.
        let r = s.post(
            "/api/v1/account/register",
            Auth::None,
            ip,
            json!({"login": " Ivanov@Example.RU ", "password": PASSWORD}),
        );
        assert_eq!(r.status, 202);
        let started = r.json();
        assert_eq!(started["channel"], "email");
        assert_eq!(started["sent_to"], "iv***@example.ru");
        assert_eq!(started["expires_in"], 600);
        let pending = started["pending"].as_str().unwrap();
        let code = s.last_code(email);
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        let r = s.post(
            "/api/v1/account/register/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": wrong}),
        );
        assert_eq!((r.status, r.code().as_str()), (401, "OTP_INVALID"));
        let r = s.post(
            "/api/v1/account/register/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.status, 201);
        let account = r.json();
        assert_eq!(account["level"], "simplified");
        assert_eq!(account["email"], email);
        assert_eq!(account["email_verified"], true);
        assert!(account.get("password_hash").is_none());
        let id = account["id"].as_i64().unwrap();
        // The code is single-use.
        let r = s.post(
            "/api/v1/account/register/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.code(), "OTP_EXPIRED");

        // Registering the address again looks the same, but the message
        // says an account exists and no code can complete it.
        let r = s.post(
            "/api/v1/account/register",
            Auth::None,
            ip,
            json!({"login": email, "password": NEW_PASSWORD}),
        );
        assert_eq!(r.status, 202);
        let again = r.json();
        assert_eq!(again["sent_to"], started["sent_to"]);
        let text = &s.outbox.recent(1).unwrap()[0].body;
        assert!(text.contains("уже есть учётная запись"), "{text}");
        let r = s.post(
            "/api/v1/account/register/confirm",
            Auth::None,
            ip,
            json!({"pending": again["pending"], "code": "123456"}),
        );
        assert_eq!(r.code(), "OTP_INVALID");

        // Login: a wrong password and an unknown login get the same answer.
        let wrong_pw = s.password_step(email, NEW_PASSWORD, ip);
        let unknown = s.password_step("petrov@example.ru", PASSWORD, ip);
        assert_eq!((wrong_pw.status, unknown.status), (401, 401));
        assert_eq!(wrong_pw.json(), unknown.json());
        assert_eq!(wrong_pw.code(), "LOGIN_FAILED");

        // Step one, then the e-mailed code.
        let r = s.password_step(email, PASSWORD, ip);
        assert_eq!(r.status, 200);
        let v = r.json();
        assert_eq!(v["second_factor"], "email");
        assert_eq!(v["sent_to"], "iv***@example.ru");
        let pending = v["pending"].as_str().unwrap().to_owned();
        let code = s.last_code(email);
        let r = s.post(
            "/api/v1/login/password/otp",
            Auth::None,
            ip,
            json!({"pending": pending, "code": "000000"}),
        );
        assert_eq!(r.code(), "OTP_INVALID");
        assert!(
            r.json()["message_en"]
                .as_str()
                .unwrap()
                .contains("4 tries left")
        );
        let r = s.post(
            "/api/v1/login/password/otp",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.status, 200);
        let cookie = r.header("set-cookie").to_owned();
        for attr in [
            "podpis_session=",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(cookie.contains(attr), "{cookie}");
        }
        let v = r.json();
        assert_eq!(v["amr"], json!(["pwd", "otp"]));
        let session = Session {
            token: v["token"].as_str().unwrap().to_owned(),
            csrf: v["csrf_token"].as_str().unwrap().to_owned(),
            id: v["id"].as_i64().unwrap(),
        };
        assert!(cookie.contains(&session.token));
        // The pending login is spent.
        let r = s.post(
            "/api/v1/login/password/otp",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.code(), "OTP_EXPIRED");

        // The account, by bearer and by cookie; security headers on both.
        let r = s.get("/api/v1/account", session.bearer());
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["id"], id);
        assert_eq!(r.json()["session"]["csrf_token"], session.csrf.as_str());
        assert!(
            r.header("content-security-policy")
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff");
        let r = s.get("/api/v1/account", session.cookie());
        assert_eq!(r.json()["email"], email);
        let r = s.get("/api/v1/account", Auth::None);
        assert_eq!((r.status, r.code().as_str()), (401, "SESSION_REQUIRED"));
        let r = s.get("/api/v1/account", Auth::Bearer("forged"));
        assert_eq!(r.code(), "SESSION_REQUIRED");

        // Enrolling an authenticator app: CSRF needed with the cookie.
        let r = s.call(
            "POST",
            "/api/v1/account/totp",
            Auth::Cookie(&session.token, None),
            ip,
            None,
        );
        assert_eq!((r.status, r.code().as_str()), (403, "CSRF_FAILED"));
        let r = s.call(
            "POST",
            "/api/v1/account/totp",
            Auth::Cookie(&session.token, Some("x")),
            ip,
            None,
        );
        assert_eq!(r.code(), "CSRF_FAILED");
        let r = s.call("POST", "/api/v1/account/totp", session.cookie(), ip, None);
        assert_eq!(r.status, 200);
        let enrol = r.json();
        let uri = enrol["uri"].as_str().unwrap();
        assert!(
            uri.starts_with("otpauth://totp/podpis:ivanov%40example.ru?secret="),
            "{uri}"
        );
        let secret = idp::otp::base32_decode(enrol["secret"].as_str().unwrap()).unwrap();
        assert_eq!(secret.len(), 20);
        let now_code = |s: &Server| {
            idp::otp::totp(idp::otp::Algorithm::Sha1, &secret, s.unix_now(), 6).unwrap()
        };
        let r = s.post(
            "/api/v1/account/totp/confirm",
            session.bearer(),
            ip,
            json!({"code": "000000"}),
        );
        assert_eq!(r.code(), "OTP_INVALID");
        let r = s.post(
            "/api/v1/account/totp/confirm",
            session.bearer(),
            ip,
            json!({"code": now_code(&s)}),
        );
        assert_eq!(r.status, 204, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            s.get("/api/v1/account", session.bearer()).json()["totp_enrolled"],
            true
        );
        let sealed =
            s.rt.block_on(s.idp.store().account(id))
                .unwrap()
                .unwrap()
                .totp_secret
                .unwrap();
        assert!(
            !sealed.windows(20).any(|w| w == &secret[..]),
            "sealed at rest"
        );

        // Now the login asks for the app's code; each step's code once.
        s.advance(Duration::from_secs(60));
        let r = s.password_step(email, PASSWORD, ip);
        assert_eq!(r.json()["second_factor"], "totp");
        assert_eq!(r.json()["sent_to"], Value::Null);
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let code = now_code(&s);
        let second = s.otp(&pending, &code, ip);
        assert_ne!(second.token, session.token);
        let r = s.password_step(email, PASSWORD, ip);
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let r = s.post(
            "/api/v1/login/password/otp",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code}),
        );
        assert_eq!(r.code(), "OTP_INVALID", "a TOTP code is accepted once");
        s.advance(Duration::from_secs(30));
        s.otp(&pending, &now_code(&s), ip);
        // Removing the app needs the password.
        let r = s.call(
            "DELETE",
            "/api/v1/account/totp",
            second.bearer(),
            ip,
            Some(&json!({"password": NEW_PASSWORD})),
        );
        assert_eq!((r.status, r.code().as_str()), (403, "PASSWORD_WRONG"));
        let r = s.call(
            "DELETE",
            "/api/v1/account/totp",
            second.bearer(),
            ip,
            Some(&json!({"password": PASSWORD})),
        );
        assert_eq!(r.status, 204);
        assert_eq!(
            s.password_step(email, PASSWORD, ip).json()["second_factor"],
            "email"
        );

        // Identity data: checked, then standard; an operator confirms.
        let mut form = json!({
            "surname": "Иванов", "given_name": "Иван", "patronymic": "Иванович",
            "birthdate": "1980-01-02", "snils": "112-233-445 96", "inn": "500100732259",
            "passport_series": "4510", "passport_number": "123456", "passport_issued": "2005-03-04"
        });
        let r = s.call(
            "PUT",
            "/api/v1/account/identity",
            session.bearer(),
            ip,
            Some(&form),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (422, "SNILS_INVALID_CHECKSUM")
        );
        form["snils"] = json!("112-233-445 95");
        let r = s.call(
            "PUT",
            "/api/v1/account/identity",
            Auth::Cookie(&session.token, None),
            ip,
            Some(&form),
        );
        assert_eq!(r.code(), "CSRF_FAILED");
        let r = s.call(
            "PUT",
            "/api/v1/account/identity",
            session.cookie(),
            ip,
            Some(&form),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["level"], "standard");
        assert_eq!(r.json()["snils"], "11223344595");

        let hash =
            s.rt.block_on(idp::password::hash(zeroize::Zeroizing::new(
                "operator-pass-1".into(),
            )))
            .unwrap();
        s.rt.block_on(
            s.idp
                .store()
                .put_operator("petrova", &hash, "operator", false, t0()),
        )
        .unwrap();
        let path = format!("/api/v1/operator/accounts/{id}/confirm");
        let doc = json!({"document": "паспорт РФ 4510 123456"});
        let r = s.post(&path, Auth::None, ip, doc.clone());
        assert_eq!((r.status, r.code().as_str()), (401, "API_AUTH_REQUIRED"));
        let r = s.post(&path, Auth::Basic("petrova", "wrong"), ip, doc.clone());
        assert_eq!(r.code(), "API_AUTH_FAILED");
        let r = s.post(
            "/api/v1/operator/accounts/999/confirm",
            Auth::Basic("petrova", "operator-pass-1"),
            ip,
            doc.clone(),
        );
        assert_eq!((r.status, r.code().as_str()), (404, "ACCOUNT_NOT_FOUND"));
        // The SNILS on the document, when given, must be the account's.
        let with_snils = |snils: &str| {
            let body = json!({"document": "паспорт РФ 4510 123456", "snils": snils});
            s.post(&path, Auth::Basic("petrova", "operator-pass-1"), ip, body)
        };
        for (snils, status, code) in [
            ("112-233-445 96", 422, "SNILS_INVALID_CHECKSUM"),
            ("123-456-789 64", 409, "ACCOUNT_SNILS_MISMATCH"),
        ] {
            let r = with_snils(snils);
            assert_eq!((r.status, r.code().as_str()), (status, code), "{snils}");
        }
        let r = with_snils("112-233-445 95");
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["level"], "confirmed");
        assert_eq!(r.json()["confirmed_by"], "operator:petrova");
        // A confirmed account's identity is no longer the user's to change.
        let r = s.call(
            "PUT",
            "/api/v1/account/identity",
            session.bearer(),
            ip,
            Some(&form),
        );
        assert_eq!((r.status, r.code().as_str()), (409, "PROFILE_CONFIRMED"));

        // The user's journal, filtered.
        let r = s.get(
            "/api/v1/journal?action=login.&result=failed",
            session.bearer(),
        );
        let entries = r.json()["entries"].as_array().unwrap().clone();
        let results: Vec<&str> = entries
            .iter()
            .map(|e| e["result"].as_str().unwrap())
            .collect();
        assert_eq!(
            results,
            ["OTP_INVALID", "OTP_INVALID", "LOGIN_FAILED"],
            "{}",
            s.name
        );
        assert_eq!(entries[2]["ip"], ip);
        assert_eq!(entries[2]["user_agent"], "accounts-http-test");
        let r = s.get("/api/v1/journal?action=account.confirmed", session.bearer());
        let e = &r.json()["entries"][0];
        assert_eq!(e["details"]["operator"], "petrova");
        assert_eq!(e["details"]["document"], "паспорт РФ 4510 123456");
        let r = s.get(
            &format!("/api/v1/journal?from={}&limit=2", s.unix_now()),
            session.bearer(),
        );
        assert_eq!(r.json()["entries"].as_array().unwrap().len(), 2);
        assert!(r.json()["next_before"].is_i64());
        let report =
            s.rt.block_on(idp::journal::verify(s.idp.store(), s.idp.keys()))
                .unwrap();
        assert!(report.is_intact(), "{:?}", report.problems);

        // No demo outbox outside demo mode.
        let r = s.get("/api/v1/demo/outbox", Auth::None);
        assert_eq!((r.status, r.code().as_str()), (404, "DEMO_MODE_OFF"));
        let r = s.get("/api/v1/nowhere", Auth::None);
        assert_eq!(r.status, 404);
    }
}

#[test]
fn lockout_escalates_and_never_tells_whether_the_account_exists() {
    for db in both() {
        // The per-address limit is tested on its own below.
        let s = Server::start(
            db,
            Policy {
                ip_max_failures: 1000,
                ..policy()
            },
        );
        let email = "ivanov@example.ru";
        let id = s.register(email);
        let ip = "203.0.113.10";
        let fail5 = |s: &Server, login: &str, ip: &str| -> Reply {
            let mut last = None;
            for i in 1..=5 {
                let r = s.password_step(login, NEW_PASSWORD, ip);
                if i < 5 {
                    assert_eq!(r.code(), "LOGIN_FAILED", "{} attempt {i}", s.name);
                }
                last = Some(r);
            }
            last.unwrap()
        };
        let r = fail5(&s, email, ip);
        assert_eq!(
            (r.status, r.code().as_str()),
            (429, "LOGIN_LOCKED"),
            "{}",
            s.name
        );
        assert_eq!(r.header("retry-after"), "900");
        // Locked: even the right password is refused, without a word about it.
        let r = s.password_step(email, PASSWORD, ip);
        assert_eq!(r.code(), "LOGIN_LOCKED");
        // An unknown login locks the same way, with the same answer.
        let unknown = fail5(&s, "nobody@example.ru", "203.0.113.11");
        assert_eq!(unknown.code(), "LOGIN_LOCKED");
        assert_eq!(unknown.header("retry-after"), "900");
        let a = s.password_step(email, PASSWORD, ip).json();
        let b = s
            .password_step("nobody@example.ru", PASSWORD, "203.0.113.11")
            .json();
        assert_eq!(a, b);

        // Each lock doubles: 15, 30, 60 minutes.
        for (n, expect) in [(2, "1800"), (3, "3600")] {
            let wait = if n == 2 { mins(15) } else { mins(30) };
            s.advance(wait);
            assert_eq!(
                s.password_step(email, PASSWORD, ip).status,
                200,
                "the lock ended"
            );
            let r = fail5(&s, email, ip);
            assert_eq!(r.header("retry-after"), expect, "{} lock {n}", s.name);
        }
        // Wrong one-time codes count too (the lock after 60 min passes).
        s.advance(mins(60));
        let r = s.password_step(email, PASSWORD, ip);
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let mut last = None;
        for _ in 0..5 {
            last = Some(s.post(
                "/api/v1/login/password/otp",
                Auth::None,
                ip,
                json!({"pending": pending, "code": "000000"}),
            ));
        }
        let r = last.unwrap();
        assert_eq!(r.code(), "LOGIN_LOCKED");
        assert_eq!(r.header("retry-after"), "7200");

        // A good login resets the escalation: the next lock is 15 min.
        s.advance(mins(120));
        s.login(email, PASSWORD, ip);
        let r = fail5(&s, email, ip);
        assert_eq!(r.header("retry-after"), "900");

        // Recovery is a way out: it clears the lock at once.
        let r = s.post(
            "/api/v1/account/recover",
            Auth::None,
            ip,
            json!({"login": email}),
        );
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let code = s.last_code(email);
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code, "new_password": NEW_PASSWORD}),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        s.login(email, NEW_PASSWORD, ip);

        // Every attempt is in the account's journal.
        let store = s.idp.store();
        let entries =
            s.rt.block_on(store.actions(&store::action_journal::ActionFilter {
                account_id: Some(id),
                action: Some("login.password".into()),
                limit: Some(1000),
                ..Default::default()
            }))
            .unwrap();
        let locked = entries
            .iter()
            .filter(|e| e.result == "LOGIN_LOCKED")
            .count();
        let failed = entries
            .iter()
            .filter(|e| e.result == "LOGIN_FAILED")
            .count();
        assert_eq!((failed, locked), (20, 2), "{}", s.name);
        assert!(entries.iter().any(|e| e.details["lock_count"] == 3));
        // Attempts on the unknown login went to the shared chain, masked.
        let shared =
            s.rt.block_on(store.actions(&store::action_journal::ActionFilter {
                action: Some("login.password".into()),
                limit: Some(1000),
                ..Default::default()
            }))
            .unwrap();
        let unknown: Vec<_> = shared.iter().filter(|e| e.account_id.is_none()).collect();
        assert_eq!(unknown.len(), 6);
        assert!(
            unknown
                .iter()
                .all(|e| e.details["login"] == "no***@example.ru")
        );
    }
}

#[test]
fn the_per_address_limit_applies_on_top() {
    for db in both() {
        let s = Server::start(db, policy());
        let email = "ivanov@example.ru";
        s.register(email);
        let bad = "203.0.113.66";
        // Different unknown logins: no login lock, only the address counts.
        for i in 0..12 {
            let r = s.password_step(&format!("user{i}@example.ru"), PASSWORD, bad);
            assert_eq!(r.code(), "LOGIN_FAILED", "{} attempt {i}", s.name);
        }
        let r = s.password_step(email, PASSWORD, bad);
        assert_eq!((r.status, r.code().as_str()), (429, "LOGIN_RATE_LIMITED"));
        assert_eq!(r.header("retry-after"), "900");
        // Another address is not affected; the limit ends with its window.
        assert_eq!(s.password_step(email, PASSWORD, "203.0.113.67").status, 200);
        s.advance(mins(16));
        assert_eq!(s.password_step(email, PASSWORD, bad).status, 200);
    }
}

#[test]
fn recovery_and_password_change_end_the_other_sessions() {
    for db in both() {
        let s = Server::start(db, policy());
        let email = "ivanov@example.ru";
        s.register(email);
        let ip = "203.0.113.20";
        let a = s.login(email, PASSWORD, ip);
        let b = s.login(email, PASSWORD, ip);
        let c = s.login(email, PASSWORD, ip);

        // A password change ends every other session.
        let r = s.post(
            "/api/v1/account/password",
            a.bearer(),
            ip,
            json!({"current": NEW_PASSWORD, "new": NEW_PASSWORD}),
        );
        assert_eq!((r.status, r.code().as_str()), (403, "PASSWORD_WRONG"));
        let r = s.post(
            "/api/v1/account/password",
            a.bearer(),
            ip,
            json!({"current": PASSWORD, "new": "qwerty12345"}),
        );
        assert_eq!(r.code(), "PASSWORD_TOO_SIMPLE");
        let r = s.post(
            "/api/v1/account/password",
            a.bearer(),
            ip,
            json!({"current": PASSWORD, "new": NEW_PASSWORD}),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(r.json()["ended_sessions"], 2);
        assert_eq!(s.get("/api/v1/account", a.bearer()).status, 200);
        assert_eq!(
            s.get("/api/v1/account", b.bearer()).code(),
            "SESSION_REQUIRED"
        );
        assert_eq!(
            s.get("/api/v1/account", c.bearer()).code(),
            "SESSION_REQUIRED"
        );

        // Recovery: the same answer for an unknown login, and no message.
        let r = s.post(
            "/api/v1/account/recover",
            Auth::None,
            ip,
            json!({"login": "nobody@example.ru"}),
        );
        assert_eq!(r.status, 202);
        assert_eq!(s.messages_to("nobody@example.ru"), 0);
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": r.json()["pending"], "code": "123456", "new_password": PASSWORD}),
        );
        assert_eq!(r.code(), "OTP_INVALID");

        let d = s.login(email, NEW_PASSWORD, ip);
        let r = s.post(
            "/api/v1/account/recover",
            Auth::None,
            ip,
            json!({"login": email}),
        );
        assert_eq!(r.status, 202);
        let started = r.json();
        assert_eq!(started["sent_to"], "iv***@example.ru");
        let pending = started["pending"].as_str().unwrap().to_owned();
        let code = s.last_code(email);
        assert!(
            s.outbox.recent(1).unwrap()[0]
                .body
                .contains("восстановления")
        );
        // A weak new password is refused without spending the code.
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code, "new_password": "Password1"}),
        );
        assert_eq!(r.code(), "PASSWORD_COMMON");
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code, "new_password": PASSWORD}),
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["ended_sessions"], 2, "{}", s.name);
        for session in [&a, &d] {
            assert_eq!(
                s.get("/api/v1/account", session.bearer()).code(),
                "SESSION_REQUIRED"
            );
        }
        assert_eq!(
            s.password_step(email, NEW_PASSWORD, ip).code(),
            "LOGIN_FAILED"
        );
        s.login(email, PASSWORD, ip);
        // The code cannot be used twice; an expired flow is refused.
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code, "new_password": NEW_PASSWORD}),
        );
        assert_eq!(r.code(), "OTP_EXPIRED");
        let r = s.post(
            "/api/v1/account/recover",
            Auth::None,
            ip,
            json!({"login": email}),
        );
        let pending = r.json()["pending"].as_str().unwrap().to_owned();
        let code = s.last_code(email);
        s.advance(mins(11));
        let r = s.post(
            "/api/v1/account/recover/confirm",
            Auth::None,
            ip,
            json!({"pending": pending, "code": code, "new_password": NEW_PASSWORD}),
        );
        assert_eq!(r.code(), "OTP_EXPIRED");
    }
}

#[test]
fn sessions_time_out_and_can_be_ended() {
    for db in both() {
        let s = Server::start(db, policy());
        let email = "ivanov@example.ru";
        s.register(email);
        let ip = "203.0.113.30";

        // Idle timeout: 30 minutes without a request.
        let a = s.login(email, PASSWORD, ip);
        s.advance(mins(29));
        assert_eq!(s.get("/api/v1/account", a.bearer()).status, 200);
        s.advance(mins(29));
        assert_eq!(
            s.get("/api/v1/account", a.bearer()).status,
            200,
            "{}: touched",
            s.name
        );
        s.advance(mins(31));
        assert_eq!(
            s.get("/api/v1/account", a.bearer()).code(),
            "SESSION_REQUIRED"
        );
        // Absolute timeout: 12 hours however busy.
        let b = s.login(email, PASSWORD, ip);
        for _ in 0..28 {
            s.advance(mins(25));
            assert_eq!(s.get("/api/v1/account", b.bearer()).status, 200);
        }
        s.advance(mins(20));
        assert_eq!(
            s.get("/api/v1/account", b.bearer()).code(),
            "SESSION_REQUIRED"
        );

        // The list, ending one, «выйти на всех устройствах», logout.
        let c = s.login(email, PASSWORD, ip);
        let d = s.login(email, PASSWORD, "203.0.113.31");
        let e = s.login(email, PASSWORD, ip);
        let r = s.get("/api/v1/sessions", c.cookie());
        let list = r.json()["sessions"].as_array().unwrap().clone();
        assert_eq!(list.len(), 3, "{}", s.name);
        assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
        assert!(list.iter().any(|x| x["ip"] == "203.0.113.31"));
        assert_eq!(list[0]["amr"], json!(["pwd", "otp"]));
        let r = s.call(
            "DELETE",
            &format!("/api/v1/sessions/{}", d.id),
            Auth::Cookie(&c.token, None),
            ip,
            None,
        );
        assert_eq!(r.code(), "CSRF_FAILED");
        let r = s.call(
            "DELETE",
            &format!("/api/v1/sessions/{}", d.id),
            c.cookie(),
            ip,
            None,
        );
        assert_eq!(r.status, 204);
        assert_eq!(
            s.get("/api/v1/account", d.bearer()).code(),
            "SESSION_REQUIRED"
        );
        let r = s.call(
            "DELETE",
            &format!("/api/v1/sessions/{}", d.id),
            c.bearer(),
            ip,
            None,
        );
        assert_eq!((r.status, r.code().as_str()), (404, "SESSION_NOT_FOUND"));
        let f = s.login(email, PASSWORD, ip);
        let r = s.post(
            "/api/v1/sessions/end-all",
            c.bearer(),
            ip,
            json!({"keep_current": true}),
        );
        assert_eq!(r.json()["ended"], 2);
        assert_eq!(
            s.get("/api/v1/account", e.bearer()).code(),
            "SESSION_REQUIRED"
        );
        assert_eq!(
            s.get("/api/v1/account", f.bearer()).code(),
            "SESSION_REQUIRED"
        );
        assert_eq!(s.get("/api/v1/account", c.bearer()).status, 200);
        let g = s.login(email, PASSWORD, ip);
        let r = s.call("POST", "/api/v1/sessions/end-all", c.cookie(), ip, None);
        assert_eq!(r.json()["ended"], 2);
        assert!(r.header("set-cookie").contains("Max-Age=0"));
        for x in [&c, &g] {
            assert_eq!(
                s.get("/api/v1/account", x.bearer()).code(),
                "SESSION_REQUIRED"
            );
        }
        // Logout ends only this session and clears the cookie.
        let h = s.login(email, PASSWORD, ip);
        let i = s.login(email, PASSWORD, ip);
        let r = s.call(
            "POST",
            "/api/v1/logout",
            Auth::Cookie(&h.token, None),
            ip,
            None,
        );
        assert_eq!(r.code(), "CSRF_FAILED");
        let r = s.call("POST", "/api/v1/logout", h.cookie(), ip, None);
        assert_eq!(r.status, 204);
        assert!(r.header("set-cookie").starts_with("podpis_session=;"));
        assert_eq!(
            s.get("/api/v1/account", h.bearer()).code(),
            "SESSION_REQUIRED"
        );
        assert_eq!(s.get("/api/v1/account", i.bearer()).status, 200);
    }
}

#[test]
fn demo_mode_shows_the_outbox_and_plain_http_drops_secure() {
    let db = TestDb::sqlite();
    let s = Server::start(
        db,
        Policy {
            demo: true,
            secure_cookies: false,
            hsts: false,
            ..policy()
        },
    );
    let email = "demo@example.ru";
    s.register(email);
    let r = s.get("/api/v1/demo/outbox", Auth::None);
    assert_eq!(r.status, 200);
    let m = &r.json()["messages"][0];
    assert_eq!(m["to"], email);
    assert_eq!(m["channel"], "email");
    let r = s.password_step(email, PASSWORD, "203.0.113.40");
    let pending = r.json()["pending"].as_str().unwrap().to_owned();
    let code = s.last_code(email);
    let r = s.post(
        "/api/v1/login/password/otp",
        Auth::None,
        "203.0.113.40",
        json!({"pending": pending, "code": code}),
    );
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && !cookie.contains("Secure"),
        "{cookie}"
    );
}
