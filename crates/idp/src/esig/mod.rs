//! Login by e-signature («Вход с помощью электронной подписи»): the
//! server side of the challenge–response flow of design.md §4.
//!
//! The client asks for a challenge ([`Esig::challenge`]), signs its 32
//! bytes as CAdES-BES (detached, or attached carrying exactly those bytes)
//! and sends the signature back with the challenge and its pre-login
//! binding value. [`Esig::login`] then runs the nine checks, in this order,
//! each failure its own [`EsigError`]:
//!
//! 1. the CMS parses, with one signer whose certificate it carries
//!    (`SIGNATURE_INVALID`);
//! 2. the signature verifies over the challenge (`SIGNATURE_INVALID`);
//! 3. the challenge was issued, is unused, unexpired and bound to this
//!    client's pre-login session (`CHALLENGE_EXPIRED`, `CHALLENGE_REUSED`);
//! 4. the certificate is time-valid now (`CERT_EXPIRED`,
//!    `CERT_NOT_YET_VALID`);
//! 5. it chains to a root of the configured trust list (`CERT_UNTRUSTED`);
//! 6. its key usage allows signing and it follows the qualified profile
//!    when the policy demands УКЭП, the default (`CERT_NOT_QUALIFIED`);
//! 7. it is not revoked: OCSP first, CRL fallback, cached until nextUpdate
//!    (`CERT_REVOKED`, `REVOCATION_UNAVAILABLE` — fail-closed by default);
//! 8. its holder is an account's: a certificate bound earlier logs in to
//!    its account; otherwise the SNILS in the subject must match an
//!    account, which must be standard (bound now and raised to confirmed)
//!    or confirmed (bound now) (`IDENTITY_MISMATCH`,
//!    `ACCOUNT_NOT_CONFIRMED`);
//! 9. the account is not blocked (`ACCOUNT_BLOCKED`), and not locked by
//!    wrong passwords unless [`EsigConfig::esig_bypasses_lockout`] (the
//!    default) lets e-signature logins through (`ACCOUNT_LOCKED`).
//!
//! Success is one transaction ([`store::Store::complete_esig_login`]):
//! consume the challenge, bind and raise, start the session (amr `ds`),
//! journal it. Every failure is journaled too, with its code and the
//! certificate's fingerprint, serial, subject and issuer, the IP and user
//! agent.
//!
//! The person is matched by SNILS, for every subject kind: a sole
//! proprietor's certificate (OGRNIP) and an organisation's employee
//! certificate (OGRN/INNLE) carry the holder's SNILS too; logging in on
//! behalf of the organisation (its context, its employees) is issue 9's.
//!
//! Hot-path caches, per node: the validated path and profile verdict per
//! certificate (reused while every certificate on the path is within its
//! validity; the trust list does not change while the process runs), and
//! revocation answers in memory in front of the shared `revocation_cache`
//! table (valid until the evidence's nextUpdate, capped).

mod certificates;
mod error;
mod revocation;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use der::Encode;
use pki::Diagnostic;
use pki::cms::{CmsError, Content, SignedMessage};
use pki::name::{SubjectIdentity, format_name};
use pki::path::{PathError, PathValidator};
use pki::revocation::{RevocationChecker, RevocationPolicy, RevocationSource};
use serde_json::json;
use sha2::{Digest, Sha256};
use store::Store;
use store::accounts::AccountLevel;
use store::action_journal::ActionEntry;
use store::esig::{EsigLogin, LoginConnection, NewBinding};
use store::sessions::{NewSession, SessionRecord};
use x509_cert::Certificate;
use x509_cert::ext::pkix::KeyUsages;

pub use certificates::{CertificateStatus, CertificateView, UNBIND_ACTION, WARN_DAYS};
pub use error::EsigError;

use crate::Clock;
use crate::challenge::{self, Binding, IssuedChallenge};
use crate::session::SessionToken;
use crate::trust::TrustList;

/// The journal action of an e-signature login attempt.
pub const LOGIN_ACTION: &str = "login.esig";

/// The authentication method reference of a session started by signature.
pub const AMR: &str = "ds";

