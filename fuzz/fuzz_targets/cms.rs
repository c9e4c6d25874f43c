//! CMS SignedData, DER, BER or PEM: any bytes give a message or an error,
//! never a panic; every signer and countersignature of what parses is
//! verified (without detached content) and its signature value read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pki::cms::SignedMessage;

fuzz_target!(|data: &[u8]| {
    let _ = SignedMessage::content_info_type(data);
    let Ok(msg) = SignedMessage::parse(data) else {
        return;
    };
    let _ = (msg.version(), msg.content_type(), msg.is_detached());
    let _ = (msg.digest_algorithms(), msg.certificates(), msg.crls());
    let _ = msg.to_pem();
    for (i, signer) in msg.signer_infos().iter().enumerate() {
        let _ = msg.verify_signer(i, None, &[]);
        let _ = msg.signature_value(i);
        let _ = signer.signed_attrs_der();
        let _ = signer.signature_value();
        for j in 0..signer.countersignatures().len() {
            let _ = msg.verify_countersignature(i, j, &[]);
        }
    }
    let _ = SignedMessage::parse(msg.to_der());
});
