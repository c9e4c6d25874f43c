//! The module's state machine in safe Rust: slots, sessions, login state,
//! object handles, find, key generation, sign/verify/digest operations.
//!
//! [`Module`] is what `C_Initialize` creates and `C_Finalize` drops; the FFI
//! layer (`ffi.rs`) only converts pointers to Rust values and back. Every
//! method returns the PKCS#11 return value of a failure as `Err(CK_RV)`.
//!
//! Login state belongs to a token, not a session (PKCS#11 §5.5): one
//! `C_Login` serves every session of the slot, and closing the slot's last
//! session logs out. A user login holds the container's unlocked
//! [`Session`](token::container::Session) (the master key, zeroized when
//! dropped); an SO login holds the SO PIN, zeroized, until `C_Logout`, so
//! that `C_InitPIN` and `C_SetPIN` can hand it to the container.

use std::collections::BTreeMap;
use std::path::Path;

use cryptoki_sys::*;
use gost::{KeySize, Signature, VerifyingKey};
use pki::Signer;
use pki::algorithm::{DigestAlgorithm, Hasher};
use token::container::{Container, ContainerError, ContainerSigner, KeyInfo, Session as Unlocked};
use zeroize::Zeroizing;

use crate::config::TokenConfig;
use crate::consts::*;
use crate::object::{self, Attr, Kind};

/// A PKCS#11 result: the value, or the `CKR_*` code of the failure.
pub type Result<T> = std::result::Result<T, CK_RV>;

/// The manufacturer shown in slot, token and library information.
pub const MANUFACTURER: &str = "podpis";
/// The shortest PIN `C_InitPIN` and `C_SetPIN` accept.
pub const MIN_PIN_LEN: usize = 1;
/// The longest PIN accepted.
pub const MAX_PIN_LEN: usize = 256;

/// The mechanisms every token offers: type, minimum and maximum key size in
/// bits, flags.
pub const MECHANISMS: [(CK_MECHANISM_TYPE, CK_ULONG, CK_ULONG, CK_FLAGS); 8] = [
    (CKM_GOSTR3410_KEY_PAIR_GEN, 256, 256, CKF_GENERATE_KEY_PAIR),
    (
        CKM_GOSTR3410_512_KEY_PAIR_GEN,
        512,
        512,
        CKF_GENERATE_KEY_PAIR,
    ),
    (CKM_GOSTR3410, 256, 256, CKF_SIGN | CKF_VERIFY),
    (CKM_GOSTR3410_512, 512, 512, CKF_SIGN | CKF_VERIFY),
    (
        CKM_GOSTR3410_WITH_GOSTR3411_12_256,
        256,
        256,
        CKF_SIGN | CKF_VERIFY,
    ),
    (
        CKM_GOSTR3410_WITH_GOSTR3411_12_512,
        512,
        512,
        CKF_SIGN | CKF_VERIFY,
    ),
    (CKM_GOSTR3411_12_256, 0, 0, CKF_DIGEST),
    (CKM_GOSTR3411_12_512, 0, 0, CKF_DIGEST),
];

/// A mechanism as the caller passed it.
#[derive(Debug, Clone, Copy)]
pub struct Mechanism<'a> {
    /// `CKM_*`.
    pub kind: CK_MECHANISM_TYPE,
    /// The parameter octets (empty when none).
    pub param: &'a [u8],
}

/// An attribute template: types with their values.
pub type Template = [(CK_ATTRIBUTE_TYPE, Vec<u8>)];

/// What `C_GetSlotInfo` reports.
#[derive(Debug, Clone)]
pub struct SlotInfo {
    /// `slotDescription`.
    pub description: String,
    /// `flags`: `CKF_TOKEN_PRESENT` when the container can be opened.
    pub flags: CK_FLAGS,
}

/// What `C_GetTokenInfo` reports.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// `label`.
    pub label: String,
    /// `model`.
    pub model: String,
    /// `serialNumber`: 16 hex digits, stable for the container's path.
    pub serial: String,
    /// `flags`, the PIN counter flags among them.
    pub flags: CK_FLAGS,
    /// Open sessions of the slot.
    pub sessions: usize,
    /// Open read/write sessions of the slot.
    pub rw_sessions: usize,
}

/// What `C_GetSessionInfo` reports.
#[derive(Debug, Clone, Copy)]
pub struct SessionInfo {
    /// The slot.
    pub slot: CK_SLOT_ID,
    /// `CKS_*`.
    pub state: CK_STATE,
    /// `CKF_SERIAL_SESSION`, and `CKF_RW_SESSION` when read/write.
    pub flags: CK_FLAGS,
}

enum Login {
    Public,
    User(Unlocked),
    So(Zeroizing<String>),
}

