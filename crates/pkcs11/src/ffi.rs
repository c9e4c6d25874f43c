//! The C ABI: `C_GetFunctionList` and the functions of its table.
//!
//! This is the only module with `unsafe` code. Each function checks and
//! converts its pointer arguments into Rust values, calls [`Module`] under
//! the global lock, and writes the results back following PKCS#11 §5.2
//! (a NULL output buffer asks for the length; a short one gives
//! `CKR_BUFFER_TOO_SMALL` with the needed length). Nothing panics across the
//! boundary: every body runs under `catch_unwind`, and a panic becomes
//! `CKR_GENERAL_ERROR`.
//!
//! Only `C_GetFunctionList` is exported by name; applications reach every
//! other function through its table (as NSS, OpenSSL's pkcs11 provider,
//! p11-kit and OpenSC do). Functions the module does not implement return
//! `CKR_FUNCTION_NOT_SUPPORTED`.
#![allow(unsafe_code)]
// The C_* names are PKCS#11's.
#![allow(non_snake_case)]

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::{Mutex, PoisonError};

use cryptoki_sys::*;
use pki::Diagnostic;

use crate::module::{self, Mechanism, Module, Result};
use crate::object::Attr;

/// The module between `C_Initialize` and `C_Finalize`; the one lock every
/// call takes (`CKF_OS_LOCKING_OK`: the module locks on its own).
static STATE: Mutex<Option<Module>> = Mutex::new(None);

/// Runs `f`, mapping a panic to `CKR_GENERAL_ERROR`.
fn guard(f: impl FnOnce() -> Result<()>) -> CK_RV {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(rv)) => rv,
        Err(_) => CKR_GENERAL_ERROR,
    }
}

/// Runs `f` on the initialised module under the lock.
fn with_module(f: impl FnOnce(&mut Module) -> Result<()>) -> CK_RV {
    guard(|| {
        // A panic while the lock was held poisons it; the state itself is
        // consistent between calls, so the lock is taken back.
        let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
        f(state.as_mut().ok_or(CKR_CRYPTOKI_NOT_INITIALIZED)?)
    })
}

