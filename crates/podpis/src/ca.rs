//! `podpis ca`: the certification authority for its operators — create it
//! (`init`), take requests (`submit`, `requests`), identify, decide
//! (`approve`, `reject`), issue, renew, revoke, suspend, release, publish
//! a CRL, and report (`status`).
//!
//! State lives in the data directory's SQLite database (`podpis.db`) or in
//! PostgreSQL (`--database-url`); the CA keys in podpis file containers
//! under `keys/`, each behind a PIN (the root's may go offline after
//! `init`). The library (`podpis-ca`) does the work; this file only reads
//! the command line, PINs and files, and prints. `operator add` makes the
//! accounts `podpis serve` checks; with `--server URL` the operator
//! commands call that server's API instead (`ca_remote`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use ca::applicant::ApplicantForm;
use ca::identification::{IdentificationRecord, parse_method};
use ca::revocation::{parse_reason, parse_serial};
use ca::{Ca, CaError, CaSettings, InitParams, Operator, SystemClock};
use clap::{Args, Subcommand};
use pki::Signer;
use pki::identifiers::{Inn, Ogrn};
use store::{CertificateRecord, RequestState, Store};
use token::container::{Container, ContainerParams};
use x509_cert::Certificate;

use crate::ca_remote::Remote;
use crate::files::{Access, print, read_input, user_error, write_output};
use crate::key::{Algorithm, Format, param_set};
use crate::pin::{self, Source};
use crate::token::container_error;

/// `podpis ca …`
#[derive(Debug, Args)]
#[command(
    about = "Удостоверяющий центр / Certification authority",
    long_about = "\
Удостоверяющий центр для операторов: создание (init), приём заявлений (submit, requests), \
идентификация заявителя (identify), решение (approve, reject), выпуск (issue), продление (renew), \
отзыв (revoke), приостановка и возобновление (suspend, release), список отзыва (crl) и сведения \
(status).

Данные УЦ — в каталоге --data (база SQLite podpis.db, ключи в keys/, сертификаты УЦ root.crt и \
issuing.crt) или в PostgreSQL (--database-url). Ключи УЦ хранятся в контейнерах podpis под \
PIN-кодом: выпускающего УЦ — --pin-file или PODPIS_PIN, корневого — --root-pin-file или \
PODPIS_ROOT_PIN.

The certification authority for its operators. State lives under --data (SQLite podpis.db, keys \
in keys/, the CA certificates root.crt and issuing.crt) or in PostgreSQL (--database-url). The CA \
keys live in podpis containers behind PINs: the issuing CA's from --pin-file or PODPIS_PIN, the \
root's from --root-pin-file or PODPIS_ROOT_PIN. Every change is journaled with the operator's \
name (--operator, else $USER).",
    after_help = "\
Example / Пример:
  podpis ca init --data ca --org 'АО «УЦ»' --ogrn 1027700132195 --innle 7707083893 \\
      --crl-url http://ca.example.ru/issuing.crl --ocsp-url http://ca.example.ru/ocsp
  podpis ca submit --data ca --kind person --csr req.pem --surname Иванов --given-name 'Иван Иванович' \\
      --snils 11223344595 --passport-series 4510 --passport-number 123456 --passport-issued 2015-06-01
  podpis ca identify --data ca --request 1 --method personal --document-type 'паспорт РФ' --document-number '4510 123456'
  podpis ca approve --data ca --request 1
  podpis ca issue --data ca --request 1 --out ivanov.crt
  podpis ca revoke --data ca --serial 4A3F… --reason keyCompromise
  podpis ca crl --data ca --out issuing.crl"
)]
pub(crate) struct CaArgs {
    #[command(subcommand)]
    command: CaCommand,
}

#[derive(Debug, Subcommand)]
enum CaCommand {
    Init(InitArgs),
    Submit(SubmitArgs),
    Requests(RequestsArgs),
    Identify(IdentifyArgs),
    Approve(DecisionArgs),
    Reject(RejectArgs),
    Issue(IssueArgs),
    Renew(RenewArgs),
    Revoke(RevokeArgs),
    #[command(
        about = "Приостановить действие сертификата / Suspend a certificate",
        long_about = "\
Приостанавливает действие сертификата (certificateHold): он попадает в следующий CRL и в ответы \
OCSP как отозванный с причиной certificateHold, пока его не возобновят (release) или не отзовут.

Suspends a certificate (certificateHold): the next CRL and OCSP list it as revoked with reason \
certificateHold until it is released or revoked for good.",
        after_help = "Example / Пример:\n  podpis ca suspend --data ca --serial 4A3F01… --operator petrova"
    )]
    Suspend(SerialArgs),
    #[command(
        about = "Возобновить действие сертификата / Release a suspended certificate",
        long_about = "\
Возобновляет действие приостановленного сертификата (removeFromCRL): он снова действует и \
исчезает из следующего CRL. Отозванный сертификат возобновить нельзя.

Releases a suspended certificate (removeFromCRL): it is good again and leaves the next CRL. A \
revoked certificate cannot be released.",
        after_help = "Example / Пример:\n  podpis ca release --data ca --serial 4A3F01… --operator petrova"
    )]
    Release(SerialArgs),
    Crl(CrlArgs),
    Status(StatusArgs),
    #[command(subcommand)]
    Operator(OperatorCommand),
}

/// `podpis ca operator …`
#[derive(Debug, Subcommand)]
#[command(
    about = "Учётные записи операторов / Operator accounts",
    long_about = "\
Учётные записи операторов для REST API и веб-страниц podpis serve: логин, пароль (хранится \
только хеш Argon2id), роль. Повторный add с тем же логином меняет пароль и роль и снимает \
блокировку.

Operator accounts for the REST API and web pages of podpis serve: login, password (only its \
Argon2id hash is stored), role. Adding an existing login again resets its password and role and \
clears a lockout."
)]
enum OperatorCommand {
    Add(OperatorAddArgs),
}

#[derive(Debug, Args)]
#[command(
    about = "Создать или изменить оператора / Create or reset an operator",
    after_help = "Example / Пример:\n  podpis ca operator add --data ca --login petrova --password-file petrova.pass"
)]
struct OperatorAddArgs {
    #[command(flatten)]
    place: Place,
    /// The operator's login (recorded in the journal) / логин оператора
    #[arg(long, value_name = "LOGIN")]
    login: String,
    /// operator or admin / роль
    #[arg(long, default_value = "operator")]
    role: String,
    /// Create the account disabled (or disable an existing one) / отключить учётную запись
    #[arg(long)]
    disabled: bool,
}

