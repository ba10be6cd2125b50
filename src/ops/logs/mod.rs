//! The troubleshooting guide's log knowledge, as commands: each service's own
//! logs (`logs TARGET`), stage-aware search (`logs grep`), a request traced
//! across services (`logs trace`), and a redacted support bundle (`logs collect`).

pub mod collect;
pub mod files;
pub mod follow;
#[cfg(test)]
pub mod gzip_fixture;
pub mod rotation;
pub mod search;
pub mod select;
pub mod tail;
pub mod timeline;
pub mod trace;
pub mod tracker;
pub mod zones;
