//! PKCS#12 (PFX, RFC 7292) import and export for GOST keys.
//!
//! Import ([`import_pfx`], [`read_pfx`]) understands what real peers write:
//!
//! * OpenSSL's default PFX: PBES2 (RFC 8018 §6.2) with PBKDF2-HMAC-SHA-256
//!   (or SHA-1) and AES-CBC, MAC HMAC-SHA-256 (or SHA-1) keyed by the
//!   RFC 7292 appendix B KDF;
//! * the GOST PFX of R 50.1.112-2016 («Транспортный ключевой контейнер»)
//!   and OpenSSL's GOST engine: PBES2 with PBKDF2-HMAC-Streebog-512 and
//!   GOST 28147-89 CFB with CryptoPro key meshing (RFC 4357 §2.3), MAC
//!   HMAC-Streebog-512 keyed with the last 32 bytes of a 96-byte
//!   PBKDF2-HMAC-Streebog-512 output;
//! * CryptoPro CSP exports: MAC HMAC-SHA-1, certificate bags under
//!   pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C) and key bags
//!   under CryptoPro's own PBE 1.2.840.113549.1.12.1.80 (GOST R 34.11-94
//!   key derivation, GOST 28147-89 and a wrapped key blob; see
//!   [`crate::cryptopro`]).
//!
//! Export ([`export_pfx`]) writes by default the GOST PFX of
//! R 50.1.112-2016 (OpenSSL's GOST engine reads it back); the
//! [`PfxPbe::Aes256Cbc`] option writes OpenSSL's default profile instead for
//! peers without GOST.
//!
//! Passwords: the GOST and PBES2 schemes take the password as UTF-8 octets,
//! the RFC 7292 appendix B KDF as a BMPString with a terminating zero
//! (both as OpenSSL does). Every copy of the password and every derived key
//! is wiped; no error carries the password.

use cipher::block_padding::Pkcs7;
use cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, BmpString, OctetString};
use der::{Decode, Encode, Reader, Sequence, SliceReader};
use digest::Digest;
use gost::SigningKey;
use hmac::Mac;
use pki::Diagnostic;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use zeroize::{Zeroize, Zeroizing};

use crate::{cryptopro, gost89};

/// Object identifiers used by PKCS#12 and its PBEs.
pub mod oids {
    use const_oid::ObjectIdentifier as Oid;

    /// id-data (RFC 5652 §4).
    pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// id-encryptedData (RFC 5652 §8).
    pub const ID_ENCRYPTED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.6");
    /// keyBag (RFC 7292 §4.2.1).
    pub const KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.1");
    /// pkcs8ShroudedKeyBag (RFC 7292 §4.2.2).
    pub const SHROUDED_KEY_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.2");
    /// certBag (RFC 7292 §4.2.3).
    pub const CERT_BAG: Oid = Oid::new_unwrap("1.2.840.113549.1.12.10.1.3");
    /// x509Certificate certificate type (RFC 7292 §4.2.3).
    pub const X509_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.22.1");
    /// friendlyName attribute (RFC 2985 §5.5.1).
    pub const FRIENDLY_NAME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.20");
    /// localKeyId attribute (RFC 2985 §5.5.2).
    pub const LOCAL_KEY_ID: Oid = Oid::new_unwrap("1.2.840.113549.1.9.21");
    /// PBES2 (RFC 8018 §6.2).
    pub const PBES2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.13");
    /// PBKDF2 (RFC 8018 §5.2).
    pub const PBKDF2: Oid = Oid::new_unwrap("1.2.840.113549.1.5.12");
    /// hmacWithSHA1 (RFC 8018 appendix B.1.1).
    pub const HMAC_SHA1: Oid = Oid::new_unwrap("1.2.840.113549.2.7");
    /// hmacWithSHA256 (RFC 8018 appendix B.1.2).
    pub const HMAC_SHA256: Oid = Oid::new_unwrap("1.2.840.113549.2.9");
    /// id-tc26-hmac-gost-3411-12-512 (R 50.1.113-2016, RFC 9337).
    pub const HMAC_STREEBOG512: Oid = Oid::new_unwrap("1.2.643.7.1.1.4.2");
    /// aes128-CBC-PAD (RFC 8018 appendix B.2.5).
    pub const AES128_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.2");
    /// aes192-CBC-PAD.
    pub const AES192_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.22");
    /// aes256-CBC-PAD.
    pub const AES256_CBC: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.1.42");
    /// id-Gost28147-89 (RFC 4357 §10.3), CFB mode with key meshing here.
    pub const GOST28147: Oid = Oid::new_unwrap("1.2.643.2.2.21");
    /// id-tc26-gost-28147-param-Z (RFC 7836 appendix A.1).
    pub const GOST28147_PARAM_Z: Oid = Oid::new_unwrap("1.2.643.7.1.2.5.1.1");
    /// id-Gost28147-89-CryptoPro-A-ParamSet (RFC 4357 §10.3).
    pub const GOST28147_PARAM_CP_A: Oid = Oid::new_unwrap("1.2.643.2.2.31.1");
    /// pbeWithSHAAnd3-KeyTripleDES-CBC (RFC 7292 appendix C).
    pub const PBE_SHA1_3DES: Oid = Oid::new_unwrap("1.2.840.113549.1.12.1.3");
    /// id-sha1 (digest of the classic MAC).
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// id-sha256 (digest of OpenSSL 3's default MAC).
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// id-tc26-gost3411-12-512 (digest of the GOST MAC, R 50.1.112-2016).
    pub const STREEBOG512: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.3");
}

