//! `podpis sign`: CAdES-BES (optionally CAdES-T) signatures, attached or
//! detached, new or added to an existing signature (co-signing).

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use der::Encode;
use pki::cms::{self, Content, SignOptions, SignedMessage};
use pki::tsp::{self, MessageImprint, TimeStampReq, TimeStampResp};
use pki::{KeySigner, Signer};
use x509_cert::Certificate;

use crate::files::{Access, read_input, user_error, write_output};
use crate::key::load_private_key;
use crate::net;

/// Output encoding of the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutForm {
    /// Binary DER (`.p7s`, what CryptoPro and Gosuslugi exchange).
    Der,
    /// Base64 with `-----BEGIN CMS-----` lines.
    Pem,
}

/// Options of `podpis sign`.
#[derive(Debug, Args)]
#[command(
    about = "Подписать файл (CAdES-BES/CAdES-T) / Sign a file (CAdES-BES/CAdES-T)",
    long_about = "\
Подписывает файл электронной подписью ГОСТ Р 34.10-2012 в формате CAdES-BES (CMS SignedData с \
атрибутами contentType, messageDigest, signingTime, signingCertificateV2). Подпись \
присоединённая (документ внутри .p7s) или отделённая (--detached). С --tsa добавляется штамп \
времени (CAdES-T). С --cosign подпись добавляется к существующей (соподпись).