struct Slot {
    config: TokenConfig,
    serial: String,
    login: Login,
}

impl Slot {
    fn container(&self) -> Result<Container> {
        Container::open(&self.config.path).map_err(container_rv)
    }

    fn user(&self) -> Result<&Unlocked> {
        match &self.login {
            Login::User(s) => Ok(s),
            _ => Err(CKR_USER_NOT_LOGGED_IN),
        }
    }
}

struct ObjectRef {
    slot: usize,
    key_id: String,
    kind: Kind,
}

struct SignOp {
    signer: ContainerSigner,
    hash: Option<Hasher>,
    multipart: bool,
}

struct VerifyOp {
    key: VerifyingKey,
    hash: Option<Hasher>,
    multipart: bool,
}

struct DigestOp {
    hash: Hasher,
    len: usize,
    multipart: bool,
}

struct Session {
    slot: usize,
    rw: bool,
    find: Option<(Vec<CK_OBJECT_HANDLE>, usize)>,
    sign: Option<SignOp>,
    verify: Option<VerifyOp>,
    digest: Option<DigestOp>,
}

/// The whole state of the module between `C_Initialize` and `C_Finalize`.
pub struct Module {
    slots: Vec<Slot>,
    sessions: BTreeMap<CK_SESSION_HANDLE, Session>,
    next_session: CK_SESSION_HANDLE,
    /// Object handle `h` is `objects[h - 1]`; handles stay valid for the
    /// module's life (an object that disappeared from its container gives
    /// `CKR_OBJECT_HANDLE_INVALID`).
    objects: Vec<ObjectRef>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("slots", &self.slots.len())
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

/// The `CKR_*` code for a container failure.
pub fn container_rv(e: ContainerError) -> CK_RV {
    match e {
        ContainerError::PinIncorrect { .. } | ContainerError::SoPinIncorrect { .. } => {
            CKR_PIN_INCORRECT
        }
        ContainerError::PinLocked | ContainerError::SoPinLocked => CKR_PIN_LOCKED,
        ContainerError::KeyNotFound(_) => CKR_OBJECT_HANDLE_INVALID,
        ContainerError::KeyIdExists(_) | ContainerError::InvalidParams(_) => {
            CKR_ATTRIBUTE_VALUE_INVALID
        }
        ContainerError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => CKR_TOKEN_NOT_PRESENT,
        ContainerError::Foreign | ContainerError::VersionUnsupported(_) => CKR_TOKEN_NOT_RECOGNIZED,
        ContainerError::Corrupt(_) | ContainerError::Io(_) => CKR_DEVICE_ERROR,
        ContainerError::Gost(_) | ContainerError::Crypto => CKR_FUNCTION_FAILED,
        _ => CKR_GENERAL_ERROR,
    }
}

fn pin_str(pin: &[u8]) -> Result<&str> {
    // The container's PINs are text; other octets can never be right.
    std::str::from_utf8(pin).map_err(|_| CKR_PIN_INCORRECT)
}

fn new_pin(pin: &[u8]) -> Result<&str> {
    if !(MIN_PIN_LEN..=MAX_PIN_LEN).contains(&pin.len()) {
        return Err(CKR_PIN_LEN_RANGE);
    }
    std::str::from_utf8(pin).map_err(|_| CKR_PIN_INVALID)
}

fn serial(path: &Path) -> String {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let digest = DigestAlgorithm::Streebog256.digest(canonical.as_os_str().as_encoded_bytes());
    object::id_hex(&digest[..8])
}

fn digest_algorithm(size: KeySize) -> DigestAlgorithm {
    DigestAlgorithm::for_key_size(size)
}

/// The key size a signing mechanism works with and whether it hashes.
fn sign_mechanism(mech: Mechanism<'_>) -> Result<(KeySize, bool)> {
    let (size, hashes) = match mech.kind {
        CKM_GOSTR3410 => (KeySize::Bits256, false),
        CKM_GOSTR3410_512 => (KeySize::Bits512, false),
        CKM_GOSTR3410_WITH_GOSTR3411_12_256 => (KeySize::Bits256, true),
        CKM_GOSTR3410_WITH_GOSTR3411_12_512 => (KeySize::Bits512, true),
        _ => return Err(CKR_MECHANISM_INVALID),
    };
    // The with-hash mechanisms may name their hash (a DER OID); nothing
    // else takes a parameter.
    let param_ok = mech.param.is_empty()
        || (hashes && mech.param == object::oid_der(&object::digest_oid(size)).as_slice());
    if !param_ok {
        return Err(CKR_MECHANISM_PARAM_INVALID);
    }
    Ok((size, hashes))
}

impl Module {
    /// A module showing `tokens`, one slot each (slot id = position).
    pub fn new(tokens: Vec<TokenConfig>) -> Module {
        Module {
            slots: tokens
                .into_iter()
                .map(|config| Slot {
                    serial: serial(&config.path),
                    config,
                    login: Login::Public,
                })
                .collect(),
            sessions: BTreeMap::new(),
            next_session: 1,
            objects: Vec::new(),
        }
    }

