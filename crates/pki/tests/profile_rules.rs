//! The qualified-profile checker: a compliant certificate of each subject
//! kind passes, and each rule is broken alone by one built certificate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, SystemTime};

use der::asn1::Any;
use der::{Decode, Encode, Tag};
use gost::{ParamSet, SigningKey};
use pki::cert::CertificateBuilder;
use pki::name::{NameBuilder, parse_name};
use pki::profile::{
    IdentificationKind, IssuerSignTool, Rule, Severity, SubjectKind, check_qualified,
};
use pki::{Diagnostic, KeySigner, Signer, oids};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::KeyUsages;
use x509_cert::name::Name;

const PERSON: &str =
    "CN=Иванов Иван,SN=Иванов,G=Иван Иванович,C=RU,SNILS=11223344595,INN=500100732259";
const SOLE: &str = "CN=ИП Иванов Иван,SN=Иванов,G=Иван Иванович,C=RU,SNILS=11223344595,INN=500100732259,OGRNIP=304500116000157";
const LEGAL: &str = "CN=ООО Ромашка,O=ООО Ромашка,C=RU,INNLE=7707083893,OGRN=1027700132195,SN=Иванов,G=Иван Иванович,T=Директор,SNILS=11223344595";

struct Ca {
    key: KeySigner,
    cert: Certificate,
}

fn ca() -> Ca {
    let key = KeySigner::new(SigningKey::generate(ParamSet::Tc26A256).unwrap());
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let cert = CertificateBuilder::ca(
        parse_name("CN=УЦ,O=УЦ,C=RU").unwrap(),
        key.verifying_key(),
        t,
        t + Duration::from_secs(10 * 365 * 86_400),
        None,
    )
    .build(&key)
    .unwrap();
    Ca { key, cert }
}

fn leaf(ca: &Ca, subject: Name) -> CertificateBuilder {
    let key = SigningKey::generate(ParamSet::Tc26A256)
        .unwrap()
        .verifying_key();
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    CertificateBuilder::qualified(
        subject,
        &key,
        &ca.cert,
        IssuerSignTool {
            sign_tool: "a".into(),
            ca_tool: "b".into(),
            sign_tool_cert: "c".into(),
            ca_tool_cert: "d".into(),
        },
        IdentificationKind::RemoteCert,
        t,
        t + Duration::from_secs(365 * 86_400),
    )
}

fn build(ca: &Ca, b: CertificateBuilder) -> Certificate {
    b.build(&ca.key).unwrap()
}

/// `subject` with the attribute `oid` removed.
fn without(subject: &str, oid: der::asn1::ObjectIdentifier) -> Name {
    let name = parse_name(subject).unwrap();
    pki::name::name_from_attributes(name.iter().filter(|a| a.oid != oid).cloned()).unwrap()
}

/// `subject` with the attribute `oid` replaced by a raw value.
fn replaced(subject: &str, oid: der::asn1::ObjectIdentifier, tag: Tag, value: &str) -> Name {
    let name = parse_name(subject).unwrap();
    pki::name::name_from_attributes(name.iter().map(|a| {
        if a.oid == oid {
            AttributeTypeAndValue {
                oid,
                value: Any::new(tag, value.as_bytes()).unwrap(),
            }
        } else {
            a.clone()
        }
    }))
    .unwrap()
}

fn raw_ext(oid: der::asn1::ObjectIdentifier, value: &[u8]) -> Extension {
    Extension {
        extn_id: oid,
        critical: false,
        extn_value: der::asn1::OctetString::new(value).unwrap(),
    }
}

/// Re-reads a certificate after replacing bytes (the checker does not
/// verify signatures, so an edited DER serves to make structures the
/// builder refuses to write).
fn patched(cert: &Certificate, from: &[u8], to: &[u8]) -> Certificate {
    let der = cert.to_der().unwrap();
    let mut out = Vec::new();
    let mut i = 0;
    let mut n = 0;
    while i < der.len() {
        if der[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
            n += 1;
        } else {
            out.push(der[i]);
            i += 1;
        }
    }
    assert!(n > 0);
    Certificate::from_der(&out).unwrap()
}

fn assert_only(cert: &Certificate, kind: Option<SubjectKind>, rule: Rule) {
    let report = check_qualified(cert, kind);
    assert_eq!(report.codes(), [rule.code()], "{rule:?}");
    assert_eq!(
        report.qualified,
        rule.severity() == Severity::Warning,
        "{rule:?}"
    );
    let v = &report.violations[0];
    assert_eq!(v.code(), rule.code());
    assert!(v.message_ru().chars().any(|c| ('а'..='я').contains(&c)));
}

