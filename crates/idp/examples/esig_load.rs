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
//! Besides the rate and the latencies it reports what the run cost and
//! what else ran meanwhile, so that a run on a busy machine shows itself:
//! CPU seconds of the server's threads (tokio workers, SQLite's), of the
//! client threads, of the PostgreSQL backends serving this database and of
//! its WAL writer and checkpointer (from /proc), the whole machine's busy
//! CPU seconds and the load average; then, in a short sequential phase
//! with sqlx's statement log counted, the SQL statements of one challenge
//! and of one login.
//!
//! ```text
//! cargo run --release -p podpis-idp --example esig_load -- [--db sqlite|postgres] [--clients 16] [--logins 5000] [--users 200] [--pool N] [--workers 2] [--count 50] [--tls] [--json]
//! ```
//! PostgreSQL is reached over loopback without TLS (`sslmode=disable`)
//! unless `--tls` (sqlx's default `prefer`: TLS whenever the server offers
//! it).
//! `bench/esig-login` builds it and runs both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/esig_support/mod.rs"]
mod esig_support;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
    workers: usize,
    count: usize,
    json: bool,
    tls: bool,
}

fn options() -> Options {
    let mut o = Options {
        db: "sqlite".into(),
        clients: 16,
        logins: 5000,
        users: 200,
        pool: None,
        workers: 2,
        count: 50,
        json: false,
        tls: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--json" || arg == "--tls" {
            o.json |= arg == "--json";
            o.tls |= arg == "--tls";
            continue;
        }
        let v = args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--db" => o.db = v,
            "--clients" => o.clients = v.parse().unwrap(),
            "--logins" => o.logins = v.parse().unwrap(),
            "--users" => o.users = v.parse().unwrap(),
            "--pool" => o.pool = Some(v.parse().unwrap()),
            "--workers" => o.workers = v.parse().unwrap(),
            "--count" => o.count = v.parse().unwrap(),
            other => panic!("unknown option {other}"),
        }
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

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

// ---- What /proc says --------------------------------------------------

/// Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;

/// CPU seconds a process or thread has run, from its /proc directory
/// `dir`: `schedstat` (nanoseconds) where the kernel keeps it, else
/// utime + stime of `stat` (whole ticks, truncated per thread).
fn cpu_seconds(dir: &str) -> Option<f64> {
    if let Some(ns) = std::fs::read_to_string(format!("{dir}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
    {
        return Some(ns / 1e9);
    }
    let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
    // The name (field 2) is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the file are 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS)
}

/// This process's threads by role, CPU seconds each role has used.
fn own_threads() -> BTreeMap<&'static str, f64> {
    let mut by_role = BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/task").into_iter().flatten() {
        let Ok(entry) = entry else { continue };
        let dir = entry.path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
        let role = match name.trim() {
            // tokio's workers ("tokio-rt-worker"; the blocking pool's,
            // idle while timed, share the name).
            n if n.starts_with("tokio-r") => "server",
            n if n.starts_with("sqlx-sqlite") => "server",
            n if n.starts_with("esig-client") => "client",
            _ => "other",
        };
        if let Some(s) = cpu_seconds(&dir.to_string_lossy()) {
            *by_role.entry(role).or_insert(0.0) += s;
        }
    }
    by_role
}

/// The calling thread's CPU seconds.
fn this_thread_cpu() -> f64 {
    cpu_seconds("/proc/thread-self").unwrap_or(0.0)
}

