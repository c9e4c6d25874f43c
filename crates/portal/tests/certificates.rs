//! «Ключи и сертификаты» over HTTP, on SQLite and PostgreSQL: the portal
//! and the e-signature API on 127.0.0.1:0, certificates issued by our CA
//! (the real workflow) and bound by e-signature logins, OCSP served by
//! the CA's publication router and fetched over HTTP. The page lists the
//! bound certificates with their status (valid, expiring in N days,
//! revoked; in Russian and English), unbinding asks to confirm, needs the
//! form's CSRF token, is journaled and leaves a notice; another account's
//! certificate cannot be unbound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../idp/tests/esig_support/mod.rs"]
mod esig_support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use esig_support::*;
use idp::FixedClock;
use idp::api::esig::EsigApi;
use idp::esig::{Esig, EsigConfig};
use idp::trust::{HttpRevocationSource, TrustList};
use store::testing::TestDb;

/// A page: status, Location, body.
struct Page {
    status: u16,
    location: String,
    body: String,
}

/// A form-encoded request with the session cookie (no redirects followed).
async fn page(
    method: &'static str,
    url: String,
    cookie: String,
    form: Vec<(&str, String)>,
) -> Page {
    let body: String = form_body(&form);
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(&url)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        let r = agent.run(req.body(body).unwrap()).unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        Page {
            status,
            location,
            body: r.into_body().read_to_string().unwrap(),
        }
    })
    .await
    .unwrap()
}

