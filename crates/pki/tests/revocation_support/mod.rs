//! A small GOST PKI made with OpenSSL for the crl, ocsp and revocation
//! tests: a CA, certificates it issued, OCSP responders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use der::DecodePem;
use pki::KeySigner;
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

use crate::support::{self, openssl, run_ok};

/// A certificate made by OpenSSL, its key, and where both are on disk.
pub(crate) struct Issued {
    pub(crate) cert: Certificate,
    pub(crate) signer: KeySigner,
    pub(crate) cert_path: PathBuf,
    pub(crate) key_path: PathBuf,
}

impl Issued {
    pub(crate) fn serial(&self) -> SerialNumber {
        self.cert.tbs_certificate().serial_number().clone()
    }
}

/// A CA in a temporary directory.
pub(crate) struct Pki {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) algorithm: &'static str,
    pub(crate) ca: Issued,
}

pub(crate) const LEAF_EXT: &str = "basicConstraints=CA:FALSE\n\
    authorityKeyIdentifier=keyid\n\
    authorityInfoAccess=OCSP;URI:http://ocsp.test/ocsp,caIssuers;URI:http://ca.test/ca.crt\n\
    crlDistributionPoints=URI:http://crl.test/ca.crl\n";
pub(crate) const RESPONDER_EXT: &str = "basicConstraints=CA:FALSE\n\
    authorityKeyIdentifier=keyid\n\
    keyUsage=critical,digitalSignature\n\
    extendedKeyUsage=OCSPSigning\n";
pub(crate) const NO_EKU_EXT: &str = "basicConstraints=CA:FALSE\n\
    authorityKeyIdentifier=keyid\n\
    keyUsage=critical,digitalSignature\n";

fn load(cert_path: &Path, key_path: &Path) -> Issued {
    let cert = Certificate::from_pem(std::fs::read(cert_path).unwrap()).unwrap();
    let key =
        gost::SigningKey::from_pkcs8_pem(&std::fs::read_to_string(key_path).unwrap()).unwrap();
    Issued {
        cert,
        signer: KeySigner::new(key),
        cert_path: cert_path.to_owned(),
        key_path: key_path.to_owned(),
    }
}

impl Pki {
    /// A self-signed CA with a `gost2012_256` or `gost2012_512` key (paramset A).
    pub(crate) fn new(algorithm: &'static str, cn: &str) -> Pki {
        let dir = support::tempdir();
        let cnf = dir.path().join("req.cnf");
        std::fs::write(
            &cnf,
            "[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\n\
             keyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n",
        )
        .unwrap();
        let cert_path = dir.path().join("ca.pem");
        let key_path = dir.path().join("ca.key");
        run_ok(
            support::req_x509(
                algorithm,
                "A",
                &format!("/CN={cn}"),
                3650,
                &key_path,
                &cert_path,
            )
            .args(["-extensions", "v3", "-config"])
            .arg(&cnf),
        );
        let ca = load(&cert_path, &key_path);
        Pki { dir, algorithm, ca }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A certificate issued by this CA with the given serial (hex) and extensions.
    pub(crate) fn issue(&self, name: &str, serial_hex: &str, ext: &str) -> Issued {
        let key_path = self.path(&format!("{name}.key"));
        let csr_path = self.path(&format!("{name}.csr"));
        let cert_path = self.path(&format!("{name}.pem"));
        let ext_path = self.path(&format!("{name}.ext"));
        std::fs::write(&ext_path, ext).unwrap();
        run_ok(
            openssl()
                .args([
                    "req",
                    "-new",
                    "-newkey",
                    self.algorithm,
                    "-pkeyopt",
                    "paramset:A",
                    "-nodes",
                ])
                .arg("-keyout")
                .arg(&key_path)
                .arg("-out")
                .arg(&csr_path)
                .args(["-subj", &format!("/CN={name}")]),
        );
        run_ok(
            openssl()
                .args(["x509", "-req", "-in"])
                .arg(&csr_path)
                .arg("-CA")
                .arg(&self.ca.cert_path)
                .arg("-CAkey")
                .arg(&self.ca.key_path)
                .args([
                    "-set_serial",
                    &format!("0x{serial_hex}"),
                    "-days",
                    "365",
                    "-extfile",
                ])
                .arg(&ext_path)
                .arg("-out")
                .arg(&cert_path),
        );
        load(&cert_path, &key_path)
    }

    pub(crate) fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

/// A serial number from hex.
pub(crate) fn serial(hex_str: &str) -> SerialNumber {
    SerialNumber::new(&hex::decode(hex_str).unwrap()).unwrap()
}

/// A certificate from DER or PEM bytes on disk.
pub(crate) fn cert_file(path: &Path) -> Certificate {
    pki::cert::parse_certificate(&std::fs::read(path).unwrap()).unwrap()
}
