//! The log-file mechanics that several verbs share (`logs`, `logs grep`,
//! `logs trace`, `logs collect`, `diagnose`): which files a service logs to
//! and their rotated generations, reading their tails, the time of a line,
//! searching them, following them. One room below `ops`: it reads the
//! catalog and files, never a backend or an operation.

pub mod files;
#[cfg(test)]
pub mod gzip_fixture;
pub mod rotation;
pub mod search;
pub mod tail;
pub mod timeline;
pub mod tracker;