/// Why a PFX could not be read or written. Never carries the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PfxError {
    /// The file is not a well-formed PFX (RFC 7292 §4); `what` names the part.
    #[error("malformed PKCS#12 file: {what}")]
    Malformed {
        /// The structure that could not be read.
        what: &'static str,
    },
    /// The integrity MAC does not verify: almost always a wrong password.
    #[error("the PKCS#12 MAC does not verify (wrong password?)")]
    MacInvalid,
    /// The MAC's digest algorithm is not supported.
    #[error("unsupported PKCS#12 MAC digest {oid}")]
    UnsupportedMac {
        /// The digest algorithm's OID.
        oid: ObjectIdentifier,
    },
    /// A bag is encrypted with a password-based scheme (or a KDF, PRF,
    /// cipher or parameter set inside PBES2) that is not supported.
    #[error("unsupported password-based encryption {oid}")]
    UnsupportedPbe {
        /// The OID of the unsupported algorithm.
        oid: ObjectIdentifier,
    },
    /// Decryption failed (bad padding): a wrong password in a file without MAC,
    /// or a damaged file.
    #[error("cannot decrypt a PKCS#12 bag (wrong password or damaged file)")]
    DecryptFailed,
    /// The private key inside is not a GOST key podpis can read.
    #[error("the private key in the PKCS#12 file is not usable: {0}")]
    Key(#[source] gost::Error),
    /// The file holds no private key.
    #[error("the PKCS#12 file holds no private key")]
    NoKey,
    /// Encoding the PFX failed (export).
    #[error("cannot encode the PKCS#12 file: {what}")]
    Encode {
        /// The structure that could not be encoded.
        what: &'static str,
    },
    /// The system random generator failed (export salts and IVs).
    #[error("the system random generator failed")]
    Random,
}

impl Diagnostic for PfxError {
    fn code(&self) -> &'static str {
        match self {
            PfxError::Malformed { .. } => "PFX_MALFORMED",
            PfxError::MacInvalid => "PFX_MAC_INVALID",
            PfxError::UnsupportedMac { .. } => "PFX_UNSUPPORTED_MAC",
            PfxError::UnsupportedPbe { .. } => "PFX_UNSUPPORTED_PBE",
            PfxError::DecryptFailed => "PFX_DECRYPT_FAILED",
            PfxError::Key(_) => "PFX_KEY_INVALID",
            PfxError::NoKey => "PFX_NO_KEY",
            PfxError::Encode { .. } => "PFX_ENCODE",
            PfxError::Random => "PFX_RANDOM",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            PfxError::Malformed { what } => format!(
                "Файл PKCS#12 (PFX) повреждён или не является PFX ({what}). Проверьте, что выбран \
                 нужный файл, и экспортируйте ключ заново."
            ),
            PfxError::MacInvalid => "Неверный пароль к файлу PFX (контрольная сумма MAC не \
                                     сходится). Введите пароль, заданный при экспорте; если \
                                     пароль верен, файл повреждён."
                .to_owned(),
            PfxError::UnsupportedMac { oid } => format!(
                "Файл PFX защищён MAC с неподдерживаемым алгоритмом хэширования {oid}. \
                 Экспортируйте ключ с MAC HMAC-Стрибог-512 или HMAC-SHA-256."
            ),
            PfxError::UnsupportedPbe { oid } => format!(
                "Ключ или сертификат в файле PFX зашифрован неподдерживаемым алгоритмом {oid}. \
                 Экспортируйте ключ заново по Р 50.1.112-2016 (PBKDF2-Стрибог, ГОСТ 28147-89) или \
                 с PBES2 AES-256-CBC."
            ),
            PfxError::DecryptFailed => "Не удалось расшифровать содержимое файла PFX: неверный \
                                        пароль или файл повреждён. Проверьте пароль."
                .to_owned(),
            PfxError::Key(e) => format!(
                "Закрытый ключ в файле PFX не является ключом ГОСТ Р 34.10-2012, который можно \
                 использовать ({e}). Проверьте, что экспортирован ключ ГОСТ."
            ),
            PfxError::NoKey => "В файле PFX нет закрытого ключа. Экспортируйте сертификат \
                                вместе с закрытым ключом."
                .to_owned(),
            PfxError::Encode { what } => format!(
                "Не удалось сформировать файл PFX ({what}). Сообщите об ошибке разработчикам."
            ),
            PfxError::Random => "Системный генератор случайных чисел недоступен. Повторите \
                                 попытку; если ошибка повторяется, проверьте систему."
                .to_owned(),
        }
    }

    fn message_en(&self) -> String {
        match self {
            PfxError::Malformed { what } => format!(
                "The PKCS#12 (PFX) file is damaged or not a PFX ({what}). Check that you chose \
                 the right file, and export the key again."
            ),
            PfxError::MacInvalid => "Wrong password for the PFX file (its MAC does not verify). \
                                     Enter the password set at export; if it is right, the file \
                                     is damaged."
                .to_owned(),
            PfxError::UnsupportedMac { oid } => format!(
                "The PFX file's MAC uses the unsupported digest {oid}. Export the key with \
                 MAC HMAC-Streebog-512 or HMAC-SHA-256."
            ),
            PfxError::UnsupportedPbe { oid } => format!(
                "A key or certificate in the PFX file is encrypted with the unsupported \
                 algorithm {oid}. Export the key again per R 50.1.112-2016 (PBKDF2-Streebog, \
                 GOST 28147-89) or with PBES2 AES-256-CBC."
            ),
            PfxError::DecryptFailed => "Cannot decrypt the PFX file's contents: wrong password \
                                        or damaged file. Check the password."
                .to_owned(),
            PfxError::Key(e) => format!(
                "The private key in the PFX file is not a usable GOST R 34.10-2012 key ({e}). \
                 Check that a GOST key was exported."
            ),
            PfxError::NoKey => "The PFX file holds no private key. Export the certificate \
                                together with its private key."
                .to_owned(),
            PfxError::Encode { what } => {
                format!("Cannot build the PFX file ({what}). Please report this bug.")
            }
            PfxError::Random => "The system random generator is unavailable. Try again; if the \
                                 error persists, check the system."
                .to_owned(),
        }
    }
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> PfxError {
    move |_| PfxError::Malformed { what }
}

fn encode_err(what: &'static str) -> impl Fn(der::Error) -> PfxError {
    move |_| PfxError::Encode { what }
}

// ---------------------------------------------------------------------------
// ASN.1

/// ```asn1
/// PFX ::= SEQUENCE {
///     version    INTEGER {v3(3)}(v3,...),
///     authSafe   ContentInfo,
///     macData    MacData OPTIONAL }
/// ```
/// (RFC 7292 §4)
#[derive(Clone, Debug, Sequence)]
struct Pfx {
    version: u8,
    auth_safe: ContentInfo,
    mac_data: Option<MacData>,
}

