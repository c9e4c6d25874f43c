//! Keys on PKCS#11 tokens, the client side: signing with a GOST key on any
//! token (Rutoken, JaCarta, podpis's own module) through [`pki::Signer`], and
//! ECDSA with a raw signing call.
//!
//! The client is built on the `cryptoki` crate. `cryptoki` 0.12 has no GOST
//! support of its own:
//!
//! * the TC26 mechanisms live in the vendor range (`0xD4321xxx`), so they
//!   can be passed as vendor-defined mechanisms;
//! * the standard `CKM_GOSTR3410` (`0x1201`, a raw signature of a 256-bit
//!   digest) and the attribute `CKA_GOSTR3410_PARAMS` (`0x250`) sit below the
//!   vendor range, and `cryptoki` cannot name them.
//!
//! Two rules follow from that:
//!
//! * **Messages are signed with the with-hash mechanism.** A 256-bit key
//!   signs with `CKM_GOSTR3410_WITH_GOSTR3411_12_256`, which GOST tokens offer,
//!   and a 512-bit key with `…_12_512`. Every signing path in `pki` (CMS,
//!   certificates, CRLs, OCSP, CSRs) hands [`Signer::sign_message`] the bytes
//!   to sign.
//! * **Digests are signed raw only for 512-bit keys.** [`Signer::sign_digest`]
//!   signs a 512-bit digest with `CKM_GOSTR3410_512`; for a 256-bit key it
//!   fails with [`Pkcs11Error::MechanismUnavailable`].
//!
//! The public key comes from the key's certificate on the token (same
//! `CKA_ID`), or else from the public key object's `CKA_PUBLIC_KEY_INFO`.
//! After each signature the client checks it against that public key. A
//! token that returns the CryptoAPI order (`LE(r) ‖ LE(s)`) instead of
//! PKCS#11's `s ‖ r` is recognised and its signature is normalised. A
//! signature that verifies in neither order is an error
//! ([`Pkcs11Error::BadSignature`]).
//!
//! `pki::Signer` speaks GOST only: it returns a `gost::Signature` and
//! exposes a `gost::VerifyingKey`. ECDSA keys therefore get their own type,
//! [`EcdsaKey`], which returns the raw `r ‖ s` that `CKM_ECDSA` produces.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use der::Decode;
use gost::{KeySize, Signature, VerifyingKey};
use pki::{Diagnostic, Signer, SignerError};
use sha2::Digest;

/// TC26 key type of 512-bit GOST keys (`NSSCK_VENDOR_PKCS11_RU_TEAM | 3`).
const CKK_GOSTR3410_512: u64 = 0xD432_1003;
/// TC26: raw signature of a 64-octet digest with a 512-bit key.
const CKM_GOSTR3410_512: u64 = 0xD432_1006;
/// TC26: Streebog-256 and signature with a 256-bit key.
const CKM_GOSTR3410_WITH_GOSTR3411_12_256: u64 = 0xD432_1008;
/// TC26: Streebog-512 and signature with a 512-bit key.
const CKM_GOSTR3410_WITH_GOSTR3411_12_512: u64 = 0xD432_1009;

