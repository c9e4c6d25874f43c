//! CMS verification: the third-party corpus, one negative test per check,
//! hand-made messages (unsorted signed attributes, BER), co-signatures,
//! countersignatures, unsigned attributes, streaming.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cms_common;
mod support;

use std::io::Read;
use std::sync::OnceLock;

use cms_common::{Party, now, party};
use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{Decode, Encode};
use gost::ParamSet;
use pki::Diagnostic;
use pki::Signer;
use pki::algorithm::DigestAlgorithm;
use pki::cms::{
    CmsError, Content, EssCheck, SignOptions, SignedMessage, SignerIdKind, SigningCertificateV2,
    attribute_from_der, sign,
};
use pki::oids;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

fn alice() -> &'static Party {
    static P: OnceLock<Party> = OnceLock::new();
    P.get_or_init(|| party(ParamSet::CryptoProA, "Alice"))
}

fn bob() -> &'static Party {
    static P: OnceLock<Party> = OnceLock::new();
    P.get_or_init(|| party(ParamSet::Tc26A512, "Bob"))
}

const DOC: &[u8] = b"The document to sign.\n";

use support::corpus_bytes as corpus;

fn corpus_cert(path: &str) -> Certificate {
    Certificate::from_der(&corpus(path)).unwrap()
}

fn code(r: Result<impl std::fmt::Debug, CmsError>) -> &'static str {
    let e = r.unwrap_err();
    assert!(!e.message_en().is_empty());
    assert!(e.message_ru().chars().any(|c| ('а'..='я').contains(&c)));
    e.code()
}

// --- DER by hand --------------------------------------------------------------

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let b = len.to_be_bytes();
        let skip = b.iter().take_while(|&&x| x == 0).count();
        out.push(0x80 | (b.len() - skip) as u8);
        out.extend_from_slice(&b[skip..]);
    }
    out.extend_from_slice(value);
    out
}

