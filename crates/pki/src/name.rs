//! Distinguished names with the attributes of the Russian qualified profile
//! (FSB order No. 795, RFC 5280 §4.1.2.4).
//!
//! * [`parse_name`] reads `CN=Иванов Иван,SNILS=11223344595,C=RU` into an
//!   [`x509_cert::name::Name`], encoding each attribute the way the profile
//!   requires: text as UTF8String, `C` as PrintableString, registration
//!   numbers as NumericString (checked with their control digits), `E` as
//!   IA5String. Attributes keep the order given, one per RDN.
//! * [`NameBuilder`] builds the same from typed values.
//! * [`format_name`] prints a name with short labels (`CN=…, SNILS=…`).
//! * [`SubjectIdentity`] pulls the person's and organisation's details out
//!   of a name, accepting what real CAs write (identifiers as
//!   PrintableString or UTF8String, a legal entity's INN padded with `00`
//!   in the INN attribute).

use const_oid::ObjectIdentifier;
use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Tag, Tagged};
use serde::Serialize;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::identifiers::{IdError, Inn, Ogrn, Ogrnip, Snils};
use crate::oids;

/// Why a name could not be parsed or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// A component has no `=` between the label and the value.
    #[error("name component {0:?} has no '='")]
    Syntax(String),
    /// A label that is neither a known short name nor a dotted OID.
    #[error("unknown attribute label {0:?}")]
    UnknownAttribute(String),
    /// An attribute with an empty value.
    #[error("attribute {0} has an empty value")]
    EmptyValue(String),
    /// The country is not two Latin letters (ISO 3166 alpha-2).
    #[error("country {0:?} is not two Latin letters")]
    Country(String),
    /// A value that the attribute's string type cannot hold (e.g. Cyrillic
    /// in an e-mail address).
    #[error("attribute {attribute}: value {value:?} is not allowed in its string type")]
    Charset {
        /// The attribute's label.
        attribute: String,
        /// The refused value.
        value: String,
    },
    /// A registration number with a wrong length or control number.
    #[error("attribute {attribute}: {source}")]
    Identifier {
        /// The attribute's label (`SNILS`, `INN`, `INNLE`, `OGRN`, `OGRNIP`).
        attribute: &'static str,
        /// What is wrong with the number.
        source: IdError,
    },
    /// The name has no attributes.
    #[error("the name is empty")]
    Empty,
    /// DER encoding failed (a value too long).
    #[error("DER: {0}")]
    Der(#[from] der::Error),
}