/// A caller's input array as a slice; NULL is allowed only with length 0.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` elements for `'a`.
unsafe fn input<'a, T>(ptr: *const T, len: CK_ULONG) -> Result<&'a [T]> {
    let len = usize::try_from(len).map_err(|_| CKR_ARGUMENTS_BAD)?;
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: non-null, and the caller guarantees `len` readable elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A caller's output location; NULL is `CKR_ARGUMENTS_BAD`.
///
/// # Safety
/// `ptr` is NULL or valid for writes of one `T` for `'a`.
unsafe fn out<'a, T>(ptr: *mut T) -> Result<&'a mut T> {
    // SAFETY: the caller guarantees a non-null `ptr` is valid and unaliased.
    unsafe { ptr.as_mut() }.ok_or(CKR_ARGUMENTS_BAD)
}

/// Writes a variable-length result (PKCS#11 §5.2). `needed` is the length
/// the result will have; `produce` makes it only when the buffer has room,
/// so a length query does not end an operation.
///
/// # Safety
/// `len` is NULL or valid for reads and writes; `buf` is NULL or valid for
/// writes of `*len` bytes.
unsafe fn write_output(
    buf: *mut CK_BYTE,
    len: *mut CK_ULONG,
    needed: usize,
    produce: impl FnOnce() -> Result<Vec<u8>>,
) -> Result<()> {
    // SAFETY: forwarded from the caller.
    let len = unsafe { out(len) }?;
    let needed_ul = CK_ULONG::try_from(needed).map_err(|_| CKR_GENERAL_ERROR)?;
    if buf.is_null() {
        *len = needed_ul;
        return Ok(());
    }
    if *len < needed_ul {
        *len = needed_ul;
        return Err(CKR_BUFFER_TOO_SMALL);
    }
    let data = produce()?;
    // SAFETY: `buf` has room for `*len >= needed >= data.len()` bytes.
    unsafe { ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
    *len = CK_ULONG::try_from(data.len()).map_err(|_| CKR_GENERAL_ERROR)?;
    Ok(())
}

/// Writes a list of `CK_ULONG`s with the same conventions.
///
/// # Safety
/// As [`write_output`], with `buf` holding `*len` elements.
unsafe fn write_list(buf: *mut CK_ULONG, len: *mut CK_ULONG, items: &[CK_ULONG]) -> Result<()> {
    // SAFETY: forwarded from the caller.
    let len = unsafe { out(len) }?;
    let n = CK_ULONG::try_from(items.len()).map_err(|_| CKR_GENERAL_ERROR)?;
    if buf.is_null() {
        *len = n;
        return Ok(());
    }
    if *len < n {
        *len = n;
        return Err(CKR_BUFFER_TOO_SMALL);
    }
    // SAFETY: `buf` has room for `*len >= items.len()` elements.
    unsafe { ptr::copy_nonoverlapping(items.as_ptr(), buf, items.len()) };
    *len = n;
    Ok(())
}

/// Copies an attribute template.
///
/// # Safety
/// `template` is NULL or valid for `count` attributes, each `pValue` NULL
/// or valid for `ulValueLen` bytes.
unsafe fn template(
    template: *const CK_ATTRIBUTE,
    count: CK_ULONG,
) -> Result<Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>> {
    // SAFETY: forwarded from the caller.
    let attrs = unsafe { input(template, count) }?;
    attrs
        .iter()
        .map(|a| {
            // SAFETY: the caller guarantees each value's buffer.
            let value = unsafe { input(a.pValue as *const u8, a.ulValueLen) }?;
            Ok((a.type_, value.to_vec()))
        })
        .collect()
}

/// Reads a mechanism.
///
/// # Safety
/// `mech` is NULL or valid, its parameter NULL or valid for its length.
unsafe fn mechanism<'a>(mech: *const CK_MECHANISM) -> Result<Mechanism<'a>> {
    // SAFETY: the caller guarantees a non-null `mech` is valid.
    let m = unsafe { mech.as_ref() }.ok_or(CKR_ARGUMENTS_BAD)?;
    // SAFETY: the caller guarantees the parameter buffer.
    let param = unsafe { input(m.pParameter as *const u8, m.ulParameterLen) }?;
    Ok(Mechanism {
        kind: m.mechanism,
        param,
    })
}

/// A string blank-padded to a fixed field, cut at a character boundary.
fn padded<const N: usize>(s: &str) -> [CK_UTF8CHAR; N] {
    let mut field = [b' '; N];
    let mut end = s.len().min(N);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    field[..end].copy_from_slice(&s.as_bytes()[..end]);
    field
}

fn version() -> CK_VERSION {
    CK_VERSION {
        major: env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap_or(0),
        minor: env!("CARGO_PKG_VERSION_MINOR").parse().unwrap_or(0),
    }
}

fn count(n: usize) -> CK_ULONG {
    CK_ULONG::try_from(n).unwrap_or(CK_UNAVAILABLE_INFORMATION)
}

unsafe extern "C" fn C_Initialize(args: *mut c_void) -> CK_RV {
    guard(|| {
        // SAFETY: PKCS#11 says a non-NULL argument points to CK_C_INITIALIZE_ARGS.
        if let Some(args) = unsafe { (args as *const CK_C_INITIALIZE_ARGS).as_ref() } {
            if !args.pReserved.is_null() {
                return Err(CKR_ARGUMENTS_BAD);
            }
            let given = [
                args.CreateMutex.is_some(),
                args.DestroyMutex.is_some(),
                args.LockMutex.is_some(),
                args.UnlockMutex.is_some(),
            ];
            if given.iter().any(|g| *g != given[0]) {
                return Err(CKR_ARGUMENTS_BAD);
            }
            // Only the operating system's locks are used.
            if given[0] && args.flags & CKF_OS_LOCKING_OK == 0 {
                return Err(CKR_CANT_LOCK);
            }
        }
        let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
        if state.is_some() {
            return Err(CKR_CRYPTOKI_ALREADY_INITIALIZED);
        }
        let tokens = crate::config::from_environment().map_err(|e| {
            // The host application shows only the return code; say why once.
            eprintln!(
                "podpis-pkcs11: {} / {} [{}]",
                e.message_ru(),
                e.message_en(),
                e.code()
            );
            CKR_GENERAL_ERROR
        })?;
        *state = Some(Module::new(tokens));
        Ok(())
    })
}

unsafe extern "C" fn C_Finalize(reserved: *mut c_void) -> CK_RV {
    guard(|| {
        if !reserved.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
        state.take().map(drop).ok_or(CKR_CRYPTOKI_NOT_INITIALIZED)
    })
}

unsafe extern "C" fn C_GetInfo(info: *mut CK_INFO) -> CK_RV {
    with_module(|_| {
        // SAFETY: the caller passes a CK_INFO to fill or NULL.
        *unsafe { out(info) }? = CK_INFO {
            cryptokiVersion: CK_VERSION {
                major: 2,
                minor: 40,
            },
            manufacturerID: padded(module::MANUFACTURER),
            flags: 0,
            libraryDescription: padded("podpis PKCS#11 (GOST file keys)"),
            libraryVersion: version(),
        };
        Ok(())
    })
}

/// The entry point: hands out the table of the module's functions.
///
/// # Safety
/// `list` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn C_GetFunctionList(list: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    guard(|| {
        // SAFETY: the caller passes a location for the pointer or NULL.
        // The table is never written through: PKCS#11 declares the pointer
        // non-const for historical reasons only.
        *unsafe { out(list) }? = ptr::addr_of!(FUNCTION_LIST).cast_mut();
        Ok(())
    })
}

