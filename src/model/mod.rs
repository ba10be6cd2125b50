//! The ground floor: what a service is, its state and health, how hmctl
//! reaches it, and the vocabulary of operations on it. Everything else builds
//! on these types; this module imports nothing of hmctl but [`crate::exit`].
//!
//! It is the lowest layer (see `src/lib.rs` for the rule and
//! `tests/layering.rs` for its check).

mod auto_start;
mod details;
mod event;
mod kind;
mod last_change;
mod last_exit;
mod named;
mod operation;
mod state;

pub use auto_start::{AutoStart, RestartPolicyName, UNIT_DISABLED, UNIT_ENABLED};
pub use details::{Details, HealthCheckTiming, HealthRun};
pub use event::{EventSource, Happening, ServiceEvent, signal_name};
pub use kind::{BackendKind, GroupKey, LogLayout};
pub use last_change::LastChange;
pub use last_exit::LastExit;
pub use named::Named;
pub(crate) use named::named_by_fields;
pub use operation::{Action, Step, Verb};
pub use state::{
    Handle, HandleKind, Health, MaintenanceMark, Observation, Readiness, ServiceStatus, State,
    format_timestamp,
};
