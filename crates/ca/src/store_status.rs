//! The publication services over the store: [`StoreStatus`] answers the
//! OCSP responder and the CRL publisher from the `certificates` table,
//! learns of changes made elsewhere from the journal, and numbers CRLs with
//! the store's `counters`; [`StoreCounter`] numbers time-stamps the same
//! way. Several stateless nodes over one PostgreSQL share both.

use std::sync::Arc;
use std::time::SystemTime;

use pki::crl::{CrlReason, RevokedEntry};
use store::{CertStatus, Serial, SerialStatus, StatusEntry, Store};
use x509_cert::serial_number::SerialNumber;

use crate::publish_error::PublishError;
use crate::status::{BoxFuture, CertState, Changes, StatusError, StatusSource};
use crate::tsa::SerialCounter;
use crate::{Authority, CaError, Clock};

/// How many status changes one [`StatusSource::changes_since`] reads.
const CHANGES_PAGE: i64 = 10_000;

/// The certificate status of one CA, read from the store.
#[derive(Debug, Clone)]
pub struct StoreStatus {
    store: Store,
    ca_id: i64,
    crl_counter: String,
    /// "Now" for leaving expired certificates off the CRL.
    clock: Arc<dyn Clock>,
}

impl StoreStatus {
    /// The status of the certificates `issuer` issued; `clock` tells which
    /// have expired (and so leave the CRL).
    pub fn new(store: Store, issuer: &Authority, clock: Arc<dyn Clock>) -> StoreStatus {
        StoreStatus {
            store,
            ca_id: issuer.record.id,
            crl_counter: crate::crl::crl_counter(issuer),
            clock,
        }
    }
}

/// A store serial as an X.509 serial number.
pub(crate) fn serial_number(serial: &Serial) -> Result<SerialNumber, CaError> {
    SerialNumber::new(serial.as_bytes())
        .map_err(|e| CaError::StoredDataInvalid(format!("serial {serial}: {e}")))
}

/// The CRL entry of a revoked or suspended certificate.
pub(crate) fn revoked_entry(r: &SerialStatus) -> Result<RevokedEntry, CaError> {
    let reason = match r.status.status {
        CertStatus::Hold => CrlReason::CertificateHold,
        _ => r.status.reason.unwrap_or(CrlReason::Unspecified),
    };
    let at = r.status.revoked_at.unwrap_or(SystemTime::UNIX_EPOCH);
    Ok(RevokedEntry::new(serial_number(&r.serial)?, at, reason))
}

fn state(entry: &StatusEntry) -> CertState {
    match entry.status {
        CertStatus::Good => CertState::Good,
        CertStatus::Hold => CertState::Revoked {
            time: entry.revoked_at.unwrap_or(SystemTime::UNIX_EPOCH),
            reason: Some(CrlReason::CertificateHold),
        },
        CertStatus::Revoked => CertState::Revoked {
            time: entry.revoked_at.unwrap_or(SystemTime::UNIX_EPOCH),
            reason: entry.reason,
        },
    }
}

fn failed(e: impl std::error::Error + Send + Sync + 'static) -> StatusError {
    StatusError::new(e)
}

impl StatusSource for StoreStatus {
    fn status<'a>(
        &'a self,
        serial: &'a SerialNumber,
    ) -> BoxFuture<'a, Result<CertState, StatusError>> {
        Box::pin(async move {
            // A serial that is not a positive integer of ours is unknown.
            let Some(serial) = Serial::from_bytes(serial.as_bytes()) else {
                return Ok(CertState::Unknown);
            };
            let record = self.store.status(&serial).await.map_err(failed)?;
            Ok(record.as_ref().map_or(CertState::Unknown, state))
        })
    }

    fn revoked(&self) -> BoxFuture<'_, Result<Vec<RevokedEntry>, StatusError>> {
        Box::pin(async move {
            let now = self.clock.now();
            let rows = self.store.revoked(self.ca_id).await.map_err(failed)?;
            rows.iter()
                .filter(|r| r.not_after > now)
                .map(|r| revoked_entry(r).map_err(failed))
                .collect()
        })
    }

    fn issued_page<'a>(
        &'a self,
        after: Option<&'a SerialNumber>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<(SerialNumber, CertState)>, StatusError>> {
        Box::pin(async move {
            let after = match after {
                None => None,
                Some(s) => match Serial::from_bytes(s.as_bytes()) {
                    Some(serial) => Some(serial),
                    None => return Ok(Vec::new()),
                },
            };
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = self
                .store
                .statuses(self.ca_id, after.as_ref(), limit)
                .await
                .map_err(failed)?;
            rows.iter()
                .map(|r| Ok((serial_number(&r.serial).map_err(failed)?, state(&r.status))))
                .collect()
        })
    }

    fn changes_since(&self, cursor: u64) -> BoxFuture<'_, Result<Changes, StatusError>> {
        Box::pin(async move {
            let last = self.store.last_journal_id().await.map_err(failed)?;
            let last = u64::try_from(last).unwrap_or(0);
            if cursor >= last {
                return Ok(Changes {
                    serials: Vec::new(),
                    cursor: last.min(cursor),
                });
            }
            let after = i64::try_from(cursor).unwrap_or(i64::MAX);
            let changes = self
                .store
                .status_changes_since(after, CHANGES_PAGE)
                .await
                .map_err(failed)?;
            // A full page: continue after its last entry next time.
            let cursor = match changes.last() {
                Some((id, _)) if changes.len() as i64 == CHANGES_PAGE => {
                    u64::try_from(*id).unwrap_or(last)
                }
                _ => last,
            };
            let serials = changes
                .iter()
                .map(|(_, s)| serial_number(s).map_err(failed))
                .collect::<Result<_, _>>()?;
            Ok(Changes { serials, cursor })
        })
    }

    fn next_crl_number(&self) -> BoxFuture<'_, Result<u64, StatusError>> {
        Box::pin(async move {
            let n = self
                .store
                .next_value(&self.crl_counter)
                .await
                .map_err(failed)?;
            Ok(n.unsigned_abs())
        })
    }
}

/// Time-stamp serial numbers from the store's `counters` table, reserved a
/// block at a time (one transaction per block): strictly increasing within
/// a process and never repeated across restarts or between nodes sharing
/// one database. After a crash the rest of a reserved block is skipped.
#[derive(Debug)]
pub struct StoreCounter {
    store: Store,
    name: String,
    block: i64,
    /// (next to hand out, last reserved); empty when next > last.
    state: tokio::sync::Mutex<(u64, u64)>,
}

impl StoreCounter {
    /// The counter of TSA serial numbers.
    pub const TSA: &'static str = "tsa:serial";

    /// A counter named `name`, reserving `block` numbers per transaction
    /// (1: every stamp commits its number; more: fewer writes, gaps after a
    /// restart).
    pub fn new(store: Store, name: &str, block: u32) -> StoreCounter {
        StoreCounter {
            store,
            name: name.to_owned(),
            block: i64::from(block.max(1)),
            state: tokio::sync::Mutex::new((1, 0)),
        }
    }
}

impl SerialCounter for StoreCounter {
    fn next(&self) -> BoxFuture<'_, Result<u64, PublishError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if state.0 > state.1 {
                let last = self
                    .store
                    .reserve_values(&self.name, self.block)
                    .await
                    .map_err(|e| PublishError::Status(failed(e)))?;
                let last = last.unsigned_abs();
                *state = (last + 1 - self.block.unsigned_abs(), last);
            }
            let n = state.0;
            state.0 += 1;
            Ok(n)
        })
    }
}
