//! Time-stamp requests, responses and TSTInfo: any bytes give a value or an
//! error, never a panic; what parses re-encodes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pki::tsp::{TimeStampReq, TimeStampResp, TstInfo, tst_info_of_token};

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = TimeStampReq::from_der_bytes(data) {
        let _ = der::Encode::to_der(&req);
    }
    if let Ok(resp) = TimeStampResp::from_der_bytes(data) {
        let _ = resp.into_token();
    }
    if let Ok(info) = TstInfo::from_der_bytes(data) {
        let _ = info.gen_time();
    }
    let _ = tst_info_of_token(data);
});