fn form_body(form: &[(&str, String)]) -> String {
    form.iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The row of the certificate with serial `serial`: (binding id, status
/// class, the row's HTML).
fn row(html: &str, serial: &str) -> Option<(i64, String, String)> {
    let table = html.split("<tbody>").nth(1)?.split("</tbody>").next()?;
    table.split("<tr ").skip(1).find_map(|tr| {
        if !tr.contains(&format!("<code>{serial}</code>")) {
            return None;
        }
        let id = tr
            .split("data-id=\"")
            .nth(1)?
            .split('"')
            .next()?
            .parse()
            .ok()?;
        let class = tr.split("data-status=\"").nth(1)?.split('"').next()?;
        Some((id, class.to_owned(), tr.to_owned()))
    })
}

fn rows(html: &str) -> usize {
    html.split("<tbody>").nth(1).map_or(0, |t| {
        t.split("</tbody>").next().unwrap().matches("<tr ").count()
    })
}

/// The CSRF token of the page's forms.
fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .expect("a form with a CSRF token")
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// The session cookie a login answer set.
fn session_cookie(a: &Answer) -> String {
    let c = a
        .cookies
        .iter()
        .find(|c| c.starts_with("podpis_session="))
        .unwrap_or_else(|| panic!("no session cookie: {a:?}"));
    c.split(';').next().unwrap().to_owned()
}

fn whole_days(from: SystemTime, to: SystemTime) -> i64 {
    (to.duration_since(from).unwrap().as_secs() / 86_400) as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn keys_and_certificates_page_on_both_databases() {
    let ca = TestCa::start("Порталовый", Served::OcspAndCrl).await;
    let mut n = 200_000_000u32;
    let mut next_snils = || {
        n += 7919;
        snils(n)
    };
    for db in TestDb::both().await {
        let name = db.name();
        let url = db.url().to_owned();
        let store = db.open().await;
        let idp = make_idp(store, Arc::new(FixedClock::new(t0())));
        let mut trust = TrustList::new();
        trust.add_anchor(ca.root()).unwrap();
        trust.add_intermediate(ca.issuing());
        // No reuse of revocation answers: the page shows what the CA's
        // OCSP responder says now (a certificate revoked after it was
        // bound shows as revoked).
        let config = EsigConfig {
            revocation_cache_max: Duration::ZERO,
            ..EsigConfig::new(trust)
        };
        let esig = Arc::new(Esig::for_idp(
            &idp,
            config,
            Some(Arc::new(HttpRevocationSource::new(Duration::from_secs(3)))),
        ));
        let app = idp::api::esig::router(EsigApi {
            idp: idp.clone(),
            esig: esig.clone(),
            secure_cookies: false,
        })
        .merge(portal::router(idp.clone(), esig));
        let base = serve(app).await;

        // Three certificates of one person, bound by logging in with each:
        // one valid, one expiring within 30 days, one revoked afterwards.
        let snils_a = next_snils();
        let account = insert_account(&url, "standard", Some(&snils_a), false, None).await;
        let valid = ca.issue(&snils_a, "Иванов").await;
        let expiring = ca.issue_at(&snils_a, "Иванов", t0() - 440 * DAY).await;
        let revoked = ca.issue(&snils_a, "Иванов").await;
        let mut cookie = String::new();
        for h in [&valid, &expiring, &revoked] {
            let a = login_with(&base, h).await;
            assert_eq!(a.status, 200, "{name}: {a:?}");
            assert_eq!(a.json["account_id"], account, "{name}");
            assert_eq!(a.json["bound"], true, "{name}");
            cookie = session_cookie(&a);
        }
        ca.revoke(&revoked).await;
        let serial = |h: &Holder| pki::validation::serial_hex(&h.cert);
        let expiring_days = whole_days(
            t0(),
            expiring
                .cert
                .tbs_certificate()
                .validity()
                .not_after
                .to_system_time(),
        );
        assert!((1..=30).contains(&expiring_days), "{name}: {expiring_days}");

        let list = page(
            "GET",
            format!("{base}/cabinet/certificates"),
            cookie.clone(),
            vec![],
        )
        .await;
        assert_eq!(list.status, 200, "{name}: {}", list.body);
        assert_eq!(rows(&list.body), 3, "{name}: {}", list.body);
        let (_, class, tr) = row(&list.body, &serial(&valid)).unwrap();
        assert_eq!(class, "valid", "{name}: {tr}");
        assert!(tr.contains(">действует<"), "{name}: {tr}");
        let (_, class, tr) = row(&list.body, &serial(&expiring)).unwrap();
        assert_eq!(class, "expiring", "{name}: {tr}");
        assert!(
            tr.contains(&format!(">истекает через {expiring_days} дн.<")),
            "{name}: {tr}"
        );
        let (revoked_id, class, tr) = row(&list.body, &serial(&revoked)).unwrap();
        assert_eq!(class, "revoked", "{name}: {tr}");
        assert!(tr.contains(">отозван<"), "{name}: {tr}");
        assert!(
            tr.contains(&format!("?unbind={revoked_id}")),
            "{name}: {tr}"
        );
        let en = page(
            "GET",
            format!("{base}/cabinet/certificates?lang=en"),
            cookie.clone(),
            vec![],
        )
        .await;
        let (_, _, tr) = row(&en.body, &serial(&expiring)).unwrap();
        assert!(
            tr.contains(&format!(">expires in {expiring_days} days<")),
            "{name}: {tr}"
        );
        let (_, _, tr) = row(&en.body, &serial(&revoked)).unwrap();
        assert!(tr.contains(">revoked<"), "{name}: {tr}");

        // Without the page: to the login.
        let anonymous = page(
            "GET",
            format!("{base}/cabinet/certificates"),
            String::new(),
            vec![],
        )
        .await;
        assert_eq!(anonymous.status, 303, "{name}");
        assert_eq!(anonymous.location, "/login", "{name}");

        // Unbinding asks first: the confirmation names the certificate.
        let confirm = page(
            "GET",
            format!("{base}/cabinet/certificates?unbind={revoked_id}"),
            cookie.clone(),
            vec![],
        )
        .await;
        assert_eq!(confirm.status, 200, "{name}");
        let section = confirm
            .body
            .split("id=\"confirm-unbind\"")
            .nth(1)
            .unwrap_or_else(|| panic!("{name}: no confirmation: {}", confirm.body))
            .split("</section>")
            .next()
            .unwrap();
        assert!(section.contains(&serial(&revoked)), "{name}: {section}");
        assert!(
            section.contains(&format!(
                "action=\"/cabinet/certificates/{revoked_id}/unbind\""
            )),
            "{name}: {section}"
        );
        let token = csrf(section);
        let unbind_url = format!("{base}/cabinet/certificates/{revoked_id}/unbind");

        // Refused: no CSRF token, a wrong one, no session.
        for (form, who) in [
            (vec![], cookie.clone()),
            (vec![("csrf", "x".repeat(43))], cookie.clone()),
            (vec![("csrf", token.clone())], String::new()),
        ] {
            let r = page("POST", unbind_url.clone(), who.clone(), form).await;
            if who.is_empty() {
                assert_eq!(r.status, 303, "{name}");
                assert_eq!(r.location, "/login", "{name}");
            } else {
                assert_eq!(r.status, 403, "{name}: {}", r.body);
                assert!(r.body.contains("CSRF_FAILED"), "{name}: {}", r.body);
            }
        }
        let still = page(
            "GET",
            format!("{base}/cabinet/certificates"),
            cookie.clone(),
            vec![],
        )
        .await;
        assert_eq!(rows(&still.body), 3, "{name}");

        // Confirmed: unbound, journaled, a notice after the redirect.
        let done = page(
            "POST",
            unbind_url.clone(),
            cookie.clone(),
            vec![("csrf", token.clone())],
        )
        .await;
        assert_eq!(done.status, 303, "{name}: {}", done.body);
        assert_eq!(
            done.location, "/cabinet/certificates?done=unbound",
            "{name}"
        );
        let after = page(
            "GET",
            format!("{base}{}", done.location),
            cookie.clone(),
            vec![],
        )
        .await;
        assert!(
            after.body.contains("Сертификат отвязан."),
            "{name}: {}",
            after.body
        );
        assert_eq!(rows(&after.body), 2, "{name}");
        assert!(row(&after.body, &serial(&revoked)).is_none(), "{name}");
        assert!(row(&after.body, &serial(&valid)).is_some(), "{name}");
        let journaled = query_strings(
            &url,
            &format!(
                "SELECT details FROM action_journal WHERE action = 'certificate.unbind'
                 AND account_id = {account} AND result = 'ok'"
            ),
        )
        .await;
        assert_eq!(journaled.len(), 1, "{name}: {journaled:?}");
        assert!(
            journaled[0].contains(&serial(&revoked)),
            "{name}: {journaled:?}"
        );

        // Again: it is gone.
        let again = page(
            "POST",
            unbind_url,
            cookie.clone(),
            vec![("csrf", token.clone())],
        )
        .await;
        assert_eq!(again.status, 404, "{name}: {}", again.body);
        assert!(again.body.contains("ESIG_CERTIFICATE_NOT_FOUND"), "{name}");
        assert_eq!(rows(&again.body), 2, "{name}");

        // Another person's certificate cannot be unbound from this account.
        let snils_b = next_snils();
        insert_account(&url, "standard", Some(&snils_b), false, None).await;
        let other = ca.issue(&snils_b, "Петров").await;
        let b = login_with(&base, &other).await;
        assert_eq!(b.status, 200, "{name}: {b:?}");
        let other_cookie = session_cookie(&b);
        let other_page = page(
            "GET",
            format!("{base}/cabinet/certificates"),
            other_cookie.clone(),
            vec![],
        )
        .await;
        let (other_id, _, _) = row(&other_page.body, &serial(&other)).unwrap();
        let r = page(
            "POST",
            format!("{base}/cabinet/certificates/{other_id}/unbind"),
            cookie.clone(),
            vec![("csrf", token.clone())],
        )
        .await;
        assert_eq!(r.status, 404, "{name}: {}", r.body);
        let other_page = page(
            "GET",
            format!("{base}/cabinet/certificates"),
            other_cookie,
            vec![],
        )
        .await;
        assert_eq!(rows(&other_page.body), 1, "{name}");
    }
}
