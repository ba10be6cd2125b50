//! The two daemons hmctl drives, Docker (compose groups) and systemd (unit
//! groups), behind one state model. Each daemon's answers are translated into
//! [`state`] by pure functions; every call is bounded in time.

pub mod compose_cli;
pub mod compose_group;
pub mod control;
pub mod docker;
pub mod docker_list;
pub mod docker_ping;
pub mod docker_state;
pub mod error;
pub mod init_system;
pub mod inspect_cache;
pub mod state;
pub mod systemd;
pub mod systemd_state;
pub mod unit_group;

pub use error::BackendError;
pub use state::{Handle, Health, Observation, ServiceStatus, State};
