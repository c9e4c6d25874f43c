//! The qualified-certificate profile: FSB order No. 795 (as amended by
//! order No. 31, 2021) — the Russian extensions it defines, and a checker
//! that lists every rule a certificate breaks.

use std::fmt;

use const_oid::{AssociatedOid, ObjectIdentifier};
use der::asn1::GeneralizedTime;
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Tag, Writer,
};
use serde::Serialize;
use x509_cert::Certificate;
use x509_cert::certificate::Version;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, CertificatePolicies, KeyUsage, SubjectKeyIdentifier,
};
use x509_cert::name::Name;

use crate::name::SubjectIdentity;
use crate::oids;

/// An extension value that knows its OID: encodes to and decodes from an
/// [`Extension`]. Every DER type with an [`AssociatedOid`] is one (the
/// RustCrypto PKIX extensions as well as the Russian ones here).
pub trait ExtensionValue: AssociatedOid + Encode + Sized {
    /// The extension holding this value.
    fn encode_extension(&self, critical: bool) -> Result<Extension, der::Error> {
        Ok(Extension {
            extn_id: Self::OID,
            critical,
            extn_value: der::asn1::OctetString::new(self.to_der()?)?,
        })
    }

    /// Reads the value out of an extension with this type's OID.
    fn decode_extension(ext: &Extension) -> Result<Self, der::Error>;
}

impl<T> ExtensionValue for T
where
    T: AssociatedOid + Encode + for<'a> Decode<'a, Error = der::Error>,
{
    fn decode_extension(ext: &Extension) -> Result<Self, der::Error> {
        if ext.extn_id != T::OID {
            return Err(der::ErrorKind::OidUnknown { oid: ext.extn_id }.into());
        }
        T::from_der(ext.extn_value.as_bytes())
    }
}

/// The extension with `oid` in a certificate, if present (the first one).
pub fn find_extension<'a>(cert: &'a Certificate, oid: &ObjectIdentifier) -> Option<&'a Extension> {
    cert.tbs_certificate()
        .extensions()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == *oid))
}

/// The typed value of an extension in a certificate: `None` when absent,
/// `Some(Err)` when present but malformed.
pub fn extension_value<T: ExtensionValue>(cert: &Certificate) -> Option<Result<T, der::Error>> {
    find_extension(cert, &T::OID).map(T::decode_extension)
}

/// subjectSignTool (1.2.643.100.111): the name of the crypto tool the
/// subject signs with (FSB order No. 795, item 4).
///
/// ```text
/// SubjectSignTool ::= UTF8String (SIZE (1..200))
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectSignTool(pub String);

impl AssociatedOid for SubjectSignTool {
    const OID: ObjectIdentifier = oids::SUBJECT_SIGN_TOOL;
}

impl FixedTag for SubjectSignTool {
    const TAG: Tag = Tag::Utf8String;
}

impl EncodeValue for SubjectSignTool {
    fn value_len(&self) -> der::Result<Length> {
        self.0.value_len()
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        self.0.encode_value(writer)
    }
}

impl<'a> DecodeValue<'a> for SubjectSignTool {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        Ok(SubjectSignTool(String::decode_value(reader, header)?))
    }
}

/// issuerSignTool (1.2.643.100.112): the CA's crypto tool, CA software and
/// their conformity certificates (FSB order No. 795, item 4).
///
/// ```text
/// IssuerSignTool ::= SEQUENCE {
///     signTool     UTF8String (SIZE (1..200)),
///     cATool       UTF8String (SIZE (1..200)),
///     signToolCert UTF8String (SIZE (1..100)),
///     cAToolCert   UTF8String (SIZE (1..100))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, der::Sequence, Serialize)]
pub struct IssuerSignTool {
    /// The CA's crypto tool (СКЗИ).
    pub sign_tool: String,
    /// The CA software (средство УЦ).
    pub ca_tool: String,
    /// The conformity certificate of the crypto tool.
    pub sign_tool_cert: String,
    /// The conformity certificate of the CA software.
    pub ca_tool_cert: String,
}

