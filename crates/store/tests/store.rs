//! The store on both backends: every test runs on a SQLite file and on a
//! fresh PostgreSQL database (`store::testing`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use pki::Diagnostic;
use pki::crl::CrlReason;
use pki::profile::IdentificationKind;
use sqlx::any::AnyPoolOptions;
use store::testing::TestDb;
use store::{
    Audit, CaRole, CertStatus, FailPoint, Identification, JournalFilter, NewCa, NewCertificate,
    NewRequest, RequestState, SCHEMA_VERSION, Serial, StatusChange, Store, StoreError,
};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn audit(actor: &str) -> Audit {
    Audit::new(actor, t0())
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

async fn make_ca(store: &Store) -> i64 {
    let new = |role| NewCa {
        role,
        subject: format!("CN={role}"),
        cert_der: vec![0x30, 0x00],
        key_ref: format!("test:{role}"),
        settings: "{}".into(),
    };
    let (_, issuing) = store
        .create_authority(
            &new(CaRole::Root),
            &new(CaRole::Issuing),
            &audit("ceremony"),
        )
        .await
        .unwrap();
    issuing.id
}

fn new_request(key: &str) -> NewRequest {
    NewRequest {
        kind: "person".into(),
        applicant: r#"{"surname":"Иванов"}"#.into(),
        identity_key: Some("snils:11223344595".into()),
        csr_der: Some(vec![0x30, 0x01, 0x00]),
        spki_hash: Some(key.into()),
        renewal_of: None,
        token_hash: None,
    }
}

fn identification() -> Identification {
    Identification {
        method: IdentificationKind::Personal,
        document_type: "паспорт РФ".into(),
        document_number: "4510 123456".into(),
        operator: "operator1".into(),
        at: t0(),
    }
}

/// A request taken through submitted → identified → approved.
async fn approved(store: &Store, key: &str) -> i64 {
    let r = store
        .submit_request(&new_request(key), &audit("applicant"))
        .await
        .unwrap();
    store
        .identify(r.id, &identification(), &audit("operator1"))
        .await
        .unwrap();
    store.approve(r.id, &audit("operator1")).await.unwrap();
    r.id
}

fn certificate(ca_id: i64, request_id: Option<i64>, serial: Serial) -> NewCertificate {
    NewCertificate {
        serial,
        ca_id,
        request_id,
        subject: "CN=Иванов Иван".into(),
        not_before: t0(),
        not_after: t0() + Duration::from_secs(86_400 * 400),
        key_usage_end: Some(t0() + Duration::from_secs(86_400 * 400)),
        spki_hash: "k".into(),
        der: vec![0x30, 0x00],
    }
}

async fn count(pool: &sqlx::AnyPool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn migrations_create_the_schema_and_reopening_changes_nothing() {
    for db in TestDb::both().await {
        let store = db.open().await;
        assert_eq!(
            store.schema_version().await.unwrap(),
            SCHEMA_VERSION,
            "{}",
            db.name()
        );
        assert_eq!(store.backend(), db.backend());
        let ca = make_ca(&store).await;
        store.close().await;

        let pool = raw(&db).await;
        let journal_before = count(&pool, "journal").await;
        // One row per applied migration (numbers may have gaps while the
        // parts of a release are merged); reopening adds none.
        let versions_before = count(&pool, "schema_version").await;
        assert!(versions_before >= 4, "{}", db.name());
        for _ in 0..2 {
            let store = db.open().await;
            assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
            assert_eq!(
                store.authority(CaRole::Issuing).await.unwrap().unwrap().id,
                ca
            );
            store.close().await;
        }
        assert_eq!(
            count(&pool, "schema_version").await,
            versions_before,
            "{}",
            db.name()
        );
        assert_eq!(count(&pool, "journal").await, journal_before);
        pool.close().await;
    }
}

#[tokio::test]
async fn a_newer_schema_is_refused_and_left_alone() {
    for db in TestDb::both().await {
        db.open().await.close().await;
        let pool = raw(&db).await;
        sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (999, 0)")
            .execute(&pool)
            .await
            .unwrap();
        let err = Store::open(db.url()).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::SchemaNewer {
                    found: 999,
                    supported: SCHEMA_VERSION
                }
            ),
            "{}: {err}",
            db.name()
        );
        assert_eq!(err.code(), "STORE_SCHEMA_NEWER");
        assert!(err.message_ru().contains("Обновите podpis"));
        // Not downgraded: the versions are as they were.
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM schema_version ORDER BY version")
                .fetch_all(&pool)
                .await
                .unwrap();
        // Every version this build applied (1 … SCHEMA_VERSION, strictly
        // increasing), then the newer one; nothing removed.
        assert_eq!(versions.first(), Some(&1));
        assert_eq!(versions.last(), Some(&999));
        assert_eq!(versions[versions.len() - 2], SCHEMA_VERSION);
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        pool.close().await;
    }
}