/// ```asn1
/// ContentInfo ::= SEQUENCE {
///     contentType ContentType,
///     content [0] EXPLICIT ANY DEFINED BY contentType OPTIONAL }
/// ```
/// (RFC 5652 §3; PKCS#7 allows the content to be absent)
#[derive(Clone, Debug, Sequence)]
struct ContentInfo {
    content_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    content: Option<Any>,
}

/// ```asn1
/// MacData ::= SEQUENCE {
///     mac        DigestInfo,
///     macSalt    OCTET STRING,
///     iterations INTEGER DEFAULT 1 }
/// ```
/// (RFC 7292 §4)
#[derive(Clone, Debug, Sequence)]
struct MacData {
    mac: DigestInfo,
    mac_salt: OctetString,
    iterations: Option<u32>,
}

/// ```asn1
/// DigestInfo ::= SEQUENCE {
///     digestAlgorithm DigestAlgorithmIdentifier,
///     digest          Digest }
/// ```
/// (RFC 8017 §9.2, used by RFC 7292 §4)
#[derive(Clone, Debug, Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// ```asn1
/// SafeBag ::= SEQUENCE {
///     bagId          BAG-TYPE.&id ({PKCS12BagSet}),
///     bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///     bagAttributes  SET OF PKCS12Attribute OPTIONAL }
/// ```
/// (RFC 7292 §4.2; the attributes are kept as the raw SET and read
/// leniently, since peers do not always sort them)
#[derive(Clone, Debug, Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<Any>,
}

/// ```asn1
/// PKCS12Attribute ::= SEQUENCE {
///     attrId     ATTRIBUTE.&id ({PKCS12AttrSet}),
///     attrValues SET OF ATTRIBUTE.&Type ({PKCS12AttrSet}{@attrId}) }
/// ```
/// (RFC 7292 §4.2)
#[derive(Clone, Debug, Sequence)]
struct Pkcs12Attribute {
    attr_id: ObjectIdentifier,
    attr_values: Any,
}

/// ```asn1
/// CertBag ::= SEQUENCE {
///     certId    BAG-TYPE.&id   ({CertTypes}),
///     certValue [0] EXPLICIT BAG-TYPE.&Type ({CertTypes}{@certId}) }
/// ```
/// (RFC 7292 §4.2.3)
#[derive(Clone, Debug, Sequence)]
struct CertBag {
    cert_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    cert_value: OctetString,
}

/// ```asn1
/// EncryptedData ::= SEQUENCE {
///     version CMSVersion,
///     encryptedContentInfo EncryptedContentInfo,
///     unprotectedAttrs [1] IMPLICIT UnprotectedAttributes OPTIONAL }
/// ```
/// (RFC 5652 §8; unprotectedAttrs are not used by PKCS#12 and ignored)
#[derive(Clone, Debug, Sequence)]
struct EncryptedData {
    version: u8,
    encrypted_content_info: EncryptedContentInfo,
}

/// ```asn1
/// EncryptedContentInfo ::= SEQUENCE {
///     contentType ContentType,
///     contentEncryptionAlgorithm ContentEncryptionAlgorithmIdentifier,
///     encryptedContent [0] IMPLICIT EncryptedContent OPTIONAL }
/// ```
/// (RFC 5652 §6.1)
#[derive(Clone, Debug, Sequence)]
struct EncryptedContentInfo {
    content_type: ObjectIdentifier,
    content_encryption_algorithm: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    encrypted_content: Option<OctetString>,
}

/// ```asn1
/// EncryptedPrivateKeyInfo ::= SEQUENCE {
///     encryptionAlgorithm  EncryptionAlgorithmIdentifier,
///     encryptedData        EncryptedData }
/// ```
/// (RFC 5958 §3)
#[derive(Clone, Debug, Sequence)]
struct EncryptedPrivateKeyInfo {
    encryption_algorithm: AlgorithmIdentifierOwned,
    encrypted_data: OctetString,
}

/// ```asn1
/// PBES2-params ::= SEQUENCE {
///     keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
///     encryptionScheme  AlgorithmIdentifier {{PBES2-Encs}} }
/// ```
/// (RFC 8018 appendix A.4)
#[derive(Clone, Debug, Sequence)]
struct Pbes2Params {
    key_derivation_func: AlgorithmIdentifierOwned,
    encryption_scheme: AlgorithmIdentifierOwned,
}

/// ```asn1
/// PBKDF2-params ::= SEQUENCE {
///     salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier },
///     iterationCount INTEGER (1..MAX),
///     keyLength INTEGER (1..MAX) OPTIONAL,
///     prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1 }
/// ```
/// (RFC 8018 appendix A.2; only the `specified` salt is supported)
#[derive(Clone, Debug, Sequence)]
struct Pbkdf2Params {
    salt: OctetString,
    iteration_count: u32,
    key_length: Option<u32>,
    prf: Option<AlgorithmIdentifierOwned>,
}

/// ```asn1
/// pkcs-12PbeParams ::= SEQUENCE {
///     salt       OCTET STRING,
///     iterations INTEGER }
/// ```
/// (RFC 7292 appendix C)
#[derive(Clone, Debug, Sequence)]
struct Pkcs12PbeParams {
    salt: OctetString,
    iterations: u32,
}

/// ```asn1
/// Gost28147-89-Parameters ::= SEQUENCE {
///     iv                   Gost28147-89-IV,  -- OCTET STRING (SIZE (8))
///     encryptionParamSet   OBJECT IDENTIFIER }
/// ```
/// (RFC 4357 §10.3)
#[derive(Clone, Debug, Sequence)]
struct Gost28147Params {
    iv: OctetString,
    encryption_param_set: ObjectIdentifier,
}

// ---------------------------------------------------------------------------
// Key derivation and ciphers

/// The password in its two encodings, wiped on drop.
struct Password {
    utf8: Zeroizing<Vec<u8>>,
}

impl Password {
    fn new(password: &str) -> Self {
        Password {
            utf8: Zeroizing::new(password.as_bytes().to_vec()),
        }
    }

    fn as_str(&self) -> Result<&str, PfxError> {
        core::str::from_utf8(&self.utf8).map_err(|_| PfxError::DecryptFailed)
    }

