//! What an applicant submits, by subject kind, and what the CA makes of it.
//!
//! * person: full name (surname; given name and patronymic), SNILS,
//!   optional INN, passport series, number and date of issue;
//! * sole proprietor: the same, plus OGRNIP;
//! * organisation: name, OGRN, INNLE, and the signatory's name and
//!   position (SNILS and passport optional).
//!
//! [`ApplicantForm`] is the data as submitted (kept as JSON with the
//! request, also when it is refused); [`Applicant`] is the same after every
//! check: registration numbers with their control digits
//! ([`pki::identifiers`]), passport formats, no field of another kind. The
//! certificate's subject is built from the checked data, never copied
//! from the CSR.

use std::time::SystemTime;

use pki::identifiers::{IdError, Inn, Ogrn, Ogrnip, Snils};
use pki::name::NameBuilder;
use pki::oids;
use pki::profile::SubjectKind;
use serde::{Deserialize, Serialize};
use x509_cert::name::Name;

use crate::CaError;

/// The applicant's data as submitted: free text, checked by
/// [`Applicant::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApplicantForm {
    /// `person`, `sole_proprietor` or `organisation`.
    pub kind: String,
    /// Surname (of the holder, or of an organisation's signatory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Given name and patronymic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// SNILS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snils: Option<String>,
    /// A person's INN (12 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inn: Option<String>,
    /// Passport series (4 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_series: Option<String>,
    /// Passport number (6 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_number: Option<String>,
    /// Passport date of issue, `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passport_issued: Option<String>,
    /// OGRNIP (sole proprietor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ogrnip: Option<String>,
    /// The organisation's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// OGRN (organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ogrn: Option<String>,
    /// INNLE: the organisation's INN (10 digits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub innle: Option<String>,
    /// The signatory's position (organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A passport of the Russian Federation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passport {
    /// Series, 4 digits.
    pub series: String,
    /// Number, 6 digits.
    pub number: String,
    /// Date of issue.
    pub issued: SystemTime,
}

/// The applicant after every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// Person, sole proprietor or legal entity.
    pub kind: SubjectKind,
    /// Surname of the holder or signatory.
    pub surname: String,
    /// Given name and patronymic.
    pub given_name: String,
    /// SNILS (required for a person and a sole proprietor).
    pub snils: Option<Snils>,
    /// A person's INN.
    pub inn: Option<Inn>,
    /// Passport (required for a person and a sole proprietor).
    pub passport: Option<Passport>,
    /// OGRNIP of a sole proprietor.
    pub ogrnip: Option<Ogrnip>,
    /// The organisation's name.
    pub organisation: Option<String>,
    /// OGRN of an organisation.
    pub ogrn: Option<Ogrn>,
    /// INNLE of an organisation.
    pub innle: Option<Inn>,
    /// The signatory's position.
    pub position: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// The stored name of a subject kind.
pub fn kind_name(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Person => "person",
        SubjectKind::SoleProprietor => "sole_proprietor",
        SubjectKind::LegalEntity => "organisation",
    }
}

/// The subject kind of its name (`legal_entity` is accepted too).
pub fn parse_kind(name: &str) -> Result<SubjectKind, CaError> {
    match name.trim() {
        "person" => Ok(SubjectKind::Person),
        "sole_proprietor" | "sole-proprietor" => Ok(SubjectKind::SoleProprietor),
        "organisation" | "organization" | "legal_entity" | "legal-entity" => {
            Ok(SubjectKind::LegalEntity)
        }
        other => Err(CaError::KindUnknown(other.to_owned())),
    }
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, CaError> {
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(CaError::FieldInvalid(field));
    }
    Ok(value.to_owned())
}

fn id<T>(field: &'static str, r: Result<T, IdError>) -> Result<T, CaError> {
    r.map_err(|source| CaError::Identifier { field, source })
}

fn digits(field: &'static str, value: &str, n: usize) -> Result<String, CaError> {
    let v: String = value.chars().filter(|c| *c != ' ').collect();
    if v.len() != n || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CaError::PassportInvalid(field));
    }
    Ok(v)
}

