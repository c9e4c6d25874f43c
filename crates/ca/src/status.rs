//! What the publication services (OCSP responder, CRL publisher) read: the
//! status of every certificate a CA issued, behind the [`StatusSource`]
//! trait, and how they learn of a change at once ([`StatusListener`]).
//!
//! [`crate::store_status::StoreStatus`] implements [`StatusSource`] over
//! the store (SQLite or PostgreSQL, async with sqlx); [`MemoryStatus`] is an in-memory
//! implementation — a sorted index, for a small CA, tests and benchmarks.
//! The methods return boxed futures so that the trait stays object-safe:
//! the services hold an `Arc<dyn StatusSource>`, and only cache misses and
//! CRL builds call it, never the OCSP hot path.
//!
//! Whoever changes a status (the CA's revocation, suspension and release)
//! calls [`StatusListener::status_changed`] after the change is committed;
//! the OCSP responder drops its pre-signed response for that serial and the
//! CRL publisher issues a new CRL. Other nodes of a scaled-out deployment
//! learn the change by polling [`StatusSource::changes_since`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

use pki::crl::{CrlReason, RevokedEntry};
use x509_cert::serial_number::SerialNumber;

/// A boxed future that may cross threads, as the trait methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The status of one serial number, as the CA knows it now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    /// Issued by this CA and not revoked (also: released from hold).
    Good,
    /// Revoked (or suspended: reason certificateHold).
    Revoked {
        /// When the CA revoked it.
        time: SystemTime,
        /// Why; `None` is unspecified.
        reason: Option<CrlReason>,
    },
    /// Never issued by this CA.
    Unknown,
}

/// Why the status source could not answer (the database is unreachable,
/// a query failed…). The source is kept for logs; it never carries a secret.
#[derive(Debug, thiserror::Error)]
#[error("the certificate status source failed: {0}")]
pub struct StatusError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StatusError {
    /// Wraps a backend error.
    pub fn new(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        StatusError(Box::new(source))
    }
}

/// The serials whose status changed after a cursor, and the cursor to ask
/// with next time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Serials changed since the cursor asked with (repeats allowed).
    pub serials: Vec<SerialNumber>,
    /// The position to pass to the next [`StatusSource::changes_since`].
    pub cursor: u64,
}

/// Where the publication services read certificate status from.
///
/// Every method may be called from several tasks at once. Answers must
/// reflect committed state only.
pub trait StatusSource: Send + Sync {
    /// The status of the certificate with this serial number.
    fn status<'a>(
        &'a self,
        serial: &'a SerialNumber,
    ) -> BoxFuture<'a, Result<CertState, StatusError>>;

    /// Every revoked or suspended certificate (not yet expired), for the CRL.
    fn revoked(&self) -> BoxFuture<'_, Result<Vec<RevokedEntry>, StatusError>>;

    /// Up to `limit` issued certificates with their status, in ascending
    /// serial order, after `after` (from the start with `None`): for
    /// pre-signing OCSP responses.
    fn issued_page<'a>(
        &'a self,
        after: Option<&'a SerialNumber>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<(SerialNumber, CertState)>, StatusError>>;

    /// The serials whose status changed since `cursor`, and the cursor to
    /// ask with next. A cursor beyond the end (e.g. `u64::MAX`) answers no
    /// serials and the current cursor. Other nodes' responders poll this.
    fn changes_since(&self, cursor: u64) -> BoxFuture<'_, Result<Changes, StatusError>>;

    /// The next cRLNumber, persisted before it is returned: strictly
    /// greater than every number returned before, across restarts.
    fn next_crl_number(&self) -> BoxFuture<'_, Result<u64, StatusError>>;
}

/// Told of a status change right after it is committed.
pub trait StatusListener: Send + Sync {
    /// The certificate with `serial` changed status (revoked, suspended,
    /// released). Must not block: the work happens in the background.
    fn status_changed(&self, serial: &SerialNumber);
}

/// Polls `source` every `period` and tells `listener` of every change
/// after `cursor`: how the services of one node learn of a change committed
/// on another. Get the starting cursor with `changes_since(u64::MAX)`
/// *before* pre-signing, so nothing committed meanwhile is missed. A failed
/// poll is retried at the next period from the same cursor. Runs until its
/// task is aborted.
pub async fn poll_changes(
    source: Arc<dyn StatusSource>,
    listener: Arc<dyn StatusListener>,
    mut cursor: u64,
    period: std::time::Duration,
) {
    loop {
        tokio::time::sleep(period).await;
        if let Ok(changes) = source.changes_since(cursor).await {
            for serial in &changes.serials {
                listener.status_changed(serial);
            }
            cursor = changes.cursor;
        }
    }
}

pub use crate::{Clock, SystemClock};

/// A serial number as a fixed-size map key: the INTEGER's content octets
/// (at most 21: 20 octets and a sign pad). Ordered as the integers for
/// positive serials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SerialKey {
    len: u8,
    bytes: [u8; 21],
}