/// Why a PKCS#11 operation failed. Never carries a PIN.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The module file could not be loaded or initialised.
    #[error("cannot load the PKCS#11 module {path}: {source}")]
    Load {
        /// The module file.
        path: PathBuf,
        /// What `dlopen` or `C_Initialize` said.
        source: CkError,
    },
    /// No token matches the selection (or there is none at all).
    #[error("no PKCS#11 token {0}")]
    TokenNotFound(String),
    /// Several tokens are present and none was chosen.
    #[error("{0} tokens are present; choose one")]
    TokenAmbiguous(usize),
    /// No private key matches.
    #[error("no private key {0} on the token")]
    KeyNotFound(String),
    /// Several private keys match.
    #[error("several private keys {0} on the token")]
    KeyAmbiguous(String),
    /// The key is not of the kind asked for (GOST R 34.10-2012 or EC).
    #[error("the key is not a {0} key")]
    KeyUnsupported(&'static str),
    /// The token offers no mechanism this operation can use.
    #[error("the token offers no mechanism for {0}")]
    MechanismUnavailable(&'static str),
    /// Neither a certificate nor `CKA_PUBLIC_KEY_INFO` gives the public key.
    #[error("the public key of key {0} cannot be read from the token")]
    PublicKeyUnavailable(String),
    /// The certificate given is not the key's.
    #[error("the certificate does not belong to key {0}")]
    CertificateMismatch(String),
    /// The user PIN is wrong.
    #[error("wrong token PIN")]
    PinIncorrect {
        /// Whether the token reports that one try is left.
        final_try: bool,
    },
    /// The user PIN is locked.
    #[error("the token PIN is locked")]
    PinLocked,
    /// The token's signature does not verify with the key's public key.
    #[error("the token returned a signature its public key does not verify")]
    BadSignature,
    /// A PKCS#11 call failed.
    #[error("{function} failed: {rv:?}")]
    Call {
        /// The function.
        function: Function,
        /// Its return value.
        rv: RvError,
    },
    /// `cryptoki` failed outside a PKCS#11 call.
    #[error("PKCS#11 client error: {0}")]
    Client(CkError),
}

impl From<CkError> for Pkcs11Error {
    fn from(e: CkError) -> Self {
        match e {
            CkError::Pkcs11(RvError::PinIncorrect, _) => {
                Pkcs11Error::PinIncorrect { final_try: false }
            }
            CkError::Pkcs11(RvError::PinLocked, _) => Pkcs11Error::PinLocked,
            CkError::Pkcs11(rv, function) => Pkcs11Error::Call { function, rv },
            other => Pkcs11Error::Client(other),
        }
    }
}

impl Diagnostic for Pkcs11Error {
    fn code(&self) -> &'static str {
        match self {
            Pkcs11Error::Load { .. } => "PKCS11_MODULE_LOAD",
            Pkcs11Error::TokenNotFound(_) => "PKCS11_TOKEN_NOT_FOUND",
            Pkcs11Error::TokenAmbiguous(_) => "PKCS11_TOKEN_AMBIGUOUS",
            Pkcs11Error::KeyNotFound(_) => "PKCS11_KEY_NOT_FOUND",
            Pkcs11Error::KeyAmbiguous(_) => "PKCS11_KEY_AMBIGUOUS",
            Pkcs11Error::KeyUnsupported(_) => "PKCS11_KEY_UNSUPPORTED",
            Pkcs11Error::MechanismUnavailable(_) => "PKCS11_MECHANISM_UNAVAILABLE",
            Pkcs11Error::PublicKeyUnavailable(_) => "PKCS11_PUBLIC_KEY_UNAVAILABLE",
            Pkcs11Error::CertificateMismatch(_) => "PKCS11_CERT_KEY_MISMATCH",
            Pkcs11Error::PinIncorrect { .. } => "PIN_INCORRECT",
            Pkcs11Error::PinLocked => "PIN_LOCKED",
            Pkcs11Error::BadSignature => "PKCS11_BAD_SIGNATURE",
            Pkcs11Error::Call { .. } | Pkcs11Error::Client(_) => "PKCS11_FAILED",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            Pkcs11Error::Load { path, source } => format!(
                "Не удалось загрузить модуль PKCS#11 {}: {source}. Проверьте путь к библиотеке (.so) токена.",
                path.display()
            ),
            Pkcs11Error::TokenNotFound(which) => format!(
                "Токен PKCS#11 {which} не найден. Подключите токен; список: `podpis token list --pkcs11 МОДУЛЬ`."
            ),
            Pkcs11Error::TokenAmbiguous(n) => {
                format!("Подключено токенов: {n}. Выберите один: --slot или --token-label.")
            }
            Pkcs11Error::KeyNotFound(which) => format!(
                "На токене нет закрытого ключа {which}. Список объектов: `podpis token list --pkcs11 МОДУЛЬ`."
            ),
            Pkcs11Error::KeyAmbiguous(which) => {
                format!("На токене несколько закрытых ключей {which}. Укажите ключ по --key-id.")
            }
            Pkcs11Error::KeyUnsupported(kind) => {
                format!("Выбранный ключ — не ключ {kind}. Выберите другой ключ.")
            }
            Pkcs11Error::MechanismUnavailable(what) => format!(
                "Токен не поддерживает механизм для операции: {what}. Используйте токен с механизмами ТК 26 ГОСТ Р 34.10-2012."
            ),
            Pkcs11Error::PublicKeyUnavailable(id) => format!(
                "Не удалось прочитать открытый ключ ключа {id}: на токене нет его сертификата. \
                 Запишите сертификат на токен или укажите его файлом (--cert)."
            ),
            Pkcs11Error::CertificateMismatch(id) => format!(
                "Сертификат не соответствует ключу {id} на токене. Укажите сертификат этого ключа."
            ),
            Pkcs11Error::PinIncorrect { final_try: true } => {
                "Неверный PIN-код токена. Осталась одна попытка, затем PIN-код будет заблокирован."
                    .into()
            }
            Pkcs11Error::PinIncorrect { final_try: false } => {
                "Неверный PIN-код токена. После нескольких неверных попыток PIN-код блокируется."
                    .into()
            }
            Pkcs11Error::PinLocked => "PIN-код токена заблокирован. Разблокируйте его PIN-кодом \
                администратора (SO PIN), например `pkcs11-tool --login --login-type so --init-pin`."
                .into(),
            Pkcs11Error::BadSignature => {
                "Токен вернул подпись, которая не проверяется его открытым \
                ключом. Проверьте, что сертификат соответствует ключу; если да, токен неисправен."
                    .into()
            }
            Pkcs11Error::Call { function, rv } => format!(
                "Ошибка токена PKCS#11: {function} вернул {rv:?}. Повторите; если ошибка повторяется, проверьте токен."
            ),
            Pkcs11Error::Client(e) => format!("Ошибка клиента PKCS#11: {e}."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            Pkcs11Error::Load { path, source } => format!(
                "Cannot load the PKCS#11 module {}: {source}. Check the path of the token's library (.so).",
                path.display()
            ),
            Pkcs11Error::TokenNotFound(which) => format!(
                "No PKCS#11 token {which}. Plug the token in; list them with `podpis token list --pkcs11 MODULE`."
            ),
            Pkcs11Error::TokenAmbiguous(n) => {
                format!("{n} tokens are present. Choose one with --slot or --token-label.")
            }
            Pkcs11Error::KeyNotFound(which) => format!(
                "No private key {which} on the token. List its objects with `podpis token list --pkcs11 MODULE`."
            ),
            Pkcs11Error::KeyAmbiguous(which) => {
                format!("Several private keys {which} on the token. Choose one with --key-id.")
            }
            Pkcs11Error::KeyUnsupported(kind) => {
                format!("The chosen key is not a {kind} key. Choose another key.")
            }
            Pkcs11Error::MechanismUnavailable(what) => format!(
                "The token offers no mechanism for {what}. Use a token with the TC26 GOST R 34.10-2012 mechanisms."
            ),
            Pkcs11Error::PublicKeyUnavailable(id) => format!(
                "Cannot read the public key of key {id}: the token holds no certificate for it. \
                 Store the certificate on the token or pass it as a file (--cert)."
            ),
            Pkcs11Error::CertificateMismatch(id) => format!(
                "The certificate does not belong to key {id} on the token. Pass this key's certificate."
            ),
            Pkcs11Error::PinIncorrect { final_try: true } => {
                "Wrong token PIN. One try is left before the PIN locks.".into()
            }
            Pkcs11Error::PinIncorrect { final_try: false } => {
                "Wrong token PIN. The PIN locks after a few wrong tries.".into()
            }
            Pkcs11Error::PinLocked => "The token PIN is locked. Unblock it with the SO PIN, e.g. \
                `pkcs11-tool --login --login-type so --init-pin`."
                .into(),
            Pkcs11Error::BadSignature => "The token returned a signature its public key does not \
                verify. Check that the certificate belongs to the key; if it does, the token is faulty."
                .into(),
            Pkcs11Error::Call { function, rv } => format!(
                "PKCS#11 token error: {function} returned {rv:?}. Retry; if it persists, check the token."
            ),
            Pkcs11Error::Client(e) => format!("PKCS#11 client error: {e}."),
        }
    }
}

/// Which token to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSelector {
    /// The only initialised token present (an error if there are several).
    Only,
    /// The token in this slot.
    Slot(u64),
    /// The token with this label.
    Label(String),
}

