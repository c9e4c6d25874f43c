//! `podpis` — the one binary of the podpis platform.
//!
//! Subcommands: keys (`key`), signing and validation (`sign`, `verify`),
//! PKI clients (`ts`, and requests, certificates, CRLs and OCSP), the
//! key container (`token`), the certification authority (`ca`), the
//! identity provider's action journal check (`journal verify`) and its
//! administration (`idp`: OpenID Connect clients and keys), logging in to
//! an identity provider with a signature (`login`), and `speed`; the server
//! (`serve`), the local signing agent (`agent`), and the whole platform on
//! one computer (`demo`).
//! Library crates never read the environment or configuration files; this
//! binary is where that wiring lives.
#![forbid(unsafe_code)]

mod agent;
mod ca;
mod ca_remote;
mod cert;
mod crl;
mod demo;
mod files;
mod idp;
mod journal;
mod key;
mod login;
mod net;
mod ocsp;
mod openapi;
mod pin;
mod pkcs11;
mod req;
mod serve;
mod sign;
mod speed;
mod time;
mod token;
mod ts;
mod verify;

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
    Demo(demo::DemoArgs),
    Speed(speed::SpeedArgs),
    Key(key::KeyArgs),
    Ts(ts::TsArgs),
    Sign(sign::SignArgs),
    Verify(verify::VerifyArgs),
    Req(req::ReqArgs),
    Cert(cert::CertArgs),
    Crl(crl::CrlArgs),
    Ocsp(ocsp::OcspArgs),
    Token(token::TokenArgs),
    Ca(Box<ca::CaArgs>),
    Journal(journal::JournalArgs),
    Idp(idp::IdpArgs),
    Serve(serve::ServeArgs),
    Login(login::LoginArgs),
    Agent(agent::AgentArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Each command returns its exit status; most have only success (0).
    let result: anyhow::Result<u8> = match cli.command {
        Command::Demo(args) => demo::run(&args).map(|()| 0),
        Command::Speed(args) => speed::run(&args).map(|()| 0),
        Command::Key(args) => key::run(&args).map(|()| 0),
        Command::Ts(args) => ts::run(&args).map(|()| 0),
        Command::Sign(args) => sign::run(&args).map(|()| 0),
        // TOTAL_PASSED, TOTAL_FAILED and INDETERMINATE are 0, 1 and 2.
        Command::Verify(args) => verify::run(&args),
        Command::Req(args) => req::run(&args).map(|()| 0),
        Command::Cert(args) => cert::run(&args).map(|()| 0),
        Command::Crl(args) => crl::run(&args).map(|()| 0),
        // good, revoked and unknown are 0, 2 and 3.
        Command::Ocsp(args) => ocsp::run(&args),
        Command::Token(args) => token::run(&args).map(|()| 0),
        // `ca status --serial`: good 0, revoked or suspended 2.
        Command::Ca(args) => ca::run(&args),
        // `journal verify`: intact 0, damaged 2.
        Command::Journal(args) => journal::run(&args),
        Command::Idp(args) => idp::run(&args).map(|()| 0),
        Command::Serve(args) => serve::run(&args).map(|()| 0),
        Command::Login(args) => login::run(&args).map(|()| 0),
        Command::Agent(args) => agent::run(&args).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(code),
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