impl SerialKey {
    /// The key of a serial number; `None` for one longer than RFC 5280
    /// allows (no certificate of ours has it).
    pub fn new(serial: &SerialNumber) -> Option<Self> {
        let src = serial.as_bytes();
        let mut bytes = [0u8; 21];
        bytes.get_mut(..src.len())?.copy_from_slice(src);
        Some(SerialKey {
            len: src.len() as u8,
            bytes,
        })
    }

    /// Back to a serial number.
    pub fn serial(&self) -> SerialNumber {
        use der::Decode;
        let mut der = Vec::with_capacity(2 + usize::from(self.len));
        der.extend_from_slice(&[0x02, self.len]);
        der.extend_from_slice(&self.bytes[..usize::from(self.len)]);
        // The octets came from a SerialNumber, so they decode back; the
        // default is only a formality.
        SerialNumber::from_der(&der).unwrap_or_else(|_| SerialNumber::from(0u8))
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    revoked: Option<(SystemTime, Option<CrlReason>)>,
}

impl Record {
    fn state(&self) -> CertState {
        match self.revoked {
            None => CertState::Good,
            Some((time, reason)) => CertState::Revoked { time, reason },
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    certs: BTreeMap<SerialKey, Record>,
    changes: Vec<SerialKey>,
    crl_number: u64,
}

/// An in-memory [`StatusSource`]: a sorted index of issued serials with
/// their revocation, a change log, and a cRLNumber counter. Nothing is
/// persisted (the counter restarts at the number given to
/// [`MemoryStatus::with_crl_number`]); the store provides the durable one.
#[derive(Debug, Default)]
pub struct MemoryStatus {
    inner: RwLock<Inner>,
}

impl MemoryStatus {
    /// An empty index.
    pub fn new() -> Self {
        MemoryStatus::default()
    }

    /// An empty index whose next cRLNumber is `last + 1`.
    pub fn with_crl_number(last: u64) -> Self {
        let status = MemoryStatus::default();
        status.write().crl_number = last;
        status
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records an issued certificate (status good; a serial already
    /// recorded keeps its status). Returns false for a serial too long to
    /// be ours.
    pub fn issue(&self, serial: &SerialNumber) -> bool {
        let Some(key) = SerialKey::new(serial) else {
            return false;
        };
        self.write()
            .certs
            .entry(key)
            .or_insert(Record { revoked: None });
        true
    }

    /// Records many issued certificates at once (as [`MemoryStatus::issue`]).
    pub fn issue_all<'a>(&self, serials: impl IntoIterator<Item = &'a SerialNumber>) {
        let mut inner = self.write();
        for key in serials.into_iter().filter_map(SerialKey::new) {
            inner.certs.entry(key).or_insert(Record { revoked: None });
        }
    }

    /// Revokes (or, with certificateHold, suspends) an issued certificate.
    /// Returns false when the serial was never issued.
    pub fn revoke(
        &self,
        serial: &SerialNumber,
        time: SystemTime,
        reason: Option<CrlReason>,
    ) -> bool {
        self.set(serial, Some((time, reason)))
    }

    /// Releases a suspended certificate (back to good). Returns false when
    /// the serial was never issued.
    pub fn release(&self, serial: &SerialNumber) -> bool {
        self.set(serial, None)
    }

    fn set(&self, serial: &SerialNumber, revoked: Option<(SystemTime, Option<CrlReason>)>) -> bool {
        let Some(key) = SerialKey::new(serial) else {
            return false;
        };
        let mut inner = self.write();
        let Some(record) = inner.certs.get_mut(&key) else {
            return false;
        };
        record.revoked = revoked;
        inner.changes.push(key);
        true
    }

    /// How many certificates are recorded.
    pub fn len(&self) -> usize {
        self.read().certs.len()
    }

    /// Whether no certificate is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn state(&self, serial: &SerialNumber) -> CertState {
        let Some(key) = SerialKey::new(serial) else {
            return CertState::Unknown;
        };
        self.read()
            .certs
            .get(&key)
            .map_or(CertState::Unknown, Record::state)
    }
}

impl StatusSource for MemoryStatus {
    fn status<'a>(
        &'a self,
        serial: &'a SerialNumber,
    ) -> BoxFuture<'a, Result<CertState, StatusError>> {
        let state = self.state(serial);
        Box::pin(async move { Ok(state) })
    }

    fn revoked(&self) -> BoxFuture<'_, Result<Vec<RevokedEntry>, StatusError>> {
        let entries = self
            .read()
            .certs
            .iter()
            .filter_map(|(key, record)| {
                let (time, reason) = record.revoked?;
                Some(RevokedEntry {
                    serial: key.serial(),
                    revocation_date: time,
                    reason,
                    invalidity_date: None,
                })
            })
            .collect();
        Box::pin(async move { Ok(entries) })
    }