/// The machine: busy and total CPU seconds since boot, of all CPUs
/// (steal counted as busy: the hypervisor gave the time to someone else).
fn machine_cpu() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let line = stat.lines().next().unwrap_or_default();
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal guest guest_nice
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    let total: f64 = v.iter().take(8).sum();
    ((total - idle) / TICKS, total / TICKS)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How often a process went to sleep waiting (its voluntary context
/// switches): a PostgreSQL backend sleeps once per round trip, waiting
/// for the client's next message, and again when its commit waits for
/// the WAL flush.
fn waits(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The PostgreSQL processes that matter for this run: the backends
/// connected to the benchmark database, and the WAL writer and
/// checkpointer (shared with every other database on the server).
struct PgProcesses {
    admin: sqlx::AnyPool,
    database: String,
}

/// CPU seconds (and for backends, waits) of the processes, by pid.
#[derive(Default)]
struct PgSample {
    backends: HashMap<i32, (f64, u64)>,
    aux: HashMap<i32, f64>,
    wal_lsn_bytes: i64,
}

impl PgProcesses {
    async fn connect(url: &str) -> PgProcesses {
        sqlx::any::install_default_drivers();
        let admin = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .connect(url)
            .await
            .unwrap();
        let database: String = sqlx::query_scalar("SELECT current_database()::text")
            .fetch_one(&admin)
            .await
            .unwrap();
        PgProcesses { admin, database }
    }

    async fn sample(&self) -> PgSample {
        let rows: Vec<(i32, String, bool)> = sqlx::query_as(
            "SELECT pid, backend_type, COALESCE(datname = $1, false)
             FROM pg_stat_activity WHERE pid <> pg_backend_pid()",
        )
        .bind(&self.database)
        .fetch_all(&self.admin)
        .await
        .unwrap();
        let mut s = PgSample::default();
        for (pid, kind, ours) in rows {
            let Some(cpu) = cpu_seconds(&format!("/proc/{pid}")) else {
                continue;
            };
            if ours && kind == "client backend" {
                s.backends.insert(pid, (cpu, waits(pid).unwrap_or(0)));
            } else if kind == "walwriter" || kind == "checkpointer" {
                s.aux.insert(pid, cpu);
            }
        }
        s.wal_lsn_bytes =
            sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint")
                .fetch_one(&self.admin)
                .await
                .unwrap();
        s
    }
}

/// What PostgreSQL spent between two samples: backend CPU, backend waits
/// (one per round trip, plus commit waits), WAL writer + checkpointer
/// CPU, WAL bytes (the whole server's).
fn pg_delta(before: &PgSample, after: &PgSample) -> (f64, u64, f64, i64) {
    let mut cpu = 0.0;
    let mut reads = 0;
    for (pid, (c, r)) in &after.backends {
        let (c0, r0) = before.backends.get(pid).copied().unwrap_or((0.0, 0));
        cpu += c - c0;
        reads += r.saturating_sub(r0);
    }
    let aux = after
        .aux
        .iter()
        .map(|(pid, c)| c - before.aux.get(pid).copied().unwrap_or(0.0))
        .sum();
    (cpu, reads, aux, after.wal_lsn_bytes - before.wal_lsn_bytes)
}

// ---- sqlx's statement log, counted -------------------------------------

/// A tracing subscriber that counts sqlx's statement events (target
/// `sqlx::query`, one per statement executed, by its first words) while
/// switched on, and ignores everything else.
#[derive(Default)]
struct StatementCounter {
    on: AtomicBool,
    counts: Mutex<BTreeMap<String, u64>>,
}

struct Summary(String);

impl tracing::field::Visit for Summary {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "summary" {
            value.clone_into(&mut self.0);
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}").trim_matches('"').to_owned();
        }
    }
}