/// Which private key to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySelector {
    /// By `CKA_ID`.
    Id(Vec<u8>),
    /// By `CKA_LABEL`.
    Label(String),
}

impl fmt::Display for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySelector::Id(id) => write!(f, "id {}", hex(id)),
            KeySelector::Label(l) => write!(f, "label {l:?}"),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A token as the slot list shows it.
#[derive(Debug, Clone)]
pub struct TokenSummary {
    /// The slot id.
    pub slot: u64,
    /// `CKA_LABEL` of the token.
    pub label: String,
    /// The manufacturer.
    pub manufacturer: String,
    /// The model.
    pub model: String,
    /// The serial number.
    pub serial: String,
    /// The user PIN is locked.
    pub pin_locked: bool,
    /// Wrong user PINs were entered since the last right one.
    pub pin_count_low: bool,
}

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A public key.
    PublicKey,
    /// A private key (listed only after a login).
    PrivateKey,
    /// An X.509 certificate.
    Certificate,
}

/// An object on a token, as `podpis token list --pkcs11` shows it.
#[derive(Debug, Clone)]
pub struct ObjectSummary {
    /// What it is.
    pub kind: ObjectKind,
    /// `CKA_ID`.
    pub id: Vec<u8>,
    /// `CKA_LABEL`.
    pub label: String,
    /// The key type (`gost2012-256`, `gost2012-512`, `ec`, …) of keys.
    pub key_type: Option<String>,
    /// The certificate's subject (RFC 4514) and DER of certificates.
    pub certificate: Option<(String, Vec<u8>)>,
}

