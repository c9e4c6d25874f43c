//! CryptoPro CSP's own key formats, read so that keys made by CryptoPro can
//! move into a podpis container:
//!
//! * **Key-container folders** (the HDIMAGE / flash-drive form, `NAME.000`):
//!   `header.key` (key parameters, public-key fingerprints, certificates),
//!   `masks.key` (mask and salt), `primary.key` (the masked keys, encrypted
//!   under a key derived from the password), `name.key` (the container
//!   name) and the reserve copies `masks2.key` / `primary2.key`. Read with
//!   [`read_container_dir`] or [`read_container`].
//! * **PFX key bags** under CryptoPro's PBE 1.2.840.113549.1.12.1.80, read
//!   by [`crate::pfx`] through this module.
//!
//! Neither format is published by CryptoPro. The constructions here follow
//! public descriptions (sources in `docs/formats.md`) and are checked
//! against real CryptoPro CSP and JCP files: every key read must match the
//! public key CryptoPro stored next to it.
//!
//! The password (PIN) is never stored, logged or put into an error; derived
//! keys and unmasked scalars are wiped on drop.

mod asn1;
mod kdf;
pub(crate) mod pfx;

use std::path::Path;

use der::{Decode, Encode};
use gost::{SigningKey, VerifyingKey};
use pki::Diagnostic;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::gost89::{Gost89, Sbox};
use asn1::{
    AlgorithmError, Generation, Header, KeyAlgorithm, Masks, Primary, PrivateKeyParameters,
};

/// Why a CryptoPro key container could not be read. Never carries the
/// password or key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoProError {
    /// A file the container needs is not in the folder.
    #[error("the CryptoPro container has no {file}")]
    FileMissing {
        /// The missing file's name.
        file: &'static str,
    },
    /// A file could not be read.
    #[error("cannot read {file} of the CryptoPro container: {source}")]
    Io {
        /// The file's name.
        file: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is damaged or not what CryptoPro writes.
    #[error("{file} of the CryptoPro container is damaged: {what}")]
    Malformed {
        /// The file's name.
        file: &'static str,
        /// What could not be read.
        what: &'static str,
    },
    /// The container uses a format version, algorithm or parameter set
    /// podpis does not know.
    #[error("unsupported CryptoPro container: {what}")]
    Unsupported {
        /// What is not supported (an OID or a description).
        what: String,
    },
    /// The key decrypted with this password does not match the public key
    /// the container records: the password is wrong (or primary.key and
    /// its reserve copy are both damaged).
    #[error("wrong password for the CryptoPro container")]
    PasswordIncorrect,
    /// The key read does not match the certificate stored with it.
    #[error("the certificate in the CryptoPro container does not match its key")]
    CertificateMismatch,
    /// The key read is not a usable GOST key.
    #[error("the key in the CryptoPro container is not usable: {0}")]
    Key(#[source] gost::Error),
}

impl Diagnostic for CryptoProError {
    fn code(&self) -> &'static str {
        match self {
            CryptoProError::FileMissing { .. } => "CRYPTOPRO_FILE_MISSING",
            CryptoProError::Io { .. } => "CRYPTOPRO_IO",
            CryptoProError::Malformed { .. } => "CRYPTOPRO_MALFORMED",
            CryptoProError::Unsupported { .. } => "CRYPTOPRO_UNSUPPORTED",
            CryptoProError::PasswordIncorrect => "CRYPTOPRO_PASSWORD_INCORRECT",
            CryptoProError::CertificateMismatch => "CRYPTOPRO_CERT_MISMATCH",
            CryptoProError::Key(_) => "CRYPTOPRO_KEY_INVALID",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            CryptoProError::FileMissing { file } => format!(
                "В папке контейнера КриптоПро нет файла {file}. Укажите папку контейнера целиком \
                 (NAME.000 с файлами header.key, masks.key, primary.key)."
            ),
            CryptoProError::Io { file, source } => format!(
                "Не удалось прочитать файл {file} контейнера КриптоПро: {source}. Проверьте права \
                 доступа."
            ),
            CryptoProError::Malformed { file, what } => format!(
                "Файл {file} контейнера КриптоПро повреждён ({what}). Скопируйте контейнер заново \
                 или экспортируйте ключ в PFX средствами КриптоПро."
            ),
            CryptoProError::Unsupported { what } => format!(
                "Контейнер КриптоПро этого вида не поддерживается ({what}). Экспортируйте ключ в \
                 PFX средствами КриптоПро и импортируйте PFX."
            ),
            CryptoProError::PasswordIncorrect => "Неверный пароль (PIN-код) контейнера КриптоПро. \
                Введите пароль, заданный при создании контейнера; у контейнера без пароля \
                оставьте пароль пустым."
                .to_owned(),
            CryptoProError::CertificateMismatch => "Сертификат в контейнере КриптоПро не \
                соответствует его ключу: контейнер повреждён или собран из частей разных \
                контейнеров."
                .to_owned(),
            CryptoProError::Key(e) => format!(
                "Ключ в контейнере КриптоПро непригоден ({e}). Контейнер повреждён; восстановите \
                 его из резервной копии."
            ),
        }
    }

    fn message_en(&self) -> String {
        match self {
            CryptoProError::FileMissing { file } => format!(
                "The CryptoPro container folder has no {file}. Pass the whole container folder \
                 (NAME.000 with header.key, masks.key, primary.key)."
            ),
            CryptoProError::Io { file, source } => format!(
                "Cannot read {file} of the CryptoPro container: {source}. Check permissions."
            ),
            CryptoProError::Malformed { file, what } => format!(
                "{file} of the CryptoPro container is damaged ({what}). Copy the container again \
                 or export the key to a PFX with CryptoPro."
            ),
            CryptoProError::Unsupported { what } => format!(
                "This kind of CryptoPro container is not supported ({what}). Export the key to a \
                 PFX with CryptoPro and import the PFX."
            ),
            CryptoProError::PasswordIncorrect => "Wrong password (PIN) for the CryptoPro \
                container. Enter the password set when the container was made; leave it empty \
                for a container without one."
                .to_owned(),
            CryptoProError::CertificateMismatch => "The certificate in the CryptoPro container \
                does not match its key: the container is damaged or put together from parts of \
                different containers."
                .to_owned(),
            CryptoProError::Key(e) => format!(
                "The key in the CryptoPro container is not usable ({e}). The container is \
                 damaged; restore it from a backup."
            ),
        }
    }
}