impl AssociatedOid for IssuerSignTool {
    const OID: ObjectIdentifier = oids::ISSUER_SIGN_TOOL;
}

/// IdentificationKind (1.2.643.100.114): how the applicant was identified
/// when the certificate was issued (FSB order No. 795 as amended by No. 31).
///
/// ```text
/// IdentificationKind ::= INTEGER { personal(0), remote_cert(1),
///     remote_passport(2), remote_system(3) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, der::Enumerated, Serialize)]
#[asn1(type = "INTEGER")]
#[repr(u8)]
pub enum IdentificationKind {
    /// In person.
    Personal = 0,
    /// Remotely, with a valid qualified e-signature.
    RemoteCert = 1,
    /// Remotely, with a biometric passport.
    RemotePassport = 2,
    /// Remotely, through the unified identification and biometric systems.
    RemoteSystem = 3,
}

impl AssociatedOid for IdentificationKind {
    const OID: ObjectIdentifier = oids::IDENTIFICATION_KIND;
}

impl IdentificationKind {
    /// A description in Russian or English.
    pub fn describe(self, russian: bool) -> &'static str {
        match (self, russian) {
            (IdentificationKind::Personal, true) => "при личном присутствии",
            (IdentificationKind::Personal, false) => "in person",
            (IdentificationKind::RemoteCert, true) => "по квалифицированной электронной подписи",
            (IdentificationKind::RemoteCert, false) => "by a qualified electronic signature",
            (IdentificationKind::RemotePassport, true) => "по биометрическому загранпаспорту",
            (IdentificationKind::RemotePassport, false) => "by a biometric passport",
            (IdentificationKind::RemoteSystem, true) => "через ЕСИА и ЕБС",
            (IdentificationKind::RemoteSystem, false) => {
                "through the unified identification and biometric systems"
            }
        }
    }
}

/// privateKeyUsagePeriod (2.5.29.16, RFC 3280 §4.2.1.4), which the
/// Russian profile uses for the private key's own validity.
///
/// ```text
/// PrivateKeyUsagePeriod ::= SEQUENCE {
///     notBefore       [0]     GeneralizedTime OPTIONAL,
///     notAfter        [1]     GeneralizedTime OPTIONAL }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, der::Sequence)]
pub struct PrivateKeyUsagePeriod {
    /// The key may be used from.
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub not_before: Option<GeneralizedTime>,
    /// The key may be used until.
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub not_after: Option<GeneralizedTime>,
}

impl AssociatedOid for PrivateKeyUsagePeriod {
    const OID: ObjectIdentifier = oids::PRIVATE_KEY_USAGE_PERIOD;
}

/// Whom a qualified certificate is issued to; the profile's subject rules
/// differ for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A private person (физическое лицо).
    Person,
    /// A sole proprietor (индивидуальный предприниматель).
    SoleProprietor,
    /// A legal entity (юридическое лицо), its signatory possibly named.
    LegalEntity,
}

impl SubjectKind {
    /// Guesses the kind from the subject: OGRN or INNLE → legal entity,
    /// OGRNIP → sole proprietor, otherwise a person.
    pub fn detect(subject: &Name) -> SubjectKind {
        let has = |oid| subject.iter().any(|a| a.oid == oid);
        if has(oids::OGRN) || has(oids::INNLE) {
            SubjectKind::LegalEntity
        } else if has(oids::OGRNIP) {
            SubjectKind::SoleProprietor
        } else {
            // A pre-2021 legal entity INN in the INN attribute ("00" + 10 digits).
            let id = SubjectIdentity::from_name(subject);
            if id.innle.is_some() {
                SubjectKind::LegalEntity
            } else {
                SubjectKind::Person
            }
        }
    }