/// A loaded and initialised PKCS#11 module.
#[derive(Debug, Clone)]
pub struct Pkcs11Module {
    ctx: Pkcs11,
}

fn key_type_name(t: KeyType) -> String {
    if t == KeyType::GOSTR3410 {
        "gost2012-256".into()
    } else if KeyType::new_vendor_defined(CKK_GOSTR3410_512).is_ok_and(|v| v == t) {
        "gost2012-512".into()
    } else if t == KeyType::EC {
        "ec".into()
    } else {
        t.to_string().to_lowercase()
    }
}

fn vendor(mech: u64) -> Result<MechanismType, Pkcs11Error> {
    Ok(MechanismType::new_vendor_defined(mech)?)
}

fn vendor_mechanism(mech: MechanismType) -> Mechanism<'static> {
    Mechanism::VendorDefined(VendorDefinedMechanism::new::<()>(mech, None))
}

impl Pkcs11Module {
    /// Loads `path` and calls `C_Initialize` (OS locking); a module this
    /// process already initialised is used as it is. Load a module once per
    /// process and clone the handle: dropping the instance that initialised
    /// the module calls `C_Finalize` for every user of it.
    pub fn load(path: &Path) -> Result<Pkcs11Module, Pkcs11Error> {
        let load_error = |source| Pkcs11Error::Load {
            path: path.to_owned(),
            source,
        };
        let ctx = Pkcs11::new(path).map_err(load_error)?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(load_error(e)),
        }
        Ok(Pkcs11Module { ctx })
    }

    /// The initialised tokens present (a blank token, such as the free slot
    /// SoftHSM always shows, is left out).
    pub fn tokens(&self) -> Result<Vec<TokenSummary>, Pkcs11Error> {
        self.ctx
            .get_slots_with_initialized_token()?
            .into_iter()
            .map(|slot| {
                let info = self.ctx.get_token_info(slot)?;
                Ok(TokenSummary {
                    slot: slot.id(),
                    label: info.label().to_owned(),
                    manufacturer: info.manufacturer_id().to_owned(),
                    model: info.model().to_owned(),
                    serial: info.serial_number().to_owned(),
                    pin_locked: info.user_pin_locked(),
                    pin_count_low: info.user_pin_count_low(),
                })
            })
            .collect()
    }

    fn slot(&self, token: &TokenSelector) -> Result<Slot, Pkcs11Error> {
        let slots = self.ctx.get_slots_with_initialized_token()?;
        match token {
            TokenSelector::Only => match slots.as_slice() {
                [slot] => Ok(*slot),
                [] => Err(Pkcs11Error::TokenNotFound("(none present)".into())),
                many => Err(Pkcs11Error::TokenAmbiguous(many.len())),
            },
            TokenSelector::Slot(id) => slots
                .into_iter()
                .find(|s| s.id() == *id)
                .ok_or_else(|| Pkcs11Error::TokenNotFound(format!("in slot {id}"))),
            TokenSelector::Label(label) => {
                let mut found = Vec::new();
                for slot in slots {
                    if self.ctx.get_token_info(slot)?.label() == label {
                        found.push(slot);
                    }
                }
                match found.as_slice() {
                    [slot] => Ok(*slot),
                    [] => Err(Pkcs11Error::TokenNotFound(format!("labelled {label:?}"))),
                    many => Err(Pkcs11Error::TokenAmbiguous(many.len())),
                }
            }
        }
    }

    /// The public objects of a token (no PIN): public keys and
    /// certificates.
    pub fn objects(&self, token: &TokenSelector) -> Result<Vec<ObjectSummary>, Pkcs11Error> {
        let session = self.ctx.open_ro_session(self.slot(token)?)?;
        list_objects(&session)
    }

    /// Logs in to a token with the user PIN.
    pub fn login(&self, token: &TokenSelector, pin: &str) -> Result<TokenLogin, Pkcs11Error> {
        let slot = self.slot(token)?;
        let session = self.ctx.open_ro_session(slot)?;
        match session.login(UserType::User, Some(&AuthPin::new(pin.into()))) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                let final_try = self.ctx.get_token_info(slot)?.user_pin_final_try();
                return Err(Pkcs11Error::PinIncorrect { final_try });
            }
            Err(e) => return Err(e.into()),
        }
        let mechanisms = self.ctx.get_mechanism_list(slot)?;
        Ok(TokenLogin {
            ctx: self.ctx.clone(),
            slot,
            session,
            mechanisms,
        })
    }
}

