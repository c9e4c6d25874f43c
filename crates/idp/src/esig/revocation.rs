//! Check 7 with its caches: a node's memory in front of the shared
//! `revocation_cache` table, in front of the network (OCSP first, CRL
//! fallback, through `pki::revocation::RevocationChecker` on tokio's
//! blocking pool). An answer is reused until its nextUpdate, capped by
//! [`super::EsigConfig::revocation_cache_max`]; a fail-open pass without
//! evidence is never cached.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use pki::crl::reason_name;
use pki::revocation::{Evidence, EvidenceOrigin, RevocationError, RevocationStatus};
use store::esig::{CachedRevocation, CachedStatus, LoginConnection};
use store::{reason_code, reason_from_code};
use x509_cert::Certificate;

use super::{CACHE_LIMIT, Esig, EsigError};

/// The node's in-memory revocation answers.
#[derive(Debug, Default)]
pub(super) struct Memory(Mutex<HashMap<String, CachedRevocation>>);

impl Memory {
    fn get(&self, key: &str, now: SystemTime) -> Option<CachedRevocation> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .filter(|c| c.valid_until > now)
            .cloned()
    }

    fn put(&self, key: &str, entry: CachedRevocation) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(key.to_owned(), entry);
    }
}

fn verdict(entry: &CachedRevocation) -> Result<(), EsigError> {
    match entry.status {
        CachedStatus::Good => Ok(()),
        CachedStatus::Revoked { at, reason } => Err(EsigError::CertRevoked {
            at,
            reason: reason.and_then(reason_from_code).map(reason_name),
        }),
    }
}

fn origin(origin: &EvidenceOrigin) -> &str {
    match origin {
        EvidenceOrigin::Supplied => "supplied",
        EvidenceOrigin::Fetched(url) => url,
    }
}

impl Esig {
    /// Check 7 for `leaf` (whose fingerprint is `key`: a certificate's
    /// issuer is settled by its validated path) issued by `issuer`. Beyond
    /// the node's memory it reads the shared cache and the network, after
    /// handing `held` back to the pool.
    pub(super) async fn check_revocation(
        &self,
        key: &str,
        leaf: &Certificate,
        issuer: &Certificate,
        now: SystemTime,
        held: Option<&mut LoginConnection>,
    ) -> Result<(), EsigError> {
        if let Some(hit) = self.revocations.get(key, now) {
            return verdict(&hit);
        }
        if let Some(held) = held {
            held.release();
        }
        if let Some(shared) = self.store.cached_revocation(key, now).await? {
            self.revocations.put(key, shared.clone());
            return verdict(&shared);
        }
        let checker = self.checker.clone();
        let (leaf_c, issuer_c) = (leaf.clone(), issuer.clone());
        let outcome = tokio::task::spawn_blocking(move || checker.check(&leaf_c, &issuer_c, now))
            .await
            .map_err(|e| EsigError::Internal(e.to_string()))?;
        let outcome = match outcome {
            Ok(o) => o,
            Err(RevocationError::Revoked { time, reason }) => {
                return Err(EsigError::CertRevoked {
                    at: time,
                    reason: reason.map(reason_name),
                });
            }
            Err(e) => {
                let detail = match &e {
                    RevocationError::Unavailable { problems } => problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                };
                return Err(EsigError::RevocationUnavailable(detail));
            }
        };
        let status = match outcome.status {
            RevocationStatus::Good => CachedStatus::Good,
            RevocationStatus::Revoked { time, reason } => CachedStatus::Revoked {
                at: time,
                reason: reason.map(reason_code),
            },
            RevocationStatus::Unknown => {
                return Err(EsigError::RevocationUnavailable(
                    "the OCSP responder does not know the certificate".into(),
                ));
            }
            // Fail-open without evidence: let through, remember nothing.
            RevocationStatus::Unchecked => {
                tracing::warn!("revocation not checked (fail-open policy)");
                return Ok(());
            }
        };
        let (next_update, source) = match &outcome.evidence {
            Some(Evidence::Ocsp {
                next_update,
                origin: o,
                ..
            }) => (*next_update, format!("ocsp {}", origin(o))),
            Some(Evidence::Crl {
                next_update,
                origin: o,
                ..
            }) => (*next_update, format!("crl {}", origin(o))),
            None => (None, "none".into()),
        };
        let cap = now + self.config.revocation_cache_max;
        let valid_until = next_update.map_or(cap, |n| n.min(cap));
        let entry = CachedRevocation {
            status,
            source,
            checked_at: now,
            valid_until,
        };
        if valid_until > now {
            self.revocations.put(key, entry.clone());
            if let Err(e) = self.store.put_cached_revocation(key, &entry).await {
                // The answer stands; only sharing it failed.
                tracing::warn!(error = %e, "storing a revocation answer failed");
            }
        }
        verdict(&entry)
    }
}
