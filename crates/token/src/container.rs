//! The podpis file container: keys and certificates in one file, private
//! keys sealed under a PIN (format: `docs/formats.md`, "File container").
//!
//! * A random 32-byte *master key* seals every private key with AES-256-GCM;
//!   the master key itself is sealed twice, under a key derived from the
//!   user PIN and under one derived from the SO PIN (PUK), with Argon2id.
//!   Changing or unblocking a PIN re-seals the master key only.
//! * The immutable header (magic, version, KDF and AEAD parameters, retry
//!   limit) is associated data of every seal, and a key's id, parameter set,
//!   exportable flag and public key are associated data of its seal: they
//!   cannot be altered without the master key.
//! * Retry counters are written and fsynced **before** a PIN is checked and
//!   reset after a success, so killing the process mid-check gives no free
//!   guess. The user PIN locks after [`ContainerParams::user_max_tries`]
//!   consecutive failures (3 by default, 3–10), the SO PIN after 10.
//! * Every change is written to a temporary file, fsynced, renamed over the
//!   original and the directory fsynced; readers see the old or the new file,
//!   never a torn one. Read-modify-write runs under an exclusive lock on the
//!   sidecar file `<path>.lock`.
//!
//! The container stops online guessing through podpis; a stolen copy of the
//! file is protected only by the Argon2id cost (see the threat model in
//! `docs/formats.md`).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use der::Decode;
use gost::{ParamSet, Signature, SigningKey, VerifyingKey};
use pki::algorithm::DigestAlgorithm;
use pki::{Diagnostic, Signer, SignerError};
use zeroize::Zeroizing;

/// The first eight bytes of every podpis container.
pub const MAGIC: &[u8; 8] = b"PODPISKC";
/// The format version this code writes and reads.
pub const VERSION: u16 = 1;
/// Consecutive wrong SO PINs after which the SO PIN locks for good.
pub const SO_MAX_TRIES: u8 = 10;

const KDF_ARGON2ID: u8 = 1;
const AEAD_AES256GCM: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const MK_LEN: usize = 32;
const CHECKSUM_LEN: usize = 32;
/// magic, version, kdf id, m, t, p, aead id, user max tries.
const HEADER_LEN: usize = 8 + 2 + 1 + 4 + 4 + 4 + 1 + 1;
const ROLE_USER: u8 = 1;
const ROLE_SO: u8 = 2;