/// Where the CA's state is: every subcommand takes these.
#[derive(Debug, Args)]
struct Place {
    /// The CA's data directory / каталог данных УЦ
    #[arg(long, value_name = "DIR", default_value = "data")]
    data: PathBuf,
    /// PostgreSQL instead of SQLite, e.g. postgres://podpis@db/podpis / адрес PostgreSQL
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// A running `podpis serve` to call instead (requests, identify, approve, reject, issue, revoke) / адрес сервера УЦ
    #[arg(long, value_name = "URL", conflicts_with = "database_url")]
    server: Option<String>,
    /// The operator's password file: with --server, to log in; for `operator add`, the new password (else PODPIS_OPERATOR_PASSWORD or a prompt) / файл с паролем оператора
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl Place {
    /// The server to call, logged in as `who`, when `--server` is given.
    fn remote(&self, who: &Who) -> Result<Option<Remote>> {
        self.server
            .as_deref()
            .map(|s| Remote::new(s, &who.name(), self.password_file.as_deref()))
            .transpose()
    }
}

/// Who acts (journaled).
#[derive(Debug, Args)]
struct Who {
    /// Operator's name for the journal (default: $USER) / имя оператора
    #[arg(long, value_name = "NAME")]
    operator: Option<String>,
}

impl Who {
    fn name(&self) -> String {
        self.operator
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_default()
    }
}

/// The issuing CA's key.
#[derive(Debug, Args)]
struct IssuingPin {
    /// File with the issuing CA container's PIN / файл с PIN-кодом ключа УЦ
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    about = "Создать УЦ / Create the CA",
    long_about = "\
Создаёт корневой и выпускающий УЦ: ключи ГОСТ Р 34.10-2012 в контейнерах keys/root.pdp и \
keys/issuing.pdp, самоподписанный корневой сертификат и сертификат выпускающего УЦ, подписанный \
корневым. В сертификатах — ОГРН и ИНН ЮЛ оператора, issuerSignTool, subjectSignTool, классы \
средств ЭП (КС1, КС2). Настройки выпуска (адреса CRL, OCSP, срок действия) сохраняются в базе. \
Сертификаты УЦ записываются в root.crt и issuing.crt.

Creates the root and the issuing CA: GOST R 34.10-2012 keys in the containers keys/root.pdp and \
keys/issuing.pdp, a self-signed root certificate and the issuing CA certificate signed by it, \
both with the operator's OGRN and INNLE, issuerSignTool, subjectSignTool and the signature-tool \
classes (KC1, KC2). The issuance settings (CRL and OCSP URLs, periods) are stored in the \
database. The CA certificates are written to root.crt and issuing.crt (PEM). See \
docs/operations.md for the key ceremony.",
    after_help = "\
Example / Пример:
  podpis ca init --data ca --alg gost2012-512 --org 'АО «УЦ»' --ogrn 1027700132195 --innle 7707083893 \\
      --locality 'г. Москва' --crl-url http://ca.example.ru/issuing.crl --ocsp-url http://ca.example.ru/ocsp \\
      --pin-file issuing.pin --root-pin-file root.pin --so-pin-file so.pin"
)]
struct InitArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Key algorithm of both CAs / алгоритм ключей
    #[arg(long, value_enum, default_value = "gost2012-256")]
    alg: Algorithm,
    /// Parameter set / набор параметров
    #[arg(long, default_value = "A")]
    paramset: String,
    /// The operator's organisation (O) / наименование оператора УЦ
    #[arg(long = "org", value_name = "NAME")]
    organisation: String,
    /// The operator's OGRN / ОГРН оператора
    #[arg(long)]
    ogrn: String,
    /// The operator's INN (10 digits) / ИНН ЮЛ оператора
    #[arg(long)]
    innle: String,
    /// Locality (L) / населённый пункт
    #[arg(long)]
    locality: Option<String>,
    /// Street address (STREET) / адрес
    #[arg(long)]
    street: Option<String>,
    /// E-mail (E) / адрес электронной почты
    #[arg(long)]
    email: Option<String>,
    /// The root's CN / CN корневого УЦ
    #[arg(long, value_name = "CN")]
    root_cn: Option<String>,
    /// The issuing CA's CN / CN выпускающего УЦ
    #[arg(long, value_name = "CN")]
    issuing_cn: Option<String>,
    /// Root validity, years / срок корневого сертификата, лет
    #[arg(long, default_value_t = 15)]
    root_years: u32,
    /// Issuing CA validity, years / срок сертификата выпускающего УЦ, лет
    #[arg(long, default_value_t = 10)]
    issuing_years: u32,
    /// CDP written into issued certificates (repeatable) / адрес CRL
    #[arg(long, value_name = "URL")]
    crl_url: Vec<String>,
    /// OCSP URL written into issued certificates / адрес OCSP
    #[arg(long, value_name = "URL")]
    ocsp_url: Vec<String>,
    /// caIssuers URL of the issuing CA certificate / адрес сертификата УЦ
    #[arg(long, value_name = "URL")]
    ca_issuers_url: Vec<String>,
    /// The root's CRL URL, written into the issuing CA certificate / адрес CRL корневого УЦ
    #[arg(long, value_name = "URL")]
    root_crl_url: Vec<String>,
    /// The root certificate's URL (caIssuers of the issuing CA) / адрес корневого сертификата
    #[arg(long, value_name = "URL")]
    root_issuers_url: Vec<String>,
    /// Validity of issued certificates, months / срок действия сертификатов, мес.
    #[arg(long, default_value_t = 15)]
    months: u32,
    /// Private-key usage period of issued certificates, months / срок действия ключа, мес.
    #[arg(long, default_value_t = 15)]
    key_usage_months: u32,
    /// Hours until a CRL's nextUpdate / часов до следующего CRL
    #[arg(long, default_value_t = 24)]
    crl_hours: u32,
    /// issuerSignTool: the CA's crypto tool / СКЗИ УЦ
    #[arg(long, value_name = "TEXT")]
    sign_tool: Option<String>,
    /// issuerSignTool: the CA software / средство УЦ
    #[arg(long, value_name = "TEXT")]
    ca_tool: Option<String>,
    /// issuerSignTool: the crypto tool's conformity certificate / сертификат соответствия СКЗИ
    #[arg(long, value_name = "TEXT")]
    sign_tool_cert: Option<String>,
    /// issuerSignTool: the CA software's conformity certificate / сертификат соответствия средства УЦ
    #[arg(long, value_name = "TEXT")]
    ca_tool_cert: Option<String>,
    /// File with the new issuing-key PIN / файл с PIN-кодом ключа выпускающего УЦ
    #[arg(long, value_name = "FILE")]
    pin_file: Option<PathBuf>,
    /// File with the new root-key PIN / файл с PIN-кодом корневого ключа
    #[arg(long, value_name = "FILE")]
    root_pin_file: Option<PathBuf>,
    /// File with the containers' SO PIN / файл с PIN-кодом администратора
    #[arg(long, value_name = "FILE")]
    so_pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    about = "Принять заявление / Submit a certificate request",
    long_about = "\
Принимает заявление на квалифицированный сертификат: запрос PKCS#10 (доказательство владения \
ключом) и данные заявителя по виду (--kind): person — ФИО, СНИЛС, ИНН (необязательно), паспорт; \
sole-proprietor — то же и ОГРНИП; organisation — наименование, ОГРН, ИНН ЮЛ, ФИО и должность \
подписанта. Проверяются контрольные числа, подпись запроса, набор параметров ключа и повторы. \
Отклонённое заявление сохраняется с кодом ошибки. Печатает номер заявки.

