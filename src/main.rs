//! The hmctl binary: parse, run, exit.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = hmctl::cli::Cli::parse();
    std::process::ExitCode::from(hmctl::app::main(cli).code())
}