impl crate::Diagnostic for NameError {
    fn code(&self) -> &'static str {
        match self {
            NameError::Syntax(_) => "NAME_SYNTAX",
            NameError::UnknownAttribute(_) => "NAME_UNKNOWN_ATTRIBUTE",
            NameError::EmptyValue(_) => "NAME_EMPTY_VALUE",
            NameError::Country(_) => "NAME_BAD_COUNTRY",
            NameError::Charset { .. } => "NAME_BAD_CHARSET",
            NameError::Identifier { source, .. } => source.code(),
            NameError::Empty => "NAME_EMPTY",
            NameError::Der(_) => "NAME_ENCODING",
        }
    }

    fn message_ru(&self) -> String {
        match self {
            NameError::Syntax(c) => {
                format!("Элемент имени «{c}» записан без «=». Пишите так: CN=Иванов Иван,C=RU.")
            }
            NameError::UnknownAttribute(l) => format!(
                "Неизвестный атрибут «{l}». Используйте CN, SN, G, T, O, OU, L, ST, STREET, C, E, SNILS, INN, INNLE, OGRN, OGRNIP или OID."
            ),
            NameError::EmptyValue(l) => {
                format!("У атрибута {l} пустое значение. Укажите значение или уберите атрибут.")
            }
            NameError::Country(c) => {
                format!("Страна «{c}» должна быть двухбуквенным кодом латиницей, например RU.")
            }
            NameError::Charset { attribute, value } => format!(
                "Значение «{value}» атрибута {attribute} содержит недопустимые символы (например, кириллицу в адресе почты)."
            ),
            NameError::Identifier { attribute, source } => {
                format!("Атрибут {attribute}: {}", source.message_ru())
            }
            NameError::Empty => "Имя пустое. Укажите хотя бы CN.".to_owned(),
            NameError::Der(e) => format!("Имя не удалось закодировать в DER: {e}."),
        }
    }

    fn message_en(&self) -> String {
        match self {
            NameError::Syntax(c) => {
                format!("Name component {c:?} has no '='. Write e.g. CN=Ivanov Ivan,C=RU.")
            }
            NameError::UnknownAttribute(l) => format!(
                "Unknown attribute {l:?}. Use CN, SN, G, T, O, OU, L, ST, STREET, C, E, SNILS, INN, INNLE, OGRN, OGRNIP or a dotted OID."
            ),
            NameError::EmptyValue(l) => {
                format!("Attribute {l} is empty. Give a value or drop the attribute.")
            }
            NameError::Country(c) => {
                format!("Country {c:?} must be a two-letter Latin code such as RU.")
            }
            NameError::Charset { attribute, value } => format!(
                "The value {value:?} of {attribute} has characters its string type cannot hold (e.g. Cyrillic in an e-mail address)."
            ),
            NameError::Identifier { attribute, source } => {
                format!("Attribute {attribute}: {}", source.message_en())
            }
            NameError::Empty => "The name is empty. Give at least CN.".to_owned(),
            NameError::Der(e) => format!("The name could not be DER-encoded: {e}."),
        }
    }
}

/// How the profile encodes an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// UTF8String (any text).
    Utf8,
    /// PrintableString of two letters (countryName).
    Country,
    /// IA5String (emailAddress).
    Ia5,
    /// NumericString with a checked registration number.
    Snils,
    Inn,
    InnLe,
    Ogrn,
    Ogrnip,
}

/// The attributes podpis knows: label printed, labels accepted, OID, encoding.
const ATTRIBUTES: &[(&str, &[&str], ObjectIdentifier, Encoding)] = &[
    ("CN", &["CN", "commonName"], oids::CN, Encoding::Utf8),
    ("SN", &["SN", "surname"], oids::SURNAME, Encoding::Utf8),
    (
        "G",
        &["G", "GN", "givenName"],
        oids::GIVEN_NAME,
        Encoding::Utf8,
    ),
    ("T", &["T", "title"], oids::TITLE, Encoding::Utf8),
    (
        "O",
        &["O", "organizationName"],
        oids::ORGANIZATION,
        Encoding::Utf8,
    ),
    (
        "OU",
        &["OU", "organizationalUnitName"],
        oids::ORGANIZATIONAL_UNIT,
        Encoding::Utf8,
    ),
    ("L", &["L", "localityName"], oids::LOCALITY, Encoding::Utf8),
    (
        "ST",
        &["ST", "S", "stateOrProvinceName"],
        oids::STATE,
        Encoding::Utf8,
    ),
    (
        "STREET",
        &["STREET", "streetAddress"],
        oids::STREET,
        Encoding::Utf8,
    ),
    ("C", &["C", "countryName"], oids::COUNTRY, Encoding::Country),
    (
        "E",
        &["E", "emailAddress", "email"],
        oids::EMAIL,
        Encoding::Ia5,
    ),
    ("SNILS", &["SNILS"], oids::SNILS, Encoding::Snils),
    ("INN", &["INN"], oids::INN, Encoding::Inn),
    ("INNLE", &["INNLE"], oids::INNLE, Encoding::InnLe),
    ("OGRN", &["OGRN"], oids::OGRN, Encoding::Ogrn),
    ("OGRNIP", &["OGRNIP"], oids::OGRNIP, Encoding::Ogrnip),
];

/// The short label podpis prints for an attribute (`CN`, `SNILS`, …), or
/// `None` for attributes it does not know.
pub fn attribute_label(oid: &ObjectIdentifier) -> Option<&'static str> {
    ATTRIBUTES
        .iter()
        .find(|(_, _, o, _)| o == oid)
        .map(|(label, ..)| *label)
}