unsafe extern "C" fn C_GetSlotList(
    present: CK_BBOOL,
    list: *mut CK_SLOT_ID,
    len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let slots = m.slot_list(present != 0);
        // SAFETY: the caller's buffer and length, per PKCS#11.
        unsafe { write_list(list, len, &slots) }
    })
}

unsafe extern "C" fn C_GetSlotInfo(slot: CK_SLOT_ID, info: *mut CK_SLOT_INFO) -> CK_RV {
    with_module(|m| {
        let i = m.slot_info(slot)?;
        // SAFETY: the caller passes a CK_SLOT_INFO to fill or NULL.
        *unsafe { out(info) }? = CK_SLOT_INFO {
            slotDescription: padded(&i.description),
            manufacturerID: padded(module::MANUFACTURER),
            flags: i.flags,
            hardwareVersion: version(),
            firmwareVersion: version(),
        };
        Ok(())
    })
}

unsafe extern "C" fn C_GetTokenInfo(slot: CK_SLOT_ID, info: *mut CK_TOKEN_INFO) -> CK_RV {
    with_module(|m| {
        let i = m.token_info(slot)?;
        // SAFETY: the caller passes a CK_TOKEN_INFO to fill or NULL.
        *unsafe { out(info) }? = CK_TOKEN_INFO {
            label: padded(&i.label),
            manufacturerID: padded(module::MANUFACTURER),
            model: padded(&i.model),
            serialNumber: padded(&i.serial),
            flags: i.flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: count(i.sessions),
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: count(i.rw_sessions),
            ulMaxPinLen: count(module::MAX_PIN_LEN),
            ulMinPinLen: count(module::MIN_PIN_LEN),
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: version(),
            firmwareVersion: version(),
            utcTime: [b' '; 16],
        };
        Ok(())
    })
}

unsafe extern "C" fn C_GetMechanismList(
    slot: CK_SLOT_ID,
    list: *mut CK_MECHANISM_TYPE,
    len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let mechs = m.mechanism_list(slot)?;
        // SAFETY: the caller's buffer and length, per PKCS#11.
        unsafe { write_list(list, len, &mechs) }
    })
}

