//! The publication services of a CA, built from its store: the OCSP
//! responder's and the TSA's certificates (issued by the issuing CA and
//! kept in the store, so a restart with the same keys reuses them), and
//! [`publication_for`], the whole [`Publication`] that `podpis serve`
//! mounts — status from [`StoreStatus`], CRLs signed with the issuing key,
//! time-stamp serials from [`StoreCounter`], and the `Ca` telling it of its
//! own revocations at once.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use gost::VerifyingKey;
use pki::Signer;
use pki::cert::CertificateBuilder;
use store::{CertStatus, CertificateRecord, NewCertificate, StoreError};
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsages};
use x509_cert::name::Name;

use crate::crl_publisher::{CrlConfig, CrlPublisher};
use crate::http::Publication;
use crate::ocsp_responder::{OcspConfig, OcspResponder};
use crate::status::StatusSource;
use crate::store_status::{StoreCounter, StoreStatus};
use crate::tsa::{Tsa, TsaConfig};
use crate::{Ca, CaError, actor_name, spki_hash};

/// A service certificate's validity (capped by the issuing CA's).
const SERVICE_MONTHS: u32 = 12;

/// A service certificate is replaced when less than this is left of it.
const RENEW_BEFORE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Which service a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceKind {
    /// The delegated OCSP responder: id-kp-OCSPSigning, id-pkix-ocsp-nocheck.
    Ocsp,
    /// The time-stamp authority: critical extendedKeyUsage id-kp-timeStamping.
    Tsa,
}

impl ServiceKind {
    fn purpose(self) -> ObjectIdentifier {
        match self {
            ServiceKind::Ocsp => pki::oids::KP_OCSP_SIGNING,
            ServiceKind::Tsa => pki::oids::KP_TIME_STAMPING,
        }
    }

    fn common_name(self) -> &'static str {
        match self {
            ServiceKind::Ocsp => "Служба OCSP",
            ServiceKind::Tsa => "Служба штампов времени",
        }
    }
}

/// The issuing CA's subject with its commonName replaced by `cn`.
fn service_subject(issuer: &Name, cn: &str) -> Result<Name, CaError> {
    let invalid =
        |e: pki::name::NameError| CaError::StoredDataInvalid(format!("service name: {e}"));
    let cn_name = pki::name::parse_name(&format!("CN={cn}")).map_err(invalid)?;
    let cn_atv = cn_name.iter().next().cloned();
    let mut atvs = Vec::with_capacity(issuer.len() + 1);
    let mut placed = false;
    for atv in issuer.iter() {
        if atv.oid != const_oid::db::rfc4519::CN {
            atvs.push(atv.clone());
        } else if !placed {
            atvs.extend(cn_atv.clone());
            placed = true;
        }
    }
    if !placed {
        atvs.extend(cn_atv);
    }
    pki::name::name_from_attributes(atvs).map_err(invalid)
}

fn ext_value(value: &impl Encode) -> Result<OctetString, CaError> {
    let der = value.to_der().map_err(pki::cert::CertError::from)?;
    Ok(OctetString::new(der).map_err(pki::cert::CertError::from)?)
}

/// Whether `record` is a usable `kind` certificate at `now`.
fn usable(record: &CertificateRecord, kind: ServiceKind, now: SystemTime) -> Option<Certificate> {
    if record.status.status != CertStatus::Good || record.not_after < now + RENEW_BEFORE {
        return None;
    }
    let cert = Certificate::from_der(&record.der).ok()?;
    let eku = pki::cert::extended_key_usage(&cert)?;
    (eku == [kind.purpose()]).then_some(cert)
}

