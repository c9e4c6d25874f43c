//! `ca init`, registration, identification and issuance, on SQLite and
//! PostgreSQL: every issued certificate passes the qualified-profile check
//! and chains to the root; every bad input has its code and is recorded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ca::{Ca, CaError, InitParams};
use common::*;
use gost::ParamSet;
use pki::Diagnostic;
use pki::profile::{
    ExtensionValue, IdentificationKind, PrivateKeyUsagePeriod, SubjectKind, check_qualified,
    extension_value,
};
use store::testing::TestDb;
use store::{CaRole, FailPoint, JournalFilter, RequestState, Serial};

#[tokio::test]
async fn init_makes_a_root_and_an_issuing_ca_of_either_size() {
    for (db, param) in TestDb::both()
        .await
        .into_iter()
        .zip([ParamSet::Tc26A512, ParamSet::CryptoProA])
    {
        let fx = fixture_with(db, param).await;
        let root = &fx.ca.root().cert;
        let issuing = &fx.ca.issuing().cert;
        pki::cert::verify_issued_by(root, root).unwrap();
        pki::cert::verify_issued_by(issuing, root).unwrap();
        assert_eq!(
            pki::cert::public_key(issuing).unwrap().param_set(),
            param,
            "{}",
            fx.db.name()
        );
        for cert in [root, issuing] {
            let id = pki::name::SubjectIdentity::from_name(cert.tbs_certificate().subject());
            assert_eq!(id.ogrn.unwrap().as_str(), "1027700132195");
            assert_eq!(id.innle.unwrap().as_str(), "7707083893");
            assert_eq!(id.country.as_deref(), Some("RU"));
            let tool = extension_value::<pki::profile::IssuerSignTool>(cert)
                .unwrap()
                .unwrap();
            assert!(tool.ca_tool.starts_with("podpis-ca"));
            assert!(pki::cert::policies(cert).contains(&pki::oids::POLICY_KC1));
            assert!(pki::cert::basic_constraints(cert).unwrap().ca);
        }
        assert_eq!(
            pki::cert::crl_urls(issuing),
            vec!["http://ca.example.ru/root.crl"]
        );
        // Only references to the keys are stored.
        let store = fx.ca.store();
        let r = store.authority(CaRole::Root).await.unwrap().unwrap();
        assert_eq!(r.key_ref, "test:root");

        // Once only.
        let err = ca::init(
            store,
            &InitParams::new(operator(), "a", "b"),
            fx.root_key.as_ref(),
            fx.issuing_key.as_ref(),
            start(),
            "again",
        )
        .await
        .unwrap_err();
        assert_eq!(err.code(), "CA_ALREADY_INITIALISED");

        // The issuing key, and only it, signs.
        let other = key(param);
        let reopened = Ca::open(store.clone(), fx.clock.clone()).await.unwrap();
        let err = reopened.with_signer(other).unwrap_err();
        assert_eq!(err.code(), "CA_SIGNER_MISMATCH");
        let unsigned = Ca::open(store.clone(), fx.clock.clone()).await.unwrap();
        assert_eq!(
            unsigned.crl().await.unwrap_err().code(),
            "CA_SIGNER_REQUIRED"
        );
    }
}