#[tokio::test]
async fn an_unreachable_database_has_its_code() {
    let err = Store::open("postgres://postgres@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert_eq!(err.code(), "STORE_UNAVAILABLE");
    let err = Store::open("mysql://x@y/z").await.unwrap_err();
    assert_eq!(err.code(), "STORE_UNAVAILABLE");
    let dir = tempfile::tempdir().unwrap();
    let err = Store::open_sqlite(&dir.path().join("missing-dir/podpis.db"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "STORE_UNAVAILABLE");
}

#[tokio::test]
async fn the_database_refuses_a_second_certificate_with_the_same_serial() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let ca = make_ca(&store).await;
        let first = approved(&store, "key-1").await;
        let second = approved(&store, "key-2").await;
        let serial = Serial::random().unwrap();
        store
            .issue_certificate(&certificate(ca, Some(first), serial.clone()), &audit("ca"))
            .await
            .unwrap();
        let err = store
            .issue_certificate(&certificate(ca, Some(second), serial.clone()), &audit("ca"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateSerial(_)),
            "{}: {err}",
            db.name()
        );
        assert_eq!(err.code(), "STORE_DUPLICATE_SERIAL");
        // Nothing of the second issuance was written.
        let r = store.request(second).await.unwrap().unwrap();
        assert_eq!(r.state, RequestState::Approved);
        assert!(
            store
                .certificate_for_request(second)
                .await
                .unwrap()
                .is_none()
        );

        // The database itself, not only the code, refuses it.
        let pool = raw(&db).await;
        let res = sqlx::query(
            "INSERT INTO certificates (serial, ca_id, subject, not_before, not_after, spki_hash,
                                       der, status, issued_at)
             VALUES ($1, $2, 'x', 0, 1, 'h', $3, 'good', 0)",
        )
        .bind(serial.to_hex())
        .bind(ca)
        .bind(vec![0u8])
        .execute(&pool)
        .await;
        let e = res.unwrap_err();
        assert!(
            e.as_database_error().unwrap().is_unique_violation(),
            "{}: {e}",
            db.name()
        );
        pool.close().await;

        // A request yields one certificate: a second issuance is refused.
        let err = store
            .issue_certificate(
                &certificate(ca, Some(first), Serial::random().unwrap()),
                &audit("ca"),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_WRONG_STATE", "{}: {err}", db.name());
    }
}

#[tokio::test]
async fn the_journal_cannot_be_changed_or_deleted() {
    for db in TestDb::both().await {
        let store = db.open().await;
        make_ca(&store).await;
        let entries = store.journal(&JournalFilter::default()).await.unwrap();
        assert_eq!(entries.len(), 2, "{}", db.name());
        assert_eq!(entries[0].action, "ca.created");
        assert_eq!(entries[0].actor, "ceremony");
        let pool = raw(&db).await;
        for sql in [
            "UPDATE journal SET actor = 'mallory'",
            "DELETE FROM journal",
            "DELETE FROM journal WHERE id = 1",
        ] {
            let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
            assert!(
                e.to_string().contains("append-only"),
                "{}: {sql}: {e}",
                db.name()
            );
        }
        if db.name() == "postgres" {
            let e = sqlx::query("TRUNCATE journal")
                .execute(&pool)
                .await
                .unwrap_err();
            assert!(e.to_string().contains("append-only"), "{e}");
        }
        assert_eq!(count(&pool, "journal").await, 2);
        let again = store.journal(&JournalFilter::default()).await.unwrap();
        assert_eq!(again[0].actor, "ceremony");
        pool.close().await;
    }
}