unsafe extern "C" fn C_GetMechanismInfo(
    slot: CK_SLOT_ID,
    mech: CK_MECHANISM_TYPE,
    info: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    with_module(|m| {
        let (min, max, flags) = m.mechanism_info(slot, mech)?;
        // SAFETY: the caller passes a CK_MECHANISM_INFO to fill or NULL.
        *unsafe { out(info) }? = CK_MECHANISM_INFO {
            ulMinKeySize: min,
            ulMaxKeySize: max,
            flags,
        };
        Ok(())
    })
}

unsafe extern "C" fn C_InitPIN(
    h: CK_SESSION_HANDLE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's PIN buffer.
        let pin = unsafe { input(pin, len) }?;
        m.init_pin(h, pin)
    })
}

unsafe extern "C" fn C_SetPIN(
    h: CK_SESSION_HANDLE,
    old: *mut CK_UTF8CHAR,
    old_len: CK_ULONG,
    new: *mut CK_UTF8CHAR,
    new_len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's PIN buffers.
        let (old, new) = unsafe { (input(old, old_len)?, input(new, new_len)?) };
        m.set_pin(h, old, new)
    })
}

unsafe extern "C" fn C_OpenSession(
    slot: CK_SLOT_ID,
    flags: CK_FLAGS,
    _application: *mut c_void,
    _notify: CK_NOTIFY,
    session: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's location for the handle.
        let session = unsafe { out(session) }?;
        *session = m.open_session(slot, flags)?;
        Ok(())
    })
}

unsafe extern "C" fn C_CloseSession(h: CK_SESSION_HANDLE) -> CK_RV {
    with_module(|m| m.close_session(h))
}

unsafe extern "C" fn C_CloseAllSessions(slot: CK_SLOT_ID) -> CK_RV {
    with_module(|m| m.close_all_sessions(slot))
}

unsafe extern "C" fn C_GetSessionInfo(h: CK_SESSION_HANDLE, info: *mut CK_SESSION_INFO) -> CK_RV {
    with_module(|m| {
        let i = m.session_info(h)?;
        // SAFETY: the caller passes a CK_SESSION_INFO to fill or NULL.
        *unsafe { out(info) }? = CK_SESSION_INFO {
            slotID: i.slot,
            state: i.state,
            flags: i.flags,
            ulDeviceError: 0,
        };
        Ok(())
    })
}

unsafe extern "C" fn C_Login(
    h: CK_SESSION_HANDLE,
    user: CK_USER_TYPE,
    pin: *mut CK_UTF8CHAR,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // No protected authentication path: the PIN must be given.
        if pin.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        // SAFETY: the caller's PIN buffer.
        let pin = unsafe { input(pin, len) }?;
        m.login(h, user, pin)
    })
}

unsafe extern "C" fn C_Logout(h: CK_SESSION_HANDLE) -> CK_RV {
    with_module(|m| m.logout(h))
}

unsafe extern "C" fn C_GetAttributeValue(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    template: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let n = usize::try_from(count).map_err(|_| CKR_ARGUMENTS_BAD)?;
        if n > 0 && template.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let attrs: &mut [CK_ATTRIBUTE] = if n == 0 {
            &mut []
        } else {
            // SAFETY: non-null and `count` attributes long, per PKCS#11.
            unsafe { std::slice::from_raw_parts_mut(template, n) }
        };
        let types: Vec<_> = attrs.iter().map(|a| a.type_).collect();
        let values = m.attributes(h, obj, &types)?;
        let mut rv = CKR_OK;
        for (a, value) in attrs.iter_mut().zip(values) {
            let failed = match value {
                Attr::Value(v) if a.pValue.is_null() => {
                    a.ulValueLen = count_len(v.len())?;
                    None
                }
                Attr::Value(v)
                    if usize::try_from(a.ulValueLen).is_ok_and(|room| room >= v.len()) =>
                {
                    // SAFETY: the caller's buffer holds `ulValueLen >= v.len()` bytes.
                    unsafe { ptr::copy_nonoverlapping(v.as_ptr(), a.pValue.cast::<u8>(), v.len()) };
                    a.ulValueLen = count_len(v.len())?;
                    None
                }
                Attr::Value(_) => Some(CKR_BUFFER_TOO_SMALL),
                Attr::Sensitive => Some(CKR_ATTRIBUTE_SENSITIVE),
                Attr::Invalid => Some(CKR_ATTRIBUTE_TYPE_INVALID),
            };
            if let Some(e) = failed {
                a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                if rv == CKR_OK {
                    rv = e;
                }
            }
        }
        if rv == CKR_OK { Ok(()) } else { Err(rv) }
    })
}

