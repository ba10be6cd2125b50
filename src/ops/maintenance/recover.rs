//! Finishing or undoing a maintenance change a crash or `kill -9`
//! interrupted, at the start of the next hmctl run, like an upgrade's
//! journal. Only when no hmctl holds the lock. An entry still `entering`
//! whose service is stopped is finished (held off, in maintenance: what the
//! operator asked for, and the stop already happened); one whose service is
//! still up is undone (its policy given back, its entry forgotten: nothing
//! was stopped). An entry `leaving` is finished: its policy given back and
//! the entry forgotten (the operator asked it out; starting it is left to
//! them, said in the message).

use super::register::{Entry, Phase, Register};
use super::{read, write};
use crate::catalog::Catalog;
use crate::model::{ServiceStatus, State};
use crate::ops::history::record::{Activity, Touched};
use crate::ops::history::recorder::{self, Intent};
use crate::ops::{lock, snapshot};
use crate::settings::Settings;

/// What recovery would do with one entry, given its service's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Hold it off and mark it in maintenance.
    Complete,
    /// Give back its policy and forget it.
    Undo,
    /// Give back its policy and forget it (it was leaving).
    FinishLeaving,
}

/// The decision for an unfinished entry (`None` for a finished one).
pub fn decide(entry: &Entry, row: Option<&ServiceStatus>) -> Option<Decision> {
    match entry.phase {
        Phase::In => None,
        Phase::Leaving => Some(Decision::FinishLeaving),
        Phase::Entering => {
            let up = row.is_some_and(|row| {
                matches!(
                    row.state,
                    State::Running | State::Starting | State::Restarting
                )
            });
            Some(if up {
                Decision::Undo
            } else {
                Decision::Complete
            })
        }
    }
}

/// Recovers every unfinished entry (of the register where the `settings`
/// keep it), reaching the daemons as `backends` says; returns what it did,
/// for warnings.
pub async fn recover(
    catalog: &Catalog,
    settings: &Settings,
    backends: &crate::backend::Backends,
) -> Vec<String> {
    let state_dir = &settings.state_dir;
    let Ok(register) = read(state_dir) else {
        return Vec::new();
    };
    if !register.is_unfinished() {
        return Vec::new();
    }
    let Ok(_lock) = lock::acquire(
        &settings.lock_file,
        "hmctl (recovering an interrupted maintenance change)",
        std::time::Duration::ZERO,
    ) else {
        return Vec::new();
    };
    let Ok((snapshot, backends)) = snapshot::take(catalog, settings, backends).await else {
        return Vec::new();
    };
    let unfinished: Vec<Entry> = register
        .entries
        .iter()
        .filter(|entry| entry.phase != Phase::In)
        .cloned()
        .collect();
    let recording = recorder::begin(
        settings,
        Intent {
            activity: Activity::Recovery,
            services: unfinished
                .iter()
                .map(|entry| Touched {
                    name: entry.service.clone(),
                    group: entry.group.clone(),
                    aliases: Vec::new(),
                })
                .collect(),
            steps: vec!["finish or undo the interrupted maintenance change".to_string()],
            package: None,
        },
    );
    let mut register = register;
    let mut messages = Vec::new();
    for entry in unfinished {
        let row = snapshot
            .services
            .iter()
            .find(|row| row.group == entry.group && row.name == entry.service);
        let (Some(decision), Some(row)) = (decide(&entry, row), row) else {
            continue;
        };
        let Some(backend) = backends.get(row.backend()) else {
            continue;
        };
        let wanted = match decision {
            Decision::Complete => entry.previous.held(),
            Decision::Undo | Decision::FinishLeaving => entry.previous.clone(),
        };
        if let Err(error) = backend.set_auto_start(&row.handle, &wanted).await {
            messages.push(format!(
                "{} was left half in maintenance by an interrupted hmctl, and cannot be set to {} yet: {error}",
                entry.service,
                wanted.describe()
            ));
            continue;
        }
        apply(&mut register, &entry, decision);
        messages.push(said(&entry, decision));
    }
    let exit = if write(state_dir, &register).is_ok() {
        crate::exit::Exit::Success
    } else {
        crate::exit::Exit::OperationFailed
    };
    recording.end(exit, &messages.join("; "), Vec::new(), None);
    messages
}

