use std::process::ExitCode;

use clap::{Parser, Subcommand};

use albaudit::probe::cmd::{self, ProbeArgs};

#[derive(Parser)]
#[command(name = "albaudit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Per-IP TCP/TLS handshake report for any endpoint.
    Probe(ProbeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Probe(args) => cmd::run(args).unwrap_or_else(|e| {
            eprintln!("error: {e:#}");
            2
        }),
    };
    ExitCode::from(code as u8)
}