/// How the e-signature login checks.
#[derive(Debug, Clone)]
pub struct EsigConfig {
    /// The accredited CAs.
    pub trust: TrustList,
    /// Demand a qualified certificate (УКЭП); default yes.
    pub require_qualified: bool,
    /// Revocation checking: fail-closed by default, OCSP first.
    pub revocation: RevocationPolicy,
    /// The longest a revocation answer is reused when its nextUpdate is
    /// later (or absent); default 1 hour.
    pub revocation_cache_max: Duration,
    /// Let a signature log in to an account locked after wrong passwords
    /// (and clear the lock); default yes. An account blocked by an
    /// administrator is refused whatever this says.
    pub esig_bypasses_lockout: bool,
    /// A session's absolute lifetime; default 12 hours.
    pub session_absolute: Duration,
}

impl EsigConfig {
    /// The defaults, trusting `trust`.
    pub fn new(trust: TrustList) -> EsigConfig {
        EsigConfig {
            trust,
            require_qualified: true,
            revocation: RevocationPolicy::default(),
            revocation_cache_max: Duration::from_secs(3600),
            esig_bypasses_lockout: true,
            session_absolute: Duration::from_secs(12 * 3600),
        }
    }
}

/// A login attempt as received.
#[derive(Debug)]
pub struct LoginRequest<'a> {
    /// The challenge, base64url, as issued.
    pub challenge: &'a str,
    /// The CMS signature (DER, BER or PEM).
    pub signature: &'a [u8],
    /// The client's pre-login binding value.
    pub binding: Option<&'a Binding>,
    /// The client's address.
    pub ip: Option<&'a str>,
    /// The client's user agent.
    pub user_agent: Option<&'a str>,
}

/// A successful login.
#[derive(Debug)]
pub struct LoginSuccess {
    /// The session token (the cookie value; only its hash is stored).
    pub token: SessionToken,
    /// The session.
    pub session: SessionRecord,
    /// The account.
    pub account_id: i64,
    /// Hex SHA-256 of the certificate.
    pub fingerprint: String,
    /// Whether this login bound the certificate.
    pub bound: bool,
    /// Whether this login raised the account to confirmed.
    pub confirmed: bool,
}

/// A validated path and the profile verdict of its leaf.
#[derive(Debug, Clone)]
struct CachedPath {
    /// Leaf first, anchor last.
    path: Arc<Vec<Certificate>>,
    /// The latest notBefore on the path.
    from: SystemTime,
    /// The earliest notAfter on the path.
    until: SystemTime,
    /// Check 6's refusal, if any.
    not_qualified: Option<String>,
}

/// The provider's clock, through the provider.
#[derive(Debug)]
struct IdpClock(crate::Idp);

impl Clock for IdpClock {
    fn now(&self) -> SystemTime {
        self.0.now()
    }
}

/// Entries kept in each in-memory cache before it is emptied.
const CACHE_LIMIT: usize = 100_000;

/// The e-signature login service. Cheap to share (`Arc`).
pub struct Esig {
    store: Store,
    clock: Arc<dyn Clock>,
    config: EsigConfig,
    checker: Arc<RevocationChecker>,
    paths: Mutex<HashMap<String, CachedPath>>,
    revocations: revocation::Memory,
}

impl std::fmt::Debug for Esig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Esig")
            .field("store", &self.store)
            .field("anchors", &self.config.trust.anchors.len())
            .finish_non_exhaustive()
    }
}

/// What checks 1–2 found.
struct Signed {
    leaf: Certificate,
    leaf_der: Vec<u8>,
    message_certs: Vec<Certificate>,
}

/// What is known of an attempt, for its journal entry.
#[derive(Debug, Default)]
struct Attempt {
    challenge_id: Option<i64>,
    account_id: Option<i64>,
    details: serde_json::Map<String, serde_json::Value>,
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    challenge::hex(&h.finalize())
}

