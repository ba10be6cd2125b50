//! `hmctl logs TARGET... [-f] [-n N]`: the last lines of each service's own
//! log files, merged by time and prefixed by service when there are several;
//! with `-f`, new lines as they are written, across rotation (a renamed or
//! truncated file, the gateway's next dated file). A service without a log
//! file shows its container's output (Docker) or its unit's journal.

use super::zones::{UNASKED_HINT, Zones};
use crate::backend::{Backend, Backends, OutputLine, OutputSource};
use crate::catalog::{Catalog, Group, resolve};
use crate::exit::Failure;
use crate::log_files::files::{LogFile, service_files};
use crate::log_files::tail::{Source, SourcedLine, last_lines_before, merge};
use crate::log_files::tracker::Tracker;
use crate::ops::interrupt::Interrupt;
use crate::ops::inventory::{Entry, inventory};
use std::io::{Seek, SeekFrom};
use std::time::Duration;
use tokio::sync::mpsc;

/// Where one service's lines come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Its log files.
    Files,
    /// Its own output, through its backend (it has no log file).
    Output,
}

fn origin_of(catalog: &Catalog, entry: &Entry) -> Origin {
    let Some(group) = catalog.group(&entry.group) else {
        return Origin::Files;
    };
    let (files, _) = service_files(catalog, group, &entry.name, false);
    if files.is_empty() {
        Origin::Output
    } else {
        Origin::Files
    }
}

/// Whose output the backend reads for `entry`.
fn output_source<'a>(catalog: &'a Catalog, entry: &'a Entry) -> Option<OutputSource<'a>> {
    let group: &Group = catalog.group(&entry.group)?;
    Some(OutputSource {
        name: &entry.name,
        group,
    })
}

fn current_files(catalog: &Catalog, entry: &Entry) -> Vec<LogFile> {
    catalog
        .group(&entry.group)
        .map(|group| service_files(catalog, group, &entry.name, false).0)
        .unwrap_or_default()
}

/// How often files are looked at for new lines while following.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

/// What `logs TARGET...` needs to know.
pub struct Request {
    pub targets: Vec<String>,
    pub lines: usize,
    pub follow: bool,
}

/// The last `count` lines of `entry`'s current files, merged in one
/// timeline; each file is opened once, and its tracker (positioned where the
/// tail ends, where following it begins) is added to `trackers`.
fn tail_of_files(
    catalog: &Catalog,
    entry: &Entry,
    zone: jiff::tz::TimeZone,
    count: usize,
    trackers: &mut Vec<(String, Tracker)>,
) -> Result<Source, Failure> {
    let mut per_file = Vec::new();
    for file in current_files(catalog, entry) {
        let cannot_read = |error: std::io::Error| {
            Failure::new(
                crate::exit::Exit::OperationFailed,
                format!("cannot read {}: {error}", file.path.display()),
            )
        };
        let mut tracker = Tracker::open(file.path.clone(), true).map_err(cannot_read)?;
        let mut reader = tracker.file.try_clone().map_err(cannot_read)?;
        let lines = last_lines_before(&mut reader, tracker.offset, count).map_err(cannot_read)?;
        tracker
            .file
            .seek(SeekFrom::Start(tracker.offset))
            .map_err(cannot_read)?;
        per_file.push(Source {
            name: entry.name.clone(),
            zone: zone.clone(),
            lines,
        });
        trackers.push((entry.name.clone(), tracker));
    }
    let merged: Vec<Vec<u8>> = merge(per_file, count)
        .into_iter()
        .map(|line| line.text)
        .collect();
    Ok(Source {
        name: entry.name.clone(),
        zone,
        lines: merged,
    })
}

/// The backends that show the output of the services without a log file,
/// each such service noted with what is shown instead.
async fn output_backends(
    catalog: &Catalog,
    origins: &[(Entry, Origin)],
    note: &dyn Fn(&str),
    backends: &Backends,
) -> Backends {
    let mut backends = backends.clone();
    for (entry, origin) in origins {
        if *origin == Origin::Output
            && let Some(source) = output_source(catalog, entry)
        {
            note(&format!(
                "{}: no log file; showing {}",
                entry.name,
                Backend::output_name(entry.backend, &source)
            ));
            backends.for_output(entry.backend).await;
        }
    }
    backends
}

