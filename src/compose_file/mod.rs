//! Reading compose files: which services a compose project declares and what
//! each depends on. Creating containers from YAML stays the Compose CLI's job;
//! hmctl only needs names, dependency edges, health checks and stop timeouts.

mod error;
mod file;
mod model;
mod raw;
mod remembered;

pub use error::ComposeError;
pub use file::{FileSet, parse_text, read_project};
pub use model::{ComposeProject, ComposeService};
pub use remembered::RememberedProject;

#[cfg(test)]
mod tests;
