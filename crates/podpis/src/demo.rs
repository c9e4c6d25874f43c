//! `podpis demo`: the whole platform on this computer in one command — the
//! CA with OCSP, CRL and TSP, the identity provider and the personal
//! cabinet (`podpis serve`), and the signing agent (`podpis agent`), all on
//! 127.0.0.1, on SQLite in `--data DIR` (./demo-data by default).
//!
//! The first run makes a demo CA (dated two years back, so that it can
//! also have issued an already expired certificate), three demo citizens
//! with confirmed accounts (SNILS on file) and qualified certificates in
//! podpis file containers under the demo PIN — one valid, one expired, one
//! revoked — an OpenID Connect client, and the agent's configuration (the
//! containers, and the portal's origin approved in advance). Every part
//! that exists is reused, so a re-run changes nothing; `DIR/demo.json`
//! lists it all (docs/demo.md). SIGTERM or Ctrl-C stops both servers.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use ca::applicant::ApplicantForm;
use ca::identification::IdentificationRecord;
use ca::{Ca, CaSettings, FixedClock, InitParams, Operator};
use clap::Args;
use der::{Decode, Encode};
use idp::oidc::{self, AuthMethod, ClientRegistration, ClientType, SigAlg};
use pki::identifiers::{Inn, Ogrn};
use serde::{Deserialize, Serialize};
use store::Store;
use store::accounts::{AccountLevel, NewAccount};
use store::action_journal::{ActionEntry, action};
use token::container::Container;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::files::{Access, user_error, write_output};
use crate::token::container_error;

/// `podpis demo`
#[derive(Debug, Args)]
#[command(
    about = "Демонстрация: УЦ, портал и агент подписи на этом компьютере / The demo: CA, portal and signing agent on this computer",
    long_about = "\
Запускает всю платформу на этом компьютере: УЦ (OCSP, СОС, штампы времени), поставщика \
идентификации и личный кабинет (как podpis serve) и агент подписи (как podpis agent), всё на \
127.0.0.1, данные — SQLite в --data. При первом запуске создаёт демо-УЦ, трёх граждан с \
подтверждёнными учётными записями и квалифицированными сертификатами в контейнерах (действующий, \
с истёкшим сроком и отозванный; PIN-код печатается), клиента OpenID Connect и настройки агента \
(сайт портала уже разрешён). Повторный запуск использует те же данные. Всё перечислено в \
DIR/demo.json. Откройте портал и войдите: «Вход с помощью электронной подписи». Остановка — \
Ctrl-C. Только для знакомства и тестов: ключи и PIN-коды демо известны всем.

Runs the whole platform on this computer: the CA (OCSP, CRL, time-stamps), the identity provider \
and the personal cabinet (as podpis serve) and the signing agent (as podpis agent), all on \
127.0.0.1, the data on SQLite in --data. The first run makes a demo CA, three citizens with \
confirmed accounts and qualified certificates in key containers (valid, expired and revoked; \
the PIN is printed), an OpenID Connect client and the agent's settings (the portal's site \
approved in advance). A re-run reuses the same data. DIR/demo.json lists everything. Open the \
portal and log in: «Вход с помощью электронной подписи». Ctrl-C stops it. For trying out and \
tests only: the demo's keys and PINs are public. See docs/demo.md.",
    after_help = "\
Examples / Примеры:
  podpis demo                               # http://127.0.0.1:8080/, agent on 47213
  podpis demo --data /tmp/demo --port 8443 --agent-port 47300"
)]
pub(crate) struct DemoArgs {
    /// Data directory / каталог данных
    #[arg(long, value_name = "DIR", default_value = "demo-data")]
    data: PathBuf,
    /// The portal's port on 127.0.0.1 (0 picks a free one) / порт портала
    #[arg(long, value_name = "PORT", default_value_t = 8080)]
    port: u16,
    /// The signing agent's port (0 picks a free one) / порт агента подписи
    #[arg(long, value_name = "PORT", default_value_t = agent::DEFAULT_PORT)]
    agent_port: u16,
}