/// A `YYYY-MM-DD` date, not after `now`.
fn date(value: &str, now: SystemTime) -> Result<SystemTime, CaError> {
    let bad = || CaError::PassportInvalid("passport_issued");
    let parts: Vec<&str> = value.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u16>().map_err(|_| bad());
    let dt =
        der::DateTime::new(num(y)?, num(m)? as u8, num(d)? as u8, 0, 0, 0).map_err(|_| bad())?;
    let t = dt.to_system_time();
    if t > now || num(y)? < 1997 {
        return Err(bad());
    }
    Ok(t)
}

impl Applicant {
    /// Checks the form as of `now`: the kind, the fields it requires and
    /// allows, text lengths, registration numbers with their control
    /// digits, passport formats. The first problem found is returned.
    pub fn check(form: &ApplicantForm, now: SystemTime) -> Result<Applicant, CaError> {
        let kind = parse_kind(&form.kind)?;
        let person_like = kind != SubjectKind::LegalEntity;

        // Required, then not allowed, in a fixed order.
        let mut required = vec![("surname", &form.surname), ("given_name", &form.given_name)];
        if person_like {
            required.extend([
                ("snils", &form.snils),
                ("passport_series", &form.passport_series),
                ("passport_number", &form.passport_number),
                ("passport_issued", &form.passport_issued),
            ]);
        }
        match kind {
            SubjectKind::SoleProprietor => required.push(("ogrnip", &form.ogrnip)),
            SubjectKind::LegalEntity => required.extend([
                ("organisation", &form.organisation),
                ("ogrn", &form.ogrn),
                ("innle", &form.innle),
                ("position", &form.position),
            ]),
            SubjectKind::Person => {}
        }
        if let Some((field, _)) = required.iter().find(|(_, v)| given(v).is_none()) {
            return Err(CaError::FieldMissing(field));
        }
        let mut unexpected = Vec::new();
        match kind {
            SubjectKind::Person | SubjectKind::SoleProprietor => {
                if kind == SubjectKind::Person {
                    unexpected.push(("ogrnip", &form.ogrnip));
                }
                unexpected.extend([
                    ("organisation", &form.organisation),
                    ("ogrn", &form.ogrn),
                    ("innle", &form.innle),
                    ("position", &form.position),
                ]);
            }
            SubjectKind::LegalEntity => {
                unexpected.extend([("ogrnip", &form.ogrnip), ("inn", &form.inn)]);
            }
        }
        if let Some((field, _)) = unexpected.iter().find(|(_, v)| given(v).is_some()) {
            return Err(CaError::FieldUnexpected(field));
        }

        let surname = text("surname", given(&form.surname).unwrap_or_default(), 128)?;
        let given_name = text(
            "given_name",
            given(&form.given_name).unwrap_or_default(),
            128,
        )?;
        let snils = given(&form.snils)
            .map(|s| id("snils", Snils::parse(s)))
            .transpose()?;
        let inn = given(&form.inn)
            .map(|s| id("inn", Inn::parse_person(s)))
            .transpose()?;
        let passport = match (
            given(&form.passport_series),
            given(&form.passport_number),
            given(&form.passport_issued),
        ) {
            (None, None, None) => None,
            (Some(series), Some(number), Some(issued)) => Some(Passport {
                series: digits("passport_series", series, 4)?,
                number: digits("passport_number", number, 6)?,
                issued: date(issued, now)?,
            }),
            (None, _, _) => return Err(CaError::FieldMissing("passport_series")),
            (_, None, _) => return Err(CaError::FieldMissing("passport_number")),
            (_, _, None) => return Err(CaError::FieldMissing("passport_issued")),
        };
        let ogrnip = given(&form.ogrnip)
            .map(|s| id("ogrnip", Ogrnip::parse(s)))
            .transpose()?;
        let organisation = given(&form.organisation)
            .map(|s| text("organisation", s, 255))
            .transpose()?;
        let ogrn = given(&form.ogrn)
            .map(|s| id("ogrn", Ogrn::parse(s)))
            .transpose()?;
        let innle = given(&form.innle)
            .map(|s| id("innle", Inn::parse_legal_entity(s)))
            .transpose()?;
        let position = given(&form.position)
            .map(|s| text("position", s, 128))
            .transpose()?;
        let email = given(&form.email)
            .map(|s| {
                let e = text("email", s, 128)?;
                if !e.is_ascii() || !e.contains('@') || e.contains(' ') {
                    return Err(CaError::FieldInvalid("email"));
                }
                Ok(e)
            })
            .transpose()?;
        Ok(Applicant {
            kind,
            surname,
            given_name,
            snils,
            inn,
            passport,
            ogrnip,
            organisation,
            ogrn,
            innle,
            position,
            email,
        })
    }

