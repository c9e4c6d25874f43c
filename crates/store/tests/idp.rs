//! The identity provider's tables on both backends: accounts and their
//! lockout counters, one-time flows, sessions, and the hash-chained action
//! journal with its tamper detection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use sqlx::any::AnyPoolOptions;
use store::accounts::{AccountLevel, FlowPurpose, IdentityData, LockRule, NewAccount, NewFlow};
use store::action_journal::{
    ActionEntry, ActionFilter, JournalKey, OK, ProblemKind, action, chain_of,
};
use store::sessions::NewSession;
use store::testing::TestDb;
use store::{Backend, Store, StoreError};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn mins(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

fn key() -> JournalKey {
    JournalKey::new([42; 32])
}

async fn open(db: &TestDb) -> Store {
    db.open().await.with_journal_key(key())
}

/// A raw pool on the same database, bypassing the store's code.
async fn raw(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .connect(db.url())
        .await
        .unwrap()
}

async fn exec(pool: &sqlx::AnyPool, sql: &str) {
    sqlx::raw_sql(sql).execute(pool).await.unwrap();
}

/// Drops the append-only triggers, as an intruder with database access.
async fn drop_triggers(db: &TestDb, pool: &sqlx::AnyPool) {
    match db.backend() {
        Backend::Sqlite => {
            exec(pool, "DROP TRIGGER action_journal_no_update").await;
            exec(pool, "DROP TRIGGER action_journal_no_delete").await;
        }
        Backend::Postgres => {
            exec(
                pool,
                "DROP TRIGGER action_journal_no_update ON action_journal",
            )
            .await;
        }
    }
}

fn registered(email: &str) -> ActionEntry {
    ActionEntry::new(None, action::ACCOUNT_REGISTERED, OK)
        .client(Some("127.0.0.1"), Some("test"))
        .detail("email", email)
}

async fn account(store: &Store, email: &str) -> i64 {
    store
        .create_account(
            &NewAccount {
                level: AccountLevel::Simplified,
                email: Some(email),
                phone: None,
                password_hash: Some("$argon2id$v=19$fake"),
                at: t0(),
            },
            &registered(email),
        )
        .await
        .unwrap()
        .id
}

fn identity(snils: &str) -> IdentityData {
    IdentityData {
        surname: "Иванов".into(),
        given_name: "Иван".into(),
        patronymic: Some("Иванович".into()),
        birthdate: "1980-01-02".into(),
        snils: snils.into(),
        inn: Some("500100732259".into()),
        passport_series: "4510".into(),
        passport_number: "123456".into(),
        passport_issued: "2005-03-04".into(),
    }
}

#[tokio::test]
async fn accounts_are_created_found_and_raised_with_their_journal() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let id = account(&store, "ivanov@example.ru").await;
        let a = store.account(id).await.unwrap().unwrap();
        assert_eq!(a.level, AccountLevel::Simplified, "{}", db.name());
        assert!(a.email_verified && !a.phone_verified);
        assert_eq!(a.created_at, t0());
        assert!(!format!("{a:?}").contains("argon2"), "Debug hides the hash");
        assert_eq!(
            store
                .account_by_email("ivanov@example.ru")
                .await
                .unwrap()
                .unwrap()
                .id,
            id
        );
        assert!(
            store
                .account_by_email("x@example.ru")
                .await
                .unwrap()
                .is_none()
        );
        assert!(store.account(id + 100).await.unwrap().is_none());

        // The same e-mail twice: taken, and nothing journaled for it.
        let before = store.actions(&ActionFilter::default()).await.unwrap().len();
        let err = store
            .create_account(
                &NewAccount {
                    level: AccountLevel::Simplified,
                    email: Some("ivanov@example.ru"),
                    phone: None,
                    password_hash: None,
                    at: t0(),
                },
                &registered("ivanov@example.ru"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Taken("account")),
            "{}: {err}",
            db.name()
        );
        assert_eq!(
            store.actions(&ActionFilter::default()).await.unwrap().len(),
            before
        );

        // Identity data raise simplified to standard; the SNILS is unique.
        let entry = ActionEntry::new(Some(id), action::PROFILE, OK);
        let a = store
            .set_identity(id, &identity("11223344595"), t0(), &entry)
            .await
            .unwrap();
        assert_eq!(a.level, AccountLevel::Standard);
        assert_eq!(a.snils.as_deref(), Some("11223344595"));
        assert_eq!(
            store
                .account_by_snils("11223344595")
                .await
                .unwrap()
                .unwrap()
                .id,
            id
        );
        let other = account(&store, "petrov@example.ru").await;
        let err = store
            .set_identity(
                other,
                &identity("11223344595"),
                t0(),
                &ActionEntry::new(Some(other), action::PROFILE, OK),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Taken("snils")), "{err}");
        assert_eq!(
            store.account(other).await.unwrap().unwrap().level,
            AccountLevel::Simplified
        );

        // An operator confirms; the level and who did it are kept.
        let a = store
            .set_account_level(
                id,
                AccountLevel::Confirmed,
                Some("operator:petrova"),
                t0(),
                &ActionEntry::new(Some(id), action::CONFIRMED, OK).detail("operator", "petrova"),
            )
            .await
            .unwrap();
        assert_eq!(a.level, AccountLevel::Confirmed);
        assert_eq!(a.confirmed_by.as_deref(), Some("operator:petrova"));
        // Re-entering identity data keeps the confirmed level.
        let a = store
            .set_identity(id, &identity("11223344595"), t0(), &entry)
            .await
            .unwrap();
        assert_eq!(a.level, AccountLevel::Confirmed);
        let err = store
            .set_account_level(999, AccountLevel::Confirmed, None, t0(), &entry)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");

        let mine = store
            .actions(&ActionFilter {
                account_id: Some(id),
                ..Default::default()
            })
            .await
            .unwrap();
        let names: Vec<&str> = mine.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            names,
            [
                action::PROFILE,
                action::CONFIRMED,
                action::PROFILE,
                action::ACCOUNT_REGISTERED
            ],
            "{}",
            db.name()
        );
        assert!(mine.iter().all(|e| e.chain == chain_of(Some(id))));
        assert_eq!(mine.last().unwrap().seq, 1);
        assert!(store.verify_action_journal().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn failures_lock_and_each_lock_doubles_up_to_the_cap() {
    let rule = LockRule {
        max_failures: 5,
        first_lock: mins(15),
        max_lock: mins(24 * 60),
    };
    for db in TestDb::both().await {
        let store = open(&db).await;
        let id = account(&store, "a@example.ru").await;
        let fail = ActionEntry::new(Some(id), action::LOGIN_PASSWORD, "LOGIN_FAILED");
        let mut now = t0();
        let mut locks = Vec::new();
        for round in 0..8 {
            for i in 1..=5 {
                let out = store
                    .account_login_failed(id, &rule, now, &fail)
                    .await
                    .unwrap();
                if i < 5 {
                    assert_eq!(
                        (out.failed_logins, out.locked_until),
                        (i, None),
                        "{}",
                        db.name()
                    );
                } else {
                    let until = out.locked_until.expect("the fifth failure locks");
                    assert_eq!(out.lock_count, round + 1);
                    locks.push(until.duration_since(now).unwrap().as_secs() / 60);
                    let a = store.account(id).await.unwrap().unwrap();
                    assert!(a.locked_at(now) && !a.locked_at(until));
                    assert_eq!(a.failed_logins, 0);
                    now = until;
                }
            }
        }
        assert_eq!(
            locks,
            [15, 30, 60, 120, 240, 480, 960, 1440],
            "{}",
            db.name()
        );
        // The locking failure's journal entry says until when.
        let last = store
            .actions(&ActionFilter {
                account_id: Some(id),
                limit: Some(1),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(last[0].details["lock_count"], 8);
        assert!(last[0].details["locked_until"].is_i64());

        // A good login clears the history: the next lock is 15 min again.
        store.account_login_succeeded(id).await.unwrap();
        let a = store.account(id).await.unwrap().unwrap();
        assert_eq!(
            (a.failed_logins, a.lock_count, a.locked_until),
            (0, 0, None)
        );
        let mut out = None;
        for _ in 0..5 {
            out = Some(
                store
                    .account_login_failed(id, &rule, now, &fail)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(out.unwrap().locked_until, Some(now + mins(15)));

        // Unknown login names count the same way.
        let shared = ActionEntry::new(None, action::LOGIN_PASSWORD, "LOGIN_FAILED");
        assert_eq!(store.login_name_locked_until("h1").await.unwrap(), None);
        for i in 1..=5 {
            let out = store
                .login_name_failed("h1", &rule, t0(), &shared)
                .await
                .unwrap();
            assert_eq!(out.locked_until.is_some(), i == 5);
        }
        assert_eq!(
            store.login_name_locked_until("h1").await.unwrap(),
            Some(t0() + mins(15))
        );
        for _ in 0..5 {
            store
                .login_name_failed("h1", &rule, t0() + mins(15), &shared)
                .await
                .unwrap();
        }
        assert_eq!(
            store.login_name_locked_until("h1").await.unwrap(),
            Some(t0() + mins(45))
        );
        assert_eq!(store.login_name_locked_until("h2").await.unwrap(), None);
        assert!(store.verify_action_journal().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn per_address_failures_count_in_a_window() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let w = mins(15);
        for i in 1..=3 {
            assert_eq!(store.ip_failed("10.0.0.1", t0(), w).await.unwrap(), i);
        }
        assert_eq!(store.ip_failures("10.0.0.1", t0() - w).await.unwrap(), 3);
        assert_eq!(store.ip_failures("10.0.0.2", t0() - w).await.unwrap(), 0);
        // Later than the window: it starts again at one.
        let later = t0() + w + Duration::from_secs(1);
        assert_eq!(store.ip_failures("10.0.0.1", later - w).await.unwrap(), 0);
        assert_eq!(
            store.ip_failed("10.0.0.1", later, w).await.unwrap(),
            1,
            "{}",
            db.name()
        );
        assert_eq!(store.ip_failed("10.0.0.1", later, w).await.unwrap(), 2);
    }
}

#[tokio::test]
async fn flows_are_single_use_limited_and_expire() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let id = account(&store, "a@example.ru").await;
        let new = |hash: &'static str, purpose, account_id| NewFlow {
            purpose,
            flow_hash: hash,
            account_id,
            channel: Some("email"),
            address: Some("a@example.ru"),
            code_hash: Some("c0de"),
            payload: "{}",
            ip: Some("127.0.0.1"),
            at: t0(),
            expires_at: t0() + mins(10),
        };
        let f = store
            .create_flow(&new("f1", FlowPurpose::Login, Some(id)), None)
            .await
            .unwrap();
        assert_eq!(f.attempts, 0);
        assert!(
            store
                .flow("f1", FlowPurpose::Recover)
                .await
                .unwrap()
                .is_none()
        );
        let read = store.flow("f1", FlowPurpose::Login).await.unwrap().unwrap();
        assert_eq!((read.id, read.code_hash.as_deref()), (f.id, Some("c0de")));
        let wrong = ActionEntry::new(Some(id), action::LOGIN_OTP, "OTP_INVALID");
        for n in 1..=3 {
            assert_eq!(
                store
                    .flow_attempt_failed(f.id, 3, t0(), Some(&wrong))
                    .await
                    .unwrap(),
                n
            );
        }
        // The third wrong code closed the flow.
        let closed = store.flow("f1", FlowPurpose::Login).await.unwrap().unwrap();
        assert!(closed.used_at.is_some(), "{}", db.name());
        assert!(!store.take_flow(f.id, t0()).await.unwrap());

        // Single use, and not after expiry.
        let g = store
            .create_flow(&new("f2", FlowPurpose::Login, Some(id)), None)
            .await
            .unwrap();
        assert!(!store.take_flow(g.id, t0() + mins(10)).await.unwrap());
        assert!(store.take_flow(g.id, t0()).await.unwrap());
        assert!(!store.take_flow(g.id, t0()).await.unwrap());

        // A registration completes once, creating the account.
        let r = store
            .create_flow(&new("f3", FlowPurpose::Register, None), None)
            .await
            .unwrap();
        let na = NewAccount {
            level: AccountLevel::Simplified,
            email: Some("new@example.ru"),
            phone: None,
            password_hash: Some("h"),
            at: t0(),
        };
        let entry = registered("new@example.ru");
        let created = store
            .complete_registration(r.id, &na, &entry)
            .await
            .unwrap();
        assert_eq!(created.unwrap().email.as_deref(), Some("new@example.ru"));
        assert!(
            store
                .complete_registration(r.id, &na, &entry)
                .await
                .unwrap()
                .is_none()
        );

        // A recovery sets the password and ends every session.
        for h in ["s1", "s2"] {
            store
                .create_session(
                    &session(h, id),
                    &ActionEntry::new(Some(id), action::LOGIN_OTP, OK),
                )
                .await
                .unwrap();
        }
        let rec = store
            .create_flow(&new("f4", FlowPurpose::Recover, Some(id)), None)
            .await
            .unwrap();
        let done = store
            .complete_recovery(
                rec.id,
                id,
                "newhash",
                t0(),
                &ActionEntry::new(Some(id), action::RECOVERY, OK),
            )
            .await
            .unwrap();
        assert_eq!(done, Some(2));
        assert!(
            store
                .active_sessions(id, t0(), t0() - mins(30))
                .await
                .unwrap()
                .is_empty()
        );
        let a = store.account(id).await.unwrap().unwrap();
        assert_eq!(a.password_hash.as_deref(), Some("newhash"));
        assert!(
            store
                .complete_recovery(
                    rec.id,
                    id,
                    "x",
                    t0(),
                    &ActionEntry::new(Some(id), action::RECOVERY, OK)
                )
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.purge_flows(t0() + mins(11)).await.unwrap(), 4);
        assert!(store.verify_action_journal().await.unwrap().is_intact());
    }
}

fn session(hash: &'static str, account_id: i64) -> NewSession<'static> {
    NewSession {
        token_hash: hash,
        account_id,
        amr: "pwd otp",
        ip: Some("127.0.0.1"),
        user_agent: Some("test"),
        at: t0(),
        absolute_expires_at: t0() + mins(12 * 60),
    }
}

#[tokio::test]
async fn sessions_start_end_and_list() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let id = account(&store, "a@example.ru").await;
        let other = account(&store, "b@example.ru").await;
        let login = ActionEntry::new(Some(id), action::LOGIN_OTP, OK);
        let s1 = store
            .create_session(&session("h1", id), &login)
            .await
            .unwrap();
        let s2 = store
            .create_session(&session("h2", id), &login)
            .await
            .unwrap();
        let s3 = store
            .create_session(&session("h3", id), &login)
            .await
            .unwrap();
        store
            .create_session(
                &session("h4", other),
                &ActionEntry::new(Some(other), action::LOGIN_OTP, OK),
            )
            .await
            .unwrap();
        assert_eq!(s1.amr, "pwd otp");
        assert_eq!(
            store.session_by_token_hash("h2").await.unwrap().unwrap(),
            s2
        );
        assert!(store.session_by_token_hash("nope").await.unwrap().is_none());
        // The login entry names the session.
        let entries = store
            .actions(&ActionFilter {
                account_id: Some(id),
                action: Some("login.".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].details["session"], s3.id);

        store.touch_session(s1.id, t0() + mins(20)).await.unwrap();
        let s = store.session(s1.id).await.unwrap().unwrap();
        assert_eq!(s.last_seen_at, t0() + mins(20));
        // Idle since t0 + 10 min: s2 and s3 (seen at t0) drop out.
        let live = store
            .active_sessions(id, t0() + mins(40), t0() + mins(10))
            .await
            .unwrap();
        assert_eq!(live.iter().map(|s| s.id).collect::<Vec<_>>(), [s1.id]);
        let live = store.active_sessions(id, t0(), t0()).await.unwrap();
        assert_eq!(live.len(), 3, "{}", db.name());
        // Past the absolute end none is live.
        assert!(
            store
                .active_sessions(id, t0() + mins(12 * 60), t0())
                .await
                .unwrap()
                .is_empty()
        );

        // Ending: only the account's own live session, once.
        let end = ActionEntry::new(Some(id), action::SESSION_ENDED, OK);
        assert!(
            store
                .end_session(s2.id, id, t0(), "ended", &end)
                .await
                .unwrap()
        );
        assert!(
            !store
                .end_session(s2.id, id, t0(), "ended", &end)
                .await
                .unwrap()
        );
        assert!(
            !store
                .end_session(s3.id, other, t0(), "ended", &end)
                .await
                .unwrap()
        );
        let ended = store.session(s2.id).await.unwrap().unwrap();
        assert_eq!(ended.end_reason.as_deref(), Some("ended"));
        store.expire_session(s1.id, t0(), "idle").await.unwrap();
        assert_eq!(
            store
                .session(s1.id)
                .await
                .unwrap()
                .unwrap()
                .end_reason
                .as_deref(),
            Some("idle")
        );
        // Everywhere but s3; then everywhere.
        let s5 = store
            .create_session(&session("h5", id), &login)
            .await
            .unwrap();
        let all = ActionEntry::new(Some(id), action::SESSIONS_ENDED, OK);
        assert_eq!(
            store
                .end_all_sessions(id, Some(s3.id), t0(), &all)
                .await
                .unwrap(),
            1
        );
        assert!(
            store
                .session(s5.id)
                .await
                .unwrap()
                .unwrap()
                .ended_at
                .is_some()
        );
        assert_eq!(
            store.end_all_sessions(id, None, t0(), &all).await.unwrap(),
            1
        );
        assert!(
            store
                .active_sessions(id, t0(), t0())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .active_sessions(other, t0(), t0())
                .await
                .unwrap()
                .len(),
            1
        );

        // Blocking ends the sessions too.
        store
            .set_account_blocked(
                other,
                true,
                t0(),
                &ActionEntry::new(Some(other), action::BLOCKED, OK),
            )
            .await
            .unwrap();
        assert!(
            store
                .active_sessions(other, t0(), t0())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(store.account(other).await.unwrap().unwrap().blocked);
        assert!(store.verify_action_journal().await.unwrap().is_intact());
    }
}

#[tokio::test]
async fn the_journal_filters_by_action_result_and_period() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let id = account(&store, "a@example.ru").await;
        let at = |m| t0() + mins(m);
        for (m, act, result) in [
            (1, action::LOGIN_PASSWORD, "LOGIN_FAILED"),
            (2, action::LOGIN_PASSWORD, OK),
            (3, action::LOGIN_OTP, OK),
            (4, action::PASSWORD, OK),
            (5, action::LOGIN_PASSWORD, "LOGIN_LOCKED"),
        ] {
            store
                .append_action(at(m), &ActionEntry::new(Some(id), act, result))
                .await
                .unwrap();
        }
        store
            .append_action(
                at(1),
                &ActionEntry::new(None, action::LOGIN_PASSWORD, "LOGIN_FAILED"),
            )
            .await
            .unwrap();
        let q = |f: ActionFilter| {
            let store = store.clone();
            async move {
                store
                    .actions(&ActionFilter {
                        account_id: Some(id),
                        ..f
                    })
                    .await
                    .unwrap()
                    .iter()
                    .map(|e| (e.action.clone(), e.result.clone()))
                    .collect::<Vec<_>>()
            }
        };
        let all = q(ActionFilter::default()).await;
        assert_eq!(all.len(), 6, "{}", db.name()); // with the registration
        let failed = q(ActionFilter {
            result: Some("failed".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].1, "LOGIN_LOCKED");
        let logins = q(ActionFilter {
            action: Some("login.".into()),
            result: Some(OK.into()),
            ..Default::default()
        })
        .await;
        assert_eq!(logins.len(), 2);
        let exact = q(ActionFilter {
            action: Some(action::LOGIN_PASSWORD.into()),
            ..Default::default()
        })
        .await;
        assert_eq!(exact.len(), 3);
        let period = q(ActionFilter {
            from: Some(at(2)),
            to: Some(at(4)),
            ..Default::default()
        })
        .await;
        assert_eq!(
            period,
            [
                (action::LOGIN_OTP.to_owned(), OK.to_owned()),
                (action::LOGIN_PASSWORD.to_owned(), OK.to_owned())
            ]
        );
        let page = store
            .actions(&ActionFilter {
                account_id: Some(id),
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        let next = store
            .actions(&ActionFilter {
                account_id: Some(id),
                before_id: Some(page[1].id),
                limit: Some(2),
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(next[0].id < page[1].id);
        // The shared chain holds the attempt on no account.
        let shared = store.actions(&ActionFilter::default()).await.unwrap();
        assert!(
            shared
                .iter()
                .any(|e| e.account_id.is_none() && e.chain == "shared")
        );
    }
}

/// A journal with two accounts' chains and the shared chain; returns the
/// first account's id.
async fn journal_with_entries(store: &Store) -> i64 {
    let a = account(store, "a@example.ru").await;
    let b = account(store, "b@example.ru").await;
    for i in 0..5 {
        for who in [Some(a), Some(b), None] {
            store
                .append_action(
                    t0() + mins(i),
                    &ActionEntry::new(
                        who,
                        action::LOGIN_PASSWORD,
                        if i % 2 == 0 { OK } else { "LOGIN_FAILED" },
                    )
                    .client(Some("10.1.1.1"), Some("UA"))
                    .detail("n", i),
                )
                .await
                .unwrap();
        }
    }
    a
}

/// The ids of account `a`'s chain, by seq.
async fn chain_ids(pool: &sqlx::AnyPool, a: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM action_journal WHERE chain = $1 ORDER BY seq")
        .bind(chain_of(Some(a)))
        .fetch_all(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn verify_finds_every_edit_and_deletion() {
    for (case, what) in ["edit", "delete-middle", "delete-tail", "reorder", "move"]
        .iter()
        .enumerate()
    {
        for db in TestDb::both().await {
            let store = open(&db).await;
            let a = journal_with_entries(&store).await;
            let report = store.verify_action_journal().await.unwrap();
            assert!(report.is_intact(), "{}: {:?}", db.name(), report.problems);
            assert_eq!(report.chains, 3);
            assert_eq!(report.entries, 17);

            let pool = raw(&db).await;
            // The triggers stop the plain attempt.
            assert!(
                sqlx::query("UPDATE action_journal SET result = 'ok'")
                    .execute(&pool)
                    .await
                    .is_err(),
                "{}: the trigger refuses an UPDATE",
                db.name()
            );
            drop_triggers(&db, &pool).await;
            let ids = chain_ids(&pool, a).await;
            let expected = match *what {
                "edit" => {
                    sqlx::query("UPDATE action_journal SET result = 'ok' WHERE id = $1")
                        .bind(ids[2])
                        .execute(&pool)
                        .await
                        .unwrap();
                    ProblemKind::Altered
                }
                "delete-middle" => {
                    sqlx::query("DELETE FROM action_journal WHERE id = $1")
                        .bind(ids[3])
                        .execute(&pool)
                        .await
                        .unwrap();
                    ProblemKind::Missing
                }
                "delete-tail" => {
                    sqlx::query("DELETE FROM action_journal WHERE id >= $1 AND chain = $2")
                        .bind(ids[4])
                        .bind(chain_of(Some(a)))
                        .execute(&pool)
                        .await
                        .unwrap();
                    ProblemKind::TailMissing
                }
                "reorder" => {
                    // Entries 2 and 3 trade places in the chain.
                    for (id, seq) in [(ids[1], -1i64), (ids[2], 2), (ids[1], 3)] {
                        sqlx::query("UPDATE action_journal SET seq = $2 WHERE id = $1")
                            .bind(id)
                            .bind(seq)
                            .execute(&pool)
                            .await
                            .unwrap();
                    }
                    ProblemKind::BrokenLink
                }
                _ => {
                    // An entry rewritten as another account's.
                    sqlx::query(
                        "UPDATE action_journal SET account_id = account_id + 1 WHERE id = $1",
                    )
                    .bind(ids[1])
                    .execute(&pool)
                    .await
                    .unwrap();
                    ProblemKind::WrongChain
                }
            };
            let report = store.verify_action_journal().await.unwrap();
            assert!(!report.is_intact(), "{} {what}: not found", db.name());
            assert!(
                report.problems.iter().any(|p| p.kind == expected),
                "{} {what} (case {case}): {:?}",
                db.name(),
                report.problems
            );
            assert!(
                report.problems.iter().all(|p| p.chain == chain_of(Some(a))),
                "{} {what}: only the touched chain: {:?}",
                db.name(),
                report.problems
            );
            let text = report.problems[0].to_string();
            assert!(text.starts_with(&format!("chain account:{a}")), "{text}");
        }
    }
}

#[tokio::test]
async fn verify_needs_the_right_key_and_finds_a_lost_head() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let a = journal_with_entries(&store).await;
        let unkeyed = db.open().await;
        assert!(matches!(
            unkeyed.verify_action_journal().await.unwrap_err(),
            StoreError::JournalKeyMissing
        ));
        assert!(matches!(
            unkeyed
                .append_action(t0(), &ActionEntry::new(None, "x", OK))
                .await
                .unwrap_err(),
            StoreError::JournalKeyMissing
        ));
        let wrong = db.open().await.with_journal_key(JournalKey::new([1; 32]));
        let report = wrong.verify_action_journal().await.unwrap();
        assert_eq!(
            report
                .problems
                .iter()
                .filter(|p| p.kind == ProblemKind::Altered)
                .count(),
            17,
            "{}",
            db.name()
        );
        let pool = raw(&db).await;
        sqlx::query("DELETE FROM journal_heads WHERE chain = $1")
            .bind(chain_of(Some(a)))
            .execute(&pool)
            .await
            .unwrap();
        let report = store.verify_action_journal().await.unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].kind, ProblemKind::HeadMissing);
        // Every entry of a chain gone (head kept): found.
        drop_triggers(&db, &pool).await;
        exec(&pool, "DELETE FROM action_journal WHERE chain = 'shared'").await;
        let report = store.verify_action_journal().await.unwrap();
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.chain == "shared" && p.kind == ProblemKind::Missing),
            "{:?}",
            report.problems
        );
    }
}

#[tokio::test]
async fn concurrent_appends_to_one_chain_stay_chained() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let a = account(&store, "a@example.ru").await;
        let mut tasks = Vec::new();
        for t in 0..6 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let who = if i % 3 == 0 { None } else { Some(a) };
                    store
                        .append_action(
                            t0(),
                            &ActionEntry::new(who, action::LOGIN_PASSWORD, OK).detail("t", t),
                        )
                        .await
                        .unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let report = store.verify_action_journal().await.unwrap();
        assert!(report.is_intact(), "{}: {:?}", db.name(), report.problems);
        assert_eq!(report.entries, 61);
    }
}
