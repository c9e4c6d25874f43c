//! `podpis token`: the podpis file container (`token::container`) — keys
//! sealed under a PIN with an SO PIN to unblock it, PKCS#12 import and
//! export (`token::pfx`), import of CryptoPro key containers
//! (`token::cryptopro`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use der::{Decode, Encode};
use gost::SigningKey;
use token::container::{Container, ContainerError, ContainerParams, NewKey, Session};
use token::cryptopro::{KeySpec, read_container_dir};
use token::pfx::{PfxExportOptions, export_pfx, import_pfx};
use x509_cert::Certificate;

use crate::files::{Access, print, read_input, user_error, write_output};
use crate::key::{Algorithm, param_set};
use crate::pin::{self, Source};

/// Environment variable that makes `token init` use the cheap test KDF.
/// For the test suite only: such a container falls to an offline guesser.
pub(crate) const INSECURE_KDF_ENV: &str = "PODPIS_INSECURE_KDF";

/// `podpis token …`
#[derive(Debug, Args)]
#[command(
    about = "Контейнер ключей под PIN-кодом / Key container protected by a PIN",
    long_about = "\
Файловый контейнер podpis: закрытые ключи зашифрованы под PIN-кодом (Argon2id, AES-256-GCM), \
PIN-код блокируется после нескольких неверных попыток и разблокируется PIN-кодом администратора \
(SO PIN). Импорт и экспорт PKCS#12 (PFX), импорт контейнеров КриптоПро CSP.

The podpis file container: private keys sealed under a PIN (Argon2id, AES-256-GCM); the PIN \
locks after a few wrong tries and is unblocked with the SO PIN. PKCS#12 (PFX) import and export; \
import of CryptoPro CSP key containers.

PINs come from --pin-file (first line), else the PODPIS_PIN environment variable, else a prompt \
without echo. PODPIS_PIN is visible to other processes of the same user (/proc) and may land in \
the shell history: prefer a file with mode 0600."
)]
pub(crate) struct TokenArgs {
    #[command(subcommand)]
    command: TokenCommand,
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    Init(InitArgs),
    Import(ImportArgs),
    Gen(GenArgs),
    List(ListArgs),
    Export(ExportArgs),
    ChangePin(ChangePinArgs),
    Unblock(UnblockArgs),
}

#[derive(Debug, Args)]
#[command(
    about = "Создать контейнер / Create a container",
    long_about = "\
Создаёт новый пустой контейнер с PIN-кодом пользователя и PIN-кодом администратора (SO PIN). \
Существующий файл не заменяется.

Creates a new, empty container with a user PIN and an SO PIN (used to unblock the user PIN). \
An existing file is never replaced. The PIN locks after --max-tries consecutive wrong PINs \
(3 to 10); the SO PIN after 10.",
    after_help = "\
Examples / Примеры:
  podpis token init --path keys.pdp --pin-file pin.txt --so-pin-file so.txt
  podpis token init --path keys.pdp --max-tries 5        (PINs asked on the terminal)"
)]
struct InitArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// File with the user PIN (first line) / файл с PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// File with the SO PIN (first line) / файл с PIN-кодом администратора
    #[arg(long, value_name = "FILE")]
    so_pin_file: Option<PathBuf>,
    /// Wrong PINs before the PIN locks, 3–10 / попыток до блокировки
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_tries: u8,
}

#[derive(Debug, Args)]
#[command(
    about = "Импортировать PFX или контейнер КриптоПро / Import a PFX or a CryptoPro container",
    long_about = "\
Импортирует все закрытые ключи файла PKCS#12 (PFX) или папки контейнера КриптоПро вместе с их \
сертификатами и печатает идентификаторы новых ключей, по одному в строке. Читаются PFX по \
Р 50.1.112-2016 (OpenSSL с движком GOST), PBES2 AES и PFX, экспортированные КриптоПро CSP; \
контейнеры КриптоПро CSP и JCP (папка NAME.000 с header.key, masks.key, primary.key) с ключами \
ГОСТ Р 34.10-2001 и 2012 (256 и 512 бит), оба ключа контейнера (обмена и подписи).

