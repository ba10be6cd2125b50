//! What maintenance holds back from the lifecycle verbs: the register as
//! `start`, `restart`, `reload` and `status` read it, the refusal to start
//! what is in it and the marks on its rows. Below the lifecycle (it imports
//! nothing of it), so that the verbs can ask it while `maintenance on` and
//! `off` build on them.

use super::register::{self, Entry, Register};
use crate::exit::Failure;
use crate::model::{ServiceStatus, Verb, format_timestamp};
use std::path::Path;

/// The register, read from this host's state directory `state_dir` (what
/// `hmctl maintenance` lists).
pub fn read(state_dir: &Path) -> Result<Register, Failure> {
    register::read(state_dir)
}

/// Reads this host's register and marks the rows of services in maintenance
/// (status, metrics, diagnose); a register that cannot be read marks
/// nothing and is returned, for the caller to show beside its rows.
pub fn mark_from_register(state_dir: &Path, services: &mut [ServiceStatus]) -> Result<(), Failure> {
    mark(services, &read(state_dir)?);
    Ok(())
}

/// Marks the rows of services in maintenance.
fn mark(services: &mut [ServiceStatus], register: &Register) {
    for service in services {
        if let Some(entry) = register.find(&service.group, &service.name) {
            service.mark_maintenance(entry.mark());
        }
    }
}

/// Refuses to start or restart services in maintenance (exit 2, nothing
/// changed), naming each with who and since, and how to end it.
pub fn refuse_start(
    state_dir: &Path,
    verb: Verb,
    selected: &[&ServiceStatus],
) -> Result<(), Failure> {
    let register = read(state_dir)?;
    let held: Vec<&Entry> = selected
        .iter()
        .filter_map(|service| register.find(&service.group, &service.name))
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    let described: Vec<String> = held.iter().map(|entry| in_words(entry)).collect();
    let names: Vec<&str> = held.iter().map(|entry| entry.service.as_str()).collect();
    Err(Failure::usage(format!(
        "refusing to {} what is in maintenance: {}; nothing was changed",
        verb.as_str(),
        described.join("; ")
    ))
    .with_hint(format!(
        "hmctl maintenance off {names} ends it and starts them; `hmctl {verb} --force {names}` {verb}s them and leaves them in maintenance",
        names = names.join(" "),
        verb = verb.as_str()
    )))
}

/// An entry in words: `rabbitmq (by alice since 2026-12-04T22:00:00Z: disk swap)`.
pub fn in_words(entry: &Entry) -> String {
    format!(
        "{} (by {} since {}{})",
        entry.service,
        entry.by,
        format_timestamp(entry.since),
        entry
            .reason
            .as_deref()
            .map(|reason| format!(": {reason}"))
            .unwrap_or_default()
    )
}