    /// The name in Russian or English.
    pub fn describe(self, russian: bool) -> &'static str {
        match (self, russian) {
            (SubjectKind::Person, true) => "физическое лицо",
            (SubjectKind::Person, false) => "person",
            (SubjectKind::SoleProprietor, true) => "индивидуальный предприниматель",
            (SubjectKind::SoleProprietor, false) => "sole proprietor",
            (SubjectKind::LegalEntity, true) => "юридическое лицо",
            (SubjectKind::LegalEntity, false) => "legal entity",
        }
    }
}

/// How bad breaking a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The certificate is still qualified, but should be fixed.
    Warning,
    /// The certificate does not meet the profile.
    Error,
}

macro_rules! rules {
    ($($variant:ident => $code:literal, $sev:ident, $ru:literal, $en:literal;)*) => {
        /// A rule of the qualified profile; each has a stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $(
                #[doc = $en]
                $variant,
            )*
        }

        impl Rule {
            /// Every rule, in the order the checker reports them.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable code, e.g. `SUBJECT_SNILS_MISSING`.
            pub const fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code,)* }
            }

            /// Whether breaking the rule makes the certificate non-qualified.
            pub const fn severity(self) -> Severity {
                match self { $(Rule::$variant => Severity::$sev,)* }
            }

            fn text_ru(self) -> &'static str {
                match self { $(Rule::$variant => $ru,)* }
            }

            fn text_en(self) -> &'static str {
                match self { $(Rule::$variant => $en,)* }
            }
        }
    };
}

