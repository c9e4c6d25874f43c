//! Test PKIs made by OpenSSL with the GOST engine at test time, so every
//! fixture is also interop evidence: `openssl ca` issues GOST R 34.10-2012
//! certificates with any extensions and any (past or future) dates.
//!
//! Nothing is committed: each [`Pki`] lives in a temporary directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use der::DecodePem;
use x509_cert::Certificate;

use crate::support;

/// Extensions of a root or intermediate CA.
pub(crate) const CA_EXT: &str = "basicConstraints=critical,CA:TRUE\n\
                          keyUsage=critical,keyCertSign,cRLSign\n\
                          subjectKeyIdentifier=hash\n";
/// Extensions of an intermediate CA, with the issuer's key identifier.
pub(crate) const INTER_EXT: &str = "basicConstraints=critical,CA:TRUE\n\
                             keyUsage=critical,keyCertSign,cRLSign\n\
                             subjectKeyIdentifier=hash\n\
                             authorityKeyIdentifier=keyid:always\n";
/// Extensions of a qualified signing certificate.
pub(crate) const LEAF_EXT: &str = "basicConstraints=CA:FALSE\n\
                            keyUsage=critical,digitalSignature,nonRepudiation\n\
                            extendedKeyUsage=clientAuth,emailProtection\n\
                            certificatePolicies=1.2.643.100.113.1,1.2.643.100.113.2\n\
                            subjectKeyIdentifier=hash\n\
                            authorityKeyIdentifier=keyid:always\n";

/// Lines that stop OpenSSL 3 from adding key identifiers by default, so
/// that only names link certificates.
pub(crate) const NO_KEY_IDS: &str = "subjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n";

/// Validity of the standard root.
pub(crate) const ROOT_DATES: (&str, &str) = ("20200101000000Z", "20400101000000Z");
/// Validity of the standard intermediate.
pub(crate) const INTER_DATES: (&str, &str) = ("20210101000000Z", "20350101000000Z");
/// Validity of the standard leaf.
pub(crate) const LEAF_DATES: (&str, &str) = ("20240101000000Z", "20270101000000Z");

/// The validation time of the fixtures: 2025-06-01T00:00:00Z.
pub(crate) fn at() -> SystemTime {
    unix(1_748_736_000)
}

/// A time as seconds since the Unix epoch.
pub(crate) fn unix(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

/// A GOST key size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    /// gost2012_256, paramset A (id-GostR3410-2001-CryptoPro-A-ParamSet).
    G256,
    /// gost2012_512, paramset A (id-tc26-gost-3410-12-512-paramSetA).
    G512,
}

/// A key pair and a certificate made for it.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    /// The PEM certificate file.
    pub(crate) cert_path: PathBuf,
    /// The PEM private key file.
    pub(crate) key_path: PathBuf,
    /// The certificate, parsed.
    pub(crate) cert: Certificate,
}

/// A temporary directory where OpenSSL makes keys and certificates.
pub(crate) struct Pki {
    dir: tempfile::TempDir,
    counter: AtomicUsize,
}

impl Default for Pki {
    fn default() -> Self {
        Self::new()
    }
}

impl Pki {
    /// A new, empty PKI directory.
    pub(crate) fn new() -> Self {
        Pki {
            dir: support::tempdir(),
            counter: AtomicUsize::new(0),
        }
    }

