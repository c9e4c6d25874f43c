//! Certificate revocation lists, DER or PEM: any bytes give a CRL or an
//! error, never a panic; every accessor of what parses is exercised.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use pki::crl;

fuzz_target!(|data: &[u8]| {
    let Ok(list) = crl::parse_crl(data) else {
        return;
    };
    let _ = list.to_pem();
    let _ = (
        list.version(),
        list.issuer(),
        list.this_update(),
        list.next_update(),
    );
    let _ = (list.number(), list.number_hex(), list.authority_key_id());
    let _ = list.unsupported_critical_extensions();
    for entry in list.entries() {
        let _ = crl::reason_name(entry.reason_or_unspecified());
        let _ = list.lookup(&entry.serial);
    }
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let _ = (list.is_fresh(at), list.is_stale(at));
    let _ = crl::Crl::from_der(list.to_der());
});
