//! Certification requests, DER or PEM: any bytes give a request or an
//! error, never a panic; what parses has its signature and requested
//! extensions checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pki::csr;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = csr::parse_csr(data) {
        let _ = csr::verify_csr(&req);
        let _ = csr::requested_extensions(&req);
        let _ = csr::to_der(&req);
    }
    let _ = csr::verify_csr_der(data);
});
