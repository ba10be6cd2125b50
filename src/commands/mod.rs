//! One file per verb, cargo-style: each turns the verb's parsed arguments
//! into an operation's request, runs it, renders what it returns and says
//! which exit code it means. The work itself is in `ops`, the text in
//! `render`; adding a verb is a file here and an arm in `app`.

pub mod completions;
pub mod diagnose;
pub mod events;
pub mod history;
pub mod lifecycle;
pub mod list;
pub mod logs;
pub mod maintenance;
pub mod metrics;
pub mod ok_to_stop;
pub mod status;
pub mod upgrade;

/// How many threads the log searches may use.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// Says on stderr what could not be asked or read (each with its hint), as
/// errors or as warnings.
fn report_errors(
    printer: &crate::output::Printer,
    errors: &[crate::ops::status::ErrorEntry],
    as_error: bool,
) {
    for error in errors {
        if as_error {
            printer.error(&error.message);
        } else {
            printer.warning(&error.message);
        }
        if let Some(hint) = &error.hint {
            printer.hint(hint);
        }
    }
}

/// A time flag (`--since`, `--until`): a duration back from now or a time,
/// in the operator's zone unless it carries an offset.
fn time_flag(
    flag: &str,
    text: Option<&str>,
) -> Result<Option<jiff::Timestamp>, crate::exit::Failure> {
    text.map(|text| {
        crate::log_files::timeline::parse_since(text, &jiff::Zoned::now()).map_err(|message| {
            crate::exit::Failure::usage(message.replace("--since", flag)).with_hint(
                "give a duration (30m, 2h, 1d ago) or a time: 2025-09-18 16:00 is local time, 2025-09-18T08:00:00Z carries its offset",
            )
        })
    })
    .transpose()
}