fn count_len(n: usize) -> Result<CK_ULONG> {
    CK_ULONG::try_from(n).map_err(|_| CKR_GENERAL_ERROR)
}

unsafe extern "C" fn C_FindObjectsInit(
    h: CK_SESSION_HANDLE,
    tmpl: *mut CK_ATTRIBUTE,
    count: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's template.
        let t = unsafe { template(tmpl, count) }?;
        m.find_init(h, &t)
    })
}

unsafe extern "C" fn C_FindObjects(
    h: CK_SESSION_HANDLE,
    objects: *mut CK_OBJECT_HANDLE,
    max: CK_ULONG,
    found: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's location for the count.
        let found = unsafe { out(found) }?;
        if objects.is_null() && max > 0 {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let handles = m.find(h, usize::try_from(max).unwrap_or(usize::MAX))?;
        if !handles.is_empty() {
            // SAFETY: `objects` is non-null (checked) and holds
            // `max >= handles.len()` handles.
            unsafe { ptr::copy_nonoverlapping(handles.as_ptr(), objects, handles.len()) };
        }
        *found = count_len(handles.len())?;
        Ok(())
    })
}

unsafe extern "C" fn C_FindObjectsFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    with_module(|m| m.find_final(h))
}

unsafe extern "C" fn C_GenerateKeyPair(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    public: *mut CK_ATTRIBUTE,
    public_count: CK_ULONG,
    private: *mut CK_ATTRIBUTE,
    private_count: CK_ULONG,
    public_key: *mut CK_OBJECT_HANDLE,
    private_key: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's mechanism, templates and output locations.
        let (mech, public, private, public_key, private_key) = unsafe {
            (
                mechanism(mech)?,
                template(public, public_count)?,
                template(private, private_count)?,
                out(public_key)?,
                out(private_key)?,
            )
        };
        (*public_key, *private_key) = m.generate_key_pair(h, mech, &public, &private)?;
        Ok(())
    })
}

unsafe extern "C" fn C_SignInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's mechanism.
        let mech = unsafe { mechanism(mech) }?;
        m.sign_init(h, mech, key)
    })
}

unsafe extern "C" fn C_Sign(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    sig: *mut CK_BYTE,
    sig_len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data buffer.
        let data = unsafe { input(data, data_len) }?;
        let needed = m.sign_len(h)?;
        // SAFETY: the caller's signature buffer and length.
        unsafe { write_output(sig, sig_len, needed, || m.sign(h, data)) }
    })
}

unsafe extern "C" fn C_SignUpdate(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data buffer.
        let data = unsafe { input(data, len) }?;
        m.sign_update(h, data)
    })
}

unsafe extern "C" fn C_SignFinal(
    h: CK_SESSION_HANDLE,
    sig: *mut CK_BYTE,
    sig_len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let needed = m.sign_len(h)?;
        // SAFETY: the caller's signature buffer and length.
        unsafe { write_output(sig, sig_len, needed, || m.sign_final(h)) }
    })
}

unsafe extern "C" fn C_VerifyInit(
    h: CK_SESSION_HANDLE,
    mech: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's mechanism.
        let mech = unsafe { mechanism(mech) }?;
        m.verify_init(h, mech, key)
    })
}