    fn slot(&self, id: CK_SLOT_ID) -> Result<&Slot> {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.slots.get(i))
            .ok_or(CKR_SLOT_ID_INVALID)
    }

    fn session(&self, h: CK_SESSION_HANDLE) -> Result<&Session> {
        self.sessions.get(&h).ok_or(CKR_SESSION_HANDLE_INVALID)
    }

    fn session_mut(&mut self, h: CK_SESSION_HANDLE) -> Result<&mut Session> {
        self.sessions.get_mut(&h).ok_or(CKR_SESSION_HANDLE_INVALID)
    }

    fn session_slot(&self, h: CK_SESSION_HANDLE) -> Result<(&Session, &Slot)> {
        let s = self.session(h)?;
        Ok((s, &self.slots[s.slot]))
    }

    fn slot_sessions(&self, slot: usize) -> impl Iterator<Item = &Session> {
        self.sessions.values().filter(move |s| s.slot == slot)
    }

    /// `C_GetSlotList`: every slot, or those whose container opens.
    pub fn slot_list(&self, token_present: bool) -> Vec<CK_SLOT_ID> {
        (0..self.slots.len())
            .filter(|&i| !token_present || self.slots[i].container().is_ok())
            .filter_map(|i| CK_SLOT_ID::try_from(i).ok())
            .collect()
    }

    /// `C_GetSlotInfo`.
    pub fn slot_info(&self, id: CK_SLOT_ID) -> Result<SlotInfo> {
        let slot = self.slot(id)?;
        let present = slot.container().is_ok();
        Ok(SlotInfo {
            description: format!("podpis container {}", slot.config.path.display()),
            flags: if present { CKF_TOKEN_PRESENT } else { 0 },
        })
    }

    /// `C_GetTokenInfo`: the PIN counter flags come from the container.
    pub fn token_info(&self, id: CK_SLOT_ID) -> Result<TokenInfo> {
        let slot = self.slot(id)?;
        let container = slot.container()?;
        let max = CK_ULONG::from(container.params().user_max_tries);
        let user_left = CK_ULONG::from(container.user_tries_left().map_err(container_rv)?);
        let so_left = CK_ULONG::from(container.so_tries_left().map_err(container_rv)?);
        let mut flags =
            CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
        flags |= match user_left {
            0 => CKF_USER_PIN_LOCKED,
            1 => CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW,
            n if n < max => CKF_USER_PIN_COUNT_LOW,
            _ => 0,
        };
        flags |= match so_left {
            0 => CKF_SO_PIN_LOCKED,
            1 => CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_COUNT_LOW,
            n if n < CK_ULONG::from(token::container::SO_MAX_TRIES) => CKF_SO_PIN_COUNT_LOW,
            _ => 0,
        };
        let slot_index = usize::try_from(id).map_err(|_| CKR_SLOT_ID_INVALID)?;
        Ok(TokenInfo {
            label: slot.config.label(),
            model: "file container".into(),
            serial: slot.serial.clone(),
            flags,
            sessions: self.slot_sessions(slot_index).count(),
            rw_sessions: self.slot_sessions(slot_index).filter(|s| s.rw).count(),
        })
    }

    /// `C_GetMechanismList`.
    pub fn mechanism_list(&self, id: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>> {
        self.slot(id)?;
        Ok(MECHANISMS.iter().map(|m| m.0).collect())
    }

    /// `C_GetMechanismInfo`: minimum and maximum key bits, flags.
    pub fn mechanism_info(
        &self,
        id: CK_SLOT_ID,
        mech: CK_MECHANISM_TYPE,
    ) -> Result<(CK_ULONG, CK_ULONG, CK_FLAGS)> {
        self.slot(id)?;
        MECHANISMS
            .iter()
            .find(|m| m.0 == mech)
            .map(|m| (m.1, m.2, m.3))
            .ok_or(CKR_MECHANISM_INVALID)
    }

    /// `C_OpenSession`.
    pub fn open_session(&mut self, id: CK_SLOT_ID, flags: CK_FLAGS) -> Result<CK_SESSION_HANDLE> {
        let slot = self.slot(id)?;
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
        }
        slot.container()?;
        let rw = flags & CKF_RW_SESSION != 0;
        if !rw && matches!(slot.login, Login::So(_)) {
            return Err(CKR_SESSION_READ_WRITE_SO_EXISTS);
        }
        let h = self.next_session;
        self.next_session += 1;
        let slot = usize::try_from(id).map_err(|_| CKR_SLOT_ID_INVALID)?;
        self.sessions.insert(
            h,
            Session {
                slot,
                rw,
                find: None,
                sign: None,
                verify: None,
                digest: None,
            },
        );
        Ok(h)
    }