Submits a request for a qualified certificate: a PKCS#10 CSR (proof of possession) and the \
applicant's data by --kind: person — name, SNILS, optional INN, passport; sole-proprietor — the \
same and OGRNIP; organisation — name, OGRN, INNLE, the signatory's name and position. Control \
digits, the CSR's signature, the key's parameter set and duplicates are checked; a refused \
submission is recorded with its error code (exit status 1). Prints the request number. The \
subject of the certificate is built from these data, not from the CSR. --applicant FILE reads the \
data as JSON (the fields of the options, with underscores) instead.",
    after_help = "\
Examples / Примеры:
  podpis ca submit --data ca --kind person --csr req.pem --surname Иванов --given-name 'Иван Иванович' \\
      --snils '112-233-445 95' --passport-series 4510 --passport-number 123456 --passport-issued 2015-06-01
  podpis ca submit --data ca --kind organisation --csr req.pem --org 'ООО «Ромашка»' --ogrn 1027700132195 \\
      --innle 7707083893 --surname Петров --given-name 'Пётр Петрович' --position 'Генеральный директор'"
)]
struct SubmitArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// person, sole-proprietor or organisation / вид заявителя
    #[arg(long, default_value = "person")]
    kind: String,
    /// The CSR, PEM or DER / запрос на сертификат
    #[arg(long, value_name = "FILE")]
    csr: PathBuf,
    /// The applicant's data as JSON / данные заявителя в JSON
    #[arg(long, value_name = "FILE", conflicts_with_all = ["surname", "snils", "organisation"])]
    applicant: Option<PathBuf>,
    /// Surname / фамилия
    #[arg(long)]
    surname: Option<String>,
    /// Given name and patronymic / имя и отчество
    #[arg(long)]
    given_name: Option<String>,
    /// SNILS / СНИЛС
    #[arg(long)]
    snils: Option<String>,
    /// A person's INN, 12 digits / ИНН физического лица
    #[arg(long)]
    inn: Option<String>,
    /// Passport series, 4 digits / серия паспорта
    #[arg(long)]
    passport_series: Option<String>,
    /// Passport number, 6 digits / номер паспорта
    #[arg(long)]
    passport_number: Option<String>,
    /// Passport date of issue, YYYY-MM-DD / дата выдачи паспорта
    #[arg(long)]
    passport_issued: Option<String>,
    /// OGRNIP / ОГРНИП
    #[arg(long)]
    ogrnip: Option<String>,
    /// The organisation's name / наименование организации
    #[arg(long = "org")]
    organisation: Option<String>,
    /// OGRN / ОГРН
    #[arg(long)]
    ogrn: Option<String>,
    /// The organisation's INN, 10 digits / ИНН ЮЛ
    #[arg(long)]
    innle: Option<String>,
    /// The signatory's position / должность
    #[arg(long)]
    position: Option<String>,
    /// E-mail / адрес электронной почты
    #[arg(long)]
    email: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    about = "Список заявок / List requests",
    long_about = "\
Показывает заявки (по умолчанию все) с состоянием: submitted, identified, approved, rejected, \
issued; у отклонённых — код ошибки или причина отказа.

Lists requests (all unless --state) with their state; rejected ones with the error code or the \
reason. --json prints an array of objects (id, kind, state, identity_key, error_code, \
rejection_reason, renewal_of, created_at, updated_at, applicant).",
    after_help = "Examples / Примеры:\n  podpis ca requests --data ca --state submitted\n  podpis ca requests --data ca --json"
)]
struct RequestsArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Only requests in this state / только в этом состоянии
    #[arg(long)]
    state: Option<String>,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Записать идентификацию заявителя / Record the applicant's identification",
    long_about = "\
Записывает, как оператор установил личность заявителя: способ (personal — при личном присутствии, \
remote-cert — по квалифицированной ЭП, remote-passport — по биометрическому загранпаспорту, \
remote-system — через ЕСИА и ЕБС), вид и номер документа. Способ становится расширением \
IdentificationKind сертификата.

Records how the operator identified the applicant: the method (personal, remote-cert, \
remote-passport, remote-system — the certificate's IdentificationKind 0–3), the document's type \
and number; the operator and the time are journaled.",
    after_help = "Example / Пример:\n  podpis ca identify --data ca --request 1 --method personal --document-type 'паспорт РФ' --document-number '4510 123456'"
)]
struct IdentifyArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Request number / номер заявки
    #[arg(long, value_name = "N")]
    request: i64,
    /// personal, remote-cert, remote-passport or remote-system / способ идентификации
    #[arg(long, default_value = "personal")]
    method: String,
    /// Document type / вид документа
    #[arg(long, value_name = "TEXT")]
    document_type: String,
    /// Document series and number / серия и номер документа
    #[arg(long, value_name = "TEXT")]
    document_number: String,
}

#[derive(Debug, Args)]
#[command(
    about = "Одобрить заявку / Approve a request",
    long_about = "Одобряет заявку после идентификации заявителя.\n\nApproves an identified request.",
    after_help = "Example / Пример:\n  podpis ca approve --data ca --request 1"
)]
struct DecisionArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Request number / номер заявки
    #[arg(long, value_name = "N")]
    request: i64,
}

#[derive(Debug, Args)]
#[command(
    about = "Отказать в выдаче / Reject a request",
    long_about = "\
Отклоняет заявку (ещё не исполненную) с указанием причины; причина сохраняется.

Rejects a request not yet issued; the reason is kept with the request.",
    after_help = "Example / Пример:\n  podpis ca reject --data ca --request 1 --reason 'паспорт недействителен'"
)]
struct RejectArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Request number / номер заявки
    #[arg(long, value_name = "N")]
    request: i64,
    /// The reason, kept / причина отказа
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

#[derive(Debug, Args)]
#[command(
    about = "Выпустить сертификат / Issue the certificate",
    long_about = "\
Выпускает квалифицированный сертификат по одобренной заявке: ключ из запроса, имя из данных \
заявителя, срок действия ключа 15 месяцев, случайный серийный номер, уникальность которого \
гарантирует база данных. Печатает серийный номер; с --out записывает сертификат.

Issues the qualified certificate of an approved request: the CSR's key, the subject from the \
applicant's data, the private-key usage period (15 months by default), a random serial the \
database keeps unique; certificate, request state and journal entry in one transaction. Prints \
the serial number; --out writes the certificate.",
    after_help = "Example / Пример:\n  podpis ca issue --data ca --request 1 --pin-file issuing.pin --out ivanov.crt"
)]
struct IssueArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    #[command(flatten)]
    pin: IssuingPin,
    /// Request number / номер заявки
    #[arg(long, value_name = "N")]
    request: i64,
    #[command(flatten)]
    out: CertOut,
}

/// Where an issued certificate goes.
#[derive(Debug, Args)]
struct CertOut {
    /// Write the certificate here (`-` for standard output) / файл для сертификата
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Output encoding / формат файла
    #[arg(long, value_enum, default_value = "pem")]
    outform: Format,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Продлить сертификат по подписанному запросу / Renew on a signed request",
    long_about = "\
Выпускает новый сертификат без новой идентификации: новый запрос PKCS#10, подписанный \
действующим ключом владельца (CMS SignedData с вложенным запросом, например `openssl cms -sign \
-nodetach` или `podpis sign`). Сертификат владельца должен быть действующим; ключ — новым.

Issues a new certificate without a new identification: a new PKCS#10 request signed with the \
holder's current key (CMS SignedData with the request attached, e.g. `openssl cms -sign \
-nodetach -binary` or `podpis sign`). The holder's certificate must be good and valid, its key \
within its usage period; the new key must differ. IdentificationKind is 1 (by qualified \
e-signature).",
    after_help = "Example / Пример:\n  podpis ca renew --data ca --signed renew.p7s --out ivanov-2027.crt"
)]
struct RenewArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    pin: IssuingPin,
    /// The signed re-key request (CMS, DER or PEM) / подписанный запрос
    #[arg(long, value_name = "FILE")]
    signed: PathBuf,
    #[command(flatten)]
    out: CertOut,
}