Imports every private key of a PKCS#12 (PFX) file (--pfx) or of a CryptoPro key-container \
folder (--cryptopro-dir) with its certificate and prints the new key ids, one per line. Reads \
the GOST PFX of R 50.1.112-2016 (OpenSSL's GOST engine), OpenSSL's PBES2 AES profile and \
CryptoPro CSP's own PFX exports; CryptoPro CSP and JCP containers (a NAME.000 folder with \
header.key, masks.key, primary.key) with GOST R 34.10-2001 and 2012 keys (256 and 512 bits), \
both keys of a container (exchange and signature). The PFX password comes from \
--pfx-password-file, else PODPIS_PFX_PASSWORD, else the terminal; the container password from \
--cryptopro-password-file, else PODPIS_CRYPTOPRO_PASSWORD, else the terminal (empty for a \
container without one). The keys and their certificates are written in one step each; the \
source files are only read.",
    after_help = "\
Examples / Примеры:
  podpis token import --path keys.pdp --pin-file pin.txt --pfx ivanov.pfx --pfx-password-file pfxpass.txt
  podpis token import --path keys.pdp --pfx ivanov.pfx --non-exportable --label ivanov
  podpis token import --path keys.pdp --pin-file pin.txt --cryptopro-dir /media/flash/ivanov.000 --cryptopro-password-file cppass.txt"
)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["pfx", "cryptopro_dir"])))]
struct ImportArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// File with the user PIN (first line) / файл с PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// The PKCS#12 file / файл PFX
    #[arg(long, value_name = "FILE.pfx")]
    pfx: Option<PathBuf>,
    /// File with the PFX password (first line) / файл с паролем PFX
    #[arg(long, value_name = "FILE", conflicts_with = "cryptopro_dir")]
    pfx_password_file: Option<PathBuf>,
    /// CryptoPro key-container folder / папка контейнера КриптоПро
    #[arg(long, value_name = "DIR")]
    cryptopro_dir: Option<PathBuf>,
    /// File with the CryptoPro container password (first line) / файл с паролем контейнера КриптоПро
    #[arg(long, value_name = "FILE", conflicts_with = "pfx")]
    cryptopro_password_file: Option<PathBuf>,
    /// Forbid exporting the keys later / запретить экспорт ключей
    #[arg(long)]
    non_exportable: bool,
    /// Label of the keys (default: the PFX friendlyName or the container name) / метка ключей
    #[arg(long, value_name = "TEXT")]
    label: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    about = "Создать ключ в контейнере / Generate a key in the container",
    long_about = "\
Создаёт закрытый ключ ГОСТ Р 34.10-2012 внутри контейнера и печатает его идентификатор.

Generates a GOST R 34.10-2012 private key inside the container and prints its id. The key \
never leaves the container unencrypted; with --non-exportable it cannot be exported at all.",
    after_help = "\
Examples / Примеры:
  podpis token gen --path keys.pdp --pin-file pin.txt --alg gost2012-256 --paramset A
  podpis token gen --path keys.pdp --alg gost2012-512 --paramset C --non-exportable --label signing

Parameter sets / Наборы параметров:
  gost2012-256: A B C XA XB TCA TCB TCC TCD
  gost2012-512: A B C"
)]
struct GenArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// File with the user PIN (first line) / файл с PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// Key algorithm / алгоритм ключа
    #[arg(long, value_enum, default_value = "gost2012-256")]
    alg: Algorithm,
    /// Parameter set / набор параметров
    #[arg(long, default_value = "A")]
    paramset: String,
    /// Forbid exporting the key / запретить экспорт ключа
    #[arg(long)]
    non_exportable: bool,
    /// Free-form label / метка
    #[arg(long, value_name = "TEXT", default_value = "")]
    label: String,
}

#[derive(Debug, Args)]
#[command(
    about = "Ключи контейнера / List the keys",
    long_about = "\
Показывает ключи контейнера: идентификатор, метку, набор параметров, экспортируемость, владельца \
и срок действия сертификата. PIN-код не нужен.

Lists the container's keys: id, label, parameter set, whether exportable, and the stored \
certificate's subject and notAfter. Needs no PIN. --json prints an array of objects with the keys \
id, label, param_set, exportable, subject and not_after (RFC 3339 or null).

With --pkcs11 MODULE.so lists the tokens of a PKCS#11 module (slot, label, manufacturer, model, \
serial, PIN state) and their public objects: public keys and certificates with CKA_ID, label, key \
type and subject. --json prints an array of tokens, each with an `objects` array.",
    after_help = "\
Examples / Примеры:
  podpis token list --path keys.pdp
  podpis token list --path keys.pdp --json
  podpis token list --pkcs11 /usr/lib/librtpkcs11ecp.so
  PODPIS_TOKEN_PATH=keys.pdp podpis token list --pkcs11 libpodpis_pkcs11.so --json"
)]
struct ListArgs {
    /// Container file / файл контейнера
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "pkcs11",
        conflicts_with = "pkcs11"
    )]
    path: Option<PathBuf>,
    /// A PKCS#11 module: list its tokens / модуль PKCS#11: список токенов
    #[arg(long, value_name = "MODULE.so")]
    pkcs11: Option<PathBuf>,
    #[command(flatten)]
    token_choice: crate::pkcs11::TokenChoice,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Экспортировать ключ в PFX / Export a key as PFX",
    long_about = "\
Выгружает экспортируемый ключ с его сертификатом в файл PKCS#12 по Р 50.1.112-2016 (читается \
OpenSSL с движком GOST). Неэкспортируемые ключи не выгружаются. Файл создаётся с правами 0600.