/// Why a container operation failed. Never carries a PIN or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContainerError {
    /// The user PIN is wrong; `tries_left` more wrong PINs lock it.
    #[error("wrong PIN; {tries_left} tries left")]
    PinIncorrect {
        /// Wrong PINs left before the PIN locks.
        tries_left: u8,
    },
    /// The user PIN is locked after too many wrong tries.
    #[error("the PIN is locked; unblock it with the SO PIN")]
    PinLocked,
    /// The SO PIN is wrong; `tries_left` more wrong SO PINs lock it.
    #[error("wrong SO PIN; {tries_left} tries left")]
    SoPinIncorrect {
        /// Wrong SO PINs left before the SO PIN locks.
        tries_left: u8,
    },
    /// The SO PIN is locked for good.
    #[error("the SO PIN is locked")]
    SoPinLocked,
    /// The file is damaged (bad checksum, truncated, inconsistent); it was
    /// left untouched.
    #[error("the container file is damaged: {0}")]
    Corrupt(&'static str),
    /// The file is not a podpis container.
    #[error("not a podpis container")]
    Foreign,
    /// The container was written by a newer podpis.
    #[error("container format version {0} is not supported")]
    VersionUnsupported(u16),
    /// The key may not leave the container.
    #[error("key {0} is not exportable")]
    KeyNotExportable(String),
    /// No key with this id is in the container.
    #[error("no key {0} in the container")]
    KeyNotFound(String),
    /// A key with this id is already in the container.
    #[error("a key {0} is already in the container")]
    KeyIdExists(String),
    /// The certificate's public key is not the key's.
    #[error("the certificate does not belong to key {0}")]
    CertificateMismatch(String),
    /// The certificate is not valid DER.
    #[error("the certificate cannot be parsed")]
    CertificateInvalid,
    /// The certificate is for a GOST R 34.10-2001 key, which the container
    /// cannot sign for (it signs with GOST R 34.10-2012 and Streebog).
    #[error("GOST R 34.10-2001 keys and certificates are not supported")]
    Gost2001Unsupported,
    /// Container parameters out of range (e.g. retry limit not in 3–10).
    #[error("invalid container parameters: {0}")]
    InvalidParams(&'static str),
    /// The file already exists (create never overwrites).
    #[error("the container file already exists")]
    AlreadyExists,
    /// A GOST operation failed (key generation, encoding).
    #[error("key operation failed: {0}")]
    Gost(#[from] gost::Error),
    /// The key derivation or sealing primitive failed.
    #[error("cryptographic primitive failed")]
    Crypto,
    /// Reading or writing the file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A test-only failpoint fired (simulated crash).
    #[error("failpoint {0:?} fired")]
    Failpoint(FailPoint),
}

impl Diagnostic for ContainerError {
    fn code(&self) -> &'static str {
        match self {
            ContainerError::PinIncorrect { .. } => "PIN_INCORRECT",
            ContainerError::PinLocked => "PIN_LOCKED",
            ContainerError::SoPinIncorrect { .. } => "SO_PIN_INCORRECT",
            ContainerError::SoPinLocked => "SO_PIN_LOCKED",
            ContainerError::Corrupt(_) => "CONTAINER_CORRUPT",
            ContainerError::Foreign => "CONTAINER_FOREIGN",
            ContainerError::VersionUnsupported(_) => "CONTAINER_VERSION_UNSUPPORTED",
            ContainerError::KeyNotExportable(_) => "KEY_NOT_EXPORTABLE",
            ContainerError::KeyNotFound(_) => "KEY_NOT_FOUND",
            ContainerError::KeyIdExists(_) => "KEY_ID_EXISTS",
            ContainerError::CertificateMismatch(_) => "CERT_KEY_MISMATCH",
            ContainerError::CertificateInvalid => "CERT_INVALID",
            ContainerError::Gost2001Unsupported => "KEY_GOST2001_UNSUPPORTED",
            ContainerError::InvalidParams(_) => "CONTAINER_PARAMS_INVALID",
            ContainerError::AlreadyExists => "CONTAINER_EXISTS",
            ContainerError::Gost(_) | ContainerError::Crypto => "CONTAINER_CRYPTO_FAILED",
            ContainerError::Io(_) => "CONTAINER_IO",
            ContainerError::Failpoint(_) => "CONTAINER_FAILPOINT",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            ContainerError::PinIncorrect { tries_left } => format!(
                "Неверный PIN-код. Осталось попыток: {tries_left}; после этого PIN-код будет заблокирован."
            ),
            ContainerError::PinLocked => "PIN-код заблокирован после нескольких неверных попыток. \
                Разблокируйте его PIN-кодом администратора (SO PIN): `podpis token unblock`."
                .into(),
            ContainerError::SoPinIncorrect { tries_left } => format!(
                "Неверный PIN-код администратора (SO PIN). Осталось попыток: {tries_left}."
            ),
            ContainerError::SoPinLocked => "PIN-код администратора (SO PIN) заблокирован навсегда. \
                Ключи этого контейнера больше нельзя разблокировать: выпустите новые ключи и сертификаты."
                .into(),
            ContainerError::Corrupt(why) => format!(
                "Файл контейнера повреждён ({why}); файл не изменён. Восстановите его из резервной копии."
            ),
            ContainerError::Foreign => "Файл не является контейнером podpis. Проверьте путь к файлу.".into(),
            ContainerError::VersionUnsupported(v) => format!(
                "Версия формата контейнера {v} не поддерживается. Обновите podpis."
            ),
            ContainerError::KeyNotExportable(id) => format!(
                "Ключ {id} помечен как неэкспортируемый и не может быть выгружен из контейнера."
            ),
            ContainerError::KeyNotFound(id) => format!(
                "Ключ {id} не найден в контейнере. Список ключей: `podpis token list`."
            ),
            ContainerError::KeyIdExists(id) => format!(
                "В контейнере уже есть ключ {id}. Выберите другой идентификатор."
            ),
            ContainerError::CertificateMismatch(id) => format!(
                "Открытый ключ сертификата не совпадает с ключом {id}. Выберите сертификат этого ключа."
            ),
            ContainerError::CertificateInvalid => "Сертификат не удаётся разобрать (ожидается X.509 в DER).".into(),
            ContainerError::Gost2001Unsupported => "Ключ и сертификат по ГОСТ Р 34.10-2001 не \
                поддерживаются: podpis подписывает по ГОСТ Р 34.10-2012, и подпись по нему с \
                сертификатом 2001 года не примут. Выпустите ключ и сертификат по ГОСТ Р 34.10-2012."
                .into(),
            ContainerError::InvalidParams(why) => format!("Неверные параметры контейнера: {why}."),
            ContainerError::AlreadyExists => "Файл контейнера уже существует; выберите другой путь.".into(),
            ContainerError::Gost(_) | ContainerError::Crypto => {
                "Ошибка криптографической операции. Повторите попытку; если ошибка повторяется, сообщите о ней.".into()
            }
            ContainerError::Io(e) => format!("Ошибка чтения или записи файла контейнера: {e}. Проверьте права и место на диске."),
            ContainerError::Failpoint(p) => format!("Сработала тестовая точка отказа {p:?}."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            ContainerError::PinIncorrect { tries_left } => {
                format!("Wrong PIN. {tries_left} tries left before the PIN locks.")
            }
            ContainerError::PinLocked => "The PIN is locked after too many wrong tries. \
                Unblock it with the SO PIN: `podpis token unblock`."
                .into(),
            ContainerError::SoPinIncorrect { tries_left } => {
                format!("Wrong SO PIN. {tries_left} tries left before the SO PIN locks for good.")
            }
            ContainerError::SoPinLocked => {
                "The SO PIN is locked for good. The keys in this container \
                can no longer be unblocked: issue new keys and certificates."
                    .into()
            }
            ContainerError::Corrupt(why) => format!(
                "The container file is damaged ({why}); it was left untouched. Restore it from a backup."
            ),
            ContainerError::Foreign => "The file is not a podpis container. Check the path.".into(),
            ContainerError::VersionUnsupported(v) => {
                format!("Container format version {v} is not supported. Upgrade podpis.")
            }
            ContainerError::KeyNotExportable(id) => {
                format!("Key {id} is marked non-exportable and cannot leave the container.")
            }
            ContainerError::KeyNotFound(id) => {
                format!("No key {id} in the container. List the keys with `podpis token list`.")
            }
            ContainerError::KeyIdExists(id) => {
                format!("A key {id} is already in the container. Pick another id.")
            }
            ContainerError::CertificateMismatch(id) => format!(
                "The certificate's public key is not key {id}'s. Pick this key's certificate."
            ),
            ContainerError::CertificateInvalid => {
                "The certificate cannot be parsed (expected DER X.509).".into()
            }
            ContainerError::Gost2001Unsupported => "GOST R 34.10-2001 keys and certificates are \
                not supported: podpis signs with GOST R 34.10-2012, and peers reject such a \
                signature under a 2001 certificate. Issue a GOST R 34.10-2012 key and certificate."
                .into(),
            ContainerError::InvalidParams(why) => format!("Invalid container parameters: {why}."),
            ContainerError::AlreadyExists => {
                "The container file already exists; pick another path.".into()
            }
            ContainerError::Gost(_) | ContainerError::Crypto => {
                "A cryptographic operation failed. Retry; if it persists, report it.".into()
            }
            ContainerError::Io(e) => format!(
                "Reading or writing the container failed: {e}. Check permissions and free space."
            ),
            ContainerError::Failpoint(p) => format!("Test failpoint {p:?} fired."),
        }
    }
}

/// A step of the crash-safe write at which a test can simulate a crash.
/// The write stops there and leaves whatever is on disk, as a crash would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailPoint {
    /// The temporary file is written but not yet fsynced.
    AfterTempWrite,
    /// Just before the temporary file is fsynced (same state as above, kept
    /// distinct so a test names the step it means).
    BeforeFsync,
    /// The temporary file is fsynced, not yet renamed over the original.
    BeforeRename,
    /// Renamed, the directory not yet fsynced.
    BeforeDirFsync,
}

/// Argon2id cost and retry policy of a container; stored in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContainerParams {
    /// Argon2id memory in KiB.
    pub m_cost_kib: u32,
    /// Argon2id passes.
    pub t_cost: u32,
    /// Argon2id lanes.
    pub p_cost: u32,
    /// Consecutive wrong user PINs that lock the PIN (3–10).
    pub user_max_tries: u8,
}

