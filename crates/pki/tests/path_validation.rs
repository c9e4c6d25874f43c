//! Path building and validation against chains OpenSSL (GOST engine) issues
//! at test time: the valid chains pass (and `openssl verify` agrees), and
//! each check fails with its own error and ETSI sub-indication.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod path_fixtures;
mod support;

use std::sync::OnceLock;

use path_fixtures::{
    Alg, CA_EXT, INTER_DATES, INTER_EXT, Issued, LEAF_DATES, LEAF_EXT, NO_KEY_IDS, Pki, ROOT_DATES,
    at, unix,
};
use pki::Diagnostic;
use pki::oids;
use pki::path::{Budget, BudgetLimit, PathError, PathValidator};
use pki::trust::TrustStore;
use x509_cert::Certificate;

const ROOT: &str = "/CN=Тестовый корневой УЦ/O=podpis/C=RU";
const INTER: &str = "/CN=Тестовый подчинённый УЦ/O=podpis/C=RU";
const LEAF: &str = "/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/C=RU";

/// The shared PKI: a 256-bit root → intermediate → leaf.
struct Base {
    pki: Pki,
    root: Issued,
    inter: Issued,
    leaf: Issued,
}

fn base() -> &'static Base {
    static BASE: OnceLock<Base> = OnceLock::new();
    BASE.get_or_init(|| {
        let pki = Pki::new();
        let root = pki.root(ROOT, CA_EXT, Alg::G256, ROOT_DATES);
        let inter = pki.issue(INTER, INTER_EXT, Alg::G256, &root, INTER_DATES);
        let leaf = pki.issue(LEAF, LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
        Base {
            pki,
            root,
            inter,
            leaf,
        }
    })
}

fn store(anchors: &[&Issued]) -> TrustStore {
    let mut store = TrustStore::new();
    for a in anchors {
        assert!(store.add(a.cert.clone()).unwrap());
    }
    store
}

fn certs(list: &[&Issued]) -> Vec<Certificate> {
    list.iter().map(|i| i.cert.clone()).collect()
}

/// Validates `leaf` with the base root as anchor and `inters` as intermediates.
fn validate(leaf: &Issued, inters: &[&Issued]) -> Result<pki::path::ValidatedPath, PathError> {
    let b = base();
    let trust = store(&[&b.root]);
    PathValidator::new(&trust, at()).validate(&leaf.cert, &certs(inters))
}

/// A leaf issued by the base intermediate with other extensions or dates.
fn leaf_with(ext: &str, dates: (&str, &str)) -> Issued {
    let b = base();
    b.pki.issue(LEAF, ext, Alg::G256, &b.inter, dates)
}

fn assert_diagnostic(e: &PathError, code: &str, sub: &str) {
    assert_eq!(e.code(), code, "{e:?}");
    assert_eq!(e.sub_indication(), sub, "{e:?}");
    assert!(!e.message_ru().is_empty() && !e.message_en().is_empty());
}

#[test]
fn valid_256_chain_passes_here_and_in_openssl() {
    let b = base();
    let (ok, out) = b
        .pki
        .openssl_verify(&b.root, &[&b.inter], &b.leaf, at(), false);
    assert!(ok, "openssl verify: {out}");
    let path = validate(&b.leaf, &[&b.inter]).unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(path.anchor_index(), 2);
    assert_eq!(path.leaf(), &b.leaf.cert);
    assert_eq!(path.intermediates(), std::slice::from_ref(&b.inter.cert));
    assert_eq!(path.anchor(), &b.root.cert);
    let pairs: Vec<_> = path.pairs().collect();
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[0], (&b.leaf.cert, &b.inter.cert));
    assert_eq!(pairs[1], (&b.inter.cert, &b.root.cert));
}