fn list_objects(session: &Session) -> Result<Vec<ObjectSummary>, Pkcs11Error> {
    let mut out = Vec::new();
    for (class, kind) in [
        (ObjectClass::PRIVATE_KEY, ObjectKind::PrivateKey),
        (ObjectClass::PUBLIC_KEY, ObjectKind::PublicKey),
        (ObjectClass::CERTIFICATE, ObjectKind::Certificate),
    ] {
        for handle in session.find_objects(&[Attribute::Class(class)])? {
            let mut summary = ObjectSummary {
                kind,
                id: Vec::new(),
                label: String::new(),
                key_type: None,
                certificate: None,
            };
            let mut types = vec![AttributeType::Id, AttributeType::Label];
            types.push(if kind == ObjectKind::Certificate {
                AttributeType::Value
            } else {
                AttributeType::KeyType
            });
            for attr in session.get_attributes(handle, &types)? {
                match attr {
                    Attribute::Id(id) => summary.id = id,
                    Attribute::Label(l) => summary.label = String::from_utf8_lossy(&l).into_owned(),
                    Attribute::KeyType(t) => summary.key_type = Some(key_type_name(t)),
                    Attribute::Value(der) => {
                        let subject = x509_cert::Certificate::from_der(&der)
                            .map(|c| c.tbs_certificate().subject().to_string())
                            .unwrap_or_default();
                        summary.certificate = Some((subject, der));
                    }
                    _ => {}
                }
            }
            out.push(summary);
        }
    }
    Ok(out)
}

/// A token with the user logged in.
#[derive(Debug)]
pub struct TokenLogin {
    ctx: Pkcs11,
    slot: Slot,
    session: Session,
    mechanisms: Vec<MechanismType>,
}