/// Shows the logs; `emit` prints one line (returns false when stdout closed).
pub async fn show(
    catalog: &Catalog,
    request: &Request,
    interrupt: &Interrupt,
    note: &dyn Fn(&str),
    emit: &mut dyn FnMut(&SourcedLine, bool) -> bool,
    backends: &Backends,
) -> Result<(), Failure> {
    let entries = inventory(catalog, backends);
    let selected: Vec<Entry> = resolve(&request.targets, &entries, catalog)?
        .into_iter()
        .map(|index| entries[index].clone())
        .collect();
    let prefixed = selected.len() > 1;
    let origins: Vec<(Entry, Origin)> = selected
        .into_iter()
        .map(|entry| {
            let origin = origin_of(catalog, &entry);
            (entry, origin)
        })
        .collect();
    let backends = output_backends(catalog, &origins, note, backends).await;
    // Several services are merged by time: each writer's zone is needed.
    let zones = if prefixed {
        Zones::ask(
            catalog,
            origins
                .iter()
                .map(|(entry, _)| (entry.group.as_str(), entry.name.as_str())),
            &backends,
        )
        .await
    } else {
        Zones::default()
    };
    for warning in zones.unasked() {
        note(&format!("warning: {warning}"));
        note(&format!("hint: {UNASKED_HINT}"));
    }
    // The last lines of every service, in one timeline. Each file is opened
    // once: its tail is read up to where following it will begin.
    let mut sources: Vec<Source> = Vec::new();
    let mut trackers: Vec<(String, Tracker)> = Vec::new();
    for (entry, origin) in &origins {
        let zone = zones.of(catalog, &entry.group, &entry.name);
        match origin {
            Origin::Files => sources.push(tail_of_files(
                catalog,
                entry,
                zone,
                request.lines,
                &mut trackers,
            )?),
            Origin::Output => {
                if let (Some(source), Some(backend)) =
                    (output_source(catalog, entry), backends.get(entry.backend))
                {
                    sources.push(Source {
                        name: entry.name.clone(),
                        zone,
                        lines: backend.output(&source, request.lines, None).await?,
                    });
                }
            }
        }
    }
    let total = if prefixed { request.lines } else { usize::MAX };
    for line in merge(sources, total) {
        if !emit(&line, prefixed) {
            return Ok(());
        }
    }
    if !request.follow {
        return Ok(());
    }
    follow(
        catalog, &origins, trackers, &backends, prefixed, interrupt, emit,
    )
    .await
}

async fn follow(
    catalog: &Catalog,
    origins: &[(Entry, Origin)],
    mut trackers: Vec<(String, Tracker)>,
    backends: &Backends,
    prefixed: bool,
    interrupt: &Interrupt,
    emit: &mut dyn FnMut(&SourcedLine, bool) -> bool,
) -> Result<(), Failure> {
    let (sender, mut receiver) = mpsc::unbounded_channel::<OutputLine>();
    // Each service's own output is read on its own; they all end with this
    // function (a journal's `journalctl` is killed when its task is dropped).
    let outputs = origins
        .iter()
        .filter(|(_, origin)| *origin == Origin::Output)
        .filter_map(|(entry, _)| {
            let source = output_source(catalog, entry)?;
            let backend = backends.get(entry.backend)?;
            let sender = sender.clone();
            Some(async move {
                let _ = backend.output(&source, 0, Some(sender)).await;
            })
        });
    let outputs = futures_util::future::join_all(outputs);
    drop(sender);
    tokio::pin!(outputs);
    let mut outputs_ended = false;
    loop {
        // Files: new lines, rotation, and newly appearing current files.
        for (entry, origin) in origins {
            if *origin != Origin::Files {
                continue;
            }
            for file in current_files(catalog, entry) {
                if !trackers
                    .iter()
                    .any(|(_, tracker)| tracker.path == file.path)
                    && let Ok(tracker) = Tracker::open(file.path, false)
                {
                    trackers.push((entry.name.clone(), tracker));
                }
            }
        }
        for (service, tracker) in &mut trackers {
            for text in tracker.poll_rotation() {
                if !emit(
                    &SourcedLine {
                        source: service.clone(),
                        text,
                    },
                    prefixed,
                ) {
                    return Ok(());
                }
            }
        }
        while let Ok(line) = receiver.try_recv() {
            let line = SourcedLine {
                source: line.source,
                text: line.text,
            };
            if !emit(&line, prefixed) {
                return Ok(());
            }
        }
        tokio::select! {
            () = tokio::time::sleep(FOLLOW_POLL) => {}
            _ = &mut outputs, if !outputs_ended => outputs_ended = true,
            () = interrupt.raised() => break,
        }
    }
    Ok(())
}
