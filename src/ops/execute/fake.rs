//! A fake daemon and a progress recorder for the executor's tests: each
//! service shows what a test scripted for it, calls are recorded in order.

use super::*;
use crate::model::{Health, State};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};

/// A fake daemon: records calls in order; each service shows, one call after
/// another, what the test scripted for it (the last one for ever after).
#[derive(Default)]
pub struct Fake {
    pub calls: RefCell<Vec<String>>,
    pub script: RefCell<HashMap<&'static str, VecDeque<Observation>>>,
    pub act_delay: HashMap<&'static str, Duration>,
    pub in_flight: Cell<usize>,
    pub most_in_flight: Cell<usize>,
}

impl Fake {
    pub fn scripted(mut self, service: &'static str, observations: Vec<Observation>) -> Self {
        self.script.get_mut().insert(service, observations.into());
        self
    }

    pub fn delayed(mut self, service: &'static str, delay: Duration) -> Self {
        self.act_delay.insert(service, delay);
        self
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }

    pub fn position(&self, call: &str) -> usize {
        let calls = self.calls();
        calls
            .iter()
            .position(|made| made == call)
            .unwrap_or_else(|| panic!("no {call:?} in {calls:?}"))
    }
}

pub fn running(health: Health) -> Observation {
    Observation {
        state: State::Running,
        health,
        pid: Some(10),
        restarts: Some(0),
        ..Observation::missing("Up")
    }
}

pub fn exited(code: i64) -> Observation {
    Observation {
        state: State::Exited,
        exit_code: Some(code),
        reason: Some(format!("exited with code {code}")),
        ..Observation::missing(format!("Exited ({code})"))
    }
}

impl Control for Fake {
    async fn act(&self, step: &Step, _wait: bool) -> Result<Option<String>, BackendError> {
        let name = step.service.clone();
        self.calls
            .borrow_mut()
            .push(format!("begin {} {name}", step.action.as_str()));
        self.in_flight.set(self.in_flight.get() + 1);
        self.most_in_flight
            .set(self.most_in_flight.get().max(self.in_flight.get()));
        let delay = self
            .act_delay
            .get(name.as_str())
            .copied()
            .unwrap_or_default();
        tokio::time::sleep(delay).await;
        self.in_flight.set(self.in_flight.get() - 1);
        self.calls.borrow_mut().push(format!("end {name}"));
        Ok(None)
    }

    async fn observe(&self, step: &Step) -> Result<Observation, BackendError> {
        let mut script = self.script.borrow_mut();
        Ok(match script.get_mut(step.service.as_str()) {
            Some(queue) if queue.len() > 1 => {
                queue.pop_front().unwrap_or_else(|| running(Health::None))
            }
            Some(queue) => queue
                .front()
                .cloned()
                .unwrap_or_else(|| running(Health::None)),
            None => running(Health::None),
        })
    }

    async fn details(&self, step: &Step) -> Result<Details, BackendError> {
        Ok(Details {
            exit_code: Some(1),
            output: vec![format!("{}: config.yml: bad value", step.service)],
            ..Details::default()
        })
    }
}

/// Records when each step ends.
#[derive(Default)]
pub struct Recorder {
    pub ended: RefCell<Vec<String>>,
}

impl Progress for Recorder {
    fn begin(&self, _: &Step) {}
    fn update(&self, _: &Step, _: &str) {}
    fn end(&self, step: &Step, _: &StepResult) {
        self.ended.borrow_mut().push(step.service.clone());
    }
}