impl TokenLogin {
    /// Every object, private keys included.
    pub fn objects(&self) -> Result<Vec<ObjectSummary>, Pkcs11Error> {
        list_objects(&self.session)
    }

    /// The one private key `key` selects, with its `CKA_ID` and key type.
    fn private_key(
        &self,
        key: &KeySelector,
    ) -> Result<(ObjectHandle, Vec<u8>, KeyType), Pkcs11Error> {
        let selector = match key {
            KeySelector::Id(id) => Attribute::Id(id.clone()),
            KeySelector::Label(l) => Attribute::Label(l.as_bytes().to_vec()),
        };
        let found = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), selector])?;
        let handle = match found.as_slice() {
            [h] => *h,
            [] => return Err(Pkcs11Error::KeyNotFound(key.to_string())),
            _ => return Err(Pkcs11Error::KeyAmbiguous(key.to_string())),
        };
        let mut id = Vec::new();
        let mut key_type = None;
        for attr in self
            .session
            .get_attributes(handle, &[AttributeType::Id, AttributeType::KeyType])?
        {
            match attr {
                Attribute::Id(v) => id = v,
                Attribute::KeyType(t) => key_type = Some(t),
                _ => {}
            }
        }
        let key_type = key_type.ok_or(Pkcs11Error::KeyUnsupported("GOST R 34.10-2012 or EC"))?;
        Ok((handle, id, key_type))
    }

    /// The value of the first object of `class` with `CKA_ID = id`, if any.
    fn value_by_id(
        &self,
        class: ObjectClass,
        id: &[u8],
        attr: AttributeType,
    ) -> Result<Option<Vec<u8>>, Pkcs11Error> {
        let found = self
            .session
            .find_objects(&[Attribute::Class(class), Attribute::Id(id.to_vec())])?;
        let Some(handle) = found.first() else {
            return Ok(None);
        };
        Ok(self
            .session
            .get_attributes(*handle, &[attr])?
            .into_iter()
            .find_map(|a| match a {
                Attribute::Value(v)
                | Attribute::PublicKeyInfo(v)
                | Attribute::EcPoint(v)
                | Attribute::EcParams(v) => Some(v),
                _ => None,
            })
            .filter(|v| !v.is_empty()))
    }

    /// The vendor mechanism `mech` if the token signs with it (asked with
    /// `C_GetMechanismInfo`: `cryptoki` leaves vendor values out of the
    /// mechanism list).
    fn offers(&self, mech: u64) -> Result<Option<MechanismType>, Pkcs11Error> {
        let m = vendor(mech)?;
        Ok(match self.ctx.get_mechanism_info(self.slot, m) {
            Ok(info) if info.sign() => Some(m),
            Ok(_) | Err(CkError::Pkcs11(RvError::MechanismInvalid, _)) => None,
            Err(e) => return Err(e.into()),
        })
    }

    /// A [`pki::Signer`] for the GOST R 34.10-2012 key `key`. The public key
    /// is taken from `certificate` when given, else from the token (its
    /// certificate with the key's `CKA_ID`, or `CKA_PUBLIC_KEY_INFO`).
    pub fn gost_signer(
        self,
        key: &KeySelector,
        certificate: Option<&[u8]>,
    ) -> Result<Pkcs11Signer, Pkcs11Error> {
        let (handle, id, key_type) = self.private_key(key)?;
        let size = if key_type == KeyType::GOSTR3410 {
            KeySize::Bits256
        } else if key_type == KeyType::new_vendor_defined(CKK_GOSTR3410_512)? {
            KeySize::Bits512
        } else {
            return Err(Pkcs11Error::KeyUnsupported("GOST R 34.10-2012"));
        };
        let key_of = |der: &[u8]| VerifyingKey::from_public_key_der(der).ok();
        let cert_key = |der: &[u8]| {
            x509_cert::Certificate::from_der(der)
                .ok()
                .and_then(|c| {
                    der::Encode::to_der(c.tbs_certificate().subject_public_key_info()).ok()
                })
                .and_then(|spki| key_of(&spki))
        };
        let info = self
            .value_by_id(ObjectClass::PUBLIC_KEY, &id, AttributeType::PublicKeyInfo)?
            .and_then(|der| key_of(&der));
        let certificate = match certificate {
            Some(der) => {
                // A certificate given by the caller must carry this key.
                let given = cert_key(der).filter(|k| k.param_set().key_size() == size);
                match (&given, &info) {
                    (None, _) => return Err(Pkcs11Error::CertificateMismatch(hex(&id))),
                    (Some(g), Some(i)) if g.to_le_bytes() != i.to_le_bytes() => {
                        return Err(Pkcs11Error::CertificateMismatch(hex(&id)));
                    }
                    _ => {}
                }
                Some(der.to_vec())
            }
            None => self.value_by_id(ObjectClass::CERTIFICATE, &id, AttributeType::Value)?,
        };
        let public = certificate
            .as_deref()
            .and_then(cert_key)
            .or(info)
            .filter(|k| k.param_set().key_size() == size)
            .ok_or_else(|| Pkcs11Error::PublicKeyUnavailable(hex(&id)))?;
        let (with_hash, raw) = match size {
            KeySize::Bits256 => (self.offers(CKM_GOSTR3410_WITH_GOSTR3411_12_256)?, None),
            KeySize::Bits512 => (
                self.offers(CKM_GOSTR3410_WITH_GOSTR3411_12_512)?,
                self.offers(CKM_GOSTR3410_512)?,
            ),
        };
        if with_hash.is_none() && raw.is_none() {
            return Err(Pkcs11Error::MechanismUnavailable(
                "GOST R 34.10-2012 signing",
            ));
        }
        Ok(Pkcs11Signer {
            _ctx: self.ctx,
            session: Mutex::new(self.session),
            key: handle,
            id,
            public,
            certificate,
            with_hash,
            raw,
        })
    }

    /// The EC key `key`, for raw ECDSA signing.
    pub fn ecdsa_key(self, key: &KeySelector) -> Result<EcdsaKey, Pkcs11Error> {
        let (handle, id, key_type) = self.private_key(key)?;
        if key_type != KeyType::EC {
            return Err(Pkcs11Error::KeyUnsupported("EC"));
        }
        let mechanism = if self.mechanisms.contains(&MechanismType::ECDSA) {
            Mechanism::Ecdsa
        } else if self.mechanisms.contains(&MechanismType::ECDSA_SHA256) {
            Mechanism::EcdsaSha256
        } else {
            return Err(Pkcs11Error::MechanismUnavailable("ECDSA"));
        };
        let ec_point = self
            .value_by_id(ObjectClass::PUBLIC_KEY, &id, AttributeType::EcPoint)?
            .unwrap_or_default();
        Ok(EcdsaKey {
            _ctx: self.ctx,
            session: Mutex::new(self.session),
            key: handle,
            raw_digest: matches!(mechanism, Mechanism::Ecdsa),
            ec_point,
        })
    }
}

