//! Exit-code mapping only; the pipeline lives in the library.

use std::process::ExitCode;

use clap::Parser;

use albaudit::app::{self, Exit};
use albaudit::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    albaudit::log::init(cli.verbose);
    match app::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            // One line: the error and its causes.
            let causes: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("albaudit: {}", albaudit::log::redact(&causes.join(": ")));
            ExitCode::from(Exit::Usage as u8)
        }
    }
}