/// The two key slots of a CryptoPro container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySpec {
    /// AT_KEYEXCHANGE: a key-agreement key (it can sign too).
    Exchange,
    /// AT_SIGNATURE: a signature-only key.
    Signature,
}

/// One private key of a CryptoPro container with its certificate.
#[derive(Debug)]
#[non_exhaustive]
pub struct CryptoProKey {
    /// The private key (wiped on drop by `gost`; `Debug` shows no secret).
    pub key: SigningKey,
    /// Which slot the key is in.
    pub spec: KeySpec,
    /// The certificate header.key holds for this key, if any; its public key
    /// is the key's.
    pub certificate: Option<Certificate>,
}

/// The keys of a CryptoPro container folder.
#[derive(Debug)]
#[non_exhaustive]
pub struct CryptoProContainer {
    /// The container name from name.key, if the file is there.
    pub name: Option<String>,
    /// The primary key first, then the secondary key if there is one.
    pub keys: Vec<CryptoProKey>,
}

/// The files of a container folder, as bytes.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct ContainerFiles {
    /// header.key.
    pub header: Vec<u8>,
    /// masks.key.
    pub masks: Vec<u8>,
    /// primary.key.
    pub primary: Vec<u8>,
    /// masks2.key (reserve copy), if present.
    pub masks2: Option<Vec<u8>>,
    /// primary2.key (reserve copy), if present.
    pub primary2: Option<Vec<u8>>,
    /// name.key, if present.
    pub name: Option<Vec<u8>>,
}

impl std::fmt::Debug for ContainerFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContainerFiles { <redacted> }")
    }
}

