//! hmctl: one command to see and control every HyperBDR / HyperMotion service
//! on a host — Docker Compose containers and systemd units — with the
//! troubleshooting guide's log knowledge built in.
//!
//! Layout: [`cli`] parses, [`app`] resolves the [`settings`] and dispatches to
//! the verb's file in [`commands`], [`ops`] does the work on the [`catalog`]
//! through the [`backend`]s, [`render`] turns results into text; all of them
//! speak the [`model`].
//!
//! The layering rule (checked by `tests/layering.rs`): a module imports only
//! from its own layer or a lower one — `model` (with `exit`, `version`,
//! `settings`, `private_file`) ← `catalog` (with `compose_file`, `redact`) ←
//! `log_files` ← `backend` ← `ops` ← `diagnose` ← `render`, `commands` (with `cli`, `docs`,
//! `output`, `progress`, `completion`, `fuzzing`) ← `app`.

// A function is held to the house style's 80 lines (`clippy.toml`); test code
// is not (Cargo.toml allows the lint for the test files in tests/).
#![cfg_attr(not(test), warn(clippy::too_many_lines))]

pub mod app;
pub(crate) mod backend;
pub(crate) mod catalog;
pub mod cli;
pub(crate) mod commands;
pub(crate) mod completion;
pub mod compose_file;
pub(crate) mod diagnose;
pub mod docs;
pub mod exit;
pub mod fuzzing;
pub(crate) mod log_files;
pub(crate) mod model;
pub(crate) mod ops;
pub(crate) mod output;
pub(crate) mod private_file;
pub(crate) mod progress;
pub mod redact;
pub(crate) mod render;
pub(crate) mod settings;
pub(crate) mod version;
