//! Certificates, DER or PEM: any bytes give a certificate or an error,
//! never a panic; what parses is described, rendered and checked against
//! the qualified profile (the `podpis cert show` path). Certificate
//! bundles (trust stores) go through the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pki::cert::{self, CertificateInfo, Lang};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = cert::parse_certificate(data) {
        let info = CertificateInfo::new(&c, Lang::En);
        let _ = info.render(Lang::Ru);
        let _ = pki::profile::check_qualified(&c, None);
        let _ = cert::public_key(&c);
        let _ = cert::verify_issued_by(&c, &c);
        let _ = cert::to_pem(&c);
    }
    if let Ok(all) = pki::trust::parse_certificates(data) {
        for c in &all {
            let _ = CertificateInfo::new(c, Lang::Ru);
        }
    }
});
