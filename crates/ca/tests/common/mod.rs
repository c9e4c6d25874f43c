//! What the CA tests share: a CA on a test database (SQLite or
//! PostgreSQL), applicants of each kind, keys, CSRs and signed requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ca::applicant::ApplicantForm;
use ca::identification::IdentificationRecord;
use ca::{Ca, CaSettings, FixedClock, InitParams, Operator};
use der::{Decode, Encode};
use gost::{ParamSet, SigningKey};
use pki::KeySigner;
use pki::cms::SignOptions;
use pki::csr::CsrBuilder;
use pki::identifiers::{Inn, Ogrn};
use pki::profile::IdentificationKind;
use store::CertificateRecord;
use store::testing::TestDb;
use x509_cert::Certificate;

/// A CA on a test database, its keys and its clock.
pub(crate) struct Fixture {
    pub(crate) db: TestDb,
    pub(crate) ca: Ca,
    pub(crate) clock: Arc<FixedClock>,
    pub(crate) root_key: Arc<KeySigner>,
    pub(crate) issuing_key: Arc<KeySigner>,
}

/// The tests' "now": the time the first caller asked, in whole seconds
/// (certificates carry whole seconds), the same for the whole test binary —
/// so comparisons with it hold however long a test runs.
pub(crate) fn start() -> SystemTime {
    static START: std::sync::OnceLock<SystemTime> = std::sync::OnceLock::new();
    *START.get_or_init(|| {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    })
}

pub(crate) fn operator() -> Operator {
    Operator {
        organisation: "АО «Тестовый УЦ»".into(),
        ogrn: Ogrn::parse("1027700132195").unwrap(),
        innle: Inn::parse_legal_entity("7707083893").unwrap(),
        locality: Some("г. Москва".into()),
        street: Some("ул. Тверская, д. 1".into()),
        email: Some("ca@example.ru".into()),
    }
}

pub(crate) fn settings() -> CaSettings {
    CaSettings {
        crl_urls: vec!["http://ca.example.ru/issuing.crl".into()],
        ocsp_urls: vec!["http://ca.example.ru/ocsp".into()],
        ca_issuers_urls: vec!["http://ca.example.ru/issuing.crt".into()],
        ..CaSettings::new()
    }
}

pub(crate) fn key(param: ParamSet) -> Arc<KeySigner> {
    Arc::new(KeySigner::new(SigningKey::generate(param).unwrap()))
}

/// `ca init` with in-memory keys of `param` on `db`.
pub(crate) async fn fixture_with(db: TestDb, param: ParamSet) -> Fixture {
    let store = db.open().await;
    let clock = Arc::new(FixedClock::new(start()));
    let root_key = key(param);
    let issuing_key = key(param);
    let mut params = InitParams::new(operator(), "test:root", "test:issuing");
    params.settings = settings();
    params.root_crl_urls = vec!["http://ca.example.ru/root.crl".into()];
    ca::init(
        &store,
        &params,
        root_key.as_ref(),
        issuing_key.as_ref(),
        start(),
        "ceremony",
    )
    .await
    .unwrap_or_else(|e| panic!("{}: init: {e}", db.name()));
    let ca = Ca::open(store, clock.clone())
        .await
        .unwrap()
        .with_signer(issuing_key.clone())
        .unwrap();
    Fixture {
        db,
        ca,
        clock,
        root_key,
        issuing_key,
    }
}

pub(crate) async fn fixture(db: TestDb) -> Fixture {
    fixture_with(db, ParamSet::Tc26A256).await
}

pub(crate) fn person() -> ApplicantForm {
    ApplicantForm {
        kind: "person".into(),
        surname: Some("Иванов".into()),
        given_name: Some("Иван Иванович".into()),
        snils: Some("112-233-445 95".into()),
        inn: Some("500100732259".into()),
        passport_series: Some("4510".into()),
        passport_number: Some("123456".into()),
        passport_issued: Some("2015-06-01".into()),
        email: Some("ivanov@example.ru".into()),
        ..Default::default()
    }
}

pub(crate) fn sole_proprietor() -> ApplicantForm {
    ApplicantForm {
        kind: "sole_proprietor".into(),
        ogrnip: Some("304500116000157".into()),
        ..person()
    }
}

pub(crate) fn organisation() -> ApplicantForm {
    ApplicantForm {
        kind: "organisation".into(),
        surname: Some("Петров".into()),
        given_name: Some("Пётр Петрович".into()),
        organisation: Some("ООО «Ромашка»".into()),
        ogrn: Some("1027700132195".into()),
        innle: Some("7707083893".into()),
        position: Some("Генеральный директор".into()),
        ..Default::default()
    }
}

/// Another person (another SNILS).
pub(crate) fn other_person() -> ApplicantForm {
    ApplicantForm {
        surname: Some("Сидорова".into()),
        given_name: Some("Анна Петровна".into()),
        snils: Some("08765430300".into()),
        inn: None,
        ..person()
    }
}

/// A CSR (DER) for `key`, whatever its subject (the CA builds its own).
pub(crate) fn csr(key: &KeySigner) -> Vec<u8> {
    let subject = pki::name::parse_name("CN=Заявитель,C=RU").unwrap();
    CsrBuilder::new(subject)
        .build(key)
        .unwrap()
        .to_der()
        .unwrap()
}

pub(crate) fn in_person() -> IdentificationRecord {
    IdentificationRecord {
        method: IdentificationKind::Personal,
        document_type: "паспорт РФ".into(),
        document_number: "4510 123456".into(),
    }
}

/// submit → identify → approve → issue.
pub(crate) async fn issue(
    fx: &Fixture,
    form: &ApplicantForm,
    key: &KeySigner,
) -> CertificateRecord {
    let r = fx
        .ca
        .submit(form, &csr(key), "applicant")
        .await
        .unwrap_or_else(|e| panic!("{}: submit: {e}", fx.db.name()));
    fx.ca
        .identify(r.id, &in_person(), "operator1")
        .await
        .unwrap();
    fx.ca.approve(r.id, "operator1").await.unwrap();
    fx.ca
        .issue(r.id, "operator1")
        .await
        .unwrap_or_else(|e| panic!("{}: issue: {e}", fx.db.name()))
}

pub(crate) fn certificate(record: &CertificateRecord) -> Certificate {
    Certificate::from_der(&record.der).unwrap()
}

/// `content` signed (CMS, attached) with `key` and its certificate.
pub(crate) fn signed(content: &[u8], key: &KeySigner, cert: &CertificateRecord) -> Vec<u8> {
    pki::cms::sign(
        content,
        key,
        &certificate(cert),
        &SignOptions::cades_bes(false, start()),
    )
    .unwrap()
}