/// The OID a label names: a known short or long name (case-insensitive)
/// or a dotted OID.
pub fn attribute_oid(label: &str) -> Option<ObjectIdentifier> {
    ATTRIBUTES
        .iter()
        .find(|(_, names, ..)| names.iter().any(|n| n.eq_ignore_ascii_case(label)))
        .map(|(_, _, oid, _)| *oid)
        .or_else(|| {
            if label.starts_with(|c: char| c.is_ascii_digit()) {
                ObjectIdentifier::new(label).ok()
            } else {
                None
            }
        })
}

fn encoding_of(oid: &ObjectIdentifier) -> Encoding {
    ATTRIBUTES
        .iter()
        .find(|(_, _, o, _)| o == oid)
        .map_or(Encoding::Utf8, |(.., e)| *e)
}

fn label_for_error(oid: &ObjectIdentifier) -> String {
    attribute_label(oid).map_or_else(|| oid.to_string(), str::to_owned)
}

fn numeric(digits: &str) -> Result<Any, der::Error> {
    Any::new(Tag::NumericString, digits.as_bytes())
}

/// Encodes one attribute value the way the profile requires for `oid`.
pub fn encode_attribute(
    oid: ObjectIdentifier,
    value: &str,
) -> Result<AttributeTypeAndValue, NameError> {
    if value.is_empty() {
        return Err(NameError::EmptyValue(label_for_error(&oid)));
    }
    let id_err =
        |attribute: &'static str| move |source| NameError::Identifier { attribute, source };
    let value = match encoding_of(&oid) {
        Encoding::Utf8 => Any::new(Tag::Utf8String, value.as_bytes())?,
        Encoding::Country => {
            if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(NameError::Country(value.to_owned()));
            }
            Any::new(Tag::PrintableString, value.to_ascii_uppercase().as_bytes())?
        }
        Encoding::Ia5 => {
            if !value.is_ascii() {
                return Err(NameError::Charset {
                    attribute: label_for_error(&oid),
                    value: value.to_owned(),
                });
            }
            Any::new(Tag::Ia5String, value.as_bytes())?
        }
        Encoding::Snils => numeric(&Snils::parse(value).map_err(id_err("SNILS"))?.digits())?,
        Encoding::Inn => numeric(Inn::parse_person(value).map_err(id_err("INN"))?.as_str())?,
        Encoding::InnLe => numeric(
            Inn::parse_legal_entity(value)
                .map_err(id_err("INNLE"))?
                .as_str(),
        )?,
        Encoding::Ogrn => numeric(Ogrn::parse(value).map_err(id_err("OGRN"))?.as_str())?,
        Encoding::Ogrnip => numeric(Ogrnip::parse(value).map_err(id_err("OGRNIP"))?.as_str())?,
    };
    Ok(AttributeTypeAndValue { oid, value })
}

/// Builds a [`Name`] attribute by attribute, in order, one attribute per RDN.
#[derive(Debug, Clone, Default)]
pub struct NameBuilder {
    attributes: Vec<AttributeTypeAndValue>,
}

