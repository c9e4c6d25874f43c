//! # podpis-ca
//!
//! The accredited certification authority (УЦ): it identifies the
//! applicant, issues the qualified certificate, renews and revokes it, and
//! publishes revocation (CRL, OCSP) and time-stamps (TSP). Keys are used
//! only through [`pki::Signer`] (`Arc<dyn Signer>`: a file container
//! today, a PKCS#11 HSM later); state lives in `podpis-store`. The HTTP
//! services are axum routers that `podpis serve` mounts.
//!
//! The workflow, one module per step:
//!
//! * [`hierarchy`]: `ca init` — a self-signed root and the issuing CA it
//!   signs, with the operator's OGRN/INNLE, issuerSignTool, policies and
//!   the CDP/AIA URLs; the issuance settings ([`CaSettings`]);
//! * [`applicant`]: what an applicant submits, by subject kind, checked
//!   with control digits, and the subject name built from it;
//! * [`registration`]: submission — CSR proof of possession, parameter set,
//!   duplicates; every refused submission is recorded with its code;
//! * [`identification`]: an operator records how the applicant was
//!   identified, then approves or rejects;
//! * [`issuance`]: the qualified certificate, a random serial the database
//!   keeps unique, in one transaction with its record;
//! * [`renewal`]: a re-key request signed with the current key;
//! * [`revocation`]: revocation by the holder, an operator, or anyone who
//!   proves possession of a compromised key; suspension and release;
//! * [`crl`]: a CRL of the issuing CA, now.
//!
//! Publication: [`status`] (what the services read, and how they are told
//! of a change), [`ocsp_responder`], [`crl_publisher`], [`tsa`], [`http`]
//! (one router), [`store_status`] (status and counters over the store) and
//! [`service`] (the services' certificates, and [`service::publication_for`],
//! the whole publication of a CA for `podpis serve`). The `Ca` tells its
//! listeners ([`Ca::add_listener`]) of every status change it commits.
//!
//! Every state change is journaled by the store in the same transaction.
//! Time comes from a [`Clock`], so expiry and validity are testable.
#![forbid(unsafe_code)]

pub mod api;
pub mod applicant;
pub mod crl;
mod error;
pub mod hierarchy;
pub mod identification;
pub mod issuance;
pub mod pages;
pub mod registration;
pub mod renewal;
pub mod revocation;
mod signed;
// Publication: certificate status for the services, the OCSP responder,
// the CRL publisher, the time-stamp authority, and their router.
pub mod crl_publisher;
pub mod http;
pub mod ocsp_responder;
pub mod publish_error;
pub mod server;
pub mod status;
pub mod tsa;
// The publication services over the store, wired to the CA.
pub mod service;
pub mod store_status;

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use der::Decode;
use pki::Signer;
use store::{CaRecord, CaRole, Serial, Store, StoreError};
use x509_cert::Certificate;

pub use error::CaError;
pub use hierarchy::{CaSettings, InitParams, Operator, init};

/// Where the time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that shows what it is set to (for tests and replays).
#[derive(Debug)]
pub struct FixedClock(Mutex<SystemTime>);