Signs a file with a GOST R 34.10-2012 key as CAdES-BES (CMS SignedData with contentType, \
messageDigest, signingTime and signingCertificateV2), attached (the document inside the .p7s) or \
detached (--detached; a large file is read as a stream in constant memory). --tsa adds a \
signature time-stamp (CAdES-T). --cosign adds this signature to an existing one (co-signing); \
the existing signers stay byte-identical. OpenSSL reads the output: \
`openssl cms -verify -binary -inform DER -in FILE.p7s [-content FILE] -CAfile ca.pem`.",
    after_help = "\
Examples / Примеры:
  podpis sign --key key.pem --cert cert.pem --in doc.pdf --detached --out doc.pdf.p7s
  podpis sign --key key.pem --cert cert.pem --chain ca.pem --in doc.xml --out doc.xml.p7s
  podpis sign --key key.pem --cert cert.pem --in doc.pdf --detached --tsa http://tsa.example.ru/tsp --out doc.p7s
  podpis sign --key key2.pem --cert cert2.pem --in doc.pdf --cosign doc.p7s --out doc.2.p7s
  podpis sign --token keys.pdp --id 0123456789abcdef --pin-file pin.txt --in doc.pdf --detached --out doc.pdf.p7s
  podpis sign --pkcs11 /usr/lib/librtpkcs11ecp.so --key-id 01 --pin-file pin.txt --in doc.pdf --detached --out doc.pdf.p7s
  podpis sign --pkcs11 libpodpis_pkcs11.so --token-label ivanov --key-label signing --in doc.pdf --out doc.p7s"
)]
pub(crate) struct SignArgs {
    /// PKCS#8 private key, PEM or DER / закрытый ключ
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present_any = ["token", "pkcs11"],
        conflicts_with_all = ["token", "pkcs11"]
    )]
    key: Option<PathBuf>,
    /// A podpis key container instead of --key / контейнер ключей вместо --key
    #[arg(long, value_name = "FILE", requires = "id", conflicts_with = "pkcs11")]
    token: Option<PathBuf>,
    /// A PKCS#11 token's module instead of --key (Rutoken, JaCarta, libpodpis_pkcs11.so) / модуль PKCS#11 токена
    #[arg(long, value_name = "MODULE.so")]
    pkcs11: Option<PathBuf>,
    #[command(flatten)]
    token_choice: crate::pkcs11::TokenChoice,
    #[command(flatten)]
    key_choice: crate::pkcs11::KeyChoice,
    /// The key's id in the container (`podpis token list`) / идентификатор ключа в контейнере
    #[arg(long, value_name = "ID", requires = "token")]
    id: Option<String>,
    /// File with the container or token PIN (else PODPIS_PIN, else asked) / файл с PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// The signer's certificate, PEM or DER (with --token or --pkcs11: default the stored one) / сертификат подписанта
    #[arg(long, value_name = "FILE", required_unless_present_any = ["token", "pkcs11"])]
    cert: Option<PathBuf>,
    /// CA certificates to include (PEM bundle) / сертификаты УЦ для включения в подпись
    #[arg(long, value_name = "FILE")]
    chain: Option<PathBuf>,
    /// The file to sign, `-` for standard input / подписываемый файл
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Leave the document out of the signature / отделённая подпись
    #[arg(long)]
    detached: bool,
    /// Add this signature to an existing .p7s / добавить подпись к существующей
    #[arg(long, value_name = "FILE.p7s")]
    cosign: Option<PathBuf>,
    /// Time-stamp service URL: makes CAdES-T / служба штампов времени (CAdES-T)
    #[arg(long, value_name = "URL")]
    tsa: Option<String>,
    /// Output encoding / формат
    #[arg(long, value_enum, default_value = "der")]
    outform: OutForm,
    /// Output file / файл подписи
    #[arg(long, value_name = "FILE.p7s")]
    out: PathBuf,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &SignArgs) -> Result<()> {
    let (signer, cert) = signer_and_certificate(args)?;
    let signer: &dyn Signer = signer.as_ref();
    let chain = match &args.chain {
        Some(p) => pki::cert::parse_certificates(&read_input(p)?)
            .map_err(|e| user_error(&e).context(format!("{}", p.display())))?,
        None => Vec::new(),
    };
    let mut options = SignOptions::cades_bes(args.detached, SystemTime::now());
    options.chain = chain;

    // A file is streamed; standard input is read whole.
    let stdin_data;
    let mut file;
    let content: Content<'_> = if args.input == std::path::Path::new("-") {
        stdin_data = read_input(&args.input)?;
        Content::Bytes(&stdin_data)
    } else {
        file = BufReader::new(
            File::open(&args.input)
                .with_context(|| format!("не открыть / cannot open {}", args.input.display()))?,
        );
        Content::Reader(&mut file)
    };

    let mut message = match &args.cosign {
        None => {
            let der = cms::sign(content, signer, &cert, &options).map_err(|e| user_error(&e))?;
            SignedMessage::parse(&der).map_err(|e| user_error(&e))?
        }
        Some(existing) => {
            let mut message = SignedMessage::parse(&read_input(existing)?)
                .map_err(|e| user_error(&e).context(format!("{}", existing.display())))?;
            if message.is_detached() != args.detached {
                bail!(
                    "--detached должен совпадать с видом существующей подписи / --detached must match the \
                     existing signature (it is {})",
                    if message.is_detached() {
                        "detached"
                    } else {
                        "attached"
                    }
                );
            }
            let content = if message.is_detached() {
                Some(content)
            } else {
                None
            };
            message
                .co_sign(content, signer, &cert, &options)
                .map_err(|e| user_error(&e))?;
            message
        }
    };
    if let Some(url) = &args.tsa {
        let i = message.signer_count() - 1;
        add_timestamp(&mut message, i, signer, url)?;
    }
    let out = match args.outform {
        OutForm::Der => message.to_der().to_vec(),
        OutForm::Pem => message.to_pem().map_err(|e| user_error(&e))?.into_bytes(),
    };
    write_output(&args.out, &out, Access::Public, args.force)
}

/// The signer and its certificate of `podpis sign`'s options.
fn signer_and_certificate(args: &SignArgs) -> Result<(Box<dyn Signer>, Certificate)> {
    open_signer(&KeySource {
        key: args.key.as_deref(),
        token: args.token.as_deref(),
        id: args.id.as_deref(),
        pkcs11: args.pkcs11.as_deref(),
        token_choice: &args.token_choice,
        key_choice: &args.key_choice,
        pin_file: args.pin_file.as_deref(),
        cert: args.cert.as_deref(),
    })
}