impl Default for ContainerParams {
    /// m = 64 MiB, t = 3, p = 1 (about 0.2–0.5 s on a desktop), 3 tries.
    fn default() -> Self {
        ContainerParams {
            m_cost_kib: 64 * 1024,
            t_cost: 3,
            p_cost: 1,
            user_max_tries: 3,
        }
    }
}

impl ContainerParams {
    /// Deliberately cheap KDF parameters (m = 8 KiB, t = 1) for tests:
    /// a container made with them falls to an offline guesser in no time.
    pub fn insecure_for_tests() -> Self {
        ContainerParams {
            m_cost_kib: 8,
            t_cost: 1,
            p_cost: 1,
            user_max_tries: 3,
        }
    }

    /// The same parameters with another user PIN retry limit.
    pub fn with_user_max_tries(mut self, tries: u8) -> Self {
        self.user_max_tries = tries;
        self
    }

    fn validate(&self) -> Result<(), ContainerError> {
        if !(3..=10).contains(&self.user_max_tries) {
            return Err(ContainerError::InvalidParams(
                "user PIN tries must be 3 to 10",
            ));
        }
        argon2::Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(MK_LEN))
            .map_err(|_| ContainerError::InvalidParams("Argon2id parameters out of range"))?;
        Ok(())
    }
}

/// What [`Container::keys`] shows about a key without a PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's id in the container (16 hex digits).
    pub id: String,
    /// A free-form label.
    pub label: String,
    /// The key's parameter set.
    pub param_set: ParamSet,
    /// Whether [`Session::export_key`] may hand the key out.
    pub exportable: bool,
    /// The stored certificate's subject (RFC 4514), if any.
    pub subject: Option<String>,
    /// The stored certificate's notAfter, if any.
    pub not_after: Option<SystemTime>,
    /// The public key, `LE(x) ‖ LE(y)` as [`VerifyingKey::to_le_bytes`]
    /// writes it.
    pub public_key: Vec<u8>,
    /// The stored certificate (DER), if any.
    pub certificate: Option<Vec<u8>>,
}

#[derive(Clone)]
struct Wrap {
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    ct: Vec<u8>,
}

#[derive(Clone)]
struct KeyRecord {
    id: String,
    label: String,
    param_set: ParamSet,
    exportable: bool,
    public: Vec<u8>,
    nonce: [u8; NONCE_LEN],
    ct: Vec<u8>,
    cert: Vec<u8>,
}

#[derive(Clone)]
struct Body {
    params: ContainerParams,
    user_fail: u8,
    so_fail: u8,
    user_wrap: Wrap,
    so_wrap: Wrap,
    keys: Vec<KeyRecord>,
}

