//! `hmctl events`: one timeline of what happened to the services — each
//! backend's own records (Docker's events and container states, systemd's
//! messages in the journal, asked through the backend seam) and hmctl's own
//! history ([`operator`]) — merged oldest first, each happening once
//! ([`merge`]); or, following, new events as they happen. A source that
//! cannot be read is named and the others shown. The metrics timer's
//! transitions are the place left for a fourth source ([`metrics_timer`]).

pub mod merge;
pub mod metrics_timer;
pub mod operator;

use crate::backend::{Backend, Backends, EventWindow, EventsRead, SourceFailure};
use crate::catalog::{Catalog, Group, resolve};
use crate::exit::Failure;
use crate::model::{BackendKind, EventSource, ServiceEvent};
use crate::ops::interrupt::Interrupt;
use crate::ops::inventory::inventory;
use crate::settings::Settings;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often the history is read again for new runs while following.
const HISTORY_POLL: Duration = Duration::from_millis(250);

/// What the operator asked to see.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub since: Option<jiff::Timestamp>,
    pub until: Option<jiff::Timestamp>,
}

/// A source that could not be read: named, with why and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    pub source: EventSource,
    pub message: String,
    pub hint: Option<String>,
}

impl From<SourceFailure> for Unread {
    fn from(failure: SourceFailure) -> Unread {
        Unread {
            source: failure.source,
            hint: failure.error.hint(),
            message: failure.error.to_string(),
        }
    }
}

/// The services asked about, and the groups (by kind) whose daemons know them.
pub struct Selection {
    groups: BTreeMap<BackendKind, Vec<Group>>,
    /// `(group, service)`; `None`: every service.
    services: Option<BTreeSet<(String, String)>>,
}

/// The timeline of a window.
#[derive(Debug, Default)]
pub struct Timeline {
    pub events: Vec<ServiceEvent>,
    pub unread: Vec<Unread>,
    /// How many sources answered.
    pub answered: usize,
    /// Lines of the history that could not be read.
    pub skipped_history: usize,
    /// Each service's last health verdict (for a health change that follows).
    pub last_health: HashMap<(String, String), String>,
}

impl Timeline {
    /// No source could be read at all (exit 4).
    pub fn nothing_read(&self) -> bool {
        self.answered == 0 && !self.unread.is_empty()
    }

    fn add(&mut self, read: EventsRead) {
        self.events.extend(read.events);
        self.answered += read.answered.len();
        self.unread
            .extend(read.failures.into_iter().map(Unread::from));
    }
}

/// Resolves the TARGETs (exit 2 for an unknown one) to the services and the
/// present groups to ask.
pub fn select(
    catalog: &Catalog,
    targets: &[String],
    backends: &Backends,
) -> Result<Selection, Failure> {
    let entries = inventory(catalog, backends);
    let chosen = resolve(targets, &entries, catalog)?;
    let services: BTreeSet<(String, String)> = chosen
        .iter()
        .map(|index| (entries[*index].group.clone(), entries[*index].name.clone()))
        .collect();
    let mut groups: BTreeMap<BackendKind, Vec<Group>> = BTreeMap::new();
    for group in catalog.present_groups() {
        if targets.is_empty() || services.iter().any(|(name, _)| *name == group.name) {
            groups.entry(group.backend).or_default().push(group.clone());
        }
    }
    Ok(Selection {
        groups,
        services: (!targets.is_empty()).then_some(services),
    })
}

/// Each kind's backend, ready to read its services' records, reached as
/// `backends` says.
async fn backends(selection: &Selection, backends: &Backends) -> Vec<(Arc<Backend>, Vec<Group>)> {
    let mut backends = backends.clone();
    let mut connected = Vec::new();
    for (kind, groups) in &selection.groups {
        let backend = backends.for_output(*kind).await;
        connected.push((backend, groups.clone()));
    }
    connected
}

/// hmctl's own history in the window, as operator actions, and how many of
/// its lines could not be read; or why it could not be read at all.
fn history_events(
    settings: &Settings,
    window: EventWindow,
) -> Result<(Vec<ServiceEvent>, usize), Unread> {
    match crate::ops::history::all_runs(&settings.state_dir, &settings.lock_file) {
        Ok((runs, skipped)) => Ok((operator::events_of_runs(&runs, window), skipped)),
        Err(failure) => Err(Unread {
            source: EventSource::HmctlHistory,
            message: failure.message,
            hint: failure.hint,
        }),
    }
}