unsafe extern "C" fn C_Verify(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    sig: *mut CK_BYTE,
    sig_len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data and signature buffers.
        let (data, sig) = unsafe { (input(data, data_len)?, input(sig, sig_len)?) };
        m.verify(h, data, sig)
    })
}

unsafe extern "C" fn C_VerifyUpdate(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data buffer.
        let data = unsafe { input(data, len) }?;
        m.verify_update(h, data)
    })
}

unsafe extern "C" fn C_VerifyFinal(
    h: CK_SESSION_HANDLE,
    sig: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's signature buffer.
        let sig = unsafe { input(sig, len) }?;
        m.verify_final(h, sig)
    })
}

unsafe extern "C" fn C_DigestInit(h: CK_SESSION_HANDLE, mech: *mut CK_MECHANISM) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's mechanism.
        let mech = unsafe { mechanism(mech) }?;
        m.digest_init(h, mech)
    })
}

unsafe extern "C" fn C_Digest(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    data_len: CK_ULONG,
    digest: *mut CK_BYTE,
    digest_len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data buffer.
        let data = unsafe { input(data, data_len) }?;
        let needed = m.digest_len(h)?;
        // SAFETY: the caller's digest buffer and length.
        unsafe { write_output(digest, digest_len, needed, || m.digest(h, data)) }
    })
}

unsafe extern "C" fn C_DigestUpdate(
    h: CK_SESSION_HANDLE,
    data: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        // SAFETY: the caller's data buffer.
        let data = unsafe { input(data, len) }?;
        m.digest_update(h, data)
    })
}

unsafe extern "C" fn C_DigestFinal(
    h: CK_SESSION_HANDLE,
    digest: *mut CK_BYTE,
    len: *mut CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let needed = m.digest_len(h)?;
        // SAFETY: the caller's digest buffer and length.
        unsafe { write_output(digest, len, needed, || m.digest_final(h)) }
    })
}

unsafe extern "C" fn C_GenerateRandom(
    h: CK_SESSION_HANDLE,
    buf: *mut CK_BYTE,
    len: CK_ULONG,
) -> CK_RV {
    with_module(|m| {
        let n = usize::try_from(len).map_err(|_| CKR_ARGUMENTS_BAD)?;
        if n > 0 && buf.is_null() {
            return Err(CKR_ARGUMENTS_BAD);
        }
        let random = m.generate_random(h, n)?;
        if n > 0 {
            // SAFETY: `buf` is non-null (checked) with room for `len` bytes.
            unsafe { ptr::copy_nonoverlapping(random.as_ptr(), buf, n) };
        }
        Ok(())
    })
}

unsafe extern "C" fn C_SeedRandom(
    h: CK_SESSION_HANDLE,
    _seed: *mut CK_BYTE,
    _len: CK_ULONG,
) -> CK_RV {
    // The operating system's generator takes no seed from applications.
    with_module(|m| m.session_info(h).and(Err(CKR_RANDOM_SEED_NOT_SUPPORTED)))
}

unsafe extern "C" fn C_GetFunctionStatus(_h: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_PARALLEL
}

unsafe extern "C" fn C_CancelFunction(_h: CK_SESSION_HANDLE) -> CK_RV {
    CKR_FUNCTION_NOT_PARALLEL
}

/// Functions the module does not implement: each returns
/// `CKR_FUNCTION_NOT_SUPPORTED` and touches none of its arguments.
macro_rules! not_supported {
    ($($name:ident($($arg:ty),*);)*) => {
        $(
            unsafe extern "C" fn $name($(_: $arg),*) -> CK_RV {
                CKR_FUNCTION_NOT_SUPPORTED
            }
        )*
    };
}

type H = CK_SESSION_HANDLE;
type O = CK_OBJECT_HANDLE;
type B = *mut CK_BYTE;
type U = CK_ULONG;
type UP = *mut CK_ULONG;
type A = *mut CK_ATTRIBUTE;
type M = *mut CK_MECHANISM;
type OP = *mut CK_OBJECT_HANDLE;