    /// `C_CloseSession`; closing a slot's last session logs it out.
    pub fn close_session(&mut self, h: CK_SESSION_HANDLE) -> Result<()> {
        let session = self.sessions.remove(&h).ok_or(CKR_SESSION_HANDLE_INVALID)?;
        if self.slot_sessions(session.slot).next().is_none() {
            self.slots[session.slot].login = Login::Public;
        }
        Ok(())
    }

    /// `C_CloseAllSessions`.
    pub fn close_all_sessions(&mut self, id: CK_SLOT_ID) -> Result<()> {
        self.slot(id)?;
        let slot = usize::try_from(id).map_err(|_| CKR_SLOT_ID_INVALID)?;
        self.sessions.retain(|_, s| s.slot != slot);
        self.slots[slot].login = Login::Public;
        Ok(())
    }

    /// `C_GetSessionInfo`.
    pub fn session_info(&self, h: CK_SESSION_HANDLE) -> Result<SessionInfo> {
        let (s, slot) = self.session_slot(h)?;
        let state = match (&slot.login, s.rw) {
            (Login::So(_), _) => CKS_RW_SO_FUNCTIONS,
            (Login::User(_), true) => CKS_RW_USER_FUNCTIONS,
            (Login::User(_), false) => CKS_RO_USER_FUNCTIONS,
            (Login::Public, true) => CKS_RW_PUBLIC_SESSION,
            (Login::Public, false) => CKS_RO_PUBLIC_SESSION,
        };
        let flags = CKF_SERIAL_SESSION | if s.rw { CKF_RW_SESSION } else { 0 };
        Ok(SessionInfo {
            slot: CK_SLOT_ID::try_from(s.slot).map_err(|_| CKR_GENERAL_ERROR)?,
            state,
            flags,
        })
    }

    /// `C_Login`: a wrong PIN costs a try in the container
    /// (`CKR_PIN_INCORRECT`); a locked PIN gives `CKR_PIN_LOCKED`.
    pub fn login(&mut self, h: CK_SESSION_HANDLE, user: CK_USER_TYPE, pin: &[u8]) -> Result<()> {
        let (_, slot) = self.session_slot(h)?;
        let index = self.session(h)?.slot;
        match (user, &slot.login) {
            (CKU_USER | CKU_SO, Login::Public) => {}
            (CKU_USER, Login::User(_)) | (CKU_SO, Login::So(_)) => {
                return Err(CKR_USER_ALREADY_LOGGED_IN);
            }
            (CKU_USER | CKU_SO, _) => return Err(CKR_USER_ANOTHER_ALREADY_LOGGED_IN),
            // No key asks for a per-operation PIN.
            (CKU_CONTEXT_SPECIFIC, _) => return Err(CKR_OPERATION_NOT_INITIALIZED),
            _ => return Err(CKR_USER_TYPE_INVALID),
        }
        if user == CKU_SO && self.slot_sessions(index).any(|s| !s.rw) {
            return Err(CKR_SESSION_READ_ONLY_EXISTS);
        }
        let pin = pin_str(pin)?;
        let container = slot.container()?;
        let login = if user == CKU_SO {
            container.verify_so_pin(pin).map_err(container_rv)?;
            Login::So(Zeroizing::new(pin.to_owned()))
        } else {
            Login::User(container.login(pin).map_err(container_rv)?)
        };
        self.slots[index].login = login;
        Ok(())
    }

    /// `C_Logout`: forgets the master key or SO PIN and ends the slot's
    /// operations and searches, which may involve private objects.
    pub fn logout(&mut self, h: CK_SESSION_HANDLE) -> Result<()> {
        let index = self.session(h)?.slot;
        if matches!(self.slots[index].login, Login::Public) {
            return Err(CKR_USER_NOT_LOGGED_IN);
        }
        self.slots[index].login = Login::Public;
        for s in self.sessions.values_mut().filter(|s| s.slot == index) {
            s.sign = None;
            s.find = None;
        }
        Ok(())
    }

    /// `C_InitPIN`: the logged-in SO sets a new user PIN, which also
    /// unblocks a locked one.
    pub fn init_pin(&mut self, h: CK_SESSION_HANDLE, pin: &[u8]) -> Result<()> {
        let (_, slot) = self.session_slot(h)?;
        let Login::So(so_pin) = &slot.login else {
            return Err(CKR_USER_NOT_LOGGED_IN);
        };
        let pin = new_pin(pin)?;
        slot.container()?.unblock(so_pin, pin).map_err(container_rv)
    }