/// The timeline of `request`'s window (until now when it has no end).
pub async fn gather(
    selection: &Selection,
    settings: &Settings,
    request: &Request,
    backends: &Backends,
) -> Timeline {
    let timeout = settings.daemon_timeout;
    let window = EventWindow {
        since: request.since,
        until: Some(request.until.unwrap_or_else(jiff::Timestamp::now)),
    };
    let connected = self::backends(selection, backends).await;
    let reads = connected
        .iter()
        .map(|(backend, groups)| backend.events(groups, window, timeout, None));
    let reads = futures_util::future::join_all(reads).await;
    let mut timeline = Timeline::default();
    for read in reads {
        timeline.add(read);
    }
    match history_events(settings, window) {
        Ok((events, skipped)) => {
            timeline.events.extend(events);
            timeline.answered += 1;
            timeline.skipped_history = skipped;
        }
        Err(unread) => timeline.unread.push(unread),
    }
    match metrics_timer::read(&settings.state_dir, window) {
        Ok(None) => {}
        Ok(Some(events)) => {
            timeline.events.extend(events);
            timeline.answered += 1;
        }
        Err((message, hint)) => timeline.unread.push(Unread {
            source: EventSource::MetricsTimer,
            message,
            hint: Some(hint),
        }),
    }
    let events = std::mem::take(&mut timeline.events);
    timeline.events = merge::timeline(
        events,
        selection.services.as_ref(),
        &mut timeline.last_health,
    );
    timeline
}

/// What following tells, as it happens.
pub enum Live {
    Event(ServiceEvent),
    Unread(Unread),
}

/// The history's runs already told (by run and whether it had ended), and
/// the size and time of its current file when last read.
#[derive(Default)]
struct Told {
    runs: BTreeSet<(String, bool)>,
    file: Option<(u64, std::time::SystemTime)>,
}

/// The operator actions of runs not told yet: a run is told when it begins
/// (at its start) and again when it ends (at its end, with its result). The
/// history is read again only when its file changed.
fn new_history_events(settings: &Settings, told: &mut Told) -> Vec<ServiceEvent> {
    let path = settings
        .state_dir
        .join(crate::ops::history::store::FILE_NAME);
    let file = std::fs::symlink_metadata(&path)
        .and_then(|metadata| Ok((metadata.len(), metadata.modified()?)))
        .ok();
    if file.is_some() && file == told.file {
        return Vec::new();
    }
    told.file = file;
    let Ok((runs, _)) = crate::ops::history::all_runs(&settings.state_dir, &settings.lock_file)
    else {
        return Vec::new();
    };
    let mut events = Vec::new();
    for run in runs {
        let ended_at = run.ended.as_ref().map(|ended| ended.at);
        if !told
            .runs
            .insert((run.began.run.clone(), ended_at.is_some()))
        {
            continue;
        }
        let mut run_events =
            operator::events_of_runs(std::slice::from_ref(&run), EventWindow::default());
        for event in &mut run_events {
            event.time = ended_at.unwrap_or(event.time);
        }
        events.extend(run_events);
    }
    events
}

/// Follows from `since` on — the daemons' streams and the history — sending
/// each new event (and each source that stops answering) to `emit` until an
/// interrupt, or until `emit` says stdout is closed.
pub async fn follow(
    selection: &Selection,
    settings: &Settings,
    since: jiff::Timestamp,
    timeline: &mut Timeline,
    interrupt: &Interrupt,
    emit: &mut dyn FnMut(Live) -> bool,
    backends: &Backends,
) {
    let timeout = settings.daemon_timeout;
    let connected = self::backends(selection, backends).await;
    let (sender, mut receiver) = mpsc::unbounded_channel::<ServiceEvent>();
    let (failures, mut failed) = mpsc::unbounded_channel::<SourceFailure>();
    let window = EventWindow {
        since: Some(since),
        until: None,
    };
    // Each stream ends with this function (journalctl is killed when dropped).
    let streams = connected.iter().map(|(backend, groups)| {
        let sender = sender.clone();
        let failures = failures.clone();
        async move {
            let read = backend.events(groups, window, timeout, Some(sender)).await;
            for failure in read.failures {
                let _ = failures.send(failure);
            }
        }
    });
    let streams = futures_util::future::join_all(streams);
    drop((sender, failures));
    tokio::pin!(streams);
    // What the history held when following began was told with the window.
    let mut told = Told::default();
    new_history_events(settings, &mut told);
    let mut pending: Vec<ServiceEvent> = Vec::new();
    let mut streams_ended = false;
    loop {
        while let Ok(event) = receiver.try_recv() {
            pending.push(event);
        }
        pending.extend(new_history_events(settings, &mut told));
        let batch = std::mem::take(&mut pending);
        for mut event in merge::timeline(batch, selection.services.as_ref(), &mut HashMap::new()) {
            merge::fill_health_from(&mut event, &mut timeline.last_health);
            if !emit(Live::Event(event)) {
                return;
            }
        }
        while let Ok(failure) = failed.try_recv() {
            if !emit(Live::Unread(failure.into())) {
                return;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(HISTORY_POLL) => {}
            Some(event) = receiver.recv() => pending.push(event),
            _ = &mut streams, if !streams_ended => streams_ended = true,
            () = interrupt.raised() => return,
        }
    }
}
