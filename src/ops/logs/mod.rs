//! The troubleshooting guide's log knowledge, as commands: each service's own
//! logs (`logs TARGET`), stage-aware search (`logs grep`), a request traced
//! across services (`logs trace`), and a redacted support bundle (`logs collect`).
//! The log-file mechanics they share with `diagnose` are in `crate::log_files`.

pub mod collect;
pub mod follow;
pub mod select;
pub mod trace;
pub mod zones;
