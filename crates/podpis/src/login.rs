//! `podpis login`: log in to a podpis identity provider with an electronic
//! signature, without a browser — ask `--server` for a challenge, sign its
//! 32 bytes as CAdES-BES (detached) with the key of a file, a podpis
//! container or a PKCS#11 token, post the signature, and print (or save)
//! the session token.

use std::path::PathBuf;
use std::time::SystemTime;

use anyhow::{Result, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use clap::Args;
use pki::cms::{self, Content, SignOptions};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::files::{Access, print, user_error, write_output};
use crate::sign::{KeySource, open_signer};

/// Options of `podpis login`.
#[derive(Debug, Args)]
#[command(
    about = "Войти по электронной подписи / Log in with an electronic signature",
    long_about = "\
Входит в личный кабинет сервера podpis с электронной подписью, без браузера: получает вызов \
(POST /api/v1/login/esig/challenge), подписывает его (CAdES-BES, отделённая подпись) ключом из \
файла, контейнера podpis или токена PKCS#11 и отправляет подпись (POST /api/v1/login/esig). \
Печатает токен сеанса или сохраняет его в файл (--out, права 0600).

Logs in to a podpis server's cabinet with an electronic signature, without a browser: gets a \
challenge, signs it (CAdES-BES, detached) with the key of a file, a podpis container or a \
PKCS#11 token, posts the signature, and prints the session token or saves it (--out, mode \
0600). Use the token as `Authorization: Bearer TOKEN` with the REST API.",
    after_help = "\
Examples / Примеры:
  podpis login --server https://portal.example.ru --token keys.pdp --id 0123456789abcdef --pin-file pin.txt
  podpis login --server http://127.0.0.1:8080 --key key.pem --cert cert.pem --out session.txt
  podpis login --server https://portal.example.ru --pkcs11 /usr/lib/librtpkcs11ecp.so --key-id 01 --pin-file pin.txt"
)]
pub(crate) struct LoginArgs {
    /// The server's base URL / адрес сервера
    #[arg(long, value_name = "URL")]
    server: String,
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
    /// A PKCS#11 token's module instead of --key / модуль PKCS#11 токена
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
    /// The certificate (with --token or --pkcs11: default the stored one) / сертификат
    #[arg(long, value_name = "FILE", required_unless_present_any = ["token", "pkcs11"])]
    cert: Option<PathBuf>,
    /// CA certificates to include in the signature (PEM bundle) / сертификаты УЦ для включения
    #[arg(long, value_name = "FILE")]
    chain: Option<PathBuf>,
    /// Save the session token here (mode 0600) instead of printing it / сохранить токен в файл
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Replace an existing --out file / заменить существующий файл
    #[arg(long)]
    force: bool,
    /// Print the whole answer as JSON (token included) / вывести ответ целиком (JSON)
    #[arg(long)]
    json: bool,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(60)))
        .user_agent(concat!("podpis/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POSTs JSON; the answer, or the server's refusal as an error with its
/// code and both messages.
fn post(agent: &ureq::Agent, url: &str, body: &Value) -> Result<Value> {
    let response = agent
        .post(url)
        .content_type("application/json")
        .send(body.to_string())
        .map_err(|e| anyhow::anyhow!("{url}: нет связи / cannot connect: {e}"))?;
    let status = response.status();
    let text = response
        .into_body()
        .read_to_string()
        .map_err(|e| anyhow::anyhow!("{url}: {e}"))?;
    let json: Value = serde_json::from_str(&text)
        .map_err(|_| anyhow::anyhow!("{url}: HTTP {status}, не JSON / not JSON"))?;
    if !status.is_success() {
        bail!(
            "{}\n{} [{}]",
            json["message_ru"].as_str().unwrap_or_default(),
            json["message_en"].as_str().unwrap_or_default(),
            json["code"].as_str().unwrap_or("HTTP")
        );
    }
    Ok(json)
}

pub(crate) fn run(args: &LoginArgs) -> Result<()> {
    let server = args.server.trim_end_matches('/');
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        bail!("--server {server:?}: нужен адрес http(s):// / an http(s):// URL is needed");
    }
    // The key first: a wrong PIN should not cost a challenge.
    let (signer, cert) = open_signer(&KeySource {
        key: args.key.as_deref(),
        token: args.token.as_deref(),
        id: args.id.as_deref(),
        pkcs11: args.pkcs11.as_deref(),
        token_choice: &args.token_choice,
        key_choice: &args.key_choice,
        pin_file: args.pin_file.as_deref(),
        cert: args.cert.as_deref(),
    })?;
    let mut options = SignOptions::cades_bes(true, SystemTime::now());
    if let Some(chain) = &args.chain {
        options.chain = pki::cert::parse_certificates(&crate::files::read_input(chain)?)
            .map_err(|e| user_error(&e).context(format!("{}", chain.display())))?;
    }

    let agent = agent();
    let issued = post(
        &agent,
        &format!("{server}/api/v1/login/esig/challenge"),
        &json!({}),
    )?;
    let (Some(challenge), Some(binding)) =
        (issued["challenge"].as_str(), issued["binding"].as_str())
    else {
        bail!("{server}: ответ без вызова / the answer carries no challenge");
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(challenge) else {
        bail!("{server}: вызов не в base64url / the challenge is not base64url");
    };
    let signature = cms::sign(Content::Bytes(&bytes), signer.as_ref(), &cert, &options)
        .map_err(|e| user_error(&e))?;
    let answer = post(
        &agent,
        &format!("{server}/api/v1/login/esig"),
        &json!({
            "challenge": challenge,
            "binding": binding,
            "signature": STANDARD.encode(&signature),
        }),
    )?;
    let Some(token) = answer["session_token"].as_str() else {
        bail!("{server}: ответ без токена сеанса / the answer carries no session token");
    };
    let token = Zeroizing::new(token.to_owned());
    match (&args.out, args.json) {
        (Some(path), _) => {
            write_output(
                path,
                format!("{}\n", token.as_str()).as_bytes(),
                Access::Secret,
                args.force,
            )?;
            eprintln!(
                "Вход выполнен (учётная запись {}), токен сеанса сохранён в {} / logged in, session token saved",
                answer["account_id"],
                path.display()
            );
            Ok(())
        }
        (None, true) => print(&format!("{answer:#}\n")),
        (None, false) => print(&format!("{}\n", token.as_str())),
    }
}