Exports an exportable key with its stored certificate as a PKCS#12 file per R 50.1.112-2016 \
(PBKDF2-Streebog-512, GOST 28147-89; OpenSSL's GOST engine reads it). Non-exportable keys are \
refused (KEY_NOT_EXPORTABLE); a key without a stored certificate cannot be exported as PFX. The \
file is created with mode 0600.",
    after_help = "\
Example / Пример:
  podpis token export --path keys.pdp --id 0123456789abcdef --pin-file pin.txt --out ivanov.pfx --pfx-password-file pfxpass.txt"
)]
struct ExportArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// Key id (`podpis token list`) / идентификатор ключа
    #[arg(long, value_name = "ID")]
    id: String,
    /// File with the user PIN (first line) / файл с PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// Output PFX file / файл PFX
    #[arg(long, value_name = "FILE.pfx")]
    out: PathBuf,
    /// File with the new PFX password (first line) / файл с паролем PFX
    #[arg(long, value_name = "FILE")]
    pfx_password_file: Option<PathBuf>,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Сменить PIN-код / Change the PIN",
    long_about = "\
Меняет PIN-код пользователя; старый PIN-код проверяется и неверный засчитывается как попытка.

Changes the user PIN; the old PIN is checked, and a wrong one counts as a failed try.",
    after_help = "Example / Пример:\n  podpis token change-pin --path keys.pdp --pin-file old.txt --new-pin-file new.txt"
)]
struct ChangePinArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// File with the current PIN / файл с текущим PIN-кодом
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// File with the new PIN / файл с новым PIN-кодом
    #[arg(long, value_name = "FILE")]
    new_pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    about = "Разблокировать PIN-код / Unblock the PIN",
    long_about = "\
Разблокирует PIN-код пользователя PIN-кодом администратора (SO PIN) и задаёт новый PIN-код. \
После 10 неверных SO PIN подряд контейнер больше нельзя разблокировать.

Unblocks the user PIN with the SO PIN and sets a new user PIN. After 10 consecutive wrong SO \
PINs the container can never be unblocked.",
    after_help = "Example / Пример:\n  podpis token unblock --path keys.pdp --so-pin-file so.txt --new-pin-file new.txt"
)]
struct UnblockArgs {
    /// Container file / файл контейнера
    #[arg(long, value_name = "FILE")]
    path: PathBuf,
    /// File with the SO PIN / файл с PIN-кодом администратора
    #[arg(long, value_name = "FILE")]
    so_pin_file: Option<PathBuf>,
    /// File with the new user PIN / файл с новым PIN-кодом
    #[arg(long, value_name = "FILE")]
    new_pin_file: Option<PathBuf>,
}

pub(crate) fn run(args: &TokenArgs) -> Result<()> {
    match &args.command {
        TokenCommand::Init(a) => init(a),
        TokenCommand::Import(a) => import(a),
        TokenCommand::Gen(a) => generate(a),
        TokenCommand::List(a) => list(a),
        TokenCommand::Export(a) => export(a),
        TokenCommand::ChangePin(a) => change_pin(a),
        TokenCommand::Unblock(a) => unblock(a),
    }
}

/// The user PIN: `--pin-file`, else `PODPIS_PIN`, else the terminal.
pub(crate) fn user_pin(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_PIN",
        prompt: "PIN-код / PIN: ",
        allow_empty: false,
    }
}

fn so_pin(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_SO_PIN",
        prompt: "PIN-код администратора / SO PIN: ",
        allow_empty: false,
    }
}

fn new_pin(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_NEW_PIN",
        prompt: "Новый PIN-код / New PIN: ",
        allow_empty: false,
    }
}

fn pfx_password(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_PFX_PASSWORD",
        prompt: "Пароль PFX / PFX password: ",
        allow_empty: true,
    }
}

fn cryptopro_password(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_CRYPTOPRO_PASSWORD",
        prompt: "Пароль контейнера КриптоПро / CryptoPro container password: ",
        allow_empty: true,
    }
}

