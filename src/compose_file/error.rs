//! Why a set of compose files could not be read: each error names the file
//! (and, for includes and extends, the reference) so an operator can find it.

use std::path::{Path, PathBuf};

/// Compose files larger than this are refused rather than read.
pub(super) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a set of compose files could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot read compose file {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("compose file {path} is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge { path: PathBuf },
    #[error("invalid compose file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("compose file {path}: {what} is not supported by hmctl")]
    Unsupported { path: PathBuf, what: String },
    #[error("compose file {path}: include {reference:?}: {source}")]
    Included {
        path: PathBuf,
        reference: String,
        source: Box<ComposeError>,
    },
    #[error("compose files include each other in a cycle: {}", chain.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    IncludeCycle { chain: Vec<PathBuf> },
    #[error("compose file {path}: service {service:?} extends {base:?}, which {problem}")]
    Extends {
        path: PathBuf,
        service: String,
        base: String,
        problem: String,
    },
}

impl ComposeError {
    /// The file to fix: for an included file's error, the included file.
    pub fn file(&self) -> &Path {
        match self {
            ComposeError::Read { path, .. }
            | ComposeError::TooLarge { path }
            | ComposeError::Invalid { path, .. }
            | ComposeError::Unsupported { path, .. }
            | ComposeError::Extends { path, .. } => path,
            ComposeError::Included { source, .. } => source.file(),
            ComposeError::IncludeCycle { chain } => {
                chain.first().map_or(Path::new(""), |path| path)
            }
        }
    }
}