#[derive(Debug, Args)]
#[command(
    about = "Отозвать сертификат / Revoke a certificate",
    long_about = "\
Отзывает сертификат с причиной по RFC 5280 (unspecified, keyCompromise, affiliationChanged, \
superseded, cessationOfOperation, privilegeWithdrawn, cACompromise, aACompromise) — решением \
оператора (--serial, --reason) или по заявлению владельца (--signed: JSON \
{\"type\":\"podpis-revocation-request\",\"serial\":…,\"reason\":…}, подписанный CMS с вложенным \
содержимым). Владелец подписывает своим действующим ключом; при компрометации ключа заявление с \
причиной keyCompromise может подписать любой, у кого есть этот ключ. Попытка без права \
отклоняется (CA_REVOCATION_NOT_ENTITLED) и записывается в журнал.

Revokes a certificate with an RFC 5280 reason, on the operator's decision (--serial, --reason) \
or on the holder's request (--signed: the JSON document above in a CMS SignedData with the \
content attached). The holder signs with a valid key of theirs; on key compromise anyone holding \
the key may sign a request with reason keyCompromise. A request by someone not entitled is \
refused (CA_REVOCATION_NOT_ENTITLED) and journaled. A revocation request with reason \
certificateHold suspends.",
    after_help = "\
Examples / Примеры:
  podpis ca revoke --data ca --serial 4A3F01… --reason keyCompromise --operator petrova
  podpis ca revoke --data ca --signed revoke.p7s"
)]
struct RevokeArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Serial number, hex / серийный номер
    #[arg(
        long,
        value_name = "HEX",
        required_unless_present = "signed",
        requires = "reason"
    )]
    serial: Option<String>,
    /// RFC 5280 reason / причина
    #[arg(long, value_name = "REASON")]
    reason: Option<String>,
    /// The holder's signed revocation request / подписанное заявление
    #[arg(long, value_name = "FILE", conflicts_with_all = ["serial", "reason"])]
    signed: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SerialArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    who: Who,
    /// Serial number, hex / серийный номер
    #[arg(long, value_name = "HEX")]
    serial: String,
}

#[derive(Debug, Args)]
#[command(
    about = "Выпустить список отзыва / Issue a CRL",
    long_about = "\
Выпускает список отзыва выпускающего УЦ на текущий момент: все отозванные сертификаты с \
причинами и приостановленные (certificateHold), очередной номер CRL, nextUpdate через заданное \
при init число часов. С --root — CRL корневого УЦ (ключ корневого УЦ).

Issues the issuing CA's CRL as of now: every revoked certificate with its reason and every \
suspended one (certificateHold), the next cRLNumber, nextUpdate after the hours set at init. \
With --root, the root's CRL (signed with the root key).",
    after_help = "Example / Пример:\n  podpis ca crl --data ca --pin-file issuing.pin --out issuing.crl"
)]
struct CrlArgs {
    #[command(flatten)]
    place: Place,
    #[command(flatten)]
    pin: IssuingPin,
    /// The root's CRL instead / CRL корневого УЦ
    #[arg(long)]
    root: bool,
    /// File with the root-key PIN / файл с PIN-кодом корневого ключа
    #[arg(long, value_name = "FILE", requires = "root")]
    root_pin_file: Option<PathBuf>,
    /// Output file, `-` for standard output / файл для CRL
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Output encoding / формат файла
    #[arg(long, value_enum, default_value = "der")]
    outform: Format,
    /// Replace an existing output file / заменить существующий файл
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(
    about = "Сведения об УЦ или сертификате / CA or certificate status",
    long_about = "\
Без --serial: сведения об УЦ — корневой и выпускающий сертификаты, число заявок по состояниям и \
сертификатов по статусам. С --serial: статус сертификата (good, revoked, hold), дата и причина \
отзыва.

Without --serial: the CA — root and issuing certificates, requests by state, certificates by \
status. With --serial: the certificate's status (good, revoked, hold) with the revocation time \
and reason; exit status 0 good, 2 revoked or suspended.",
    after_help = "Examples / Примеры:\n  podpis ca status --data ca\n  podpis ca status --data ca --serial 4A3F01… --json"
)]
struct StatusArgs {
    #[command(flatten)]
    place: Place,
    /// Serial number, hex / серийный номер
    #[arg(long, value_name = "HEX")]
    serial: Option<String>,
    /// Print JSON / вывод в JSON
    #[arg(long)]
    json: bool,
}

/// The database file in a data directory.
pub(crate) const DB_FILE: &str = "podpis.db";
/// The containers, relative to the data directory.
const ROOT_CONTAINER: &str = "keys/root.pdp";
const ISSUING_CONTAINER: &str = "keys/issuing.pdp";

pub(crate) fn run(args: &CaArgs) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(dispatch(args))
}

async fn dispatch(args: &CaArgs) -> Result<u8> {
    match &args.command {
        CaCommand::Init(a) => init(a).await.map(|()| 0),
        CaCommand::Submit(a) => submit(a).await.map(|()| 0),
        CaCommand::Requests(a) => requests(a).await.map(|()| 0),
        CaCommand::Identify(a) => identify(a).await.map(|()| 0),
        CaCommand::Approve(a) => approve(a).await.map(|()| 0),
        CaCommand::Reject(a) => reject(a).await.map(|()| 0),
        CaCommand::Issue(a) => issue(a).await.map(|()| 0),
        CaCommand::Renew(a) => renew(a).await.map(|()| 0),
        CaCommand::Revoke(a) => revoke(a).await.map(|()| 0),
        CaCommand::Suspend(a) => suspend(a, true).await.map(|()| 0),
        CaCommand::Release(a) => suspend(a, false).await.map(|()| 0),
        CaCommand::Crl(a) => crl(a).await.map(|()| 0),
        CaCommand::Status(a) => status(a).await,
        CaCommand::Operator(OperatorCommand::Add(a)) => operator_add(a).await.map(|()| 0),
    }
}

fn ca_error(e: CaError) -> anyhow::Error {
    user_error(&e)
}

/// Opens the store: PostgreSQL by URL, else SQLite in the data directory
/// (which must hold a CA unless `create`).
async fn open_store(place: &Place, create: bool) -> Result<Store> {
    if place.server.is_some() {
        bail!(
            "--server работает только с requests, identify, approve, reject, issue и revoke / \
             --server works only with requests, identify, approve, reject, issue and revoke"
        );
    }
    let url = match &place.database_url {
        Some(url) => url.clone(),
        None => {
            let file = place.data.join(DB_FILE);
            if !create && !file.exists() {
                return Err(
                    ca_error(CaError::NotInitialised).context(format!("{}", place.data.display()))
                );
            }
            Store::sqlite_url(&file)
        }
    };
    Store::open(&url).await.map_err(|e| user_error(&e))
}

async fn open_ca(place: &Place) -> Result<Ca> {
    open_ca_on(place, Arc::new(SystemClock)).await
}

