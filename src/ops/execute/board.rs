//! Where each step of a running plan stands, as the steps waiting on it see
//! it: a start waits until what it needs is up (not settled — a dependency's
//! settle window runs alongside its dependents' starts); a stop waits until
//! what needs the service has ended. The steps of one plan share one board
//! on one task, so plain cells suffice.

use crate::model::{Step, Verb};
use std::cell::RefCell;
use std::collections::HashMap;
use tokio::sync::watch;

/// One step's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Not started, or on its way.
    Pending,
    /// Its service is up (and healthy where it has a health check); its
    /// settle window may still be open.
    Up,
    /// Ended as wanted (done or skipped).
    Succeeded,
    /// Ended otherwise (failed, or not done).
    Failed,
}

/// Why a step may not go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The service it waited for that did not come up.
    pub by: String,
}

/// The standings of every step of a plan.
pub struct Board {
    verb: Verb,
    standings: RefCell<HashMap<(String, String), Standing>>,
    changed: watch::Sender<u64>,
}

fn key(group: &str, service: &str) -> (String, String) {
    (group.to_string(), service.to_string())
}

impl Board {
    pub fn new<'a>(verb: Verb, steps: impl Iterator<Item = &'a Step>) -> Board {
        Board {
            verb,
            standings: RefCell::new(
                steps
                    .map(|step| (key(&step.group, &step.service), Standing::Pending))
                    .collect(),
            ),
            changed: watch::Sender::new(0),
        }
    }

    /// Records where `step` stands now and wakes the steps waiting on it.
    pub fn set(&self, step: &Step, standing: Standing) {
        self.standings
            .borrow_mut()
            .insert(key(&step.group, &step.service), standing);
        self.changed.send_modify(|count| *count += 1);
    }

    /// `Ok(true)` when everything `step` waits for allows it to go ahead,
    /// `Ok(false)` while something is pending.
    fn ready(&self, step: &Step) -> Result<bool, Blocked> {
        let standings = self.standings.borrow();
        let mut ready = true;
        for name in &step.after {
            let standing = standings
                .get(&key(&step.group, name))
                .copied()
                .unwrap_or(Standing::Succeeded);
            match (self.verb, standing) {
                // A stop goes ahead once what needs the service has ended, however.
                (Verb::Stop, Standing::Succeeded | Standing::Failed)
                | (_, Standing::Up | Standing::Succeeded) => {}
                (_, Standing::Failed) => return Err(Blocked { by: name.clone() }),
                (_, Standing::Pending) => ready = false,
            }
        }
        Ok(ready)
    }

    /// Resolves once `step` may go ahead, or with what blocks it for good.
    pub async fn wait_for(&self, step: &Step) -> Result<(), Blocked> {
        let mut changes = self.changed.subscribe();
        loop {
            changes.borrow_and_update();
            if self.ready(step)? {
                return Ok(());
            }
            if changes.changed().await.is_err() {
                return Ok(());
            }
        }
    }
}
