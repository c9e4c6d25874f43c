//! Login by e-signature end to end over HTTP, on SQLite and PostgreSQL:
//! the idp router on 127.0.0.1:0, certificates issued by our CA (the real
//! workflow), OCSP and CRLs served by the CA's publication router on other
//! ports and fetched over HTTP. Success (first login binds and confirms,
//! the next one logs in directly, a second certificate is bound too,
//! «Ключи и сертификаты» lists and unbinds) and one case per failure code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod esig_support;

use std::sync::Arc;
use std::time::Duration;

use esig_support::*;
use idp::FixedClock;
use idp::api::esig::{EsigApi, router};
use idp::esig::{Esig, EsigConfig};
use idp::trust::{HttpRevocationSource, TrustList};
use store::testing::TestDb;
use x509_cert::ext::pkix::KeyUsages;

/// The CAs of the tests: the main one (OCSP and CRL served), one whose
/// OCSP is down but CRL up, one with nothing reachable, and one nobody
/// trusts.
struct Cas {
    main: TestCa,
    crl_only: TestCa,
    dead: TestCa,
    stranger: TestCa,
}

impl Cas {
    async fn start() -> Cas {
        Cas {
            main: TestCa::start("Главный", Served::OcspAndCrl).await,
            crl_only: TestCa::start("Без OCSP", Served::CrlOnly).await,
            dead: TestCa::start("Недоступный", Served::Nothing).await,
            stranger: TestCa::start("Чужой", Served::OcspAndCrl).await,
        }
    }

    fn trust(&self) -> TrustList {
        let mut t = TrustList::new();
        for ca in [&self.main, &self.crl_only, &self.dead] {
            t.add_anchor(ca.root()).unwrap();
            t.add_intermediate(ca.issuing());
        }
        t
    }
}

/// The idp side on one database.
struct Server {
    /// Kept for the life of the server (a PostgreSQL database is dropped with it).
    _db: TestDb,
    base: String,
    clock: Arc<FixedClock>,
}

async fn server(db: TestDb, trust: TrustList) -> Server {
    let store = db.open().await;
    let clock = Arc::new(FixedClock::new(t0()));
    let idp = make_idp(store, clock.clone());
    let esig = Arc::new(Esig::for_idp(
        &idp,
        EsigConfig::new(trust),
        Some(Arc::new(HttpRevocationSource::new(Duration::from_secs(3)))),
    ));
    let base = serve(router(EsigApi {
        idp,
        esig,
        secure_cookies: false,
    }))
    .await;
    Server {
        _db: db,
        base,
        clock,
    }
}