#[tokio::test]
async fn a_transaction_failing_midway_leaves_nothing() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let ca = make_ca(&store).await;
        let pool = raw(&db).await;
        let journal = count(&pool, "journal").await;

        for point in [FailPoint::BeforeJournal, FailPoint::BeforeCommit] {
            // Submission.
            store.set_failpoint(Some(point));
            let err = store
                .submit_request(&new_request("k-fail"), &audit("a"))
                .await
                .unwrap_err();
            assert_eq!(err.code(), "STORE_FAILPOINT");
            store.set_failpoint(None);
            assert_eq!(count(&pool, "requests").await, 0, "{}", db.name());

            // Issuance: certificate row, request state, journal.
            let id = approved(&store, &format!("k-{point:?}")).await;
            let journal_before = count(&pool, "journal").await;
            let serial = Serial::random().unwrap();
            store.set_failpoint(Some(point));
            store
                .issue_certificate(&certificate(ca, Some(id), serial.clone()), &audit("ca"))
                .await
                .unwrap_err();
            store.set_failpoint(None);
            assert!(
                store.certificate(&serial).await.unwrap().is_none(),
                "{}",
                db.name()
            );
            assert_eq!(
                store.request(id).await.unwrap().unwrap().state,
                RequestState::Approved
            );
            assert_eq!(count(&pool, "journal").await, journal_before);

            // The same issuance succeeds once the fault is gone.
            store
                .issue_certificate(&certificate(ca, Some(id), serial.clone()), &audit("ca"))
                .await
                .unwrap();

            // Revocation.
            store.set_failpoint(Some(point));
            store
                .change_status(
                    &serial,
                    StatusChange::Revoke(CrlReason::KeyCompromise),
                    &audit("op"),
                )
                .await
                .unwrap_err();
            store.set_failpoint(None);
            assert_eq!(
                store.status(&serial).await.unwrap().unwrap().status,
                CertStatus::Good
            );

            // Identification (two tables and the journal).
            let r = store
                .submit_request(&new_request(&format!("k2-{point:?}")), &audit("a"))
                .await
                .unwrap();
            let idents = count(&pool, "identifications").await;
            store.set_failpoint(Some(point));
            store
                .identify(r.id, &identification(), &audit("op"))
                .await
                .unwrap_err();
            store.set_failpoint(None);
            assert_eq!(count(&pool, "identifications").await, idents);
            assert_eq!(
                store.request(r.id).await.unwrap().unwrap().state,
                RequestState::Submitted
            );
            // Tidy up for the next round's request count.
            store.reject(r.id, "test", &audit("op")).await.unwrap();
            sqlx::query("DELETE FROM identifications")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("DELETE FROM certificates")
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query("DELETE FROM requests")
                .execute(&pool)
                .await
                .unwrap();
        }
        assert!(count(&pool, "journal").await > journal);
        pool.close().await;
    }
}

