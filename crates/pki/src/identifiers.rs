//! Russian registration numbers that qualified certificates carry in their
//! subject (FSB order No. 795), each validated with its control digits:
//!
//! | type | digits | attribute OID | who |
//! |---|---|---|---|
//! | [`Snils`] | 11 | 1.2.643.100.3 | a person (pension insurance number) |
//! | [`Inn`] | 12 | 1.2.643.3.131.1.1 | a person's taxpayer number |
//! | [`Inn`] | 10 | 1.2.643.100.4 (INNLE) | a legal entity's taxpayer number |
//! | [`Ogrn`] | 13 | 1.2.643.100.1 | a legal entity's state registration number |
//! | [`Ogrnip`] | 15 | 1.2.643.100.5 | a sole proprietor's registration number |
//!
//! Parsing is strict ("parse, don't validate"): exactly the right number of
//! ASCII digits and a correct control number, or an [`IdError`] that names
//! what is wrong. SNILS is also accepted in its printed form
//! `123-456-789 01`. The control-digit rules are the ones the Pension Fund
//! (SNILS) and the Federal Tax Service (INN, OGRN, OGRNIP) publish; each
//! parser's documentation states its rule.

use core::fmt;

/// Why a registration number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Not the number of digits the kind of number has.
    #[error("{kind}: expected {expected} digits, got {actual}")]
    Length {
        /// Which kind of number was parsed.
        kind: IdKind,
        /// How many digits it must have.
        expected: &'static str,
        /// How many characters were given (after removing SNILS separators).
        actual: usize,
    },
    /// A character that is not an ASCII digit.
    #[error("{kind}: only digits are allowed")]
    NotDigits {
        /// Which kind of number was parsed.
        kind: IdKind,
    },
    /// The control number does not match the other digits: a typing error.
    #[error("{kind}: the control number does not match (a digit is mistyped)")]
    Checksum {
        /// Which kind of number was parsed.
        kind: IdKind,
    },
}

impl IdError {
    /// A stable code for APIs and logs, e.g. `SNILS_INVALID_CHECKSUM`.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Length { kind, .. } => kind.codes()[0],
            IdError::NotDigits { kind } => kind.codes()[1],
            IdError::Checksum { kind } => kind.codes()[2],
        }
    }

    /// The message for a person, in Russian, saying what to do.
    pub fn message_ru(&self) -> String {
        match self {
            IdError::Length { kind, expected, .. } => {
                format!(
                    "{}: должно быть {expected} цифр. Проверьте номер по документу.",
                    kind.name_ru()
                )
            }
            IdError::NotDigits { kind } => {
                format!(
                    "{}: допускаются только цифры. Уберите буквы и лишние знаки.",
                    kind.name_ru()
                )
            }
            IdError::Checksum { kind } => format!(
                "{}: контрольное число не сходится — вероятно, опечатка. Сверьте номер с документом.",
                kind.name_ru()
            ),
        }
    }

    /// The message for a person, in English, saying what to do.
    pub fn message_en(&self) -> String {
        match self {
            IdError::Length { kind, expected, .. } => {
                format!(
                    "{kind}: must have {expected} digits. Check the number against the document."
                )
            }
            IdError::NotDigits { kind } => {
                format!("{kind}: only digits are allowed. Remove letters and other characters.")
            }
            IdError::Checksum { kind } => format!(
                "{kind}: the control number does not match, probably a typo. Check the number against the document."
            ),
        }
    }
}

/// The kinds of registration number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// СНИЛС.
    Snils,
    /// ИНН (10 or 12 digits).
    Inn,
    /// ОГРН.
    Ogrn,
    /// ОГРНИП.
    Ogrnip,
}

