//! Object identifiers podpis reads and writes, with the document each comes
//! from. GOST algorithm identifiers live in [`gost::encoding`]; this module
//! re-exports the ones PKI code needs so that callers import from one place.

use const_oid::ObjectIdentifier as Oid;

pub use gost::encoding::{
    ID_GOSTR3410_2001, ID_GOSTR3410_2001_DH, ID_TC26_GOST3410_12_256, ID_TC26_GOST3410_12_512,
    ID_TC26_GOST3411_12_256, ID_TC26_GOST3411_12_512, ID_TC26_SIGNWITHDIGEST_GOST3410_12_256,
    ID_TC26_SIGNWITHDIGEST_GOST3410_12_512,
};

// --- Subject attributes of the qualified profile (FSB order No. 795) -------

/// OGRN, 13 digits (NumericString): a legal entity's registration number.
pub const OGRN: Oid = Oid::new_unwrap("1.2.643.100.1");
/// SNILS, 11 digits (NumericString): a person's insurance number.
pub const SNILS: Oid = Oid::new_unwrap("1.2.643.100.3");
/// INNLE, 10 digits (NumericString): a legal entity's taxpayer number.
pub const INNLE: Oid = Oid::new_unwrap("1.2.643.100.4");
/// OGRNIP, 15 digits (NumericString): a sole proprietor's registration number.
pub const OGRNIP: Oid = Oid::new_unwrap("1.2.643.100.5");
/// INN, 12 digits (NumericString): a person's taxpayer number.
pub const INN: Oid = Oid::new_unwrap("1.2.643.3.131.1.1");

// --- Standard DN attributes (RFC 5280 / X.520) ------------------------------

/// commonName (CN).
pub const CN: Oid = Oid::new_unwrap("2.5.4.3");
/// surname (SN).
pub const SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
/// countryName (C), PrintableString of two letters.
pub const COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// localityName (L).
pub const LOCALITY: Oid = Oid::new_unwrap("2.5.4.7");
/// stateOrProvinceName (ST).
pub const STATE: Oid = Oid::new_unwrap("2.5.4.8");
/// streetAddress (STREET).
pub const STREET: Oid = Oid::new_unwrap("2.5.4.9");
/// organizationName (O).
pub const ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// organizationalUnitName (OU).
pub const ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
/// title (T): the position held.
pub const TITLE: Oid = Oid::new_unwrap("2.5.4.12");
/// givenName (G / GN): given name and patronymic in the Russian profile.
pub const GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");
/// emailAddress (PKCS#9), IA5String.
pub const EMAIL: Oid = Oid::new_unwrap("1.2.840.113549.1.9.1");

// --- Extensions ---------------------------------------------------------------

/// subjectSignTool (1.2.643.100.111): UTF8String naming the subject's crypto tool.
pub const SUBJECT_SIGN_TOOL: Oid = Oid::new_unwrap("1.2.643.100.111");
/// issuerSignTool (1.2.643.100.112): SEQUENCE of four UTF8Strings (the CA's
/// tool, the CA software, and the two conformity certificates).
pub const ISSUER_SIGN_TOOL: Oid = Oid::new_unwrap("1.2.643.100.112");
/// IdentificationKind (1.2.643.100.114): INTEGER, how the applicant was
/// identified (0 in person, 1 by qualified signature, 2 biometric passport,
/// 3 another system).
pub const IDENTIFICATION_KIND: Oid = Oid::new_unwrap("1.2.643.100.114");
/// privateKeyUsagePeriod (RFC 3280 §4.2.1.4, 2.5.29.16).
pub const PRIVATE_KEY_USAGE_PERIOD: Oid = Oid::new_unwrap("2.5.29.16");

// --- Certificate policies: signature-tool classes (1.2.643.100.113.x) --------