not_supported! {
    C_InitToken(CK_SLOT_ID, *mut CK_UTF8CHAR, U, *mut CK_UTF8CHAR);
    C_GetOperationState(H, B, UP);
    C_SetOperationState(H, B, U, O, O);
    C_CreateObject(H, A, U, OP);
    C_CopyObject(H, O, A, U, OP);
    C_DestroyObject(H, O);
    C_GetObjectSize(H, O, UP);
    C_SetAttributeValue(H, O, A, U);
    C_EncryptInit(H, M, O);
    C_Encrypt(H, B, U, B, UP);
    C_EncryptUpdate(H, B, U, B, UP);
    C_EncryptFinal(H, B, UP);
    C_DecryptInit(H, M, O);
    C_Decrypt(H, B, U, B, UP);
    C_DecryptUpdate(H, B, U, B, UP);
    C_DecryptFinal(H, B, UP);
    C_DigestKey(H, O);
    C_SignRecoverInit(H, M, O);
    C_SignRecover(H, B, U, B, UP);
    C_VerifyRecoverInit(H, M, O);
    C_VerifyRecover(H, B, U, B, UP);
    C_DigestEncryptUpdate(H, B, U, B, UP);
    C_DecryptDigestUpdate(H, B, U, B, UP);
    C_SignEncryptUpdate(H, B, U, B, UP);
    C_DecryptVerifyUpdate(H, B, U, B, UP);
    C_GenerateKey(H, M, A, U, OP);
    C_WrapKey(H, M, O, O, B, UP);
    C_UnwrapKey(H, M, O, B, U, A, U, OP);
    C_DeriveKey(H, M, O, A, U, OP);
    C_WaitForSlotEvent(CK_FLAGS, *mut CK_SLOT_ID, *mut c_void);
}