impl IdKind {
    fn codes(self) -> [&'static str; 3] {
        match self {
            IdKind::Snils => [
                "SNILS_INVALID_LENGTH",
                "SNILS_NOT_DIGITS",
                "SNILS_INVALID_CHECKSUM",
            ],
            IdKind::Inn => [
                "INN_INVALID_LENGTH",
                "INN_NOT_DIGITS",
                "INN_INVALID_CHECKSUM",
            ],
            IdKind::Ogrn => [
                "OGRN_INVALID_LENGTH",
                "OGRN_NOT_DIGITS",
                "OGRN_INVALID_CHECKSUM",
            ],
            IdKind::Ogrnip => [
                "OGRNIP_INVALID_LENGTH",
                "OGRNIP_NOT_DIGITS",
                "OGRNIP_INVALID_CHECKSUM",
            ],
        }
    }

    fn name_ru(self) -> &'static str {
        match self {
            IdKind::Snils => "СНИЛС",
            IdKind::Inn => "ИНН",
            IdKind::Ogrn => "ОГРН",
            IdKind::Ogrnip => "ОГРНИП",
        }
    }
}

impl fmt::Display for IdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdKind::Snils => "SNILS",
            IdKind::Inn => "INN",
            IdKind::Ogrn => "OGRN",
            IdKind::Ogrnip => "OGRNIP",
        })
    }
}

/// Parses exactly `N` ASCII digits into their values.
fn digits<const N: usize>(
    s: &str,
    kind: IdKind,
    expected: &'static str,
) -> Result<[u8; N], IdError> {
    let bytes = s.as_bytes();
    if !bytes.iter().all(u8::is_ascii_digit) {
        return Err(IdError::NotDigits { kind });
    }
    if bytes.len() != N {
        return Err(IdError::Length {
            kind,
            expected,
            actual: bytes.len(),
        });
    }
    let mut out = [0u8; N];
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b - b'0';
    }
    Ok(out)
}

/// Σ weightᵢ·digitᵢ mod 11 mod 10: the INN control digit.
fn inn_control(digits: &[u8], weights: &[u32]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| d as u32 * w)
        .sum();
    (sum % 11 % 10) as u8
}

/// The number formed by the digits, then mod `m` mod 10: OGRN/OGRNIP.
fn prefix_mod_control(digits: &[u8], m: u64) -> u8 {
    let value = digits.iter().fold(0u64, |acc, &d| acc * 10 + d as u64);
    (value % m % 10) as u8
}

/// A validated SNILS (11 digits; printed `123-456-789 01`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Snils([u8; 11]);

impl Snils {
    /// Parses `12345678901` or the printed form `123-456-789 01`.
    ///
    /// The control number is Σ dᵢ·(9 − i) over the first nine digits, reduced
    /// to two digits (100 and 101 give 00, larger sums are taken mod 101
    /// first). Numbers up to 001-001-998 predate the control number and are
    /// accepted as they are.
    pub fn parse(s: &str) -> Result<Snils, IdError> {
        let compact: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
        let d = digits::<11>(&compact, IdKind::Snils, "11")?;
        let number = d[..9].iter().fold(0u32, |acc, &x| acc * 10 + x as u32);
        if number > 1_001_998 {
            let sum: u32 = d[..9]
                .iter()
                .enumerate()
                .map(|(i, &x)| x as u32 * (9 - i as u32))
                .sum();
            let control = match sum % 101 {
                100 => 0,
                c => c,
            };
            if control != d[9] as u32 * 10 + d[10] as u32 {
                return Err(IdError::Checksum {
                    kind: IdKind::Snils,
                });
            }
        }
        Ok(Snils(d))
    }

    /// The 11 digits, as a certificate's NumericString carries them.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

impl fmt::Display for Snils {
    /// The printed form `123-456-789 01`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.digits();
        write!(f, "{}-{}-{} {}", &s[..3], &s[3..6], &s[6..9], &s[9..])
    }
}

impl fmt::Debug for Snils {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Snils({self})")
    }
}

/// A validated INN: 12 digits for a person, 10 for a legal entity.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Inn(String);

