//! `hmctl diagnose`: the troubleshooting guide's method (sections 4–6) as one
//! command. State first; then the window's errors in the logs that matter
//! (high-priority first), grouped by signature; the request ids followed
//! across services; a verdict per finding from the rule table (`rules.toml`)
//! with the next command to run. Each step is its own module, of pure
//! functions over plain data; this one only puts them together.

pub mod advice;
pub mod candidates;
pub mod causes;
pub mod chain;
pub mod context;
pub mod event;
pub mod happening;
pub mod happenings;
pub mod position;
pub mod report;
pub mod rules;
pub mod scan;
pub mod signature;
pub mod state;
pub mod verdict;
pub mod window;

#[cfg(test)]
mod advice_tests;
#[cfg(test)]
mod causes_tests;
#[cfg(test)]
mod scan_tests;
#[cfg(test)]
mod world_tests;

use crate::backend::UnreadFiles;
use crate::catalog::{Catalog, by_priority, resolve, stage};
use crate::exit::{Exit, Failure};
use crate::log_files::files::LogFile;
use crate::ops::inventory::{Entry, inventory};
use crate::ops::logs::select::select;
use crate::ops::snapshot;
use crate::settings::Settings;
use report::{Report, Scope};
use scan::Event;
use std::path::Path;

/// The default byte budget of the log reading (`--max-read`).
pub const DEFAULT_BUDGET_MIB: u64 = 1024;

/// What the operator asked.
#[derive(Debug, Clone)]
pub struct Request {
    pub stage: Option<String>,
    /// The positionals: `[SERVICE] [KEYWORD]`.
    pub words: Vec<String>,
    pub id: Option<String>,
    pub window: window::Asked,
    pub limits: scan::Limits,
}

/// Splits the positionals into SERVICE and KEYWORD: with `--stage`, one
/// word is the KEYWORD; without, two are SERVICE KEYWORD and one is the
/// SERVICE when it names one, else the KEYWORD.
fn scope(
    catalog: &Catalog,
    entries: &[Entry],
    request: &Request,
    notes: &mut Vec<String>,
) -> Result<(Scope, Option<Vec<String>>), Failure> {
    let mut scope = Scope {
        stage: request.stage.clone(),
        id: request.id.clone(),
        ..Scope::default()
    };
    let too_many = |what: &str| {
        Failure::usage(format!("too many words: {what}")).with_hint(
            "quote a KEYWORD with spaces: hmctl diagnose unicloud-engine 'Failed to attach'",
        )
    };
    let service = match (request.stage.as_deref(), request.words.as_slice()) {
        (_, words) if words.len() > 2 => return Err(too_many("give at most SERVICE and KEYWORD")),
        (Some(_), [_, _]) => return Err(too_many("with --stage, give only a KEYWORD")),
        (Some(_), [keyword]) => {
            scope.keyword = Some(keyword.clone());
            None
        }
        (None, [service, keyword]) => {
            scope.keyword = Some(keyword.clone());
            Some(service.clone())
        }
        (None, [word]) => {
            if resolve(std::slice::from_ref(word), entries, catalog).is_ok() {
                Some(word.clone())
            } else {
                notes.push(format!(
                    "{word:?} names no service: looking for it as a keyword"
                ));
                scope.keyword = Some(word.clone());
                None
            }
        }
        _ => None,
    };
    if let Some(id) = &request.id
        && id.trim().len() < 3
    {
        return Err(
            Failure::usage(format!("the id {id:?} is too short to follow"))
                .with_hint("give a request, resource or user id"),
        );
    }
    let named = match (&service, &request.stage) {
        (Some(service), _) => {
            let indices = resolve(std::slice::from_ref(service), entries, catalog)?;
            scope.service = Some(service.clone());
            Some(
                indices
                    .into_iter()
                    .map(|index| entries[index].name.clone())
                    .collect(),
            )
        }
        (None, Some(name)) => stage(name).map(|found| {
            by_priority(found)
                .into_iter()
                .flat_map(|wanted| match wanted.service {
                    Some(service) => vec![service.to_string()],
                    None => entries
                        .iter()
                        .filter(|entry| entry.group == wanted.group)
                        .map(|entry| entry.name.clone())
                        .collect(),
                })
                .collect()
        }),
        (None, None) => None,
    };
    Ok((scope, named))
}

