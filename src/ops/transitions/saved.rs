//! The previous snapshot, `last-snapshot.json` in the state directory: what
//! the next `hmctl metrics` run compares with. Replaced whole each run
//! (exclusive temporary file, renamed over; never through a link), root's
//! alone (0600). One that is missing, unreadable or from another version is
//! no snapshot: the next run starts anew rather than failing a scrape.

use super::compare::Row;
use crate::ops::bounded_lines::open_without_following;
use crate::private_file::Directory;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The file's name in the state directory.
pub const FILE_NAME: &str = "last-snapshot.json";

/// What one metrics run saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    pub schema: u32,
    pub taken_at: Timestamp,
    pub services: Vec<Row>,
}

/// Where the file is.
pub fn path_in(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}

/// The previous snapshot, if there is one that reads.
pub fn load(state_dir: &Path) -> Option<Saved> {
    let mut text = Vec::new();
    open_without_following(&path_in(state_dir))
        .and_then(|mut file| file.read_to_end(&mut text))
        .ok()?;
    serde_json::from_slice::<Saved>(&text)
        .ok()
        .filter(|saved| saved.schema == super::record::SCHEMA)
}

/// Replaces the saved snapshot with `saved`.
pub fn store(state_dir: &Path, saved: &Saved) -> io::Result<()> {
    let directory = Directory::private(state_dir, 0o700)?;
    let text = serde_json::to_vec(saved).map_err(io::Error::other)?;
    directory.write_atomically(OsStr::new(FILE_NAME), &text, 0o600)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn saved() -> Saved {
        Saved {
            schema: 1,
            taken_at: "2026-12-04T10:05:00Z".parse().unwrap(),
            services: Vec::new(),
        }
    }

    #[test]
    fn it_is_replaced_whole_and_private_and_read_back() {
        let directory = tempfile::tempdir().unwrap();
        let state = directory.path().join("state");
        assert_eq!(load(&state), None);
        store(&state, &saved()).unwrap();
        store(&state, &saved()).unwrap();
        assert_eq!(load(&state), Some(saved()));
        let mode = std::fs::metadata(path_in(&state))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(&state).unwrap().count(),
            1,
            "no temporary left"
        );
        std::fs::write(path_in(&state), "{not json").unwrap();
        assert_eq!(load(&state), None, "a broken file is no snapshot");
    }

    #[test]
    fn a_planted_link_is_replaced_not_followed_nor_read() {
        let directory = tempfile::tempdir().unwrap();
        let victim = directory.path().join("victim");
        std::fs::write(&victim, serde_json::to_vec(&saved()).unwrap()).unwrap();
        let state = directory.path().join("state");
        std::fs::create_dir(&state).unwrap();
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(&victim, path_in(&state)).unwrap();
        assert_eq!(load(&state), None, "a link is not read");
        let mut other = saved();
        other.taken_at = "2026-12-04T11:00:00Z".parse().unwrap();
        store(&state, &other).unwrap();
        assert_eq!(
            std::fs::read(&victim).unwrap(),
            serde_json::to_vec(&saved()).unwrap()
        );
        assert!(
            std::fs::symlink_metadata(path_in(&state))
                .unwrap()
                .is_file()
        );
    }
}
