//! The ground floor: what a service is, its state and health, how hmctl
//! reaches it, and the vocabulary of operations on it. Everything else builds
//! on these types; this module imports nothing of hmctl but [`crate::exit`].
//!
//! The layers, lowest first (a module may import only from its own layer or
//! below; `tests/layering.rs` checks it): `model` (with `exit`, `version`) ←
//! `catalog` (with `compose`, `redact`) ← `backend` ← `ops` (with `settings`)
//! ← `render`, `commands` (with `progress`, `output`, `cli`, `docs`,
//! `completion`, `fuzzing`) ← `app`.

mod kind;
mod named;
mod operation;
mod state;

pub use kind::BackendKind;
pub use named::Named;
pub use operation::{Action, Step, Verb};
pub use state::{Handle, Health, Observation, ServiceStatus, State, format_timestamp};
