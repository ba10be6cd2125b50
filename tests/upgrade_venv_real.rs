//! upgrade with real Python virtual environments (made by `python3 -m venv`,
//! so full of links that leave the venv, like `bin/python3 -> /usr/bin/python3`)
//! against real containers: the package goes in with its links carried as
//! links, the upgraded `bin/python` runs as a venv, the services come back
//! healthy; a top-level link where a directory lives and a fifo are refused
//! with nothing changed; kill -9 mid-swap leaves the old venvs whole.

mod common;
mod venv_world;

use common::*;
use venv_world::*;
#[test]
fn a_real_venv_goes_in_with_its_links_and_runs_as_a_venv() {
    if skip_without_sandbox() {
        return;
    }
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
    if skip_without_sandbox() {
        return;
    }
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
    if skip_without_sandbox() {
        return;
    }
    let world = World::new("venv-kill");
    let before = tree(&world.venvs());
    let package = world.package("v2", &["porter", "unicloud"], "new");
    world.kill_9_at("swap-1", &package);
    let output = world.config.hmctl().arg("status").output().unwrap();
    assert!(
        stderr(&output).contains("interrupted upgrade of console"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&world.venvs()), before, "the old venvs, whole");
    assert!(!world.project.path().join(".hmctl-upgrade-console").exists());
}
