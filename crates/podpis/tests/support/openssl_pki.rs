//! A root CA and a signer made by OpenSSL with its GOST engine (`openssl
//! req`, `openssl ca`), for the tests that sign and verify against it:
//! `sign_verify.rs` (the CLI) and `verify_service.rs` (the service).

use std::fs;
use std::path::{Path, PathBuf};

use super::{openssl, run_ok};

/// A root CA and a signer certificate issued by `openssl ca`, in `dir`.
pub(crate) struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    pub(crate) fn new(alg: &str) -> Pki {
        Pki::in_dir(tempfile::tempdir().unwrap(), alg, "")
    }

    /// The PKI in `dir`, with `leaf_extra` lines (OpenSSL extension syntax)
    /// added to the signer's extensions.
    pub(crate) fn in_dir(dir: tempfile::TempDir, alg: &str, leaf_extra: &str) -> Pki {
        let d = dir.path();
        fs::create_dir(d.join("db")).unwrap();
        fs::write(d.join("db/index.txt"), "").unwrap();
        fs::write(d.join("db/serial"), "1000\n").unwrap();
        fs::write(
            d.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = ca\n[ca]\ndir = {d}\ndatabase = $dir/db/index.txt\nserial = $dir/db/serial\n\
                 new_certs_dir = $dir/db\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\n\
                 default_md = {md}\ndefault_days = 30\ndefault_crl_days = 7\npolicy = any\ncopy_extensions = copy\n\
                 unique_subject = no\npreserve = yes\n[any]\ncommonName = supplied\nSNILS = optional\ncountryName = optional\n\
                 [root]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
                 subjectKeyIdentifier = hash\n\
                 [leaf]\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature,nonRepudiation\n\
                 extendedKeyUsage = clientAuth,emailProtection\nsubjectKeyIdentifier = hash\n\
                 authorityKeyIdentifier = keyid\ncertificatePolicies = 1.2.643.100.113.1\n{leaf_extra}\n\
                 [req]\ndistinguished_name = dn\n[dn]\n",
                d = d.display(),
                md = if alg.ends_with("512") { "md_gost12_512" } else { "md_gost12_256" },
            ),
        )
        .unwrap();
        run_ok(openssl().current_dir(d).args([
            "req",
            "-x509",
            "-newkey",
            alg,
            "-pkeyopt",
            "paramset:A",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Тестовый УЦ/O=podpis/C=RU",
            "-days",
            "60",
            "-config",
            "ca.cnf",
            "-extensions",
            "root",
            "-utf8",
        ]));
        run_ok(openssl().current_dir(d).args([
            "req",
            "-new",
            "-newkey",
            alg,
            "-pkeyopt",
            "paramset:A",
            "-nodes",
            "-keyout",
            "signer.key",
            "-out",
            "signer.csr",
            "-subj",
            "/CN=Иванов Иван/SNILS=11223344595/C=RU",
            "-config",
            "ca.cnf",
            "-utf8",
        ]));
        run_ok(openssl().current_dir(d).args([
            "ca",
            "-batch",
            "-config",
            "ca.cnf",
            "-extensions",
            "leaf",
            "-in",
            "signer.csr",
            "-out",
            "signer.pem",
            "-notext",
            "-utf8",
        ]));
        fs::write(
            d.join("doc.txt"),
            "Заявление о выдаче справки\n".repeat(100),
        )
        .unwrap();
        Pki { dir }
    }

    /// A PKI whose signer's certificate names a CRL distribution point on
    /// a loopback server ([`super::http`]) serving the file `current.crl`
    /// of the PKI's directory, which starts as the CA's first CRL.
    pub(crate) fn with_served_crl(alg: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let crl = super::http::serve("ca.crl", "application/pkix-crl", move |_| {
            fs::read(d.join("current.crl")).unwrap_or_default()
        });
        let pki = Pki::in_dir(dir, alg, &format!("crlDistributionPoints = URI:{crl}"));
        fs::copy(pki.crl("first.crl"), pki.path().join("current.crl")).unwrap();
        pki
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn crl(&self, name: &str) -> PathBuf {
        run_ok(
            openssl()
                .current_dir(self.path())
                .args(["ca", "-gencrl", "-config", "ca.cnf", "-out", name]),
        );
        self.path().join(name)
    }
}