rules! {
    VersionNotV3 => "VERSION_NOT_V3", Error,
        "Сертификат должен быть версии 3.",
        "The certificate must be version 3.";
    AlgNotGost2012 => "ALG_NOT_GOST2012", Error,
        "Ключ и подпись сертификата должны быть по ГОСТ Р 34.10-2012 / 34.11-2012.",
        "The key and the signature must be GOST R 34.10-2012 with GOST R 34.11-2012.";
    SubjectCommonNameMissing => "SUBJECT_CN_MISSING", Error,
        "В имени владельца нет commonName (CN).",
        "The subject has no commonName (CN).";
    SubjectSurnameMissing => "SUBJECT_SURNAME_MISSING", Error,
        "В имени владельца нет фамилии (SN).",
        "The subject has no surname (SN).";
    SubjectGivenNameMissing => "SUBJECT_GIVEN_NAME_MISSING", Error,
        "В имени владельца нет имени и отчества (G).",
        "The subject has no given name (G).";
    SubjectCountryMissing => "SUBJECT_COUNTRY_MISSING", Error,
        "В имени владельца нет страны (C).",
        "The subject has no country (C).";
    SubjectCountryNotRu => "SUBJECT_COUNTRY_NOT_RU", Error,
        "Страна владельца (C) должна быть RU.",
        "The subject's country (C) must be RU.";
    SubjectOrganizationMissing => "SUBJECT_ORGANIZATION_MISSING", Error,
        "Для юридического лица в имени владельца должно быть наименование организации (O).",
        "A legal entity's subject must name the organization (O).";
    SubjectSnilsMissing => "SUBJECT_SNILS_MISSING", Error,
        "В имени владельца нет СНИЛС.",
        "The subject has no SNILS.";
    SubjectSnilsChecksum => "SUBJECT_SNILS_CHECKSUM", Error,
        "СНИЛС владельца неверен (длина или контрольное число).",
        "The subject's SNILS is invalid (length or control number).";
    SubjectInnChecksum => "SUBJECT_INN_CHECKSUM", Error,
        "ИНН владельца неверен (длина или контрольное число).",
        "The subject's INN is invalid (length or control number).";
    SubjectInnleMissing => "SUBJECT_INNLE_MISSING", Error,
        "Для юридического лица в имени владельца должен быть ИНН ЮЛ (INNLE).",
        "A legal entity's subject must carry its INN (INNLE).";
    SubjectInnleChecksum => "SUBJECT_INNLE_CHECKSUM", Error,
        "ИНН юридического лица неверен (длина или контрольное число).",
        "The legal entity's INN is invalid (length or control number).";
    SubjectOgrnMissing => "SUBJECT_OGRN_MISSING", Error,
        "Для юридического лица в имени владельца должен быть ОГРН.",
        "A legal entity's subject must carry its OGRN.";
    SubjectOgrnChecksum => "SUBJECT_OGRN_CHECKSUM", Error,
        "ОГРН неверен (длина или контрольное число).",
        "The OGRN is invalid (length or control number).";
    SubjectOgrnipMissing => "SUBJECT_OGRNIP_MISSING", Error,
        "Для индивидуального предпринимателя в имени владельца должен быть ОГРНИП.",
        "A sole proprietor's subject must carry the OGRNIP.";
    SubjectOgrnipChecksum => "SUBJECT_OGRNIP_CHECKSUM", Error,
        "ОГРНИП неверен (длина или контрольное число).",
        "The OGRNIP is invalid (length or control number).";
    SubjectIdentifierNotNumeric => "SUBJECT_IDENTIFIER_NOT_NUMERIC", Warning,
        "Регистрационный номер в имени владельца записан не как NumericString.",
        "A registration number in the subject is not a NumericString.";
    ExtSubjectSignToolMissing => "EXT_SUBJECT_SIGN_TOOL_MISSING", Error,
        "Нет расширения subjectSignTool (1.2.643.100.111): средство ЭП владельца.",
        "The subjectSignTool extension (1.2.643.100.111) is missing.";
    ExtSubjectSignToolInvalid => "EXT_SUBJECT_SIGN_TOOL_INVALID", Error,
        "Расширение subjectSignTool закодировано неверно.",
        "The subjectSignTool extension is malformed.";
    ExtIssuerSignToolMissing => "EXT_ISSUER_SIGN_TOOL_MISSING", Error,
        "Нет расширения issuerSignTool (1.2.643.100.112): средства УЦ.",
        "The issuerSignTool extension (1.2.643.100.112) is missing.";
    ExtIssuerSignToolInvalid => "EXT_ISSUER_SIGN_TOOL_INVALID", Error,
        "Расширение issuerSignTool закодировано неверно.",
        "The issuerSignTool extension is malformed.";
    ExtPolicyClassMissing => "EXT_POLICY_CLASS_MISSING", Error,
        "В certificatePolicies нет класса средства ЭП (1.2.643.100.113.1–6).",
        "certificatePolicies names no signature-tool class (1.2.643.100.113.1-6).";
    ExtKeyUsageMissing => "EXT_KEY_USAGE_MISSING", Error,
        "Нет расширения keyUsage.",
        "The keyUsage extension is missing.";
    ExtKeyUsageNoSignature => "EXT_KEY_USAGE_NO_SIGNATURE", Error,
        "keyUsage не разрешает подпись (digitalSignature или nonRepudiation).",
        "keyUsage allows neither digitalSignature nor nonRepudiation.";
    ExtAkiMissing => "EXT_AKI_MISSING", Error,
        "Нет расширения authorityKeyIdentifier.",
        "The authorityKeyIdentifier extension is missing.";
    ExtSkiMissing => "EXT_SKI_MISSING", Error,
        "Нет расширения subjectKeyIdentifier.",
        "The subjectKeyIdentifier extension is missing.";
    ExtIdentificationKindMissing => "EXT_IDENTIFICATION_KIND_MISSING", Warning,
        "Нет расширения IdentificationKind (1.2.643.100.114), обязательного с 2021 года.",
        "The IdentificationKind extension (1.2.643.100.114), required since 2021, is missing.";
    ExtIdentificationKindInvalid => "EXT_IDENTIFICATION_KIND_INVALID", Error,
        "Значение IdentificationKind должно быть 0, 1, 2 или 3.",
        "IdentificationKind must be 0, 1, 2 or 3.";
}

