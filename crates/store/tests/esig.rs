//! The e-signature login's storage on both backends: the one read of
//! checks 3 and 8 (challenge and bound account), the login transaction
//! (consume, bind, raise, session, journal) all or nothing, and the sweep
//! of expired challenges.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use store::accounts::{AccountLevel, NewAccount};
use store::action_journal::{ActionEntry, ActionFilter, JournalKey, OK, action};
use store::esig::{
    CHALLENGE_SWEEP_EVERY, ChallengeRecord, EsigLogin, LoginAccount, LoginConnection, NewBinding,
    NewChallenge,
};
use store::sessions::NewSession;
use store::testing::TestDb;
use store::{FailPoint, Store, StoreError};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

const TTL: Duration = Duration::from_secs(300);

async fn open(db: &TestDb) -> Store {
    db.open().await.with_journal_key(JournalKey::new([7; 32]))
}

async fn standard_account(store: &Store) -> i64 {
    store
        .create_account(
            &NewAccount {
                level: AccountLevel::Standard,
                email: Some("esig@example.ru"),
                phone: None,
                password_hash: None,
                at: t0(),
            },
            &ActionEntry::new(None, action::ACCOUNT_REGISTERED, OK),
        )
        .await
        .unwrap()
        .id
}

async fn challenge(store: &Store, value: &str, at: SystemTime) -> i64 {
    store
        .insert_esig_challenge(&NewChallenge {
            challenge: value,
            binding_hash: "b1nd",
            ip: Some("127.0.0.1"),
            at,
            expires_at: at + TTL,
        })
        .await
        .unwrap()
}

const FINGERPRINT: &str = "f1f2f3";

fn binding() -> NewBinding<'static> {
    NewBinding {
        fingerprint: FINGERPRINT,
        der: b"certificate DER",
        subject: "CN=Иванов",
        issuer: "CN=УЦ",
        serial: "0A",
        not_before: t0() - TTL,
        not_after: t0() + Duration::from_secs(365 * 86400),
    }
}

fn login<'a>(challenge_id: i64, account_id: i64, token_hash: &'a str, bind: bool) -> EsigLogin<'a> {
    EsigLogin {
        challenge_id,
        account_id,
        bind: bind.then(binding),
        confirm: bind,
        clear_lockout: false,
        session: NewSession {
            token_hash,
            account_id,
            amr: "ds",
            ip: Some("127.0.0.1"),
            user_agent: Some("test"),
            at: t0(),
            absolute_expires_at: t0() + Duration::from_secs(12 * 3600),
        },
        journal: ActionEntry::new(Some(account_id), "login.esig", OK)
            .client(Some("127.0.0.1"), Some("test"))
            .detail("fingerprint", FINGERPRINT),
    }
}

/// The challenge `value` and the account bound to [`FINGERPRINT`], on a
/// connection of their own.
async fn read(store: &Store, value: &str) -> (Option<ChallengeRecord>, Option<LoginAccount>) {
    store
        .esig_challenge_and_account(&mut LoginConnection::default(), value, FINGERPRINT)
        .await
        .unwrap()
}

/// The journal's entry count, after checking that it is intact.
async fn intact_entries(store: &Store, db: &TestDb) -> u64 {
    let report = store.verify_action_journal().await.unwrap();
    assert!(report.is_intact(), "{}: {:?}", db.name(), report.problems);
    report.entries
}