#[test]
fn compliant_certificates_of_each_kind_pass() {
    let ca = ca();
    for (subject, kind) in [
        (PERSON, SubjectKind::Person),
        (SOLE, SubjectKind::SoleProprietor),
        (LEGAL, SubjectKind::LegalEntity),
    ] {
        let name = parse_name(subject).unwrap();
        assert_eq!(SubjectKind::detect(&name), kind);
        let cert = build(&ca, leaf(&ca, name));
        let report = check_qualified(&cert, None);
        assert_eq!(report.kind, kind);
        assert!(
            report.qualified && report.violations.is_empty(),
            "{kind:?}: {:?}",
            report.codes()
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["qualified"], true);
        assert_eq!(json["kind"], serde_json::to_value(kind).unwrap());
    }
    // The self-signed CA is no qualified end-entity certificate.
    assert!(!check_qualified(&ca.cert, None).qualified);
}

#[test]
fn each_rule_is_reported_alone() {
    let ca = ca();
    let person = || parse_name(PERSON).unwrap();
    let base = build(&ca, leaf(&ca, person()));
    let mut covered = Vec::new();
    let mut check = |cert: Certificate, kind: Option<SubjectKind>, rule: Rule| {
        assert_only(&cert, kind, rule);
        covered.push(rule);
    };

    // v3 → v2 in the version field.
    check(
        patched(
            &base,
            &[0xA0, 0x03, 0x02, 0x01, 0x02],
            &[0xA0, 0x03, 0x02, 0x01, 0x01],
        ),
        None,
        Rule::VersionNotV3,
    );
    // id-tc26-signwithdigest-gost3410-12-256 → an unknown arc.
    check(
        patched(
            &base,
            &[0x2A, 0x85, 0x03, 0x07, 0x01, 0x01, 0x03, 0x02],
            &[0x2A, 0x85, 0x03, 0x07, 0x01, 0x01, 0x03, 0x09],
        ),
        None,
        Rule::AlgNotGost2012,
    );
    check(
        build(&ca, leaf(&ca, without(PERSON, oids::CN))),
        None,
        Rule::SubjectCommonNameMissing,
    );
    check(
        build(&ca, leaf(&ca, without(PERSON, oids::SURNAME))),
        None,
        Rule::SubjectSurnameMissing,
    );
    check(
        build(&ca, leaf(&ca, without(PERSON, oids::GIVEN_NAME))),
        None,
        Rule::SubjectGivenNameMissing,
    );
    check(
        build(&ca, leaf(&ca, without(PERSON, oids::COUNTRY))),
        None,
        Rule::SubjectCountryMissing,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(PERSON, oids::COUNTRY, Tag::PrintableString, "KZ"),
            ),
        ),
        None,
        Rule::SubjectCountryNotRu,
    );
    check(
        build(&ca, leaf(&ca, without(LEGAL, oids::ORGANIZATION))),
        None,
        Rule::SubjectOrganizationMissing,
    );
    check(
        build(&ca, leaf(&ca, without(PERSON, oids::SNILS))),
        None,
        Rule::SubjectSnilsMissing,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(PERSON, oids::SNILS, Tag::NumericString, "11223344596"),
            ),
        ),
        None,
        Rule::SubjectSnilsChecksum,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(PERSON, oids::INN, Tag::NumericString, "500100732258"),
            ),
        ),
        None,
        Rule::SubjectInnChecksum,
    );
    check(
        build(&ca, leaf(&ca, without(LEGAL, oids::INNLE))),
        None,
        Rule::SubjectInnleMissing,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(LEGAL, oids::INNLE, Tag::NumericString, "7707083894"),
            ),
        ),
        None,
        Rule::SubjectInnleChecksum,
    );
    check(
        build(&ca, leaf(&ca, without(LEGAL, oids::OGRN))),
        None,
        Rule::SubjectOgrnMissing,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(LEGAL, oids::OGRN, Tag::NumericString, "1027700132196"),
            ),
        ),
        None,
        Rule::SubjectOgrnChecksum,
    );
    check(
        base.clone(),
        Some(SubjectKind::SoleProprietor),
        Rule::SubjectOgrnipMissing,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(SOLE, oids::OGRNIP, Tag::NumericString, "304500116000158"),
            ),
        ),
        None,
        Rule::SubjectOgrnipChecksum,
    );
    check(
        build(
            &ca,
            leaf(
                &ca,
                replaced(PERSON, oids::SNILS, Tag::PrintableString, "11223344595"),
            ),
        ),
        None,
        Rule::SubjectIdentifierNotNumeric,
    );
    check(
        build(&ca, leaf(&ca, person()).without_subject_sign_tool()),
        None,
        Rule::ExtSubjectSignToolMissing,
    );
    check(
        build(
            &ca,
            leaf(&ca, person()).extension(raw_ext(oids::SUBJECT_SIGN_TOOL, &[0x02, 0x01, 0x00])),
        ),
        None,
        Rule::ExtSubjectSignToolInvalid,
    );
    check(
        build(&ca, leaf(&ca, person()).without_issuer_sign_tool()),
        None,
        Rule::ExtIssuerSignToolMissing,
    );
    check(
        build(
            &ca,
            leaf(&ca, person()).extension(raw_ext(
                oids::ISSUER_SIGN_TOOL,
                &[0x30, 0x03, 0x0C, 0x01, b'a'],
            )),
        ),
        None,
        Rule::ExtIssuerSignToolInvalid,
    );
    check(
        build(
            &ca,
            leaf(&ca, person()).policies(vec![der::asn1::ObjectIdentifier::new_unwrap(
                "1.2.643.100.111.1",
            )]),
        ),
        None,
        Rule::ExtPolicyClassMissing,
    );
    check(
        build(&ca, leaf(&ca, person()).without_key_usage()),
        None,
        Rule::ExtKeyUsageMissing,
    );
    check(
        build(
            &ca,
            leaf(&ca, person()).key_usage(KeyUsages::KeyEncipherment),
        ),
        None,
        Rule::ExtKeyUsageNoSignature,
    );
    check(
        build(&ca, leaf(&ca, person()).without_aki()),
        None,
        Rule::ExtAkiMissing,
    );
    check(
        build(&ca, leaf(&ca, person()).without_ski()),
        None,
        Rule::ExtSkiMissing,
    );
    check(
        build(&ca, leaf(&ca, person()).without_identification_kind()),
        None,
        Rule::ExtIdentificationKindMissing,
    );
    check(
        build(
            &ca,
            leaf(&ca, person()).extension(raw_ext(oids::IDENTIFICATION_KIND, &[0x02, 0x01, 0x07])),
        ),
        None,
        Rule::ExtIdentificationKindInvalid,
    );

    for rule in Rule::ALL {
        assert!(covered.contains(rule), "no test breaks {rule:?}");
    }
}