async fn open_ca_on(place: &Place, clock: Arc<dyn ca::Clock>) -> Result<Ca> {
    let store = open_store(place, false).await?;
    Ca::open(store, clock).await.map_err(ca_error)
}

/// Opens the CA with its issuing key (the PIN is asked for).
async fn open_ca_with_key(place: &Place, pin: &IssuingPin) -> Result<Ca> {
    open_ca_with_key_on(place, pin.pin_file.as_deref(), Arc::new(SystemClock)).await
}

async fn open_ca_with_key_on(
    place: &Place,
    pin_file: Option<&Path>,
    clock: Arc<dyn ca::Clock>,
) -> Result<Ca> {
    let ca = open_ca_on(place, clock).await?;
    let key_ref = ca.issuing().record.key_ref.clone();
    let signer = signer(&place.data, &key_ref, issuing_pin(pin_file))?;
    ca.with_signer(signer).map_err(ca_error)
}

/// The CA in `data` (SQLite) with its issuing key, the PIN in
/// `pin_file`, its time from `clock` (`podpis demo` issues with it,
/// some certificates back-dated).
pub(crate) async fn open_in(data: &Path, pin_file: &Path, clock: Arc<dyn ca::Clock>) -> Result<Ca> {
    let place = Place {
        data: data.to_path_buf(),
        database_url: None,
        server: None,
        password_file: None,
    };
    open_ca_with_key_on(&place, Some(pin_file), clock).await
}

/// What `podpis serve` opens: the CA in `data` (or at `database_url`)
/// with its issuing key, and its OCSP responder's and TSA's keys from the
/// same container (the TSA's only `with_tsa`); the PIN from `pin_file`, else PODPIS_PIN, else the
/// terminal, asked once.
pub(crate) async fn open_for_server(
    data: &Path,
    database_url: Option<&str>,
    pin_file: Option<&Path>,
    with_tsa: bool,
) -> Result<ServerKeys> {
    let place = Place {
        data: data.to_path_buf(),
        database_url: database_url.map(str::to_owned),
        server: None,
        password_file: None,
    };
    let ca = open_ca(&place).await?;
    let key_ref = ca.issuing().record.key_ref.clone();
    let (path, id) = container_ref(&key_ref)?;
    let path = data.join(path);
    let container = Container::open(&path).map_err(container_error(&path))?;
    let pin = pin::read(issuing_pin(pin_file))?;
    let session = container.login(&pin).map_err(container_error(&path))?;
    let issuing: Arc<dyn Signer> = Arc::new(session.signer(id).map_err(container_error(&path))?);
    let param_set = issuing.param_set();
    // The OCSP responder's and the TSA's keys live next to the issuing
    // key, in its container, under its PIN; made (non-exportable) on the
    // first start. The CA certifies them itself (`publication_for`).
    let service = |label: &str| -> Result<Arc<dyn Signer>> {
        let keys = container.keys().map_err(container_error(&path))?;
        let id = match keys.iter().find(|k| k.label == label) {
            Some(k) => k.id.clone(),
            None => session
                .generate_key(param_set, label, false)
                .map_err(container_error(&path))?,
        };
        Ok(Arc::new(
            session.signer(&id).map_err(container_error(&path))?,
        ))
    };
    let ocsp = service(OCSP_KEY_LABEL)?;
    let tsa = with_tsa.then(|| service(TSA_KEY_LABEL)).transpose()?;
    Ok(ServerKeys {
        ca: ca.with_signer(issuing).map_err(ca_error)?,
        ocsp,
        tsa,
    })
}

/// The label of the OCSP responder's key in the issuing CA's container.
pub(crate) const OCSP_KEY_LABEL: &str = "ocsp-responder";
/// The label of the time-stamp authority's key in the issuing CA's container.
pub(crate) const TSA_KEY_LABEL: &str = "time-stamping";

/// What `podpis serve` opens: the CA with its issuing key, and the keys of
/// its OCSP responder and TSA.
pub(crate) struct ServerKeys {
    pub(crate) ca: Ca,
    pub(crate) ocsp: Arc<dyn Signer>,
    /// Only when the TSA runs (`with_tsa`).
    pub(crate) tsa: Option<Arc<dyn Signer>>,
}

async fn operator_add(args: &OperatorAddArgs) -> Result<()> {
    let store = open_store(&args.place, false).await?;
    let password = pin::read_new(Source {
        file: args.place.password_file.as_deref(),
        env: "PODPIS_OPERATOR_PASSWORD",
        prompt: "Пароль оператора / operator password: ",
        allow_empty: false,
    })?;
    let account = ca::api::put_operator(
        &store,
        &args.login,
        &password,
        &args.role,
        args.disabled,
        std::time::SystemTime::now(),
    )
    .await
    .map_err(ca_error)?;
    print(&format!(
        "Оператор {0} ({1}) записан / operator {0} ({1}) saved{2}\n",
        account.login,
        account.role,
        if account.disabled {
            " — отключён / disabled"
        } else {
            ""
        }
    ))
}

fn issuing_pin(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_PIN",
        prompt: "PIN-код ключа УЦ / CA key PIN: ",
        allow_empty: false,
    }
}

