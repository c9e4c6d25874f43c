//! PINs and passwords from the user: a file (`--pin-file`), else an
//! environment variable, else a no-echo prompt on the terminal.
//!
//! Every secret is held in [`Zeroizing`] and wiped when dropped; none is
//! ever printed. The environment variables (`PODPIS_PIN` and friends) are
//! for automation only: other processes of the same user can read a
//! process's environment (`/proc/PID/environ`), and a variable set on the
//! command line lands in the shell history. Prefer a 0600 file.

use std::io::{self, IsTerminal};
use std::path::Path;

use anyhow::{Result, bail};
use zeroize::Zeroizing;

/// Where one secret may come from and how to ask for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'a> {
    /// `--pin-file` and friends: the first line of the file is the secret.
    pub(crate) file: Option<&'a Path>,
    /// The environment variable consulted when no file is given.
    pub(crate) env: &'static str,
    /// The terminal prompt, Russian then English.
    pub(crate) prompt: &'static str,
    /// Whether an empty secret is acceptable (PFX passwords may be empty).
    pub(crate) allow_empty: bool,
}

/// Reads a secret: from the file, else from the environment, else from the
/// terminal without echo.
pub(crate) fn read(source: Source<'_>) -> Result<Zeroizing<String>> {
    read_inner(source, false)
}

/// Reads a new secret; typed on the terminal it is asked twice.
pub(crate) fn read_new(source: Source<'_>) -> Result<Zeroizing<String>> {
    read_inner(source, true)
}

fn read_inner(source: Source<'_>, confirm: bool) -> Result<Zeroizing<String>> {
    let secret = if let Some(path) = source.file {
        from_file(path)?
    } else if let Some(value) = std::env::var_os(source.env) {
        match value.into_string() {
            Ok(s) => Zeroizing::new(s),
            Err(_) => bail!(
                "переменная {0} не в UTF-8 / {0} is not valid UTF-8",
                source.env
            ),
        }
    } else {
        let first = prompt(source.prompt)?;
        if confirm {
            let again = prompt("Повторите / Repeat: ")?;
            if *first != *again {
                bail!("значения не совпадают / the two entries differ");
            }
        }
        first
    };
    if secret.is_empty() && !source.allow_empty {
        bail!("пустой PIN-код не допускается / an empty PIN is not allowed");
    }
    Ok(secret)
}

/// The first line of `path`, without its line ending.
fn from_file(path: &Path) -> Result<Zeroizing<String>> {
    let data = Zeroizing::new(crate::files::read_input(path)?);
    let Ok(text) = std::str::from_utf8(&data) else {
        bail!("{}: не текст UTF-8 / not UTF-8 text", path.display());
    };
    let line = text.split('\n').next().unwrap_or_default();
    Ok(Zeroizing::new(
        line.strip_suffix('\r').unwrap_or(line).to_owned(),
    ))
}

fn prompt(text: &str) -> Result<Zeroizing<String>> {
    if !io::stdin().is_terminal() && std::fs::File::open("/dev/tty").is_err() {
        bail!(
            "нет терминала для ввода PIN-кода: укажите файл (--pin-file) / no terminal to ask for \
             the PIN: pass a file (--pin-file)"
        );
    }
    match rpassword::prompt_password(text) {
        Ok(s) => Ok(Zeroizing::new(s)),
        Err(e) => bail!("не удалось прочитать с терминала / cannot read from the terminal: {e}"),
    }
}