impl ContainerFiles {
    /// Reads the files of the container folder `dir`.
    ///
    /// # Errors
    /// [`CryptoProError::FileMissing`] when header.key, masks.key or
    /// primary.key is absent, [`CryptoProError::Io`] when a file cannot be
    /// read.
    pub fn from_dir(dir: &Path) -> Result<Self, CryptoProError> {
        let read = |file: &'static str| -> Result<Option<Vec<u8>>, CryptoProError> {
            match std::fs::read(dir.join(file)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(source) => Err(CryptoProError::Io { file, source }),
            }
        };
        let need = |file: &'static str| read(file)?.ok_or(CryptoProError::FileMissing { file });
        Ok(ContainerFiles {
            header: need("header.key")?,
            masks: need("masks.key")?,
            primary: need("primary.key")?,
            masks2: read("masks2.key")?,
            primary2: read("primary2.key")?,
            name: read("name.key")?,
        })
    }
}

impl Drop for ContainerFiles {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.masks.zeroize();
        self.primary.zeroize();
        self.masks2.zeroize();
        self.primary2.zeroize();
    }
}

/// Reads the CryptoPro container folder `dir` (e.g. `ivanov.000`) with its
/// password (empty for a container without one).
///
/// # Errors
/// See [`ContainerFiles::from_dir`] and [`read_container`].
pub fn read_container_dir(
    dir: &Path,
    password: &str,
) -> Result<CryptoProContainer, CryptoProError> {
    read_container(&ContainerFiles::from_dir(dir)?, password)
}

/// Decrypts the keys of a CryptoPro container.
///
/// Each key is checked against the public-key fingerprint in header.key and
/// against its certificate there. When primary.key/masks.key fail, the
/// reserve copies primary2.key/masks2.key are tried.
///
/// # Errors
/// [`CryptoProError::PasswordIncorrect`] for a wrong password;
/// [`CryptoProError::Malformed`], [`CryptoProError::Unsupported`],
/// [`CryptoProError::CertificateMismatch`], [`CryptoProError::Key`].
pub fn read_container(
    files: &ContainerFiles,
    password: &str,
) -> Result<CryptoProContainer, CryptoProError> {
    let header = Header::from_der(&files.header).map_err(|_| malformed("header.key", "DER"))?;
    if let Some(alg) = header.container_algorithm
        && alg != asn1::CONTAINER_V1
    {
        return Err(CryptoProError::Unsupported {
            what: format!("container format {alg}"),
        });
    }
    let name = match &files.name {
        Some(der) => Some(asn1::container_name(der).map_err(|_| malformed("name.key", "DER"))?),
        None => None,
    };
    let first = decode_keys(&header, &files.masks, &files.primary, password, false);
    let keys = match (first, &files.masks2, &files.primary2) {
        (Ok(keys), _, _) => keys,
        (
            Err(e @ (CryptoProError::Unsupported { .. } | CryptoProError::CertificateMismatch)),
            ..,
        ) => {
            return Err(e);
        }
        (Err(e), Some(masks2), Some(primary2)) => {
            decode_keys(&header, masks2, primary2, password, true).map_err(|_| e)?
        }
        (Err(e), ..) => return Err(e),
    };
    Ok(CryptoProContainer { name, keys })
}

fn malformed(file: &'static str, what: &'static str) -> CryptoProError {
    CryptoProError::Malformed { file, what }
}

fn algorithm(params: &PrivateKeyParameters) -> Result<KeyAlgorithm, CryptoProError> {
    KeyAlgorithm::from_identifier(&params.algorithm).map_err(|e| match e {
        AlgorithmError::Malformed => malformed("header.key", "key algorithm parameters"),
        AlgorithmError::Unsupported(oid) => CryptoProError::Unsupported {
            what: format!("key algorithm or parameter set {oid}"),
        },
    })
}