fn attr<T: Encode>(oid: ObjectIdentifier, value: &T) -> Vec<u8> {
    let any = Any::from_der(&value.to_der().unwrap()).unwrap();
    Attribute {
        oid,
        values: SetOfVec::try_from(vec![any]).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// A SignedData with one signer whose signed attributes are `attrs` in
/// exactly this order (`None`: no signed attributes at all).
fn hand_made(p: &Party, content: &[u8], attrs: Option<Vec<Vec<u8>>>) -> Vec<u8> {
    hand_made_versions(p, content, attrs, 1, 1)
}

/// [`hand_made`] with the SignedData and SignerInfo versions given.
fn hand_made_versions(
    p: &Party,
    content: &[u8],
    attrs: Option<Vec<Vec<u8>>>,
    sd_version: u8,
    si_version: u8,
) -> Vec<u8> {
    let alg = p.signer.digest_algorithm();
    let tbs = p.cert.tbs_certificate();
    let isn = cms::cert::IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    };
    let mut si = tlv(0x02, &[si_version]);
    si.extend(isn.to_der().unwrap());
    si.extend(alg.algorithm_identifier().to_der().unwrap());
    let signature = match &attrs {
        Some(attrs) => {
            si.extend(tlv(0xa0, &attrs.concat()));
            p.signer.sign_message(&tlv(0x31, &attrs.concat())).unwrap()
        }
        None => p
            .signer
            .sign_digest(&alg.digest(content))
            .unwrap()
            .to_bytes(),
    };
    si.extend(
        pki::algorithm::signature_algorithm_identifier(p.params.key_size())
            .to_der()
            .unwrap(),
    );
    si.extend(tlv(0x04, &signature));
    let mut sd = tlv(0x02, &[sd_version]);
    sd.extend(tlv(0x31, &alg.algorithm_identifier().to_der().unwrap()));
    let mut encap = oids::ID_DATA.to_der().unwrap();
    encap.extend(tlv(0xa0, &tlv(0x04, content)));
    sd.extend(tlv(0x30, &encap));
    sd.extend(tlv(0xa0, &p.cert.to_der().unwrap()));
    sd.extend(tlv(0x31, &tlv(0x30, &si)));
    let mut ci = oids::ID_SIGNED_DATA.to_der().unwrap();
    ci.extend(tlv(0xa0, &tlv(0x30, &sd)));
    tlv(0x30, &ci)
}

fn content_type_attr(oid: ObjectIdentifier) -> Vec<u8> {
    attr(oids::ATTR_CONTENT_TYPE, &oid)
}

fn digest_attr(p: &Party, content: &[u8]) -> Vec<u8> {
    let d = p.signer.digest_algorithm().digest(content);
    attr(oids::ATTR_MESSAGE_DIGEST, &OctetString::new(d).unwrap())
}

fn ess_attr(cert: &Certificate) -> Vec<u8> {
    attr(
        oids::ATTR_SIGNING_CERTIFICATE_V2,
        &SigningCertificateV2::for_certificate(cert).unwrap(),
    )
}

/// Re-encodes DER as BER: every constructed element with an indefinite
/// length, OCTET STRINGs of more than 4 bytes as constructed chunks.
fn to_ber(der: &[u8]) -> Vec<u8> {
    fn walk(mut input: &[u8], out: &mut Vec<u8>) {
        while !input.is_empty() {
            let tag = input[0];
            let (len, hl) = match input[1] {
                l if l < 0x80 => (l as usize, 2),
                l => {
                    let n = (l & 0x7f) as usize;
                    let len = input[2..2 + n]
                        .iter()
                        .fold(0usize, |a, &b| (a << 8) | b as usize);
                    (len, 2 + n)
                }
            };
            let value = &input[hl..hl + len];
            if tag & 0x20 != 0 {
                out.extend([tag, 0x80]);
                walk(value, out);
                out.extend([0, 0]);
            } else if tag == 0x04 && len > 4 {
                out.extend([0x24, 0x80]);
                for chunk in value.chunks(4) {
                    out.extend(tlv(0x04, chunk));
                }
                out.extend([0, 0]);
            } else {
                out.extend_from_slice(&input[..hl + len]);
            }
            input = &input[hl + len..];
        }
    }
    let mut out = Vec::new();
    walk(der, &mut out);
    out
}

fn flip_in(der: &[u8], needle: &[u8], offset: usize) -> Vec<u8> {
    let at = der.windows(needle.len()).position(|w| w == needle).unwrap();
    let mut bad = der.to_vec();
    bad[at + offset] ^= 0x01;
    bad
}

// --- The corpus -----------------------------------------------------------------

#[test]
fn tk26_samples_verify_without_signed_attributes() {
    for bits in [256, 512] {
        let der = corpus(&format!("cms/tk26cms/tk26cms_signed_{bits}.der"));
        let cert = corpus_cert(&format!("certs/tk26/tk26iok_example_{bits}.der"));
        let msg = SignedMessage::parse(&der).unwrap();
        assert_eq!(msg.content(), Some(&b"Test message"[..]));
        assert_eq!(msg.content_type(), oids::ID_DATA);
        assert!(msg.certificates().is_empty());
        assert_eq!(
            code(msg.verify_signer(0, None, &[])),
            "CMS_SIGNER_CERTIFICATE_NOT_FOUND"
        );
        let v = msg
            .verify_signer(0, None, std::slice::from_ref(&cert))
            .unwrap();
        assert!(!v.has_signed_attributes);
        assert_eq!(v.signing_certificate_v2, EssCheck::Absent);
        assert_eq!(v.certificate, cert);
        // A tampered signature over no signed attributes fails.
        let sig = msg.signature_value(0).unwrap().to_vec();
        let bad = SignedMessage::parse(&flip_in(&der, &sig, 5)).unwrap();
        let e = bad.verify_signer(0, None, &[cert]).unwrap_err();
        assert_eq!(e.etsi_sub_indication(), Some("SIG_CRYPTO_FAILURE"));
    }
}

#[test]
fn rfc4490_sample_reports_gost_94_clearly() {
    let msg = SignedMessage::parse(&corpus("cms/rfc4490/rfc4490_signed_gost2001.der")).unwrap();
    assert_eq!(msg.content(), Some(&b"sample text\n"[..]));
    let err = msg.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(err.code(), "CMS_UNSUPPORTED_ALGORITHM");
    assert!(err.to_string().contains("1.2.643.2.2.9"), "{err}");
    assert!(err.message_en().contains("1.2.643.2.2.9"));
}

#[test]
fn other_content_types_are_named() {
    for (path, oid) in [
        (
            "cms/rfc4490/rfc4490_enveloped_keyagree_gost2001.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/rfc4490/rfc4490_enveloped_keytrans_gost2001.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/tk26cms/tk26cms_enveloped_kari_256.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/tk26cms/tk26cms_enveloped_kari_512.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/tk26cms/tk26cms_enveloped_ktri_256.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/tk26cms/tk26cms_enveloped_ktri_512.der",
            "1.2.840.113549.1.7.3",
        ),
        (
            "cms/tk26cms/tk26cms_digested_256.der",
            "1.2.840.113549.1.7.5",
        ),
        (
            "cms/tk26cms/tk26cms_digested_512.der",
            "1.2.840.113549.1.7.5",
        ),
    ] {
        let der = corpus(path);
        assert_eq!(
            SignedMessage::content_info_type(&der).unwrap().to_string(),
            oid
        );
        match SignedMessage::parse(&der) {
            Err(CmsError::NotSignedData(o)) => assert_eq!(o.to_string(), oid),
            other => panic!("{path}: {other:?}"),
        }
    }
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let good = sign(DOC, &alice().signer, &alice().cert, &SignOptions::default()).unwrap();
    for cut in [0, 1, 2, 10, good.len() / 2, good.len() - 1] {
        assert_eq!(
            SignedMessage::parse(&good[..cut]).unwrap_err().code(),
            "CMS_MALFORMED"
        );
    }
    assert_eq!(
        code(SignedMessage::parse(b"-----BEGIN CMS-----\nnot base64\n")),
        "CMS_MALFORMED"
    );
}

// --- Our signatures and one negative test per check -------------------------------

#[test]
fn cades_bes_is_strict_der_with_the_expected_attributes() {
    let p = alice();
    let der = sign(
        DOC,
        &p.signer,
        &p.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    // Strict DER: the cms crate's decode-and-encode (which sorts every SET) is the identity.
    let ci = cms::content_info::ContentInfo::from_der(&der).unwrap();
    assert_eq!(ci.to_der().unwrap(), der);
    let msg = SignedMessage::parse(&der).unwrap();
    assert_eq!(msg.version(), 1);
    let si = msg.signer(0).unwrap();
    assert_eq!(si.info().version, cms::content_info::CmsVersion::V1);
    assert_eq!(
        si.info().signature_algorithm.oid,
        oids::ID_TC26_SIGNWITHDIGEST_GOST3410_12_256
    );
    let attrs = si.info().signed_attrs.as_ref().unwrap();
    let oids_present: Vec<_> = attrs.iter().map(|a| a.oid).collect();
    for oid in [
        oids::ATTR_CONTENT_TYPE,
        oids::ATTR_MESSAGE_DIGEST,
        oids::ATTR_SIGNING_TIME,
        oids::ATTR_SIGNING_CERTIFICATE_V2,
    ] {
        assert!(oids_present.contains(&oid), "{oid} missing");
    }
    // ESSCertIDv2 writes Streebog-256 explicitly (it is not the SHA-256 default).
    let ess = attrs
        .iter()
        .find(|a| a.oid == oids::ATTR_SIGNING_CERTIFICATE_V2)
        .unwrap();
    let sc = SigningCertificateV2::from_der(&ess.values.get(0).unwrap().to_der().unwrap()).unwrap();
    assert_eq!(
        sc.certs[0].hash_algorithm.as_ref().unwrap().oid,
        oids::ID_TC26_GOST3411_12_256
    );
    let v = msg.verify_signer(0, None, &[]).unwrap();
    assert_eq!(v.signing_certificate_v2, EssCheck::Matched);
    assert_eq!(v.signing_time, Some(now()));
    assert_eq!(v.signature, msg.signature_value(0).unwrap());
    assert_eq!(code(msg.verify_signer(1, None, &[])), "CMS_NO_SUCH_SIGNER");
}

#[test]
fn tampered_content_is_hash_failure() {
    let p = alice();
    let der = sign(
        DOC,
        &p.signer,
        &p.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let bad = SignedMessage::parse(&flip_in(&der, DOC, 3)).unwrap();
    let e = bad.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(e.code(), "CMS_DIGEST_MISMATCH");
    assert_eq!(e.etsi_sub_indication(), Some("HASH_FAILURE"));
    // Detached: another document, or none.
    let det = sign(
        DOC,
        &p.signer,
        &p.cert,
        &SignOptions::cades_bes(true, now()),
    )
    .unwrap();
    let msg = SignedMessage::parse(&det).unwrap();
    assert!(msg.is_detached() && msg.content().is_none());
    msg.verify_signer(0, Some(DOC.into()), &[]).unwrap();
    assert_eq!(
        code(msg.verify_signer(0, Some(b"another".into()), &[])),
        "CMS_DIGEST_MISMATCH"
    );
    assert_eq!(code(msg.verify_signer(0, None, &[])), "CMS_CONTENT_MISSING");
}

#[test]
fn tampered_signature_is_sig_crypto_failure() {
    let p = bob();
    let der = sign(
        DOC,
        &p.signer,
        &p.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let sig = SignedMessage::parse(&der)
        .unwrap()
        .signature_value(0)
        .unwrap()
        .to_vec();
    assert_eq!(sig.len(), 128);
    let bad = SignedMessage::parse(&flip_in(&der, &sig, 40)).unwrap();
    let e = bad.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(e.code(), "CMS_BAD_SIGNATURE");
    assert_eq!(e.etsi_sub_indication(), Some("SIG_CRYPTO_FAILURE"));
}

#[test]
fn signer_certificate_must_be_found() {
    let (a, b) = (alice(), bob());
    let opts = SignOptions {
        include_certificates: false,
        ..SignOptions::cades_bes(true, now())
    };
    let msg = SignedMessage::parse(&sign(DOC, &a.signer, &a.cert, &opts).unwrap()).unwrap();
    assert!(msg.certificates().is_empty());
    for extra in [&[][..], std::slice::from_ref(&b.cert)] {
        let e = msg.verify_signer(0, Some(DOC.into()), extra).unwrap_err();
        assert_eq!(e.code(), "CMS_SIGNER_CERTIFICATE_NOT_FOUND");
        assert_eq!(
            e.etsi_sub_indication(),
            Some("NO_SIGNING_CERTIFICATE_FOUND")
        );
    }
    let v = msg
        .verify_signer(0, Some(DOC.into()), &[b.cert.clone(), a.cert.clone()])
        .unwrap();
    assert_eq!(v.certificate, a.cert);
}

#[test]
fn signer_found_by_subject_key_identifier() {
    let a = alice();
    let opts = SignOptions {
        signer_id: SignerIdKind::SubjectKeyIdentifier,
        include_certificates: false,
        ..SignOptions::cades_bes(false, now())
    };
    let msg = SignedMessage::parse(&sign(DOC, &a.signer, &a.cert, &opts).unwrap()).unwrap();
    assert_eq!(msg.version(), 3);
    assert_eq!(
        msg.signer(0).unwrap().info().version,
        cms::content_info::CmsVersion::V3
    );
    assert_eq!(
        code(msg.verify_signer(0, None, &[bob().cert.clone()])),
        "CMS_SIGNER_CERTIFICATE_NOT_FOUND"
    );
    msg.verify_signer(0, None, &[bob().cert.clone(), a.cert.clone()])
        .unwrap();
}

#[test]
fn signing_with_a_foreign_certificate_is_refused() {
    let (a, b) = (alice(), bob());
    let e = sign(DOC, &a.signer, &b.cert, &SignOptions::default()).unwrap_err();
    assert_eq!(e.code(), "CMS_KEY_CERTIFICATE_MISMATCH");
}

#[test]
fn signing_certificate_v2_mismatch() {
    let (a, b) = (alice(), bob());
    let attrs = vec![
        content_type_attr(oids::ID_DATA),
        digest_attr(a, DOC),
        ess_attr(&b.cert),
    ];
    let msg = SignedMessage::parse(&hand_made(a, DOC, Some(attrs))).unwrap();
    assert_eq!(
        code(msg.verify_signer(0, None, &[])),
        "CMS_SIGNING_CERTIFICATE_MISMATCH"
    );
    // The same with the right certificate verifies (the test can pass).
    let attrs = vec![
        content_type_attr(oids::ID_DATA),
        digest_attr(a, DOC),
        ess_attr(&a.cert),
    ];
    let msg = SignedMessage::parse(&hand_made(a, DOC, Some(attrs))).unwrap();
    let v = msg.verify_signer(0, None, &[]).unwrap();
    assert_eq!(v.signing_certificate_v2, EssCheck::Matched);
    assert_eq!(v.signing_time, None);
}

#[test]
fn unsupported_versions_are_format_failures() {
    let a = alice();
    let attrs = || Some(vec![content_type_attr(oids::ID_DATA), digest_attr(a, DOC)]);
    let msg = SignedMessage::parse(&hand_made_versions(a, DOC, attrs(), 1, 2)).unwrap();
    let e = msg.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(e.code(), "CMS_UNSUPPORTED_VERSION");
    assert_eq!(e.etsi_sub_indication(), Some("FORMAT_FAILURE"));
    let e = SignedMessage::parse(&hand_made_versions(a, DOC, attrs(), 2, 1)).unwrap_err();
    assert_eq!(e.code(), "CMS_UNSUPPORTED_VERSION");
    // Versions 1/1 verify (the test can pass).
    SignedMessage::parse(&hand_made_versions(a, DOC, attrs(), 1, 1))
        .unwrap()
        .verify_signer(0, None, &[])
        .unwrap();
}

#[test]
fn message_digest_missing() {
    let a = alice();
    let attrs = vec![content_type_attr(oids::ID_DATA), ess_attr(&a.cert)];
    let msg = SignedMessage::parse(&hand_made(a, DOC, Some(attrs))).unwrap();
    let e = msg.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(e.code(), "CMS_MESSAGE_DIGEST_MISSING");
    assert_eq!(e.etsi_sub_indication(), Some("HASH_FAILURE"));
}

#[test]
fn content_type_missing_or_mismatched() {
    let a = alice();
    let attrs = vec![digest_attr(a, DOC)];
    let msg = SignedMessage::parse(&hand_made(a, DOC, Some(attrs))).unwrap();
    assert_eq!(
        code(msg.verify_signer(0, None, &[])),
        "CMS_CONTENT_TYPE_MISSING"
    );
    let attrs = vec![content_type_attr(oids::ID_SIGNED_DATA), digest_attr(a, DOC)];
    let msg = SignedMessage::parse(&hand_made(a, DOC, Some(attrs))).unwrap();
    let e = msg.verify_signer(0, None, &[]).unwrap_err();
    assert_eq!(e.code(), "CMS_CONTENT_TYPE_MISMATCH");
    assert_eq!(e.etsi_sub_indication(), Some("FORMAT_FAILURE"));
}

#[test]
fn unsorted_signed_attributes_verify_as_received() {
    let a = alice();
    let mut attrs = vec![
        content_type_attr(oids::ID_DATA),
        digest_attr(a, DOC),
        attr(
            oids::ATTR_SIGNING_TIME,
            &x509_cert::time::Time::try_from(now()).unwrap(),
        ),
        ess_attr(&a.cert),
    ];
    attrs.sort();
    attrs.reverse();
    let der = hand_made(a, DOC, Some(attrs.clone()));
    let msg = SignedMessage::parse(&der).unwrap();
    // The signed bytes really are unsorted: re-encoding would sort them.
    let received = msg.signer(0).unwrap().signed_attrs_der().unwrap();
    assert_eq!(received, tlv(0x31, &attrs.concat()));
    let resorted = msg
        .signer(0)
        .unwrap()
        .info()
        .signed_attrs
        .as_ref()
        .unwrap()
        .to_der()
        .unwrap();
    assert_ne!(received, resorted);
    let v = msg.verify_signer(0, None, &[]).unwrap();
    assert_eq!(v.signing_time, Some(now()));
}

#[test]
fn no_signed_attributes_sign_the_content_digest() {
    let b = bob();
    let msg = SignedMessage::parse(&hand_made(b, DOC, None)).unwrap();
    let v = msg.verify_signer(0, None, &[]).unwrap();
    assert!(!v.has_signed_attributes);
    let bad = SignedMessage::parse(&flip_in(&hand_made(b, DOC, None), DOC, 0)).unwrap();
    assert_eq!(code(bad.verify_signer(0, None, &[])), "CMS_BAD_SIGNATURE");
}

#[test]
fn ber_indefinite_lengths_parse_and_verify() {
    let a = alice();
    let der = sign(
        DOC,
        &a.signer,
        &a.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let ber = to_ber(&der);
    assert_ne!(ber, der);
    assert!(ber.windows(2).any(|w| w == [0x24, 0x80]), "chunked content");
    let msg = SignedMessage::parse(&ber).unwrap();
    assert_eq!(msg.content(), Some(DOC));
    assert_eq!(msg.to_der(), der.as_slice());
    msg.verify_signer(0, None, &[]).unwrap();
    // And a tampered BER message still fails.
    let bad = SignedMessage::parse(&to_ber(&flip_in(&der, DOC, 0))).unwrap();
    assert_eq!(code(bad.verify_signer(0, None, &[])), "CMS_DIGEST_MISMATCH");
    // The TC 26 sample as BER too.
    let tk = corpus("cms/tk26cms/tk26cms_signed_256.der");
    let msg = SignedMessage::parse(&to_ber(&tk)).unwrap();
    msg.verify_signer(
        0,
        None,
        &[corpus_cert("certs/tk26/tk26iok_example_256.der")],
    )
    .unwrap();
}

// --- Co-signatures, countersignatures, unsigned attributes ---------------------------

#[test]
fn co_signing_keeps_the_first_signer_and_both_verify() {
    let (a, b) = (alice(), bob());
    for detached in [false, true] {
        let der = sign(
            DOC,
            &a.signer,
            &a.cert,
            &SignOptions::cades_bes(detached, now()),
        )
        .unwrap();
        let mut msg = SignedMessage::parse(&der).unwrap();
        let first = msg.signer(0).unwrap().raw().to_vec();
        if detached {
            assert_eq!(
                msg.co_sign(None, &b.signer, &b.cert, &SignOptions::default())
                    .unwrap_err()
                    .code(),
                "CMS_CONTENT_MISSING"
            );
        }
        let supplied = detached.then_some(Content::Bytes(DOC));
        msg.co_sign(
            supplied,
            &b.signer,
            &b.cert,
            &SignOptions::cades_bes(detached, now()),
        )
        .unwrap();
        let msg = SignedMessage::parse(msg.to_der()).unwrap();
        assert_eq!(msg.signer_count(), 2);
        assert_eq!(msg.certificates().len(), 2);
        assert_eq!(msg.digest_algorithms().len(), 2);
        // The new signer is the last one; the first keeps its index and bytes.
        assert_eq!(msg.signer(0).unwrap().raw(), first.as_slice());
        let mut signers = Vec::new();
        for i in 0..2 {
            let content = detached.then_some(Content::Bytes(DOC));
            signers.push(msg.verify_signer(i, content, &[]).unwrap().certificate);
            if detached {
                assert_eq!(
                    code(msg.verify_signer(i, Some(b"x".into()), &[])),
                    "CMS_DIGEST_MISMATCH"
                );
            }
        }
        assert!(signers.contains(&a.cert) && signers.contains(&b.cert));
        assert!(msg.signer_infos().iter().any(|s| s.raw() == first));
    }
}

#[test]
fn countersignature_verifies_and_tampering_fails() {
    let (a, b) = (alice(), bob());
    let der = sign(
        DOC,
        &a.signer,
        &a.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let mut msg = SignedMessage::parse(&der).unwrap();
    let signed_part = msg.signer(0).unwrap().signed_attrs_der().unwrap();
    msg.countersign(0, &b.signer, &b.cert, &SignOptions::cades_bes(false, now()))
        .unwrap();
    let msg = SignedMessage::parse(msg.to_der()).unwrap();
    assert_eq!(
        msg.signer(0).unwrap().signed_attrs_der().unwrap(),
        signed_part
    );
    msg.verify_signer(0, None, &[]).unwrap();
    let counters = msg.signer(0).unwrap().countersignatures();
    assert_eq!(counters.len(), 1);
    // No contentType in a countersignature (RFC 5652 §11.4).
    let cattrs = counters[0].info().signed_attrs.as_ref().unwrap();
    assert!(cattrs.iter().all(|a| a.oid != oids::ATTR_CONTENT_TYPE));
    let v = msg.verify_countersignature(0, 0, &[]).unwrap();
    assert_eq!(v.certificate, b.cert);
    assert_eq!(v.digest_algorithm, DigestAlgorithm::Streebog512);
    // A second countersignature goes into the same attribute.
    let mut twice = msg.clone();
    twice
        .countersign(0, &a.signer, &a.cert, &SignOptions::default())
        .unwrap();
    assert_eq!(twice.signer(0).unwrap().countersignatures().len(), 2);
    twice.verify_countersignature(0, 0, &[]).unwrap();
    twice.verify_countersignature(0, 1, &[]).unwrap();
    // Tampering with the countersignature's own signature.
    let csig = counters[0].signature_value().to_vec();
    let bad = SignedMessage::parse(&flip_in(msg.to_der(), &csig, 10)).unwrap();
    bad.verify_signer(0, None, &[]).unwrap();
    assert_eq!(
        code(bad.verify_countersignature(0, 0, &[])),
        "CMS_BAD_SIGNATURE"
    );
    // Tampering with the countersigned signature value.
    let sig = msg.signature_value(0).unwrap().to_vec();
    let bad = SignedMessage::parse(&flip_in(msg.to_der(), &sig, 10)).unwrap();
    assert_eq!(
        code(bad.verify_countersignature(0, 0, &[])),
        "CMS_DIGEST_MISMATCH"
    );
    assert_eq!(code(bad.verify_signer(0, None, &[])), "CMS_BAD_SIGNATURE");
}

#[test]
fn unsigned_attributes_leave_the_signatures_intact() {
    let (a, b) = (alice(), bob());
    let der = sign(
        DOC,
        &a.signer,
        &a.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let mut msg = SignedMessage::parse(&der).unwrap();
    msg.co_sign(
        None,
        &b.signer,
        &b.cert,
        &SignOptions::cades_bes(false, now()),
    )
    .unwrap();
    let i = (0..2)
        .find(|&i| msg.verify_signer(i, None, &[]).unwrap().certificate == a.cert)
        .unwrap();
    let other = msg.signer(1 - i).unwrap().raw().to_vec();
    let signed = msg.signer(i).unwrap().signed_attrs_der().unwrap();
    // A stand-in for a time-stamp token: any ContentInfo.
    let token = der.clone();
    let attribute = attribute_from_der(oids::ATTR_SIGNATURE_TIME_STAMP, &token).unwrap();
    msg.add_unsigned_attribute(i, &attribute).unwrap();
    msg.add_unsigned_attribute(i, &attribute).unwrap();
    let mut msg = SignedMessage::parse(msg.to_der()).unwrap();
    let j = msg
        .signer_infos()
        .iter()
        .position(|s| s.raw() != other.as_slice())
        .unwrap();
    assert!(msg.signer_infos().iter().any(|s| s.raw() == other));
    let si = msg.signer(j).unwrap();
    assert_eq!(si.signed_attrs_der().unwrap(), signed);
    let unsigned = si.info().unsigned_attrs.as_ref().unwrap();
    assert_eq!(unsigned.len(), 2);
    assert!(
        unsigned
            .iter()
            .all(|u| u.oid == oids::ATTR_SIGNATURE_TIME_STAMP
                && u.values.get(0).unwrap().to_der().unwrap() == token)
    );
    for k in 0..2 {
        msg.verify_signer(k, None, &[]).unwrap();
    }
    assert_eq!(
        code(msg.add_unsigned_attribute(5, &attribute).map(|_| ())),
        "CMS_NO_SUCH_SIGNER"
    );
}

// --- Streaming ------------------------------------------------------------------------

/// 64 MiB of generated bytes, never held in memory; optionally one byte changed.
struct Generated {
    pos: u64,
    len: u64,
    flip_at: Option<u64>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min((self.len - self.pos) as usize);
        for (k, b) in buf[..n].iter_mut().enumerate() {
            let i = self.pos + k as u64;
            *b = (i.wrapping_mul(0x9e37_79b9) >> 13) as u8 ^ (Some(i) == self.flip_at) as u8;
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[test]
fn large_detached_content_streams() {
    let a = alice();
    let len = 64 << 20;
    let gen_ = |flip_at| Generated {
        pos: 0,
        len,
        flip_at,
    };
    let mut reader = gen_(None);
    let der = sign(
        &mut reader,
        &a.signer,
        &a.cert,
        &SignOptions::cades_bes(true, now()),
    )
    .unwrap();
    assert_eq!(reader.pos, len);
    assert!(
        der.len() < 4096,
        "detached output does not carry the content"
    );
    let msg = SignedMessage::parse(&der).unwrap();
    msg.verify_signer(0, Some((&mut gen_(None)).into()), &[])
        .unwrap();
    assert_eq!(
        code(msg.verify_signer(0, Some((&mut gen_(Some(len - 1))).into()), &[])),
        "CMS_DIGEST_MISMATCH"
    );
}