/// The PIN of every demo user's key container.
pub(crate) const DEMO_PIN: &str = "12345678";
/// Their SO PIN (unblocks a PIN locked by wrong tries; a re-run does).
const DEMO_SO_PIN: &str = "87654321";
/// The CA's PINs, in files beside the database (a demo has no secrets).
const CA_PINS: [(&str, &str); 3] = [
    ("ca.pin", "demo-issuing-pin"),
    ("root.pin", "demo-root-pin"),
    ("so.pin", "demo-so-pin"),
];
/// The TSA's policy (as in docs/operations.md).
const TSA_POLICY: &str = "1.2.643.2.2.38.4";
/// The demo relying party.
const CLIENT_ID: &str = "demo-client";
const REDIRECT_URI: &str = "http://127.0.0.1:9090/callback";
/// What the demo writes for the reader and the tests.
pub(crate) const DEMO_FILE: &str = "demo.json";

const DAY: Duration = Duration::from_secs(86_400);

/// What a demo user's certificate shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CertState {
    Valid,
    /// Issued 16 months ago for the CA's 15.
    Expired,
    /// Revoked by the CA (key compromise).
    Revoked,
}

impl CertState {
    fn name(self) -> &'static str {
        match self {
            CertState::Valid => "valid",
            CertState::Expired => "expired",
            CertState::Revoked => "revoked",
        }
    }

    fn shown(self) -> &'static str {
        match self {
            CertState::Valid => "действует / valid",
            CertState::Expired => "срок истёк / expired",
            CertState::Revoked => "отозван / revoked",
        }
    }
}

/// A demo citizen.
struct DemoUser {
    /// File names under users/.
    slug: &'static str,
    surname: &'static str,
    /// Given name and patronymic.
    given: (&'static str, &'static str),
    snils: &'static str,
    birthdate: &'static str,
    email: &'static str,
    password: &'static str,
    state: CertState,
}

impl DemoUser {
    fn name(&self) -> String {
        format!("{} {} {}", self.surname, self.given.0, self.given.1)
    }
}

const USERS: [DemoUser; 3] = [
    DemoUser {
        slug: "ivanov",
        surname: "Иванов",
        given: ("Иван", "Иванович"),
        snils: "11223344595",
        birthdate: "1980-04-12",
        email: "ivanov@demo.podpis.test",
        password: "Demo-Ivanov-2025!",
        state: CertState::Valid,
    },
    DemoUser {
        slug: "petrov",
        surname: "Петров",
        given: ("Пётр", "Петрович"),
        snils: "12345678964",
        birthdate: "1975-09-30",
        email: "petrov@demo.podpis.test",
        password: "Demo-Petrov-2025!",
        state: CertState::Expired,
    },
    DemoUser {
        slug: "sidorova",
        surname: "Сидорова",
        given: ("Анна", "Сергеевна"),
        snils: "98765432183",
        birthdate: "1990-01-25",
        email: "sidorova@demo.podpis.test",
        password: "Demo-Sidorova-2025!",
        state: CertState::Revoked,
    },
];

/// `DIR/demo.json`.
#[derive(Debug, Serialize, Deserialize)]
struct DemoFile {
    portal_url: String,
    ocsp_url: String,
    crl_url: String,
    tsp_url: String,
    agent_url: String,
    root_cert: PathBuf,
    issuing_ca_cert: PathBuf,
    users: Vec<UserEntry>,
    oidc: OidcEntry,
}

#[derive(Debug, Serialize, Deserialize)]
struct UserEntry {
    name: String,
    snils: String,
    container: PathBuf,
    pin: String,
    cert: PathBuf,
    /// `valid`, `expired` or `revoked`.
    certificate: String,
    email: String,
    password: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct OidcEntry {
    issuer: String,
    client_id: String,
    client_secret: String,
    redirect_uri: String,
}

pub(crate) fn run(args: &DemoArgs) -> Result<()> {
    crate::serve::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(demo(args))
}

async fn demo(args: &DemoArgs) -> Result<()> {
    // Signal handlers first: a Ctrl-C during the setup stops it cleanly.
    let stop = crate::serve::shutdown()?;
    std::fs::create_dir_all(&args.data).with_context(|| {
        format!(
            "{}: каталог не создаётся / cannot create",
            args.data.display()
        )
    })?;
    let data =
        std::path::absolute(&args.data).with_context(|| format!("{}", args.data.display()))?;
    let portal = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| {
            format!(
                "127.0.0.1:{}: порт занят — укажите другой в --port / port in use — pass another with --port",
                args.port
            )
        })?;
    let portal_url = format!("http://127.0.0.1:{}", portal.local_addr()?.port());
    let agent_listeners = crate::agent::bind(args.agent_port).await?;
    let agent_url = agent_listeners.url();

