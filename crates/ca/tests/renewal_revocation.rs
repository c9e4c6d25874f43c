//! Renewal on the holder's signature; revocation by an operator, the
//! holder, and anyone holding a compromised key; suspension and release;
//! the CRL — on SQLite and PostgreSQL. Every refusal has its code and is
//! journaled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use ca::revocation::{Requester, RevocationRequest};
use common::*;
use gost::ParamSet;
use pki::Diagnostic;
use pki::crl::{CrlReason, parse_crl};
use pki::profile::{IdentificationKind, check_qualified};
use store::testing::TestDb;
use store::{CertStatus, JournalFilter, RequestState};

async fn denials(fx: &Fixture) -> Vec<store::JournalEntry> {
    fx.ca
        .store()
        .journal(&JournalFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "certificate.change_denied")
        .collect()
}

#[tokio::test]
async fn the_holder_renews_with_the_current_key() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let old_key = key(ParamSet::Tc26A256);
        let old = issue(&fx, &sole_proprietor(), &old_key).await;
        let new_key = key(ParamSet::Tc26A512);

        fx.clock.set(start() + Duration::from_secs(86_400 * 300));
        let renewed = fx
            .ca
            .renew(&signed(&csr(&new_key), &old_key, &old))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", fx.db.name()));
        let cert = certificate(&renewed);
        assert!(check_qualified(&cert, None).is_qualified());
        assert_eq!(
            pki::cert::public_key(&cert).unwrap(),
            *pki::Signer::verifying_key(new_key.as_ref())
        );
        // The same verified identity, identified by the qualified signature.
        assert_eq!(renewed.subject, old.subject);
        let ext = pki::profile::find_extension(&cert, &pki::oids::IDENTIFICATION_KIND).unwrap();
        assert_eq!(
            <IdentificationKind as pki::profile::ExtensionValue>::decode_extension(ext).unwrap(),
            IdentificationKind::RemoteCert
        );
        let request = fx
            .ca
            .store()
            .request(renewed.request_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(request.state, RequestState::Issued);
        assert_eq!(request.renewal_of.as_ref(), Some(&old.serial));
        let ident = fx.ca.store().identifications(request.id).await.unwrap();
        assert_eq!(ident[0].document_number, old.serial.to_string());
        assert_eq!(ident[0].operator, format!("holder:{}", old.serial));
        // The old certificate stays good until revoked.
        assert_eq!(
            fx.ca
                .store()
                .status(&old.serial)
                .await
                .unwrap()
                .unwrap()
                .status,
            CertStatus::Good
        );

        // The same key again, a tampered request, a detached one.
        let err = fx
            .ca
            .renew(&signed(&csr(&new_key), &new_key, &renewed))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_RENEWAL_SAME_KEY", "{}", fx.db.name());
        let mut tampered = signed(&csr(&key(ParamSet::Tc26A256)), &old_key, &old);
        let at = tampered.len() - 3;
        tampered[at] ^= 0x40;
        let err = fx.ca.renew(&tampered).await.unwrap_err();
        assert_eq!(err.code(), "CA_SIGNED_REQUEST_BAD_SIGNATURE");
        let detached = pki::cms::sign(
            &csr(&key(ParamSet::Tc26A256))[..],
            old_key.as_ref(),
            &certificate(&old),
            &pki::cms::SignOptions::cades_bes(true, start()),
        )
        .unwrap();
        let err = fx.ca.renew(&detached).await.unwrap_err();
        assert_eq!(err.code(), "CA_SIGNED_REQUEST_MALFORMED");
        let err = fx.ca.renew(b"garbage").await.unwrap_err();
        assert_eq!(err.code(), "CA_SIGNED_REQUEST_MALFORMED");
        // A bad CSR inside a good signature is refused and recorded.
        let err = fx
            .ca
            .renew(&signed(b"not a csr", &old_key, &old))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_CSR_MALFORMED");
        assert!(matches!(err, ca::CaError::Refused { .. }));
    }
}