    /// BMPString (UTF-16BE) with a terminating zero, as RFC 7292 appendix
    /// B.1 and OpenSSL use it; `None` when the password has characters outside
    /// the BMP.
    fn bmp(&self) -> Option<Zeroizing<Vec<u8>>> {
        let s = core::str::from_utf8(&self.utf8).ok()?;
        let mut out = Zeroizing::new(Vec::with_capacity(s.len() * 2 + 2));
        for c in s.chars() {
            let mut buf = [0u16; 2];
            let units = c.encode_utf16(&mut buf);
            if units.len() != 1 {
                buf.zeroize();
                return None;
            }
            out.extend_from_slice(&units[0].to_be_bytes());
            buf.zeroize();
        }
        out.extend_from_slice(&[0, 0]);
        Some(out)
    }
}

/// The most KDF and MAC iterations a file may ask for: real files use
/// 2000–10 000; a hostile file must not make import spin for hours.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// Checks `1 <= iterations <= MAX_ITERATIONS`.
fn check_iterations(iterations: u32) -> Result<(), PfxError> {
    if iterations == 0 {
        Err(PfxError::Malformed {
            what: "iteration count 0",
        })
    } else if iterations > MAX_ITERATIONS {
        Err(PfxError::Malformed {
            what: "iteration count above 10 000 000",
        })
    } else {
        Ok(())
    }
}

/// The KDF of RFC 7292 appendix B.2 over digest `D` (block v = 64 bytes
/// for SHA-1 and SHA-256): `id` is 1 (key), 2 (IV) or 3 (MAC key).
fn pkcs12_kdf<D: Digest>(
    pass_bmp: &[u8],
    salt: &[u8],
    id: u8,
    iterations: u32,
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, PfxError> {
    const V: usize = 64;
    check_iterations(iterations)?;
    let u = <D as Digest>::output_size();
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            Vec::new()
        } else {
            let len = V * src.len().div_ceil(V);
            (0..len).map(|i| src[i % src.len()]).collect()
        }
    };
    let mut i_buf = Zeroizing::new(fill(salt));
    i_buf.extend_from_slice(&Zeroizing::new(fill(pass_bmp)));
    let diversifier = [id; V];
    let mut out = Zeroizing::new(Vec::with_capacity(out_len));
    loop {
        let mut a = Zeroizing::new(
            D::new()
                .chain_update(diversifier)
                .chain_update(&*i_buf)
                .finalize()
                .to_vec(),
        );
        for _ in 1..iterations {
            *a = D::digest(&*a).to_vec();
        }
        let take = (out_len - out.len()).min(u);
        out.extend_from_slice(&a[..take]);
        if out.len() >= out_len {
            break;
        }
        let b: Zeroizing<Vec<u8>> = Zeroizing::new((0..V).map(|i| a[i % u]).collect());
        for chunk in i_buf.chunks_mut(V) {
            let mut carry = 1u16;
            for k in (0..V).rev() {
                let sum = u16::from(chunk[k]) + u16::from(b[k]) + carry;
                chunk[k] = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    Ok(out)
}

/// GOST 28147-89 CFB with key meshing (see [`crate::gost89::cfb`]) under
/// the S-box set `param_set` names.
fn gost89_cfb(
    param_set: &ObjectIdentifier,
    key: &[u8; 32],
    iv: &[u8; 8],
    data: &mut [u8],
    encrypt: bool,
) -> Result<(), PfxError> {
    let sbox =
        gost89::Sbox::from_oid(param_set).ok_or(PfxError::UnsupportedPbe { oid: *param_set })?;
    gost89::cfb(sbox, key, iv, data, encrypt);
    Ok(())
}

fn params_of<T: der::DecodeOwned>(
    alg: &AlgorithmIdentifierOwned,
    what: &'static str,
) -> Result<T, PfxError> {
    let any = alg
        .parameters
        .as_ref()
        .ok_or(PfxError::Malformed { what })?;
    let der = any.to_der().map_err(malformed(what))?;
    T::from_der(&der).map_err(|_| PfxError::Malformed { what })
}

/// Decrypts `data` encrypted under `alg` (PBES2 or PKCS#12 PBE) with the password.
fn decrypt(
    alg: &AlgorithmIdentifierOwned,
    password: &Password,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PfxError> {
    if alg.oid == oids::PBES2 {
        let params: Pbes2Params = params_of(alg, "PBES2 parameters")?;
        decrypt_pbes2(&params, password, data)
    } else if alg.oid == oids::PBE_SHA1_3DES {
        let params: Pkcs12PbeParams = params_of(alg, "PKCS#12 PBE parameters")?;
        let bmp = password.bmp().ok_or(PfxError::DecryptFailed)?;
        let key = pkcs12_kdf::<sha1::Sha1>(&bmp, params.salt.as_bytes(), 1, params.iterations, 24)?;
        let iv = pkcs12_kdf::<sha1::Sha1>(&bmp, params.salt.as_bytes(), 2, params.iterations, 8)?;
        let dec = cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| PfxError::DecryptFailed)?;
        dec.decrypt_padded_vec::<Pkcs7>(data)
            .map(Zeroizing::new)
            .map_err(|_| PfxError::DecryptFailed)
    } else {
        Err(PfxError::UnsupportedPbe { oid: alg.oid })
    }
}

/// PBKDF2 with the PRF named by `prf` (absent: HMAC-SHA-1).
fn pbkdf2(
    prf: Option<&AlgorithmIdentifierOwned>,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    out: &mut [u8],
) -> Result<(), PfxError> {
    check_iterations(iterations)?;
    let prf_oid = prf.map_or(oids::HMAC_SHA1, |a| a.oid);
    if prf_oid == oids::HMAC_SHA1 {
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out);
    } else if prf_oid == oids::HMAC_SHA256 {
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out);
    } else if prf_oid == oids::HMAC_STREEBOG512 {
        gost::kdf::pbkdf2_streebog512(password, salt, iterations, out).map_err(|_| {
            PfxError::Malformed {
                what: "PBKDF2 parameters",
            }
        })?;
    } else {
        return Err(PfxError::UnsupportedPbe { oid: prf_oid });
    }
    Ok(())
}