impl FixedClock {
    /// A clock stopped at `at`.
    pub fn new(at: SystemTime) -> FixedClock {
        FixedClock(Mutex::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: SystemTime) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0.lock().map(|t| *t).unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// Draws serial numbers for new certificates.
pub type SerialSource = Arc<dyn Fn() -> Result<Serial, StoreError> + Send + Sync>;

/// A CA certificate loaded from the store.
#[derive(Debug, Clone)]
pub struct Authority {
    /// Its record (row id, key reference, settings).
    pub record: CaRecord,
    /// The certificate.
    pub cert: Certificate,
}

impl Authority {
    fn load(record: CaRecord) -> Result<Authority, CaError> {
        let cert = Certificate::from_der(&record.cert_der)
            .map_err(|e| CaError::StoredDataInvalid(format!("CA certificate: {e}")))?;
        Ok(Authority { record, cert })
    }
}

/// An initialised certification authority: its root and issuing CA, its
/// settings, the store, and (for operations that sign) the issuing key.
pub struct Ca {
    store: Store,
    clock: Arc<dyn Clock>,
    root: Authority,
    issuing: Authority,
    settings: CaSettings,
    signer: Option<Arc<dyn Signer>>,
    serials: SerialSource,
    listeners: RwLock<Vec<Arc<dyn status::StatusListener>>>,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ca")
            .field("store", &self.store)
            .field("issuing", &self.issuing.record.subject)
            .field("signer", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

impl Ca {
    /// Loads the CA that `ca init` recorded in `store`
    /// ([`CaError::NotInitialised`] if none). Without a signer it can
    /// register, identify, approve, reject, revoke and report; issuing,
    /// renewing and CRLs need [`Ca::with_signer`].
    pub async fn open(store: Store, clock: Arc<dyn Clock>) -> Result<Ca, CaError> {
        let root = store
            .authority(CaRole::Root)
            .await?
            .ok_or(CaError::NotInitialised)?;
        let issuing = store
            .authority(CaRole::Issuing)
            .await?
            .ok_or(CaError::NotInitialised)?;
        let settings: CaSettings = serde_json::from_str(&issuing.settings)
            .map_err(|e| CaError::StoredDataInvalid(format!("CA settings: {e}")))?;
        Ok(Ca {
            store,
            clock,
            root: Authority::load(root)?,
            issuing: Authority::load(issuing)?,
            settings,
            signer: None,
            serials: Arc::new(Serial::random),
            listeners: RwLock::new(Vec::new()),
        })
    }

    /// Gives the CA its issuing key; refused unless the key is the
    /// issuing certificate's.
    pub fn with_signer(mut self, signer: Arc<dyn Signer>) -> Result<Ca, CaError> {
        let key = pki::cert::public_key(&self.issuing.cert)?;
        if *signer.verifying_key() != key {
            return Err(CaError::SignerMismatch);
        }
        self.signer = Some(signer);
        Ok(self)
    }

    /// Draws serials from `source` instead of the system RNG (tests use it
    /// to force a collision and see it retried).
    pub fn with_serial_source(mut self, source: SerialSource) -> Ca {
        self.serials = source;
        self
    }

    /// Tells `listener` of every revocation, suspension and release this
    /// `Ca` commits, right after the commit (the OCSP responder drops its
    /// pre-signed response, the CRL publisher issues a new CRL). Changes
    /// committed by other processes reach a node's services by polling
    /// ([`http::PublicationConfig::poll_changes`]).
    pub fn add_listener(&self, listener: Arc<dyn status::StatusListener>) {
        self.listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(listener);
    }

    /// Tells the listeners that `serial` changed status.
    fn notify(&self, serial: &Serial) {
        let Ok(serial) = store_status::serial_number(serial) else {
            return;
        };
        for listener in self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
        {
            listener.status_changed(&serial);
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where the CA's time comes from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The root CA.
    pub fn root(&self) -> &Authority {
        &self.root
    }

    /// The issuing CA.
    pub fn issuing(&self) -> &Authority {
        &self.issuing
    }

    /// The issuance settings.
    pub fn settings(&self) -> &CaSettings {
        &self.settings
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    fn signer(&self) -> Result<&Arc<dyn Signer>, CaError> {
        self.signer.as_ref().ok_or(CaError::SignerRequired)
    }

    fn audit(&self, actor: &str) -> store::Audit {
        store::Audit::new(actor, self.clock.now())
    }
}

/// Hex Streebog-256 of a DER SubjectPublicKeyInfo: the key's identity in
/// requests and certificates (duplicate detection, renewal checks).
pub fn spki_hash(spki_der: &[u8]) -> String {
    pki::algorithm::DigestAlgorithm::Streebog256
        .digest(spki_der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks that an operator or actor name is usable in the journal.
pub(crate) fn actor_name(name: &str) -> Result<&str, CaError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(CaError::OperatorMissing);
    }
    Ok(name)
}
