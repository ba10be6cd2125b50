//! Linux 2.6.32 (CentOS / RHEL 6, SLES 11 SP1), as hmctl's static binary
//! sees it (issue 27): the musl binary that packaging/build ships, run in a
//! container of the sandbox's dockerd under tests/data/old-kernel/seccomp-2.6.32.json,
//! which answers ENOSYS to every x86_64 system call newer than 2.6.32. A probe
//! beside it proves the profile bites; then the agent's verbs that need no
//! init system run there: list, logs stages, status of the agent group (no
//! systemd answers), logs, logs grep, logs collect, metrics, diagnose,
//! restart (up to its lock, in /var/run/hmctl: the image has no /run, like
//! CentOS 6) and upgrade (refused: no atomic exchange of directories). None
//! may show "Function not implemented".
//!
//! And on a real sysvinit PID 1 (the SysV image of tests/sysv_real.rs, the
//! whole container under the profile): the agent's status, stop, start and
//! restart through its init script.
//!
//! What this does not show: a real 2.6.32 kernel's other differences (flags
//! it ignores rather than refuses).

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TARGET: &str = "x86_64-unknown-linux-musl";

/// The release build packaging/build makes, with the packaging test's
/// settings (no LTO, no optimisation: the same artifacts, shared with it).
fn static_binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .expect("HOME or XDG_CACHE_HOME");
    let tools = std::env::var_os("HMCTL_PACKAGING_TOOLS")
        .map_or_else(|| cache.join("hmctl/packaging-tools"), PathBuf::from);
    let path = std::env::join_paths(std::iter::once(tools.join("bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .args([
            "zigbuild",
            "--release",
            "--locked",
            "--quiet",
            "--target",
            TARGET,
        ])
        .status()
        .expect("cargo zigbuild (packaging/build --tools installs it)");
    assert!(status.success(), "the static build failed");
    root.join("target").join(TARGET).join("release/hmctl")
}

/// tests/data/old-kernel/probe.rs, built static.
fn probe(into: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/old-kernel/probe.rs");
    let binary = into.join("probe");
    let output = Command::new("rustc")
        .args(["--edition", "2021", "-O", "--target", TARGET, "-o"])
        .arg(&binary)
        .arg(&source)
        .output()
        .expect("rustc");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

fn profile() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/old-kernel/seccomp-2.6.32.json")
}

/// An agent host: the agent group present, its log, a package for upgrade.
struct World {
    dir: tempfile::TempDir,
    binary: PathBuf,
    probe: PathBuf,
    image: String,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("hmt-old-kernel-")
            .tempdir()
            .unwrap();
        let root = dir.path();
        for sub in ["lib", "log", "pkg", "out"] {
            std::fs::create_dir(root.join(sub)).unwrap();
        }
        std::fs::write(root.join("lib/agent.conf"), "live\n").unwrap();
        std::fs::write(root.join("pkg/agent.conf"), "new\n").unwrap();
        std::fs::write(
            root.join("log/linux_agent.log"),
            "2025-09-18 16:24:29.000 INFO agent started\n2025-09-18 16:24:31.000 ERROR sync failed: disk gone\n",
        )
        .unwrap();
        let mut config = String::new();
        for group in ["console", "sync-proxy", "gateway"] {
            config.push_str(&format!(
                "[[group]]\nname = \"{group}\"\npresent_if = [\"/nonexistent/hmctl-test\"]\n"
            ));
        }
        std::fs::write(root.join("hmctl.toml"), config).unwrap();
        let probe = probe(root);
        World {
            binary: static_binary(),
            probe,
            image: sandbox().busybox,
            dir,
        }
    }

    /// `program args` in a throwaway container under the 2.6.32 profile.
    fn run(&self, program: &str, args: &[&str]) -> Output {
        let root = self.dir.path();
        let mount = |host: &Path, inside: &str| format!("{}:{inside}", host.display());
        let mut command = Command::new("docker");
        command
            .args(["run", "--rm", "--security-opt"])
            .arg(format!("seccomp={}", profile().display()))
            .args(["-e", "NO_COLOR=1", "-e", "HMCTL_STATE_DIR=/tmp/state"]);
        for (host, inside) in [
            (self.binary.clone(), "/usr/bin/hmctl:ro"),
            (self.probe.clone(), "/usr/bin/probe:ro"),
            (root.join("hmctl.toml"), "/etc/hmctl/hmctl.toml:ro"),
            (root.join("lib"), "/var/lib/egisplus-agent"),
            (root.join("log"), "/var/log/egisplus-agent"),
            (root.join("pkg"), "/pkg:ro"),
            (root.join("out"), "/out"),
        ] {
            command.arg("-v").arg(mount(&host, inside));
        }
        // CentOS 6 has /var/run and no /run; this image has neither.
        command
            .arg(&self.image)
            .args([
                "sh",
                "-c",
                "mkdir -p /var/run && exec \"$0\" \"$@\"",
                program,
            ])
            .args(args);
        let output = command.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !text.contains("Function not implemented") && !text.contains("os error 38"),
            "{program} {args:?} met a missing system call:\n{text}"
        );
        output
    }

    fn hmctl(&self, args: &[&str]) -> (i32, String, String) {
        let output = self.run("hmctl", args);
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

#[test]
fn the_profile_answers_enosys_to_what_2_6_32_lacks() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new();
    let answer = |number: &str| {
        let output = world.run("probe", &[number]);
        assert!(output.status.success(), "probe {number}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    };
    // getrandom (3.17), statx (4.11), renameat2 (3.15), close_range (5.9).
    for number in ["318", "332", "316", "436"] {
        assert_eq!(answer(number), "-38", "system call {number}");
    }
    // getpid, which 2.6.32 has: the container's PID 1.
    assert_eq!(answer("39"), "1");
    // Outside the container the kernel has getrandom: the profile is what bites.
    let outside = Command::new(&world.probe).arg("318").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&outside.stdout).trim(), "0");
}