fn decrypt_pbes2(
    params: &Pbes2Params,
    password: &Password,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PfxError> {
    if params.key_derivation_func.oid != oids::PBKDF2 {
        return Err(PfxError::UnsupportedPbe {
            oid: params.key_derivation_func.oid,
        });
    }
    let kdf: Pbkdf2Params = params_of(&params.key_derivation_func, "PBKDF2 parameters")?;
    let enc = &params.encryption_scheme;
    let key_len = if enc.oid == oids::AES128_CBC {
        16
    } else if enc.oid == oids::AES192_CBC {
        24
    } else if enc.oid == oids::AES256_CBC || enc.oid == oids::GOST28147 {
        32
    } else {
        return Err(PfxError::UnsupportedPbe { oid: enc.oid });
    };
    if kdf.key_length.is_some_and(|l| l as usize != key_len) {
        return Err(PfxError::Malformed {
            what: "PBKDF2 key length",
        });
    }
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    pbkdf2(
        kdf.prf.as_ref(),
        &password.utf8,
        kdf.salt.as_bytes(),
        kdf.iteration_count,
        &mut key,
    )?;
    if enc.oid == oids::GOST28147 {
        let gp: Gost28147Params = params_of(enc, "GOST 28147-89 parameters")?;
        let iv: [u8; 8] = gp
            .iv
            .as_bytes()
            .try_into()
            .map_err(|_| PfxError::Malformed {
                what: "GOST 28147-89 IV",
            })?;
        let mut k32 = Zeroizing::new([0u8; 32]);
        k32.copy_from_slice(&key);
        let mut out = Zeroizing::new(data.to_vec());
        gost89_cfb(&gp.encryption_param_set, &k32, &iv, &mut out, false)?;
        return Ok(out);
    }
    let iv: OctetString = params_of(enc, "AES-CBC IV")?;
    let plain = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, iv.as_bytes())
            .map_err(|_| PfxError::Malformed { what: "AES-CBC IV" })?
            .decrypt_padded_vec::<Pkcs7>(data),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, iv.as_bytes())
            .map_err(|_| PfxError::Malformed { what: "AES-CBC IV" })?
            .decrypt_padded_vec::<Pkcs7>(data),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, iv.as_bytes())
            .map_err(|_| PfxError::Malformed { what: "AES-CBC IV" })?
            .decrypt_padded_vec::<Pkcs7>(data),
    };
    plain
        .map(Zeroizing::new)
        .map_err(|_| PfxError::DecryptFailed)
}

// ---------------------------------------------------------------------------
// MAC

/// Verifies the MAC over `data` (the authSafe content octets).
fn verify_mac(mac: &MacData, password: &Password, data: &[u8]) -> Result<(), PfxError> {
    let iterations = mac.iterations.unwrap_or(1);
    let salt = mac.mac_salt.as_bytes();
    let expected = mac.mac.digest.as_bytes();
    let alg = mac.mac.algorithm.oid;
    if alg == oids::STREEBOG512 {
        let key = gost_mac_key(password, salt, iterations)?;
        let mut m = <gost::mac::HmacStreebog512 as hmac::KeyInit>::new_from_slice(&key[..])
            .map_err(|_| PfxError::MacInvalid)?;
        m.update(data);
        return m.verify_slice(expected).map_err(|_| PfxError::MacInvalid);
    }
    // The classic MAC: RFC 7292 appendix B KDF with a BMPString password.
    // An empty password is tried both as the BMP "\0\0" and as no octets
    // at all, as OpenSSL does (CryptoPro's exports use the former).
    let mut candidates = Vec::new();
    if let Some(bmp) = password.bmp() {
        candidates.push(bmp);
    }
    if password.utf8.is_empty() {
        candidates.push(Zeroizing::new(Vec::new()));
    }
    for bmp in &candidates {
        let ok = if alg == oids::SHA1 {
            let key = pkcs12_kdf::<sha1::Sha1>(bmp, salt, 3, iterations, 20)?;
            let mut m = <hmac::Hmac<sha1::Sha1> as hmac::KeyInit>::new_from_slice(&key)
                .map_err(|_| PfxError::MacInvalid)?;
            m.update(data);
            m.verify_slice(expected).is_ok()
        } else if alg == oids::SHA256 {
            let key = pkcs12_kdf::<sha2::Sha256>(bmp, salt, 3, iterations, 32)?;
            let mut m = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&key)
                .map_err(|_| PfxError::MacInvalid)?;
            m.update(data);
            m.verify_slice(expected).is_ok()
        } else {
            return Err(PfxError::UnsupportedMac { oid: alg });
        };
        if ok {
            return Ok(());
        }
    }
    Err(PfxError::MacInvalid)
}

/// The GOST MAC key (R 50.1.112-2016 §5): the last 32 bytes of a 96-byte
/// PBKDF2-HMAC-Streebog-512 output.
fn gost_mac_key(
    password: &Password,
    salt: &[u8],
    iterations: u32,
) -> Result<Zeroizing<[u8; 32]>, PfxError> {
    check_iterations(iterations)?;
    let mut dk = Zeroizing::new([0u8; 96]);
    gost::kdf::pbkdf2_streebog512(&password.utf8, salt, iterations, &mut dk[..]).map_err(|_| {
        PfxError::Malformed {
            what: "MAC iteration count",
        }
    })?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&dk[64..]);
    Ok(key)
}

// ---------------------------------------------------------------------------
// Import

/// One private key from a PFX with the certificate that belongs to it.
#[derive(Debug)]
#[non_exhaustive]
pub struct PfxEntry {
    /// The private key (wiped on drop by `gost`).
    pub key: SigningKey,
    /// The certificate whose public key (or localKeyId) matches the key.
    pub certificate: Option<Certificate>,
    /// The friendlyName attribute of the key bag (or of its certificate).
    pub friendly_name: Option<String>,
    /// The localKeyId attribute of the key bag.
    pub local_key_id: Option<Vec<u8>>,
}

/// A certificate found in a PFX with its bag attributes.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PfxCertificate {
    /// The certificate.
    pub certificate: Certificate,
    /// Its friendlyName attribute.
    pub friendly_name: Option<String>,
    /// Its localKeyId attribute.
    pub local_key_id: Option<Vec<u8>>,
}

/// Everything read from a PFX: keys matched to certificates, all
/// certificates (chain included), and the bags that could not be read with
/// the reason (e.g. [`PfxError::UnsupportedPbe`] for a PBES2 cipher podpis lacks).
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct PfxContents {
    /// The private keys with their matching certificates.
    pub entries: Vec<PfxEntry>,
    /// Every certificate in the file, in file order.
    pub certificates: Vec<PfxCertificate>,
    /// Key bags (or encrypted contents) that were skipped, with the reason.
    pub skipped: Vec<PfxError>,
}