impl tracing::Subscriber for &'static StatementCounter {
    fn register_callsite(
        &self,
        meta: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        if meta.target() == "sqlx::query" {
            tracing::subscriber::Interest::sometimes()
        } else {
            tracing::subscriber::Interest::never()
        }
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "sqlx::query" && self.on.load(Ordering::Relaxed)
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut summary = Summary(String::new());
        event.record(&mut summary);
        let words: Vec<&str> = summary
            .0
            .trim_end_matches('…')
            .split_whitespace()
            .take(3)
            .collect();
        *self
            .counts
            .lock()
            .unwrap()
            .entry(words.join(" "))
            .or_insert(0) += 1;
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

impl StatementCounter {
    /// Counts while `f` runs; the statements by kind, and their total.
    async fn count<F: std::future::Future<Output = ()>>(
        &self,
        f: F,
    ) -> (BTreeMap<String, u64>, u64) {
        self.counts.lock().unwrap().clear();
        self.on.store(true, Ordering::Relaxed);
        f.await;
        self.on.store(false, Ordering::Relaxed);
        let counts = std::mem::take(&mut *self.counts.lock().unwrap());
        let total = counts.values().sum();
        (counts, total)
    }
}

fn per_op(counts: &BTreeMap<String, u64>, n: usize) -> String {
    counts
        .iter()
        .map(|(k, v)| format!("{:.2}× {k}", *v as f64 / n as f64))
        .collect::<Vec<_>>()
        .join("; ")
}

// ---- The run -----------------------------------------------------------

fn main() {
    let o = options();
    static COUNTER: std::sync::OnceLock<StatementCounter> = std::sync::OnceLock::new();
    let counter: &'static StatementCounter = COUNTER.get_or_init(StatementCounter::default);
    tracing::subscriber::set_global_default(counter).unwrap();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.workers)
        .enable_all()
        .build()
        .unwrap()
        .block_on(run(o, counter));
}

