//! upgrade with real Python virtual environments (made by `python3 -m venv`,
//! so full of links that leave the venv, like `bin/python3 -> /usr/bin/python3`)
//! against real containers: the package goes in with its links carried as
//! links, the upgraded `bin/python` runs as a venv, the services come back
//! healthy; a top-level link where a directory lives and a fifo are refused
//! with nothing changed; kill -9 mid-swap leaves the old venvs whole.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// porter-api runs from venvs/porter (healthy while /app/healthy exists),
/// unicloud-engine from venvs/unicloud.
const CONSOLE: &str = r#"
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
fn venv(dir: &Path, version: &str) {
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
fn tree(dir: &Path) -> BTreeMap<String, String> {
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

struct World {
    project: Project,
    config: Config,
}

impl World {
    fn new(test: &str) -> World {
        let (project, config) = upgrade_console(test, CONSOLE, |venvs| {
            venv(&venvs.join("porter"), "old");
            venv(&venvs.join("unicloud"), "old");
        });
        World { project, config }
    }

    fn venvs(&self) -> PathBuf {
        self.project.path().join("venvs")
    }

    /// `packages/NAME/installer/venvs` holding fresh venvs for `modules`.
    fn package(&self, name: &str, modules: &[&str], version: &str) -> PathBuf {
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

    fn upgrade(&self, package: &Path) -> std::process::Output {
        self.config
            .hmctl()
            .arg("upgrade")
            .arg(package)
            .args(["--yes", "--timeout", "20"])
            .output()
            .unwrap()
    }
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_real_venv_goes_in_with_its_links_and_runs_as_a_venv() {
    let world = World::new("venv-upgrade");
    let package = world.package("v2", &["porter"], "new");
    let shipped = tree(&package.join("porter"));
    assert!(
        shipped
            .get("bin/python3")
            .is_some_and(|what| what.starts_with("link /")),
        "python3 -m venv links bin/python3 out of the venv: {:?}",
        shipped.get("bin/python3")
    );
    let porter_started = started_at(&world.project, "porter-api");
    let output = world.upgrade(&package);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let live = world.venvs().join("porter");
    assert_eq!(tree(&live), shipped, "every link carried over as a link");
    let python = std::process::Command::new(live.join("bin/python"))
        .args([
            "-c",
            "import sys; print(sys.prefix); print(sys.prefix != sys.base_prefix)",
        ])
        .output()
        .unwrap();
    assert!(python.status.success(), "{}", stderr(&python));
    let printed = String::from_utf8_lossy(&python.stdout).into_owned();
    assert_eq!(
        printed,
        format!("{}\nTrue\n", live.display()),
        "the upgraded bin/python runs as the live venv"
    );
    assert_ne!(started_at(&world.project, "porter-api"), porter_started);
    let (code, document) = status_json(&world.config, &[]);
    assert_eq!(code, 0, "the services are healthy again: {document:#}");
    let program_disk = document["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "program-disk")
        .unwrap();
    assert!(
        program_disk.get("age_seconds").is_none(),
        "after an upgrade the figure is fresh: {program_disk}"
    );
    let backups = world.project.path().join(".hmctl-backups-console");
    let backup = std::fs::read_dir(&backups)
        .unwrap()
        .flatten()
        .next()
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(backup.path().join("porter/version")).unwrap(),
        "old"
    );
    assert!(
        std::fs::symlink_metadata(backup.path().join("porter/bin/python3"))
            .unwrap()
            .file_type()
            .is_symlink(),
        "the backup keeps the old venv's links as links"
    );
}

#[test]
fn hostile_packages_change_nothing() {
    let world = World::new("venv-hostile");
    let before = tree(&world.venvs());
    let porter_started = started_at(&world.project, "porter-api");
    let root_link = world.project.path().join("packages/root-link");
    std::fs::create_dir_all(&root_link).unwrap();
    std::os::unix::fs::symlink("/", root_link.join("porter")).unwrap();
    let with_fifo = world.package("fifo", &["porter"], "evil");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        with_fifo.join("porter/bin/pipe"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    for (package, expected) in [
        (
            &root_link,
            "porter is a symlink in the package but a directory",
        ),
        (&with_fifo, "fifo"),
    ] {
        let output = world.upgrade(package);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{}", stderr(&output));
        assert!(stderr(&output).contains("nothing was changed"));
    }
    assert_eq!(tree(&world.venvs()), before, "nothing changed");
    assert_eq!(started_at(&world.project, "porter-api"), porter_started);
    assert!(!world.project.path().join(".hmctl-backups-console").exists());
    assert!(!world.project.path().join(".hmctl-upgrade-console").exists());
}

#[test]
fn kill_9_between_venv_swaps_leaves_the_old_venvs_whole() {
    let world = World::new("venv-kill");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter", "unicloud"], "new");
    let child = world
        .config
        .spawn_command()
        .env("HMCTL_TEST_PAUSE_AT", "swap-1")
        .args(["-q", "upgrade", "--yes", "--timeout", "20"])
        .arg(&package)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut lines =
        std::io::BufRead::lines(std::io::BufReader::new(child.0.stderr.take().unwrap()));
    loop {
        let line = lines.next().expect("the upgrade reaches swap-1").unwrap();
        if line.contains("test pause at swap-1") {
            break;
        }
    }
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let output = world.config.hmctl().arg("status").output().unwrap();
    assert!(
        stderr(&output).contains("interrupted upgrade of console"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&world.venvs()), before, "the old venvs, whole");
    assert!(!world.project.path().join(".hmctl-upgrade-console").exists());
}