/// An opened container file; reads need no PIN.
pub struct Container {
    path: PathBuf,
    params: ContainerParams,
    failpoint: Option<FailPoint>,
}

impl fmt::Debug for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Container")
            .field("path", &self.path)
            .field("params", &self.params)
            .finish()
    }
}

/// An unlocked container: holds the master key (zeroized on drop).
pub struct Session {
    path: PathBuf,
    mk: Zeroizing<[u8; MK_LEN]>,
    failpoint: Option<FailPoint>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("path", &self.path)
            .field("master_key", &"<redacted>")
            .finish()
    }
}

fn random<const N: usize>() -> Result<[u8; N], ContainerError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| ContainerError::Crypto)?;
    Ok(b)
}

fn header_bytes(p: &ContainerParams) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&VERSION.to_be_bytes());
    h.push(KDF_ARGON2ID);
    h.extend_from_slice(&p.m_cost_kib.to_be_bytes());
    h.extend_from_slice(&p.t_cost.to_be_bytes());
    h.extend_from_slice(&p.p_cost.to_be_bytes());
    h.push(AEAD_AES256GCM);
    h.push(p.user_max_tries);
    h
}

fn derive(
    p: &ContainerParams,
    pin: &[u8],
    salt: &[u8],
) -> Result<Zeroizing<[u8; MK_LEN]>, ContainerError> {
    let params = argon2::Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(MK_LEN))
        .map_err(|_| ContainerError::Corrupt("Argon2id parameters out of range"))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; MK_LEN]);
    a.hash_password_into(pin, salt, out.as_mut())
        .map_err(|_| ContainerError::Crypto)?;
    Ok(out)
}