impl Esig {
    /// The service over `store`, with revocation evidence from `source`
    /// (`None`: only what the caches hold — every uncached check is then
    /// "unavailable").
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: EsigConfig,
        source: Option<Arc<dyn RevocationSource>>,
    ) -> Esig {
        let mut checker = RevocationChecker::new(config.revocation.clone());
        if let Some(source) = source {
            checker = checker.with_source(source);
        }
        Esig {
            store,
            clock,
            config,
            checker: Arc::new(checker),
            paths: Mutex::new(HashMap::new()),
            revocations: revocation::Memory::default(),
        }
    }

    /// The service of the identity provider `idp`: its store (whose journal
    /// is chained under the provider's key), its clock, and its policy's
    /// `esig_login_when_locked` and session lifetime over `config`'s.
    pub fn for_idp(
        idp: &crate::Idp,
        mut config: EsigConfig,
        source: Option<Arc<dyn RevocationSource>>,
    ) -> Esig {
        config.esig_bypasses_lockout = idp.policy().esig_login_when_locked;
        config.session_absolute = idp.policy().absolute_timeout;
        let clock: Arc<dyn Clock> = Arc::new(IdpClock(idp.clone()));
        Esig::new(idp.store().clone(), clock, config, source)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The configuration.
    pub fn config(&self) -> &EsigConfig {
        &self.config
    }

    /// Issues a challenge to the client holding `binding` (or to a new
    /// pre-login session when it holds none).
    pub async fn challenge(
        &self,
        binding: Option<Binding>,
        ip: Option<&str>,
    ) -> Result<IssuedChallenge, EsigError> {
        challenge::issue(&self.store, self.clock.now(), binding, ip).await
    }

    /// Runs the nine checks and, when they pass, starts a session; every
    /// outcome is journaled.
    pub async fn login(&self, req: &LoginRequest<'_>) -> Result<LoginSuccess, EsigError> {
        let now = self.clock.now();
        let mut attempt = Attempt::default();
        match self.attempt(req, now, &mut attempt).await {
            Ok(success) => Ok(success),
            Err(err) => {
                attempt.details.insert("method".into(), json!("esig"));
                attempt
                    .details
                    .insert("reason".into(), json!(err.to_string()));
                let entry = ActionEntry {
                    account_id: attempt.account_id,
                    action: LOGIN_ACTION.into(),
                    result: err.code().into(),
                    ip: req.ip.map(str::to_owned),
                    user_agent: req.user_agent.map(str::to_owned),
                    details: serde_json::Value::Object(attempt.details),
                };
                if let Err(e) = self
                    .store
                    .record_esig_failure(attempt.challenge_id, now, &entry)
                    .await
                {
                    tracing::error!(error = %e, "journaling a refused e-signature login failed");
                }
                Err(err)
            }
        }
    }

    async fn attempt(
        &self,
        req: &LoginRequest<'_>,
        now: SystemTime,
        attempt: &mut Attempt,
    ) -> Result<LoginSuccess, EsigError> {
        // 1–2. The signature over the challenge.
        let challenge_bytes = challenge::decode(req.challenge);
        let signed = self.verify_signature(req.signature, challenge_bytes.as_deref())?;
        let leaf = &signed.leaf;
        let tbs = leaf.tbs_certificate();
        let fingerprint = sha256_hex(&[&signed.leaf_der]);
        let serial = pki::validation::serial_hex(leaf);
        let subject = format_name(tbs.subject());
        let issuer = format_name(tbs.issuer());
        attempt
            .details
            .insert("fingerprint".into(), json!(fingerprint));
        attempt.details.insert("serial".into(), json!(serial));
        attempt.details.insert("subject".into(), json!(subject));
        attempt.details.insert("issuer".into(), json!(issuer));

        // 3. The challenge: issued, unused, unexpired, this session's. The
        // same query reads the account of a bound certificate (check 8);
        // its connection is kept for the login's transaction.
        let mut held = LoginConnection::default();
        let (record, bound) = match &challenge_bytes {
            Some(_) => {
                self.store
                    .esig_challenge_and_account(&mut held, req.challenge.trim(), &fingerprint)
                    .await?
            }
            None => (None, None),
        };
        let Some(record) = record else {
            return Err(EsigError::ChallengeReused);
        };
        let ours = req.binding.is_some_and(|b| b.matches(&record.binding_hash));
        if !ours {
            // Another browser's challenge: not consumed, its owner may
            // still answer it.
            return Err(EsigError::ChallengeReused);
        }
        if record.used_at.is_some() {
            return Err(EsigError::ChallengeReused);
        }
        attempt.challenge_id = Some(record.id);
        if now >= record.expires_at {
            return Err(EsigError::ChallengeExpired);
        }

        // 4. Time validity of the certificate.
        let validity = tbs.validity();
        let not_before = validity.not_before.to_system_time();
        let not_after = validity.not_after.to_system_time();
        if now < not_before {
            return Err(EsigError::CertNotYetValid { not_before });
        }
        if now >= not_after {
            return Err(EsigError::CertExpired { not_after });
        }

        // 5–6. Path to a trusted root; key usage and qualified profile.
        let path = self.path(&fingerprint, leaf, &signed.message_certs, now)?;
        if let Some(why) = &path.not_qualified {
            return Err(EsigError::CertNotQualified(why.clone()));
        }

        // 7. Revocation of the signer's certificate (unless the node's
        // memory answers, the connection goes back to the pool first).
        if let Some(issuer_cert) = path.path.get(1) {
            self.check_revocation(&fingerprint, leaf, issuer_cert, now, Some(&mut held))
                .await?;
        }

        // 8. The account.
        let identity = SubjectIdentity::from_name(tbs.subject());
        let snils = identity.snils.as_ref().map(|s| s.digits());
        let (account, bind, confirm) = match bound {
            Some(account) => {
                attempt.account_id = Some(account.id);
                if snils.is_none() || account.snils != snils {
                    return Err(EsigError::IdentityMismatch);
                }
                (account, false, false)
            }
            None => {
                let Some(snils) = &snils else {
                    return Err(EsigError::IdentityMismatch);
                };
                held.release();
                let account = self
                    .store
                    .esig_account_by_snils(snils)
                    .await?
                    .ok_or(EsigError::IdentityMismatch)?;
                attempt.account_id = Some(account.id);
                match account.level {
                    AccountLevel::Simplified => return Err(EsigError::AccountNotConfirmed),
                    AccountLevel::Standard => (account, true, true),
                    AccountLevel::Confirmed => (account, true, false),
                }
            }
        };

        // 9. Blocked, locked.
        if account.blocked {
            return Err(EsigError::AccountBlocked);
        }
        let locked = account.locked_until.is_some_and(|until| until > now);
        if locked && !self.config.esig_bypasses_lockout {
            return Err(EsigError::AccountLocked);
        }

        // Success: one transaction.
        let token = SessionToken::generate().map_err(|_| EsigError::Random)?;
        let token_hash = token.hash_hex();
        let mut details = std::mem::take(&mut attempt.details);
        details.insert("method".into(), json!("esig"));
        details.insert("bound".into(), json!(bind));
        let journal = ActionEntry {
            account_id: Some(account.id),
            action: LOGIN_ACTION.into(),
            result: "ok".into(),
            ip: req.ip.map(str::to_owned),
            user_agent: req.user_agent.map(str::to_owned),
            details: serde_json::Value::Object(details),
        };
        let mut login = EsigLogin {
            challenge_id: record.id,
            account_id: account.id,
            bind: bind.then_some(NewBinding {
                fingerprint: &fingerprint,
                der: &signed.leaf_der,
                subject: &subject,
                issuer: &issuer,
                serial: &serial,
                not_before,
                not_after,
            }),
            confirm,
            clear_lockout: locked,
            session: NewSession {
                token_hash: &token_hash,
                account_id: account.id,
                amr: AMR,
                ip: req.ip,
                user_agent: req.user_agent,
                at: now,
                absolute_expires_at: now + self.config.session_absolute,
            },
            journal,
        };
        let completed = self.store.complete_esig_login(&mut held, &login).await;
        if completed.is_err() {
            // The refusal's journal entry carries what is known.
            if let serde_json::Value::Object(details) = std::mem::take(&mut login.journal.details) {
                attempt.details = details;
            }
        }
        let outcome = match completed {
            Ok(o) => o,
            Err(store::StoreError::WrongState {
                object: "challenge",
                ..
            }) => return Err(EsigError::ChallengeReused),
            Err(store::StoreError::WrongState {
                object: "certificate",
                ..
            }) => return Err(EsigError::IdentityMismatch),
            Err(e) => return Err(e.into()),
        };
        Ok(LoginSuccess {
            token,
            session: outcome.session,
            account_id: account.id,
            fingerprint,
            bound: outcome.bound_certificate.is_some(),
            confirmed: outcome.confirmed,
        })
    }

    /// Checks 1 and 2.
    fn verify_signature(
        &self,
        signature: &[u8],
        challenge: Option<&[u8]>,
    ) -> Result<Signed, EsigError> {
        let message = SignedMessage::parse(signature)
            .map_err(|e| EsigError::SignatureMalformed(e.to_string()))?;
        if message.signer_count() != 1 {
            return Err(EsigError::SignatureMalformed(format!(
                "{} signers, one expected",
                message.signer_count()
            )));
        }
        // A challenge that is not ours cannot have been signed: judged at
        // check 3, after the signature itself has been read.
        let content = challenge.unwrap_or_default();
        if let Some(attached) = message.content()
            && attached != content
            && challenge.is_some()
        {
            return Err(EsigError::SignatureInvalid(
                "the signed content is not the challenge".into(),
            ));
        }
        let verified = match message.verify_signer(0, Some(Content::Bytes(content)), &[]) {
            Ok(v) => v,
            Err(
                e @ (CmsError::Malformed(_)
                | CmsError::Asn1(_)
                | CmsError::NotSignedData(_)
                | CmsError::UnsupportedVersion { .. }
                | CmsError::SignerCertificateNotFound),
            ) => {
                return Err(EsigError::SignatureMalformed(e.to_string()));
            }
            Err(e) => {
                if challenge.is_none() {
                    // Unverifiable for want of a challenge: check 3 says why.
                    return Err(EsigError::ChallengeReused);
                }
                return Err(EsigError::SignatureInvalid(e.to_string()));
            }
        };
        let leaf_der = verified
            .certificate
            .to_der()
            .map_err(|e| EsigError::SignatureMalformed(e.to_string()))?;
        Ok(Signed {
            leaf: verified.certificate,
            leaf_der,
            message_certs: message.certificates().to_vec(),
        })
    }

    /// Checks 5 and 6, cached per certificate.
    fn path(
        &self,
        fingerprint: &str,
        leaf: &Certificate,
        extra: &[Certificate],
        now: SystemTime,
    ) -> Result<CachedPath, EsigError> {
        if let Some(hit) = self
            .paths
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(fingerprint)
            .filter(|c| c.from <= now && now < c.until)
            .cloned()
        {
            return Ok(hit);
        }
        let mut pool = extra.to_vec();
        pool.extend(self.config.trust.intermediates.iter().cloned());
        let validated = PathValidator::new(&self.config.trust.anchors, now).validate(leaf, &pool);
        let validated = match validated {
            Ok(p) => p,
            Err(
                e @ (PathError::LeafKeyUsage | PathError::Eku { .. } | PathError::NotQualified),
            ) => {
                return Err(EsigError::CertNotQualified(e.to_string()));
            }
            Err(PathError::Expired { .. }) => {
                return Err(EsigError::CertExpired {
                    not_after: leaf.tbs_certificate().validity().not_after.to_system_time(),
                });
            }
            Err(PathError::NotYetValid { .. }) => {
                return Err(EsigError::CertNotYetValid {
                    not_before: leaf
                        .tbs_certificate()
                        .validity()
                        .not_before
                        .to_system_time(),
                });
            }
            Err(e) => return Err(EsigError::CertUntrusted(e.to_string())),
        };
        let certs = validated.certificates().to_vec();
        let from = certs
            .iter()
            .map(|c| c.tbs_certificate().validity().not_before.to_system_time())
            .max()
            .unwrap_or(now);
        let until = certs
            .iter()
            .map(|c| c.tbs_certificate().validity().not_after.to_system_time())
            .min()
            .unwrap_or(now);
        let not_qualified = self.profile_refusal(leaf);
        let entry = CachedPath {
            path: Arc::new(certs),
            from,
            until,
            not_qualified,
        };
        let mut paths = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        if paths.len() >= CACHE_LIMIT {
            paths.clear();
        }
        paths.insert(fingerprint.to_owned(), entry.clone());
        Ok(entry)
    }

    /// Check 6: key usage for signing; the qualified profile if demanded.
    fn profile_refusal(&self, leaf: &Certificate) -> Option<String> {
        let signing = KeyUsages::DigitalSignature | KeyUsages::NonRepudiation;
        match pki::cert::key_usage(leaf) {
            Some(ku) if (ku.0 & signing).is_empty() => {
                return Some(
                    "the key usage allows neither digitalSignature nor nonRepudiation".into(),
                );
            }
            _ => {}
        }
        if self.config.require_qualified {
            let report = pki::profile::check_qualified(leaf, None);
            if !report.is_qualified() {
                return Some(report.codes().join(", "));
            }
        }
        None
    }
}