#[tokio::test]
async fn concurrent_issuances_get_distinct_serials() {
    const N: usize = 24;
    for db in TestDb::both().await {
        let store = db.open().await;
        let ca = make_ca(&store).await;
        let mut ids = Vec::new();
        for i in 0..N {
            ids.push(approved(&store, &format!("key-{i}")).await);
        }
        let mut tasks = Vec::new();
        for id in ids {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store
                    .issue_certificate(
                        &certificate(ca, Some(id), Serial::random().unwrap()),
                        &audit("ca"),
                    )
                    .await
                    .map(|r| r.serial)
            }));
        }
        let mut serials = HashSet::new();
        for t in tasks {
            serials.insert(t.await.unwrap().unwrap());
        }
        assert_eq!(serials.len(), N, "{}", db.name());
        let counts = store.certificate_counts(ca).await.unwrap();
        assert_eq!(counts, vec![(CertStatus::Good, N as i64)]);

        // Two issuances of one request at once: exactly one wins.
        let id = approved(&store, "contested").await;
        let (ca_a, ca_b) = (audit("a"), audit("b"));
        let (c1, c2) = (
            certificate(ca, Some(id), Serial::random().unwrap()),
            certificate(ca, Some(id), Serial::random().unwrap()),
        );
        let (a, b) = tokio::join!(
            store.issue_certificate(&c1, &ca_a),
            store.issue_certificate(&c2, &ca_b),
        );
        assert!(a.is_ok() != b.is_ok(), "{}: {a:?} {b:?}", db.name());

        // Counters advance once per call, also concurrently.
        let mut tasks = Vec::new();
        for _ in 0..N {
            let store = store.clone();
            tasks.push(tokio::spawn(async move { store.next_value("tsa").await }));
        }
        let mut values = HashSet::new();
        for t in tasks {
            values.insert(t.await.unwrap().unwrap());
        }
        assert_eq!(values, (1..=N as i64).collect(), "{}", db.name());
        assert_eq!(store.current_value("tsa").await.unwrap(), N as i64);
        assert_eq!(store.current_value("other").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn the_request_workflow_moves_only_forward() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let r = store
            .submit_request(&new_request("k"), &audit("applicant"))
            .await
            .unwrap();
        assert_eq!(r.state, RequestState::Submitted);
        // Approval needs identification first.
        let err = store.approve(r.id, &audit("op")).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::WrongState { actual, .. } if actual == "submitted"),
            "{}: {err}",
            db.name()
        );
        // The same key again is a duplicate while the first request lives.
        let err = store
            .submit_request(&new_request("k"), &audit("applicant"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::DuplicateKey { existing: Some(id) } if id == r.id),
            "{}: {err}",
            db.name()
        );
        // A refused submission is kept, with its code, and is no duplicate.
        let refused = store
            .refuse_request(
                &new_request("k"),
                "CA_REQUEST_DUPLICATE",
                &audit("applicant"),
            )
            .await
            .unwrap();
        assert_eq!(refused.state, RequestState::Rejected);
        assert_eq!(refused.error_code.as_deref(), Some("CA_REQUEST_DUPLICATE"));
        let mut malformed = new_request("");
        malformed.spki_hash = None;
        malformed.identity_key = None;
        store
            .refuse_request(&malformed, "CA_CSR_MALFORMED", &audit("applicant"))
            .await
            .unwrap();
        // A live request needs its key hash: the schema says so too.
        let err = store
            .submit_request(&malformed, &audit("applicant"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_QUERY_FAILED");

        store
            .identify(r.id, &identification(), &audit("op"))
            .await
            .unwrap();
        let mut second = identification();
        second.method = IdentificationKind::RemotePassport;
        store.identify(r.id, &second, &audit("op")).await.unwrap();
        let idents = store.identifications(r.id).await.unwrap();
        assert_eq!(idents.len(), 2);
        assert_eq!(idents[1].method, IdentificationKind::RemotePassport);
        assert_eq!(idents[0].document_number, "4510 123456");

        // Two operators approving at once: one wins, one sees the new state.
        let (op1, op2) = (audit("op1"), audit("op2"));
        let (a, b) = tokio::join!(store.approve(r.id, &op1), store.approve(r.id, &op2));
        assert!(a.is_ok() != b.is_ok(), "{}: {a:?} {b:?}", db.name());
        let rejected = store
            .reject(r.id, "документ недействителен", &audit("op"))
            .await
            .unwrap();
        assert_eq!(rejected.state, RequestState::Rejected);
        assert_eq!(
            rejected.rejection_reason.as_deref(),
            Some("документ недействителен")
        );
        let err = store.reject(r.id, "again", &audit("op")).await.unwrap_err();
        assert_eq!(err.code(), "STORE_WRONG_STATE");
        let err = store.approve(4242, &audit("op")).await.unwrap_err();
        assert_eq!(err.code(), "STORE_NOT_FOUND");

        // Once rejected, the key is free again.
        store
            .submit_request(&new_request("k"), &audit("applicant"))
            .await
            .unwrap();
        let all = store.requests(None).await.unwrap();
        assert_eq!(all.len(), 4);
        let rejected = store.requests(Some(RequestState::Rejected)).await.unwrap();
        assert_eq!(rejected.len(), 3);
        let counts = store.request_counts().await.unwrap();
        assert_eq!(
            counts,
            vec![(RequestState::Submitted, 1), (RequestState::Rejected, 3)]
        );

        // Every change was journaled, with who and what.
        let journal = store
            .journal(&JournalFilter {
                object_type: Some("request".into()),
                object_id: Some(r.id.to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<_> = journal.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "request.submitted",
                "request.identified",
                "request.identified",
                "request.approved",
                "request.rejected"
            ],
            "{}",
            db.name()
        );
        assert_eq!(journal[4].details["reason"], "документ недействителен");
        assert_eq!(journal[1].details["method"], 0);
    }
}

#[tokio::test]
async fn revocation_status_changes_follow_the_rules() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let ca = make_ca(&store).await;
        let mut serials = Vec::new();
        for i in 0..3 {
            let id = approved(&store, &format!("k{i}")).await;
            let s = Serial::random().unwrap();
            store
                .issue_certificate(&certificate(ca, Some(id), s.clone()), &audit("ca"))
                .await
                .unwrap();
            serials.push(s);
        }
        let later = Audit::new("op", t0() + Duration::from_secs(60))
            .with_context(serde_json::json!({"requester": "operator"}));
        // Hold, release, hold again, then revoke from hold.
        let held = store
            .change_status(&serials[0], StatusChange::Hold, &later)
            .await
            .unwrap();
        assert_eq!(held.status.status, CertStatus::Hold);
        assert_eq!(held.status.reason, Some(CrlReason::CertificateHold));
        assert_eq!(held.status.revoked_at, Some(later.at));
        let err = store
            .change_status(&serials[0], StatusChange::Hold, &later)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_WRONG_STATE", "{}", db.name());
        let released = store
            .change_status(&serials[0], StatusChange::Release, &later)
            .await
            .unwrap();
        assert_eq!(released.status.status, CertStatus::Good);
        assert_eq!(released.status.revoked_at, None);
        assert_eq!(released.status.reason, None);
        let err = store
            .change_status(&serials[0], StatusChange::Release, &later)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_WRONG_STATE");
        store
            .change_status(&serials[1], StatusChange::Hold, &later)
            .await
            .unwrap();
        let revoked = store
            .change_status(
                &serials[1],
                StatusChange::Revoke(CrlReason::KeyCompromise),
                &later,
            )
            .await
            .unwrap();
        assert_eq!(revoked.status.status, CertStatus::Revoked);
        assert_eq!(revoked.status.reason, Some(CrlReason::KeyCompromise));
        // Revoked is final.
        for change in [
            StatusChange::Revoke(CrlReason::Superseded),
            StatusChange::Hold,
            StatusChange::Release,
        ] {
            let err = store
                .change_status(&serials[1], change, &later)
                .await
                .unwrap_err();
            assert_eq!(err.code(), "STORE_WRONG_STATE", "{change:?}");
        }
        store
            .change_status(&serials[2], StatusChange::Hold, &later)
            .await
            .unwrap();
        let unknown = Serial::parse_hex("01").unwrap();
        let err = store
            .change_status(&unknown, StatusChange::Hold, &later)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_NOT_FOUND");
        assert!(store.status(&unknown).await.unwrap().is_none());

        // What a CRL and OCSP read.
        let revoked = store.revoked(ca).await.unwrap();
        let mut expected = vec![serials[1].clone(), serials[2].clone()];
        expected.sort();
        assert_eq!(
            revoked.iter().map(|r| r.serial.clone()).collect::<Vec<_>>(),
            expected,
            "{}",
            db.name()
        );
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = store.statuses(ca, after.as_ref(), 2).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|p| p.serial.clone());
            all.extend(page);
        }
        assert_eq!(all.len(), 3);
        assert!(all.windows(2).all(|w| w[0].serial < w[1].serial));
        assert_eq!(
            store.status(&serials[0]).await.unwrap().unwrap().status,
            CertStatus::Good
        );

        let entries = store
            .journal(&JournalFilter {
                object_type: Some("certificate".into()),
                object_id: Some(serials[1].to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "certificate.issued",
                "certificate.held",
                "certificate.revoked"
            ]
        );
        assert_eq!(entries[2].details["reason"], "keyCompromise");
        assert_eq!(entries[2].details["context"]["requester"], "operator");
        assert_eq!(entries[2].actor, "op");
        assert_eq!(entries[2].at, later.at);
        let followed = store
            .journal(&JournalFilter {
                after_id: Some(entries[1].id),
                limit: Some(1),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(followed.len(), 1);
        assert!(followed[0].id > entries[1].id);
    }
}

#[tokio::test]
async fn the_ca_is_recorded_once() {
    for db in TestDb::both().await {
        let store = db.open().await;
        assert!(store.authority(CaRole::Root).await.unwrap().is_none());
        make_ca(&store).await;
        let root = store.authority(CaRole::Root).await.unwrap().unwrap();
        let issuing = store.authority(CaRole::Issuing).await.unwrap().unwrap();
        assert_eq!(issuing.parent_id, Some(root.id));
        assert_eq!(root.parent_id, None);
        assert_eq!(issuing.key_ref, "test:issuing");
        let again = NewCa {
            role: CaRole::Root,
            subject: "CN=x".into(),
            cert_der: vec![],
            key_ref: "k".into(),
            settings: "{}".into(),
        };
        let err = store
            .create_authority(&again, &again, &audit("x"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "STORE_WRONG_STATE", "{}", db.name());
    }
}

#[tokio::test]
async fn the_publication_queries_follow_status_changes_and_keys() {
    for db in TestDb::both().await {
        let name = db.name();
        let store = db.open().await;
        let ca = make_ca(&store).await;
        assert_eq!(store.integrity_check().await.unwrap(), Vec::<String>::new());
        let start = store.last_journal_id().await.unwrap();
        assert!(start > 0, "{name}: ca.created is journaled");
        assert!(
            store
                .status_changes_since(start, 100)
                .await
                .unwrap()
                .is_empty()
        );

        let (a, b) = (Serial::random().unwrap(), Serial::random().unwrap());
        let id = approved(&store, "key-a").await;
        store
            .issue_certificate(&certificate(ca, Some(id), a.clone()), &audit("ca"))
            .await
            .unwrap();
        let mut service = certificate(ca, None, b.clone());
        service.spki_hash = "service-key".into();
        store
            .issue_certificate(&service, &audit("system"))
            .await
            .unwrap();
        // Issuance is not a status change.
        assert!(
            store
                .status_changes_since(start, 100)
                .await
                .unwrap()
                .is_empty()
        );

        store
            .change_status(&a, StatusChange::Hold, &audit("op"))
            .await
            .unwrap();
        store
            .change_status(&a, StatusChange::Release, &audit("op"))
            .await
            .unwrap();
        store
            .change_status(
                &b,
                StatusChange::Revoke(CrlReason::Superseded),
                &audit("op"),
            )
            .await
            .unwrap();
        // A refused change journals nothing the pollers see.
        assert!(
            store
                .change_status(&a, StatusChange::Release, &audit("op"))
                .await
                .is_err()
        );
        let changes = store.status_changes_since(start, 100).await.unwrap();
        let serials: Vec<_> = changes.iter().map(|(_, s)| s.clone()).collect();
        assert_eq!(serials, vec![a.clone(), a.clone(), b.clone()], "{name}");
        assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            store.status_changes_since(changes[0].0, 1).await.unwrap(),
            vec![changes[1].clone()],
            "{name}: paged after an id"
        );
        assert_eq!(store.last_journal_id().await.unwrap(), changes[2].0);

        // Certificates found by their key, newest first.
        let found = store.certificates_for_key(ca, "service-key").await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].serial, b);
        assert!(
            store
                .certificates_for_key(ca, "nobody")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .certificates_for_key(ca + 1000, "service-key")
                .await
                .unwrap()
                .is_empty()
        );

        // Blocks of a counter never overlap.
        assert_eq!(store.reserve_values("tsa:serial", 10).await.unwrap(), 10);
        assert_eq!(store.next_value("tsa:serial").await.unwrap(), 11);
        assert_eq!(
            store.reserve_values("tsa:serial", 0).await.unwrap(),
            12,
            "at least one"
        );
        assert_eq!(store.current_value("tsa:serial").await.unwrap(), 12);
    }
}