fn root_pin(file: Option<&Path>) -> Source<'_> {
    Source {
        file,
        env: "PODPIS_ROOT_PIN",
        prompt: "PIN-код корневого ключа / root key PIN: ",
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

/// The key a `key_ref` names: `container:<path relative to the data
/// directory>#<key id>`. (A PKCS#11 scheme plugs in here.)
fn signer(data: &Path, key_ref: &str, pin: Source<'_>) -> Result<Arc<dyn Signer>> {
    let (path, id) = container_ref(key_ref)?;
    let path = data.join(path);
    let container = Container::open(&path).map_err(container_error(&path))?;
    let pin = pin::read(pin)?;
    let session = container.login(&pin).map_err(container_error(&path))?;
    let signer = session.signer(id).map_err(container_error(&path))?;
    Ok(Arc::new(signer))
}

/// The container path (relative to the data directory) and key id of a
/// `container:<path>#<id>` key reference.
fn container_ref(key_ref: &str) -> Result<(&str, &str)> {
    key_ref
        .strip_prefix("container:")
        .and_then(|r| r.rsplit_once('#'))
        .with_context(|| {
            format!(
                "ключ УЦ «{key_ref}» хранится не в контейнере podpis; эта сборка такие ключи не \
                 открывает / the CA key {key_ref:?} is not in a podpis container; this build \
                 cannot open it"
            )
        })
}

/// A new container at `data/rel` with one new key; returns its key_ref.
fn new_key(
    data: &Path,
    rel: &str,
    params: ContainerParams,
    pin: &str,
    so: &str,
    param_set: gost::ParamSet,
    label: &str,
) -> Result<(String, Arc<dyn Signer>)> {
    let path = data.join(rel);
    let container = Container::create(&path, pin, so, params).map_err(container_error(&path))?;
    let session = container.login(pin).map_err(container_error(&path))?;
    let id = session
        .generate_key(param_set, label, false)
        .map_err(container_error(&path))?;
    let signer = session.signer(&id).map_err(container_error(&path))?;
    Ok((format!("container:{rel}#{id}"), Arc::new(signer)))
}

async fn init(args: &InitArgs) -> Result<()> {
    let param_set = param_set(args.alg, &args.paramset)?;
    let operator = Operator {
        organisation: args.organisation.clone(),
        ogrn: Ogrn::parse(&args.ogrn).map_err(|e| user_error(&e))?,
        innle: Inn::parse_legal_entity(&args.innle).map_err(|e| user_error(&e))?,
        locality: args.locality.clone(),
        street: args.street.clone(),
        email: args.email.clone(),
    };
    let data = &args.place.data;
    if data.join(ROOT_CONTAINER).exists() || data.join(ISSUING_CONTAINER).exists() {
        return Err(ca_error(CaError::AlreadyInitialised)
            .context(format!("{}", data.join("keys").display())));
    }
    if args.place.database_url.is_none() {
        std::fs::create_dir_all(data)
            .with_context(|| format!("cannot create {}", data.display()))?;
    }
    let store = open_store(&args.place, true).await?;
    if store
        .authority(store::CaRole::Root)
        .await
        .map_err(|e| user_error(&e))?
        .is_some()
    {
        return Err(ca_error(CaError::AlreadyInitialised));
    }

    let kdf = crate::token::new_container_params();
    let issuing_pin = pin::read_new(issuing_pin(args.pin_file.as_deref()))?;
    let root_pin = pin::read_new(root_pin(args.root_pin_file.as_deref()))?;
    let so = pin::read_new(so_pin(args.so_pin_file.as_deref()))?;

    let mut settings = CaSettings {
        crl_urls: args.crl_url.clone(),
        ocsp_urls: args.ocsp_url.clone(),
        ca_issuers_urls: args.ca_issuers_url.clone(),
        certificate_months: args.months,
        key_usage_months: args.key_usage_months,
        crl_next_update_hours: args.crl_hours,
        ..CaSettings::new()
    };
    for (value, slot) in [
        (&args.sign_tool, &mut settings.sign_tool),
        (&args.ca_tool, &mut settings.ca_tool),
        (&args.sign_tool_cert, &mut settings.sign_tool_cert),
        (&args.ca_tool_cert, &mut settings.ca_tool_cert),
    ] {
        if let Some(v) = value {
            slot.clone_from(v);
        }
    }
    let mut params = InitParams::new(operator, "", "");
    params.root_common_name = args.root_cn.clone();
    params.issuing_common_name = args.issuing_cn.clone();
    params.root_years = args.root_years;
    params.issuing_years = args.issuing_years;
    params.root_crl_urls = args.root_crl_url.clone();
    params.root_issuers_urls = args.root_issuers_url.clone();
    params.settings = settings;
    let pins = CaPins {
        issuing: &issuing_pin,
        root: &root_pin,
        so: &so,
    };
    let (root, issuing) = create(
        &store,
        data,
        params,
        (param_set, kdf),
        &pins,
        std::time::SystemTime::now(),
        &args.who.name(),
    )
    .await?;
    print(&format!(
        "УЦ создан / CA created\n  корневой / root:     {}\n  выпускающий / issuing: {}\n  \
         сертификаты / certificates: {}, {}\n",
        root.subject,
        issuing.subject,
        data.join("root.crt").display(),
        data.join("issuing.crt").display()
    ))
}

/// The PINs of a new CA's containers (they must differ from the SO PIN).
pub(crate) struct CaPins<'a> {
    pub(crate) issuing: &'a str,
    pub(crate) root: &'a str,
    pub(crate) so: &'a str,
}

/// Makes a CA in `data` and records it in `store`, dated `at`: new keys
/// (`param_set`) in the containers keys/root.pdp and keys/issuing.pdp
/// (`kdf`, the `pins`), `ca::init` with `params` (their key references are
/// set here), and the certificates in root.crt and issuing.crt. On failure
/// the new containers are removed. `podpis ca init` and `podpis demo`.
pub(crate) async fn create(
    store: &Store,
    data: &Path,
    mut params: InitParams,
    (param_set, kdf): (gost::ParamSet, ContainerParams),
    pins: &CaPins<'_>,
    at: std::time::SystemTime,
    actor: &str,
) -> Result<(store::CaRecord, store::CaRecord)> {
    if pins.so == pins.issuing || pins.so == pins.root {
        bail!("PIN-коды и SO PIN должны различаться / the PINs and the SO PIN must differ");
    }
    std::fs::create_dir_all(data.join("keys"))
        .with_context(|| format!("cannot create {}", data.join("keys").display()))?;
    let (root_ref, root_key) = new_key(
        data,
        ROOT_CONTAINER,
        kdf,
        pins.root,
        pins.so,
        param_set,
        "root CA",
    )?;
    let (issuing_ref, issuing_key) = new_key(
        data,
        ISSUING_CONTAINER,
        kdf,
        pins.issuing,
        pins.so,
        param_set,
        "issuing CA",
    )?;
    params.root_key_ref = root_ref;
    params.issuing_key_ref = issuing_ref;
    let result = ca::init(
        store,
        &params,
        root_key.as_ref(),
        issuing_key.as_ref(),
        at,
        actor,
    )
    .await;
    let (root, issuing) = match result {
        Ok(r) => r,
        Err(e) => {
            // Nothing was recorded: the new containers are of no use.
            let _ = std::fs::remove_file(data.join(ROOT_CONTAINER));
            let _ = std::fs::remove_file(data.join(ISSUING_CONTAINER));
            return Err(ca_error(e));
        }
    };
    for (name, record) in [("root.crt", &root), ("issuing.crt", &issuing)] {
        let cert: Certificate = der::Decode::from_der(&record.cert_der)?;
        let pem = pki::cert::to_pem(&cert).map_err(|e| user_error(&e))?;
        write_output(&data.join(name), pem.as_bytes(), Access::Public, true)?;
    }
    Ok((root, issuing))
}

async fn submit(args: &SubmitArgs) -> Result<()> {
    let ca = open_ca(&args.place).await?;
    let form = match &args.applicant {
        Some(path) => {
            let mut form: ApplicantForm =
                serde_json::from_slice(&read_input(path)?).with_context(|| {
                    format!("{}: не JSON заявителя / not applicant JSON", path.display())
                })?;
            if form.kind.is_empty() {
                form.kind.clone_from(&args.kind);
            }
            form
        }
        None => ApplicantForm {
            kind: args.kind.replace('-', "_"),
            surname: args.surname.clone(),
            given_name: args.given_name.clone(),
            snils: args.snils.clone(),
            inn: args.inn.clone(),
            passport_series: args.passport_series.clone(),
            passport_number: args.passport_number.clone(),
            passport_issued: args.passport_issued.clone(),
            ogrnip: args.ogrnip.clone(),
            organisation: args.organisation.clone(),
            ogrn: args.ogrn.clone(),
            innle: args.innle.clone(),
            position: args.position.clone(),
            email: args.email.clone(),
        },
    };
    let csr = read_input(&args.csr)?;
    let actor = args.operator_or("applicant");
    let record = ca.submit(&form, &csr, &actor).await.map_err(ca_error)?;
    print(&format!(
        "Заявка № {0} принята / Request {0} submitted\n",
        record.id
    ))
}

impl SubmitArgs {
    fn operator_or(&self, default: &str) -> String {
        self.who
            .operator
            .clone()
            .unwrap_or_else(|| default.to_owned())
    }
}

