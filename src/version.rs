//! The version string: the crate version and the git commit it was built from.

/// `0.1.0 (commit abc123456789)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HMCTL_GIT_COMMIT"),
    ")"
);