#[tokio::test]
async fn a_version_1_database_is_upgraded_in_place() {
    for db in TestDb::both().await {
        // A database as the previous release left it: schema 1 only.
        if let Some(path) = db.url().strip_prefix("sqlite://") {
            std::fs::File::create(path).unwrap();
        }
        let pool = raw(&db).await;
        let v1 = match db.backend() {
            store::Backend::Sqlite => include_str!("../migrations/sqlite/0001_ca.sql"),
            store::Backend::Postgres => include_str!("../migrations/postgres/0001_ca.sql"),
        };
        sqlx::raw_sql(
            "CREATE TABLE schema_version (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::raw_sql(v1).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_version (version, applied_at) VALUES (1, 0)")
            .execute(&pool)
            .await
            .unwrap();
        let store = db.open().await;
        assert_eq!(store.schema_version().await.unwrap(), SCHEMA_VERSION);
        make_ca(&store).await;
        let account = store
            .put_operator("petrova", "$argon2id$hash", "operator", false, t0())
            .await
            .unwrap();
        assert_eq!(account.role, "operator");
        assert_eq!(count(&pool, "operators").await, 1, "{}", db.name());
        store.close().await;
        pool.close().await;
    }
}

#[tokio::test]
async fn operator_accounts_count_wrong_passwords_and_lock() {
    for db in TestDb::both().await {
        let store = db.open().await;
        store
            .put_operator("petrova", "h1", "operator", false, t0())
            .await
            .unwrap();
        let until = t0() + Duration::from_secs(600);
        let a = store
            .operator_login_failed("petrova", 2, until)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((a.failed_logins, a.locked_until), (1, None));
        let a = store
            .operator_login_failed("petrova", 2, until)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((a.failed_logins, a.locked_until), (2, Some(until)));
        // A good login clears both; so does resetting the account.
        store.operator_login_succeeded("petrova").await.unwrap();
        let a = store.operator("petrova").await.unwrap().unwrap();
        assert_eq!((a.failed_logins, a.locked_until), (0, None));
        store
            .operator_login_failed("petrova", 1, until)
            .await
            .unwrap();
        let a = store
            .put_operator("petrova", "h2", "admin", true, t0())
            .await
            .unwrap();
        assert_eq!(
            (
                a.password_hash.as_str(),
                a.role.as_str(),
                a.disabled,
                a.locked_until
            ),
            ("h2", "admin", true, None)
        );
        assert!(store.operator("nobody").await.unwrap().is_none());
        assert!(
            store
                .operator_login_failed("nobody", 1, until)
                .await
                .unwrap()
                .is_none()
        );
        // The role is checked by the database too.
        assert!(
            store
                .put_operator("x", "h", "root", false, t0())
                .await
                .is_err()
        );

        // Request tokens: only the hash is kept; one token per request.
        let id = approved(&store, "spki-token").await;
        store.put_request_token(id, "hash-1").await.unwrap();
        assert_eq!(store.request_by_token("hash-1").await.unwrap(), Some(id));
        assert_eq!(store.request_by_token("hash-2").await.unwrap(), None);
        assert!(store.put_request_token(id, "hash-2").await.is_err());
        // A token given with the submission is stored in its transaction;
        // a submission that fails (duplicate key) or is refused stores none.
        let with_token = NewRequest {
            token_hash: Some("hash-tx".into()),
            ..new_request("spki-with-token")
        };
        let r = store
            .submit_request(&with_token, &audit("applicant"))
            .await
            .unwrap();
        assert_eq!(store.request_by_token("hash-tx").await.unwrap(), Some(r.id));
        let duplicate = NewRequest {
            token_hash: Some("hash-dup".into()),
            ..new_request("spki-with-token")
        };
        assert!(matches!(
            store.submit_request(&duplicate, &audit("applicant")).await,
            Err(StoreError::DuplicateKey { .. })
        ));
        assert_eq!(store.request_by_token("hash-dup").await.unwrap(), None);
        store
            .refuse_request(&duplicate, "CA_DUPLICATE", &audit("applicant"))
            .await
            .unwrap();
        assert_eq!(store.request_by_token("hash-dup").await.unwrap(), None);
        store.close().await;
    }
}