impl Inn {
    /// Parses a 10- or 12-digit INN and checks its control digit(s).
    pub fn parse(s: &str) -> Result<Inn, IdError> {
        match s.len() {
            10 => Inn::parse_legal_entity(s),
            _ => Inn::parse_person(s).map_err(|e| match e {
                IdError::Length { kind, actual, .. } => IdError::Length {
                    kind,
                    expected: "10 or 12",
                    actual,
                },
                other => other,
            }),
        }
    }

    /// Parses a person's 12-digit INN (two control digits).
    pub fn parse_person(s: &str) -> Result<Inn, IdError> {
        let d = digits::<12>(s, IdKind::Inn, "12")?;
        let c11 = inn_control(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
        let c12 = inn_control(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]);
        if c11 != d[10] || c12 != d[11] {
            return Err(IdError::Checksum { kind: IdKind::Inn });
        }
        Ok(Inn(s.to_owned()))
    }

    /// Parses a legal entity's 10-digit INN (INNLE).
    pub fn parse_legal_entity(s: &str) -> Result<Inn, IdError> {
        let d = digits::<10>(s, IdKind::Inn, "10")?;
        if inn_control(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) != d[9] {
            return Err(IdError::Checksum { kind: IdKind::Inn });
        }
        Ok(Inn(s.to_owned()))
    }