    /// `C_SetPIN`: changes the SO PIN when the SO is logged in, else the
    /// user PIN (the old PIN is checked and counted).
    pub fn set_pin(&mut self, h: CK_SESSION_HANDLE, old: &[u8], new: &[u8]) -> Result<()> {
        let (s, slot) = self.session_slot(h)?;
        if !s.rw {
            return Err(CKR_SESSION_READ_ONLY);
        }
        let new = new_pin(new)?;
        let old = pin_str(old)?;
        let container = slot.container()?;
        let result = match slot.login {
            Login::So(_) => container.change_so_pin(old, new),
            _ => container.change_pin(old, new),
        };
        result.map_err(container_rv)?;
        let index = s.slot;
        if let Login::So(pin) = &mut self.slots[index].login {
            *pin = Zeroizing::new(new.to_owned());
        }
        Ok(())
    }

    fn handle(&mut self, slot: usize, key_id: &str, kind: Kind) -> CK_OBJECT_HANDLE {
        let index = match self
            .objects
            .iter()
            .position(|o| o.slot == slot && o.kind == kind && o.key_id == key_id)
        {
            Some(i) => i,
            None => {
                self.objects.push(ObjectRef {
                    slot,
                    key_id: key_id.to_owned(),
                    kind,
                });
                self.objects.len() - 1
            }
        };
        CK_OBJECT_HANDLE::try_from(index + 1).unwrap_or(CK_INVALID_HANDLE)
    }

    /// The key behind object `obj` as session `h` may see it.
    fn object(&self, h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> Result<(KeyInfo, Kind)> {
        let (s, slot) = self.session_slot(h)?;
        let o = usize::try_from(obj)
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.objects.get(i))
            .filter(|o| o.slot == s.slot)
            .ok_or(CKR_OBJECT_HANDLE_INVALID)?;
        if o.kind.is_private() && slot.user().is_err() {
            return Err(CKR_OBJECT_HANDLE_INVALID);
        }
        let info = slot
            .container()?
            .keys()
            .map_err(container_rv)?
            .into_iter()
            .find(|k| k.id == o.key_id)
            .filter(|k| o.kind != Kind::Certificate || k.certificate.is_some())
            .ok_or(CKR_OBJECT_HANDLE_INVALID)?;
        Ok((info, o.kind))
    }

    /// `C_GetAttributeValue`: one [`Attr`] per requested type.
    pub fn attributes(
        &self,
        h: CK_SESSION_HANDLE,
        obj: CK_OBJECT_HANDLE,
        types: &[CK_ATTRIBUTE_TYPE],
    ) -> Result<Vec<Attr>> {
        let (info, kind) = self.object(h, obj)?;
        Ok(types
            .iter()
            .map(|t| object::attribute(&info, kind, *t))
            .collect())
    }

    /// `C_FindObjectsInit`: the matching objects are collected now.
    pub fn find_init(&mut self, h: CK_SESSION_HANDLE, template: &Template) -> Result<()> {
        let (s, slot) = self.session_slot(h)?;
        if s.find.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let index = s.slot;
        let user = slot.user().is_ok();
        let keys = slot.container()?.keys().map_err(container_rv)?;
        let mut found = Vec::new();
        for info in &keys {
            for kind in Kind::of(info) {
                if (user || !kind.is_private()) && object::matches(info, kind, template) {
                    found.push(self.handle(index, &info.id, kind));
                }
            }
        }
        self.session_mut(h)?.find = Some((found, 0));
        Ok(())
    }

    /// `C_FindObjects`: up to `max` more handles.
    pub fn find(&mut self, h: CK_SESSION_HANDLE, max: usize) -> Result<Vec<CK_OBJECT_HANDLE>> {
        let (found, next) = self
            .session_mut(h)?
            .find
            .as_mut()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let end = found.len().min(next.saturating_add(max));
        let out = found[*next..end].to_vec();
        *next = end;
        Ok(out)
    }

