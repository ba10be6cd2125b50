//! One service of the in-memory world: what its daemon would say of it, what
//! it declares it needs, and what a test scripted for it (it dies so long
//! after each start, the daemon refuses an action on it, its definition is
//! outdated).

use crate::model::{Action, AutoStart, Details, Health, Observation, Readiness, State};
use std::time::Duration;
use tokio::time::Instant;

/// A service of the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub state: State,
    /// Its health while it runs (`None`: no health check).
    pub health: Health,
    pub has_healthcheck: bool,
    pub restarts: u64,
    pub pid: Option<u32>,
    pub exit_code: Option<i64>,
    /// Why it is unhealthy or failed, in the daemon's words.
    pub reason: Option<String>,
    /// The services of its group it needs up first, as its kind declares it.
    pub needs: Vec<String>,
    /// When it entered its state (the world's clock).
    pub since: Option<Instant>,
    /// It is starting this long after each start before it runs.
    pub takes_to_start: Option<Duration>,
    /// It dies this long after each start, with this exit code.
    pub dies_after_start: Option<(Duration, i64)>,
    /// The daemon refuses this action on it, in these words.
    pub refuses: Option<(Action, String)>,
    /// It runs an outdated definition (`reload` recreates it).
    pub outdated: bool,
    /// What brings it back by itself, once set (`None`: its kind's usual).
    pub auto_start: Option<AutoStart>,
    /// The listening trigger that starts it on demand (a socket unit).
    pub started_on_demand_by: Option<String>,
    /// A client of that trigger comes as soon as it stops: it starts again.
    pub woken_after_stop: bool,
}

impl Service {
    fn in_state(state: State) -> Service {
        Service {
            state,
            health: Health::None,
            has_healthcheck: false,
            restarts: 0,
            pid: None,
            exit_code: None,
            reason: None,
            needs: Vec::new(),
            since: None,
            takes_to_start: None,
            dies_after_start: None,
            refuses: None,
            outdated: false,
            auto_start: None,
            started_on_demand_by: None,
            woken_after_stop: false,
        }
    }

    /// Running, without a health check.
    pub fn running() -> Service {
        Service::in_state(State::Running)
    }

    /// Exited with `code`.
    pub fn exited(code: i64) -> Service {
        Service {
            exit_code: Some(code),
            ..Service::in_state(State::Exited)
        }
    }

    /// In `state`, otherwise as [`Service::running`] would be.
    pub fn in_any(state: State) -> Service {
        Service::in_state(state)
    }

    /// Needs `services` (of its group) up first.
    #[must_use]
    pub fn needs(mut self, services: &[&str]) -> Service {
        self.needs = services.iter().map(ToString::to_string).collect();
        self
    }

    /// Has a health check that passes.
    #[must_use]
    pub fn healthy(mut self) -> Service {
        self.has_healthcheck = true;
        self.health = Health::Healthy;
        self
    }

    /// Has a health check that fails, saying `why`.
    #[must_use]
    pub fn unhealthy(mut self, why: &str) -> Service {
        self.has_healthcheck = true;
        self.health = Health::Unhealthy;
        self.reason = Some(why.into());
        self
    }

    /// Has restarted `count` times.
    #[must_use]
    pub fn restarted(mut self, count: u64) -> Service {
        self.restarts = count;
        self
    }

    /// Is starting for `how_long` after each start, then runs.
    #[must_use]
    pub fn takes_to_start(mut self, how_long: Duration) -> Service {
        self.takes_to_start = Some(how_long);
        self
    }

    /// Dies `after` each start, with exit code `code`.
    #[must_use]
    pub fn dies_after_start(mut self, after: Duration, code: i64) -> Service {
        self.dies_after_start = Some((after, code));
        self
    }

    /// Its daemon refuses `action` on it, saying `why`.
    #[must_use]
    pub fn refusing(mut self, action: Action, why: &str) -> Service {
        self.refuses = Some((action, why.into()));
        self
    }

    /// Runs an outdated definition.
    #[must_use]
    pub fn outdated(mut self) -> Service {
        self.outdated = true;
        self
    }

    /// Is started on demand by `trigger`, which listens.
    #[must_use]
    pub fn started_on_demand_by(mut self, trigger: &str) -> Service {
        self.started_on_demand_by = Some(trigger.into());
        self
    }

    /// A client of its trigger comes as soon as it stops, so it starts again.
    #[must_use]
    pub fn woken_after_stop(mut self) -> Service {
        self.woken_after_stop = true;
        self
    }

    /// Whether it has a process now.
    pub fn is_up(&self) -> bool {
        matches!(
            self.state,
            State::Running | State::Starting | State::Restarting
        )
    }

    /// The service at `now`: still starting, or dead, when a start it was
    /// scripted for says so by then.
    pub fn at(&self, now: Instant) -> Service {
        let mut service = self.clone();
        if let (Some(takes), Some(since), State::Running) =
            (self.takes_to_start, self.since, self.state)
            && now < since + takes
        {
            service.state = State::Starting;
            if service.has_healthcheck {
                service.health = Health::Starting;
            }
        }
        if let (Some((after, code)), Some(since), true) =
            (self.dies_after_start, self.since, self.is_up())
            && now >= since + after
        {
            service.state = State::Exited;
            service.exit_code = Some(code);
            service.pid = None;
            service.since = Some(since + after);
        }
        service
    }

    /// Carries out `action` at `now` (a new process gets `pid`).
    pub fn act(&mut self, action: Action, now: Instant, pid: u32) {
        match action {
            Action::Start | Action::Restart | Action::Create | Action::Recreate => {
                self.state = State::Running;
                self.pid = Some(pid);
                self.exit_code = None;
                self.since = Some(now);
                if self.has_healthcheck && self.health != Health::Unhealthy {
                    self.health = Health::Healthy;
                }
                if action == Action::Recreate {
                    self.outdated = false;
                }
            }
            Action::Stop if self.woken_after_stop && self.started_on_demand_by.is_some() => {
                self.state = State::Starting;
                self.pid = Some(pid);
                self.exit_code = None;
                self.since = Some(now);
            }
            Action::Stop => {
                self.state = State::Exited;
                self.pid = None;
                self.exit_code = Some(0);
                self.since = Some(now);
            }
            Action::Wait | Action::Skip | Action::Impossible => {}
        }
    }

    /// What its daemon says of it, its state since `since` (wall clock).
    pub fn observation(&self, since: Option<jiff::Timestamp>) -> Observation {
        let detail = match (self.state, self.exit_code) {
            (State::Exited | State::Failed, Some(code)) => {
                format!("{} ({code})", self.state.as_str())
            }
            (state, _) => state.as_str().to_string(),
        };
        Observation {
            state: self.state,
            health: if self.is_up() {
                self.health
            } else {
                Health::None
            },
            detail,
            since,
            restarts: Some(self.restarts),
            exit_code: self.exit_code,
            pid: self.pid,
            reason: self.reason.clone(),
            readiness: Readiness::Started,
            last_exit: None,
            started_on_demand_by: self.started_on_demand_by.iter().cloned().collect(),
        }
    }

    /// What its daemon says of it beyond its status line.
    pub fn details(&self) -> Details {
        Details {
            exit_code: self.exit_code,
            restarts: Some(self.restarts),
            result: self.reason.clone(),
            ..Details::default()
        }
    }
}