    /// Whether this is a legal entity's (10-digit) INN.
    pub fn is_legal_entity(&self) -> bool {
        self.0.len() == 10
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated OGRN (13 digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ogrn(String);

impl Ogrn {
    /// Parses an OGRN: the first 12 digits mod 11 mod 10 is the 13th.
    pub fn parse(s: &str) -> Result<Ogrn, IdError> {
        let d = digits::<13>(s, IdKind::Ogrn, "13")?;
        if prefix_mod_control(&d[..12], 11) != d[12] {
            return Err(IdError::Checksum { kind: IdKind::Ogrn });
        }
        Ok(Ogrn(s.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A validated OGRNIP (15 digits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Ogrnip(String);

impl Ogrnip {
    /// Parses an OGRNIP: the first 14 digits mod 13 mod 10 is the 15th.
    pub fn parse(s: &str) -> Result<Ogrnip, IdError> {
        let d = digits::<15>(s, IdKind::Ogrnip, "15")?;
        if prefix_mod_control(&d[..14], 13) != d[14] {
            return Err(IdError::Checksum {
                kind: IdKind::Ogrnip,
            });
        }
        Ok(Ogrnip(s.to_owned()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_digits {
    ($($t:ident),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($t), "({})"), self.0)
            }
        }
    )*};
}
display_digits!(Inn, Ogrn, Ogrnip);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use proptest::prelude::*;

    use super::*;

    // Widely published numbers: Sberbank's INN and OGRN, and the usual
    // example numbers for a person's INN, an OGRNIP and a SNILS.
    #[test]
    fn accepts_valid_numbers() {
        Snils::parse("112-233-445 95").unwrap();
        assert_eq!(
            Snils::parse("11223344595").unwrap().to_string(),
            "112-233-445 95"
        );
        Inn::parse("7707083893").unwrap(); // Sberbank (legal entity)
        assert!(Inn::parse("7707083893").unwrap().is_legal_entity());
        Inn::parse("500100732259").unwrap(); // a person's INN
        Ogrn::parse("1027700132195").unwrap(); // Sberbank
        Ogrnip::parse("304500116000157").unwrap();
        // SNILS numbers up to 001-001-998 carry no control number.
        Snils::parse("001-001-998 00").unwrap();
    }

    #[test]
    fn snils_control_number_edges() {
        // Sums of exactly 100 and 101 give 00; above 101 the sum is taken mod 101.
        // 000-000-0xx numbers are below the threshold, so build ones above it.
        let mut found = [false; 3];
        for n in 1_002_000u32..1_200_000 {
            let d: Vec<u32> = format!("{n:09}")
                .bytes()
                .map(|b| (b - b'0') as u32)
                .collect();
            let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as u32)).sum();
            let (slot, control) = match sum {
                100 | 101 => (0, 0),
                s if s > 101 => (
                    1,
                    match s % 101 {
                        100 => 0,
                        c => c,
                    },
                ),
                s => (2, s),
            };
            if !found[slot] {
                found[slot] = true;
                let ok = format!("{n:09}{control:02}");
                Snils::parse(&ok).unwrap();
                let bad = format!("{n:09}{:02}", (control + 1) % 100);
                assert_eq!(
                    Snils::parse(&bad).unwrap_err().code(),
                    "SNILS_INVALID_CHECKSUM"
                );
            }
        }
        assert!(found.iter().all(|&f| f));
    }

    #[test]
    fn refuses_with_a_code_and_two_messages() {
        let cases: [(Result<(), IdError>, &str); 9] = [
            (
                Snils::parse("112-233-445 96").map(drop),
                "SNILS_INVALID_CHECKSUM",
            ),
            (
                Snils::parse("112-233-445").map(drop),
                "SNILS_INVALID_LENGTH",
            ),
            (Snils::parse("112-233-44A 95").map(drop), "SNILS_NOT_DIGITS"),
            (Inn::parse("7707083894").map(drop), "INN_INVALID_CHECKSUM"),
            (Inn::parse("500100732258").map(drop), "INN_INVALID_CHECKSUM"),
            (Inn::parse("77070838").map(drop), "INN_INVALID_LENGTH"),
            (
                Ogrn::parse("1027700132196").map(drop),
                "OGRN_INVALID_CHECKSUM",
            ),
            (
                Ogrnip::parse("30450011600015").map(drop),
                "OGRNIP_INVALID_LENGTH",
            ),
            (
                Ogrnip::parse("304500116000158").map(drop),
                "OGRNIP_INVALID_CHECKSUM",
            ),
        ];
        for (result, code) in cases {
            let err = result.unwrap_err();
            assert_eq!(err.code(), code);
            assert!(!err.message_ru().is_empty() && !err.message_en().is_empty());
            assert!(err.message_ru().chars().any(|c| ('а'..='я').contains(&c)));
        }
        // A person's INN given where a legal entity's is required, and back.
        assert_eq!(
            Inn::parse_legal_entity("500100732259").unwrap_err().code(),
            "INN_INVALID_LENGTH"
        );
        assert_eq!(
            Inn::parse_person("7707083893").unwrap_err().code(),
            "INN_INVALID_LENGTH"
        );
        // Non-ASCII digits are not digits.
        assert_eq!(
            Ogrn::parse("１０２７７００１３２１９５")
                .unwrap_err()
                .code(),
            "OGRN_NOT_DIGITS"
        );
    }

    proptest! {
        /// Changing any one digit of a valid number is always detected
        /// (for INN, OGRN and OGRNIP; the SNILS sum is weaker by design).
        #[test]
        fn single_digit_errors_are_caught(pos in 0usize..15, delta in 1u8..10) {
            for valid in ["7707083893", "500100732259", "1027700132195", "304500116000157"] {
                if pos >= valid.len() {
                    continue;
                }
                let mut b = valid.as_bytes().to_vec();
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
                let s = String::from_utf8(b).unwrap();
                let ok = match valid.len() {
                    13 => Ogrn::parse(&s).is_ok(),
                    15 => Ogrnip::parse(&s).is_ok(),
                    _ => Inn::parse(&s).is_ok(),
                };
                // mod 11 then mod 10 can map two sums to one digit, so a few
                // substitutions slip through; the control digit itself never does.
                if pos == valid.len() - 1 {
                    prop_assert!(!ok, "{} accepted", s);
                }
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let _ = Snils::parse(&s);
            let _ = Inn::parse(&s);
            let _ = Ogrn::parse(&s);
            let _ = Ogrnip::parse(&s);
        }
    }
}
