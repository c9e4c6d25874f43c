//! OCSP requests and responses: any bytes give a value or an error, never
//! a panic; a response is also run through the full check, with its first
//! embedded certificate as the issuer and its first single response's
//! serial.
#![no_main]

use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use pki::ocsp;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = ocsp::parse_request(data) {
        let _ = req.nonce();
        let _ = req.cert_ids().count();
    }
    let Ok(resp) = ocsp::parse_response(data) else {
        return;
    };
    let _ = (resp.status(), resp.nonce());
    for c in resp.certificates() {
        let _ = resp.names_responder(c);
        let _ = resp.verify_signature_with(c);
    }
    let (Some(issuer), Some(basic)) = (resp.certificates().first(), resp.basic()) else {
        return;
    };
    let Some(single) = basic.tbs_response_data.responses.first() else {
        return;
    };
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let _ = ocsp::verify_parsed_response(
        &resp,
        issuer,
        &single.cert_id.serial_number,
        None,
        at,
        &ocsp::OcspPolicy::default(),
    );
});
