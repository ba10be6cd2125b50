//! hmctl: one command to see and control every HyperBDR / HyperMotion service
//! on a host — Docker Compose containers and systemd units — with the
//! troubleshooting guide's log knowledge built in.
//!
//! Layout: [`cli`] parses, [`app`] dispatches, [`ops`] does the work on the
//! [`catalog`] through the [`backend`]s, [`render`] turns results into text.

pub mod app;
pub mod backend;
pub mod catalog;
pub mod cli;
pub mod completion;
pub mod compose;
pub mod docs;
pub mod exit;
pub mod fuzzing;
pub mod model;
pub mod ops;
pub mod output;
pub mod progress;
pub mod redact;
pub mod render;
pub mod version;