    let file = prepare(&data, &portal_url, &agent_url).await?;
    let json = serde_json::to_vec_pretty(&file)?;
    write_output(&data.join(DEMO_FILE), &json, Access::Secret, true)?;
    print_summary(&file, &data);

    let agent_dir = data.join("agent");
    let (_, sources) = crate::agent::configured(&agent_dir, &[], &[])?;
    let config =
        crate::serve::Config::for_demo(&data, &data.join(CA_PINS[0].0), TSA_POLICY, &agent_url);
    // One stop for both servers: the signal, or either of them ending.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let server = async {
        let r = crate::serve::serve_on(&config, false, portal, wait(rx.clone())).await;
        let _ = tx.send(true);
        r
    };
    let agent = async {
        let r = crate::agent::serve_on(
            agent_listeners,
            agent::keys::Keys::new(sources),
            crate::agent::origins_in(&agent_dir),
            wait(rx.clone()),
        )
        .await;
        let _ = tx.send(true);
        r
    };
    let signal = async {
        tokio::select! {
            () = stop => {},
            () = wait(rx.clone()) => {},
        }
        let _ = tx.send(true);
    };
    let (server, agent, ()) = tokio::join!(server, agent, signal);
    server?;
    agent?;
    Ok(())
}

/// Makes what is missing and returns the whole demo's description.
async fn prepare(data: &Path, portal_url: &str, agent_url: &str) -> Result<DemoFile> {
    let store = Store::open(&Store::sqlite_url(&data.join(crate::ca::DB_FILE)))
        .await
        .map_err(|e| user_error(&e))?;
    let now = whole_seconds(SystemTime::now());
    let made = store
        .authority(store::CaRole::Issuing)
        .await
        .map_err(|e| user_error(&e))?
        .is_none();
    if made {
        make_ca(&store, data, portal_url, now).await?;
    }
    store.close().await;

    let clock = Arc::new(FixedClock::new(now));
    let ca = crate::ca::open_in(data, &data.join(CA_PINS[0].0), clock.clone()).await?;
    let ocsp_url = format!("{portal_url}/ocsp");
    if !made && !ca.settings().ocsp_urls.contains(&ocsp_url) {
        eprintln!(
            "podpis demo: предупреждение: сертификаты демо ссылаются на OCSP {:?}, а портал сейчас \
             на {portal_url}; проверка отзыва при входе не пройдёт — запускайте демо с тем же \
             --port / warning: the demo's certificates name OCSP {:?} but the portal now runs at \
             {portal_url}; revocation checks at login will fail — run the demo with the same --port",
            ca.settings().ocsp_urls,
            ca.settings().ocsp_urls
        );
    }
    let mut users = Vec::new();
    for user in &USERS {
        users.push(ensure_certificate(&ca, &clock, data, user, now).await?);
    }
    let idp = idp::Idp::new(
        ca.store().clone(),
        Arc::new(idp::SystemClock),
        idp::ServerKeys::load_or_create(data).map_err(|e| user_error(&e))?,
        Arc::new(idp::FileOutbox::new(data.join("outbox"))),
        idp::Policy::default(),
    );
    for user in &USERS {
        ensure_account(&idp, user).await?;
    }
    let previous = std::fs::read(data.join(DEMO_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<DemoFile>(&b).ok());
    let oidc = ensure_client(ca.store(), previous.as_ref(), portal_url).await?;
    configure_agent(data, &users, portal_url)?;
    ca.store().close().await;
    Ok(DemoFile {
        portal_url: portal_url.to_owned(),
        ocsp_url,
        crl_url: format!("{portal_url}/crl/ca.crl"),
        tsp_url: format!("{portal_url}/tsp"),
        agent_url: agent_url.to_owned(),
        root_cert: data.join("root.crt"),
        issuing_ca_cert: data.join("issuing.crt"),
        users,
        oidc,
    })
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

/// The demo CA: `podpis ca init`'s path, dated two years back.
async fn make_ca(store: &Store, data: &Path, portal_url: &str, now: SystemTime) -> Result<()> {
    for (file, pin) in CA_PINS {
        write_output(&data.join(file), pin.as_bytes(), Access::Secret, true)?;
    }
    let operator = Operator {
        organisation: "ООО «Демо-УЦ podpis»".into(),
        ogrn: Ogrn::parse("1027700132195").map_err(|e| user_error(&e))?,
        innle: Inn::parse_legal_entity("7707083893").map_err(|e| user_error(&e))?,
        locality: Some("г. Москва".into()),
        street: None,
        email: Some("ca@demo.podpis.test".into()),
    };
    let mut params = InitParams::new(operator, "", "");
    params.root_common_name = Some("Демо-УЦ podpis — корневой".into());
    params.issuing_common_name = Some("Демо-УЦ podpis".into());
    params.settings = CaSettings {
        crl_urls: vec![format!("{portal_url}/crl/ca.crl")],
        ocsp_urls: vec![format!("{portal_url}/ocsp")],
        ..CaSettings::new()
    };
    let pins = crate::ca::CaPins {
        issuing: CA_PINS[0].1,
        root: CA_PINS[1].1,
        so: CA_PINS[2].1,
    };
    crate::ca::create(
        store,
        data,
        params,
        (
            gost::ParamSet::Tc26A256,
            crate::token::new_container_params(),
        ),
        &pins,
        now - 730 * DAY,
        "demo",
    )
    .await?;
    Ok(())
}

/// The user's container and certificate: made and issued (through the
/// CA's whole workflow) when missing; revoked when it should be and is
/// not yet; a locked PIN unblocked.
async fn ensure_certificate(
    ca: &Ca,
    clock: &FixedClock,
    data: &Path,
    user: &DemoUser,
    now: SystemTime,
) -> Result<UserEntry> {
    let dir = data.join("users");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let container = dir.join(format!("{}.pdp", user.slug));
    let cert_file = dir.join(format!("{}.crt", user.slug));
    let cert = match (container.exists(), std::fs::read(&cert_file)) {
        (true, Ok(pem)) => pki::cert::parse_certificate(&pem).map_err(|e| user_error(&e))?,
        _ => {
            let _ = std::fs::remove_file(&container);
            let at = match user.state {
                CertState::Expired => now - 480 * DAY,
                CertState::Valid | CertState::Revoked => now,
            };
            clock.set(at);
            let issued = issue(ca, &container, user).await;
            clock.set(now);
            let cert = issued?;
            let pem = pki::cert::to_pem(&cert).map_err(|e| user_error(&e))?;
            write_output(&cert_file, pem.as_bytes(), Access::Public, true)?;
            cert
        }
    };
    let opened = Container::open(&container).map_err(container_error(&container))?;
    if opened
        .user_tries_left()
        .map_err(container_error(&container))?
        == 0
    {
        opened
            .unblock(DEMO_SO_PIN, DEMO_PIN)
            .map_err(container_error(&container))?;
    }
    if user.state == CertState::Revoked {
        let serial = store::Serial::from_bytes(cert.tbs_certificate().serial_number().as_bytes())
            .context("serial")?;
        let record = ca
            .store()
            .certificate(&serial)
            .await
            .map_err(|e| user_error(&e))?;
        if record.is_some_and(|r| r.status.status == store::CertStatus::Good) {
            ca.revoke(&serial, pki::crl::CrlReason::KeyCompromise, "demo")
                .await
                .map_err(|e| user_error(&e))?;
        }
    }
    Ok(UserEntry {
        name: user.name(),
        snils: user.snils.to_owned(),
        container,
        pin: DEMO_PIN.to_owned(),
        cert: cert_file,
        certificate: user.state.name().to_owned(),
        email: user.email.to_owned(),
        password: user.password.to_owned(),
    })
}

/// A new container with a new key, its request through submit →
/// identify → approve → issue at the CA's clock, and the certificate
/// stored beside the key.
async fn issue(ca: &Ca, path: &Path, user: &DemoUser) -> Result<Certificate> {
    let container = Container::create(
        path,
        DEMO_PIN,
        DEMO_SO_PIN,
        crate::token::new_container_params(),
    )
    .map_err(container_error(path))?;
    let session = container.login(DEMO_PIN).map_err(container_error(path))?;
    let id = session
        .generate_key(gost::ParamSet::Tc26A256, &user.name(), false)
        .map_err(container_error(path))?;
    let signer = session.signer(&id).map_err(container_error(path))?;
    let subject =
        pki::name::parse_name(&format!("CN={},C=RU", user.name())).map_err(|e| user_error(&e))?;
    let csr = pki::csr::CsrBuilder::new(subject)
        .build(&signer)
        .map_err(|e| user_error(&e))?
        .to_der()?;
    let form = ApplicantForm {
        kind: "person".into(),
        surname: Some(user.surname.into()),
        given_name: Some(format!("{} {}", user.given.0, user.given.1)),
        snils: Some(user.snils.into()),
        passport_series: Some("4510".into()),
        passport_number: Some("123456".into()),
        passport_issued: Some("2015-06-01".into()),
        email: Some(user.email.into()),
        ..ApplicantForm::default()
    };
    let request = ca
        .submit(&form, &csr, "demo")
        .await
        .map_err(|e| user_error(&e))?;
    let identification = IdentificationRecord {
        method: pki::profile::IdentificationKind::Personal,
        document_type: "паспорт РФ".into(),
        document_number: "4510 123456".into(),
    };
    ca.identify(request.id, &identification, "demo")
        .await
        .map_err(|e| user_error(&e))?;
    ca.approve(request.id, "demo")
        .await
        .map_err(|e| user_error(&e))?;
    let record = ca
        .issue(request.id, "demo")
        .await
        .map_err(|e| user_error(&e))?;
    session
        .store_certificate(&id, &record.der)
        .map_err(container_error(path))?;
    Ok(Certificate::from_der(&record.der)?)
}

/// The user's account: registered (e-mail and password), the identity
/// data entered, confirmed by the operator "demo"; each step only when
/// missing.
async fn ensure_account(idp: &idp::Idp, user: &DemoUser) -> Result<()> {
    let store = idp.store();
    let err = |e: store::StoreError| user_error(&e);
    let account = match store.account_by_email(user.email).await.map_err(err)? {
        Some(a) => a,
        None => {
            let hash = idp::password::hash(Zeroizing::new(user.password.to_owned()))
                .await
                .map_err(|e| user_error(&e))?;
            let new = NewAccount {
                level: AccountLevel::Simplified,
                email: Some(user.email),
                phone: None,
                password_hash: Some(&hash),
                at: idp.now(),
            };
            let entry =
                ActionEntry::new(None, action::ACCOUNT_REGISTERED, "ok").detail("channel", "demo");
            store.create_account(&new, &entry).await.map_err(err)?
        }
    };
    if account.snils.is_none() {
        let form = idp::account::IdentityForm {
            surname: user.surname.into(),
            given_name: user.given.0.into(),
            patronymic: Some(user.given.1.into()),
            birthdate: user.birthdate.into(),
            snils: user.snils.into(),
            inn: None,
            passport_series: "4510".into(),
            passport_number: "123456".into(),
            passport_issued: "2015-06-01".into(),
        };
        let identity = form.check(idp.now()).map_err(|e| user_error(&e))?;
        let entry = ActionEntry::new(Some(account.id), action::PROFILE, "ok")
            .detail("level_before", account.level.as_str());
        store
            .set_identity(account.id, &identity, idp.now(), &entry)
            .await
            .map_err(err)?;
    }
    if account.level != AccountLevel::Confirmed {
        let client = idp::Client {
            ip: None,
            user_agent: Some("podpis demo".into()),
        };
        idp::account::confirm_by_operator(
            idp,
            account.id,
            "demo",
            "демо-данные / demo data",
            None,
            &client,
        )
        .await
        .map_err(|e| user_error(&e))?;
    }
    Ok(())
}

/// The demo's OpenID Connect client: the one of `previous` when it is
/// still registered (its secret is stored only as a hash), else a new one.
async fn ensure_client(
    store: &Store,
    previous: Option<&DemoFile>,
    portal_url: &str,
) -> Result<OidcEntry> {
    let err = |e: store::StoreError| user_error(&e);
    if let Some(p) = previous.filter(|p| !p.oidc.client_secret.is_empty())
        && store
            .oidc_client(&p.oidc.client_id)
            .await
            .map_err(err)?
            .is_some()
    {
        return Ok(OidcEntry {
            issuer: portal_url.to_owned(),
            client_id: p.oidc.client_id.clone(),
            client_secret: p.oidc.client_secret.clone(),
            redirect_uri: p.oidc.redirect_uri.clone(),
        });
    }
    // A client id not taken yet (a lost demo.json leaves the old one).
    let mut client_id = CLIENT_ID.to_owned();
    let mut n = 1;
    while store.oidc_client(&client_id).await.map_err(err)?.is_some() {
        n += 1;
        client_id = format!("{CLIENT_ID}-{n}");
    }
    let registration = ClientRegistration {
        client_id: client_id.clone(),
        name: "Демо-сервис / Demo service".into(),
        client_type: ClientType::Confidential,
        auth_method: AuthMethod::ClientSecretBasic,
        jwks: None,
        redirect_uris: vec![REDIRECT_URI.into()],
        post_logout_redirect_uris: Vec::new(),
        scopes: ["openid", "fullname", "birthdate", "snils", "email"]
            .map(str::to_owned)
            .to_vec(),
        token_alg: SigAlg::Es256,
    };
    let secret = oidc::register_client(store, &registration, SystemTime::now())
        .await
        .map_err(|e| user_error(&e))?;
    Ok(OidcEntry {
        issuer: portal_url.to_owned(),
        client_id,
        client_secret: secret.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        redirect_uri: REDIRECT_URI.into(),
    })
}

/// `DIR/agent`: agent.json naming the users' containers, and the portal's
/// origin (127.0.0.1 and localhost) in the allow-list.
fn configure_agent(data: &Path, users: &[UserEntry], portal_url: &str) -> Result<()> {
    let dir = data.join("agent");
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let config = serde_json::json!({
        "containers": users.iter().map(|u| &u.container).collect::<Vec<_>>(),
    });
    write_output(
        &dir.join("agent.json"),
        &serde_json::to_vec_pretty(&config)?,
        Access::Secret,
        true,
    )?;
    let origins = crate::agent::origins_in(&dir);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for origin in [
        portal_url.to_owned(),
        portal_url.replace("127.0.0.1", "localhost"),
    ] {
        origins.allow(&origin, now).map_err(|e| user_error(&e))?;
    }
    Ok(())
}

fn print_summary(file: &DemoFile, data: &Path) {
    let mut users = String::new();
    for u in &file.users {
        users.push_str(&format!(
            "    {:<28} СНИЛС / SNILS {}  сертификат / certificate: {}\n",
            u.name,
            u.snils,
            USERS
                .iter()
                .find(|d| d.snils == u.snils)
                .map_or("", |d| d.state.shown())
        ));
    }
    println!(
        "podpis demo: УЦ, портал и агент подписи запущены / the CA, the portal and the signing agent run\n\
         \n  Портал / portal:           {portal}/  → «Вход с помощью электронной подписи»\n\
         \x20 Агент подписи / agent:     {agent}\n\
         \x20 OCSP: {ocsp}   СОС / CRL: {crl}   TSP: {tsp}\n\
         \x20 PIN-код ключей / key PIN:  {pin}\n\
         \x20 Пользователи / users:\n{users}\
         \x20 OpenID Connect: client_id {client}, issuer {portal}\n\
         \x20 Всё это (пароли, секрет клиента) / all of it (passwords, the client secret): {json}\n\
         \x20 Остановить / stop: Ctrl-C\n",
        portal = file.portal_url,
        agent = file.agent_url,
        ocsp = file.ocsp_url,
        crl = file.crl_url,
        tsp = file.tsp_url,
        pin = DEMO_PIN,
        client = file.oidc.client_id,
        json = data.join(DEMO_FILE).display(),
    );
}
