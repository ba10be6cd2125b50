//! `hmctl events [TARGET...] [--since T] [--until T] [-f]`.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::EventsArgs;
use crate::exit::Exit;
use crate::ops;
use crate::ops::events::{Live, Timeline, Unread};
use crate::ops::interrupt::Interrupt;
use crate::output::Printer;
use crate::render;
use crate::render::events::Columns;
use crate::settings::Settings;

/// Warns of a source that could not be read, with its hint.
fn warn_unread(printer: Printer, unread: &Unread) {
    printer.warning(&render::events::unread_warning(unread));
    if let Some(hint) = &unread.hint {
        printer.hint(hint);
    }
}

/// The window's events (under a header when followed, even with none), then
/// a warning for each source that could not be read and for skipped history.
fn print_window(
    printer: Printer,
    timeline: &Timeline,
    zone: &jiff::tz::TimeZone,
    columns: Columns,
    follow: bool,
) -> anyhow::Result<()> {
    if printer.json {
        printer.data(&render::events::json(timeline))?;
    } else if follow {
        // Followed events are added under the window's, under one header.
        let text = render::events::human(timeline, zone, columns);
        let text = if timeline.events.is_empty() {
            render::events::header(columns)
        } else {
            text
        };
        printer.data(&text)?;
    } else {
        printer.data(&render::events::human(timeline, zone, columns))?;
    }
    if !printer.json {
        for unread in &timeline.unread {
            warn_unread(printer, unread);
        }
    }
    if timeline.skipped_history > 0 {
        printer.warning(&render::events::skipped_history(timeline.skipped_history));
    }
    Ok(())
}

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &EventsArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let EventsArgs {
        targets,
        since,
        until,
        follow,
    } = args;
    let request = ops::events::Request {
        since: super::time_flag("--since", since.as_deref())?,
        until: super::time_flag("--until", until.as_deref())?,
    };
    let backends = Backends::connecting(settings, catalog);
    let selection = ops::events::select(catalog, targets, &backends)?;
    let now = jiff::Timestamp::now();
    let mut timeline = ops::events::gather(
        &selection,
        settings,
        &ops::events::Request {
            until: request.until.or(Some(now)),
            ..request
        },
        &backends,
    )
    .await;
    let zone = jiff::tz::TimeZone::system();
    let columns = Columns::fitting(&timeline.events);
    print_window(printer, &timeline, &zone, columns, *follow)?;
    // Nothing to follow either: the same sources would be asked.
    if timeline.nothing_read() {
        return Ok(Exit::BackendUnavailable);
    }
    if *follow {
        let interrupt = Interrupt::install(|_| {});
        let mut emit = |live: Live| match live {
            Live::Event(event) => {
                let text = if printer.json {
                    render::events::json_event(&event)
                } else {
                    render::events::row(&event, &zone, columns)
                };
                printer.data(&text).is_ok()
            }
            Live::Unread(unread) => {
                if printer.json {
                    return printer.data(&render::events::json_unread(&unread)).is_ok();
                }
                warn_unread(printer, &unread);
                true
            }
        };
        ops::events::follow(
            &selection,
            settings,
            now,
            &mut timeline,
            &interrupt,
            &mut emit,
            &backends,
        )
        .await;
    }
    Ok(Exit::Success)
}
