//! Where text goes: data on stdout (and nothing else there), messages on
//! stderr as `error: ...` / `hint: ...`. A closed stdout (`hmctl status | head
//! -1`) ends the command quietly instead of panicking.

use crate::cli::ColorWhen;
use crate::render::Style;
use std::io::{IsTerminal, Write};

/// Writes hmctl's output.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    pub style: Style,
    pub quiet: bool,
    pub verbose: u8,
    pub json: bool,
    stderr_color: bool,
}

/// The reader stopped reading stdout: finish quietly.
#[derive(Debug)]
pub struct ClosedPipe;

impl std::fmt::Display for ClosedPipe {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("stdout was closed")
    }
}

impl std::error::Error for ClosedPipe {}

/// Whether to colour a stream: `--color`, else a terminal unless the
/// settings say colour is off (`no_color`: `NO_COLOR`, `TERM=dumb`).
fn color_allowed(when: ColorWhen, no_color: bool, terminal: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => terminal && !no_color,
    }
}

impl Printer {
    pub fn new(color: ColorWhen, no_color: bool, quiet: bool, verbose: u8, json: bool) -> Printer {
        let stdout_terminal = std::io::stdout().is_terminal();
        let width = if stdout_terminal {
            terminal_width()
        } else {
            None
        };
        Printer {
            style: Style {
                color: color_allowed(color, no_color, stdout_terminal),
                width,
            },
            quiet,
            verbose,
            json,
            stderr_color: color_allowed(color, no_color, std::io::stderr().is_terminal()),
        }
    }

    /// Data for stdout.
    #[allow(clippy::unused_self)] // all output goes through the printer, data too
    pub fn data(&self, text: &str) -> Result<(), ClosedPipe> {
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Ok(()) => Ok(()),
            Err(_) => Err(ClosedPipe),
        }
    }

    fn message(&self, label: &str, color: anstyle::AnsiColor, text: &str) {
        let style = anstyle::Style::new().bold().fg_color(Some(color.into()));
        let mut stderr = std::io::stderr().lock();
        let label = if self.stderr_color {
            format!("{style}{label}:{style:#}")
        } else {
            format!("{label}:")
        };
        let _ = writeln!(stderr, "{label} {text}");
    }

    pub fn error(&self, text: &str) {
        self.message("error", anstyle::AnsiColor::Red, text);
    }

    pub fn warning(&self, text: &str) {
        self.message("warning", anstyle::AnsiColor::Yellow, text);
    }

    pub fn hint(&self, text: &str) {
        self.message("hint", anstyle::AnsiColor::Cyan, text);
    }

    /// A progress or confirmation line on stderr, unless `-q`.
    pub fn info(&self, text: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }

    /// Extra detail with `-v`.
    pub fn detail(&self, text: &str) {
        if self.verbose > 0 && !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "{text}");
        }
    }
}

fn terminal_width() -> Option<u16> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0).then_some(size.ws_col)
}
