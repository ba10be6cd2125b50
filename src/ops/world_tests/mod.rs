//! The logic of the verbs against the in-memory world (`backend::world`):
//! status, start / stop / restart, reload, ok-to-stop and diagnose, as `ops`
//! runs them when a command hands it the real daemons — here handed the
//! world instead, so they run without root, dockerd or systemd, under
//! tokio's paused clock (a settle window or a hung daemon's timeout passes
//! at once). The real daemons' side is proven in tests/*_real.rs.

mod lifecycle;
mod list;
mod maintenance;
mod reload;
mod status;
mod stop;

use super::dependents::DependentsPolicy;
use super::execute::{Progress, StepResult};
use super::interrupt::Interrupt;
use super::lifecycle::{Report, Request, carry_out};
use super::plan::Pace;
use crate::backend::Backends;
use crate::backend::world::{Service, World};
use crate::exit::Failure;
use crate::model::{BackendKind, Step, Verb};
use std::time::Duration;

/// How long a service must stay up in these tests before its start is done.
const SETTLE: Duration = Duration::from_secs(2);

/// The console as the guides draw it, in miniature: porter-api needs mysql
/// and rabbitmq (compose `depends_on`), all running.
pub(crate) fn console() -> World {
    World::new()
        .with_group("console", BackendKind::Compose)
        .with_service("console", "mysql", Service::running().healthy())
        .with_service("console", "rabbitmq", Service::running())
        .with_service(
            "console",
            "porter-api",
            Service::running().needs(&["mysql", "rabbitmq"]),
        )
}

/// [`console`] beside an agent's units: watchman needs s3block
/// (`[service.watchman] depends_on`), both running.
fn console_and_agent() -> World {
    console()
        .with_group("agent", BackendKind::Systemd)
        .with_service("agent", "s3block", Service::running())
        .with_service("agent", "watchman", Service::running().needs(&["s3block"]))
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(ToString::to_string).collect()
}

/// A request to `verb` `targets`, every service watched for [`SETTLE`].
fn request(verb: Verb, targets: &[&str]) -> Request {
    Request {
        verb,
        targets: names(targets),
        pace: Pace {
            timeout: Some(Duration::from_secs(30)),
            settle: Some(SETTLE),
            wait: true,
        },
        dry_run: false,
        dependents: DependentsPolicy::Refuse,
        // The maintenance register is the host's: not read here.
        start_in_maintenance: true,
    }
}

/// Plans and carries out `request` in `world` (what `lifecycle::run` does
/// besides taking the host lock and writing the history).
async fn act(world: &World, request: &Request, interrupt: &Interrupt) -> Result<Report, Failure> {
    let planned = super::lifecycle::plan(
        &world.catalog(),
        &World::settings(),
        request,
        &Backends::world(world),
    )
    .await?;
    Ok(carry_out(planned.plan, planned.backends, request, interrupt, &Quiet).await)
}

/// The results of a report, by service.
fn result<'a>(report: &'a Report, service: &str) -> &'a StepResult {
    report
        .results
        .iter()
        .flatten()
        .find(|result| result.service == service)
        .unwrap_or_else(|| panic!("no result for {service}"))
}

/// Progress nobody watches.
struct Quiet;

impl Progress for Quiet {
    fn begin(&self, _: &Step) {}
    fn update(&self, _: &Step, _: &str) {}
    fn end(&self, _: &Step, _: &StepResult) {}
}