async fn journal_results(url: &str, code: &str) -> usize {
    query_strings(
        url,
        &format!(
            "SELECT result FROM action_journal WHERE action = 'login.esig' AND result = '{code}'"
        ),
    )
    .await
    .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn e_signature_login_on_both_databases() {
    let cas = Cas::start().await;
    let mut n = 100_000_000u32;
    let mut next_snils = || {
        n += 7919;
        snils(n)
    };
    for db in TestDb::both().await {
        let name = db.name();
        let url = db.url().to_owned();
        let s = server(db, cas.trust()).await;
        let base = s.base.clone();

        // --- Success: first login binds and confirms; the next is direct.
        let snils_a = next_snils();
        let account = insert_account(&url, "standard", Some(&snils_a), false, None).await;
        let a1 = cas.main.issue(&snils_a, "Иванов").await;
        let first = login_with(&base, &a1).await;
        assert_eq!(first.status, 200, "{name}: first login: {first:?}");
        assert_eq!(first.json["account_id"], account, "{name}");
        assert_eq!(first.json["bound"], true, "{name}");
        assert_eq!(first.json["confirmed"], true, "{name}");
        assert_eq!(first.json["amr"], serde_json::json!(["ds"]), "{name}");
        let token = first.json["session_token"].as_str().unwrap().to_owned();
        assert!(
            first
                .cookies
                .iter()
                .any(|c| c.starts_with(&format!("podpis_session={token};"))
                    && c.contains("HttpOnly")),
            "{name}: {first:?}"
        );
        let level = query_strings(
            &url,
            &format!("SELECT level || ' ' || confirmed_by FROM accounts WHERE id = {account}"),
        )
        .await;
        assert_eq!(
            level,
            [format!(
                "confirmed esig:{}",
                first.json["certificate"].as_str().unwrap()
            )],
            "{name}"
        );
        let amr = query_strings(
            &url,
            &format!("SELECT amr FROM sessions WHERE account_id = {account}"),
        )
        .await;
        assert_eq!(amr, ["ds"], "{name}");

        let second = login_with(&base, &a1).await;
        assert_eq!(second.status, 200, "{name}: second login: {second:?}");
        assert_eq!(second.json["bound"], false, "{name}");
        assert_eq!(second.json["confirmed"], false, "{name}");

        // A second certificate of the same person is bound too.
        let a2 = cas.main.issue(&snils_a, "Иванов").await;
        let third = login_with(&base, &a2).await;
        assert_eq!(third.status, 200, "{name}: second certificate: {third:?}");
        assert_eq!(third.json["bound"], true, "{name}");
        assert_eq!(third.json["confirmed"], false, "{name}");

        // «Ключи и сертификаты»: both listed, valid; unbind one.
        let auth = vec![("authorization", format!("Bearer {token}"))];
        let list = request(
            "GET",
            format!("{base}/api/v1/account/certificates"),
            None,
            auth.clone(),
        )
        .await;
        assert_eq!(list.status, 200, "{name}: {list:?}");
        let certs = list.json["certificates"].as_array().unwrap().clone();
        assert_eq!(certs.len(), 2, "{name}: {list:?}");
        for c in &certs {
            assert_eq!(c["status"], "valid", "{name}: {c}");
            assert_eq!(c["warn"], false, "{name}: {c}");
            assert!(c["days_left"].as_i64().unwrap() > 30, "{name}: {c}");
        }
        let unbind_id = certs[1]["id"].as_i64().unwrap();
        let unbound = request(
            "DELETE",
            format!("{base}/api/v1/account/certificates/{unbind_id}"),
            None,
            auth.clone(),
        )
        .await;
        assert_eq!(unbound.status, 200, "{name}: {unbound:?}");
        let again = request(
            "DELETE",
            format!("{base}/api/v1/account/certificates/{unbind_id}"),
            None,
            auth.clone(),
        )
        .await;
        assert_eq!(again.status, 404, "{name}: {again:?}");
        assert_eq!(again.code(), "ESIG_CERTIFICATE_NOT_FOUND", "{name}");
        let list = request(
            "GET",
            format!("{base}/api/v1/account/certificates"),
            None,
            auth.clone(),
        )
        .await;
        assert_eq!(
            list.json["certificates"].as_array().unwrap().len(),
            1,
            "{name}"
        );
        let anonymous = request(
            "GET",
            format!("{base}/api/v1/account/certificates"),
            None,
            vec![],
        )
        .await;
        assert_eq!(anonymous.status, 401, "{name}: {anonymous:?}");
        assert_eq!(anonymous.code(), "ESIG_NOT_SIGNED_IN", "{name}");
        let unbind_journal = query_strings(
            &url,
            &format!(
                "SELECT result FROM action_journal WHERE action = 'certificate.unbind' AND account_id = {account}"
            ),
        )
        .await;
        assert_eq!(unbind_journal, ["ok"], "{name}");

        // --- CHALLENGE_REUSED: a used challenge, signed afresh.
        let (challenge, bytes, binding) = get_challenge(&base, None).await;
        let ok = post_login(&base, &challenge, &a1.sign(&bytes), &binding).await;
        assert_eq!(ok.status, 200, "{name}: {ok:?}");
        let replay = post_login(&base, &challenge, &a1.sign(&bytes), &binding).await;
        assert_eq!(replay.status, 401, "{name}: replay: {replay:?}");
        assert_eq!(replay.code(), "CHALLENGE_REUSED", "{name}: replay");

        // --- CHALLENGE_REUSED: another browser session's challenge.
        let (challenge, bytes, _theirs) = get_challenge(&base, None).await;
        let (_, _, ours) = get_challenge(&base, None).await;
        let other = post_login(&base, &challenge, &a1.sign(&bytes), &ours).await;
        assert_eq!(
            other.code(),
            "CHALLENGE_REUSED",
            "{name}: other session: {other:?}"
        );
        // An unknown challenge.
        let unknown_bytes = [9u8; 32];
        let unknown = post_login(
            &base,
            &{
                use base64::Engine;
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(unknown_bytes)
            },
            &a1.sign(&unknown_bytes),
            &ours,
        )
        .await;
        assert_eq!(
            unknown.code(),
            "CHALLENGE_REUSED",
            "{name}: unknown: {unknown:?}"
        );

        // --- CHALLENGE_EXPIRED: five minutes and one second later.
        let (challenge, bytes, binding) = get_challenge(&base, None).await;
        s.clock.advance(Duration::from_secs(301));
        let late = post_login(&base, &challenge, &a1.sign(&bytes), &binding).await;
        s.clock.set(t0());
        assert_eq!(late.status, 401, "{name}: {late:?}");
        assert_eq!(
            late.code(),
            "CHALLENGE_EXPIRED",
            "{name}: expired challenge"
        );
        assert!(
            late.json["message_ru"]
                .as_str()
                .unwrap()
                .contains("новый вызов")
        );
        assert!(
            late.json["message_en"]
                .as_str()
                .unwrap()
                .contains("new challenge")
        );

        // --- SIGNATURE_INVALID: a tampered signature; another text; garbage.
        let (challenge, bytes, binding) = get_challenge(&base, None).await;
        let mut tampered = a1.sign(&bytes);
        let last = tampered.len() - 5;
        tampered[last] ^= 0x01;
        let bad = post_login(&base, &challenge, &tampered, &binding).await;
        assert_eq!(bad.code(), "SIGNATURE_INVALID", "{name}: tampered: {bad:?}");
        let (challenge, _bytes, binding) = get_challenge(&base, None).await;
        let wrong_text = post_login(&base, &challenge, &a1.sign(b"another text"), &binding).await;
        assert_eq!(wrong_text.code(), "SIGNATURE_INVALID", "{name}: other text");
        let (challenge, _, binding) = get_challenge(&base, None).await;
        let garbage = post_login(&base, &challenge, b"not a CMS message", &binding).await;
        assert_eq!(garbage.code(), "SIGNATURE_INVALID", "{name}: garbage");

        // --- CERT_EXPIRED: issued two years ago for 15 months.
        let snils_e = next_snils();
        insert_account(&url, "standard", Some(&snils_e), false, None).await;
        let expired = cas
            .main
            .issue_at(&snils_e, "Старов", t0() - 2 * 365 * DAY)
            .await;
        let a = login_with(&base, &expired).await;
        assert_eq!(a.code(), "CERT_EXPIRED", "{name}: {a:?}");

        // --- CERT_NOT_YET_VALID: issued (dated) two days from now.
        let future = cas.main.issue_at(&snils_e, "Новов", t0() + 2 * DAY).await;
        let a = login_with(&base, &future).await;
        assert_eq!(a.code(), "CERT_NOT_YET_VALID", "{name}: {a:?}");

        // --- CERT_UNTRUSTED: a CA outside the trust list.
        let snils_u = next_snils();
        insert_account(&url, "standard", Some(&snils_u), false, None).await;
        let untrusted = cas.stranger.issue(&snils_u, "Чужов").await;
        let a = login_with(&base, &untrusted).await;
        assert_eq!(a.code(), "CERT_UNTRUSTED", "{name}: {a:?}");

        // --- CERT_NOT_QUALIFIED: outside the profile; and a key not for signing.
        let nq = cas
            .main
            .non_qualified(&snils_u, KeyUsages::DigitalSignature);
        let a = login_with(&base, &nq).await;
        assert_eq!(a.code(), "CERT_NOT_QUALIFIED", "{name}: profile: {a:?}");
        let ku = cas.main.non_qualified(&snils_u, KeyUsages::KeyEncipherment);
        let a = login_with(&base, &ku).await;
        assert_eq!(a.code(), "CERT_NOT_QUALIFIED", "{name}: key usage: {a:?}");

        // --- CERT_REVOKED: revoked at the CA, answered by its OCSP responder.
        let snils_r = next_snils();
        insert_account(&url, "standard", Some(&snils_r), false, None).await;
        let revoked = cas.main.issue(&snils_r, "Отозванов").await;
        cas.main.revoke(&revoked).await;
        let a = login_with(&base, &revoked).await;
        assert_eq!(a.status, 401, "{name}: {a:?}");
        assert_eq!(a.code(), "CERT_REVOKED", "{name}: {a:?}");

        // --- OCSP down, CRL up: the CRL decides (good).
        let snils_c = next_snils();
        insert_account(&url, "standard", Some(&snils_c), false, None).await;
        let by_crl = cas.crl_only.issue(&snils_c, "Списков").await;
        let a = login_with(&base, &by_crl).await;
        assert_eq!(a.status, 200, "{name}: CRL fallback: {a:?}");
        let sources = query_strings(&url, "SELECT source FROM revocation_cache").await;
        assert!(
            sources.iter().any(|s| s.starts_with("crl ")),
            "{name}: {sources:?}"
        );
        assert!(
            sources.iter().any(|s| s.starts_with("ocsp ")),
            "{name}: {sources:?}"
        );

        // --- REVOCATION_UNAVAILABLE: neither reachable (fail-closed).
        let snils_d = next_snils();
        insert_account(&url, "standard", Some(&snils_d), false, None).await;
        let unreachable = cas.dead.issue(&snils_d, "Глухов").await;
        let a = login_with(&base, &unreachable).await;
        assert_eq!(a.status, 503, "{name}: {a:?}");
        assert_eq!(a.code(), "REVOCATION_UNAVAILABLE", "{name}: {a:?}");

        // --- IDENTITY_MISMATCH: nobody has this SNILS.
        let stranger_snils = next_snils();
        let nobody = cas.main.issue(&stranger_snils, "Никтов").await;
        let a = login_with(&base, &nobody).await;
        assert_eq!(a.code(), "IDENTITY_MISMATCH", "{name}: {a:?}");

        // --- ACCOUNT_NOT_CONFIRMED: a simplified account.
        let snils_s = next_snils();
        insert_account(&url, "simplified", Some(&snils_s), false, None).await;
        let simple = cas.main.issue(&snils_s, "Простов").await;
        let a = login_with(&base, &simple).await;
        assert_eq!(a.code(), "ACCOUNT_NOT_CONFIRMED", "{name}: {a:?}");

        // --- ACCOUNT_BLOCKED.
        let snils_b = next_snils();
        insert_account(&url, "standard", Some(&snils_b), true, None).await;
        let blocked = cas.main.issue(&snils_b, "Блоков").await;
        let a = login_with(&base, &blocked).await;
        assert_eq!(a.status, 403, "{name}: {a:?}");
        assert_eq!(a.code(), "ACCOUNT_BLOCKED", "{name}: {a:?}");

        // --- Locked by wrong passwords: the default policy lets a
        // signature in and clears the lock.
        let snils_l = next_snils();
        let locked_account = insert_account(
            &url,
            "standard",
            Some(&snils_l),
            false,
            Some(t0() + Duration::from_secs(900)),
        )
        .await;
        let locked = cas.main.issue(&snils_l, "Замков").await;
        let a = login_with(&base, &locked).await;
        assert_eq!(a.status, 200, "{name}: locked account: {a:?}");
        let lock = query_strings(
            &url,
            &format!(
                "SELECT CAST(failed_logins AS TEXT) FROM accounts WHERE id = {locked_account} AND locked_until IS NULL"
            ),
        )
        .await;
        assert_eq!(lock, ["0"], "{name}");

        // Every refusal is journaled with its code.
        for code in [
            "CHALLENGE_REUSED",
            "CHALLENGE_EXPIRED",
            "SIGNATURE_INVALID",
            "CERT_EXPIRED",
            "CERT_NOT_YET_VALID",
            "CERT_UNTRUSTED",
            "CERT_NOT_QUALIFIED",
            "CERT_REVOKED",
            "REVOCATION_UNAVAILABLE",
            "IDENTITY_MISMATCH",
            "ACCOUNT_NOT_CONFIRMED",
            "ACCOUNT_BLOCKED",
        ] {
            assert!(
                journal_results(&url, code).await >= 1,
                "{name}: {code} was not journaled"
            );
        }
        let details = query_strings(
            &url,
            "SELECT details FROM action_journal WHERE result = 'CERT_REVOKED'",
        )
        .await;
        assert!(details[0].contains("fingerprint"), "{name}: {details:?}");
        assert!(details[0].contains("Отозванов"), "{name}: {details:?}");
        drop(s);
    }
}

/// The lockout policy flag off: a locked account is refused
/// (ACCOUNT_LOCKED); the check runs through the service directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lockout_policy_flag_off_refuses_locked_accounts() {
    let main = TestCa::start("Главный", Served::OcspAndCrl).await;
    for db in TestDb::both().await {
        let name = db.name();
        let store = db.open().await;
        let mut trust = TrustList::new();
        trust.add_anchor(main.root()).unwrap();
        trust.add_intermediate(main.issuing());
        let clock = Arc::new(FixedClock::new(t0()));
        let mut idp = make_idp(store, clock.clone());
        let mut policy = idp.policy().clone();
        policy.esig_login_when_locked = false;
        idp = idp::Idp::new(
            idp.store().clone(),
            clock,
            idp::ServerKeys::random().unwrap(),
            Arc::new(idp::FileOutbox::new(std::env::temp_dir())),
            policy,
        );
        let esig = Esig::for_idp(
            &idp,
            EsigConfig::new(trust),
            Some(Arc::new(HttpRevocationSource::default())),
        );
        let snils_l = snils(123_456_789);
        insert_account(
            db.url(),
            "standard",
            Some(&snils_l),
            false,
            Some(t0() + Duration::from_secs(900)),
        )
        .await;
        let holder = main.issue(&snils_l, "Замков").await;
        let issued = esig.challenge(None, None).await.unwrap();
        let signature = holder.sign(&issued.bytes);
        let err = esig
            .login(&idp::esig::LoginRequest {
                challenge: &issued.encoded,
                signature: &signature,
                binding: Some(&issued.binding),
                ip: Some("192.0.2.1"),
                user_agent: Some("test"),
            })
            .await
            .unwrap_err();
        assert_eq!(
            pki::Diagnostic::code(&err),
            "ACCOUNT_LOCKED",
            "{name}: {err}"
        );
        assert_eq!(err.http_status(), 403, "{name}");
    }
}
