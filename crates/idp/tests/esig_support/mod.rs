//! What the e-signature login tests and the load example share: CAs made
//! with `ca::init` on their own SQLite stores, whose qualified
//! certificates come from the real workflow (submit → identify → approve
//! → issue) and whose OCSP responder and CRL are served by the CA's
//! publication router on a port of their own; accounts inserted in the
//! idp database; signing a challenge; a small JSON client.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ca::applicant::ApplicantForm;
use ca::http::{Publication, PublicationConfig};
use ca::identification::IdentificationRecord;
use ca::service::{PublicationSetup, publication_for};
use ca::{Ca, CaSettings, FixedClock, InitParams, Operator};
use der::{Decode, Encode};
use gost::{ParamSet, SigningKey};
use pki::cms::{Content, SignOptions};
use pki::csr::CsrBuilder;
use pki::identifiers::{Inn, Ogrn};
use pki::profile::IdentificationKind;
use pki::{KeySigner, Signer};
use sqlx::any::AnyPoolOptions;
use store::testing::TestDb;
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;

pub const DAY: Duration = Duration::from_secs(86400);

/// The tests' "now" in whole seconds, one for the whole binary.
pub fn t0() -> SystemTime {
    static T0: std::sync::OnceLock<SystemTime> = std::sync::OnceLock::new();
    *T0.get_or_init(|| {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    })
}

/// A valid SNILS (with its control number) for `n` (1002..999_999_999).
pub fn snils(n: u32) -> String {
    let digits = format!("{n:09}");
    let sum: u32 = digits
        .bytes()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * (9 - i as u32))
        .sum();
    let check = match sum {
        s if s < 100 => s,
        100 | 101 => 0,
        s => {
            let r = s % 101;
            if r == 100 { 0 } else { r }
        }
    };
    format!("{digits}{check:02}")
}

pub fn key() -> Arc<KeySigner> {
    Arc::new(KeySigner::new(
        SigningKey::generate(ParamSet::Tc26A256).unwrap(),
    ))
}

/// How a CA's revocation services are reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// OCSP and the CRL.
    OcspAndCrl,
    /// The CRL only (OCSP answers 404).
    CrlOnly,
    /// Nothing listens on the URLs in its certificates.
    Nothing,
}

/// A CA initialised three years before [`t0`], its clock at [`t0`].
pub struct TestCa {
    pub ca: Ca,
    pub clock: Arc<FixedClock>,
    pub issuing_key: Arc<KeySigner>,
    pub base: String,
    _db: TestDb,
    _tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn operator() -> Operator {
    Operator {
        organisation: "АО «Тестовый УЦ»".into(),
        ogrn: Ogrn::parse("1027700132195").unwrap(),
        innle: Inn::parse_legal_entity("7707083893").unwrap(),
        locality: Some("г. Москва".into()),
        street: Some("ул. Тверская, д. 1".into()),
        email: Some("ca@example.ru".into()),
    }
}

impl TestCa {
    pub async fn start(name: &str, served: Served) -> TestCa {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let db = TestDb::sqlite();
        let store = db.open().await;
        let root_key = key();
        let issuing_key = key();
        let mut params = InitParams::new(operator(), "test:root", "test:issuing");
        params.root_common_name = Some(format!("{name} — корневой УЦ"));
        params.issuing_common_name = Some(format!("{name} — УЦ"));
        params.settings = CaSettings {
            crl_urls: vec![format!("{base}/crl/ca.crl")],
            ocsp_urls: vec![format!("{base}/ocsp")],
            ..CaSettings::new()
        };
        ca::init(
            &store,
            &params,
            root_key.as_ref(),
            issuing_key.as_ref(),
            t0() - 3 * 365 * DAY,
            "ceremony",
        )
        .await
        .unwrap();
        let clock = Arc::new(FixedClock::new(t0()));
        let ca = Ca::open(store, clock.clone())
            .await
            .unwrap()
            .with_signer(issuing_key.clone())
            .unwrap();
        let ocsp_key: Arc<dyn Signer> = key();
        let (publication, status) = publication_for(
            &ca,
            Some(ocsp_key),
            None,
            &PublicationSetup::new(const_oid::ObjectIdentifier::new_unwrap("1.2.643.100.200.1")),
        )
        .await
        .unwrap();
        let config = PublicationConfig {
            poll_changes: None,
            ..PublicationConfig::default()
        };
        let mut tasks = Vec::new();
        match served {
            Served::Nothing => drop(listener),
            Served::OcspAndCrl | Served::CrlOnly => {
                let router = if served == Served::CrlOnly {
                    Publication {
                        ocsp: None,
                        crl: publication.crl.clone(),
                        tsa: None,
                    }
                    .router(&config)
                } else {
                    publication.router(&config)
                };
                tasks.push(tokio::spawn(async move {
                    axum::serve(listener, router).await.unwrap();
                }));
                tasks.extend(publication.start(status, &config).await.unwrap());
            }
        }
        TestCa {
            ca,
            clock,
            issuing_key,
            base,
            _db: db,
            _tasks: tasks,
        }
    }