/// A GOST R 34.10-2012 key on a token, usable wherever a [`pki::Signer`] is.
/// Holds the logged-in session until dropped.
pub struct Pkcs11Signer {
    _ctx: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    id: Vec<u8>,
    public: VerifyingKey,
    certificate: Option<Vec<u8>>,
    with_hash: Option<MechanismType>,
    raw: Option<MechanismType>,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("id", &hex(&self.id))
            .field("public", &self.public)
            .field("with_hash", &self.with_hash)
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl Pkcs11Signer {
    /// The key's `CKA_ID`.
    pub fn id(&self) -> &[u8] {
        &self.id
    }

    /// The key's certificate (DER): the one passed in, else the token's.
    pub fn certificate(&self) -> Option<&[u8]> {
        self.certificate.as_deref()
    }

    fn sign_with(&self, mech: MechanismType, data: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        // A poisoned lock means a panic mid-call elsewhere; the session is
        // still a session.
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        Ok(session.sign(&vendor_mechanism(mech), self.key, data)?)
    }

    /// The token's signature as a [`Signature`], checked against the public
    /// key in PKCS#11's `s ‖ r` order and, failing that, in CryptoAPI's.
    fn checked(&self, raw: &[u8], digest: &[u8]) -> Result<Signature, Pkcs11Error> {
        [
            Signature::from_bytes(raw),
            Signature::from_raw_cryptoapi(raw),
        ]
        .into_iter()
        .flatten()
        .find(|s| self.public.verify_digest(digest, s).is_ok())
        .ok_or(Pkcs11Error::BadSignature)
    }
}

fn holder(e: Pkcs11Error) -> SignerError {
    SignerError::Holder(Box::new(e))
}

impl Signer for Pkcs11Signer {
    fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    fn certificate_der(&self) -> Option<&[u8]> {
        self.certificate()
    }