impl crate::Diagnostic for Rule {
    fn code(&self) -> &'static str {
        Rule::code(*self)
    }

    fn message_ru(&self) -> String {
        format!(
            "{} Сертификат не соответствует приказу ФСБ № 795; выпустите его заново.",
            self.text_ru()
        )
    }

    fn message_en(&self) -> String {
        format!(
            "{} The certificate does not meet FSB order No. 795; have it reissued.",
            self.text_en()
        )
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The rule (serialised as its code).
    pub rule: Rule,
    /// Its severity.
    pub severity: Severity,
    /// What exactly, in Russian.
    pub message_ru: String,
    /// What exactly, in English.
    pub message_en: String,
    /// A detail: the offending value or the identifier error's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl crate::Diagnostic for Violation {
    fn code(&self) -> &'static str {
        self.rule.code()
    }

    fn message_ru(&self) -> String {
        self.message_ru.clone()
    }

    fn message_en(&self) -> String {
        self.message_en.clone()
    }
}

/// The result of [`check_qualified`]: every broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfileReport {
    /// The subject kind checked against (given or detected).
    pub kind: SubjectKind,
    /// Whether no Error-level rule is broken.
    pub qualified: bool,
    /// Every broken rule, in [`Rule::ALL`] order.
    pub violations: Vec<Violation>,
}

impl ProfileReport {
    /// Whether no Error-level rule is broken.
    pub fn is_qualified(&self) -> bool {
        self.qualified
    }

    /// Whether a rule is broken.
    pub fn has(&self, rule: Rule) -> bool {
        self.violations.iter().any(|v| v.rule == rule)
    }

    /// The codes of the broken rules.
    pub fn codes(&self) -> Vec<&'static str> {
        self.violations.iter().map(|v| v.rule.code()).collect()
    }
}

struct Collector(Vec<Violation>);

impl Collector {
    fn add(&mut self, rule: Rule, detail: Option<String>) {
        let (mut ru, mut en) = (
            crate::Diagnostic::message_ru(&rule),
            crate::Diagnostic::message_en(&rule),
        );
        if let Some(d) = &detail {
            ru = format!("{ru} ({d})");
            en = format!("{en} ({d})");
        }
        self.0.push(Violation {
            rule,
            severity: rule.severity(),
            message_ru: ru,
            message_en: en,
            detail,
        });
    }
}