#[test]
fn the_agent_verbs_work_without_what_2_6_32_lacks() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new();
    let (code, out, _) = world.hmctl(&["--version"]);
    assert_eq!(code, 0, "{out}");

    let (code, out, err) = world.hmctl(&["list"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("group agent: present (systemd, present when /var/lib/egisplus-agent exists)")
            && out.contains("group windows-agent: on the Windows host"),
        "{out}"
    );
    let (code, out, err) = world.hmctl(&["logs", "stages"]);
    assert_eq!(code, 0, "{out}{err}");

    // No systemd here: the services are shown, their state not asked.
    let (code, out, err) = world.hmctl(&["status", "agent"]);
    assert!(matches!(code, 3 | 4), "{code}\n{out}{err}");
    assert!(
        out.contains("egisplus-agent") && out.contains("hyper_exporter"),
        "{out}"
    );
    let (code, out, err) = world.hmctl(&["--json", "metrics"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = world.hmctl(&["metrics"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("hmctl_service_up{service=\"egisplus-agent\""),
        "{out}"
    );

    let (code, out, err) = world.hmctl(&["logs", "egisplus-agent", "-n", "5"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "2025-09-18 16:24:29.000 INFO agent started\n2025-09-18 16:24:31.000 ERROR sync failed: disk gone\n"
    );
    let (code, out, err) = world.hmctl(&["logs", "grep", "sync failed", "egisplus-agent"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("linux_agent.log:2"), "{out}");

    let (code, out, err) = world.hmctl(&["logs", "collect", "-o", "/out/bundle.tar.gz"]);
    assert_eq!(code, 0, "{out}{err}");
    let listing = Command::new("tar")
        .arg("tzf")
        .arg(world.dir.path().join("out/bundle.tar.gz"))
        .output()
        .unwrap();
    assert!(listing.status.success());
    assert!(
        String::from_utf8_lossy(&listing.stdout).contains("linux_agent.log"),
        "{}",
        String::from_utf8_lossy(&listing.stdout)
    );

    let (code, out, err) = world.hmctl(&[
        "diagnose",
        "egisplus-agent",
        "--since",
        "2025-09-18 16:00",
        "--until",
        "2025-09-18 17:00",
    ]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("sync failed: disk gone"), "{out}");
}

#[test]
fn a_change_takes_its_lock_in_var_run_and_upgrade_refuses_without_exchange() {
    if skip_without_sandbox() {
        return;
    }
    let world = World::new();
    // The lock is taken (no /run here); what follows is the init's answer.
    let (code, out, err) = world.hmctl(&["restart", "egisplus-agent"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(!err.contains("lock file"), "{err}");

    let (code, out, err) = world.hmctl(&["upgrade", "/pkg", "--group", "agent", "--yes"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        err,
        "error: this kernel cannot exchange two directories in one step (renameat2 with RENAME_EXCHANGE, Linux 3.15 and later): hmctl upgrade swaps every program directory atomically, so it does not upgrade here; nothing was changed\n\
         hint: upgrade this host's programs with the installer of the release, as the O&M guide describes\n"
    );
    assert_eq!(
        std::fs::read_to_string(world.dir.path().join("lib/agent.conf")).unwrap(),
        "live\n"
    );
}

#[test]
fn the_agent_is_driven_through_its_init_script_without_what_2_6_32_lacks() {
    if skip_without_sandbox() {
        return;
    }
    let seccomp = format!("seccomp={}", profile().display());
    let host = SysvHost::start_with("old-kernel", &["--security-opt", &seccomp]);
    host.copy_in(&static_binary(), "/usr/local/bin/hmctl");
    let probes = tempfile::tempdir().unwrap();
    host.copy_in(&probe(probes.path()), "/usr/local/bin/probe");
    assert_eq!(said(&host.exec("probe", &["318"])).trim(), "-38");
    let no_enosys = |output: Output| {
        let text = said(&output);
        assert!(
            !text.contains("Function not implemented") && !text.contains("os error 38"),
            "{text}"
        );
        output
    };

    let (code, document) = host.status_json(&["egisplus-agent"]);
    let agent = row(&document, "egisplus-agent");
    assert_eq!(
        (code, &agent["state"], &agent["backend"]),
        (0, &"running".into(), &"sysv".into()),
        "{document}"
    );
    let before = agent["pid"].as_u64().unwrap();

    let restart = no_enosys(host.exec("hmctl", &["restart", "egisplus-agent"]));
    assert_eq!(restart.status.code(), Some(0), "{}", said(&restart));
    let (code, document) = host.status_json(&["egisplus-agent"]);
    let after = row(&document, "egisplus-agent")["pid"].as_u64().unwrap();
    assert!(code == 0 && after != before, "{before} then {document}");

    let stop = no_enosys(host.exec("hmctl", &["stop", "egisplus-agent"]));
    assert_eq!(stop.status.code(), Some(0), "{}", said(&stop));
    let (code, document) = host.status_json(&["egisplus-agent"]);
    assert_eq!(
        (code, &row(&document, "egisplus-agent")["state"]),
        (3, &"stopped".into()),
        "{document}"
    );

    let start = no_enosys(host.exec("hmctl", &["start", "egisplus-agent"]));
    assert_eq!(start.status.code(), Some(0), "{}", said(&start));
    let (code, document) = host.status_json(&["egisplus-agent"]);
    assert_eq!(
        (code, &row(&document, "egisplus-agent")["state"]),
        (0, &"running".into()),
        "{document}"
    );
}