#[tokio::test]
async fn the_login_transaction_is_all_or_nothing() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let name = db.name();
        let account = standard_account(&store).await;
        let id = challenge(&store, "challenge-one", t0()).await;

        // Nothing bound yet; an unknown challenge reads as none.
        let (record, bound) = read(&store, "challenge-one").await;
        let record = record.unwrap();
        assert_eq!(
            (record.id, record.binding_hash.as_str(), record.used_at),
            (id, "b1nd", None),
            "{name}"
        );
        assert_eq!((record.created_at, record.expires_at), (t0(), t0() + TTL));
        assert!(bound.is_none(), "{name}");
        let (none, _) = read(&store, "never-issued").await;
        assert!(none.is_none(), "{name}");

        // A failure midway leaves nothing behind: the challenge unused, no
        // session, no binding, the account standard, the journal as it was.
        let entries = intact_entries(&store, &db).await;
        for point in [FailPoint::BeforeJournal, FailPoint::BeforeCommit] {
            // The connection held through the attempt is rolled back and
            // reusable.
            let mut held = LoginConnection::default();
            store.set_failpoint(Some(point));
            let err = store
                .complete_esig_login(&mut held, &login(id, account, "token-1", true))
                .await
                .unwrap_err();
            assert!(
                matches!(err, StoreError::Failpoint(p) if p == point),
                "{name}: {err:?}"
            );
            store.set_failpoint(None);
            let (record, bound) = store
                .esig_challenge_and_account(&mut held, "challenge-one", FINGERPRINT)
                .await
                .unwrap();
            assert_eq!(record.unwrap().used_at, None, "{name} {point:?}");
            assert!(bound.is_none(), "{name} {point:?}");
            assert!(
                store
                    .session_by_token_hash("token-1")
                    .await
                    .unwrap()
                    .is_none(),
                "{name} {point:?}"
            );
            let level = store.account(account).await.unwrap().unwrap().level;
            assert_eq!(level, AccountLevel::Standard, "{name} {point:?}");
            assert_eq!(
                intact_entries(&store, &db).await,
                entries,
                "{name} {point:?}"
            );
        }

        // The first login binds, raises, starts the session, journals.
        let done = store
            .complete_esig_login(
                &mut LoginConnection::default(),
                &login(id, account, "token-1", true),
            )
            .await
            .unwrap();
        assert!(done.bound_certificate.is_some() && done.confirmed, "{name}");
        let session = store
            .session_by_token_hash("token-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session, done.session, "{name}");
        assert_eq!((session.account_id, session.amr.as_str()), (account, "ds"));
        let (record, bound) = read(&store, "challenge-one").await;
        assert_eq!(record.unwrap().used_at, Some(t0()), "{name}");
        let bound = bound.unwrap();
        assert_eq!(
            (bound.id, bound.level),
            (account, AccountLevel::Confirmed),
            "{name}"
        );
        assert_eq!(intact_entries(&store, &db).await, entries + 1, "{name}");

        // The same challenge again: refused, and nothing written.
        let err = store
            .complete_esig_login(
                &mut LoginConnection::default(),
                &login(id, account, "token-2", false),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::WrongState {
                    object: "challenge",
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        assert!(
            store
                .session_by_token_hash("token-2")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(intact_entries(&store, &db).await, entries + 1, "{name}");

        // A later login with the bound certificate continues the chain.
        // (One connection for the read and the transaction, as a login.)
        let second = challenge(&store, "challenge-two", t0()).await;
        let mut held = LoginConnection::default();
        let (record, bound) = store
            .esig_challenge_and_account(&mut held, "challenge-two", FINGERPRINT)
            .await
            .unwrap();
        assert_eq!(record.unwrap().id, second, "{name}");
        assert_eq!(bound.unwrap().id, account, "{name}");
        let again = store
            .complete_esig_login(&mut held, &login(second, account, "token-3", false))
            .await
            .unwrap();
        assert!(
            again.bound_certificate.is_none() && !again.confirmed,
            "{name}"
        );
        assert_ne!(again.session.id, session.id);
        assert_eq!(intact_entries(&store, &db).await, entries + 2, "{name}");
        let logins = store
            .actions(&ActionFilter {
                account_id: Some(account),
                action: Some("login.esig".into()),
                ..ActionFilter::default()
            })
            .await
            .unwrap();
        assert_eq!(logins.len(), 2, "{name}");
        assert!(
            logins
                .iter()
                .all(|e| e.result == OK && e.chain == format!("account:{account}"))
        );
        assert_eq!(logins[0].seq, logins[1].seq + 1, "{name}");
    }
}

#[tokio::test]
async fn expired_challenges_are_swept_by_every_nth_insert() {
    for db in TestDb::both().await {
        let store = open(&db).await;
        let name = db.name();
        let hour = Duration::from_secs(3600);
        // Expired longer than an hour ago, and expired only minutes ago.
        let stale = challenge(&store, "stale", t0() - 2 * hour).await;
        challenge(&store, "recent", t0() - 2 * TTL).await;
        assert_eq!(stale, 1, "{name}: a fresh database numbers from 1");
        let mut id = 2;
        while id < CHALLENGE_SWEEP_EVERY - 1 {
            id = challenge(&store, &format!("c{id}"), t0()).await;
            assert!(
                read(&store, "stale").await.0.is_some(),
                "{name}: swept early, at {id}"
            );
        }
        let sweeper = challenge(&store, "sweeper", t0()).await;
        assert_eq!(sweeper, CHALLENGE_SWEEP_EVERY, "{name}");
        assert!(read(&store, "stale").await.0.is_none(), "{name}: not swept");
        assert!(
            read(&store, "recent").await.0.is_some(),
            "{name}: swept within the hour"
        );
        assert!(read(&store, "sweeper").await.0.is_some(), "{name}");
    }
}