fn state_ru(state: RequestState) -> &'static str {
    match state {
        RequestState::Submitted => "подана",
        RequestState::Identified => "заявитель идентифицирован",
        RequestState::Approved => "одобрена",
        RequestState::Rejected => "отклонена",
        RequestState::Issued => "сертификат выпущен",
    }
}

async fn requests(args: &RequestsArgs) -> Result<()> {
    let state = match &args.state {
        Some(s) => Some(RequestState::parse(s.trim()).with_context(|| {
            format!(
                "--state {s:?}: одно из / one of submitted, identified, approved, rejected, issued"
            )
        })?),
        None => None,
    };
    if let Some(remote) = args.place.remote(&args.who)? {
        let state = state.map_or("all", |s| s.as_str());
        let list = remote.call(
            "GET",
            &format!("/api/v1/operator/requests?state={state}"),
            None,
        )?;
        if args.json {
            return print(&format!("{}\n", serde_json::to_string_pretty(&list)?));
        }
        let mut text = String::new();
        for r in list.as_array().map(Vec::as_slice).unwrap_or_default() {
            text.push_str(&format!(
                "{:>5}  {:<10}  {}  {} {}\n",
                r["id"],
                r["state"].as_str().unwrap_or_default(),
                r["kind"].as_str().unwrap_or_default(),
                r["applicant"]["surname"].as_str().unwrap_or_default(),
                r["applicant"]["organisation"].as_str().unwrap_or_default(),
            ));
        }
        if text.is_empty() {
            text.push_str("Заявок нет / No requests\n");
        }
        return print(&text);
    }
    let ca = open_ca(&args.place).await?;
    let list = ca
        .store()
        .requests(state)
        .await
        .map_err(|e| user_error(&e))?;
    if args.json {
        let array: Vec<_> = list.iter().map(ca::api::request_json).collect();
        return print(&format!("{}\n", serde_json::to_string_pretty(&array)?));
    }
    let mut text = String::new();
    if list.is_empty() {
        text.push_str("Заявок нет / No requests\n");
    }
    for r in &list {
        let applicant: ApplicantForm = serde_json::from_str(&r.applicant).unwrap_or_default();
        let who = applicant
            .organisation
            .clone()
            .or_else(|| {
                applicant
                    .surname
                    .as_ref()
                    .map(|s| format!("{s} {}", applicant.given_name.clone().unwrap_or_default()))
            })
            .unwrap_or_else(|| "-".into());
        text.push_str(&format!(
            "{:>5}  {}  {:<10} ({})  {}  {}{}\n",
            r.id,
            crate::time::rfc3339(r.created_at),
            r.state,
            state_ru(r.state),
            r.kind,
            who.trim(),
            match (&r.error_code, &r.rejection_reason) {
                (Some(code), _) => format!("  [{code}]"),
                (None, Some(reason)) => format!("  — {reason}"),
                _ => String::new(),
            }
        ));
    }
    print(&text)
}

async fn identify(args: &IdentifyArgs) -> Result<()> {
    let method = parse_method(&args.method).with_context(|| {
        format!(
            "--method {:?}: одно из / one of personal, remote-cert, remote-passport, remote-system",
            args.method
        )
    })?;
    if let Some(remote) = args.place.remote(&args.who)? {
        remote.call(
            "POST",
            &format!("/api/v1/operator/requests/{}/identify", args.request),
            Some(&serde_json::json!({
                "method": args.method,
                "document_type": args.document_type,
                "document_number": args.document_number,
            })),
        )?;
    } else {
        identify_local(args, method).await?;
    }
    print(&format!(
        "Заявитель по заявке № {0} идентифицирован ({1}) / Applicant of request {0} identified ({2})\n",
        args.request,
        method.describe(true),
        method.describe(false)
    ))
}

async fn identify_local(
    args: &IdentifyArgs,
    method: pki::profile::IdentificationKind,
) -> Result<()> {
    let ca = open_ca(&args.place).await?;
    let record = IdentificationRecord {
        method,
        document_type: args.document_type.clone(),
        document_number: args.document_number.clone(),
    };
    ca.identify(args.request, &record, &args.who.name())
        .await
        .map_err(ca_error)?;
    Ok(())
}

async fn approve(args: &DecisionArgs) -> Result<()> {
    if let Some(remote) = args.place.remote(&args.who)? {
        let path = format!("/api/v1/operator/requests/{}/approve", args.request);
        remote.call("POST", &path, None)?;
    } else {
        let ca = open_ca(&args.place).await?;
        ca.approve(args.request, &args.who.name())
            .await
            .map_err(ca_error)?;
    }
    print(&format!(
        "Заявка № {0} одобрена / Request {0} approved\n",
        args.request
    ))
}

async fn reject(args: &RejectArgs) -> Result<()> {
    if let Some(remote) = args.place.remote(&args.who)? {
        let path = format!("/api/v1/operator/requests/{}/reject", args.request);
        remote.call(
            "POST",
            &path,
            Some(&serde_json::json!({ "reason": args.reason })),
        )?;
    } else {
        let ca = open_ca(&args.place).await?;
        ca.reject(args.request, &args.reason, &args.who.name())
            .await
            .map_err(ca_error)?;
    }
    print(&format!(
        "Заявка № {0} отклонена / Request {0} rejected\n",
        args.request
    ))
}

/// Writes an issued certificate where asked and prints its serial.
fn issued(record: &CertificateRecord, out: &CertOut) -> Result<()> {
    if let Some(path) = &out.out {
        let bytes = match out.outform {
            Format::Der => record.der.clone(),
            Format::Pem => {
                let cert: Certificate = der::Decode::from_der(&record.der)?;
                pki::cert::to_pem(&cert)
                    .map_err(|e| user_error(&e))?
                    .into_bytes()
            }
        };
        write_output(path, &bytes, Access::Public, out.force)?;
    }
    if out.out.as_deref() == Some(Path::new("-")) {
        return Ok(());
    }
    print(&format!(
        "Сертификат выпущен / Certificate issued\n  серийный номер / serial: {}\n  владелец / subject: {}\n  \
         действителен до / valid until: {}\n",
        record.serial,
        record.subject,
        crate::time::rfc3339(record.not_after)
    ))
}

/// [`issued`] for a certificate the server issued.
fn issued_remote(
    cert: &Certificate,
    der: &[u8],
    json: &serde_json::Value,
    out: &CertOut,
) -> Result<()> {
    if let Some(path) = &out.out {
        let bytes = match out.outform {
            Format::Der => der.to_vec(),
            Format::Pem => pki::cert::to_pem(cert)
                .map_err(|e| user_error(&e))?
                .into_bytes(),
        };
        write_output(path, &bytes, Access::Public, out.force)?;
    }
    if out.out.as_deref() == Some(Path::new("-")) {
        return Ok(());
    }
    print(&format!(
        "Сертификат выпущен / Certificate issued\n  серийный номер / serial: {}\n  владелец / subject: {}\n",
        json["serial"].as_str().unwrap_or_default(),
        json["subject"].as_str().unwrap_or_default()
    ))
}

