//! `podpis ts`: a time-stamp client (RFC 3161), like `openssl ts -query`
//! plus the HTTP exchange and the checks of the answer.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use der::Encode;
use pki::algorithm::DigestAlgorithm;
use pki::tsp::{self, MessageImprint, TimeStampReq, TimeStampResp};

use crate::files::{Access, read_input, user_error, write_output};
use crate::net;

/// Hash for the imprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Digest {
    /// GOST R 34.11-2012, 256 bits.
    Streebog256,
    /// GOST R 34.11-2012, 512 bits.
    Streebog512,
}

impl From<Digest> for DigestAlgorithm {
    fn from(d: Digest) -> Self {
        match d {
            Digest::Streebog256 => DigestAlgorithm::Streebog256,
            Digest::Streebog512 => DigestAlgorithm::Streebog512,
        }
    }
}

/// Options of `podpis ts`.
#[derive(Debug, Args)]
#[command(
    about = "Штамп времени для файла / Get a time-stamp for a file",
    long_about = "\
Запрашивает у службы штампов времени (TSP, RFC 3161) штамп для файла, проверяет подпись штампа и \
что ответ относится к запросу (хеш, nonce, политика), печатает время и сохраняет токен.

Asks a time-stamp authority (TSP, RFC 3161) to stamp a file: hashes it with Streebog, sends the \
request over HTTP, checks the token's signature and that the answer fits the request (imprint, \
nonce, policy), prints the time and saves the token (a CMS SignedData, `openssl ts -reply -in … -token_in` reads it).",
    after_help = "\
Examples / Примеры:
  podpis ts --url http://tsa.example.ru/tsp --in contract.pdf --out contract.tsr
  podpis ts --url http://localhost:8080/tsp --in doc.xml --digest streebog512 --policy 1.2.643.100.200.1
  podpis ts --url http://tsa.example.ru/tsp --in doc.xml --query-out req.tsq   (also keep the request)"
)]
pub(crate) struct TsArgs {
    /// The time-stamp service URL / адрес службы штампов времени
    #[arg(long)]
    url: String,
    /// File to stamp, `-` for standard input / файл
    #[arg(long = "in", value_name = "FILE")]
    input: PathBuf,
    /// Hash for the imprint / алгоритм хеширования
    #[arg(long, value_enum, default_value = "streebog256")]
    digest: Digest,
    /// TSA policy to ask for (OID) / политика службы
    #[arg(long, value_name = "OID")]
    policy: Option<String>,
    /// Where to write the token (DER) / куда записать штамп
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Where to write the request (DER) / куда записать запрос
    #[arg(long, value_name = "FILE")]
    query_out: Option<PathBuf>,
    /// Replace existing output files / заменить существующие файлы
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(args: &TsArgs) -> Result<()> {
    let data = read_input(&args.input)?;
    let policy = args
        .policy
        .as_deref()
        .map(|p| p.parse::<const_oid::ObjectIdentifier>())
        .transpose()
        .context("--policy: не OID / not an OID")?;
    let imprint = MessageImprint::of(args.digest.into(), &data)?;
    let request = TimeStampReq::new(imprint, policy)?;
    let request_der = request.to_der()?;
    if let Some(path) = &args.query_out {
        write_output(path, &request_der, Access::Public, args.force)?;
    }
    let reply = net::post(
        &args.url,
        tsp::REQUEST_CONTENT_TYPE,
        &request_der,
        tsp::RESPONSE_CONTENT_TYPE,
    )?;
    let response = TimeStampResp::from_der_bytes(&reply)?;
    let token = response.into_token().map_err(|e| user_error(&e))?;
    // The token's signature, with the TSA certificate it carries, and that
    // it answers this request (imprint, nonce, policy).
    let info = tsp::verify_token(&token, &[])
        .map_err(|e| user_error(&e))?
        .info;
    info.check_against(&request).map_err(|e| user_error(&e))?;
    let time = info.gen_time()?;
    println!("Время / time:      {}", crate::time::rfc3339(time));
    println!("Политика / policy: {}", info.policy);
    println!(
        "Серийный / serial: {}",
        hex_upper(info.serial_number.as_bytes())
    );
    if let Some(acc) = info.accuracy {
        println!("Точность / accuracy: {:?}", acc.duration());
    }
    if let Some(path) = &args.out {
        write_output(path, &token, Access::Public, args.force)?;
    }
    Ok(())
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