impl NameBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        NameBuilder::default()
    }

    /// Appends an attribute given by OID, encoded per the profile.
    pub fn attribute(mut self, oid: ObjectIdentifier, value: &str) -> Result<Self, NameError> {
        self.attributes.push(encode_attribute(oid, value)?);
        Ok(self)
    }

    /// Appends an already encoded attribute as it is.
    pub fn raw(mut self, attribute: AttributeTypeAndValue) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Appends commonName (CN).
    pub fn common_name(self, value: &str) -> Result<Self, NameError> {
        self.attribute(oids::CN, value)
    }

    /// Appends surname (SN).
    pub fn surname(self, value: &str) -> Result<Self, NameError> {
        self.attribute(oids::SURNAME, value)
    }

    /// Appends givenName (G): the given name and patronymic.
    pub fn given_name(self, value: &str) -> Result<Self, NameError> {
        self.attribute(oids::GIVEN_NAME, value)
    }

    /// Appends organizationName (O).
    pub fn organization(self, value: &str) -> Result<Self, NameError> {
        self.attribute(oids::ORGANIZATION, value)
    }

    /// Appends countryName (C), two letters.
    pub fn country(self, value: &str) -> Result<Self, NameError> {
        self.attribute(oids::COUNTRY, value)
    }

    /// Appends SNILS as NumericString.
    pub fn snils(mut self, snils: &Snils) -> Result<Self, NameError> {
        self.attributes.push(AttributeTypeAndValue {
            oid: oids::SNILS,
            value: numeric(&snils.digits())?,
        });
        Ok(self)
    }

    /// Appends an INN: a 12-digit one as INN, a 10-digit one as INNLE.
    pub fn inn(mut self, inn: &Inn) -> Result<Self, NameError> {
        let oid = if inn.is_legal_entity() {
            oids::INNLE
        } else {
            oids::INN
        };
        self.attributes.push(AttributeTypeAndValue {
            oid,
            value: numeric(inn.as_str())?,
        });
        Ok(self)
    }

    /// Appends OGRN as NumericString.
    pub fn ogrn(mut self, ogrn: &Ogrn) -> Result<Self, NameError> {
        self.attributes.push(AttributeTypeAndValue {
            oid: oids::OGRN,
            value: numeric(ogrn.as_str())?,
        });
        Ok(self)
    }

    /// Appends OGRNIP as NumericString.
    pub fn ogrnip(mut self, ogrnip: &Ogrnip) -> Result<Self, NameError> {
        self.attributes.push(AttributeTypeAndValue {
            oid: oids::OGRNIP,
            value: numeric(ogrnip.as_str())?,
        });
        Ok(self)
    }

    /// The name, one attribute per RDN in the order appended.
    pub fn build(self) -> Result<Name, NameError> {
        if self.attributes.is_empty() {
            return Err(NameError::Empty);
        }
        name_from_attributes(self.attributes)
    }
}

/// A [`Name`] of the given attributes, one per RDN, in order.
pub fn name_from_attributes(
    attributes: impl IntoIterator<Item = AttributeTypeAndValue>,
) -> Result<Name, NameError> {
    let mut seq = RdnSequence::default();
    for atv in attributes {
        let set = SetOfVec::try_from(vec![atv])?;
        seq.push(RelativeDistinguishedName::from(set));
    }
    // `Name`'s field is private: go through DER.
    Ok(Name::from_der(&seq.to_der()?)?)
}

/// Parses `CN=Иванов Иван,SN=Иванов,G=Иван Иванович,C=RU,SNILS=…` into a
/// [`Name`]. Components are separated by `,` (`\,` is a literal comma, `\\`
/// a backslash); spaces around labels and values are trimmed. Attributes
/// keep the order written, one per RDN (the way Russian CAs write them,
/// not reversed as RFC 4514 strings are).
pub fn parse_name(s: &str) -> Result<Name, NameError> {
    let mut builder = NameBuilder::new();
    for component in split_components(s) {
        if component.trim().is_empty() {
            continue;
        }
        let Some((label, value)) = component.split_once('=') else {
            return Err(NameError::Syntax(component));
        };
        let label = label.trim();
        let oid = attribute_oid(label).ok_or_else(|| NameError::UnknownAttribute(label.into()))?;
        builder = builder.attribute(oid, value.trim())?;
    }
    builder.build()
}

/// Splits at unescaped commas, removing the escapes.
fn split_components(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            ',' => out.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

/// Decodes an attribute value of any DirectoryString-like type to text:
/// UTF8String, PrintableString, NumericString, IA5String, VisibleString,
/// BMPString (UTF-16), TeletexString (read as
/// Latin-1). `None` for other types.
pub fn attribute_text(value: &Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::NumericString
        | Tag::Ia5String
        | Tag::VisibleString => String::from_utf8(bytes.to_vec()).ok(),
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            if !bytes.len().is_multiple_of(2) {
                return None;
            }
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    }
}