#[derive(Default)]
struct Attrs {
    friendly_name: Option<String>,
    local_key_id: Option<Vec<u8>>,
}

fn read_attrs(set: Option<&Any>) -> Result<Attrs, PfxError> {
    let mut attrs = Attrs::default();
    let Some(set) = set else {
        return Ok(attrs);
    };
    let what = "bag attributes";
    let mut reader = SliceReader::new(set.value()).map_err(malformed(what))?;
    while !reader.is_finished() {
        let attr = Pkcs12Attribute::decode(&mut reader).map_err(malformed(what))?;
        let mut values = SliceReader::new(attr.attr_values.value()).map_err(malformed(what))?;
        if values.is_finished() {
            continue;
        }
        if attr.attr_id == oids::FRIENDLY_NAME {
            let name = BmpString::decode(&mut values).map_err(malformed("friendlyName"))?;
            attrs.friendly_name = Some(name.to_string());
        } else if attr.attr_id == oids::LOCAL_KEY_ID {
            let id = OctetString::decode(&mut values).map_err(malformed("localKeyId"))?;
            attrs.local_key_id = Some(id.as_bytes().to_vec());
        }
    }
    Ok(attrs)
}

/// The OCTET STRING inside a ContentInfo's `[0]` content.
fn data_octets(ci: &ContentInfo) -> Result<Vec<u8>, PfxError> {
    let content = ci.content.as_ref().ok_or(PfxError::Malformed {
        what: "ContentInfo without content",
    })?;
    let os: OctetString = content.decode_as().map_err(malformed("id-data content"))?;
    Ok(os.into_bytes().into_vec())
}

struct Collector<'p> {
    password: &'p Password,
    keys: Vec<(SigningKey, Attrs)>,
    certs: Vec<PfxCertificate>,
    skipped: Vec<PfxError>,
}

impl Collector<'_> {
    fn safe_contents(&mut self, der: &[u8]) -> Result<(), PfxError> {
        let bags: Vec<SafeBag> = Vec::from_der(der).map_err(malformed("SafeContents"))?;
        for bag in bags {
            let attrs = read_attrs(bag.bag_attributes.as_ref())?;
            if bag.bag_id == oids::KEY_BAG {
                let pkcs8 = Zeroizing::new(bag.bag_value.to_der().map_err(malformed("keyBag"))?);
                let key = SigningKey::from_pkcs8_der(&pkcs8).map_err(PfxError::Key)?;
                self.keys.push((key, attrs));
            } else if bag.bag_id == oids::SHROUDED_KEY_BAG {
                let epki: EncryptedPrivateKeyInfo = bag
                    .bag_value
                    .decode_as()
                    .map_err(malformed("pkcs8ShroudedKeyBag"))?;
                let alg = &epki.encryption_algorithm;
                let ct = epki.encrypted_data.as_bytes();
                let key = if alg.oid == cryptopro::pfx::PBE {
                    cryptopro::pfx::decrypt_key_bag(alg, self.password.as_str()?, ct)
                } else {
                    decrypt(alg, self.password, ct)
                        .and_then(|pkcs8| SigningKey::from_pkcs8_der(&pkcs8).map_err(PfxError::Key))
                };
                match key {
                    Ok(key) => self.keys.push((key, attrs)),
                    Err(e @ PfxError::UnsupportedPbe { .. }) => self.skipped.push(e),
                    Err(e) => return Err(e),
                }
            } else if bag.bag_id == oids::CERT_BAG {
                let cb: CertBag = bag.bag_value.decode_as().map_err(malformed("certBag"))?;
                if cb.cert_id != oids::X509_CERTIFICATE {
                    continue;
                }
                let certificate = Certificate::from_der(cb.cert_value.as_bytes())
                    .map_err(malformed("certificate"))?;
                self.certs.push(PfxCertificate {
                    certificate,
                    friendly_name: attrs.friendly_name,
                    local_key_id: attrs.local_key_id,
                });
            }
        }
        Ok(())
    }
}

/// Reads a PFX: verifies its MAC (if present) with `password`, decrypts its
/// bags and matches each private key with its certificate (by localKeyId,
/// else by public key). Bags encrypted with an unsupported scheme are listed
/// in [`PfxContents::skipped`] instead of failing the whole file.
///
/// # Errors
/// [`PfxError::MacInvalid`] for a wrong password; [`PfxError::Malformed`],
/// [`PfxError::UnsupportedMac`], [`PfxError::DecryptFailed`],
/// [`PfxError::Key`] otherwise.
pub fn read_pfx(der: &[u8], password: &str) -> Result<PfxContents, PfxError> {
    let password = Password::new(password);
    let pfx = Pfx::from_der(der).map_err(malformed("PFX"))?;
    if pfx.version != 3 {
        return Err(PfxError::Malformed {
            what: "PFX version",
        });
    }
    if pfx.auth_safe.content_type != oids::ID_DATA {
        return Err(PfxError::Malformed {
            what: "authSafe is not id-data (public-key integrity mode is not supported)",
        });
    }
    let auth_safe = data_octets(&pfx.auth_safe)?;
    if let Some(mac) = &pfx.mac_data {
        verify_mac(mac, &password, &auth_safe)?;
    }
    let infos: Vec<ContentInfo> =
        Vec::from_der(&auth_safe).map_err(malformed("AuthenticatedSafe"))?;
    let mut c = Collector {
        password: &password,
        keys: Vec::new(),
        certs: Vec::new(),
        skipped: Vec::new(),
    };
    for ci in &infos {
        if ci.content_type == oids::ID_DATA {
            c.safe_contents(&data_octets(ci)?)?;
        } else if ci.content_type == oids::ID_ENCRYPTED_DATA {
            let content = ci.content.as_ref().ok_or(PfxError::Malformed {
                what: "EncryptedData",
            })?;
            let ed: EncryptedData = content.decode_as().map_err(malformed("EncryptedData"))?;
            let eci = &ed.encrypted_content_info;
            let Some(ct) = &eci.encrypted_content else {
                continue;
            };
            match decrypt(&eci.content_encryption_algorithm, &password, ct.as_bytes()) {
                Ok(plain) => c.safe_contents(&plain)?,
                Err(e @ PfxError::UnsupportedPbe { .. }) => c.skipped.push(e),
                Err(e) => return Err(e),
            }
        }
    }
    let Collector {
        keys,
        certs,
        skipped,
        ..
    } = c;
    let mut entries = Vec::with_capacity(keys.len());
    for (key, attrs) in keys {
        let vk = key.verifying_key();
        let by_id = attrs
            .local_key_id
            .as_ref()
            .and_then(|id| certs.iter().find(|pc| pc.local_key_id.as_ref() == Some(id)));
        let matched = by_id.or_else(|| {
            certs.iter().find(|pc| {
                pc.certificate
                    .tbs_certificate()
                    .subject_public_key_info()
                    .to_der()
                    .ok()
                    .and_then(|d| gost::VerifyingKey::from_public_key_der(&d).ok())
                    .is_some_and(|cvk| cvk == vk)
            })
        });
        entries.push(PfxEntry {
            key,
            certificate: matched.map(|pc| pc.certificate.clone()),
            friendly_name: attrs
                .friendly_name
                .or_else(|| matched.and_then(|pc| pc.friendly_name.clone())),
            local_key_id: attrs.local_key_id,
        });
    }
    Ok(PfxContents {
        entries,
        certificates: certs,
        skipped,
    })
}