/// The table `C_GetFunctionList` hands out (PKCS#11 v2.40 layout).
static FUNCTION_LIST: CK_FUNCTION_LIST = CK_FUNCTION_LIST {
    version: CK_VERSION {
        major: 2,
        minor: 40,
    },
    C_Initialize: Some(C_Initialize),
    C_Finalize: Some(C_Finalize),
    C_GetInfo: Some(C_GetInfo),
    C_GetFunctionList: Some(C_GetFunctionList),
    C_GetSlotList: Some(C_GetSlotList),
    C_GetSlotInfo: Some(C_GetSlotInfo),
    C_GetTokenInfo: Some(C_GetTokenInfo),
    C_GetMechanismList: Some(C_GetMechanismList),
    C_GetMechanismInfo: Some(C_GetMechanismInfo),
    C_InitToken: Some(C_InitToken),
    C_InitPIN: Some(C_InitPIN),
    C_SetPIN: Some(C_SetPIN),
    C_OpenSession: Some(C_OpenSession),
    C_CloseSession: Some(C_CloseSession),
    C_CloseAllSessions: Some(C_CloseAllSessions),
    C_GetSessionInfo: Some(C_GetSessionInfo),
    C_GetOperationState: Some(C_GetOperationState),
    C_SetOperationState: Some(C_SetOperationState),
    C_Login: Some(C_Login),
    C_Logout: Some(C_Logout),
    C_CreateObject: Some(C_CreateObject),
    C_CopyObject: Some(C_CopyObject),
    C_DestroyObject: Some(C_DestroyObject),
    C_GetObjectSize: Some(C_GetObjectSize),
    C_GetAttributeValue: Some(C_GetAttributeValue),
    C_SetAttributeValue: Some(C_SetAttributeValue),
    C_FindObjectsInit: Some(C_FindObjectsInit),
    C_FindObjects: Some(C_FindObjects),
    C_FindObjectsFinal: Some(C_FindObjectsFinal),
    C_EncryptInit: Some(C_EncryptInit),
    C_Encrypt: Some(C_Encrypt),
    C_EncryptUpdate: Some(C_EncryptUpdate),
    C_EncryptFinal: Some(C_EncryptFinal),
    C_DecryptInit: Some(C_DecryptInit),
    C_Decrypt: Some(C_Decrypt),
    C_DecryptUpdate: Some(C_DecryptUpdate),
    C_DecryptFinal: Some(C_DecryptFinal),
    C_DigestInit: Some(C_DigestInit),
    C_Digest: Some(C_Digest),
    C_DigestUpdate: Some(C_DigestUpdate),
    C_DigestKey: Some(C_DigestKey),
    C_DigestFinal: Some(C_DigestFinal),
    C_SignInit: Some(C_SignInit),
    C_Sign: Some(C_Sign),
    C_SignUpdate: Some(C_SignUpdate),
    C_SignFinal: Some(C_SignFinal),
    C_SignRecoverInit: Some(C_SignRecoverInit),
    C_SignRecover: Some(C_SignRecover),
    C_VerifyInit: Some(C_VerifyInit),
    C_Verify: Some(C_Verify),
    C_VerifyUpdate: Some(C_VerifyUpdate),
    C_VerifyFinal: Some(C_VerifyFinal),
    C_VerifyRecoverInit: Some(C_VerifyRecoverInit),
    C_VerifyRecover: Some(C_VerifyRecover),
    C_DigestEncryptUpdate: Some(C_DigestEncryptUpdate),
    C_DecryptDigestUpdate: Some(C_DecryptDigestUpdate),
    C_SignEncryptUpdate: Some(C_SignEncryptUpdate),
    C_DecryptVerifyUpdate: Some(C_DecryptVerifyUpdate),
    C_GenerateKey: Some(C_GenerateKey),
    C_GenerateKeyPair: Some(C_GenerateKeyPair),
    C_WrapKey: Some(C_WrapKey),
    C_UnwrapKey: Some(C_UnwrapKey),
    C_DeriveKey: Some(C_DeriveKey),
    C_SeedRandom: Some(C_SeedRandom),
    C_GenerateRandom: Some(C_GenerateRandom),
    C_GetFunctionStatus: Some(C_GetFunctionStatus),
    C_CancelFunction: Some(C_CancelFunction),
    C_WaitForSlotEvent: Some(C_WaitForSlotEvent),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_fields_cut_at_character_boundaries() {
        let f: [u8; 8] = padded("Иванов");
        // Four two-octet letters fit; the fifth would be cut in half.
        assert_eq!(&f, "Иван".as_bytes());
        let f: [u8; 4] = padded("ab");
        assert_eq!(&f, b"ab  ");
    }

    #[test]
    fn output_convention_asks_length_then_fills() {
        let mut len: CK_ULONG = 0;
        // SAFETY: a valid length location and a NULL buffer.
        let r = unsafe { write_output(ptr::null_mut(), &mut len, 3, || panic!("not produced")) };
        assert_eq!((r, len), (Ok(()), 3));
        let mut buf = [0u8; 2];
        len = 2;
        // SAFETY: `buf` holds `len` bytes.
        let r = unsafe { write_output(buf.as_mut_ptr(), &mut len, 3, || panic!("not produced")) };
        assert_eq!((r, len), (Err(CKR_BUFFER_TOO_SMALL), 3));
        let mut buf = [0u8; 4];
        len = 4;
        // SAFETY: `buf` holds `len` bytes.
        let r = unsafe { write_output(buf.as_mut_ptr(), &mut len, 3, || Ok(vec![1, 2, 3])) };
        assert_eq!((r, len, buf), (Ok(()), 3, [1, 2, 3, 0]));
    }

    #[test]
    fn a_panic_becomes_general_error() {
        assert_eq!(guard(|| panic!("boom")), CKR_GENERAL_ERROR);
        assert_eq!(guard(|| Err(CKR_PIN_INCORRECT)), CKR_PIN_INCORRECT);
    }
}