    /// The root certificate (the trust anchor).
    pub fn root(&self) -> Certificate {
        self.ca.root().cert.clone()
    }

    /// The issuing CA's certificate.
    pub fn issuing(&self) -> Certificate {
        self.ca.issuing().cert.clone()
    }

    /// A qualified certificate for a person with this SNILS, issued at
    /// `at` through the whole workflow.
    pub async fn issue_at(&self, snils: &str, surname: &str, at: SystemTime) -> Holder {
        self.clock.set(at);
        let key = key();
        let csr = CsrBuilder::new(pki::name::parse_name("CN=Заявитель,C=RU").unwrap())
            .build(key.as_ref())
            .unwrap()
            .to_der()
            .unwrap();
        let form = ApplicantForm {
            kind: "person".into(),
            surname: Some(surname.into()),
            given_name: Some("Иван Иванович".into()),
            snils: Some(snils.into()),
            passport_series: Some("4510".into()),
            passport_number: Some("123456".into()),
            passport_issued: Some("2015-06-01".into()),
            email: Some("holder@example.ru".into()),
            ..Default::default()
        };
        let r = self.ca.submit(&form, &csr, "applicant").await.unwrap();
        self.ca
            .identify(
                r.id,
                &IdentificationRecord {
                    method: IdentificationKind::Personal,
                    document_type: "паспорт РФ".into(),
                    document_number: "4510 123456".into(),
                },
                "operator1",
            )
            .await
            .unwrap();
        self.ca.approve(r.id, "operator1").await.unwrap();
        let record = self.ca.issue(r.id, "operator1").await.unwrap();
        self.clock.set(t0());
        Holder {
            cert: Certificate::from_der(&record.der).unwrap(),
            signer: key,
        }
    }

    /// A qualified certificate issued now.
    pub async fn issue(&self, snils: &str, surname: &str) -> Holder {
        self.issue_at(snils, surname, t0()).await
    }

    /// Revokes a certificate (key compromise) as an operator.
    pub async fn revoke(&self, holder: &Holder) {
        let serial =
            store::Serial::from_bytes(holder.cert.tbs_certificate().serial_number().as_bytes())
                .unwrap();
        self.ca
            .revoke(&serial, pki::crl::CrlReason::KeyCompromise, "operator1")
            .await
            .unwrap();
    }

    /// A certificate outside the qualified profile, signed with the
    /// issuing key directly (no qualified policies or extensions): a SNILS
    /// in the subject, `usage` as key usage.
    pub fn non_qualified(&self, snils: &str, usage: KeyUsages) -> Holder {
        let key = key();
        let cert = pki::cert::CertificateBuilder::new(
            pki::name::parse_name(&format!(
                "CN=Неквалифицированный,SN=Петров,SNILS={snils},C=RU"
            ))
            .unwrap(),
            key.verifying_key(),
            t0() - DAY,
            t0() + 300 * DAY,
        )
        .issuer(&self.ca.issuing().cert)
        .basic_constraints(false, None)
        .key_usage(usage)
        .crl_url(&format!("{}/crl/ca.crl", self.base))
        .ocsp_url(&format!("{}/ocsp", self.base))
        .build(self.issuing_key.as_ref())
        .unwrap();
        Holder { cert, signer: key }
    }
}

/// A certificate and its key.
pub struct Holder {
    pub cert: Certificate,
    pub signer: Arc<KeySigner>,
}

impl Holder {
    /// CAdES-BES, detached, over `content`.
    pub fn sign(&self, content: &[u8]) -> Vec<u8> {
        pki::cms::sign(
            Content::Bytes(content),
            self.signer.as_ref(),
            &self.cert,
            &SignOptions::cades_bes(true, t0()),
        )
        .unwrap()
    }
}

/// Inserts an account in the idp database; its id.
pub async fn insert_account(
    url: &str,
    level: &str,
    snils: Option<&str>,
    blocked: bool,
    locked_until: Option<SystemTime>,
) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let at = unix(t0());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (level, snils, surname, given_name, blocked, locked_until, failed_logins, created_at, updated_at)
         VALUES ($1, $2, 'Иванов', 'Иван', $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(level)
    .bind(snils)
    .bind(i64::from(blocked))
    .bind(locked_until.map(unix))
    .bind(if locked_until.is_some() { 5i64 } else { 0 })
    .bind(at)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    id
}

/// One column of one row, as text (tests' look into the database).
pub async fn query_strings(url: &str, sql: &str) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    let rows: Vec<String> = sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows
}