#[test]
fn every_violation_is_listed_and_checksums_name_the_identifier() {
    let ca = ca();
    let subject = NameBuilder::new()
        .common_name("x")
        .unwrap()
        .raw(AttributeTypeAndValue {
            oid: oids::SNILS,
            value: Any::new(Tag::NumericString, b"11223344596".as_slice()).unwrap(),
        })
        .raw(AttributeTypeAndValue {
            oid: oids::INN,
            value: Any::new(Tag::NumericString, b"500100732258".as_slice()).unwrap(),
        })
        .build()
        .unwrap();
    let cert = build(
        &ca,
        leaf(&ca, subject)
            .without_ski()
            .without_aki()
            .without_subject_sign_tool(),
    );
    let report = check_qualified(&cert, None);
    assert_eq!(
        report.codes(),
        [
            "SUBJECT_SURNAME_MISSING",
            "SUBJECT_GIVEN_NAME_MISSING",
            "SUBJECT_COUNTRY_MISSING",
            "SUBJECT_SNILS_CHECKSUM",
            "SUBJECT_INN_CHECKSUM",
            "EXT_SUBJECT_SIGN_TOOL_MISSING",
            "EXT_AKI_MISSING",
            "EXT_SKI_MISSING",
        ]
    );
    let snils = &report.violations[3];
    assert!(
        snils
            .detail
            .as_deref()
            .unwrap()
            .contains("SNILS_INVALID_CHECKSUM")
    );
    let inn = &report.violations[4];
    assert!(
        inn.detail
            .as_deref()
            .unwrap()
            .contains("INN_INVALID_CHECKSUM")
    );
    assert!(!report.qualified);
    // A pre-2021 legal entity: INN written as "00" + INNLE.
    let old = replaced(LEGAL, oids::INNLE, Tag::NumericString, "7707083893");
    let old = pki::name::name_from_attributes(old.iter().map(|a| {
        if a.oid == oids::INNLE {
            AttributeTypeAndValue {
                oid: oids::INN,
                value: Any::new(Tag::NumericString, b"007707083893".as_slice()).unwrap(),
            }
        } else {
            a.clone()
        }
    }))
    .unwrap();
    let cert = build(&ca, leaf(&ca, old));
    let report = check_qualified(&cert, None);
    assert_eq!(report.kind, SubjectKind::LegalEntity);
    assert!(report.qualified, "{:?}", report.codes());
}