impl Ca {
    /// Issues the certificate of a publication service's key: the issuing
    /// CA's subject with the service's commonName, digitalSignature, and
    /// for OCSP id-kp-OCSPSigning with id-pkix-ocsp-nocheck, for the TSA a
    /// critical extendedKeyUsage of id-kp-timeStamping alone. Stored and
    /// journaled like any certificate (without a request), so OCSP and
    /// CRLs cover it. Needs the issuing key.
    pub async fn issue_service_certificate(
        &self,
        kind: ServiceKind,
        key: &VerifyingKey,
        actor: &str,
    ) -> Result<CertificateRecord, CaError> {
        let actor = actor_name(actor)?;
        let signer = self.signer()?.clone();
        let now = self.now();
        let issuer_not_after = self
            .issuing
            .cert
            .tbs_certificate()
            .validity()
            .not_after
            .to_system_time();
        let not_after = crate::issuance::add_months(now, SERVICE_MONTHS).min(issuer_not_after);
        let subject = service_subject(
            self.issuing.cert.tbs_certificate().subject(),
            kind.common_name(),
        )?;
        let mut builder = CertificateBuilder::new(subject.clone(), key, now, not_after)
            .issuer(&self.issuing.cert)
            .basic_constraints(false, None);
        builder = match kind {
            ServiceKind::Ocsp => builder
                .key_usage(KeyUsages::DigitalSignature)
                .extended_key_usage(vec![pki::oids::KP_OCSP_SIGNING])
                .extension(Extension {
                    extn_id: pki::oids::OCSP_NOCHECK,
                    critical: false,
                    extn_value: ext_value(&der::asn1::Null)?,
                }),
            ServiceKind::Tsa => builder
                .key_usage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation)
                .extension(Extension {
                    extn_id: const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
                    critical: true,
                    extn_value: ext_value(&ExtendedKeyUsage(vec![pki::oids::KP_TIME_STAMPING]))?,
                }),
        };
        let audit = self.audit(actor).with_context(serde_json::json!({
            "service": match kind { ServiceKind::Ocsp => "ocsp", ServiceKind::Tsa => "tsa" },
        }));
        for _ in 0..crate::issuance::SERIAL_ATTEMPTS {
            let serial = (self.serials)()?;
            let cert = builder
                .clone()
                .serial(serial.as_bytes())
                .build(signer.as_ref())?;
            let spki = cert
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .map_err(pki::cert::CertError::from)?;
            let new = NewCertificate {
                serial,
                ca_id: self.issuing.record.id,
                request_id: None,
                subject: pki::name::format_name(&subject),
                not_before: now,
                not_after,
                key_usage_end: None,
                spki_hash: spki_hash(&spki),
                der: cert.to_der().map_err(pki::cert::CertError::from)?,
            };
            match self.store.issue_certificate(&new, &audit).await {
                Err(StoreError::DuplicateSerial(_)) => continue,
                other => return Ok(other?),
            }
        }
        Err(CaError::SerialExhausted)
    }

    /// The `kind` certificate of `key`: the stored one if it is good for
    /// at least 30 more days, else a new one
    /// ([`Ca::issue_service_certificate`], journaled as `system`).
    pub async fn service_certificate(
        &self,
        kind: ServiceKind,
        key: &VerifyingKey,
    ) -> Result<Certificate, CaError> {
        // The same DER the certificates carry (and spki_hash was taken of).
        let spki = key
            .to_public_key_info()
            .ok()
            .and_then(|info| info.to_der().ok())
            .ok_or_else(|| CaError::StoredDataInvalid("service key: not encodable".into()))?;
        let now = self.now();
        let stored = self
            .store
            .certificates_for_key(self.issuing.record.id, &spki_hash(&spki))
            .await?;
        if let Some(cert) = stored.iter().find_map(|r| usable(r, kind, now)) {
            return Ok(cert);
        }
        let record = self.issue_service_certificate(kind, key, "system").await?;
        Certificate::from_der(&record.der)
            .map_err(|e| CaError::StoredDataInvalid(format!("service certificate: {e}")))
    }
}

/// How [`publication_for`] sets the services up.
#[derive(Debug, Clone)]
pub struct PublicationSetup {
    /// The OCSP responder.
    pub ocsp: OcspConfig,
    /// The CRL schedule.
    pub crl: CrlConfig,
    /// The TSA (its policy has no default: the operator's OID).
    pub tsa: TsaConfig,
    /// Time-stamp serials reserved per database transaction (1000 by
    /// default; 1 commits every serial).
    pub tsa_serial_block: u32,
}

impl PublicationSetup {
    /// Defaults, with the TSA policy `tsa_policy`.
    pub fn new(tsa_policy: ObjectIdentifier) -> PublicationSetup {
        PublicationSetup {
            ocsp: OcspConfig::default(),
            crl: CrlConfig::default(),
            tsa: TsaConfig::new(tsa_policy),
            tsa_serial_block: 1000,
        }
    }
}

/// The publication services of `ca` over its store, ready to mount and
/// start:
///
/// * the CRL publisher, signing with the CA's issuing key
///   ([`Ca::with_signer`] is required);
/// * the OCSP responder, when `ocsp_signer` is given, under its
///   certificate from [`Ca::service_certificate`] (issued on first use);
/// * the TSA, when `tsa_signer` is given, likewise, its serials from the
///   store's `tsa:serial` counter.
///
/// The returned [`Publication`] is registered as `ca`'s listener, so the
/// CA's own revocations reach it at once. The caller then mounts
/// [`Publication::router`] and calls [`Publication::start`] with the
/// returned status source (with `poll_changes` set when other processes
/// — the CLI, other nodes — change statuses in the same database).
pub async fn publication_for(
    ca: &Ca,
    ocsp_signer: Option<Arc<dyn Signer>>,
    tsa_signer: Option<Arc<dyn Signer>>,
    setup: &PublicationSetup,
) -> Result<(Arc<Publication>, Arc<dyn StatusSource>), CaError> {
    let issuing = ca.signer()?.clone();
    let clock = ca.clock.clone();
    let status: Arc<dyn StatusSource> = Arc::new(StoreStatus::new(
        ca.store.clone(),
        &ca.issuing,
        clock.clone(),
    ));
    let issuer = ca.issuing.cert.clone();
    let crl = CrlPublisher::new(
        issuer.clone(),
        issuing,
        status.clone(),
        clock.clone(),
        setup.crl.clone(),
    )?;
    let ocsp = match ocsp_signer {
        None => None,
        Some(signer) => {
            let cert = ca
                .service_certificate(ServiceKind::Ocsp, signer.verifying_key())
                .await?;
            Some(Arc::new(OcspResponder::new(
                issuer.clone(),
                cert,
                signer,
                status.clone(),
                clock.clone(),
                setup.ocsp.clone(),
            )?))
        }
    };
    let tsa = match tsa_signer {
        None => None,
        Some(signer) => {
            let cert = ca
                .service_certificate(ServiceKind::Tsa, signer.verifying_key())
                .await?;
            let counter =
                StoreCounter::new(ca.store.clone(), StoreCounter::TSA, setup.tsa_serial_block);
            Some(Arc::new(Tsa::new(
                cert,
                signer,
                Arc::new(counter),
                clock,
                setup.tsa.clone(),
            )?))
        }
    };
    let publication = Arc::new(Publication {
        ocsp,
        crl: Some(Arc::new(crl)),
        tsa,
    });
    ca.add_listener(publication.clone());
    Ok((publication, status))
}