    /// The certificate subject, in the order Russian CAs write it:
    /// a person `CN, SN, G, C, [E], SNILS, [INN], [OGRNIP]`; an
    /// organisation `CN, O, SN, G, T, C, [E], INNLE, OGRN, [SNILS]`.
    /// Registration numbers are NumericString.
    pub fn subject(&self) -> Result<Name, CaError> {
        let invalid = |_| CaError::FieldInvalid("name");
        let full_name = format!("{} {}", self.surname, self.given_name);
        let mut b = NameBuilder::new();
        match (&self.organisation, self.kind) {
            (Some(org), SubjectKind::LegalEntity) => {
                b = b
                    .common_name(org)
                    .and_then(|b| b.organization(org))
                    .map_err(invalid)?;
            }
            _ => b = b.common_name(&full_name).map_err(invalid)?,
        }
        b = b
            .surname(&self.surname)
            .and_then(|b| b.given_name(&self.given_name))
            .map_err(invalid)?;
        if let Some(p) = &self.position {
            b = b.attribute(oids::TITLE, p).map_err(invalid)?;
        }
        b = b.country("RU").map_err(invalid)?;
        if let Some(e) = &self.email {
            b = b.attribute(oids::EMAIL, e).map_err(invalid)?;
        }
        if let Some(i) = &self.innle {
            b = b.inn(i).map_err(invalid)?;
        }
        if let Some(o) = &self.ogrn {
            b = b.ogrn(o).map_err(invalid)?;
        }
        if let Some(s) = &self.snils {
            b = b.snils(s).map_err(invalid)?;
        }
        if let Some(i) = &self.inn {
            b = b.inn(i).map_err(invalid)?;
        }
        if let Some(o) = &self.ogrnip {
            b = b.ogrnip(o).map_err(invalid)?;
        }
        b.build().map_err(invalid)
    }

    /// The verified identity the CA knows the holder by: `snils:…` for a
    /// person, `ogrnip:…/snils:…` for a sole proprietor, `ogrn:…` (with
    /// `/snils:…` of a named signatory) for an organisation. Certificates
    /// with the same identity belong to the same holder (renewal,
    /// revocation on the holder's request).
    pub fn identity_key(&self) -> String {
        let snils = self.snils.as_ref().map(|s| format!("snils:{}", s.digits()));
        let mut parts = Vec::new();
        if let Some(o) = &self.ogrn {
            parts.push(format!("ogrn:{}", o.as_str()));
        }
        if let Some(o) = &self.ogrnip {
            parts.push(format!("ogrnip:{}", o.as_str()));
        }
        parts.extend(snils);
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pki::Diagnostic;
    use std::time::Duration;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    fn person() -> ApplicantForm {
        ApplicantForm {
            kind: "person".into(),
            surname: Some("Иванов".into()),
            given_name: Some("Иван Иванович".into()),
            snils: Some("112-233-445 95".into()),
            inn: Some("500100732259".into()),
            passport_series: Some("45 10".into()),
            passport_number: Some("123456".into()),
            passport_issued: Some("2015-06-01".into()),
            ..Default::default()
        }
    }

    fn organisation() -> ApplicantForm {
        ApplicantForm {
            kind: "organisation".into(),
            surname: Some("Петров".into()),
            given_name: Some("Пётр Петрович".into()),
            organisation: Some("ООО «Ромашка»".into()),
            ogrn: Some("1027700132195".into()),
            innle: Some("7707083893".into()),
            position: Some("Генеральный директор".into()),
            ..Default::default()
        }
    }

    fn code(form: &ApplicantForm) -> &'static str {
        Applicant::check(form, now()).unwrap_err().code()
    }