    /// `C_FindObjectsFinal`.
    pub fn find_final(&mut self, h: CK_SESSION_HANDLE) -> Result<()> {
        self.session_mut(h)?
            .find
            .take()
            .map(|_| ())
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)
    }

    /// `C_GenerateKeyPair`: a GOST key in the container; returns the public
    /// and private key handles. `CKA_GOSTR3410_PARAMS` is required,
    /// `CKA_EXTRACTABLE` (default false) becomes the container's exportable
    /// flag, `CKA_ID` (1–64 octets) the key's id; attributes the container
    /// cannot honour are refused (`CKR_ATTRIBUTE_VALUE_INVALID`), unknown ones
    /// too (`CKR_ATTRIBUTE_TYPE_INVALID`).
    pub fn generate_key_pair(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: Mechanism<'_>,
        public: &Template,
        private: &Template,
    ) -> Result<(CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)> {
        let (s, slot) = self.session_slot(h)?;
        let unlocked = slot.user()?;
        if !s.rw {
            return Err(CKR_SESSION_READ_ONLY);
        }
        let size = match mech.kind {
            CKM_GOSTR3410_KEY_PAIR_GEN => KeySize::Bits256,
            CKM_GOSTR3410_512_KEY_PAIR_GEN => KeySize::Bits512,
            _ => return Err(CKR_MECHANISM_INVALID),
        };
        if !mech.param.is_empty() {
            return Err(CKR_MECHANISM_PARAM_INVALID);
        }
        let spec = KeySpec::from_templates(size, public, private)?;
        let param_set = spec.param_set.ok_or(CKR_TEMPLATE_INCOMPLETE)?;
        let label = spec.label.unwrap_or_default();
        let id = match spec.id {
            Some(id) => {
                unlocked
                    .generate_key_with_id(param_set, &id, &label, spec.exportable)
                    .map_err(container_rv)?;
                id
            }
            None => unlocked
                .generate_key(param_set, &label, spec.exportable)
                .map_err(container_rv)?,
        };
        let index = s.slot;
        Ok((
            self.handle(index, &id, Kind::PublicKey),
            self.handle(index, &id, Kind::PrivateKey),
        ))
    }

    /// `C_SignInit`: the private key is decrypted now and kept until the
    /// operation ends.
    pub fn sign_init(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: Mechanism<'_>,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        let (s, slot) = self.session_slot(h)?;
        if s.sign.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let unlocked = slot.user()?;
        let (size, hashes) = sign_mechanism(mech)?;
        let (info, kind) = self.object(h, key).map_err(|_| CKR_KEY_HANDLE_INVALID)?;
        if kind != Kind::PrivateKey {
            return Err(CKR_KEY_HANDLE_INVALID);
        }
        if info.param_set.key_size() != size {
            return Err(CKR_KEY_TYPE_INCONSISTENT);
        }
        let signer = unlocked.signer(&info.id).map_err(container_rv)?;
        let hash = hashes.then(|| digest_algorithm(size).hasher());
        self.session_mut(h)?.sign = Some(SignOp {
            signer,
            hash,
            multipart: false,
        });
        Ok(())
    }

    /// The length of the signature the active operation will produce.
    pub fn sign_len(&self, h: CK_SESSION_HANDLE) -> Result<usize> {
        let op = self
            .session(h)?
            .sign
            .as_ref()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        Ok(2 * op.signer.param_set().field_bytes())
    }

    /// `C_Sign`: signs `data` (the digest for the raw mechanisms, the message
    /// for the with-hash ones) and ends the operation. The result is
    /// `s ‖ r`, both big-endian, as PKCS#11 specifies for `CKM_GOSTR3410`.
    pub fn sign(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<Vec<u8>> {
        let op = self
            .session_mut(h)?
            .sign
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        if op.multipart {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let digest = match op.hash {
            Some(mut hash) => {
                hash.update(data);
                hash.finalize()
            }
            None if data.len() == op.signer.param_set().field_bytes() => data.to_vec(),
            None => return Err(CKR_DATA_LEN_RANGE),
        };
        sign_digest(&op.signer, &digest)
    }

    /// `C_SignUpdate`: more message for a with-hash mechanism.
    pub fn sign_update(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let s = self.session_mut(h)?;
        let op = s.sign.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let Some(hash) = op.hash.as_mut() else {
            // The raw mechanisms are single-part.
            s.sign = None;
            return Err(CKR_FUNCTION_NOT_SUPPORTED);
        };
        hash.update(data);
        op.multipart = true;
        Ok(())
    }

    /// `C_SignFinal`: signs what `C_SignUpdate` fed and ends the operation.
    pub fn sign_final(&mut self, h: CK_SESSION_HANDLE) -> Result<Vec<u8>> {
        let op = self
            .session_mut(h)?
            .sign
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let hash = op.hash.ok_or(CKR_FUNCTION_NOT_SUPPORTED)?;
        sign_digest(&op.signer, &hash.finalize())
    }

    /// `C_VerifyInit` with a public key object.
    pub fn verify_init(
        &mut self,
        h: CK_SESSION_HANDLE,
        mech: Mechanism<'_>,
        key: CK_OBJECT_HANDLE,
    ) -> Result<()> {
        if self.session(h)?.verify.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let (size, hashes) = sign_mechanism(mech)?;
        let (info, kind) = self.object(h, key).map_err(|_| CKR_KEY_HANDLE_INVALID)?;
        if kind != Kind::PublicKey {
            return Err(CKR_KEY_HANDLE_INVALID);
        }
        if info.param_set.key_size() != size {
            return Err(CKR_KEY_TYPE_INCONSISTENT);
        }
        let key = object::public_key(&info).ok_or(CKR_DEVICE_ERROR)?;
        self.session_mut(h)?.verify = Some(VerifyOp {
            key,
            hash: hashes.then(|| digest_algorithm(size).hasher()),
            multipart: false,
        });
        Ok(())
    }

    /// `C_Verify`: `CKR_SIGNATURE_INVALID` or `CKR_SIGNATURE_LEN_RANGE` on
    /// failure; ends the operation.
    pub fn verify(&mut self, h: CK_SESSION_HANDLE, data: &[u8], signature: &[u8]) -> Result<()> {
        let op = self
            .session_mut(h)?
            .verify
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        if op.multipart {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let field = op.key.param_set().field_bytes();
        let digest = match op.hash {
            Some(mut hash) => {
                hash.update(data);
                hash.finalize()
            }
            None if data.len() == field => data.to_vec(),
            None => return Err(CKR_DATA_LEN_RANGE),
        };
        verify_digest(&op.key, &digest, signature)
    }

    /// `C_VerifyUpdate`.
    pub fn verify_update(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let s = self.session_mut(h)?;
        let op = s.verify.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let Some(hash) = op.hash.as_mut() else {
            s.verify = None;
            return Err(CKR_FUNCTION_NOT_SUPPORTED);
        };
        hash.update(data);
        op.multipart = true;
        Ok(())
    }

    /// `C_VerifyFinal`.
    pub fn verify_final(&mut self, h: CK_SESSION_HANDLE, signature: &[u8]) -> Result<()> {
        let op = self
            .session_mut(h)?
            .verify
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let hash = op.hash.ok_or(CKR_FUNCTION_NOT_SUPPORTED)?;
        verify_digest(&op.key, &hash.finalize(), signature)
    }

    /// `C_DigestInit` with `CKM_GOSTR3411_12_256` or `_512`.
    pub fn digest_init(&mut self, h: CK_SESSION_HANDLE, mech: Mechanism<'_>) -> Result<()> {
        let s = self.session_mut(h)?;
        if s.digest.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let algorithm = match mech.kind {
            CKM_GOSTR3411_12_256 => DigestAlgorithm::Streebog256,
            CKM_GOSTR3411_12_512 => DigestAlgorithm::Streebog512,
            _ => return Err(CKR_MECHANISM_INVALID),
        };
        if !mech.param.is_empty() {
            return Err(CKR_MECHANISM_PARAM_INVALID);
        }
        s.digest = Some(DigestOp {
            len: algorithm.digest(b"").len(),
            hash: algorithm.hasher(),
            multipart: false,
        });
        Ok(())
    }

    /// The digest length of the active digest operation.
    pub fn digest_len(&self, h: CK_SESSION_HANDLE) -> Result<usize> {
        Ok(self
            .session(h)?
            .digest
            .as_ref()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?
            .len)
    }

    /// `C_Digest`.
    pub fn digest(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<Vec<u8>> {
        let mut op = self
            .session_mut(h)?
            .digest
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        if op.multipart {
            return Err(CKR_OPERATION_ACTIVE);
        }
        op.hash.update(data);
        Ok(op.hash.finalize())
    }

    /// `C_DigestUpdate`.
    pub fn digest_update(&mut self, h: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
        let op = self
            .session_mut(h)?
            .digest
            .as_mut()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        op.hash.update(data);
        op.multipart = true;
        Ok(())
    }

    /// `C_DigestFinal`.
    pub fn digest_final(&mut self, h: CK_SESSION_HANDLE) -> Result<Vec<u8>> {
        let op = self
            .session_mut(h)?
            .digest
            .take()
            .ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        Ok(op.hash.finalize())
    }

    /// `C_GenerateRandom`: from the operating system's generator.
    pub fn generate_random(&self, h: CK_SESSION_HANDLE, len: usize) -> Result<Vec<u8>> {
        self.session(h)?;
        let mut out = vec![0u8; len];
        getrandom::fill(&mut out).map_err(|_| CKR_FUNCTION_FAILED)?;
        Ok(out)
    }
}

fn sign_digest(signer: &ContainerSigner, digest: &[u8]) -> Result<Vec<u8>> {
    signer
        .sign_digest(digest)
        .map(|s| s.to_bytes())
        .map_err(|_| CKR_FUNCTION_FAILED)
}

fn verify_digest(key: &VerifyingKey, digest: &[u8], signature: &[u8]) -> Result<()> {
    if signature.len() != 2 * key.param_set().field_bytes() {
        return Err(CKR_SIGNATURE_LEN_RANGE);
    }
    let signature = Signature::from_bytes(signature).map_err(|_| CKR_SIGNATURE_LEN_RANGE)?;
    key.verify_digest(digest, &signature)
        .map_err(|_| CKR_SIGNATURE_INVALID)
}

/// What a key pair template asks for.
#[derive(Debug, Default)]
struct KeySpec {
    param_set: Option<gost::ParamSet>,
    id: Option<String>,
    label: Option<String>,
    exportable: bool,
}

impl KeySpec {
    fn from_templates(size: KeySize, public: &Template, private: &Template) -> Result<KeySpec> {
        let mut spec = KeySpec::default();
        for (template, is_private) in [(public, false), (private, true)] {
            for (t, v) in template {
                spec.apply(size, is_private, *t, v)?;
            }
        }
        Ok(spec)
    }

    /// Records one attribute; the same attribute in both templates must
    /// agree.
    fn apply(
        &mut self,
        size: KeySize,
        private: bool,
        t: CK_ATTRIBUTE_TYPE,
        v: &[u8],
    ) -> Result<()> {
        fn set<T: PartialEq>(slot: &mut Option<T>, value: T) -> Result<()> {
            match slot {
                Some(old) if *old != value => Err(CKR_TEMPLATE_INCONSISTENT),
                _ => {
                    *slot = Some(value);
                    Ok(())
                }
            }
        }
        let flag = || match v {
            [b] => Ok(*b != 0),
            _ => Err(CKR_ATTRIBUTE_VALUE_INVALID),
        };
        let must = |want: bool| {
            if flag()? == want {
                Ok(())
            } else {
                Err(CKR_ATTRIBUTE_VALUE_INVALID)
            }
        };
        let ulong = || {
            <[u8; std::mem::size_of::<CK_ULONG>()]>::try_from(v)
                .map(CK_ULONG::from_ne_bytes)
                .map_err(|_| CKR_ATTRIBUTE_VALUE_INVALID)
        };
        match t {
            CKA_CLASS => {
                let want = if private {
                    CKO_PRIVATE_KEY
                } else {
                    CKO_PUBLIC_KEY
                };
                if ulong()? != want {
                    return Err(CKR_TEMPLATE_INCONSISTENT);
                }
            }
            CKA_KEY_TYPE => {
                if ulong()? != object::key_type(size) {
                    return Err(CKR_TEMPLATE_INCONSISTENT);
                }
            }
            CKA_GOSTR3410_PARAMS => {
                let p = object::param_set_from_der(v, size).ok_or(CKR_ATTRIBUTE_VALUE_INVALID)?;
                set(&mut self.param_set, p)?;
            }
            CKA_GOSTR3411_PARAMS => {
                if v != object::oid_der(&object::digest_oid(size)).as_slice() {
                    return Err(CKR_ATTRIBUTE_VALUE_INVALID);
                }
            }
            CKA_ID => {
                if v.is_empty() || v.len() > 64 {
                    return Err(CKR_ATTRIBUTE_VALUE_INVALID);
                }
                set(&mut self.id, object::id_hex(v))?;
            }
            CKA_LABEL => {
                let label = std::str::from_utf8(v).map_err(|_| CKR_ATTRIBUTE_VALUE_INVALID)?;
                set(&mut self.label, label.to_owned())?;
            }
            // Only token objects: the container is the token.
            CKA_TOKEN => must(true)?,
            CKA_PRIVATE => must(private)?,
            CKA_SIGN if private => must(true)?,
            CKA_VERIFY if !private => must(true)?,
            // PKCS#11 lets a token choose; the container never reveals a
            // private key's value, so a non-sensitive key cannot be made.
            CKA_SENSITIVE if private => must(true)?,
            CKA_EXTRACTABLE if private => self.exportable = flag()?,
            CKA_DERIVE
            | CKA_ENCRYPT
            | CKA_DECRYPT
            | CKA_WRAP
            | CKA_UNWRAP
            | CKA_SIGN_RECOVER
            | CKA_VERIFY_RECOVER
            | CKA_MODIFIABLE
            | CKA_COPYABLE
            | CKA_DESTROYABLE
            | CKA_ALWAYS_AUTHENTICATE
            | CKA_WRAP_WITH_TRUSTED
            | CKA_TRUSTED => must(false)?,
            CKA_SUBJECT | CKA_START_DATE | CKA_END_DATE if v.is_empty() => {}
            CKA_SUBJECT | CKA_START_DATE | CKA_END_DATE => return Err(CKR_ATTRIBUTE_VALUE_INVALID),
            _ => return Err(CKR_ATTRIBUTE_TYPE_INVALID),
        }
        Ok(())
    }
}
