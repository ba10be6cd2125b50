//! The hmctl binary: parse, run, exit.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A shell asking for completions (HMCTL_COMPLETE=bash hmctl -- WORDS) is answered here.
    clap_complete::CompleteEnv::with_factory(hmctl::docs::command)
        .var(hmctl::docs::COMPLETE_VARIABLE)
        .completer("hmctl")
        .complete();
    let cli = hmctl::cli::Cli::parse();
    std::process::ExitCode::from(hmctl::app::main(cli).code())
}