/// Decodes the primary (and secondary) key from one masks/primary pair.
fn decode_keys(
    header: &Header,
    masks_der: &[u8],
    primary_der: &[u8],
    password: &str,
    reserve: bool,
) -> Result<Vec<CryptoProKey>, CryptoProError> {
    let (masks_file, primary_file) = if reserve {
        ("masks2.key", "primary2.key")
    } else {
        ("masks.key", "primary.key")
    };
    let params = header
        .primary
        .as_ref()
        .ok_or(malformed("header.key", "no primary key parameters"))?;
    let alg = algorithm(params)?;
    let masks = Masks::from_der(masks_der).map_err(|_| malformed(masks_file, "DER"))?;
    let primary = Primary::from_der(primary_der).map_err(|_| malformed(primary_file, "DER"))?;
    let kek = kdf::container_key(alg.generation, masks.salt.as_bytes(), password);
    let sbox = match alg.generation {
        Generation::Gost2001 => Sbox::CryptoProA,
        Generation::Gost2012 => Sbox::Z,
    };
    let cipher = Gost89::new(sbox, &kek);
    let unmask = |alg: &KeyAlgorithm, enc: &[u8]| -> Result<SigningKey, CryptoProError> {
        let n = alg.param_set.field_bytes();
        if enc.len() != n {
            return Err(malformed(primary_file, "key length"));
        }
        if masks.mask.as_bytes().len() != n {
            return Err(malformed(masks_file, "mask length"));
        }
        let mut k = Zeroizing::new(enc.to_vec());
        cipher.ecb(&mut k, false);
        SigningKey::from_masked_le(alg.param_set, &k, masks.mask.as_bytes()).map_err(|e| match e {
            // A zero result: the data is damaged or the password wrong.
            gost::Error::PrivateKeyRange => CryptoProError::PasswordIncorrect,
            e => CryptoProError::Key(e),
        })
    };
    let mut keys = Vec::with_capacity(2);
    let key = unmask(&alg, primary.primary.as_bytes())?;
    check_fingerprint(&key, header.primary_fp.as_deref())?;
    keys.push(finish(key, &alg, params, header.primary_cert.as_deref())?);
    if let (Some(params), Some(enc)) = (&header.secondary, &primary.secondary) {
        let alg = algorithm(params)?;
        let key = unmask(&alg, enc.as_bytes())?;
        check_fingerprint(&key, header.secondary_fp.as_deref())?;
        keys.push(finish(key, &alg, params, header.secondary_cert.as_deref())?);
    }
    Ok(keys)
}

/// The fingerprint header.key keeps of a public key: the first octets of
/// LE(x).
fn check_fingerprint(key: &SigningKey, fp: Option<&[u8]>) -> Result<(), CryptoProError> {
    let fp = fp.ok_or(malformed("header.key", "no public-key fingerprint"))?;
    let public = key.verifying_key().to_le_bytes();
    if fp.is_empty() || fp.len() > public.len() / 2 {
        return Err(malformed("header.key", "public-key fingerprint length"));
    }
    if public[..fp.len()] == *fp {
        Ok(())
    } else {
        Err(CryptoProError::PasswordIncorrect)
    }
}

fn finish(
    key: SigningKey,
    alg: &KeyAlgorithm,
    params: &PrivateKeyParameters,
    cert: Option<&[u8]>,
) -> Result<CryptoProKey, CryptoProError> {
    let certificate = match cert {
        Some(der) => {
            let cert =
                Certificate::from_der(der).map_err(|_| malformed("header.key", "certificate"))?;
            let spki = cert
                .tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .map_err(|_| malformed("header.key", "certificate"))?;
            let cert_key = VerifyingKey::from_public_key_der(&spki)
                .map_err(|_| CryptoProError::CertificateMismatch)?;
            if cert_key.to_le_bytes() != key.verifying_key().to_le_bytes() {
                return Err(CryptoProError::CertificateMismatch);
            }
            Some((cert, cert_key.param_set()))
        }
        None => None,
    };
    // Several OIDs name one curve (CryptoPro-A = XchA): the key takes the
    // one its certificate carries, so the two stay a pair everywhere.
    let (key, certificate) = match certificate {
        Some((cert, ps)) if ps != key.param_set() => (
            SigningKey::from_bytes(ps, &key.to_bytes()).map_err(CryptoProError::Key)?,
            Some(cert),
        ),
        Some((cert, _)) => (key, Some(cert)),
        None => (key, None),
    };
    let spec = if alg.agreement || params.exchange() {
        KeySpec::Exchange
    } else {
        KeySpec::Signature
    };
    Ok(CryptoProKey {
        key,
        spec,
        certificate,
    })
}
