//! A small GOST PKI made with OpenSSL for the crl, ocsp and revocation
//! tests: a CA, certificates it issued, OCSP responders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use der::{Decode, DecodePem};
use pki::KeySigner;
use x509_cert::Certificate;
use x509_cert::serial_number::SerialNumber;

use std::process::Command;
use std::sync::OnceLock;

use crate::support::run_ok;

/// `support::openssl()` with a working engine check: on OpenSSL 3.0.19
/// `list -public-key-algorithms` does not name the engine's algorithms, so
/// `support::config()` fails although the engine works. This checks
/// `list -digest-algorithms` for md_gost12_256 instead.
pub fn openssl() -> Command {
    static CONFIG: OnceLock<PathBuf> = OnceLock::new();
    let path = CONFIG.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("podpis-pki-revo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("gost.cnf");
        std::fs::write(
            &path,
            "openssl_conf = openssl_def\n[openssl_def]\nengines = engine_section\n\
             [engine_section]\ngost = gost_section\n[gost_section]\nengine_id = gost\n\
             dynamic_path = /usr/lib/x86_64-linux-gnu/engines-3/gost.so\ndefault_algorithms = ALL\n",
        )
        .unwrap();
        let out = Command::new("openssl")
            .env("OPENSSL_CONF", &path)
            .args(["list", "-digest-algorithms"])
            .output()
            .expect("cannot run `openssl`: install it (scripts/test does)");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("md_gost12_256"),
            "OpenSSL's GOST engine is not available: `apt-get install libengine-gost-openssl`"
        );
        path
    });
    let mut cmd = Command::new("openssl");
    cmd.env("OPENSSL_CONF", path);
    cmd
}

/// A certificate made by OpenSSL, its key, and where both are on disk.
pub struct Issued {
    pub cert: Certificate,
    pub signer: KeySigner,
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
}

impl Issued {
    pub fn serial(&self) -> SerialNumber {
        self.cert.tbs_certificate().serial_number().clone()
    }
}

/// A CA in a temporary directory.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub algorithm: &'static str,
    pub ca: Issued,
}

pub const LEAF_EXT: &str = "basicConstraints=CA:FALSE\n\
    authorityKeyIdentifier=keyid\n\
    authorityInfoAccess=OCSP;URI:http://ocsp.test/ocsp,caIssuers;URI:http://ca.test/ca.crt\n\
    crlDistributionPoints=URI:http://crl.test/ca.crl\n";
pub const RESPONDER_EXT: &str = "basicConstraints=CA:FALSE\n\
    authorityKeyIdentifier=keyid\n\
    keyUsage=critical,digitalSignature\n\
    extendedKeyUsage=OCSPSigning\n";
pub const NO_EKU_EXT: &str = "basicConstraints=CA:FALSE\n\
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
    pub fn new(algorithm: &'static str, cn: &str) -> Pki {
        let dir = tempfile::tempdir().unwrap();
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
            openssl()
                .args([
                    "req",
                    "-x509",
                    "-newkey",
                    algorithm,
                    "-pkeyopt",
                    "paramset:A",
                    "-nodes",
                ])
                .arg("-keyout")
                .arg(&key_path)
                .arg("-out")
                .arg(&cert_path)
                .args([
                    "-subj",
                    &format!("/CN={cn}"),
                    "-days",
                    "3650",
                    "-extensions",
                    "v3",
                    "-config",
                ])
                .arg(&cnf),
        );
        let ca = load(&cert_path, &key_path);
        Pki { dir, algorithm, ca }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A certificate issued by this CA with the given serial (hex) and extensions.
    pub fn issue(&self, name: &str, serial_hex: &str, ext: &str) -> Issued {
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

    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

/// A serial number from hex.
pub fn serial(hex_str: &str) -> SerialNumber {
    SerialNumber::new(&hex::decode(hex_str).unwrap()).unwrap()
}

/// A certificate from DER or PEM bytes on disk.
pub fn cert_file(path: &Path) -> Certificate {
    let bytes = std::fs::read(path).unwrap();
    Certificate::from_der(&bytes).unwrap_or_else(|_| Certificate::from_pem(&bytes).unwrap())
}