/// Imports the private keys of a PFX with their certificates.
///
/// # Errors
/// As [`read_pfx`]; plus, when the file yields no key, the reason a key bag
/// was skipped (e.g. [`PfxError::UnsupportedPbe`])
/// or else [`PfxError::NoKey`].
pub fn import_pfx(der: &[u8], password: &str) -> Result<Vec<PfxEntry>, PfxError> {
    let mut contents = read_pfx(der, password)?;
    if contents.entries.is_empty() {
        return Err(if contents.skipped.is_empty() {
            PfxError::NoKey
        } else {
            contents.skipped.swap_remove(0)
        });
    }
    Ok(contents.entries)
}

// ---------------------------------------------------------------------------
// Export

/// The password-based protection [`export_pfx`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum PfxPbe {
    /// R 50.1.112-2016: PBES2 with PBKDF2-HMAC-Streebog-512 and
    /// GOST 28147-89 CFB (param-Z), MAC HMAC-Streebog-512. OpenSSL's GOST
    /// engine reads it.
    #[default]
    Gost,
    /// OpenSSL 3's default: PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC,
    /// MAC HMAC-SHA-256, for peers without GOST ciphers.
    Aes256Cbc,
}

/// Options of [`export_pfx`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PfxExportOptions {
    /// The encryption and MAC profile.
    pub pbe: PfxPbe,
    /// PBKDF2 and MAC iterations (default 2000, as R 50.1.112-2016's example
    /// and OpenSSL).
    pub iterations: u32,
    /// The friendlyName written on the key and its certificate.
    pub friendly_name: Option<String>,
}

impl Default for PfxExportOptions {
    fn default() -> Self {
        PfxExportOptions {
            pbe: PfxPbe::Gost,
            iterations: 2000,
            friendly_name: None,
        }
    }
}

fn random<const N: usize>() -> Result<[u8; N], PfxError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| PfxError::Random)?;
    Ok(b)
}

fn any_of<T: Encode>(value: &T, what: &'static str) -> Result<Any, PfxError> {
    Any::from_der(&value.to_der().map_err(encode_err(what))?).map_err(encode_err(what))
}

fn octets(bytes: &[u8], what: &'static str) -> Result<OctetString, PfxError> {
    OctetString::new(bytes.to_vec()).map_err(encode_err(what))
}

/// Encrypts `plain` under a fresh salt and IV; returns the algorithm
/// identifier and the ciphertext.
fn encrypt(
    options: &PfxExportOptions,
    password: &Password,
    plain: &[u8],
) -> Result<(AlgorithmIdentifierOwned, Vec<u8>), PfxError> {
    let salt: [u8; 32] = random()?;
    let (prf, enc_oid) = match options.pbe {
        PfxPbe::Gost => (oids::HMAC_STREEBOG512, oids::GOST28147),
        PfxPbe::Aes256Cbc => (oids::HMAC_SHA256, oids::AES256_CBC),
    };
    let prf_alg = AlgorithmIdentifierOwned {
        oid: prf,
        parameters: Some(Any::null()),
    };
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2(
        Some(&prf_alg),
        &password.utf8,
        &salt,
        options.iterations,
        &mut key[..],
    )?;
    let (enc_params, ct) = match options.pbe {
        PfxPbe::Gost => {
            let iv: [u8; 8] = random()?;
            let mut ct = plain.to_vec();
            gost89_cfb(&oids::GOST28147_PARAM_Z, &key, &iv, &mut ct, true)?;
            let p = Gost28147Params {
                iv: octets(&iv, "GOST 28147-89 IV")?,
                encryption_param_set: oids::GOST28147_PARAM_Z,
            };
            (any_of(&p, "GOST 28147-89 parameters")?, ct)
        }
        PfxPbe::Aes256Cbc => {
            let iv: [u8; 16] = random()?;
            let ct = cbc::Encryptor::<aes::Aes256>::new_from_slices(&key[..], &iv)
                .map_err(|_| PfxError::Encode { what: "AES-CBC" })?
                .encrypt_padded_vec::<Pkcs7>(plain);
            (any_of(&octets(&iv, "AES IV")?, "AES IV")?, ct)
        }
    };
    let kdf = Pbkdf2Params {
        salt: octets(&salt, "PBKDF2 salt")?,
        iteration_count: options.iterations,
        key_length: None,
        prf: Some(prf_alg),
    };
    let pbes2 = Pbes2Params {
        key_derivation_func: AlgorithmIdentifierOwned {
            oid: oids::PBKDF2,
            parameters: Some(any_of(&kdf, "PBKDF2 parameters")?),
        },
        encryption_scheme: AlgorithmIdentifierOwned {
            oid: enc_oid,
            parameters: Some(enc_params),
        },
    };
    Ok((
        AlgorithmIdentifierOwned {
            oid: oids::PBES2,
            parameters: Some(any_of(&pbes2, "PBES2 parameters")?),
        },
        ct,
    ))
}