/// Formats a name for display, in the order its RDNs appear:
/// `CN=Иванов Иван, SNILS=11223344595, C=RU`. Unknown attributes print as
/// their dotted OID; values that are not text print as `#` and DER hex.
/// Commas and backslashes in values are escaped with `\`, so the output
/// with `, ` separators reads back with [`parse_name`].
pub fn format_name(name: &Name) -> String {
    let mut parts = Vec::new();
    for rdn in name.iter_rdn() {
        let atvs: Vec<String> = rdn.iter().map(format_attribute).collect();
        parts.push(atvs.join(" + "));
    }
    parts.join(", ")
}

fn format_attribute(atv: &AttributeTypeAndValue) -> String {
    let label = label_for_error(&atv.oid);
    match attribute_text(&atv.value) {
        Some(text) => {
            let escaped = text.replace('\\', "\\\\").replace(',', "\\,");
            format!("{label}={escaped}")
        }
        None => {
            let der = atv.value.to_der().unwrap_or_default();
            let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
            format!("{label}=#{hex}")
        }
    }
}

/// The first value of an attribute as text.
pub fn first_text(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    name.iter()
        .filter(|atv| atv.oid == oid)
        .find_map(|atv| attribute_text(&atv.value))
}

/// A registration number in a name that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentifierProblem {
    /// The attribute's label: `SNILS`, `INN`, `INNLE`, `OGRN`, `OGRNIP`.
    pub attribute: &'static str,
    /// The value as written.
    pub value: String,
    /// The identifier error's stable code, e.g. `SNILS_INVALID_CHECKSUM`.
    pub code: &'static str,
    /// What is wrong, for logs.
    #[serde(skip)]
    pub error: IdError,
}

/// Who a name describes: the attributes of the qualified profile, the
/// registration numbers as typed values where they are valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SubjectIdentity {
    /// CN.
    pub common_name: Option<String>,
    /// SN: the surname.
    pub surname: Option<String>,
    /// G: the given name and patronymic.
    pub given_name: Option<String>,
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// T: the position.
    pub title: Option<String>,
    /// L.
    pub locality: Option<String>,
    /// ST: the region.
    pub region: Option<String>,
    /// STREET.
    pub street: Option<String>,
    /// C.
    pub country: Option<String>,
    /// E.
    pub email: Option<String>,
    /// SNILS.
    #[serde(serialize_with = "ser_digits")]
    pub snils: Option<Snils>,
    /// A person's 12-digit INN.
    #[serde(serialize_with = "ser_digits")]
    pub inn: Option<Inn>,
    /// A legal entity's 10-digit INN (from INNLE, or from INN written as
    /// `00` + 10 digits by the pre-2021 profile).
    #[serde(serialize_with = "ser_digits")]
    pub innle: Option<Inn>,
    /// OGRN.
    #[serde(serialize_with = "ser_digits")]
    pub ogrn: Option<Ogrn>,
    /// OGRNIP.
    #[serde(serialize_with = "ser_digits")]
    pub ogrnip: Option<Ogrnip>,
    /// Registration numbers present but invalid.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<IdentifierProblem>,
}

/// Serialises a registration number as its plain digits.
fn ser_digits<T: IdDigits, S: serde::Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.plain_digits()),
        None => s.serialize_none(),
    }
}

trait IdDigits {
    fn plain_digits(&self) -> String;
}
impl IdDigits for Snils {
    fn plain_digits(&self) -> String {
        self.digits()
    }
}
impl IdDigits for Inn {
    fn plain_digits(&self) -> String {
        self.as_str().to_owned()
    }
}
impl IdDigits for Ogrn {
    fn plain_digits(&self) -> String {
        self.as_str().to_owned()
    }
}
impl IdDigits for Ogrnip {
    fn plain_digits(&self) -> String {
        self.as_str().to_owned()
    }
}

