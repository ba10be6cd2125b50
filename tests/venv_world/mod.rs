//! The world of the real-venv upgrade tests: a console whose porter-api and
//! unicloud-engine run from real Python venvs (made by `python3 -m venv`), the
//! packages that replace them, and what the tests look at (the tree of every
//! entry, the stage, the journal, what the next run's recovery says).
#![allow(dead_code)]

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// porter-api runs from venvs/porter (healthy while /app/healthy exists),
/// unicloud-engine from venvs/unicloud.
pub const CONSOLE: &str = r#"
services:
  porter-api:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/porter:/app:ro"]
    healthcheck: {test: ["CMD", "test", "-f", "/app/healthy"], interval: 1s, timeout: 2s, retries: 2}
  unicloud-engine:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/unicloud:/app:ro"]
"#;

/// A real venv at `dir` holding `version` and the health marker. Without pip
/// (ensurepip takes 5-25 s on a busy machine): the links that leave the venv
/// are the interpreter's, which `--without-pip` makes all the same.
pub fn venv(dir: &Path, version: &str) {
    let output = std::process::Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(dir)
        .output()
        .expect("python3 (installed by tests/sandbox/sandbox.sh)");
    assert!(
        output.status.success(),
        "python3 -m venv: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let site = dir.join("lib/site-packages-padding");
    for index in 0..200 {
        let package = site.join(format!("package{}", index % 20));
        std::fs::create_dir_all(&package).unwrap();
        std::fs::write(package.join(format!("module{index}.py")), version).unwrap();
    }
    std::fs::write(dir.join("version"), version).unwrap();
    std::fs::write(dir.join("healthy"), "yes").unwrap();
}

/// Every entry under `dir`, never following a link: path → what it is
/// (a link's target, a file's length and first bytes, or `dir`).
pub fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap().flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            let kind = entry.file_type().unwrap();
            let what = if kind.is_symlink() {
                format!("link {}", std::fs::read_link(&path).unwrap().display())
            } else if kind.is_dir() {
                pending.push(path);
                "dir".to_string()
            } else {
                let bytes = std::fs::read(&path).unwrap();
                format!("file {} {:?}", bytes.len(), &bytes[..bytes.len().min(16)])
            };
            entries.insert(relative, what);
        }
    }
    entries
}

pub struct World {
    pub project: Project,
    pub config: Config,
}

impl World {
    pub fn new(test: &str) -> World {
        let (project, config) = upgrade_console(test, CONSOLE, |venvs| {
            venv(&venvs.join("porter"), "old");
            venv(&venvs.join("unicloud"), "old");
        });
        World { project, config }
    }

    pub fn venvs(&self) -> PathBuf {
        self.project.path().join("venvs")
    }

    /// `packages/NAME/installer/venvs` holding fresh venvs for `modules`.
    pub fn package(&self, name: &str, modules: &[&str], version: &str) -> PathBuf {
        let root = self
            .project
            .path()
            .join("packages")
            .join(name)
            .join("installer/venvs");
        for module in modules {
            venv(&root.join(module), version);
        }
        root
    }

    pub fn upgrade(&self, package: &Path) -> std::process::Output {
        self.upgrade_failing(package, "")
    }

    /// The upgrade with the failures `faults` planned (`HMCTL_TEST_FAIL_AT`).
    pub fn upgrade_failing(&self, package: &Path, faults: &str) -> std::process::Output {
        self.config
            .hmctl()
            .env("HMCTL_TEST_FAIL_AT", faults)
            .arg("upgrade")
            .arg(package)
            .args(["--yes", "--timeout", "20"])
            .output()
            .unwrap()
    }

    pub fn stage(&self) -> PathBuf {
        self.project.path().join(".hmctl-upgrade-console")
    }

    pub fn journal(&self) -> PathBuf {
        self.config.dir.path().join("state/upgrade-console.json")
    }

    /// The upgrade failed (exit 1, `expected` said) and put the old venvs
    /// back by itself, left nothing behind and started the services again.
    pub fn assert_undone_by_the_run(
        &self,
        output: &std::process::Output,
        expected: &str,
        before: &BTreeMap<String, String>,
    ) {
        assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
        assert!(stderr(output).contains(expected), "{}", stderr(output));
        assert_eq!(&tree(&self.venvs()), before, "the old venvs, whole");
        assert!(!self.stage().exists() && !self.journal().exists());
        wait_until_all_ok(&self.config, "the services started again");
    }

    /// Freezes an upgrade to `package` at `point`, then kills it (-9).
    pub fn kill_9_at(&self, point: &str, package: &Path) {
        let child = self
            .config
            .spawn_command()
            .env("HMCTL_TEST_PAUSE_AT", point)
            .args(["-q", "upgrade", "--yes", "--timeout", "20"])
            .arg(package)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut child = KillOnDrop(child);
        let mut lines =
            std::io::BufRead::lines(std::io::BufReader::new(child.0.stderr.take().unwrap()));
        let marker = format!("test pause at {point}");
        loop {
            let line = lines
                .next()
                .expect("the upgrade reaches its pause")
                .unwrap();
            if line.contains(&marker) {
                break;
            }
        }
        child.0.kill().unwrap();
        child.0.wait().unwrap();
    }

    /// Any hmctl command: recovery runs first; returns its stderr.
    pub fn next_run(&self) -> String {
        stderr(&self.config.hmctl().arg("list").output().unwrap())
    }

    /// The next run's recovery put the old venvs back, left nothing behind,
    /// and the services start again as its message says.
    pub fn assert_undone_by_the_next_run(&self, before: &BTreeMap<String, String>) {
        let told = self.next_run();
        assert!(
            told.contains(
                "an interrupted upgrade of console was undone (its services had not proved healthy)"
            ),
            "{told}"
        );
        assert_eq!(&tree(&self.venvs()), before, "the old venvs, whole");
        assert!(!self.stage().exists() && !self.journal().exists());
        self.restart_as_told(&told);
    }

    /// Starts the services as recovery's message says, and waits for health.
    pub fn restart_as_told(&self, told: &str) {
        assert!(
            told.contains("with `hmctl restart porter-api unicloud-engine`"),
            "{told}"
        );
        let output = self
            .config
            .hmctl()
            .args([
                "restart",
                "porter-api",
                "unicloud-engine",
                "--timeout",
                "20",
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        wait_until_all_ok(&self.config, "the old venvs healthy again");
    }
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// An entry made immutable (`chattr +i`) until dropped, even when the test fails.
pub struct Immutable(PathBuf);

impl Immutable {
    /// `None` where the filesystem cannot.
    pub fn make(path: &Path) -> Option<Immutable> {
        std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .status()
            .is_ok_and(|status| status.success())
            .then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}