    /// The directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn fresh(&self, name: &str) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        self.dir.path().join(format!("{n:03}-{name}"))
    }

    /// A new private key (PEM file).
    pub(crate) fn key(&self, alg: Alg) -> PathBuf {
        let path = self.fresh("key.pem");
        let algorithm = support::key_algorithm(match alg {
            Alg::G256 => gost::KeySize::Bits256,
            Alg::G512 => gost::KeySize::Bits512,
        });
        support::run_ok(
            support::openssl()
                .args(["genpkey", "-algorithm", algorithm])
                .args(["-pkeyopt", "paramset:A", "-out", path.to_str().unwrap()]),
        );
        path
    }

    /// A self-signed certificate for a new key.
    pub(crate) fn root(&self, subj: &str, ext: &str, alg: Alg, dates: (&str, &str)) -> Issued {
        let key = self.key(alg);
        self.sign(subj, ext, &key, None, dates)
    }

    /// A certificate for a new key, issued by `issuer`.
    pub(crate) fn issue(
        &self,
        subj: &str,
        ext: &str,
        alg: Alg,
        issuer: &Issued,
        dates: (&str, &str),
    ) -> Issued {
        let key = self.key(alg);
        self.sign(subj, ext, &key, Some(issuer), dates)
    }

    /// A certificate for the key in `key`, issued by `issuer` (or
    /// self-signed), with `ext` (openssl extension lines) and `dates`
    /// (notBefore, notAfter as `YYYYMMDDHHMMSSZ`).
    pub(crate) fn sign(
        &self,
        subj: &str,
        ext: &str,
        key: &Path,
        issuer: Option<&Issued>,
        dates: (&str, &str),
    ) -> Issued {
        let csr = self.fresh("req.pem");
        support::run_ok(support::openssl().args([
            "req",
            "-new",
            "-utf8",
            "-key",
            key.to_str().unwrap(),
            "-subj",
            subj,
            "-out",
            csr.to_str().unwrap(),
        ]));
        let ext_path = self.fresh("ext.cnf");
        std::fs::write(&ext_path, ext).unwrap();
        // A fresh CA database per certificate: tests run in parallel.
        let db = self.fresh("ca");
        let cnf = support::ca_config(
            &db,
            &format!(
                "serial = {}/serial\ndefault_md = default\nunique_subject = no\n\
                 email_in_dn = yes\n",
                db.display()
            ),
        );
        let out = self.fresh("cert.pem");
        let mut cmd = support::openssl();
        cmd.args([
            "ca",
            "-batch",
            "-notext",
            "-utf8",
            "-preserveDN",
            "-rand_serial",
        ])
        .args(["-config", cnf.to_str().unwrap()])
        .args(["-in", csr.to_str().unwrap()])
        .args(["-extfile", ext_path.to_str().unwrap()])
        .args(["-startdate", dates.0, "-enddate", dates.1])
        .args(["-out", out.to_str().unwrap()]);
        match issuer {
            Some(issuer) => cmd
                .args(["-cert", issuer.cert_path.to_str().unwrap()])
                .args(["-keyfile", issuer.key_path.to_str().unwrap()]),
            None => cmd.args(["-selfsign", "-keyfile", key.to_str().unwrap()]),
        };
        support::run_ok(&mut cmd);
        let cert = Certificate::from_pem(std::fs::read(&out).unwrap()).unwrap();
        Issued {
            cert_path: out,
            key_path: key.to_owned(),
            cert,
        }
    }

    /// `openssl verify` of `leaf` at `at` against `root` with `untrusted`;
    /// returns (success, output).
    pub(crate) fn openssl_verify(
        &self,
        root: &Issued,
        untrusted: &[&Issued],
        leaf: &Issued,
        at: SystemTime,
        partial_chain: bool,
    ) -> (bool, String) {
        let secs = at.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        let mut cmd = support::openssl();
        cmd.args(["verify", "-attime", &secs.to_string()])
            .args(["-CAfile", root.cert_path.to_str().unwrap()]);
        if partial_chain {
            cmd.arg("-partial_chain");
        }
        if !untrusted.is_empty() {
            let bundle = self.fresh("untrusted.pem");
            let mut pem = Vec::new();
            for cert in untrusted {
                pem.extend(std::fs::read(&cert.cert_path).unwrap());
            }
            std::fs::write(&bundle, pem).unwrap();
            cmd.args(["-untrusted", bundle.to_str().unwrap()]);
        }
        cmd.arg(leaf.cert_path.to_str().unwrap());
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }
}

/// The one certificate of a corpus file (DER or PEM).
pub(crate) fn corpus_cert(rel: &str) -> Certificate {
    let mut certs = pki::cert::parse_certificates(&support::corpus_bytes(rel)).unwrap();
    assert_eq!(certs.len(), 1, "{rel}");
    certs.remove(0)
}