impl SubjectIdentity {
    /// Reads the identity out of a name. Identifiers are read from any
    /// string type; a 12-digit INN that starts with `00` and whose last ten
    /// digits are a valid legal-entity INN is taken as INNLE (the pre-2021
    /// profile wrote it that way).
    pub fn from_name(name: &Name) -> SubjectIdentity {
        let text = |oid| first_text(name, oid);
        let mut id = SubjectIdentity {
            common_name: text(oids::CN),
            surname: text(oids::SURNAME),
            given_name: text(oids::GIVEN_NAME),
            organization: text(oids::ORGANIZATION),
            organizational_unit: text(oids::ORGANIZATIONAL_UNIT),
            title: text(oids::TITLE),
            locality: text(oids::LOCALITY),
            region: text(oids::STATE),
            street: text(oids::STREET),
            country: text(oids::COUNTRY),
            email: text(oids::EMAIL),
            ..SubjectIdentity::default()
        };
        let mut problem = |attribute: &'static str, value: &str, error: IdError| {
            id.problems.push(IdentifierProblem {
                attribute,
                value: value.to_owned(),
                code: error.code(),
                error,
            });
        };
        let mut snils = None;
        let mut inn = None;
        let mut innle = None;
        let mut ogrn = None;
        let mut ogrnip = None;
        if let Some(v) = text(oids::SNILS) {
            match Snils::parse(v.trim()) {
                Ok(s) => snils = Some(s),
                Err(e) => problem("SNILS", &v, e),
            }
        }
        if let Some(v) = text(oids::INN) {
            let v = v.trim();
            match v.strip_prefix("00").filter(|rest| rest.len() == 10) {
                Some(rest) if Inn::parse_legal_entity(rest).is_ok() => {
                    innle = Inn::parse_legal_entity(rest).ok();
                }
                _ => match Inn::parse(v) {
                    Ok(i) if i.is_legal_entity() => innle = Some(i),
                    Ok(i) => inn = Some(i),
                    Err(e) => problem("INN", v, e),
                },
            }
        }
        if let Some(v) = text(oids::INNLE) {
            match Inn::parse_legal_entity(v.trim()) {
                Ok(i) => innle = Some(i),
                Err(e) => problem("INNLE", &v, e),
            }
        }
        if let Some(v) = text(oids::OGRN) {
            match Ogrn::parse(v.trim()) {
                Ok(o) => ogrn = Some(o),
                Err(e) => problem("OGRN", &v, e),
            }
        }
        if let Some(v) = text(oids::OGRNIP) {
            match Ogrnip::parse(v.trim()) {
                Ok(o) => ogrnip = Some(o),
                Err(e) => problem("OGRNIP", &v, e),
            }
        }
        id.snils = snils;
        id.inn = inn;
        id.innle = innle;
        id.ogrn = ogrn;
        id.ogrnip = ogrnip;
        id
    }
}

impl From<&Name> for SubjectIdentity {
    fn from(name: &Name) -> Self {
        SubjectIdentity::from_name(name)
    }
}

// --- comparison (RFC 5280 §7.1) --------------------------------------------

/// Whether two names are the same under RFC 5280 §7.1: identical DER, or
/// the same RDNs with the same attribute types and, for string values,
/// values equal after trimming, collapsing inner white space and case
/// folding (whatever the string type: UTF8String, PrintableString,
/// BMPString…). Non-string values must be byte-identical.
pub fn names_match(a: &Name, b: &Name) -> bool {
    a == b || name_key(a) == name_key(b)
}

/// Whether `name` lies in the subtree `base` (RFC 5280 §4.2.1.10,
/// directoryName): its first RDNs match all of `base`'s under §7.1.
pub(crate) fn name_within(name: &Name, base: &Name) -> bool {
    let name = name_key(name);
    let base = name_key(base);
    name.len() >= base.len() && name.iter().zip(&base).all(|(a, b)| a == b)
}

/// A normalised name: per RDN, the sorted (type, normalised value) pairs.
pub(crate) type NameKey = Vec<Vec<(ObjectIdentifier, NormValue)>>;