async fn run(o: Options, counter: &'static StatementCounter) {
    let db = match o.db.as_str() {
        "sqlite" => TestDb::sqlite(),
        "postgres" => TestDb::postgres().await,
        other => panic!("--db sqlite|postgres, not {other}"),
    };
    let ca = TestCa::start("Нагрузочный", Served::OcspAndCrl).await;
    // PostgreSQL on loopback without TLS unless --tls (sqlx's default,
    // sslmode=prefer, encrypts whenever the server offers it).
    let url = match db.backend() {
        store::Backend::Postgres if !o.tls => format!("{}?sslmode=disable", db.url()),
        _ => db.url().to_owned(),
    };
    let store = store::Store::open_with_pool(&url, o.pool).await.unwrap();
    let pg = match db.backend() {
        store::Backend::Postgres => Some(PgProcesses::connect(&url).await),
        store::Backend::Sqlite => None,
    };
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

    // The timed phase, with the CPU bill around it.
    let prepared = Arc::new(prepared);
    let next = Arc::new(AtomicUsize::new(0));
    let url = format!("{base}/api/v1/login/esig");
    let load_before = loadavg();
    let machine_before = machine_cpu();
    let own_before = own_threads();
    let pg_before = match &pg {
        Some(p) => Some(p.sample().await),
        None => None,
    };
    let started = Instant::now();
    let threads: Vec<_> = (0..o.clients)
        .map(|c| {
            let (prepared, next, url) = (prepared.clone(), next.clone(), url.clone());
            std::thread::Builder::new()
                .name(format!("esig-client-{c}"))
                .spawn(move || {
                    let cpu0 = this_thread_cpu();
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
                    (lat, failures, this_thread_cpu() - cpu0)
                })
                .unwrap()
        })
        .collect();
    let mut latencies = Vec::new();
    let mut failures = 0;
    let mut client_cpu = 0.0;
    for t in threads {
        let (l, f, c) = t.join().unwrap();
        latencies.extend(l);
        failures += f;
        client_cpu += c;
    }
    let elapsed = started.elapsed();
    let own_after = own_threads();
    let machine_after = machine_cpu();
    let load_after = loadavg();
    let pg_cost = match (&pg, &pg_before) {
        (Some(p), Some(before)) => Some(pg_delta(before, &p.sample().await)),
        _ => None,
    };

    // Statements of one challenge and of one login, counted sequentially.
    let (challenge_sql, login_sql) = if o.count > 0 {
        let mut fresh = Vec::new();
        let challenge_sql = counter
            .count(async {
                for _ in 0..o.count {
                    fresh.push(get_challenge(&base, None).await);
                }
            })
            .await;
        let signed: Vec<_> = fresh
            .into_iter()
            .enumerate()
            .map(|(i, (c, bytes, b))| (c, holders[i % holders.len()].sign(&bytes), b))
            .collect();
        let login_sql = counter
            .count(async {
                for (c, sig, b) in &signed {
                    let a = post_login(&base, c, sig, b).await;
                    assert_eq!(a.status, 200, "{a:?}");
                }
            })
            .await;
        (Some(challenge_sql), Some(login_sql))
    } else {
        (None, None)
    };

    latencies.sort();
    let n = latencies.len();
    let rate = n as f64 / elapsed.as_secs_f64();
    let server_cpu =
        own_after.get("server").unwrap_or(&0.0) - own_before.get("server").unwrap_or(&0.0);
    let (pg_cpu, pg_waits, pg_aux, wal_bytes) = pg_cost.unwrap_or((0.0, 0, 0.0, 0));
    let machine_busy = machine_after.0 - machine_before.0;
    let machine_total = machine_after.1 - machine_before.1;
    let ours = server_cpu + client_cpu + pg_cpu + pg_aux;
    let per_login_us = |s: f64| s / n.max(1) as f64 * 1e6;

    println!(
        "db={}{} clients={} logins={} users={} pool={} workers={} failures={}",
        db.name(),
        if o.tls { " (TLS)" } else { "" },
        o.clients,
        n,
        o.users,
        o.pool.map_or("default".into(), |p| p.to_string()),
        o.workers,
        failures
    );
    println!(
        "logins/s={rate:.0} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms wall={:.2}s",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.90)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        elapsed.as_secs_f64()
    );
    println!(
        "cpu seconds: server {server_cpu:.2} ({:.0} µs/login), client {client_cpu:.2} ({:.0} µs/login), \
         postgres backends {pg_cpu:.2} ({:.0} µs/login), wal writer + checkpointer {pg_aux:.2}",
        per_login_us(server_cpu),
        per_login_us(client_cpu),
        per_login_us(pg_cpu),
    );
    println!(
        "machine: {machine_busy:.2} of {machine_total:.2} CPU-seconds busy, of which not this run's {:.2} \
         ({:.0}%); load average {load_before} before, {load_after} after",
        (machine_busy - ours).max(0.0),
        (machine_busy - ours).max(0.0) / machine_total.max(1e-9) * 100.0
    );
    if pg.is_some() {
        println!(
            "postgres: {:.1} backend waits per login (round trips + commit waits), {:.0} WAL bytes per login (whole server)",
            pg_waits as f64 / n.max(1) as f64,
            wal_bytes as f64 / n.max(1) as f64
        );
    }
    if let (Some((cc, ct)), Some((lc, lt))) = (&challenge_sql, &login_sql) {
        println!(
            "statements per challenge: {:.2} ({})",
            *ct as f64 / o.count as f64,
            per_op(cc, o.count)
        );
        println!(
            "statements per login: {:.2} ({})",
            *lt as f64 / o.count as f64,
            per_op(lc, o.count)
        );
    }
    println!(
        "untimed: challenges {:.0}/s over HTTP, client-side signing {:.0}/s",
        o.logins as f64 / challenge_time.as_secs_f64(),
        o.logins as f64 / signing_time.as_secs_f64()
    );
    if o.json {
        println!(
            "{}",
            serde_json::json!({
                "db": db.name(),
                "tls": o.tls,
                "clients": o.clients,
                "logins": n,
                "users": o.users,
                "pool": o.pool,
                "workers": o.workers,
                "failures": failures,
                "rate": rate,
                "p50_ms": ms(percentile(&latencies, 0.50)),
                "p99_ms": ms(percentile(&latencies, 0.99)),
                "server_us": per_login_us(server_cpu),
                "client_us": per_login_us(client_cpu),
                "pg_us": per_login_us(pg_cpu),
                "backend_waits": pg_waits as f64 / n.max(1) as f64,
                "others_cpu_s": (machine_busy - ours).max(0.0),
                "wall_s": elapsed.as_secs_f64(),
                "load_before": load_before,
                "load_after": load_after,
                "login_statements": login_sql.as_ref().map(|(_, t)| *t as f64 / o.count as f64),
                "challenge_statements": challenge_sql.as_ref().map(|(_, t)| *t as f64 / o.count as f64),
            })
        );
    }
    assert_eq!(failures, 0, "some logins failed");
}