    /// Signs a digest with the raw mechanism (512-bit keys only; see the
    /// module documentation).
    fn sign_digest(&self, digest: &[u8]) -> Result<Signature, SignerError> {
        let Some(raw) = self.raw else {
            return Err(holder(Pkcs11Error::MechanismUnavailable(
                "signing a digest (CKM_GOSTR3410 cannot be called through cryptoki)",
            )));
        };
        if digest.len() != self.public.param_set().field_bytes() {
            return Err(gost::Error::Length {
                expected: self.public.param_set().field_bytes(),
                actual: digest.len(),
            }
            .into());
        }
        let sig = self.sign_with(raw, digest).map_err(holder)?;
        self.checked(&sig, digest).map_err(holder)
    }

    /// Signs a message with the with-hash mechanism when the token offers
    /// it, else hashes here and signs the digest.
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, SignerError> {
        let digest = self.digest_algorithm().digest(message);
        match self.with_hash {
            Some(mech) => {
                let sig = self.sign_with(mech, message).map_err(holder)?;
                Ok(self.checked(&sig, &digest).map_err(holder)?.to_bytes())
            }
            None => Ok(self.sign_digest(&digest)?.to_bytes()),
        }
    }
}

impl From<Pkcs11Error> for SignerError {
    fn from(e: Pkcs11Error) -> Self {
        holder(e)
    }
}

/// An EC key on a token: ECDSA signatures as the raw `r ‖ s` of
/// `CKM_ECDSA` (each half as wide as the curve order; 64 octets for P-256).
pub struct EcdsaKey {
    _ctx: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    raw_digest: bool,
    ec_point: Vec<u8>,
}

impl fmt::Debug for EcdsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcdsaKey")
            .field("raw_digest", &self.raw_digest)
            .finish_non_exhaustive()
    }
}

impl EcdsaKey {
    /// ECDSA over SHA-256 of `message`: `CKM_ECDSA` over a digest computed
    /// here, or `CKM_ECDSA_SHA256` when that is all the token offers.
    pub fn sign_sha256(&self, message: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        let sig = if self.raw_digest {
            let digest = sha2::Sha256::digest(message);
            session.sign(&Mechanism::Ecdsa, self.key, &digest)?
        } else {
            session.sign(&Mechanism::EcdsaSha256, self.key, message)?
        };
        Ok(sig)
    }

    /// The public key's `CKA_EC_POINT` as the token stores it (a DER OCTET
    /// STRING around the uncompressed point, or the bare point), if the
    /// token has the public key object.
    pub fn ec_point(&self) -> &[u8] {
        &self.ec_point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_codes_and_say_what_to_do() {
        let e = Pkcs11Error::from(CkError::Pkcs11(RvError::PinLocked, Function::Login));
        assert_eq!(e.code(), "PIN_LOCKED");
        assert!(e.message_en().contains("SO PIN"));
        let e = Pkcs11Error::from(CkError::Pkcs11(RvError::DeviceError, Function::Sign));
        assert_eq!(e.code(), "PKCS11_FAILED");
        assert!(e.message_en().contains("DeviceError"), "{}", e.message_en());
        assert_eq!(
            Pkcs11Error::KeyNotFound(KeySelector::Id(vec![1, 0xab]).to_string()).message_en(),
            "No private key id 01ab on the token. List its objects with `podpis token list --pkcs11 MODULE`."
        );
    }
}