/// Checks a certificate against the qualified profile for `kind` (or the
/// kind detected from the subject) and lists every rule it breaks.
pub fn check_qualified(cert: &Certificate, kind: Option<SubjectKind>) -> ProfileReport {
    let tbs = cert.tbs_certificate();
    let subject = tbs.subject();
    let kind = kind.unwrap_or_else(|| SubjectKind::detect(subject));
    let id = SubjectIdentity::from_name(subject);
    let mut out = Collector(Vec::new());
    let has = |oid: ObjectIdentifier| subject.iter().any(|a| a.oid == oid);

    if tbs.version() != Version::V3 {
        out.add(Rule::VersionNotV3, None);
    }
    let key_alg = tbs.subject_public_key_info().algorithm.oid;
    let sig_alg = cert.signature_algorithm().oid;
    let key_ok =
        key_alg == oids::ID_TC26_GOST3410_12_256 || key_alg == oids::ID_TC26_GOST3410_12_512;
    let sig_ok = sig_alg == oids::ID_TC26_SIGNWITHDIGEST_GOST3410_12_256
        || sig_alg == oids::ID_TC26_SIGNWITHDIGEST_GOST3410_12_512;
    if !key_ok || !sig_ok {
        out.add(
            Rule::AlgNotGost2012,
            Some(format!("key {key_alg}, signature {sig_alg}")),
        );
    }

    // Subject.
    if id.common_name.is_none() {
        out.add(Rule::SubjectCommonNameMissing, None);
    }
    let person_named = matches!(kind, SubjectKind::Person | SubjectKind::SoleProprietor);
    if person_named && id.surname.is_none() {
        out.add(Rule::SubjectSurnameMissing, None);
    }
    if person_named && id.given_name.is_none() {
        out.add(Rule::SubjectGivenNameMissing, None);
    }
    match id.country.as_deref() {
        None => out.add(Rule::SubjectCountryMissing, None),
        Some("RU") => {}
        Some(other) => out.add(Rule::SubjectCountryNotRu, Some(other.to_owned())),
    }
    if kind == SubjectKind::LegalEntity && id.organization.is_none() {
        out.add(Rule::SubjectOrganizationMissing, None);
    }
    let problem = |attr: &str| id.problems.iter().find(|p| p.attribute == attr);
    let detail = |p: &crate::name::IdentifierProblem| Some(format!("{}: {}", p.value, p.code));
    if let Some(p) = problem("SNILS") {
        out.add(Rule::SubjectSnilsChecksum, detail(p));
    } else if person_named && !has(oids::SNILS) {
        out.add(Rule::SubjectSnilsMissing, None);
    }
    if let Some(p) = problem("INN") {
        out.add(Rule::SubjectInnChecksum, detail(p));
    }
    if kind == SubjectKind::LegalEntity {
        if let Some(p) = problem("INNLE") {
            out.add(Rule::SubjectInnleChecksum, detail(p));
        } else if id.innle.is_none() {
            out.add(Rule::SubjectInnleMissing, None);
        }
        if let Some(p) = problem("OGRN") {
            out.add(Rule::SubjectOgrnChecksum, detail(p));
        } else if id.ogrn.is_none() {
            out.add(Rule::SubjectOgrnMissing, None);
        }
    } else {
        if let Some(p) = problem("INNLE") {
            out.add(Rule::SubjectInnleChecksum, detail(p));
        }
        if let Some(p) = problem("OGRN") {
            out.add(Rule::SubjectOgrnChecksum, detail(p));
        }
    }
    if let Some(p) = problem("OGRNIP") {
        out.add(Rule::SubjectOgrnipChecksum, detail(p));
    } else if kind == SubjectKind::SoleProprietor && id.ogrnip.is_none() {
        out.add(Rule::SubjectOgrnipMissing, None);
    }
    let not_numeric: Vec<&str> = subject
        .iter()
        .filter(|a| {
            [
                oids::SNILS,
                oids::INN,
                oids::INNLE,
                oids::OGRN,
                oids::OGRNIP,
            ]
            .contains(&a.oid)
                && der::Tagged::tag(&a.value) != Tag::NumericString
        })
        .filter_map(|a| crate::name::attribute_label(&a.oid))
        .collect();
    if !not_numeric.is_empty() {
        out.add(
            Rule::SubjectIdentifierNotNumeric,
            Some(not_numeric.join(", ")),
        );
    }

    // Extensions.
    match extension_value::<SubjectSignTool>(cert) {
        None => out.add(Rule::ExtSubjectSignToolMissing, None),
        Some(Err(e)) => out.add(Rule::ExtSubjectSignToolInvalid, Some(e.to_string())),
        Some(Ok(_)) => {}
    }
    match extension_value::<IssuerSignTool>(cert) {
        None => out.add(Rule::ExtIssuerSignToolMissing, None),
        Some(Err(e)) => out.add(Rule::ExtIssuerSignToolInvalid, Some(e.to_string())),
        Some(Ok(_)) => {}
    }
    let has_class = matches!(
        extension_value::<CertificatePolicies>(cert),
        Some(Ok(p)) if p.0.iter().any(|pi| oids::QUALIFIED_POLICIES.contains(&pi.policy_identifier))
    );
    if !has_class {
        out.add(Rule::ExtPolicyClassMissing, None);
    }
    match extension_value::<KeyUsage>(cert) {
        None | Some(Err(_)) => out.add(Rule::ExtKeyUsageMissing, None),
        Some(Ok(ku)) => {
            if !ku.digital_signature() && !ku.non_repudiation() {
                out.add(Rule::ExtKeyUsageNoSignature, None);
            }
        }
    }
    if !matches!(extension_value::<AuthorityKeyIdentifier>(cert), Some(Ok(_))) {
        out.add(Rule::ExtAkiMissing, None);
    }
    if !matches!(extension_value::<SubjectKeyIdentifier>(cert), Some(Ok(_))) {
        out.add(Rule::ExtSkiMissing, None);
    }
    match find_extension(cert, &oids::IDENTIFICATION_KIND) {
        None => out.add(Rule::ExtIdentificationKindMissing, None),
        Some(ext) => {
            if IdentificationKind::decode_extension(ext).is_err() {
                let raw = der::asn1::Int::from_der(ext.extn_value.as_bytes())
                    .map(|i| format!("{:02X?}", i.as_bytes()))
                    .unwrap_or_else(|e| e.to_string());
                out.add(Rule::ExtIdentificationKindInvalid, Some(raw));
            }
        }
    }

    let mut violations = out.0;
    violations.sort_by_key(|v| Rule::ALL.iter().position(|r| *r == v.rule));
    let qualified = !violations.iter().any(|v| v.severity == Severity::Error);
    ProfileReport {
        kind,
        qualified,
        violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;

    #[test]
    fn extensions_round_trip() {
        let t = SubjectSignTool("СКЗИ «КриптоПро CSP»".into());
        let ext = t.encode_extension(false).unwrap();
        assert_eq!(ext.extn_id, oids::SUBJECT_SIGN_TOOL);
        assert_eq!(ext.extn_value.as_bytes()[0], 0x0C);
        assert_eq!(SubjectSignTool::decode_extension(&ext).unwrap(), t);
        assert!(IssuerSignTool::decode_extension(&ext).is_err());

        let ist = IssuerSignTool {
            sign_tool: "a".into(),
            ca_tool: "b".into(),
            sign_tool_cert: "c".into(),
            ca_tool_cert: "d".into(),
        };
        let ext = ist.encode_extension(false).unwrap();
        assert_eq!(
            ext.extn_value.as_bytes(),
            [
                0x30, 12, 0x0C, 1, b'a', 0x0C, 1, b'b', 0x0C, 1, b'c', 0x0C, 1, b'd'
            ]
        );
        assert_eq!(IssuerSignTool::decode_extension(&ext).unwrap(), ist);

        let ext = IdentificationKind::RemotePassport
            .encode_extension(false)
            .unwrap();
        assert_eq!(ext.extn_value.as_bytes(), [0x02, 0x01, 0x02]);
        assert_eq!(
            IdentificationKind::decode_extension(&ext).unwrap(),
            IdentificationKind::RemotePassport
        );

        let period = PrivateKeyUsagePeriod {
            not_before: Some(
                GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(0)).unwrap(),
            ),
            not_after: None,
        };
        let ext = period.encode_extension(false).unwrap();
        let der = ext.extn_value.as_bytes();
        assert_eq!(&der[..3], [0x30, 17, 0x80]);
        assert_eq!(&der[4..], b"19700101000000Z");
        assert_eq!(
            PrivateKeyUsagePeriod::decode_extension(&ext).unwrap(),
            period
        );
    }

    #[test]
    fn rules_have_unique_codes_and_messages() {
        let mut codes: Vec<_> = Rule::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
        for r in Rule::ALL {
            assert!(r.message_ru().chars().any(|c| ('а'..='я').contains(&c)));
            assert!(!r.message_en().is_empty());
        }
    }
}