/// A container error as the user sees it, naming the file.
pub(crate) fn container_error(path: &Path) -> impl Fn(ContainerError) -> anyhow::Error + '_ {
    move |e| user_error(&e).context(format!("{}", path.display()))
}

/// Opens the container at `path` and logs in with the user PIN.
pub(crate) fn login(path: &Path, pin_file: Option<&Path>) -> Result<Session> {
    let container = Container::open(path).map_err(container_error(path))?;
    let pin = pin::read(user_pin(pin_file))?;
    container.login(&pin).map_err(container_error(path))
}

/// The parameters of a new container: the real KDF, or with
/// PODPIS_INSECURE_KDF=1 (tests only) the cheap one, with a warning.
pub(crate) fn new_container_params() -> ContainerParams {
    if std::env::var_os(INSECURE_KDF_ENV).is_some_and(|v| v == "1") {
        eprintln!(
            "podpis: предупреждение: {INSECURE_KDF_ENV}=1 — дешёвый KDF только для тестов / warning: \
             {INSECURE_KDF_ENV}=1 makes a test-only container that falls to offline guessing; \
             never use it for real keys"
        );
        ContainerParams::insecure_for_tests()
    } else {
        ContainerParams::default()
    }
}

fn init(args: &InitArgs) -> Result<()> {
    let params = new_container_params().with_user_max_tries(args.max_tries);
    let pin = pin::read_new(user_pin(args.pin_file.as_deref()))?;
    let so = pin::read_new(so_pin(args.so_pin_file.as_deref()))?;
    if *pin == *so {
        bail!("PIN-код и SO PIN должны различаться / the PIN and the SO PIN must differ");
    }
    Container::create(&args.path, &pin, &so, params).map_err(container_error(&args.path))?;
    Ok(())
}

/// A key to import with its certificate and default label.
struct Imported {
    key: SigningKey,
    certificate: Option<Certificate>,
    label: String,
}

/// Reads the keys of the PFX or CryptoPro container the arguments name.
fn keys_to_import(args: &ImportArgs) -> Result<Vec<Imported>> {
    if let Some(dir) = &args.cryptopro_dir {
        let password = pin::read(cryptopro_password(args.cryptopro_password_file.as_deref()))?;
        let container = read_container_dir(dir, &password)
            .map_err(|e| user_error(&e).context(format!("{}", dir.display())))?;
        let name = container.name.unwrap_or_default();
        return Ok(container
            .keys
            .into_iter()
            .map(|k| Imported {
                label: match k.spec {
                    KeySpec::Signature => format!("{name} (signature)"),
                    _ => name.clone(),
                },
                key: k.key,
                certificate: k.certificate,
            })
            .collect());
    }
    let Some(path) = &args.pfx else {
        bail!("укажите --pfx или --cryptopro-dir / pass --pfx or --cryptopro-dir");
    };
    let der = zeroize::Zeroizing::new(read_input(path)?);
    let password = pin::read(pfx_password(args.pfx_password_file.as_deref()))?;
    let entries = import_pfx(&der, &password)
        .map_err(|e| user_error(&e).context(format!("{}", path.display())))?;
    Ok(entries
        .into_iter()
        .map(|e| Imported {
            label: e.friendly_name.unwrap_or_default(),
            key: e.key,
            certificate: e.certificate,
        })
        .collect())
}

fn import(args: &ImportArgs) -> Result<()> {
    let container = Container::open(&args.path).map_err(container_error(&args.path))?;
    let keys = keys_to_import(args)?;
    let pin = pin::read(user_pin(args.pin_file.as_deref()))?;
    let session = container.login(&pin).map_err(container_error(&args.path))?;
    let certificates = keys
        .iter()
        .map(|k| k.certificate.as_ref().map(Encode::to_der).transpose())
        .collect::<Result<Vec<_>, _>>()?;
    let new: Vec<NewKey<'_>> = keys
        .iter()
        .zip(&certificates)
        .map(|(k, cert)| NewKey {
            key: &k.key,
            label: args.label.as_deref().unwrap_or(&k.label),
            exportable: !args.non_exportable,
            certificate: cert.as_deref(),
        })
        .collect();
    // One write for all keys: a refused key leaves the container as it was.
    let ids = session
        .import_keys(&new)
        .map_err(container_error(&args.path))?;
    print(&ids.iter().map(|id| format!("{id}\n")).collect::<String>())
}