    fn issued_page<'a>(
        &'a self,
        after: Option<&'a SerialNumber>,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<(SerialNumber, CertState)>, StatusError>> {
        use std::ops::Bound;
        let start = match after.map(SerialKey::new) {
            None => Bound::Unbounded,
            Some(Some(key)) => Bound::Excluded(key),
            // Longer than any key: nothing after it.
            Some(None) => return Box::pin(async { Ok(Vec::new()) }),
        };
        let page = self
            .read()
            .certs
            .range((start, Bound::Unbounded))
            .take(limit)
            .map(|(key, record)| (key.serial(), record.state()))
            .collect();
        Box::pin(async move { Ok(page) })
    }

    fn changes_since(&self, cursor: u64) -> BoxFuture<'_, Result<Changes, StatusError>> {
        let inner = self.read();
        let from = usize::try_from(cursor)
            .unwrap_or(usize::MAX)
            .min(inner.changes.len());
        let changes = Changes {
            serials: inner.changes[from..]
                .iter()
                .map(SerialKey::serial)
                .collect(),
            cursor: inner.changes.len() as u64,
        };
        Box::pin(async move { Ok(changes) })
    }

    fn next_crl_number(&self) -> BoxFuture<'_, Result<u64, StatusError>> {
        let mut inner = self.write();
        inner.crl_number += 1;
        let n = inner.crl_number;
        Box::pin(async move { Ok(n) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serial(n: u64) -> SerialNumber {
        SerialNumber::from(n)
    }

    fn block<T>(f: BoxFuture<'_, T>) -> T {
        // The memory source's futures are ready at once.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = f;
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("not ready"),
        }
    }

    #[test]
    fn keys_round_trip_and_order_like_integers() {
        let mut max = [0xff; 20];
        max[0] = 0x7f;
        let big = SerialNumber::new(&max).unwrap();
        for s in [serial(1), serial(0x80), serial(u64::MAX), big.clone()] {
            assert_eq!(SerialKey::new(&s).unwrap().serial(), s);
        }
        let keys: Vec<_> = [serial(0x1000), serial(2), big, serial(0x80)]
            .iter()
            .map(|s| SerialKey::new(s).unwrap())
            .collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(
            sorted.iter().map(SerialKey::serial).collect::<Vec<_>>(),
            vec![
                serial(2),
                serial(0x80),
                serial(0x1000),
                SerialNumber::new(&max).unwrap()
            ]
        );
    }

    #[test]
    fn memory_status_tracks_issue_revoke_release_and_changes() {
        let m = MemoryStatus::new();
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        m.issue_all(&[serial(1), serial(2), serial(3)]);
        assert_eq!(block(m.status(&serial(2))).unwrap(), CertState::Good);
        assert_eq!(block(m.status(&serial(9))).unwrap(), CertState::Unknown);
        assert!(!m.revoke(&serial(9), t, None), "never issued");

        assert!(m.revoke(&serial(2), t, Some(CrlReason::CertificateHold)));
        assert!(m.revoke(&serial(3), t, Some(CrlReason::KeyCompromise)));
        // Recording it as issued again does not undo the revocation.
        assert!(m.issue(&serial(3)));
        assert_eq!(
            block(m.status(&serial(3))).unwrap(),
            CertState::Revoked {
                time: t,
                reason: Some(CrlReason::KeyCompromise)
            }
        );
        let revoked = block(m.revoked()).unwrap();
        assert_eq!(
            revoked.iter().map(|e| e.serial.clone()).collect::<Vec<_>>(),
            vec![serial(2), serial(3)]
        );

        assert!(m.release(&serial(2)));
        assert_eq!(block(m.status(&serial(2))).unwrap(), CertState::Good);
        assert_eq!(block(m.revoked()).unwrap().len(), 1);

        let all = block(m.changes_since(0)).unwrap();
        assert_eq!(all.serials, vec![serial(2), serial(3), serial(2)]);
        assert_eq!(all.cursor, 3);
        assert!(block(m.changes_since(3)).unwrap().serials.is_empty());
        assert_eq!(block(m.changes_since(99)).unwrap().cursor, 3);

        assert_eq!(
            block(m.issued_page(None, 2)).unwrap(),
            vec![(serial(1), CertState::Good), (serial(2), CertState::Good)]
        );
        assert_eq!(
            block(m.issued_page(Some(&serial(2)), 10)).unwrap(),
            vec![(
                serial(3),
                CertState::Revoked {
                    time: t,
                    reason: Some(CrlReason::KeyCompromise)
                }
            )]
        );

        let numbers = MemoryStatus::with_crl_number(41);
        assert_eq!(block(numbers.next_crl_number()).unwrap(), 42);
        assert_eq!(block(numbers.next_crl_number()).unwrap(), 43);
    }
}