#[test]
fn valid_512_chain_passes_here_and_in_openssl() {
    let pki = Pki::new();
    let root = pki.root("/CN=Root 512", CA_EXT, Alg::G512, ROOT_DATES);
    let inter = pki.issue("/CN=Inter 512", INTER_EXT, Alg::G512, &root, INTER_DATES);
    // A 512-bit CA issuing a 256-bit leaf, as accredited CAs do.
    let leaf = pki.issue("/CN=Leaf 256", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    let (ok, out) = pki.openssl_verify(&root, &[&inter], &leaf, at(), false);
    assert!(ok, "openssl verify: {out}");
    let trust = store(&[&root]);
    let path = PathValidator::new(&trust, at())
        .validate(&leaf.cert, &certs(&[&inter]))
        .unwrap();
    assert_eq!(path.certificates(), &certs(&[&leaf, &inter, &root])[..]);
}

#[test]
fn unordered_and_redundant_intermediates_are_fine() {
    let b = base();
    let path = validate(&b.leaf, &[&b.leaf, &b.root, &b.inter, &b.inter]).unwrap();
    assert_eq!(path.len(), 3);
}

#[test]
fn expired_leaf() {
    let leaf = leaf_with(LEAF_EXT, ("20240101000000Z", "20250101000000Z"));
    let e = validate(&leaf, &[&base().inter]).unwrap_err();
    assert!(matches!(e, PathError::Expired { .. }), "{e:?}");
    assert_diagnostic(&e, "CERT_EXPIRED", "EXPIRED");
    let (ok, out) = base()
        .pki
        .openssl_verify(&base().root, &[&base().inter], &leaf, at(), false);
    assert!(!ok && out.contains("expired"), "{out}");
}

#[test]
fn not_yet_valid_leaf() {
    let leaf = leaf_with(LEAF_EXT, ("20260101000000Z", "20270101000000Z"));
    let e = validate(&leaf, &[&base().inter]).unwrap_err();
    assert!(matches!(e, PathError::NotYetValid { .. }), "{e:?}");
    assert_diagnostic(&e, "CERT_NOT_YET_VALID", "NOT_YET_VALID");
}

#[test]
fn expired_intermediate_and_its_renewal() {
    let b = base();
    // The same CA key certified twice: an expired certificate and a renewed one.
    let expired = b.pki.sign(
        INTER,
        INTER_EXT,
        &b.inter.key_path,
        Some(&b.root),
        ("20210101000000Z", "20250101000000Z"),
    );
    let e = validate(&b.leaf, &[&expired]).unwrap_err();
    assert!(matches!(e, PathError::CaExpired { .. }), "{e:?}");
    assert_diagnostic(&e, "CA_CERT_EXPIRED", "CHAIN_CONSTRAINTS_FAILURE");
    // With the renewal available, backtracking finds the valid path.
    let path = validate(&b.leaf, &[&expired, &b.inter]).unwrap();
    assert_eq!(path.intermediates(), std::slice::from_ref(&b.inter.cert));
}

#[test]
fn ca_without_basic_constraints() {
    let b = base();
    let inter = b.pki.issue(
        "/CN=No BC CA",
        "keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
        Alg::G256,
        &b.root,
        INTER_DATES,
    );
    let leaf = b
        .pki
        .issue("/CN=leaf", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    let e = validate(&leaf, &[&inter]).unwrap_err();
    assert!(
        matches!(e, PathError::CaWithoutBasicConstraints { .. }),
        "{e:?}"
    );
    assert_diagnostic(&e, "CHAIN_CA_NOT_CA", "CHAIN_CONSTRAINTS_FAILURE");
    let (ok, _) = b.pki.openssl_verify(&b.root, &[&inter], &leaf, at(), false);
    assert!(!ok, "openssl rejects it as well");
}

#[test]
fn ca_false_is_not_a_ca() {
    let b = base();
    let inter = b.pki.issue(
        "/CN=CA false",
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,keyCertSign\n",
        Alg::G256,
        &b.root,
        INTER_DATES,
    );
    let leaf = b
        .pki
        .issue("/CN=leaf", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    let e = validate(&leaf, &[&inter]).unwrap_err();
    assert!(
        matches!(e, PathError::CaWithoutBasicConstraints { .. }),
        "{e:?}"
    );
}

#[test]
fn path_len_exceeded() {
    let pki = &base().pki;
    let root = pki.root(
        "/CN=Root pathlen 0",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
        Alg::G256,
        ROOT_DATES,
    );
    let inter = pki.issue(
        "/CN=Inter under pathlen 0",
        CA_EXT,
        Alg::G256,
        &root,
        INTER_DATES,
    );
    let leaf = pki.issue("/CN=leaf", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    // The anchor's own constraints are not enforced (it is trusted as
    // configured), so put the constraining CA below a trusted root.
    let top = pki.root("/CN=Top", CA_EXT, Alg::G256, ROOT_DATES);
    let root_cross = pki.sign(
        "/CN=Root pathlen 0",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n",
        &root.key_path,
        Some(&top),
        INTER_DATES,
    );
    let trust = store(&[&top]);
    let e = PathValidator::new(&trust, at())
        .validate(&leaf.cert, &certs(&[&inter, &root_cross]))
        .unwrap_err();
    assert!(
        matches!(
            e,
            PathError::PathLenExceeded {
                path_len: 0,
                below: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert_diagnostic(&e, "CHAIN_PATH_LEN_EXCEEDED", "CHAIN_CONSTRAINTS_FAILURE");
    let (ok, out) = pki.openssl_verify(&top, &[&inter, &root_cross], &leaf, at(), false);
    assert!(!ok && out.contains("path length"), "{out}");
    // pathlen:0 directly above the leaf is fine.
    let leaf2 = pki.issue("/CN=leaf2", LEAF_EXT, Alg::G256, &root, LEAF_DATES);
    PathValidator::new(&trust, at())
        .validate(&leaf2.cert, &certs(&[&root_cross]))
        .unwrap();
}

#[test]
fn ca_key_usage_without_key_cert_sign() {
    let b = base();
    let inter = b.pki.issue(
        "/CN=CA without keyCertSign",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,cRLSign,digitalSignature\n",
        Alg::G256,
        &b.root,
        INTER_DATES,
    );
    let leaf = b
        .pki
        .issue("/CN=leaf", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    let e = validate(&leaf, &[&inter]).unwrap_err();
    assert!(matches!(e, PathError::CaKeyUsage { .. }), "{e:?}");
    assert_diagnostic(&e, "CHAIN_CA_KEY_USAGE", "CHAIN_CONSTRAINTS_FAILURE");
}

#[test]
fn leaf_key_usage_without_signing() {
    let leaf = leaf_with(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\n",
        LEAF_DATES,
    );
    let e = validate(&leaf, &[&base().inter]).unwrap_err();
    assert_eq!(e, PathError::LeafKeyUsage);
    assert_diagnostic(&e, "CERT_KEY_USAGE", "CHAIN_CONSTRAINTS_FAILURE");
    // nonRepudiation alone is enough.
    let leaf = leaf_with("keyUsage=critical,nonRepudiation\n", LEAF_DATES);
    validate(&leaf, &[&base().inter]).unwrap();
}

#[test]
fn required_eku() {
    let b = base();
    let trust = store(&[&b.root]);
    let inters = certs(&[&b.inter]);
    let v = PathValidator::new(&trust, at()).with_required_eku(oids::KP_TIME_STAMPING);
    let e = v.validate(&b.leaf.cert, &inters).unwrap_err();
    assert_eq!(
        e,
        PathError::Eku {
            required: oids::KP_TIME_STAMPING
        }
    );
    assert_diagnostic(&e, "CERT_EKU_MISSING", "CHAIN_CONSTRAINTS_FAILURE");
    PathValidator::new(&trust, at())
        .with_required_eku(oids::KP_EMAIL_PROTECTION)
        .validate(&b.leaf.cert, &inters)
        .unwrap();
    // anyExtendedKeyUsage satisfies any requirement.
    let any = leaf_with("extendedKeyUsage=anyExtendedKeyUsage\n", LEAF_DATES);
    v.validate(&any.cert, &inters).unwrap();
}

#[test]
fn missing_intermediate_is_no_chain() {
    let b = base();
    let e = validate(&b.leaf, &[]).unwrap_err();
    assert!(matches!(e, PathError::NoChain { .. }), "{e:?}");
    assert_diagnostic(&e, "CERT_UNTRUSTED", "NO_CERTIFICATE_CHAIN_FOUND");
    // An empty trust store: no chain either.
    let empty = TrustStore::new();
    let e = PathValidator::new(&empty, at())
        .validate(&b.leaf.cert, &certs(&[&b.inter, &b.root]))
        .unwrap_err();
    assert!(matches!(e, PathError::NoChain { .. }), "{e:?}");
}

#[test]
fn intermediate_signed_by_another_key_with_the_roots_name() {
    let b = base();
    // An impostor root: the same name, another key. It certifies the real
    // intermediate key; there is no AKI to tell the roots apart.
    let fake_root = b.pki.root(ROOT, CA_EXT, Alg::G256, ROOT_DATES);
    let forged = b.pki.sign(
        INTER,
        &format!("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n{NO_KEY_IDS}"),
        &b.inter.key_path,
        Some(&fake_root),
        INTER_DATES,
    );
    let e = validate(&b.leaf, &[&forged]).unwrap_err();
    assert!(
        matches!(e, PathError::BadSignature { .. }),
        "the forged intermediate's signature fails: {e:?}"
    );
    assert_diagnostic(&e, "CERT_SIGNATURE_INVALID", "SIG_CRYPTO_FAILURE");
    let (ok, _) = b
        .pki
        .openssl_verify(&b.root, &[&forged], &b.leaf, at(), false);
    assert!(!ok);
}

#[test]
fn tampered_leaf_signature() {
    let b = base();
    let der = der::Encode::to_der(&b.leaf.cert).unwrap();
    let mut bytes = der.clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered: Certificate = der::Decode::from_der(&bytes).unwrap();
    let trust = store(&[&b.root]);
    let e = PathValidator::new(&trust, at())
        .validate(&tampered, &certs(&[&b.inter]))
        .unwrap_err();
    assert!(matches!(e, PathError::BadSignature { .. }), "{e:?}");
}

#[test]
fn unknown_critical_extension() {
    let b = base();
    let ext = format!("{LEAF_EXT}1.2.3.4.5=critical,ASN1:UTF8String:unknown\n");
    let leaf = leaf_with(&ext, LEAF_DATES);
    let e = validate(&leaf, &[&b.inter]).unwrap_err();
    assert_eq!(
        e,
        PathError::UnknownCriticalExtension {
            subject: leaf.cert.tbs_certificate().subject().to_string(),
            oid: "1.2.3.4.5".parse().unwrap(),
        }
    );
    assert_diagnostic(
        &e,
        "CERT_UNKNOWN_CRITICAL_EXTENSION",
        "CHAIN_CONSTRAINTS_FAILURE",
    );
    // The same on an intermediate.
    let inter = b.pki.issue(
        "/CN=CA with unknown critical",
        &format!("{INTER_EXT}1.2.3.4.5=critical,ASN1:NULL\n"),
        Alg::G256,
        &b.root,
        INTER_DATES,
    );
    let leaf = b
        .pki
        .issue("/CN=leaf", LEAF_EXT, Alg::G256, &inter, LEAF_DATES);
    let e = validate(&leaf, &[&inter]).unwrap_err();
    assert!(
        matches!(e, PathError::UnknownCriticalExtension { .. }),
        "{e:?}"
    );
    // The Russian extensions are known even when marked critical.
    let ext = format!(
        "{LEAF_EXT}1.2.643.100.111=critical,ASN1:UTF8String:КриптоПро CSP\n\
         1.2.643.100.114=critical,ASN1:INTEGER:0\n"
    );
    let leaf = leaf_with(&ext, LEAF_DATES);
    validate(&leaf, &[&b.inter]).unwrap();
}

#[test]
fn qualified_policy() {
    let b = base();
    let trust = store(&[&b.root]);
    let inters = certs(&[&b.inter]);
    let v = PathValidator::new(&trust, at()).with_qualified_policy(true);
    v.validate(&b.leaf.cert, &inters).unwrap();
    let other_policy = leaf_with("certificatePolicies=1.2.643.100.111.1\n", LEAF_DATES);
    let e = v.validate(&other_policy.cert, &inters).unwrap_err();
    assert_eq!(e, PathError::NotQualified);
    assert_diagnostic(&e, "CERT_NOT_QUALIFIED", "CHAIN_CONSTRAINTS_FAILURE");
    let no_policy = leaf_with("keyUsage=digitalSignature\n", LEAF_DATES);
    assert_eq!(
        v.validate(&no_policy.cert, &inters).unwrap_err(),
        PathError::NotQualified
    );
    // Not required: fine.
    PathValidator::new(&trust, at())
        .validate(&no_policy.cert, &inters)
        .unwrap();
}

/// Twenty intermediates with one name and twenty keys, all certified by the
/// root; only the last issued the leaf, which carries no AKI to point at it.
fn same_name_mesh() -> (Issued, Vec<Issued>, Issued) {
    let pki = &base().pki;
    let root = &base().root;
    let ext =
        format!("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n{NO_KEY_IDS}");
    let inters: Vec<Issued> = (0..20)
        .map(|_| pki.issue("/CN=Same name CA", &ext, Alg::G256, root, INTER_DATES))
        .collect();
    let leaf = pki.issue(
        "/CN=mesh leaf",
        &format!("keyUsage=critical,digitalSignature\n{NO_KEY_IDS}"),
        Alg::G256,
        &inters[19],
        LEAF_DATES,
    );
    (root.clone(), inters, leaf)
}

#[test]
fn budget_exceeded_and_within_budget() {
    let (root, inters, leaf) = same_name_mesh();
    let trust = store(&[&root]);
    let pool: Vec<Certificate> = inters.iter().map(|i| i.cert.clone()).collect();
    // Within the default budget the one good path is found.
    let path = PathValidator::new(&trust, at())
        .validate(&leaf.cert, &pool)
        .unwrap();
    assert_eq!(path.intermediates(), std::slice::from_ref(&inters[19].cert));
    // Five signature checks cannot reach the 20th candidate.
    let tight = Budget {
        max_signature_checks: 5,
        ..Budget::default()
    };
    let e = PathValidator::new(&trust, at())
        .with_budget(tight)
        .validate(&leaf.cert, &pool)
        .unwrap_err();
    assert_eq!(
        e,
        PathError::BudgetExceeded {
            limit: BudgetLimit::SignatureChecks
        }
    );
    assert_diagnostic(&e, "CHAIN_BUDGET_EXCEEDED", "NO_CERTIFICATE_CHAIN_FOUND");
    // Nor can five candidates.
    let few = Budget {
        max_candidates: 5,
        ..Budget::default()
    };
    let e = PathValidator::new(&trust, at())
        .with_budget(few)
        .validate(&leaf.cert, &pool)
        .unwrap_err();
    assert_eq!(
        e,
        PathError::BudgetExceeded {
            limit: BudgetLimit::Candidates
        }
    );
}

#[test]
fn path_length_limit() {
    let b = base();
    let short = Budget {
        max_path_len: 2,
        ..Budget::default()
    };
    let trust = store(&[&b.root]);
    let e = PathValidator::new(&trust, at())
        .with_budget(short)
        .validate(&b.leaf.cert, &certs(&[&b.inter]))
        .unwrap_err();
    assert_eq!(
        e,
        PathError::BudgetExceeded {
            limit: BudgetLimit::PathLength
        }
    );
}

#[test]
fn intermediate_as_trust_anchor() {
    let b = base();
    // An accredited CA trusted directly, without its root.
    let trust = store(&[&b.inter]);
    let path = PathValidator::new(&trust, at())
        .validate(&b.leaf.cert, &[])
        .unwrap();
    assert_eq!(path.len(), 2);
    assert_eq!(path.anchor(), &b.inter.cert);
    assert!(path.intermediates().is_empty());
    let (ok, out) = b.pki.openssl_verify(&b.inter, &[], &b.leaf, at(), true);
    assert!(ok, "openssl -partial_chain: {out}");
}

#[test]
fn trusted_leaf_is_its_own_path() {
    let b = base();
    let trust = store(&[&b.leaf]);
    let path = PathValidator::new(&trust, at())
        .validate(&b.leaf.cert, &[])
        .unwrap();
    assert_eq!(path.len(), 1);
    assert_eq!(path.pairs().count(), 0);
}

#[test]
fn anchor_validity_is_checked_by_default() {
    let b = base();
    let root = b.pki.root(
        "/CN=Short root",
        CA_EXT,
        Alg::G256,
        ("20200101000000Z", "20250101000000Z"),
    );
    let leaf = b
        .pki
        .issue("/CN=leaf", LEAF_EXT, Alg::G256, &root, LEAF_DATES);
    let trust = store(&[&root]);
    let e = PathValidator::new(&trust, at())
        .validate(&leaf.cert, &[])
        .unwrap_err();
    assert!(matches!(e, PathError::CaExpired { .. }), "{e:?}");
    let mut v = PathValidator::new(&trust, at());
    v.check_anchor_validity = false;
    v.validate(&leaf.cert, &[]).unwrap();
}

#[test]
fn real_issuers_error_beats_impostors_bad_signature() {
    let b = base();
    // Two candidates for the leaf's issuer: an impostor (same name, other
    // key: its signature check fails) and the real, expired intermediate.
    let impostor = b.pki.root(
        INTER,
        &format!("{CA_EXT}{NO_KEY_IDS}").replace("subjectKeyIdentifier=hash\n", ""),
        Alg::G256,
        INTER_DATES,
    );
    let expired = b.pki.sign(
        INTER,
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n",
        &b.inter.key_path,
        Some(&b.root),
        ("20210101000000Z", "20250101000000Z"),
    );
    // The leaf without AKI, so both are candidates.
    let leaf = b.pki.sign(
        "/CN=leaf no aki",
        &format!("keyUsage=critical,digitalSignature\n{NO_KEY_IDS}"),
        &b.pki.key(Alg::G256),
        Some(&b.inter),
        LEAF_DATES,
    );
    let e = validate(&leaf, &[&impostor]).unwrap_err();
    assert!(matches!(e, PathError::BadSignature { .. }), "{e:?}");
    for order in [[&impostor, &expired], [&expired, &impostor]] {
        let e = validate(&leaf, &order).unwrap_err();
        assert!(matches!(e, PathError::CaExpired { .. }), "{e:?}");
    }
}

#[test]
fn cross_certificate_loop_terminates() {
    let pki = &base().pki;
    let ka = pki.key(Alg::G256);
    let kb = pki.key(Alg::G256);
    let ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n";
    let a_self = pki.sign("/CN=Loop A", ext, &ka, None, ROOT_DATES);
    let b_self = pki.sign("/CN=Loop B", ext, &kb, None, ROOT_DATES);
    let a_by_b = pki.sign("/CN=Loop A", ext, &ka, Some(&b_self), INTER_DATES);
    let b_by_a = pki.sign("/CN=Loop B", ext, &kb, Some(&a_self), INTER_DATES);
    let leaf = pki.issue("/CN=loop leaf", LEAF_EXT, Alg::G256, &a_self, LEAF_DATES);
    let unrelated = store(&[&base().root]);
    let e = PathValidator::new(&unrelated, at())
        .validate(&leaf.cert, &certs(&[&a_by_b, &b_by_a]))
        .unwrap_err();
    assert!(matches!(e, PathError::NoChain { .. }), "{e:?}");
    // Trusting B, the path goes leaf → A (by B) → B.
    let trust = store(&[&b_self]);
    let path = PathValidator::new(&trust, at())
        .validate(&leaf.cert, &certs(&[&a_by_b, &b_by_a]))
        .unwrap();
    assert_eq!(path.certificates(), &certs(&[&leaf, &a_by_b, &b_self])[..]);
}

#[test]
fn name_constraints_on_directory_names() {
    let pki = &base().pki;
    let root = &base().root;
    let inter = pki.issue(
        "/CN=Constrained CA/O=podpis/C=RU",
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n\
         nameConstraints=critical,permitted;dirName:dir_sect\n[dir_sect]\nC=RU\nO=podpis\n",
        Alg::G256,
        root,
        INTER_DATES,
    );
    let inside = pki.issue(
        "/C=RU/O=podpis/CN=inside",
        LEAF_EXT,
        Alg::G256,
        &inter,
        LEAF_DATES,
    );
    let outside = pki.issue(
        "/C=RU/O=other/CN=outside",
        LEAF_EXT,
        Alg::G256,
        &inter,
        LEAF_DATES,
    );
    validate(&inside, &[&inter]).unwrap();
    let e = validate(&outside, &[&inter]).unwrap_err();
    assert!(matches!(e, PathError::NameConstraints { .. }), "{e:?}");
    assert_diagnostic(&e, "CHAIN_NAME_CONSTRAINTS", "CHAIN_CONSTRAINTS_FAILURE");
    let (ok, _) = base()
        .pki
        .openssl_verify(root, &[&inter], &outside, at(), false);
    assert!(!ok, "openssl rejects it as well");
}

#[test]
fn at_the_validity_bounds() {
    let b = base();
    let trust = store(&[&b.root]);
    let inters = certs(&[&b.inter]);
    // LEAF_DATES: 2024-01-01T00:00:00Z .. 2027-01-01T00:00:00Z, inclusive.
    for secs in [1_704_067_200, 1_798_761_600] {
        PathValidator::new(&trust, unix(secs))
            .validate(&b.leaf.cert, &inters)
            .unwrap();
    }
    let e = PathValidator::new(&trust, unix(1_798_761_601))
        .validate(&b.leaf.cert, &inters)
        .unwrap_err();
    assert!(matches!(e, PathError::Expired { .. }), "{e:?}");
    let e = PathValidator::new(&trust, unix(1_704_067_199))
        .validate(&b.leaf.cert, &inters)
        .unwrap_err();
    assert!(matches!(e, PathError::NotYetValid { .. }), "{e:?}");
}