fn seal(
    key: &[u8; MK_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, ContainerError> {
    let c = Aes256Gcm::new_from_slice(key).map_err(|_| ContainerError::Crypto)?;
    let n = Nonce::try_from(&nonce[..]).map_err(|_| ContainerError::Crypto)?;
    c.encrypt(&n, Payload { msg, aad })
        .map_err(|_| ContainerError::Crypto)
}

fn open_seal(
    key: &[u8; MK_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ct: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let c = Aes256Gcm::new_from_slice(key).ok()?;
    let n = Nonce::try_from(&nonce[..]).ok()?;
    c.decrypt(&n, Payload { msg: ct, aad })
        .ok()
        .map(Zeroizing::new)
}

fn wrap_aad(p: &ContainerParams, role: u8, salt: &[u8]) -> Vec<u8> {
    let mut a = header_bytes(p);
    a.push(role);
    a.extend_from_slice(salt);
    a
}

fn key_aad(p: &ContainerParams, k: &KeyRecord) -> Vec<u8> {
    let mut a = header_bytes(p);
    put_bytes(&mut a, k.id.as_bytes());
    put_bytes(&mut a, k.param_set.label().as_bytes());
    a.push(u8::from(k.exportable));
    put_bytes(&mut a, &k.public);
    a
}

fn make_wrap(
    p: &ContainerParams,
    role: u8,
    pin: &[u8],
    mk: &[u8; MK_LEN],
) -> Result<Wrap, ContainerError> {
    let salt = random::<SALT_LEN>()?;
    let nonce = random::<NONCE_LEN>()?;
    let kek = derive(p, pin, &salt)?;
    let ct = seal(&kek, &nonce, &wrap_aad(p, role, &salt), mk)?;
    Ok(Wrap { salt, nonce, ct })
}

fn unwrap_mk(
    p: &ContainerParams,
    role: u8,
    pin: &[u8],
    w: &Wrap,
) -> Result<Option<Zeroizing<[u8; MK_LEN]>>, ContainerError> {
    let kek = derive(p, pin, &w.salt)?;
    Ok(
        open_seal(&kek, &w.nonce, &wrap_aad(p, role, &w.salt), &w.ct).and_then(|v| {
            let arr: [u8; MK_LEN] = v.as_slice().try_into().ok()?;
            Some(Zeroizing::new(arr))
        }),
    )
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    // Lengths are bounded by what podpis writes (certificates, labels).
    let len = u32::try_from(b.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b);
}

fn serialize(b: &Body) -> Vec<u8> {
    let mut out = header_bytes(&b.params);
    out.push(b.user_fail);
    out.push(b.so_fail);
    for w in [&b.user_wrap, &b.so_wrap] {
        out.extend_from_slice(&w.salt);
        out.extend_from_slice(&w.nonce);
        put_bytes(&mut out, &w.ct);
    }
    out.extend_from_slice(
        &u32::try_from(b.keys.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    for k in &b.keys {
        put_bytes(&mut out, k.id.as_bytes());
        put_bytes(&mut out, k.label.as_bytes());
        put_bytes(&mut out, k.param_set.label().as_bytes());
        out.push(u8::from(k.exportable));
        put_bytes(&mut out, &k.public);
        out.extend_from_slice(&k.nonce);
        put_bytes(&mut out, &k.ct);
        put_bytes(&mut out, &k.cert);
    }
    let sum = DigestAlgorithm::Streebog256.digest(&out);
    out.extend_from_slice(&sum);
    out
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ContainerError> {
        if self.b.len() < n {
            return Err(ContainerError::Corrupt("truncated"));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], ContainerError> {
        let s = self.take(N)?;
        s.try_into()
            .map_err(|_| ContainerError::Corrupt("truncated"))
    }
    fn u8(&mut self) -> Result<u8, ContainerError> {
        Ok(self.arr::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, ContainerError> {
        Ok(u32::from_be_bytes(self.arr()?))
    }
    fn bytes(&mut self) -> Result<&'a [u8], ContainerError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, ContainerError> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| ContainerError::Corrupt("bad UTF-8"))
    }
}

/// Parses the header only: magic, version, parameters.
fn parse_header(data: &[u8]) -> Result<ContainerParams, ContainerError> {
    if data.len() < MAGIC.len() || &data[..MAGIC.len()] != MAGIC {
        return Err(ContainerError::Foreign);
    }
    let mut r = Reader {
        b: &data[MAGIC.len()..],
    };
    let version = u16::from_be_bytes(r.arr()?);
    if version != VERSION {
        return Err(ContainerError::VersionUnsupported(version));
    }
    if r.u8()? != KDF_ARGON2ID {
        return Err(ContainerError::Corrupt("unknown KDF"));
    }
    let m_cost_kib = r.u32()?;
    let t_cost = r.u32()?;
    let p_cost = r.u32()?;
    if r.u8()? != AEAD_AES256GCM {
        return Err(ContainerError::Corrupt("unknown AEAD"));
    }
    let user_max_tries = r.u8()?;
    let p = ContainerParams {
        m_cost_kib,
        t_cost,
        p_cost,
        user_max_tries,
    };
    p.validate()
        .map_err(|_| ContainerError::Corrupt("parameters out of range"))?;
    Ok(p)
}

fn parse(data: &[u8]) -> Result<Body, ContainerError> {
    let params = parse_header(data)?;
    if data.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(ContainerError::Corrupt("truncated"));
    }
    let (content, sum) = data.split_at(data.len() - CHECKSUM_LEN);
    if DigestAlgorithm::Streebog256.digest(content) != sum {
        return Err(ContainerError::Corrupt("checksum mismatch"));
    }
    let mut r = Reader {
        b: &content[HEADER_LEN..],
    };
    let user_fail = r.u8()?;
    let so_fail = r.u8()?;
    let mut wraps = Vec::with_capacity(2);
    for _ in 0..2 {
        let salt = r.arr()?;
        let nonce = r.arr()?;
        let ct = r.bytes()?.to_vec();
        if ct.len() != MK_LEN + TAG_LEN {
            return Err(ContainerError::Corrupt("bad PIN record"));
        }
        wraps.push(Wrap { salt, nonce, ct });
    }
    let so_wrap = wraps
        .pop()
        .ok_or(ContainerError::Corrupt("bad PIN record"))?;
    let user_wrap = wraps
        .pop()
        .ok_or(ContainerError::Corrupt("bad PIN record"))?;
    let n = r.u32()?;
    let mut keys = Vec::new();
    for _ in 0..n {
        let id = r.string()?;
        let label = r.string()?;
        let param_set = ParamSet::from_label(&r.string()?)
            .ok_or(ContainerError::Corrupt("unknown parameter set"))?;
        let exportable = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(ContainerError::Corrupt("bad exportable flag")),
        };
        let public = r.bytes()?.to_vec();
        let nonce = r.arr()?;
        let ct = r.bytes()?.to_vec();
        let cert = r.bytes()?.to_vec();
        keys.push(KeyRecord {
            id,
            label,
            param_set,
            exportable,
            public,
            nonce,
            ct,
            cert,
        });
    }
    if !r.b.is_empty() {
        return Err(ContainerError::Corrupt("trailing bytes"));
    }
    Ok(Body {
        params,
        user_fail,
        so_fail,
        user_wrap,
        so_wrap,
        keys,
    })
}

fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

/// Holds the exclusive lock on `<path>.lock` until dropped.
struct LockGuard(File);

impl LockGuard {
    fn acquire(path: &Path) -> Result<LockGuard, ContainerError> {
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(path))?;
        f.lock()?;
        Ok(LockGuard(f))
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn fail(fp: Option<FailPoint>, at: FailPoint) -> Result<(), ContainerError> {
    if fp == Some(at) {
        return Err(ContainerError::Failpoint(at));
    }
    Ok(())
}

/// write temp + fsync + rename + fsync(dir); the original is never written
/// in place.
fn write_atomic(path: &Path, data: &[u8], fp: Option<FailPoint>) -> Result<(), ContainerError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut options = OpenOptions::new();
        options.create(true).truncate(true).write(true);
        // The container holds encrypted keys and the PIN counters: readable
        // by its owner only, on every rewrite.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        f.write_all(data)?;
        fail(fp, FailPoint::AfterTempWrite)?;
        fail(fp, FailPoint::BeforeFsync)?;
        f.sync_all()?;
        drop(f);
        fail(fp, FailPoint::BeforeRename)?;
        fs::rename(&tmp, path)?;
        fail(fp, FailPoint::BeforeDirFsync)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if matches!(&result, Err(e) if !matches!(e, ContainerError::Failpoint(_))) {
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn read_body(path: &Path) -> Result<Body, ContainerError> {
    parse(&fs::read(path)?)
}

fn new_key_id() -> Result<String, ContainerError> {
    let b = random::<8>()?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

fn key_info(k: &KeyRecord) -> KeyInfo {
    let cert = (!k.cert.is_empty())
        .then(|| x509_cert::Certificate::from_der(&k.cert).ok())
        .flatten();
    KeyInfo {
        id: k.id.clone(),
        label: k.label.clone(),
        param_set: k.param_set,
        exportable: k.exportable,
        subject: cert
            .as_ref()
            .map(|c| c.tbs_certificate().subject().to_string()),
        not_after: cert
            .as_ref()
            .map(|c| c.tbs_certificate().validity().not_after.to_system_time()),
        public_key: k.public.clone(),
        certificate: (!k.cert.is_empty()).then(|| k.cert.clone()),
    }
}

impl Container {
    /// Creates a new container at `path` (fails if the file exists) with the
    /// given user PIN, SO PIN and parameters.
    pub fn create(
        path: impl AsRef<Path>,
        user_pin: &str,
        so_pin: &str,
        params: ContainerParams,
    ) -> Result<Container, ContainerError> {
        let path = path.as_ref();
        params.validate()?;
        let _lock = LockGuard::acquire(path)?;
        if path.exists() {
            return Err(ContainerError::AlreadyExists);
        }
        let mk = Zeroizing::new(random::<MK_LEN>()?);
        let body = Body {
            params,
            user_fail: 0,
            so_fail: 0,
            user_wrap: make_wrap(&params, ROLE_USER, user_pin.as_bytes(), &mk)?,
            so_wrap: make_wrap(&params, ROLE_SO, so_pin.as_bytes(), &mk)?,
            keys: Vec::new(),
        };
        write_atomic(path, &serialize(&body), None)?;
        Ok(Container {
            path: path.to_owned(),
            params,
            failpoint: None,
        })
    }

    /// Opens a container: reads and checks the header only, asks no PIN.
    pub fn open(path: impl AsRef<Path>) -> Result<Container, ContainerError> {
        let path = path.as_ref();
        let data = fs::read(path)?;
        let params = parse_header(&data)?;
        Ok(Container {
            path: path.to_owned(),
            params,
            failpoint: None,
        })
    }

    /// Makes every later write of this container (and of sessions it opens)
    /// stop at `point`, as a crash would. For crash-safety tests.
    #[doc(hidden)]
    pub fn set_failpoint(&mut self, point: Option<FailPoint>) {
        self.failpoint = point;
    }

    /// The path of the container file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The parameters stored in the header.
    pub fn params(&self) -> ContainerParams {
        self.params
    }

    /// The keys in the container (no PIN needed: public data only).
    pub fn keys(&self) -> Result<Vec<KeyInfo>, ContainerError> {
        Ok(read_body(&self.path)?.keys.iter().map(key_info).collect())
    }

    /// Wrong user PINs left before the PIN locks (0 = locked).
    pub fn user_tries_left(&self) -> Result<u8, ContainerError> {
        let b = read_body(&self.path)?;
        Ok(b.params.user_max_tries.saturating_sub(b.user_fail))
    }

    /// Wrong SO PINs left before the SO PIN locks (0 = locked).
    pub fn so_tries_left(&self) -> Result<u8, ContainerError> {
        Ok(SO_MAX_TRIES.saturating_sub(read_body(&self.path)?.so_fail))
    }

    /// Checks a PIN with the counter persisted first: increment + fsync,
    /// check, reset on success. Runs under the lock; returns the master key
    /// and the body as read.
    fn check_pin(
        &self,
        role: u8,
        pin: &str,
    ) -> Result<(Zeroizing<[u8; MK_LEN]>, Body), ContainerError> {
        let mut body = read_body(&self.path)?;
        let (fails, max) = match role {
            ROLE_USER => (body.user_fail, body.params.user_max_tries),
            _ => (body.so_fail, SO_MAX_TRIES),
        };
        if fails >= max {
            return Err(match role {
                ROLE_USER => ContainerError::PinLocked,
                _ => ContainerError::SoPinLocked,
            });
        }
        let fails = fails + 1;
        match role {
            ROLE_USER => body.user_fail = fails,
            _ => body.so_fail = fails,
        }
        write_atomic(&self.path, &serialize(&body), self.failpoint)?;
        let wrap = if role == ROLE_USER {
            &body.user_wrap
        } else {
            &body.so_wrap
        };
        match unwrap_mk(&body.params, role, pin.as_bytes(), wrap)? {
            Some(mk) => {
                match role {
                    ROLE_USER => body.user_fail = 0,
                    _ => body.so_fail = 0,
                }
                write_atomic(&self.path, &serialize(&body), self.failpoint)?;
                Ok((mk, body))
            }
            None => {
                let tries_left = max - fails;
                Err(match (role, tries_left) {
                    (ROLE_USER, 0) => ContainerError::PinLocked,
                    (ROLE_USER, _) => ContainerError::PinIncorrect { tries_left },
                    (_, 0) => ContainerError::SoPinLocked,
                    _ => ContainerError::SoPinIncorrect { tries_left },
                })
            }
        }
    }

    /// Unlocks the container with the user PIN.
    pub fn login(&self, user_pin: &str) -> Result<Session, ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        let (mk, _) = self.check_pin(ROLE_USER, user_pin)?;
        Ok(Session {
            path: self.path.clone(),
            mk,
            failpoint: self.failpoint,
        })
    }

    /// Checks the SO PIN (counted like every PIN check) without changing
    /// anything else; for a PKCS#11 SO login, which holds the PIN until
    /// logout and calls [`Container::unblock`] or
    /// [`Container::change_so_pin`] with it.
    pub fn verify_so_pin(&self, so_pin: &str) -> Result<(), ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        self.check_pin(ROLE_SO, so_pin).map(|_| ())
    }

    /// Changes the user PIN (the old one is checked and counted).
    pub fn change_pin(&self, old_pin: &str, new_pin: &str) -> Result<(), ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        let (mk, mut body) = self.check_pin(ROLE_USER, old_pin)?;
        body.user_wrap = make_wrap(&body.params, ROLE_USER, new_pin.as_bytes(), &mk)?;
        write_atomic(&self.path, &serialize(&body), self.failpoint)
    }

    /// Changes the SO PIN (the old one is checked and counted).
    pub fn change_so_pin(&self, old_so_pin: &str, new_so_pin: &str) -> Result<(), ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        let (mk, mut body) = self.check_pin(ROLE_SO, old_so_pin)?;
        body.so_wrap = make_wrap(&body.params, ROLE_SO, new_so_pin.as_bytes(), &mk)?;
        write_atomic(&self.path, &serialize(&body), self.failpoint)
    }

    /// Unblocks the user PIN with the SO PIN and sets `new_user_pin`.
    pub fn unblock(&self, so_pin: &str, new_user_pin: &str) -> Result<(), ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        let (mk, mut body) = self.check_pin(ROLE_SO, so_pin)?;
        body.user_wrap = make_wrap(&body.params, ROLE_USER, new_user_pin.as_bytes(), &mk)?;
        body.user_fail = 0;
        write_atomic(&self.path, &serialize(&body), self.failpoint)
    }
}

impl Session {
    /// Makes every later write of this session stop at `point`.
    #[doc(hidden)]
    pub fn set_failpoint(&mut self, point: Option<FailPoint>) {
        self.failpoint = point;
    }

    /// Runs a read-modify-write of the container under the lock.
    fn modify<T>(
        &self,
        f: impl FnOnce(&mut Body) -> Result<T, ContainerError>,
    ) -> Result<T, ContainerError> {
        let _lock = LockGuard::acquire(&self.path)?;
        let mut body = read_body(&self.path)?;
        let out = f(&mut body)?;
        write_atomic(&self.path, &serialize(&body), self.failpoint)?;
        Ok(out)
    }

    /// The keys in the container.
    pub fn keys(&self) -> Result<Vec<KeyInfo>, ContainerError> {
        Ok(read_body(&self.path)?.keys.iter().map(key_info).collect())
    }

    fn add_key(
        &self,
        key: &SigningKey,
        id: Option<&str>,
        label: &str,
        exportable: bool,
        cert_der: Option<&[u8]>,
    ) -> Result<String, ContainerError> {
        let secret = key.to_le_bytes();
        let public = key.verifying_key().to_le_bytes();
        if let Some(der) = cert_der {
            let (param_set, cert_public) = certificate_key(der, "new key")?;
            if param_set != key.param_set() || cert_public != public {
                return Err(ContainerError::CertificateMismatch("new key".to_owned()));
            }
        }
        self.modify(|body| {
            let id = match id {
                Some(id) if body.keys.iter().any(|k| k.id == id) => {
                    return Err(ContainerError::KeyIdExists(id.to_owned()));
                }
                Some(id) => id.to_owned(),
                None => new_key_id()?,
            };
            let mut rec = KeyRecord {
                id,
                label: label.to_owned(),
                param_set: key.param_set(),
                exportable,
                public: public.clone(),
                nonce: random()?,
                ct: Vec::new(),
                cert: cert_der.map(<[u8]>::to_vec).unwrap_or_default(),
            };
            rec.ct = seal(&self.mk, &rec.nonce, &key_aad(&body.params, &rec), &secret)?;
            let id = rec.id.clone();
            body.keys.push(rec);
            Ok(id)
        })
    }

    /// Generates a key in the container; returns its id.
    pub fn generate_key(
        &self,
        param_set: ParamSet,
        label: &str,
        exportable: bool,
    ) -> Result<String, ContainerError> {
        let key = SigningKey::generate(param_set)?;
        self.add_key(&key, None, label, exportable, None)
    }

    /// Generates a key under a chosen id (1 to 64 octets written as
    /// lowercase hex, as a PKCS#11 `CKA_ID` maps to it); fails with
    /// [`ContainerError::KeyIdExists`] if the id is taken.
    pub fn generate_key_with_id(
        &self,
        param_set: ParamSet,
        id: &str,
        label: &str,
        exportable: bool,
    ) -> Result<(), ContainerError> {
        let hex = id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex || id.is_empty() || id.len() > 128 || !id.len().is_multiple_of(2) {
            return Err(ContainerError::InvalidParams(
                "a key id is 1 to 64 octets in lowercase hex",
            ));
        }
        let key = SigningKey::generate(param_set)?;
        self.add_key(&key, Some(id), label, exportable, None)
            .map(|_| ())
    }

    /// Imports a key; returns its id.
    pub fn import_key(
        &self,
        key: &SigningKey,
        label: &str,
        exportable: bool,
    ) -> Result<String, ContainerError> {
        self.add_key(key, None, label, exportable, None)
    }

    /// Imports a key together with its certificate (DER) in one write, so
    /// a crash leaves either both or neither; returns the key's id. The
    /// certificate's public key must be the key's.
    pub fn import_key_with_certificate(
        &self,
        key: &SigningKey,
        cert_der: &[u8],
        label: &str,
        exportable: bool,
    ) -> Result<String, ContainerError> {
        self.add_key(key, None, label, exportable, Some(cert_der))
    }

    /// Stores (or replaces) the certificate of key `id`; its public key must
    /// be the key's.
    pub fn store_certificate(&self, id: &str, cert_der: &[u8]) -> Result<(), ContainerError> {
        let (param_set, cert_public) = certificate_key(cert_der, id)?;
        self.modify(|body| {
            let rec = body
                .keys
                .iter_mut()
                .find(|k| k.id == id)
                .ok_or_else(|| ContainerError::KeyNotFound(id.to_owned()))?;
            if param_set != rec.param_set || cert_public != rec.public {
                return Err(ContainerError::CertificateMismatch(id.to_owned()));
            }
            rec.cert = cert_der.to_vec();
            Ok(())
        })
    }

    /// The stored certificate (DER) of key `id`, if any.
    pub fn certificate(&self, id: &str) -> Result<Option<Vec<u8>>, ContainerError> {
        let body = read_body(&self.path)?;
        let rec = find(&body, id)?;
        Ok((!rec.cert.is_empty()).then(|| rec.cert.clone()))
    }

    fn load_key(&self, id: &str) -> Result<(SigningKey, bool), ContainerError> {
        let body = read_body(&self.path)?;
        let rec = find(&body, id)?;
        let secret = open_seal(&self.mk, &rec.nonce, &key_aad(&body.params, rec), &rec.ct)
            .ok_or(ContainerError::Corrupt("key record fails authentication"))?;
        let key = SigningKey::from_le_bytes(rec.param_set, &secret)?;
        Ok((key, rec.exportable))
    }

    /// Exports key `id` as PKCS#8 DER; refused for non-exportable keys.
    pub fn export_key(&self, id: &str) -> Result<Zeroizing<Vec<u8>>, ContainerError> {
        let (key, exportable) = self.load_key(id)?;
        if !exportable {
            return Err(ContainerError::KeyNotExportable(id.to_owned()));
        }
        Ok(key.to_pkcs8_der()?)
    }

    /// A [`pki::Signer`] for key `id`.
    pub fn signer(&self, id: &str) -> Result<ContainerSigner, ContainerError> {
        let (key, _) = self.load_key(id)?;
        let public = key.verifying_key();
        let certificate = self.certificate(id)?;
        Ok(ContainerSigner {
            id: id.to_owned(),
            key,
            public,
            certificate,
        })
    }
}

/// GOST R 34.10-2001 key algorithms (RFC 4357 §10.4): signature and DH.
const GOST2001_KEY_OIDS: [&str; 2] = ["1.2.643.2.2.19", "1.2.643.2.2.98"];

/// The parameter set and public key (LE x ‖ LE y) of a DER certificate;
/// `id` names the key in the mismatch error. A GOST R 34.10-2001
/// certificate is refused: the container signs with GOST R 34.10-2012 and
/// Streebog, which peers do not accept under a 2001 certificate.
fn certificate_key(cert_der: &[u8], id: &str) -> Result<(ParamSet, Vec<u8>), ContainerError> {
    let cert = x509_cert::Certificate::from_der(cert_der)
        .map_err(|_| ContainerError::CertificateInvalid)?;
    let info = cert.tbs_certificate().subject_public_key_info();
    if GOST2001_KEY_OIDS.contains(&info.algorithm.oid.to_string().as_str()) {
        return Err(ContainerError::Gost2001Unsupported);
    }
    let spki = der::Encode::to_der(info).map_err(|_| ContainerError::CertificateInvalid)?;
    let cert_key = VerifyingKey::from_public_key_der(&spki)
        .map_err(|_| ContainerError::CertificateMismatch(id.to_owned()))?;
    Ok((cert_key.param_set(), cert_key.to_le_bytes()))
}

fn find<'a>(body: &'a Body, id: &str) -> Result<&'a KeyRecord, ContainerError> {
    body.keys
        .iter()
        .find(|k| k.id == id)
        .ok_or_else(|| ContainerError::KeyNotFound(id.to_owned()))
}

/// A key of an unlocked container, usable wherever a [`pki::Signer`] is.
pub struct ContainerSigner {
    id: String,
    key: SigningKey,
    public: VerifyingKey,
    certificate: Option<Vec<u8>>,
}

impl ContainerSigner {
    /// The key's id in the container.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for ContainerSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContainerSigner")
            .field("id", &self.id)
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Signer for ContainerSigner {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate.as_deref()
    }

    fn sign_digest(&self, digest: &[u8]) -> Result<Signature, SignerError> {
        Ok(self.key.sign_digest(digest)?)
    }
}
