//! `podpis key`: GOST R 34.10-2012 key pairs in the PKCS#8 files OpenSSL's
//! GOST engine reads and writes.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use gost::{KeySize, ParamSet, SigningKey};

use crate::files::{Access, read_input, write_output};

/// `podpis key …`
#[derive(Debug, Args)]
#[command(about = "Ключи ГОСТ Р 34.10-2012 / GOST R 34.10-2012 keys")]
pub(crate) struct KeyArgs {
    #[command(subcommand)]
    command: KeyCommand,
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    Gen(GenArgs),
    Pub(PubArgs),
}

/// Key algorithm, named as in OpenSSL (`gost2012_256`) with a dash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Algorithm {
    /// GOST R 34.10-2012 with a 256-bit key.
    #[value(name = "gost2012-256", alias = "gost2012_256")]
    Gost2012_256,
    /// GOST R 34.10-2012 with a 512-bit key.
    #[value(name = "gost2012-512", alias = "gost2012_512")]
    Gost2012_512,
}

/// Output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// Base64 text with BEGIN/END lines.
    Pem,
    /// Binary DER.
    Der,
}

#[derive(Debug, Args)]
#[command(
    about = "Создать закрытый ключ / Generate a private key",
    long_about = "\
Создаёт закрытый ключ ГОСТ Р 34.10-2012 и записывает его в PKCS#8 (PEM или DER), который читает \
OpenSSL с движком GOST. Файл создаётся с правами 0600.

Generates a GOST R 34.10-2012 private key and writes it as PKCS#8 (PEM or DER), readable by \
OpenSSL's GOST engine (`openssl pkey -engine gost -in key.pem`). The file is created with mode \
0600; an existing file is not replaced without --force. The key is not encrypted: keep it on a \
token or in a podpis container for real use.",
    after_help = "\
Examples / Примеры:
  podpis key gen --alg gost2012-256 --paramset A --out key.pem
  podpis key gen --alg gost2012-512 --paramset C --outform der --out key.der
  podpis key pub --in key.pem --out pub.pem

Parameter sets / Наборы параметров (the names of `openssl -pkeyopt paramset:…`):
  gost2012-256: A B C XA XB TCA TCB TCC TCD    (A = CryptoPro-A, TCA = tc26 paramSetA)
  gost2012-512: A B C"
)]
struct GenArgs {
    /// Key algorithm / алгоритм ключа
    #[arg(long, value_enum, default_value = "gost2012-256")]
    alg: Algorithm,
    /// Parameter set (A, B, C, XA, XB, TCA…TCD for 256; A, B, C for 512) / набор параметров
    #[arg(long, default_value = "A")]
    paramset: String,
    /// Output file, `-` for standard output / файл для ключа
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Output encoding / формат файла
    #[arg(long, value_enum, default_value = "pem")]
    outform: Format,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Открытый ключ из закрытого / Public key of a private key",
    long_about = "\
Записывает открытый ключ (SubjectPublicKeyInfo) закрытого ключа PKCS#8.

Writes the public key (SubjectPublicKeyInfo, PEM or DER) of a PKCS#8 private key, as \
`openssl pkey -pubout` does.",
    after_help = "Example / Пример:\n  podpis key pub --in key.pem --out pub.pem"
)]
struct PubArgs {
    /// PKCS#8 private key, PEM or DER / закрытый ключ
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Output file, `-` for standard output / файл для открытого ключа
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: PathBuf,
    /// Output encoding / формат файла
    #[arg(long, value_enum, default_value = "pem")]
    outform: Format,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &KeyArgs) -> Result<()> {
    match &args.command {
        KeyCommand::Gen(a) => generate(a),
        KeyCommand::Pub(a) => public(a),
    }
}

/// The parameter set named `name` (OpenSSL's name) for a key algorithm.
pub(crate) fn param_set(alg: Algorithm, name: &str) -> Result<ParamSet> {
    let size = match alg {
        Algorithm::Gost2012_256 => KeySize::Bits256,
        Algorithm::Gost2012_512 => KeySize::Bits512,
    };
    ParamSet::PRODUCTION
        .into_iter()
        .find(|p| p.key_size() == size && p.openssl_name().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .with_context(|| {
            let known: Vec<&str> = ParamSet::PRODUCTION
                .into_iter()
                .filter(|p| p.key_size() == size)
                .filter_map(ParamSet::openssl_name)
                .collect();
            format!(
                "неизвестный набор параметров {name:?}; допустимы / unknown parameter set {name:?}; \
                 use one of: {}",
                known.join(", ")
            )
        })
}

fn generate(args: &GenArgs) -> Result<()> {
    let params = param_set(args.alg, &args.paramset)?;
    let key = SigningKey::generate(params)?;
    let bytes = match args.outform {
        Format::Pem => zeroize::Zeroizing::new(key.to_pkcs8_pem()?.as_bytes().to_vec()),
        Format::Der => key.to_pkcs8_der()?,
    };
    write_output(&args.out, &bytes, Access::Secret, args.force)
}

/// Reads a PKCS#8 private key in PEM or DER.
pub(crate) fn load_private_key(path: &std::path::Path) -> Result<SigningKey> {
    let data = zeroize::Zeroizing::new(read_input(path)?);
    let key = match std::str::from_utf8(&data) {
        Ok(text) if text.contains("-----BEGIN") => SigningKey::from_pkcs8_pem(text),
        _ => SigningKey::from_pkcs8_der(&data),
    };
    match key {
        Ok(key) => Ok(key),
        Err(err) => bail!(
            "{}: не закрытый ключ ГОСТ в PKCS#8 / not a GOST PKCS#8 private key: {err}",
            path.display()
        ),
    }
}

fn public(args: &PubArgs) -> Result<()> {
    let key = load_private_key(&args.input)?;
    let public = key.verifying_key();
    let bytes = match args.outform {
        Format::Pem => public.to_public_key_pem()?.into_bytes(),
        Format::Der => public.to_public_key_der()?,
    };
    write_output(&args.out, &bytes, Access::Public, args.force)
}
