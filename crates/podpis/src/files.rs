//! Reading inputs and writing outputs the way every subcommand should:
//! `-` for standard streams, outputs written to a temporary file in the
//! same directory and renamed into place (a crash never leaves half a
//! file), secrets created readable by the owner only, and existing files
//! never overwritten without `--force`.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Reads a whole input file, or standard input for `-`.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        return Ok(buf);
    }
    fs::read(path).with_context(|| format!("не удалось прочитать / cannot read {}", path.display()))
}

/// Who may read a file we write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Anyone the umask allows (certificates, signatures).
    Public,
    /// The owner only, mode 0600 (private keys).
    Secret,
}

/// Writes `data` to `path` (standard output for `-`) atomically: a
/// temporary file beside the target, flushed to disk, then renamed.
/// Refuses to replace an existing file unless `force`.
pub(crate) fn write_output(path: &Path, data: &[u8], access: Access, force: bool) -> Result<()> {
    if path == Path::new("-") {
        let mut out = io::stdout().lock();
        out.write_all(data)?;
        return Ok(out.flush()?);
    }
    if !force && path.exists() {
        bail!(
            "файл {0} уже существует; укажите --force, чтобы заменить его / \
             {0} already exists; pass --force to replace it",
            path.display()
        );
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> io::Result<()> {
        let mut file = create(&tmp, access)?;
        file.write_all(data)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename is durable once the directory entry is.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(err) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err)
            .with_context(|| format!("не удалось записать / cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(unix)]
fn create(path: &Path, access: Access) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mode = match access {
        Access::Public => 0o644,
        Access::Secret => 0o600,
    };
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

#[cfg(not(unix))]
fn create(path: &Path, _access: Access) -> io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// A library error as the user sees it: the Russian message, then the
/// English one (both say what to do), with the stable code.
pub(crate) fn user_error(err: &dyn pki::Diagnostic) -> anyhow::Error {
    anyhow::anyhow!(
        "{}\n{} [{}]",
        err.message_ru(),
        err.message_en(),
        err.code()
    )
}

/// Writes `text` to standard output, returning the error (a closed pipe
/// included, which `main` treats as success) instead of panicking as
/// `print!` does.
pub(crate) fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(out.flush()?)
}
