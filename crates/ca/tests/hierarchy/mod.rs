//! A GOST CA hierarchy made with the pki builders for the publication
//! tests and benchmarks: a root, an issuing CA, a delegated OCSP responder
//! (id-kp-OCSPSigning, id-pkix-ocsp-nocheck), a TSA (id-kp-timeStamping,
//! critical) and end-entity certificates with chosen serials.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use der::Encode;
use der::asn1::OctetString;
use gost::{ParamSet, SigningKey};
use pki::cert::CertificateBuilder;
use pki::name::parse_name;
use pki::{KeySigner, Signer};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsages};
use x509_cert::serial_number::SerialNumber;

const DAY: Duration = Duration::from_secs(86400);

/// A certificate and the signer of its key.
pub(crate) struct Holder {
    pub(crate) cert: Certificate,
    pub(crate) signer: Arc<KeySigner>,
}

impl Holder {
    pub(crate) fn serial(&self) -> SerialNumber {
        self.cert.tbs_certificate().serial_number().clone()
    }

    pub(crate) fn pem(&self) -> String {
        pki::cert::to_pem(&self.cert).unwrap()
    }

    pub(crate) fn key_pem(&self) -> String {
        self.signer.key().to_pkcs8_pem().unwrap().to_string()
    }
}

/// Root → issuing CA → {OCSP responder, TSA, end entities}.
pub(crate) struct Hierarchy {
    pub(crate) root: Holder,
    pub(crate) ca: Holder,
    pub(crate) responder: Holder,
    pub(crate) tsa: Holder,
    pub(crate) param_set: ParamSet,
}

fn key(param_set: ParamSet) -> Arc<KeySigner> {
    Arc::new(KeySigner::new(SigningKey::generate(param_set).unwrap()))
}

fn validity() -> (SystemTime, SystemTime) {
    let now = SystemTime::now();
    (now - DAY, now + 365 * DAY)
}

impl Hierarchy {
    pub(crate) fn new(param_set: ParamSet) -> Self {
        let (nb, na) = validity();
        let root_key = key(param_set);
        let root_cert = CertificateBuilder::ca(
            parse_name("CN=podpis test root,O=podpis,C=RU").unwrap(),
            root_key.verifying_key(),
            nb,
            na,
            Some(1),
        )
        .build(root_key.as_ref())
        .unwrap();
        let root = Holder {
            cert: root_cert,
            signer: root_key,
        };
        let ca_key = key(param_set);
        let ca_cert = CertificateBuilder::ca(
            parse_name("CN=podpis test issuing CA,O=podpis,C=RU").unwrap(),
            ca_key.verifying_key(),
            nb,
            na,
            Some(0),
        )
        .issuer(&root.cert)
        .build(root.signer.as_ref())
        .unwrap();
        let ca = Holder {
            cert: ca_cert,
            signer: ca_key,
        };
        let nocheck = Extension {
            extn_id: pki::oids::OCSP_NOCHECK,
            critical: false,
            extn_value: OctetString::new(der::asn1::Null.to_der().unwrap()).unwrap(),
        };
        let responder = issue(&ca, "CN=podpis test OCSP", param_set, |b| {
            b.key_usage(KeyUsages::DigitalSignature)
                .extended_key_usage(vec![pki::oids::KP_OCSP_SIGNING])
                .extension(nocheck.clone())
        });
        let tsa_eku = Extension {
            extn_id: const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
            critical: true,
            extn_value: OctetString::new(
                ExtendedKeyUsage(vec![pki::oids::KP_TIME_STAMPING])
                    .to_der()
                    .unwrap(),
            )
            .unwrap(),
        };
        let tsa = issue(&ca, "CN=podpis test TSA", param_set, |b| {
            b.key_usage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
                .extension(tsa_eku.clone())
        });
        Hierarchy {
            root,
            ca,
            responder,
            tsa,
            param_set,
        }
    }

    /// An end-entity certificate with this serial, issued by the CA.
    pub(crate) fn end_entity(&self, cn: &str, serial: u64) -> Holder {
        issue(&self.ca, &format!("CN={cn}"), self.param_set, |b| {
            b.serial(SerialNumber::from(serial).as_bytes())
                .key_usage(KeyUsages::DigitalSignature)
                .extended_key_usage(vec![pki::oids::KP_CLIENT_AUTH])
                .crl_url("http://127.0.0.1/crl/ca.crl")
                .ocsp_url("http://127.0.0.1/ocsp")
        })
    }

    /// root + issuing CA, PEM: the trust file for OpenSSL.
    pub(crate) fn chain_pem(&self) -> String {
        format!("{}{}", self.root.pem(), self.ca.pem())
    }
}

fn issue(
    ca: &Holder,
    subject: &str,
    param_set: ParamSet,
    extra: impl FnOnce(CertificateBuilder) -> CertificateBuilder,
) -> Holder {
    let (nb, na) = validity();
    let signer = key(param_set);
    let builder = CertificateBuilder::new(
        parse_name(&format!("{subject},O=podpis,C=RU")).unwrap(),
        signer.verifying_key(),
        nb,
        na,
    )
    .issuer(&ca.cert)
    .basic_constraints(false, None);
    let cert = extra(builder).build(ca.signer.as_ref()).unwrap();
    Holder { cert, signer }
}