#[tokio::test]
async fn renewal_needs_a_usable_certificate_of_this_ca() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let old_key = key(ParamSet::Tc26A256);
        let old = issue(&fx, &person(), &old_key).await;

        // A certificate of another CA (another fixture's) with a valid signature.
        let other_fx = fixture(TestDb::sqlite()).await;
        let stranger_key = key(ParamSet::Tc26A256);
        let stranger = issue(&other_fx, &person(), &stranger_key).await;
        let err = fx
            .ca
            .renew(&signed(
                &csr(&key(ParamSet::Tc26A256)),
                &stranger_key,
                &stranger,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_RENEWAL_NOT_ENTITLED", "{}", fx.db.name());

        // A forged certificate claiming our issuer and the holder's serial.
        let forged = pki::cert::CertificateBuilder::new(
            fx.ca.issuing().cert.tbs_certificate().subject().clone(),
            pki::Signer::verifying_key(stranger_key.as_ref()),
            start(),
            start() + Duration::from_secs(86_400),
        )
        .serial(old.serial.as_bytes())
        .build(stranger_key.as_ref())
        .unwrap();
        let mut forged_record = old.clone();
        forged_record.der = der::Encode::to_der(&forged).unwrap();
        let err = fx
            .ca
            .renew(&signed(
                &csr(&key(ParamSet::Tc26A256)),
                &stranger_key,
                &forged_record,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_RENEWAL_NOT_ENTITLED");

        // Expired, then suspended.
        fx.clock.set(start() + Duration::from_secs(86_400 * 500));
        let err = fx
            .ca
            .renew(&signed(&csr(&key(ParamSet::Tc26A256)), &old_key, &old))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_CERT_EXPIRED");
        fx.clock.set(start());
        fx.ca.suspend(&old.serial, "op").await.unwrap();
        let err = fx
            .ca
            .renew(&signed(&csr(&key(ParamSet::Tc26A256)), &old_key, &old))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_CERT_ON_HOLD");

        let denied = denials(&fx).await;
        assert_eq!(denied.len(), 4, "{}", fx.db.name());
        assert_eq!(denied[2].details["code"], "CA_CERT_EXPIRED");
        assert_eq!(denied[2].object_id, old.serial.to_string());
        assert_eq!(denied[2].details["attempt"], "renewal");
    }
}

#[tokio::test]
async fn operators_revoke_suspend_and_release() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let a = issue(&fx, &person(), &key(ParamSet::Tc26A256)).await;
        let b = issue(&fx, &organisation(), &key(ParamSet::Tc26A256)).await;

        let held = fx.ca.suspend(&a.serial, "operator1").await.unwrap();
        assert_eq!(held.status.status, CertStatus::Hold);
        let err = fx.ca.suspend(&a.serial, "operator1").await.unwrap_err();
        assert_eq!(err.code(), "CA_CERT_ON_HOLD", "{}", fx.db.name());
        fx.ca.release(&a.serial, "operator1").await.unwrap();
        let err = fx.ca.release(&a.serial, "operator1").await.unwrap_err();
        assert_eq!(err.code(), "CA_CERT_NOT_ON_HOLD");

        let err = fx
            .ca
            .revoke(&b.serial, CrlReason::CertificateHold, "operator1")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_REASON_NOT_ALLOWED");
        let revoked = fx
            .ca
            .revoke(&b.serial, CrlReason::AffiliationChanged, "operator1")
            .await
            .unwrap();
        assert_eq!(revoked.status.reason, Some(CrlReason::AffiliationChanged));
        assert_eq!(revoked.status.revoked_at, Some(fx.ca.now()));
        for err in [
            fx.ca
                .revoke(&b.serial, CrlReason::KeyCompromise, "operator1")
                .await
                .unwrap_err(),
            fx.ca.suspend(&b.serial, "operator1").await.unwrap_err(),
            fx.ca.release(&b.serial, "operator1").await.unwrap_err(),
        ] {
            assert_eq!(err.code(), "CA_CERT_REVOKED");
        }
        let unknown = ca::revocation::parse_serial("0102").unwrap();
        let err = fx.ca.suspend(&unknown, "op").await.unwrap_err();
        assert_eq!(err.code(), "CA_CERT_UNKNOWN");
        assert_eq!(
            ca::revocation::parse_serial("xyz").unwrap_err().code(),
            "CA_SERIAL_INVALID"
        );
        assert_eq!(
            ca::revocation::parse_reason("KEYCOMPROMISE").unwrap(),
            CrlReason::KeyCompromise
        );
        assert_eq!(
            ca::revocation::parse_reason("4").unwrap(),
            CrlReason::Superseded
        );
        assert_eq!(
            ca::revocation::parse_reason("stolen").unwrap_err().code(),
            "CA_REASON_UNKNOWN"
        );

        let journal = fx
            .ca
            .store()
            .journal(&JournalFilter {
                object_id: Some(b.serial.to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        let last = journal.last().unwrap();
        assert_eq!(last.action, "certificate.revoked");
        assert_eq!(last.actor, "operator1");
        assert_eq!(last.details["reason"], "affiliationChanged");
        assert_eq!(last.details["context"]["requester"], "operator");
    }
}

#[tokio::test]
async fn holders_and_key_holders_revoke_under_the_rules() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let k1 = key(ParamSet::Tc26A256);
        let k2 = key(ParamSet::Tc26A256);
        let k3 = key(ParamSet::Tc26A256);
        let mine = issue(&fx, &person(), &k1).await;
        let mine_too = issue(&fx, &person(), &k2).await;
        let theirs = issue(&fx, &other_person(), &k3).await;
        let request = |serial, reason| RevocationRequest::new(serial, reason).to_json();

        // Someone else's certificate: refused and journaled.
        let err = fx
            .ca
            .revoke_on_request(&signed(
                &request(&theirs.serial, CrlReason::Superseded),
                &k1,
                &mine,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_REVOCATION_NOT_ENTITLED", "{}", fx.db.name());
        assert_eq!(
            fx.ca
                .store()
                .status(&theirs.serial)
                .await
                .unwrap()
                .unwrap()
                .status,
            CertStatus::Good
        );
        let denied = denials(&fx).await;
        assert_eq!(denied.len(), 1);
        assert_eq!(denied[0].object_id, theirs.serial.to_string());
        assert_eq!(denied[0].actor, format!("holder:{}", mine.serial));
        assert_eq!(denied[0].details["code"], "CA_REVOCATION_NOT_ENTITLED");

        // The holder suspends another certificate of theirs, signing with
        // the first; the CA-level reasons are not the holder's.
        let (held, who) = fx
            .ca
            .revoke_on_request(&signed(
                &request(&mine_too.serial, CrlReason::CertificateHold),
                &k1,
                &mine,
            ))
            .await
            .unwrap();
        assert_eq!(held.status.status, CertStatus::Hold);
        assert_eq!(
            who,
            Requester::Holder {
                signed_with: mine.serial.to_string()
            }
        );
        let err = fx
            .ca
            .revoke_on_request(&signed(
                &request(&mine.serial, CrlReason::CaCompromise),
                &k1,
                &mine,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_REASON_NOT_ALLOWED");

        // With its key suspended, the holder may not revoke for another
        // reason with it — but anyone holding the key may on compromise.
        let err = fx
            .ca
            .revoke_on_request(&signed(
                &request(&mine_too.serial, CrlReason::Superseded),
                &k2,
                &mine_too,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_REVOCATION_NOT_ENTITLED");
        let mut compromised = RevocationRequest::new(&mine_too.serial, CrlReason::KeyCompromise);
        compromised.comment = Some("ключ найден в открытом репозитории".into());
        let (revoked, who) = fx
            .ca
            .revoke_on_request(&signed(&compromised.to_json(), &k2, &mine_too))
            .await
            .unwrap();
        assert_eq!(revoked.status.status, CertStatus::Revoked);
        assert_eq!(revoked.status.reason, Some(CrlReason::KeyCompromise));
        assert!(matches!(who, Requester::KeyHolder { .. }));

        // The holder revokes their own certificate; revoked is final.
        let (revoked, _) = fx
            .ca
            .revoke_on_request(&signed(
                &request(&mine.serial, CrlReason::CessationOfOperation),
                &k1,
                &mine,
            ))
            .await
            .unwrap();
        assert_eq!(revoked.status.reason, Some(CrlReason::CessationOfOperation));
        let err = fx
            .ca
            .revoke_on_request(&signed(
                &request(&mine.serial, CrlReason::KeyCompromise),
                &k1,
                &mine,
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "CA_CERT_REVOKED");

        // Malformed documents and unknown targets.
        for (doc, code) in [
            (b"{}".to_vec(), "CA_REVOCATION_REQUEST_MALFORMED"),
            (
                br#"{"type":"other","serial":"01","reason":"keyCompromise"}"#.to_vec(),
                "CA_REVOCATION_REQUEST_MALFORMED",
            ),
            (
                format!(
                    r#"{{"type":"podpis-revocation-request","serial":"{}","reason":"stolen"}}"#,
                    theirs.serial
                )
                .into_bytes(),
                "CA_REASON_UNKNOWN",
            ),
            (
                request(
                    &store::Serial::parse_hex("77").unwrap(),
                    CrlReason::KeyCompromise,
                ),
                "CA_CERT_UNKNOWN",
            ),
        ] {
            let err = fx
                .ca
                .revoke_on_request(&signed(&doc, &k3, &theirs))
                .await
                .unwrap_err();
            assert_eq!(err.code(), code, "{}", fx.db.name());
        }

        let journal = fx
            .ca
            .store()
            .journal(&JournalFilter {
                object_id: Some(mine_too.serial.to_string()),
                ..Default::default()
            })
            .await
            .unwrap();
        let last = journal.last().unwrap();
        assert_eq!(last.actor, "key-holder");
        assert_eq!(last.details["context"]["requester"], "key_holder");
        assert_eq!(
            last.details["context"]["comment"],
            "ключ найден в открытом репозитории"
        );
    }
}

#[tokio::test]
async fn the_crl_lists_revoked_and_suspended_certificates() {
    for db in TestDb::both().await {
        let fx = fixture(db).await;
        let good = issue(&fx, &person(), &key(ParamSet::Tc26A256)).await;
        let revoked = issue(&fx, &person(), &key(ParamSet::Tc26A256)).await;
        let held = issue(&fx, &organisation(), &key(ParamSet::Tc26A256)).await;
        let released = issue(&fx, &sole_proprietor(), &key(ParamSet::Tc26A256)).await;
        fx.ca
            .revoke(&revoked.serial, CrlReason::KeyCompromise, "op")
            .await
            .unwrap();
        fx.ca.suspend(&held.serial, "op").await.unwrap();
        fx.ca.suspend(&released.serial, "op").await.unwrap();
        fx.ca.release(&released.serial, "op").await.unwrap();

        let first = fx.ca.crl().await.unwrap();
        let second = fx.ca.crl().await.unwrap();
        assert_eq!((first.number, second.number), (1, 2), "{}", fx.db.name());
        let crl = parse_crl(&second.der).unwrap();
        crl.verify_signature(&fx.ca.issuing().cert).unwrap();
        assert_eq!(crl.number_hex().as_deref(), Some("02"));
        assert_eq!(crl.entries().len(), 2);
        let entry = |s: &store::Serial| {
            crl.entries()
                .iter()
                .find(|e| e.serial.as_bytes() == s.as_bytes())
                .cloned()
        };
        assert_eq!(
            entry(&revoked.serial).unwrap().reason,
            Some(CrlReason::KeyCompromise)
        );
        assert_eq!(
            entry(&held.serial).unwrap().reason,
            Some(CrlReason::CertificateHold)
        );
        assert!(entry(&good.serial).is_none());
        assert!(entry(&released.serial).is_none());
        assert_eq!(
            crl.next_update().unwrap(),
            fx.ca.now() + Duration::from_secs(24 * 3600)
        );

        // The root's CRL: signed with the root key only.
        let root_crl = fx.ca.root_crl(fx.root_key.as_ref()).await.unwrap();
        parse_crl(&root_crl.der)
            .unwrap()
            .verify_signature(&fx.ca.root().cert)
            .unwrap();
        assert_eq!(root_crl.number, 1);
        let err = fx.ca.root_crl(fx.issuing_key.as_ref()).await.unwrap_err();
        assert_eq!(err.code(), "CA_SIGNER_MISMATCH");
    }
}