/// Where a signing key comes from (the options `podpis sign` and
/// `podpis login` share).
pub(crate) struct KeySource<'a> {
    /// A PKCS#8 key file.
    pub(crate) key: Option<&'a std::path::Path>,
    /// A podpis key container.
    pub(crate) token: Option<&'a std::path::Path>,
    /// The key's id in the container.
    pub(crate) id: Option<&'a str>,
    /// A PKCS#11 module.
    pub(crate) pkcs11: Option<&'a std::path::Path>,
    /// Which PKCS#11 token.
    pub(crate) token_choice: &'a crate::pkcs11::TokenChoice,
    /// Which PKCS#11 key.
    pub(crate) key_choice: &'a crate::pkcs11::KeyChoice,
    /// The PIN file.
    pub(crate) pin_file: Option<&'a std::path::Path>,
    /// The certificate file.
    pub(crate) cert: Option<&'a std::path::Path>,
}

/// The signer and its certificate: a PKCS#8 key file with --cert, a key of
/// a podpis container or of a PKCS#11 token with --cert or else the
/// certificate stored with it.
pub(crate) fn open_signer(src: &KeySource<'_>) -> Result<(Box<dyn Signer>, Certificate)> {
    let parse = |path: &std::path::Path| {
        pki::cert::parse_certificate(&read_input(path)?)
            .map_err(|e| user_error(&e).context(format!("{}", path.display())))
    };
    if let Some(module) = src.pkcs11 {
        let cert = src.cert.map(parse).transpose()?;
        return crate::pkcs11::signer(module, src.token_choice, src.key_choice, src.pin_file, cert);
    }
    match (src.token, src.key) {
        (Some(path), _) => {
            let id = src.id.unwrap_or_default();
            let session = crate::token::login(path, src.pin_file)?;
            let signer = session
                .signer(id)
                .map_err(crate::token::container_error(path))?;
            let cert = match src.cert {
                Some(p) => parse(p)?,
                None => {
                    let Some(der) = session
                        .certificate(id)
                        .map_err(crate::token::container_error(path))?
                    else {
                        bail!(
                            "у ключа {id} в контейнере нет сертификата: укажите --cert / key {id} \
                             has no certificate in the container: pass --cert"
                        );
                    };
                    pki::cert::parse_certificate(&der).map_err(|e| user_error(&e))?
                }
            };
            Ok((Box::new(signer), cert))
        }
        (None, Some(key)) => {
            if src.pin_file.is_some() {
                bail!(
                    "--pin-file нужен только с --token или --pkcs11 / --pin-file goes with --token or --pkcs11"
                );
            }
            let Some(cert) = src.cert else {
                bail!("--cert обязателен с --key / --cert is required with --key");
            };
            Ok((
                Box::new(KeySigner::new(load_private_key(key)?)),
                parse(cert)?,
            ))
        }
        (None, None) => {
            bail!("укажите --key, --token или --pkcs11 / pass --key, --token or --pkcs11")
        }
    }
}

/// Gets a time-stamp over signer `i`'s signature value and adds it as the
/// signatureTimeStampToken unsigned attribute (CAdES-T).
fn add_timestamp(
    message: &mut SignedMessage,
    i: usize,
    signer: &dyn Signer,
    url: &str,
) -> Result<()> {
    let alg = signer.digest_algorithm();
    let signature = message
        .signature_value(i)
        .map_err(|e| user_error(&e))?
        .to_vec();
    let request = TimeStampReq::new(MessageImprint::of(alg, &signature)?, None)?;
    let reply = net::post(
        url,
        tsp::REQUEST_CONTENT_TYPE,
        &request.to_der()?,
        tsp::RESPONSE_CONTENT_TYPE,
    )?;
    let token = TimeStampResp::from_der_bytes(&reply)?
        .into_token()
        .map_err(|e| user_error(&e))?;
    let verified = tsp::verify_token(&token, &[]).map_err(|e| user_error(&e))?;
    verified
        .info
        .check_against(&request)
        .map_err(|e| user_error(&e))?;
    let attribute = cms::attribute_from_der(pki::oids::ATTR_SIGNATURE_TIME_STAMP, &token)
        .map_err(|e| user_error(&e))?;
    message
        .add_unsigned_attribute(i, &attribute)
        .map_err(|e| user_error(&e))?;
    Ok(())
}