fn generate(args: &GenArgs) -> Result<()> {
    let params = param_set(args.alg, &args.paramset)?;
    let session = login(&args.path, args.pin_file.as_deref())?;
    let id = session
        .generate_key(params, &args.label, !args.non_exportable)
        .map_err(container_error(&args.path))?;
    print(&format!("{id}\n"))
}

fn list(args: &ListArgs) -> Result<()> {
    let path = match (&args.pkcs11, &args.path) {
        (Some(module), _) => return crate::pkcs11::list(module, &args.token_choice, args.json),
        (None, Some(path)) => path,
        (None, None) => bail!("укажите --path или --pkcs11 / pass --path or --pkcs11"),
    };
    let container = Container::open(path).map_err(container_error(path))?;
    let keys = container.keys().map_err(container_error(path))?;
    if args.json {
        let array: Vec<serde_json::Value> = keys
            .iter()
            .map(|k| {
                serde_json::json!({
                    "id": k.id,
                    "label": k.label,
                    "param_set": k.param_set.label(),
                    "exportable": k.exportable,
                    "subject": k.subject,
                    "not_after": k.not_after.map(crate::time::rfc3339),
                })
            })
            .collect();
        return print(&format!("{}\n", serde_json::to_string_pretty(&array)?));
    }
    let mut text = String::new();
    if keys.is_empty() {
        text.push_str("Ключей нет / No keys\n");
    }
    for k in &keys {
        text.push_str(&format!(
            "{}  {}  {}  {}\n",
            k.id,
            k.param_set.label(),
            if k.exportable {
                "exportable"
            } else {
                "non-exportable"
            },
            if k.label.is_empty() { "-" } else { &k.label },
        ));
        if let Some(subject) = &k.subject {
            text.push_str(&format!("    subject:   {subject}\n"));
        }
        if let Some(t) = k.not_after {
            text.push_str(&format!("    not after: {}\n", crate::time::rfc3339(t)));
        }
    }
    print(&text)
}

fn export(args: &ExportArgs) -> Result<()> {
    let container = Container::open(&args.path).map_err(container_error(&args.path))?;
    // Refuse before asking for any secret when the answer is already known.
    let info = container
        .keys()
        .map_err(container_error(&args.path))?
        .into_iter()
        .find(|k| k.id == args.id)
        .ok_or_else(|| container_error(&args.path)(ContainerError::KeyNotFound(args.id.clone())))?;
    if !info.exportable {
        return Err(container_error(&args.path)(
            ContainerError::KeyNotExportable(args.id.clone()),
        ));
    }
    if !args.force && args.out != Path::new("-") && args.out.exists() {
        bail!(
            "файл {0} уже существует; укажите --force, чтобы заменить его / \
             {0} already exists; pass --force to replace it",
            args.out.display()
        );
    }
    let pin = pin::read(user_pin(args.pin_file.as_deref()))?;
    let session = container.login(&pin).map_err(container_error(&args.path))?;
    let Some(cert_der) = session
        .certificate(&args.id)
        .map_err(container_error(&args.path))?
    else {
        bail!(
            "у ключа {0} нет сертификата, а PFX требует его / key {0} has no stored certificate, \
             which a PFX needs",
            args.id
        );
    };
    let cert = Certificate::from_der(&cert_der).context("stored certificate")?;
    let pkcs8 = session
        .export_key(&args.id)
        .map_err(container_error(&args.path))?;
    let key = SigningKey::from_pkcs8_der(&pkcs8)?;
    let password = pin::read_new(pfx_password(args.pfx_password_file.as_deref()))?;
    let mut options = PfxExportOptions::default();
    options.friendly_name = (!info.label.is_empty()).then(|| info.label.clone());
    let pfx = export_pfx(&key, &cert, &[], &password, &options).map_err(|e| user_error(&e))?;
    write_output(&args.out, &pfx, Access::Secret, args.force)
}

fn change_pin(args: &ChangePinArgs) -> Result<()> {
    let container = Container::open(&args.path).map_err(container_error(&args.path))?;
    let old = pin::read(user_pin(args.pin_file.as_deref()))?;
    let new = pin::read_new(new_pin(args.new_pin_file.as_deref()))?;
    container
        .change_pin(&old, &new)
        .map_err(container_error(&args.path))
}

fn unblock(args: &UnblockArgs) -> Result<()> {
    let container = Container::open(&args.path).map_err(container_error(&args.path))?;
    let so = pin::read(so_pin(args.so_pin_file.as_deref()))?;
    let new = pin::read_new(new_pin(args.new_pin_file.as_deref()))?;
    container
        .unblock(&so, &new)
        .map_err(container_error(&args.path))
}