fn attributes(friendly_name: Option<&str>, local_key_id: &[u8]) -> Result<Any, PfxError> {
    let what = "bag attributes";
    let mut body = Vec::new();
    let id_set = der::asn1::SetOfVec::try_from(vec![octets(local_key_id, what)?])
        .map_err(encode_err(what))?;
    let id_attr = Pkcs12Attribute {
        attr_id: oids::LOCAL_KEY_ID,
        attr_values: any_of(&id_set, what)?,
    };
    let mut attrs = vec![id_attr.to_der().map_err(encode_err(what))?];
    if let Some(name) = friendly_name {
        let bmp = BmpString::from_utf8(name).map_err(encode_err("friendlyName"))?;
        let set = der::asn1::SetOfVec::try_from(vec![bmp]).map_err(encode_err(what))?;
        let attr = Pkcs12Attribute {
            attr_id: oids::FRIENDLY_NAME,
            attr_values: any_of(&set, what)?,
        };
        attrs.push(attr.to_der().map_err(encode_err(what))?);
    }
    // DER SET OF: elements sorted by their encodings.
    attrs.sort();
    for a in attrs {
        body.extend_from_slice(&a);
    }
    Any::new(der::Tag::Set, body).map_err(encode_err(what))
}

fn data_content_info(bytes: Vec<u8>) -> Result<ContentInfo, PfxError> {
    Ok(ContentInfo {
        content_type: oids::ID_DATA,
        content: Some(any_of(
            &OctetString::new(bytes).map_err(encode_err("id-data"))?,
            "id-data",
        )?),
    })
}

/// Writes a PFX holding `key` (pkcs8ShroudedKeyBag) with its certificate
/// and the `chain` (one encrypted certBag SafeContents), protected by
/// `password` as `options` say; the key and its certificate share a
/// localKeyId (SHA-1 of the certificate, as OpenSSL writes it).
///
/// # Errors
/// [`PfxError::Key`] if the key cannot be encoded, [`PfxError::Encode`],
/// [`PfxError::Random`].
pub fn export_pfx(
    key: &SigningKey,
    cert: &Certificate,
    chain: &[Certificate],
    password: &str,
    options: &PfxExportOptions,
) -> Result<Vec<u8>, PfxError> {
    let password = Password::new(password);
    let cert_der = cert.to_der().map_err(encode_err("certificate"))?;
    let local_key_id = sha1::Sha1::digest(&cert_der).to_vec();
    let name = options.friendly_name.as_deref();

    // The key: pkcs8ShroudedKeyBag in a plain id-data SafeContents.
    let pkcs8 = key.to_pkcs8_der().map_err(PfxError::Key)?;
    let (alg, ct) = encrypt(options, &password, &pkcs8)?;
    let epki = EncryptedPrivateKeyInfo {
        encryption_algorithm: alg,
        encrypted_data: OctetString::new(ct).map_err(encode_err("key bag"))?,
    };
    let key_bag = SafeBag {
        bag_id: oids::SHROUDED_KEY_BAG,
        bag_value: any_of(&epki, "key bag")?,
        bag_attributes: Some(attributes(name, &local_key_id)?),
    };
    let key_contents = vec![key_bag].to_der().map_err(encode_err("SafeContents"))?;

    // The certificates: certBags in an EncryptedData SafeContents.
    let mut cert_bags = Vec::with_capacity(chain.len() + 1);
    for (i, c) in core::iter::once(cert).chain(chain).enumerate() {
        let cb = CertBag {
            cert_id: oids::X509_CERTIFICATE,
            cert_value: OctetString::new(c.to_der().map_err(encode_err("certificate"))?)
                .map_err(encode_err("certificate"))?,
        };
        cert_bags.push(SafeBag {
            bag_id: oids::CERT_BAG,
            bag_value: any_of(&cb, "certBag")?,
            bag_attributes: if i == 0 {
                Some(attributes(name, &local_key_id)?)
            } else {
                None
            },
        });
    }
    let cert_contents = Zeroizing::new(cert_bags.to_der().map_err(encode_err("SafeContents"))?);
    let (alg, ct) = encrypt(options, &password, &cert_contents)?;
    let ed = EncryptedData {
        version: 0,
        encrypted_content_info: EncryptedContentInfo {
            content_type: oids::ID_DATA,
            content_encryption_algorithm: alg,
            encrypted_content: Some(OctetString::new(ct).map_err(encode_err("EncryptedData"))?),
        },
    };
    let auth_safe = vec![
        ContentInfo {
            content_type: oids::ID_ENCRYPTED_DATA,
            content: Some(any_of(&ed, "EncryptedData")?),
        },
        data_content_info(key_contents)?,
    ]
    .to_der()
    .map_err(encode_err("AuthenticatedSafe"))?;

    // The MAC.
    let mac_salt: [u8; 32] = random()?;
    let (digest_oid, mac) = match options.pbe {
        PfxPbe::Gost => {
            let k = gost_mac_key(&password, &mac_salt, options.iterations)?;
            (
                oids::STREEBOG512,
                gost::mac::hmac_streebog512(&k[..], &[&auth_safe]).to_vec(),
            )
        }
        PfxPbe::Aes256Cbc => {
            let bmp = password.bmp().ok_or(PfxError::Encode {
                what: "password outside the Unicode BMP",
            })?;
            let k = pkcs12_kdf::<sha2::Sha256>(&bmp, &mac_salt, 3, options.iterations, 32)?;
            let mut m = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&k)
                .map_err(|_| PfxError::Encode { what: "MAC" })?;
            m.update(&auth_safe);
            (oids::SHA256, m.finalize().into_bytes().to_vec())
        }
    };
    let pfx = Pfx {
        version: 3,
        auth_safe: data_content_info(auth_safe)?,
        mac_data: Some(MacData {
            mac: DigestInfo {
                algorithm: AlgorithmIdentifierOwned {
                    oid: digest_oid,
                    parameters: Some(Any::null()),
                },
                digest: OctetString::new(mac).map_err(encode_err("MAC"))?,
            },
            mac_salt: octets(&mac_salt, "MAC salt")?,
            iterations: Some(options.iterations),
        }),
    };
    pfx.to_der().map_err(encode_err("PFX"))
}
