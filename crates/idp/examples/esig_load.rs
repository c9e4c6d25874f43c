//! E-signature logins per second on loopback: N concurrent clients post
//! pre-signed answers to `POST /api/v1/login/esig` of the idp router, on
//! SQLite or PostgreSQL. The CA (our `ca` crate) issues the users'
//! qualified certificates and serves OCSP on another port, as in the tests.
//!
//! Not timed: the CA, the accounts, each certificate's first login (which
//! binds it and warms the per-node caches), and the challenges — fetched
//! over HTTP and signed before the run (client-side signing is measured
//! separately and printed). Timed: every login request, connect to last
//! byte, by N client threads with keep-alive connections.
//!
//! ```text
//! cargo run --release -p podpis-idp --example esig_load -- [--db sqlite|postgres] [--clients 16] [--logins 5000] [--users 200] [--pool N]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/esig_support/mod.rs"]
mod esig_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use esig_support::*;
use idp::FixedClock;
use idp::api::esig::{EsigApi, router};
use idp::esig::{Esig, EsigConfig};
use idp::trust::{HttpRevocationSource, TrustList};
use store::testing::TestDb;

struct Options {
    db: String,
    clients: usize,
    logins: usize,
    users: usize,
    pool: Option<u32>,
}

fn options() -> Options {
    let mut o = Options {
        db: "sqlite".into(),
        clients: 16,
        logins: 5000,
        users: 200,
        pool: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < args.len() {
        let v = &args[i + 1];
        match args[i].as_str() {
            "--db" => o.db = v.clone(),
            "--clients" => o.clients = v.parse().unwrap(),
            "--logins" => o.logins = v.parse().unwrap(),
            "--users" => o.users = v.parse().unwrap(),
            "--pool" => o.pool = Some(v.parse().unwrap()),
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    o
}

/// One pre-signed login: the JSON body and the binding cookie.
struct Prepared {
    body: String,
    cookie: String,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let o = options();
    let db = match o.db.as_str() {
        "sqlite" => TestDb::sqlite(),
        "postgres" => TestDb::postgres().await,
        other => panic!("--db sqlite|postgres, not {other}"),
    };
    let ca = TestCa::start("Нагрузочный", Served::OcspAndCrl).await;
    let store = store::Store::open_with_pool(db.url(), o.pool)
        .await
        .unwrap();
    let mut trust = TrustList::new();
    trust.add_anchor(ca.root()).unwrap();
    trust.add_intermediate(ca.issuing());
    // The idp clock follows the system clock from t0 (OCSP answers are
    // dated by the CA's clock at t0).
    let clock = Arc::new(FixedClock::new(t0()));
    let idp = make_idp(store, clock);
    let esig = Arc::new(Esig::for_idp(
        &idp,
        EsigConfig::new(trust),
        Some(Arc::new(HttpRevocationSource::default())),
    ));
    let base = serve(router(EsigApi {
        idp,
        esig,
        secure_cookies: false,
    }))
    .await;

    eprintln!("setting up {} users on {} …", o.users, db.name());
    let mut holders = Vec::new();
    for u in 0..o.users {
        let s = snils(200_000_000 + u as u32 * 13);
        insert_account(db.url(), "standard", Some(&s), false, None).await;
        let h = ca.issue(&s, "Нагрузкин").await;
        let first = login_with(&base, &h).await;
        assert_eq!(first.status, 200, "warm-up login: {first:?}");
        holders.push(h);
    }

    // Challenges over HTTP, then signing, each timed on its own.
    let started = Instant::now();
    let mut challenges = Vec::with_capacity(o.logins);
    for _ in 0..o.logins {
        challenges.push(get_challenge(&base, None).await);
    }
    let challenge_time = started.elapsed();
    let started = Instant::now();
    let prepared: Vec<Prepared> = challenges
        .into_iter()
        .enumerate()
        .map(|(i, (challenge, bytes, binding))| {
            let sig = holders[i % holders.len()].sign(&bytes);
            Prepared {
                body: serde_json::json!({
                    "challenge": challenge,
                    "signature": base64::engine::general_purpose::STANDARD.encode(sig),
                })
                .to_string(),
                cookie: format!("podpis_esig={binding}"),
            }
        })
        .collect();
    let signing_time = started.elapsed();

    let prepared = Arc::new(prepared);
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{base}/api/v1/login/esig");
    let started = Instant::now();
    let threads: Vec<_> = (0..o.clients)
        .map(|_| {
            let (prepared, next, url) = (prepared.clone(), next.clone(), url.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let mut lat = Vec::new();
                let mut failures = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(p) = prepared.get(i) else { break };
                    let t = Instant::now();
                    let r = agent
                        .post(&url)
                        .header("cookie", &p.cookie)
                        .content_type("application/json")
                        .send(p.body.as_str())
                        .unwrap();
                    let ok = r.status().as_u16() == 200;
                    let _ = r.into_body().read_to_vec();
                    lat.push(t.elapsed());
                    if !ok {
                        failures += 1;
                    }
                }
                (lat, failures)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for t in threads {
        let (l, f) = t.join().unwrap();
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    println!(
        "db={} clients={} logins={} users={} pool={:?} failures={}",
        db.name(),
        o.clients,
        latencies.len(),
        o.users,
        o.pool,
        failures
    );
    println!(
        "logins/s={rate:.0} p50={:.2}ms p99={:.2}ms max={:.2}ms",
        percentile(&latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "untimed: challenges {:.0}/s over HTTP, client-side signing {:.0}/s",
        o.logins as f64 / challenge_time.as_secs_f64(),
        o.logins as f64 / signing_time.as_secs_f64()
    );
    assert_eq!(failures, 0, "some logins failed");
}