    #[test]
    fn each_kind_is_checked_and_named() {
        let p = Applicant::check(&person(), now()).unwrap();
        assert_eq!(p.kind, SubjectKind::Person);
        assert_eq!(p.identity_key(), "snils:11223344595");
        assert_eq!(p.passport.as_ref().unwrap().series, "4510");
        let name = pki::name::format_name(&p.subject().unwrap());
        assert!(name.contains("Иванов Иван Иванович"), "{name}");

        let mut ip = person();
        ip.kind = "sole_proprietor".into();
        ip.ogrnip = Some("304500116000157".into());
        let ip = Applicant::check(&ip, now()).unwrap();
        assert_eq!(
            ip.identity_key(),
            "ogrnip:304500116000157/snils:11223344595"
        );

        let o = Applicant::check(&organisation(), now()).unwrap();
        assert_eq!(o.kind, SubjectKind::LegalEntity);
        assert_eq!(o.identity_key(), "ogrn:1027700132195");
        let id = pki::name::SubjectIdentity::from_name(&o.subject().unwrap());
        assert_eq!(id.organization.as_deref(), Some("ООО «Ромашка»"));
        assert_eq!(id.title.as_deref(), Some("Генеральный директор"));
        assert!(id.innle.is_some() && id.ogrn.is_some());
    }

    #[test]
    fn each_bad_input_has_its_code() {
        let mut f = person();
        f.kind = "robot".into();
        assert_eq!(code(&f), "CA_APPLICANT_KIND_UNKNOWN");
        let mut f = person();
        f.snils = None;
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_MISSING");
        let mut f = person();
        f.snils = Some("112-233-445 96".into());
        assert_eq!(code(&f), "SNILS_INVALID_CHECKSUM");
        let mut f = person();
        f.inn = Some("500100732258".into());
        assert_eq!(code(&f), "INN_INVALID_CHECKSUM");
        let mut f = person();
        f.ogrn = Some("1027700132195".into());
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_UNEXPECTED");
        let mut f = person();
        f.passport_number = Some("12345".into());
        assert_eq!(code(&f), "CA_PASSPORT_INVALID");
        let mut f = person();
        f.passport_issued = Some("2031-01-01".into());
        assert_eq!(code(&f), "CA_PASSPORT_INVALID");
        let mut f = person();
        f.passport_issued = Some("2015-02-30".into());
        assert_eq!(code(&f), "CA_PASSPORT_INVALID");
        let mut f = person();
        f.surname = Some("Ива\u{7}нов".into());
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_INVALID");
        let mut f = person();
        f.email = Some("not-an-address".into());
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_INVALID");
        let mut f = person();
        f.kind = "sole_proprietor".into();
        f.ogrnip = Some("304500116000158".into());
        assert_eq!(code(&f), "OGRNIP_INVALID_CHECKSUM");
        let mut f = organisation();
        f.ogrn = Some("1027700132196".into());
        assert_eq!(code(&f), "OGRN_INVALID_CHECKSUM");
        let mut f = organisation();
        f.innle = Some("7707083894".into());
        assert_eq!(code(&f), "INN_INVALID_CHECKSUM");
        let mut f = organisation();
        f.position = None;
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_MISSING");
        let mut f = organisation();
        f.inn = Some("500100732259".into());
        assert_eq!(code(&f), "CA_APPLICANT_FIELD_UNEXPECTED");
    }

    #[test]
    fn the_form_round_trips_as_json() {
        let json = serde_json::to_string(&person()).unwrap();
        assert!(!json.contains("ogrn"), "{json}");
        let back: ApplicantForm = serde_json::from_str(&json).unwrap();
        assert_eq!(back, person());
    }
}