/// Records a decision carried out in the register.
fn apply(register: &mut Register, entry: &Entry, decision: Decision) {
    let same = |kept: &Entry| kept.group == entry.group && kept.service == entry.service;
    match decision {
        Decision::Complete => {
            for kept in register.entries.iter_mut().filter(|kept| same(kept)) {
                kept.phase = Phase::In;
            }
        }
        Decision::Undo | Decision::FinishLeaving => register.entries.retain(|kept| !same(kept)),
    }
}

/// What the operator is told.
fn said(entry: &Entry, decision: Decision) -> String {
    let service = &entry.service;
    match decision {
        Decision::Complete => format!(
            "finished putting {service} in maintenance (an hmctl was interrupted after stopping it): {} held off",
            entry.previous.describe()
        ),
        Decision::Undo => format!(
            "undid putting {service} in maintenance (an hmctl was interrupted before stopping it): {} given back",
            entry.previous.describe()
        ),
        Decision::FinishLeaving => format!(
            "finished taking {service} out of maintenance (an hmctl was interrupted): {} given back; start it with `hmctl start {service}`",
            entry.previous.describe()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::register::tests::entry;
    use super::*;
    use crate::model::{Handle, Observation};

    fn row(state: State) -> ServiceStatus {
        let mut observation = Observation::missing("");
        observation.state = state;
        ServiceStatus::new(
            "rabbitmq",
            "console",
            Handle::compose("test", "rabbitmq", None),
            observation,
        )
    }

    #[test]
    fn an_entering_entry_is_finished_once_stopped_and_undone_while_up() {
        let entering = entry("rabbitmq", Phase::Entering);
        let exited = row(State::Exited);
        let running = row(State::Running);
        assert_eq!(decide(&entering, Some(&exited)), Some(Decision::Complete));
        assert_eq!(decide(&entering, Some(&running)), Some(Decision::Undo));
        assert_eq!(
            decide(&entry("rabbitmq", Phase::Leaving), Some(&running)),
            Some(Decision::FinishLeaving)
        );
        assert_eq!(decide(&entry("rabbitmq", Phase::In), Some(&exited)), None);
    }

    #[test]
    fn decisions_are_kept_in_the_register_and_said() {
        let mut register = Register {
            schema: 1,
            entries: vec![
                entry("rabbitmq", Phase::Entering),
                entry("mysql", Phase::Leaving),
            ],
        };
        apply(
            &mut register,
            &entry("rabbitmq", Phase::Entering),
            Decision::Complete,
        );
        apply(
            &mut register,
            &entry("mysql", Phase::Leaving),
            Decision::FinishLeaving,
        );
        assert_eq!(register.entries.len(), 1);
        assert_eq!(register.entries[0].phase, Phase::In);
        assert!(!register.is_unfinished());
        assert_eq!(
            said(&entry("rabbitmq", Phase::Entering), Decision::Complete),
            "finished putting rabbitmq in maintenance (an hmctl was interrupted after stopping it): restart policy on-failure:3 held off"
        );
        assert_eq!(
            said(&entry("rabbitmq", Phase::Entering), Decision::Undo),
            "undid putting rabbitmq in maintenance (an hmctl was interrupted before stopping it): restart policy on-failure:3 given back"
        );
        assert_eq!(
            said(&entry("mysql", Phase::Leaving), Decision::FinishLeaving),
            "finished taking mysql out of maintenance (an hmctl was interrupted): restart policy on-failure:3 given back; start it with `hmctl start mysql`"
        );
    }
}
