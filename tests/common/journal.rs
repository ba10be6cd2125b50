//! `journalctl` for tests whose units run in the sandbox's systemd container.

use super::sandbox;
use std::path::PathBuf;

/// `journalctl` reading the sandbox's systemd journal (its units run in the
/// systemd container, whose journal the host's journalctl cannot see).
pub struct JournalShim {
    dir: tempfile::TempDir,
}

impl JournalShim {
    pub fn new() -> JournalShim {
        let sandbox = sandbox();
        let dir = tempfile::Builder::new()
            .prefix("hmt-journal-")
            .tempdir()
            .unwrap();
        let script = dir.path().join("journalctl");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nexec docker exec {} journalctl \"$@\"\n",
                sandbox.systemd_container
            ),
        )
        .unwrap();
        let mut permissions = std::fs::metadata(&script).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&script, permissions).unwrap();
        JournalShim { dir }
    }

    pub fn path(&self) -> String {
        let mut paths = vec![PathBuf::from(self.dir.path())];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        std::env::join_paths(paths)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    }
}