async fn issue(args: &IssueArgs) -> Result<()> {
    if let Some(remote) = args.place.remote(&args.who)? {
        let path = format!("/api/v1/operator/requests/{}/issue", args.request);
        let cert = remote.call("POST", &path, None)?;
        let pem = cert["pem"].as_str().unwrap_or_default();
        let (_, der) = der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| anyhow::anyhow!("сервер вернул не PEM / the server sent no PEM: {e}"))?;
        let record: Certificate = der::Decode::from_der(&der)?;
        return issued_remote(&record, &der, &cert, &args.out);
    }
    let ca = open_ca_with_key(&args.place, &args.pin).await?;
    let record = ca
        .issue(args.request, &args.who.name())
        .await
        .map_err(ca_error)?;
    issued(&record, &args.out)
}

async fn renew(args: &RenewArgs) -> Result<()> {
    let ca = open_ca_with_key(&args.place, &args.pin).await?;
    let signed = read_input(&args.signed)?;
    let record = ca.renew(&signed).await.map_err(ca_error)?;
    issued(&record, &args.out)
}

fn status_line(record: &CertificateRecord) -> String {
    let s = &record.status;
    match (s.status, s.reason, s.revoked_at) {
        (store::CertStatus::Good, _, _) => "good (действует)".into(),
        (status, reason, at) => format!(
            "{status} ({}), {} ({}), {}",
            if status == store::CertStatus::Hold {
                "приостановлен"
            } else {
                "отозван"
            },
            reason.map(pki::crl::reason_name).unwrap_or("unspecified"),
            reason
                .map(crate::crl::reason_ru)
                .unwrap_or("причина не указана"),
            at.map(crate::time::rfc3339).unwrap_or_default()
        ),
    }
}

async fn revoke(args: &RevokeArgs) -> Result<()> {
    if let Some(remote) = args.place.remote(&args.who)? {
        let cert = match (&args.signed, &args.serial, &args.reason) {
            (Some(path), _, _) => {
                use base64::Engine;
                let signed = base64::engine::general_purpose::STANDARD.encode(read_input(path)?);
                let body = serde_json::json!({ "signed": signed });
                remote.call("POST", "/api/v1/revocations", Some(&body))?["certificate"].clone()
            }
            (None, Some(serial), Some(reason)) => remote.call(
                "POST",
                &format!("/api/v1/operator/certificates/{}/revoke", serial.trim()),
                Some(&serde_json::json!({ "reason": reason })),
            )?,
            _ => bail!(
                "укажите --serial и --reason или --signed / give --serial and --reason, or --signed"
            ),
        };
        return print(&format!(
            "{}: {}\n",
            cert["serial"].as_str().unwrap_or_default(),
            cert["status"].as_str().unwrap_or_default()
        ));
    }
    let ca = open_ca(&args.place).await?;
    let record = match (&args.signed, &args.serial, &args.reason) {
        (Some(path), _, _) => {
            let signed = read_input(path)?;
            ca.revoke_on_request(&signed).await.map_err(ca_error)?.0
        }
        (None, Some(serial), Some(reason)) => {
            let serial = parse_serial(serial).map_err(ca_error)?;
            let reason = parse_reason(reason).map_err(ca_error)?;
            ca.revoke(&serial, reason, &args.who.name())
                .await
                .map_err(ca_error)?
        }
        _ => bail!(
            "укажите --serial и --reason или --signed / give --serial and --reason, or --signed"
        ),
    };
    print(&format!("{}: {}\n", record.serial, status_line(&record)))
}

async fn suspend(args: &SerialArgs, hold: bool) -> Result<()> {
    let ca = open_ca(&args.place).await?;
    let serial = parse_serial(&args.serial).map_err(ca_error)?;
    let operator = args.who.name();
    let record = if hold {
        ca.suspend(&serial, &operator).await
    } else {
        ca.release(&serial, &operator).await
    }
    .map_err(ca_error)?;
    print(&format!("{}: {}\n", record.serial, status_line(&record)))
}

async fn crl(args: &CrlArgs) -> Result<()> {
    let issued = if args.root {
        let ca = open_ca(&args.place).await?;
        let key_ref = ca.root().record.key_ref.clone();
        let root = signer(
            &args.place.data,
            &key_ref,
            root_pin(args.root_pin_file.as_deref()),
        )?;
        ca.root_crl(root.as_ref()).await.map_err(ca_error)?
    } else {
        let ca = open_ca_with_key(&args.place, &args.pin).await?;
        ca.crl().await.map_err(ca_error)?
    };
    let bytes = match args.outform {
        Format::Der => issued.der.clone(),
        Format::Pem => {
            der::pem::encode_string(pki::crl::PEM_LABEL, der::pem::LineEnding::LF, &issued.der)
                .map_err(der::Error::from)?
                .into_bytes()
        }
    };
    write_output(&args.out, &bytes, Access::Public, args.force)?;
    if args.out == Path::new("-") {
        return Ok(());
    }
    print(&format!(
        "CRL № {} выпущен / issued: {} записей / entries, nextUpdate {}\n",
        issued.number,
        issued.entries,
        crate::time::rfc3339(issued.next_update)
    ))
}

async fn status(args: &StatusArgs) -> Result<u8> {
    let ca = open_ca(&args.place).await?;
    let store = ca.store();
    if let Some(serial) = &args.serial {
        let serial = parse_serial(serial).map_err(ca_error)?;
        let record = store
            .certificate(&serial)
            .await
            .map_err(|e| user_error(&e))?
            .ok_or_else(|| ca_error(CaError::CertUnknown(serial.to_string())))?;
        if args.json {
            print(&format!("{}\n", serde_json::to_string_pretty(&record)?))?;
        } else {
            print(&format!(
                "{}\n  владелец / subject: {}\n  действителен / valid: {} — {}\n  статус / status: {}\n",
                record.serial,
                record.subject,
                crate::time::rfc3339(record.not_before),
                crate::time::rfc3339(record.not_after),
                status_line(&record)
            ))?;
        }
        return Ok(if record.status.status == store::CertStatus::Good {
            0
        } else {
            2
        });
    }
    let requests = store.request_counts().await.map_err(|e| user_error(&e))?;
    let certs = store
        .certificate_counts(ca.issuing().record.id)
        .await
        .map_err(|e| user_error(&e))?;
    if args.json {
        let to_map = |pairs: Vec<(String, i64)>| {
            serde_json::Value::Object(pairs.into_iter().map(|(k, v)| (k, v.into())).collect())
        };
        let value = serde_json::json!({
            "root": ca.root().record.subject,
            "issuing": ca.issuing().record.subject,
            "issuing_key": ca.issuing().record.key_ref,
            "backend": format!("{:?}", store.backend()).to_lowercase(),
            "settings": ca.settings(),
            "requests": to_map(requests.iter().map(|(s, n)| (s.to_string(), *n)).collect()),
            "certificates": to_map(certs.iter().map(|(s, n)| (s.to_string(), *n)).collect()),
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&value)?))?;
        return Ok(0);
    }
    let mut text = format!(
        "Корневой УЦ / root CA:       {}\nВыпускающий УЦ / issuing CA: {}\nКлюч / key: {}\n\
         Заявки / requests:",
        ca.root().record.subject,
        ca.issuing().record.subject,
        ca.issuing().record.key_ref
    );
    for (s, n) in &requests {
        text.push_str(&format!(" {s} {n};"));
    }
    text.push_str("\nСертификаты / certificates:");
    for (s, n) in &certs {
        text.push_str(&format!(" {s} {n};"));
    }
    text.push('\n');
    print(&text)?;
    Ok(0)
}
