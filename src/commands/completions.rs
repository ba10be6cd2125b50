//! `hmctl completions SHELL`: the script a shell sources to complete hmctl.

use crate::cli::Shell;
use crate::exit::Exit;
use crate::output::Printer;

pub fn run(shell: Shell, printer: Printer) -> anyhow::Result<Exit> {
    let script = crate::docs::completion(shell.name()).unwrap_or_default();
    printer.data(&script)?;
    Ok(Exit::Success)
}
