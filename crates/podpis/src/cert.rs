//! `podpis cert show`: what is in a certificate, in Russian, English or
//! JSON, with the decoded Russian identifiers and the qualified-profile check.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand, ValueEnum};
use pki::cert::{CertificateInfo, parse_certificates};

use crate::files::{print, read_input, user_error};

/// `podpis cert …`
#[derive(Debug, Args)]
#[command(about = "Сертификаты X.509 / X.509 certificates")]
pub(crate) struct CertArgs {
    #[command(subcommand)]
    command: CertCommand,
}

#[derive(Debug, Subcommand)]
enum CertCommand {
    Show(ShowArgs),
}

/// The language of the text output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Lang {
    /// Русский.
    Ru,
    /// English.
    En,
}

impl From<Lang> for pki::cert::Lang {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Ru => pki::cert::Lang::Ru,
            Lang::En => pki::cert::Lang::En,
        }
    }
}

#[derive(Debug, Args)]
#[command(
    about = "Показать сертификат / Show a certificate",
    long_about = "\
Печатает содержимое сертификата (PEM или DER; в PEM может быть цепочка — тогда каждый \
сертификат): владельца и издателя, СНИЛС, ИНН, ОГРН, ключ и его набор параметров, расширения, \
отпечатки и результат проверки по профилю квалифицированного сертификата (приказ ФСБ № 795). \
Несоответствие профилю не ошибка команды: код выхода 0.

Prints what a certificate holds (PEM or DER; a PEM bundle shows every certificate): subject and \
issuer, the decoded SNILS, INN, OGRN, the key and its parameter set, the extensions, fingerprints \
and the result of the qualified-certificate profile check (FSB order No. 795). A certificate that \
breaks the profile is still shown with exit status 0; the violations are listed with their codes. \
--json prints one JSON object (an array for a bundle) with the same fields.",
    after_help = "\
Examples / Примеры:
  podpis cert show cert.pem
  podpis cert show --lang en cert.der
  podpis cert show --json chain.pem
  podpis cert show --json cert.pem | jq .subject_identity.snils"
)]
struct ShowArgs {
    /// Certificate, PEM or DER; `-` for standard input / сертификат
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print JSON instead of text / вывести JSON
    #[arg(long)]
    json: bool,
    /// Language of the text / язык текста
    #[arg(long, value_enum, default_value = "ru")]
    lang: Lang,
}

pub(crate) fn run(args: &CertArgs) -> Result<()> {
    match &args.command {
        CertCommand::Show(a) => show(a),
    }
}

fn show(args: &ShowArgs) -> Result<()> {
    let data = read_input(&args.file)?;
    let certs = parse_certificates(&data).map_err(|e| {
        user_error(&e).context(format!(
            "{}: не сертификат / not a certificate",
            args.file.display()
        ))
    })?;
    let lang = pki::cert::Lang::from(args.lang);
    let infos: Vec<CertificateInfo> = certs
        .iter()
        .map(|c| CertificateInfo::new(c, lang))
        .collect();
    if args.json {
        let text = match infos.as_slice() {
            [one] => serde_json::to_string_pretty(one)?,
            many => serde_json::to_string_pretty(many)?,
        };
        print(&format!("{text}\n"))?;
        return Ok(());
    }
    let mut out = String::new();
    for (i, info) in infos.iter().enumerate() {
        if infos.len() > 1 {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&match lang {
                pki::cert::Lang::Ru => format!("--- Сертификат {} из {} ---\n", i + 1, infos.len()),
                pki::cert::Lang::En => {
                    format!("--- Certificate {} of {} ---\n", i + 1, infos.len())
                }
            });
        }
        out.push_str(&info.render(lang));
    }
    print(&out)?;
    Ok(())
}