#[tokio::test]
async fn an_empty_database_has_no_ca() {
    for db in TestDb::both().await {
        let store = db.open().await;
        let clock = Arc::new(ca::SystemClock);
        let err = Ca::open(store.clone(), clock).await.unwrap_err();
        assert_eq!(err.code(), "CA_NOT_INITIALISED", "{}", db.name());

        // Bad parameters are refused before anything is recorded.
        let k = key(ParamSet::Tc26A256);
        let mut params = InitParams::new(operator(), "r", "i");
        params.settings.crl_urls = vec!["ldap://ca.example.ru/crl".into()];
        let err = ca::init(&store, &params, k.as_ref(), k.as_ref(), start(), "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_INIT_INVALID");
        let mut params = InitParams::new(operator(), "r", "i");
        params.settings.key_usage_months = 16;
        let err = ca::init(&store, &params, k.as_ref(), k.as_ref(), start(), "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_INIT_INVALID");
        assert!(store.authority(CaRole::Root).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn every_kind_gets_a_qualified_certificate() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        for (form, kind) in [
            (person(), SubjectKind::Person),
            (sole_proprietor(), SubjectKind::SoleProprietor),
            (organisation(), SubjectKind::LegalEntity),
        ] {
            let k = key(ParamSet::Tc26B256);
            let record = issue(&fx, &form, &k).await;
            let cert = certificate(&record);
            let report = check_qualified(&cert, Some(kind));
            assert!(
                report.is_qualified(),
                "{}: {kind:?}: {:?}",
                fx.db.name(),
                report.codes()
            );
            assert!(report.violations.is_empty(), "{:?}", report.codes());
            pki::cert::verify_issued_by(&cert, &fx.ca.issuing().cert).unwrap();
            assert_eq!(
                pki::cert::public_key(&cert).unwrap(),
                *pki::Signer::verifying_key(k.as_ref())
            );

            // Serial: 16 octets, the top bit clear, unique by the database.
            let serial = cert.tbs_certificate().serial_number().as_bytes();
            assert_eq!(serial.len(), 16);
            assert_eq!(Serial::from_bytes(serial).unwrap(), record.serial);

            // Validity and key usage: 15 months from now.
            let nb = cert
                .tbs_certificate()
                .validity()
                .not_before
                .to_system_time();
            let na = cert.tbs_certificate().validity().not_after.to_system_time();
            assert_eq!(nb, fx.ca.now());
            assert_eq!(na, ca::issuance::add_months(fx.ca.now(), 15));
            let pkup = extension_value::<PrivateKeyUsagePeriod>(&cert)
                .unwrap()
                .unwrap();
            assert_eq!(pkup.not_after.unwrap().to_system_time(), na);
            assert_eq!(record.key_usage_end, Some(na));
            let days = na.duration_since(nb).unwrap().as_secs() / 86_400;
            assert!((454..=461).contains(&days), "{days}");

            // Identified in person; URLs from the settings.
            let ext = pki::profile::find_extension(&cert, &pki::oids::IDENTIFICATION_KIND).unwrap();
            assert_eq!(
                IdentificationKind::decode_extension(ext).unwrap(),
                IdentificationKind::Personal
            );
            assert_eq!(
                pki::cert::crl_urls(&cert),
                vec!["http://ca.example.ru/issuing.crl"]
            );
            assert_eq!(
                pki::cert::ocsp_urls(&cert),
                vec!["http://ca.example.ru/ocsp"]
            );

            let request = fx
                .ca
                .store()
                .request(record.request_id.unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(request.state, RequestState::Issued);
        }
    }
}

#[tokio::test]
async fn the_identification_method_becomes_identification_kind() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let k = key(ParamSet::Tc26A256);
        let r = fx
            .ca
            .submit(&person(), &csr(&k), "applicant")
            .await
            .unwrap();
        let mut how = in_person();
        how.method = IdentificationKind::RemotePassport;
        how.document_type = "заграничный биометрический паспорт".into();
        fx.ca.identify(r.id, &how, "operator2").await.unwrap();
        fx.ca.approve(r.id, "operator2").await.unwrap();
        let cert = certificate(&fx.ca.issue(r.id, "operator2").await.unwrap());
        let ext = pki::profile::find_extension(&cert, &pki::oids::IDENTIFICATION_KIND).unwrap();
        assert_eq!(
            IdentificationKind::decode_extension(ext).unwrap(),
            IdentificationKind::RemotePassport
        );
        let journal = fx
            .ca
            .store()
            .journal(&JournalFilter {
                object_type: Some("request".into()),
                object_id: Some(r.id.to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(journal[1].actor, "operator2");
        assert_eq!(journal[1].details["method"], 2);
    }
}

#[tokio::test]
async fn each_bad_submission_has_its_code_and_is_recorded() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let k = key(ParamSet::CryptoProA);
        let good = csr(&k);

        let mut bad_signature = good.clone();
        let last = bad_signature.len() - 1;
        bad_signature[last] ^= 0x01;

        // id-GostR3410-2001-CryptoPro-A-ParamSet (…35.1) → …35.9, unknown.
        let oid = [0x06, 0x07, 0x2a, 0x85, 0x03, 0x02, 0x02, 0x23, 0x01];
        let at = good.windows(oid.len()).position(|w| w == oid).unwrap();
        let mut unknown_paramset = good.clone();
        unknown_paramset[at + oid.len() - 1] = 0x09;

        let mut wrong_digit = person();
        wrong_digit.snils = Some("112-233-445 96".into());

        let cases: Vec<(&str, _, Vec<u8>)> = vec![
            ("CA_CSR_MALFORMED", person(), b"not a request".to_vec()),
            (
                "CA_CSR_MALFORMED",
                person(),
                good[..good.len() / 2].to_vec(),
            ),
            ("CA_CSR_BAD_SIGNATURE", person(), bad_signature),
            ("CA_CSR_UNKNOWN_PARAMSET", person(), unknown_paramset),
            ("SNILS_INVALID_CHECKSUM", wrong_digit, good.clone()),
            (
                "CA_APPLICANT_FIELD_MISSING",
                ca::applicant::ApplicantForm {
                    passport_number: None,
                    ..person()
                },
                good.clone(),
            ),
        ];
        for (code, form, csr) in &cases {
            let err = fx.ca.submit(form, csr, "applicant").await.unwrap_err();
            assert_eq!(err.code(), *code, "{}: {err}", fx.db.name());
            let CaError::Refused { request_id, .. } = err else {
                panic!("not recorded: {err}");
            };
            let r = fx.ca.store().request(request_id).await.unwrap().unwrap();
            assert_eq!(r.state, RequestState::Rejected);
            assert_eq!(r.error_code.as_deref(), Some(*code));
            assert_eq!(r.csr_der.as_deref(), Some(csr.as_slice()));
            assert!(r.applicant.contains("Иванов"));
            assert!(err.message_ru().contains(&format!("№ {request_id}")));
        }

        // A PEM request is as good as DER; the same key twice is a duplicate.
        let pem = der::pem::encode_string("CERTIFICATE REQUEST", der::pem::LineEnding::LF, &good)
            .unwrap();
        let first = fx
            .ca
            .submit(&person(), pem.as_bytes(), "applicant")
            .await
            .unwrap();
        assert_eq!(first.csr_der.as_deref(), Some(good.as_slice()));
        let err = fx
            .ca
            .submit(&organisation(), &good, "applicant")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_REQUEST_DUPLICATE");
        assert!(matches!(
            err.cause(),
            CaError::Duplicate { existing: Some(id) } if *id == first.id
        ));

        let refused = fx
            .ca
            .store()
            .requests(Some(RequestState::Rejected))
            .await
            .unwrap();
        assert_eq!(refused.len(), cases.len() + 1, "{}", fx.db.name());
        let journal = fx
            .ca
            .store()
            .journal(&JournalFilter {
                object_type: Some("request".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let refusals = journal
            .iter()
            .filter(|e| e.action == "request.refused")
            .count();
        assert_eq!(refusals, cases.len() + 1);
    }
}

#[tokio::test]
async fn decisions_follow_the_workflow() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let k = key(ParamSet::Tc26A256);
        let r = fx
            .ca
            .submit(&person(), &csr(&k), "applicant")
            .await
            .unwrap();
        let err = fx.ca.approve(r.id, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_REQUEST_WRONG_STATE", "{}", fx.db.name());
        let err = fx.ca.issue(r.id, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_REQUEST_WRONG_STATE");
        let err = fx.ca.approve(999, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_REQUEST_NOT_FOUND");
        let mut how = in_person();
        how.document_number = " ".into();
        let err = fx.ca.identify(r.id, &how, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_IDENTIFICATION_INVALID");
        let err = fx.ca.identify(r.id, &in_person(), " ").await.unwrap_err();
        assert_eq!(err.code(), "CA_OPERATOR_MISSING");
        fx.ca.identify(r.id, &in_person(), "op").await.unwrap();
        let err = fx.ca.reject(r.id, "  ", "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_REJECTION_REASON_MISSING");
        let rejected = fx
            .ca
            .reject(r.id, "паспорт не совпадает с заявлением", "op")
            .await
            .unwrap();
        assert_eq!(rejected.state, RequestState::Rejected);
        assert_eq!(
            rejected.rejection_reason.as_deref(),
            Some("паспорт не совпадает с заявлением")
        );
        let err = fx.ca.approve(r.id, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_REQUEST_WRONG_STATE");
        // The key is free again for a new request.
        fx.ca
            .submit(&person(), &csr(&k), "applicant")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_taken_serial_is_drawn_again() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let first = issue(&fx, &person(), &key(ParamSet::Tc26A256)).await;
        // The next draws: the taken serial twice, then fresh ones.
        let taken = first.serial.clone();
        let draws = Arc::new(AtomicUsize::new(0));
        let counter = draws.clone();
        let Fixture { db, ca, clock, .. } = fx;
        let ca = ca.with_serial_source(Arc::new(move || {
            if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                Ok(taken.clone())
            } else {
                Serial::random()
            }
        }));
        let k = key(ParamSet::Tc26A256);
        let r = ca
            .submit(&other_person(), &csr(&k), "applicant")
            .await
            .unwrap();
        ca.identify(r.id, &in_person(), "op").await.unwrap();
        ca.approve(r.id, "op").await.unwrap();
        let second = ca.issue(r.id, "op").await.unwrap();
        assert_ne!(second.serial, first.serial, "{}", db.name());
        assert_eq!(draws.load(Ordering::SeqCst), 3);
        let cert = certificate(&second);
        assert_eq!(
            cert.tbs_certificate().serial_number().as_bytes(),
            second.serial.as_bytes()
        );

        // A source that only repeats gives up instead of looping.
        let stuck = first.serial.clone();
        let ca = ca.with_serial_source(Arc::new(move || Ok(stuck.clone())));
        let r = ca
            .submit(&organisation(), &csr(&key(ParamSet::Tc26A256)), "a")
            .await
            .unwrap();
        ca.identify(r.id, &in_person(), "op").await.unwrap();
        ca.approve(r.id, "op").await.unwrap();
        let err = ca.issue(r.id, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_SERIAL_EXHAUSTED");
        assert_eq!(
            ca.store().request(r.id).await.unwrap().unwrap().state,
            RequestState::Approved
        );
        drop(clock);
    }
}

#[tokio::test]
async fn issuance_is_all_or_nothing_and_concurrent_issuance_is_safe() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let k = key(ParamSet::Tc26A256);
        let r = fx
            .ca
            .submit(&person(), &csr(&k), "applicant")
            .await
            .unwrap();
        fx.ca.identify(r.id, &in_person(), "op").await.unwrap();
        fx.ca.approve(r.id, "op").await.unwrap();
        for point in [FailPoint::BeforeJournal, FailPoint::BeforeCommit] {
            fx.ca.store().set_failpoint(Some(point));
            let err = fx.ca.issue(r.id, "op").await.unwrap_err();
            fx.ca.store().set_failpoint(None);
            assert_eq!(err.code(), "STORE_FAILPOINT", "{}", fx.db.name());
            assert!(
                fx.ca
                    .store()
                    .certificate_for_request(r.id)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert_eq!(
                fx.ca.store().request(r.id).await.unwrap().unwrap().state,
                RequestState::Approved
            );
        }
        fx.ca.issue(r.id, "op").await.unwrap();

        // Many approved requests issued at once: all issued, all distinct.
        let ca = Arc::new(fx.ca);
        let mut ids = Vec::new();
        for i in 0..12 {
            let mut form = person();
            form.passport_number = Some(format!("{:06}", 100_000 + i));
            let r = ca
                .submit(&form, &csr(&key(ParamSet::Tc26A256)), "a")
                .await
                .unwrap();
            ca.identify(r.id, &in_person(), "op").await.unwrap();
            ca.approve(r.id, "op").await.unwrap();
            ids.push(r.id);
        }
        let mut tasks = Vec::new();
        for id in ids.iter().copied().chain(ids.iter().copied()) {
            let ca = ca.clone();
            tasks.push(tokio::spawn(async move { ca.issue(id, "op").await }));
        }
        let mut serials = HashSet::new();
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(r) => assert!(serials.insert(r.serial)),
                Err(e) => {
                    assert_eq!(e.code(), "CA_REQUEST_WRONG_STATE", "{}: {e}", fx.db.name());
                    refused += 1;
                }
            }
        }
        // Each request issued once: the second attempt on each was refused.
        assert_eq!((serials.len(), refused), (12, 12), "{}", fx.db.name());
    }
}

#[tokio::test]
async fn the_issued_certificate_is_clamped_to_the_issuing_ca() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        // Ten years on, the issuing CA (10 years) has little time left.
        let late = ca::issuance::add_months(start(), 12 * 10 - 2);
        fx.clock.set(late);
        let cert = certificate(&issue(&fx, &person(), &key(ParamSet::Tc26A256)).await);
        let issuer_end = fx
            .ca
            .issuing()
            .cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time();
        let na = cert.tbs_certificate().validity().not_after.to_system_time();
        assert_eq!(na, issuer_end, "{}", fx.db.name());
        assert!(na < late + Duration::from_secs(86_400 * 70));
        assert!(check_qualified(&cert, None).is_qualified());
    }
}
