//! What the Compose kind takes from the run's settings, kept from its
//! construction: where Docker is, how long each answer may take, where its
//! caches live, the profiles in force and where the Compose CLIs are found.

use crate::settings::Settings;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The settings the Compose kind reads.
#[derive(Debug, Clone)]
pub struct ComposeSettings {
    /// The Docker endpoint (`DOCKER_HOST`, else the default socket).
    pub docker_host: String,
    /// How long each answer of Docker may take.
    pub daemon_timeout: Duration,
    /// Where the inspect answers and parsed projects are remembered.
    pub cache_dir: PathBuf,
    /// The compose profiles `docker compose up` would activate.
    pub profiles: Vec<String>,
    /// Where the Compose CLIs are looked for (`PATH`).
    pub search_path: OsString,
}

impl From<&Settings> for ComposeSettings {
    fn from(settings: &Settings) -> ComposeSettings {
        ComposeSettings {
            docker_host: settings.daemons.docker_host.clone(),
            daemon_timeout: settings.daemon_timeout,
            cache_dir: settings.cache_dir.clone(),
            profiles: settings.compose_profiles.clone(),
            search_path: settings.search_path.clone(),
        }
    }
}