/// КС1: class of the signature tool.
pub const POLICY_KC1: Oid = Oid::new_unwrap("1.2.643.100.113.1");
/// КС2.
pub const POLICY_KC2: Oid = Oid::new_unwrap("1.2.643.100.113.2");
/// КС3.
pub const POLICY_KC3: Oid = Oid::new_unwrap("1.2.643.100.113.3");
/// КВ1.
pub const POLICY_KB1: Oid = Oid::new_unwrap("1.2.643.100.113.4");
/// КВ2.
pub const POLICY_KB2: Oid = Oid::new_unwrap("1.2.643.100.113.5");
/// КА1.
pub const POLICY_KA1: Oid = Oid::new_unwrap("1.2.643.100.113.6");

/// The six signature-tool classes in order КС1, КС2, КС3, КВ1, КВ2, КА1.
pub const QUALIFIED_POLICIES: [Oid; 6] = [
    POLICY_KC1, POLICY_KC2, POLICY_KC3, POLICY_KB1, POLICY_KB2, POLICY_KA1,
];

// --- CMS / CAdES attributes (RFC 5652, RFC 5035, RFC 3161) --------------------

/// id-data (RFC 5652 §4).
pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 §5).
pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// contentType attribute (RFC 5652 §11.1).
pub const ATTR_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// messageDigest attribute (RFC 5652 §11.2).
pub const ATTR_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// signingTime attribute (RFC 5652 §11.3).
pub const ATTR_SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// countersignature attribute (RFC 5652 §11.4).
pub const ATTR_COUNTERSIGNATURE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.6");
/// signingCertificateV2 (RFC 5035 §3).
pub const ATTR_SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// signatureTimeStampToken, the CAdES-T unsigned attribute (RFC 3161 Appendix A).
pub const ATTR_SIGNATURE_TIME_STAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-ct-TSTInfo, the content type of a time-stamp token (RFC 3161 §2.4.2).
pub const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");

// --- Extended key usage ---------------------------------------------------------

/// id-kp-clientAuth.
pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection.
pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping.
pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning.
pub const KP_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
/// anyExtendedKeyUsage.
pub const KP_ANY: Oid = Oid::new_unwrap("2.5.29.37.0");

// --- OCSP (RFC 6960) ------------------------------------------------------------

/// id-pkix-ocsp-basic: the response type of a BasicOCSPResponse.
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce extension.
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-pkix-ocsp-nocheck extension.
pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");
/// id-ad-ocsp access method in AuthorityInfoAccess.
pub const AD_OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
/// id-ad-caIssuers access method in AuthorityInfoAccess.
pub const AD_CA_ISSUERS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.2");

// --- crl, ocsp, revocation (RFC 5280 §5, RFC 6960) ------------------------------

/// id-sha1 (1.3.14.3.2.26): the CertID hash OpenSSL and most responders use.
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
/// cRLNumber CRL extension (RFC 5280 §5.2.3).
pub const CE_CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// reasonCode CRL entry extension (RFC 5280 §5.3.1).
pub const CE_CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
/// invalidityDate CRL entry extension (RFC 5280 §5.3.2).
pub const CE_INVALIDITY_DATE: Oid = Oid::new_unwrap("2.5.29.24");
/// deltaCRLIndicator CRL extension (RFC 5280 §5.2.4).
pub const CE_DELTA_CRL_INDICATOR: Oid = Oid::new_unwrap("2.5.29.27");
/// issuingDistributionPoint CRL extension (RFC 5280 §5.2.5).
pub const CE_ISSUING_DISTRIBUTION_POINT: Oid = Oid::new_unwrap("2.5.29.28");
/// authorityKeyIdentifier (RFC 5280 §4.2.1.1).
pub const CE_AUTHORITY_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.35");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_the_six_classes_in_order() {
        for (i, oid) in QUALIFIED_POLICIES.iter().enumerate() {
            assert_eq!(oid.to_string(), format!("1.2.643.100.113.{}", i + 1));
        }
    }
}
