//! `podpis` — the one binary of the podpis platform.
//!
//! Today it has one subcommand, `podpis speed`. The server (`podpis serve`),
//! the local signing agent and the key, request, certificate and signing
//! tools are planned and will be added here as the library crates appear.
//! Library crates never read the environment or configuration files; this
//! binary is where that wiring lives.
#![forbid(unsafe_code)]

mod cert;
mod crl;
mod files;
mod key;
mod net;
mod ocsp;
mod req;
mod speed;
mod time;
mod ts;

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const ABOUT: &str = "\
Подпись — платформа электронной подписи по ГОСТ Р 34.10-2012 для размещения на своём сервере.
podpis — a self-hostable GOST R 34.10-2012 electronic-signature platform.";

/// The command line: one subcommand per task.
#[derive(Debug, Parser)]
#[command(
    name = "podpis",
    version,
    about = ABOUT,
    long_about = None,
    propagate_version = true,
    arg_required_else_help = true,
    after_help = "Run `podpis <COMMAND> --help` for the options of one command.\n\
                  Справка по команде: `podpis <КОМАНДА> --help`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Speed(speed::SpeedArgs),
    Key(key::KeyArgs),
    Ts(ts::TsArgs),
    Req(req::ReqArgs),
    Cert(cert::CertArgs),
    Crl(crl::CrlArgs),
    Ocsp(ocsp::OcspArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Speed(args) => speed::run(&args),
        Command::Key(args) => key::run(&args),
        Command::Ts(args) => ts::run(&args),
        Command::Req(args) => req::run(&args),
        Command::Cert(args) => cert::run(&args),
        Command::Crl(args) => crl::run(&args),
        // good, revoked and unknown are exit statuses 0, 2 and 3.
        Command::Ocsp(args) => match ocsp::run(&args) {
            Ok(status) => return status,
            Err(err) => Err(err),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `podpis speed | head` closes our stdout early; that is not an error.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("podpis: ошибка / error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|io_err| io_err.kind() == io::ErrorKind::BrokenPipe)
}