/// The files to read, high-priority services' first, current files before rotations.
fn files_to_read(
    catalog: &Catalog,
    request: &Request,
    names: Option<&[String]>,
    notes: &mut Vec<String>,
    backends: &crate::backend::Backends,
) -> Result<Vec<LogFile>, Failure> {
    let targets = match (&request.stage, names) {
        (None, Some(names)) => names.to_vec(),
        _ => Vec::new(),
    };
    let selection = select(catalog, request.stage.as_deref(), &targets, backends)?;
    for refused in &selection.refused {
        notes.push(format!(
            "skipped {}: it leads outside the group's log directories",
            refused.display()
        ));
    }
    let high: Vec<(&str, Option<&str>)> = request
        .stage
        .as_deref()
        .and_then(stage)
        .map(|found| {
            found
                .services
                .iter()
                .filter(|service| service.high_priority)
                .map(|service| (service.group, service.service))
                .collect()
        })
        .unwrap_or_default();
    let high_priority = |file: &LogFile| {
        high.iter().any(|(group, service)| {
            *group == file.group && service.is_none_or(|service| service == file.service)
        })
    };
    let mut files = selection.files;
    files.sort_by_key(|file| (!high_priority(file), file.rotated));
    Ok(files)
}

/// With `--id` or a KEYWORD: the events that name them, and those sharing a
/// request id with those; the rest are counted, not shown.
fn related(events: Vec<Event>, needles: &[String]) -> (Vec<Event>, Vec<Event>) {
    if needles.is_empty() {
        return (events, Vec::new());
    }
    let names = |event: &Event| {
        needles
            .iter()
            .any(|needle| event.text.contains(needle.as_str()))
    };
    let mut ids: Vec<String> = Vec::new();
    for event in events.iter().filter(|event| names(event)) {
        for id in chain::request_ids(&event.text) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    events
        .into_iter()
        .partition(|event| names(event) || ids.iter().any(|id| event.text.contains(id.as_str())))
}

/// Refuses an `--id` or a word holding a line break before anything is
/// read or asked: log lines are searched one at a time, so it could never be
/// found.
fn one_line_words(request: &Request) -> Result<(), Failure> {
    match request
        .id
        .iter()
        .chain(&request.words)
        .find(|word| word.contains(['\n', '\r']))
    {
        Some(word) => Err(Failure::usage(format!(
            "{word:?} holds a line break: log lines are searched one at a time"
        ))
        .with_hint("give --id or KEYWORD as text that stands on one log line")),
        None => Ok(()),
    }
}

/// What happened in the window: the history's changes, the deaths the
/// daemons and the metrics timer saw. Files that cannot be read (an operator
/// without root) give none.
fn happenings_in(
    state_dir: &Path,
    window: &window::Window,
    states: &[report::ServiceState],
) -> Vec<happening::Happening> {
    let actions = crate::ops::history::actions::all(state_dir);
    let transitions =
        crate::ops::transitions::read(state_dir, Some(window.since), Some(window.until))
            .map(|reading| reading.records)
            .unwrap_or_default();
    happenings::happenings(&actions, &transitions, states, window)
}

/// The window the request asks about (`--at`, `--since`, `--until`), read
/// against `now`.
fn asked_window(request: &Request, now: &jiff::Zoned) -> Result<window::Window, Failure> {
    let asked = &request.window;
    window::window(
        asked.at.as_deref(),
        asked.since.as_deref(),
        asked.until.as_deref(),
        now,
    )
    .map_err(|message| {
        Failure::usage(message)
            .with_hint("times: 2025-09-18 16:24, 2025-09-18T16:24:31, or 30m / 2h / 1d ago")
    })
}

/// What the daemons say of the services that `matter`: their states, the
/// errors of the daemons that did not answer, and the dependency graphs.
async fn services_as_daemons_see_them(
    catalog: &Catalog,
    settings: &Settings,
    matter: &[String],
    backends: &crate::backend::Backends,
) -> (
    Vec<report::ServiceState>,
    Vec<String>,
    Vec<crate::ops::order::Graph>,
) {
    match snapshot::take(catalog, settings, backends).await {
        Ok((mut snapshot, backends)) => {
            // A service in maintenance is stopped on purpose: not a finding.
            // A register that cannot be read is said beside the daemons' errors.
            let unmarked = crate::ops::maintenance::held::mark_from_register(
                &settings.state_dir,
                &mut snapshot.services,
            )
            .err()
            .map(|failure| match failure.hint {
                Some(hint) => format!("{} (hint: {hint})", failure.message),
                None => failure.message,
            });
            let chosen = state::select(&snapshot.services, matter);
            let errors: Vec<String> = snapshot
                .errors
                .iter()
                .map(ToString::to_string)
                .chain(snapshot.unread.iter().map(UnreadFiles::message))
                .chain(unmarked)
                .collect();
            let graphs = state::dependency_graphs(catalog, &snapshot);
            (state::states(chosen, &backends).await, errors, graphs)
        }
        Err(failure) => (Vec::new(), vec![failure.message], Vec::new()),
    }
}

/// Reads the files' lines in the window on a blocking thread, while the
/// daemons are asked.
async fn scan_files(
    files: Vec<LogFile>,
    window: window::Window,
    needles: Vec<String>,
    limits: scan::Limits,
) -> Result<(Vec<Event>, scan::Cost), Failure> {
    tokio::task::spawn_blocking(move || {
        scan::scan(&scan::Request {
            files: &files,
            window: &window,
            needles: &needles,
            limits,
        })
    })
    .await
    .map_err(|error| {
        Failure::new(
            Exit::OperationFailed,
            format!("the log reading failed: {error}"),
        )
    })?
    .map_err(Failure::usage)
}

/// Runs the diagnosis.
pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    request: &Request,
    now: jiff::Zoned,
    backends: &crate::backend::Backends,
) -> Result<Report, Failure> {
    let window = asked_window(request, &now)?;
    one_line_words(request)?;
    let table = rules::table().map_err(|message| Failure::new(Exit::OperationFailed, message))?;
    let mut notes = Vec::new();
    let entries = inventory(catalog, backends);
    let (scope, named) = scope(catalog, &entries, request, &mut notes)?;
    // A service's logs come with those of what it depends on (its middleware).
    let matter = state::services_that_matter(catalog, &entries, named.as_deref());
    let readable = named.as_ref().map(|_| matter.clone());
    let mut files = files_to_read(catalog, request, readable.as_deref(), &mut notes, backends)?;
    for unasked in crate::ops::logs::zones::attach(catalog, &mut files, backends).await {
        notes.push(format!(
            "{unasked} (hint: {})",
            crate::ops::logs::zones::UNASKED_HINT
        ));
    }
    let needles: Vec<String> = scope.id.iter().chain(&scope.keyword).cloned().collect();
    let scanning = scan_files(files, window.clone(), needles.clone(), request.limits);
    let looking = services_as_daemons_see_them(catalog, settings, &matter, backends);
    let (scanned, (states, daemon_errors, graphs)) = tokio::join!(scanning, looking);
    notes.extend(daemon_errors);
    let (events, cost) = scanned?;
    for (path, error) in &cost.unreadable {
        notes.push(format!("cannot read {path}: {error}"));
    }
    let (events, unrelated) = related(events, &needles);
    let context = context::Context {
        window: &window,
        keyword: scope.id.as_deref().or(scope.keyword.as_deref()),
        states: &states,
        catalog,
        now: now.timestamp(),
    };
    let mut findings = advice::state_findings(table, &context);
    findings.extend(verdict::log_findings(&events, table, &context));
    let unrelated_signatures = verdict::log_findings(&unrelated, table, &context).len();
    let chains = chain::chains(&events, scope.id.as_deref(), &window.zone);
    let dependencies = causes::Dependencies { graphs: &graphs };
    let (findings, groups, mut summary) = causes::group(findings, &chains, &dependencies);
    let happenings = happenings_in(&settings.state_dir, &window, &states);
    if let (Some(summary), Some(primary)) = (summary.as_mut(), groups.first()) {
        summary.began_with = happenings::began_with(primary, &events, &happenings, &window);
    }
    let ok = groups.is_empty();
    let exit = if ok { Exit::Success } else { Exit::NotRunning };
    Ok(Report {
        schema: 1,
        host: crate::ops::status::host_name(),
        scope,
        window,
        ok,
        services: states,
        findings,
        groups,
        unrelated_signatures,
        chains,
        happenings,
        summary,
        cost,
        notes,
        elsewhere: report::elsewhere(request.stage.as_deref().and_then(stage)),
        exit,
    })
}