/// An attribute value as compared: normalised text, or raw TLV bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum NormValue {
    Text(String),
    Raw(Vec<u8>),
}

pub(crate) fn name_key(name: &Name) -> NameKey {
    name.iter_rdn()
        .map(|rdn| {
            let mut atvs: Vec<_> = rdn
                .iter()
                .map(|atv| (atv.oid, normalise_value(&atv.value)))
                .collect();
            atvs.sort();
            atvs
        })
        .collect()
}

fn normalise_value(value: &der::Any) -> NormValue {
    match attribute_text(value) {
        Some(text) => NormValue::Text(
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase(),
        ),
        None => NormValue::Raw(value.to_der().unwrap_or_else(|_| value.value().to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Diagnostic;

    #[test]
    fn parses_encodes_and_formats() {
        let name = parse_name(
            "CN=Иванов Иван, SN=Иванов,G=Иван Иванович,C=ru,SNILS=112-233-445 95,INN=500100732259,E=a@b.ru,1.2.3.4=x\\,y",
        )
        .unwrap();
        let tags: Vec<Tag> = name.iter().map(|a| a.value.tag()).collect();
        assert_eq!(
            tags,
            [
                Tag::Utf8String,
                Tag::Utf8String,
                Tag::Utf8String,
                Tag::PrintableString,
                Tag::NumericString,
                Tag::NumericString,
                Tag::Ia5String,
                Tag::Utf8String
            ]
        );
        assert_eq!(
            format_name(&name),
            "CN=Иванов Иван, SN=Иванов, G=Иван Иванович, C=RU, SNILS=11223344595, INN=500100732259, E=a@b.ru, 1.2.3.4=x\\,y"
        );
        assert_eq!(parse_name(&format_name(&name)).unwrap(), name);
    }

    #[test]
    fn refuses_bad_values_naming_the_attribute() {
        let e = parse_name("CN=x,SNILS=11223344596").unwrap_err();
        assert!(matches!(
            e,
            NameError::Identifier {
                attribute: "SNILS",
                ..
            }
        ));
        assert_eq!(e.code(), "SNILS_INVALID_CHECKSUM");
        assert!(e.message_ru().contains("SNILS"));
        assert!(matches!(
            parse_name("C=RUS").unwrap_err(),
            NameError::Country(_)
        ));
        assert!(matches!(
            parse_name("X=1").unwrap_err(),
            NameError::UnknownAttribute(_)
        ));
        assert!(matches!(
            parse_name("CN").unwrap_err(),
            NameError::Syntax(_)
        ));
        assert!(matches!(
            parse_name("E=почта@b.ru").unwrap_err(),
            NameError::Charset { .. }
        ));
    }

    #[test]
    fn identity_accepts_quirks() {
        let name = name_from_attributes([
            AttributeTypeAndValue {
                oid: oids::INN,
                value: Any::new(Tag::PrintableString, b"007707083893".as_slice()).unwrap(),
            },
            AttributeTypeAndValue {
                oid: oids::SNILS,
                value: Any::new(Tag::Utf8String, b"11223344595".as_slice()).unwrap(),
            },
            AttributeTypeAndValue {
                oid: oids::CN,
                value: Any::new(Tag::BmpString, [0x04, 0x10, 0x00, 0x42].as_slice()).unwrap(),
            },
            AttributeTypeAndValue {
                oid: oids::OGRN,
                value: Any::new(Tag::NumericString, b"1027700132196".as_slice()).unwrap(),
            },
        ])
        .unwrap();
        let id = SubjectIdentity::from_name(&name);
        assert_eq!(id.innle.unwrap().as_str(), "7707083893");
        assert!(id.inn.is_none());
        assert_eq!(id.snils.unwrap().digits(), "11223344595");
        assert_eq!(id.common_name.as_deref(), Some("АB"));
        assert_eq!(id.problems.len(), 1);
        assert_eq!(id.problems[0].code, "OGRN_INVALID_CHECKSUM");
    }
}
