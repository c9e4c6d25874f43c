//! `podpis req`: a PKCS#10 certification request (RFC 2986) for a GOST key,
//! with the subject of the Russian qualified profile (SNILS, INN, OGRN…
//! checked with their control digits) and the usual requested extensions.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use pki::KeySigner;
use pki::csr::CsrBuilder;
use pki::identifiers::{Inn, Ogrn, Ogrnip, Snils};
use pki::name::{NameBuilder, parse_name};
use pki::oids;
use pki::profile::{ExtensionValue, SubjectSignTool};
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};

use crate::files::user_error;
use crate::files::{Access, write_output};
use crate::key::{Format, load_private_key};

/// The subjectSignTool written when `--sign-tool` is not given.
const DEFAULT_SIGN_TOOL: &str = concat!("podpis ", env!("CARGO_PKG_VERSION"));

/// Options of `podpis req`.
#[derive(Debug, Args)]
#[command(
    about = "Запрос на сертификат (PKCS#10) / Certificate request (PKCS#10)",
    long_about = "\
Создаёт запрос на сертификат PKCS#10, подписанный закрытым ключом ГОСТ Р 34.10-2012. Имя \
владельца пишется как CN=…,SN=…,G=…,C=RU (атрибуты в указанном порядке); СНИЛС, ИНН, ОГРН и \
ОГРНИП проверяются по контрольным числам и записываются как NumericString. В запрос включаются \
расширения keyUsage (digitalSignature, nonRepudiation), extendedKeyUsage (clientAuth, \
emailProtection) и subjectSignTool.

Creates a PKCS#10 certification request signed with a GOST R 34.10-2012 private key. The subject \
is written as CN=…,SN=…,G=…,C=RU (attributes in the order given, one per RDN); SNILS, INN, OGRN \
and OGRNIP are checked with their control digits and encoded as NumericString, as the qualified \
profile (FSB order No. 795) requires. They may be given inside --subject (SNILS=…) or with their \
own options, which are appended after the subject. The request asks for keyUsage \
(digitalSignature, nonRepudiation), extendedKeyUsage (clientAuth, emailProtection) and \
subjectSignTool. `openssl req -verify -noout -text -in req.pem` reads it.

Subject labels / Атрибуты имени: CN SN G T O OU L ST STREET C E SNILS INN INNLE OGRN OGRNIP, or \
a dotted OID. `\\,` is a literal comma / `\\,` — запятая внутри значения.",
    after_help = "\
Examples / Примеры:
  podpis key gen --out key.pem
  podpis req --key key.pem --subject \"CN=Иванов Иван,SN=Иванов,G=Иван,C=RU\" --snils \"112-233-445 95\" --out req.pem
  podpis req --key key.pem --subject \"CN=ООО Ромашка,O=ООО Ромашка,C=RU\" --innle 7707083893 --ogrn 1027700132195 --out req.pem
  podpis req --key key.pem --subject \"CN=Иванов Иван,C=RU,SNILS=11223344595\" --outform der --out req.der"
)]
pub(crate) struct ReqArgs {
    /// PKCS#8 private key, PEM or DER / закрытый ключ
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Subject, e.g. "CN=Иванов Иван,SN=Иванов,G=Иван,C=RU" / имя владельца
    #[arg(long)]
    subject: String,
    /// SNILS, 11 digits or 123-456-789 01 / СНИЛС
    #[arg(long)]
    snils: Option<String>,
    /// A person's INN, 12 digits / ИНН физического лица
    #[arg(long)]
    inn: Option<String>,
    /// A legal entity's INN, 10 digits / ИНН юридического лица
    #[arg(long)]
    innle: Option<String>,
    /// OGRN, 13 digits / ОГРН
    #[arg(long)]
    ogrn: Option<String>,
    /// OGRNIP, 15 digits / ОГРНИП
    #[arg(long)]
    ogrnip: Option<String>,
    /// subjectSignTool: the crypto tool the key is used with / средство электронной подписи
    #[arg(long, value_name = "TEXT", default_value = DEFAULT_SIGN_TOOL)]
    sign_tool: String,
    /// Output file, `-` for standard output / файл для запроса
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Output encoding / формат файла
    #[arg(long, value_enum, default_value = "pem")]
    outform: Format,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &ReqArgs) -> Result<()> {
    // Check everything the user typed before touching the key.
    let parsed = parse_name(&args.subject).map_err(|e| user_error(&e))?;
    let mut builder = NameBuilder::new();
    for atv in parsed.iter() {
        builder = builder.raw(atv.clone());
    }
    if let Some(s) = &args.snils {
        let snils = Snils::parse(s).map_err(|e| user_error(&e))?;
        builder = builder.snils(&snils).map_err(|e| user_error(&e))?;
    }
    if let Some(s) = &args.inn {
        let inn = Inn::parse_person(s).map_err(|e| user_error(&e))?;
        builder = builder.inn(&inn).map_err(|e| user_error(&e))?;
    }
    if let Some(s) = &args.innle {
        let inn = Inn::parse_legal_entity(s).map_err(|e| user_error(&e))?;
        builder = builder.inn(&inn).map_err(|e| user_error(&e))?;
    }
    if let Some(s) = &args.ogrn {
        let ogrn = Ogrn::parse(s).map_err(|e| user_error(&e))?;
        builder = builder.ogrn(&ogrn).map_err(|e| user_error(&e))?;
    }
    if let Some(s) = &args.ogrnip {
        let ogrnip = Ogrnip::parse(s).map_err(|e| user_error(&e))?;
        builder = builder.ogrnip(&ogrnip).map_err(|e| user_error(&e))?;
    }
    let subject = builder.build().map_err(|e| user_error(&e))?;
    let tool = args.sign_tool.trim();
    if tool.is_empty() || tool.chars().count() > 200 {
        anyhow::bail!(
            "--sign-tool: от 1 до 200 символов / must be 1 to 200 characters (FSB order No. 795)"
        );
    }

    let key_usage = KeyUsage(KeyUsages::DigitalSignature | KeyUsages::NonRepudiation);
    let eku = ExtendedKeyUsage(vec![oids::KP_CLIENT_AUTH, oids::KP_EMAIL_PROTECTION]);
    let csr = CsrBuilder::new(subject)
        .extension(key_usage.encode_extension(true)?)
        .extension(eku.encode_extension(false)?)
        .extension(SubjectSignTool(tool.to_owned()).encode_extension(false)?);

    let signer = KeySigner::new(load_private_key(&args.key)?);
    let request = csr.build(&signer).map_err(|e| user_error(&e))?;
    let bytes = match args.outform {
        Format::Pem => pki::csr::to_pem(&request)
            .map_err(|e| user_error(&e))?
            .into_bytes(),
        Format::Der => pki::csr::to_der(&request).map_err(|e| user_error(&e))?,
    };
    write_output(&args.out, &bytes, Access::Public, args.force)
}
