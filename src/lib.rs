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
//! `settings`) ← `catalog` (with `compose`, `redact`) ← `backend` ← `ops` ←
//! `render`, `commands` (with `cli`, `docs`, `output`, `progress`,
//! `completion`, `fuzzing`) ← `app`.

pub mod app;
pub mod backend;
pub mod catalog;
pub mod cli;
pub mod commands;
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
pub mod settings;
pub mod version;