pub fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// An HTTP answer: status, JSON body, Set-Cookie values.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: serde_json::Value,
    pub cookies: Vec<String>,
}

impl Answer {
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }
}

/// A blocking JSON request (run on the blocking pool).
pub async fn request(
    method: &'static str,
    url: String,
    body: Option<serde_json::Value>,
    headers: Vec<(&'static str, String)>,
) -> Answer {
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        let response = match body {
            Some(b) => agent
                .run(
                    req.header("content-type", "application/json")
                        .body(serde_json::to_vec(&b).unwrap())
                        .unwrap(),
                )
                .unwrap(),
            None => agent.run(req.body(()).unwrap()).unwrap(),
        };
        let status = response.status().as_u16();
        let cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let text = response.into_body().read_to_string().unwrap();
        let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Answer {
            status,
            json,
            cookies,
        }
    })
    .await
    .unwrap()
}

/// A challenge and its binding from the server at `base`.
pub async fn get_challenge(base: &str, binding: Option<&str>) -> (String, Vec<u8>, String) {
    let headers = binding
        .map(|b| vec![("cookie", format!("podpis_esig={b}"))])
        .unwrap_or_default();
    let a = request(
        "POST",
        format!("{base}/api/v1/login/esig/challenge"),
        None,
        headers,
    )
    .await;
    assert_eq!(a.status, 200, "{a:?}");
    let challenge = a.json["challenge"].as_str().unwrap().to_owned();
    let binding = a.json["binding"].as_str().unwrap().to_owned();
    assert!(
        a.cookies
            .iter()
            .any(|c| c.starts_with(&format!("podpis_esig={binding};")) && c.contains("HttpOnly")),
        "{a:?}"
    );
    let bytes = idp::challenge::decode(&challenge).unwrap();
    (challenge, bytes, binding)
}

/// Posts a login: the binding in the cookie.
pub async fn post_login(base: &str, challenge: &str, signature: &[u8], binding: &str) -> Answer {
    use base64::Engine;
    request(
        "POST",
        format!("{base}/api/v1/login/esig"),
        Some(serde_json::json!({
            "challenge": challenge,
            "signature": base64::engine::general_purpose::STANDARD.encode(signature),
        })),
        vec![("cookie", format!("podpis_esig={binding}"))],
    )
    .await
}

/// The whole flow for `holder`: challenge, sign, login.
pub async fn login_with(base: &str, holder: &Holder) -> Answer {
    let (challenge, bytes, binding) = get_challenge(base, None).await;
    post_login(base, &challenge, &holder.sign(&bytes), &binding).await
}

/// The identity provider over `store` with `clock` (random server keys,
/// an outbox in a temporary directory, cookies without `Secure` for plain
/// HTTP).
pub fn make_idp(store: store::Store, clock: Arc<idp::FixedClock>) -> idp::Idp {
    let outbox = std::env::temp_dir().join(format!("podpis-esig-outbox-{}", std::process::id()));
    idp::Idp::new(
        store,
        clock,
        idp::ServerKeys::random().unwrap(),
        Arc::new(idp::FileOutbox::new(outbox)),
        idp::Policy {
            secure_cookies: false,
            ..idp::Policy::default()
        },
    )
}

/// Serves `router` on 127.0.0.1:0 (with the peers' addresses); its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    base
}
