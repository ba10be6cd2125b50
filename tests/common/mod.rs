//! Helpers for tests that run the real hmctl binary against the sandbox's real
//! dockerd and real systemd (see tests/sandbox/sandbox.sh). Each test builds its
//! own tiny world: a compose project named after it, a config in a temp dir.
#![allow(dead_code)]

mod journal;
#[allow(unused_imports)] // not every test file reads a journal
pub use journal::JournalShim;
mod private_dockerd;
#[allow(unused_imports)] // only the tests that restart dockerd have one
pub use private_dockerd::PrivateDockerd;
mod sysv_host;
#[allow(unused_imports)] // only the SysV tests start a SysV container
pub use sysv_host::{SysvHost, said};

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a real-daemon test says when it is not run (one line, on stderr,
/// past the test runner's capture so a plain `cargo test` shows it).
pub const NOT_RUN: &str = "needs the real-daemon sandbox; run tests/run-all as root (or tests/sandbox/sandbox.sh up && source /run/hmctl-sandbox/env)";

/// The first line of every real-daemon test: `if skip_without_sandbox() { return; }`.
/// With the sandbox (`source /run/hmctl-sandbox/env`) the test runs. Without
/// it, the test is not run and says so in one line: a newcomer's `cargo test`
/// runs every hermetic test and passes. `tests/run-all` exports
/// `HMCTL_REQUIRE_SANDBOX=1`, under which a missing sandbox fails the test
/// instead: there every real-daemon test runs, none is skipped.
pub fn skip_without_sandbox() -> bool {
    if std::env::var_os("HMCTL_SANDBOX_SYSTEMD").is_some() {
        return false;
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a real-daemon test");
    assert!(
        std::env::var_os("HMCTL_REQUIRE_SANDBOX").is_none(),
        "{test} {NOT_RUN}: HMCTL_REQUIRE_SANDBOX is set and HMCTL_SANDBOX_SYSTEMD is not"
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "skipped: {test} {NOT_RUN}");
    true
}

/// The sandbox's systemd container and images, or a panic saying how to get them.
pub struct Sandbox {
    pub systemd_container: String,
    pub busybox: String,
}

pub fn sandbox() -> Sandbox {
    let Ok(systemd_container) = std::env::var("HMCTL_SANDBOX_SYSTEMD") else {
        panic!(
            "this test needs the real-daemon sandbox: run `tests/run-all` \
             (or `tests/sandbox/sandbox.sh up && source /run/hmctl-sandbox/env`)"
        );
    };
    Sandbox {
        systemd_container,
        busybox: std::env::var("HMCTL_SANDBOX_BUSYBOX")
            .unwrap_or_else(|_| "hmtest/busybox:1".into()),
    }
}

/// The hmctl binary under test, with colour off, no ambient config and a
/// state directory of the test's own (the test may set another), so no test
/// writes the host's /var/lib/hmctl or needs root to run.
pub fn hmctl() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("hmctl").expect("the hmctl binary");
    command
        .env("NO_COLOR", "1")
        .env_remove("HMCTL_CONFIG")
        .env("HMCTL_DAEMON_TIMEOUT", PATIENT_DAEMON_TIMEOUT)
        .env("HMCTL_STATE_DIR", private_state_dir());
    command
}

/// `target/tmp/state/BINARY/TEST`, emptied the first time a test of this
/// process asks for it (what an earlier run left is not this run's history).
pub fn private_state_dir() -> PathBuf {
    static EMPTIED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let binary = std::env::current_exe()
        .ok()
        .and_then(|path| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "tests".into());
    let thread = std::thread::current();
    let test = thread.name().map_or_else(
        || format!("{:?}", thread.id()),
        |name| name.replace("::", "-"),
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("state")
        .join(binary)
        .join(test);
    let mut emptied = EMPTIED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !emptied.contains(&dir) {
        let _ = std::fs::remove_dir_all(&dir);
        emptied.push(dir.clone());
    }
    dir
}

/// How long hmctl waits for a daemon in tests (seconds): the suite runs many
/// tests at once on a small machine, where dockerd can take more than the
/// default 5 s to answer. The tests of a hung daemon pass their own, shorter
/// `--daemon-timeout`.
pub const PATIENT_DAEMON_TIMEOUT: &str = "60";

/// A command that keeps running a long time and stops at once on SIGTERM.
pub const SLEEPER: &str = r#"["sh", "-c", "trap 'exit 0' TERM; sleep 2147483647 & wait"]"#;

/// A compose project with one service in each container state the status
/// tests cover (no health check, healthy, unhealthy, crash-looping, exited
/// with a code, declared but never created).
pub const STATES: &str = r#"
services:
  plain:
    @BASE@
    command: @SLEEPER@
  healthy:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "true"], interval: 1s, timeout: 2s, retries: 1}
  sick:
    @BASE@
    command: @SLEEPER@
    healthcheck: {test: ["CMD", "sh", "-c", "echo database unreachable; exit 1"], interval: 1s, timeout: 2s, retries: 1}
  looping:
    @BASE@
    command: ["sh", "-c", "exit 3"]
    restart: always
  dead:
    @BASE@
    command: ["sh", "-c", "exit 7"]
  never:
    @BASE@
    command: @SLEEPER@
"#;

/// A compose project of the test's own, torn down when dropped.
pub struct Project {
    pub name: String,
    pub dir: tempfile::TempDir,
    pub files: Vec<PathBuf>,
}

/// The common part of every test service: the local image, no network, a label
/// the sandbox cleans up by.
pub fn service_base(image: &str) -> String {
    format!(
        "image: {image}\n    network_mode: none\n    labels: {{hmctl.test: \"1\"}}\n    stop_grace_period: 2s\n"
    )
}

impl Project {
    /// Writes `files` (name, YAML) into a new directory. The YAML may use
    /// `@BASE@` for the common service keys and `@SLEEPER@` for a long command.
    pub fn new(test: &str, files: &[(&str, &str)]) -> Project {
        let sandbox = sandbox();
        let name = format!("hmt-{}", test.replace('_', "-"));
        let dir = tempfile::Builder::new().prefix("hmt-").tempdir().unwrap();
        let base = service_base(&sandbox.busybox);
        let mut paths = Vec::new();
        for (file, yaml) in files {
            let text = yaml
                .replace("@BASE@", base.trim_end())
                .replace("@SLEEPER@", SLEEPER);
            let path = dir.path().join(file);
            std::fs::write(&path, text).unwrap();
            paths.push(path);
        }
        let project = Project {
            name,
            dir,
            files: paths,
        };
        project.compose_quiet(&["down", "-t", "0", "--remove-orphans"]);
        project
    }

    /// `docker-compose -p NAME -f FILE ARGS...` with the first file, checked.
    pub fn compose(&self, args: &[&str]) {
        self.compose_with(&self.files[0], args);
    }

    pub fn compose_with(&self, file: &Path, args: &[&str]) {
        let output = Command::new("docker-compose")
            .current_dir(self.dir.path())
            .args(["-p", &self.name, "-f"])
            .arg(file)
            .args(args)
            .output()
            .expect("docker-compose");
        assert!(
            output.status.success(),
            "docker-compose {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn compose_quiet(&self, args: &[&str]) {
        let _ = Command::new("docker-compose")
            .current_dir(self.dir.path())
            .args(["-p", &self.name, "-f"])
            .arg(&self.files[0])
            .args(args)
            .output();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        self.compose_quiet(&["down", "-t", "0", "--remove-orphans"]);
        // A test that broke its compose file leaves `down` nothing to read:
        // what is left of the project goes by its label.
        let filter = format!("label=com.docker.compose.project={}", self.name);
        let left = Command::new("docker")
            .args(["ps", "-aq", "--filter", &filter])
            .output();
        if let Ok(left) = left {
            let ids: Vec<String> = String::from_utf8_lossy(&left.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect();
            if !ids.is_empty() {
                let _ = Command::new("docker")
                    .args(["rm", "-f"])
                    .args(&ids)
                    .output();
            }
        }
    }
}

/// A config file in its own directory; `@DIR@` in the text is that directory.
pub struct Config {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl Config {
    pub fn new(text: &str) -> Config {
        let dir = tempfile::Builder::new()
            .prefix("hmt-config-")
            .tempdir()
            .unwrap();
        let path = dir.path().join("hmctl.toml");
        std::fs::write(
            &path,
            text.replace("@DIR@", &dir.path().display().to_string()),
        )
        .unwrap();
        Config { dir, path }
    }
}

/// A config whose built-in groups are all absent, plus `groups` (TOML).
pub fn config_with(groups: &str) -> Config {
    let mut text = String::new();
    for group in ["console", "sync-proxy", "agent", "gateway"] {
        if !groups.contains(&format!("name = \"{group}\"")) {
            text.push_str(&format!(
                "[[group]]\nname = \"{group}\"\npresent_if = [\"/nonexistent/hmctl-test\"]\n\n"
            ));
        }
    }
    text.push_str(groups);
    Config::new(&text)
}

/// A compose group for a test project (its files, its project name, present).
pub fn console_group(project: &Project) -> String {
    let files: Vec<String> = project
        .files
        .iter()
        .map(|file| format!("{:?}", file.display().to_string()))
        .collect();
    format!(
        "[[group]]\nname = \"console\"\nproject = \"{name}\"\nfiles = [{files}]\nlog_dir = \"{dir}/logs\"\nconfig_dir = \"{dir}/config\"\nprogram_dir = \"{dir}\"\npresent_if = [\"{dir}\"]\nports = []\n\n",
        name = project.name,
        files = files.join(", "),
        dir = project.path().display(),
    )
}

/// A systemd group of the given units (each a name or alternatives `a|b`).
pub fn gateway_group(units: &[&str]) -> String {
    let units: Vec<String> = units
        .iter()
        .map(|unit| {
            if unit.contains('|') {
                let alternatives: Vec<String> =
                    unit.split('|').map(|name| format!("{name:?}")).collect();
                format!("[{}]", alternatives.join(", "))
            } else {
                format!("{unit:?}")
            }
        })
        .collect();
    format!(
        "[[group]]\nname = \"gateway\"\nunits = [{}]\nlog_dir = \"/nonexistent/hmctl-test/logs\"\nprogram_dir = \"/nonexistent/hmctl-test\"\npresent_if = []\n\n",
        units.join(", ")
    )
}

/// Runs `hmctl --config CONFIG --json status ARGS` and parses the document.
pub fn status_json(config: &Config, args: &[&str]) -> (i32, serde_json::Value) {
    let output = hmctl()
        .arg("--config")
        .arg(&config.path)
        .args(["--json", "status"])
        .args(args)
        .output()
        .unwrap();
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "status --json printed no valid JSON ({error}): stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), document)
}

/// The row of `name` in a status document.
pub fn row<'a>(document: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    document["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("no row {name} in {document:#}"))
}

pub fn has_row(document: &serde_json::Value, name: &str) -> bool {
    document["services"]
        .as_array()
        .unwrap()
        .iter()
        .any(|row| row["name"] == name)
}

/// Polls `probe` until it returns Some, or panics with the last state after `timeout`.
pub fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut probe: impl FnMut() -> Result<T, String>,
) -> T {
    let started = Instant::now();
    loop {
        match probe() {
            Ok(value) => return value,
            Err(last) if started.elapsed() > timeout => {
                panic!("timed out after {timeout:?} waiting for {what}: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(300)),
        }
    }
}

/// `docker` with arguments, checked; returns stdout.
pub fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().expect("docker");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `systemctl` inside the sandbox's systemd container; returns stdout.
pub fn systemctl(args: &[&str]) -> String {
    let sandbox = sandbox();
    let output = Command::new("docker")
        .args(["exec", &sandbox.systemd_container, "systemctl"])
        .args(args)
        .output()
        .expect("docker exec systemctl");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl Config {
    /// hmctl with this config and a lock file of this test's own, so tests
    /// that change things do not wait on each other.
    pub fn hmctl(&self) -> assert_cmd::Command {
        let mut command = hmctl();
        command
            .arg("--config")
            .arg(&self.path)
            .env("HMCTL_LOCK_FILE", self.dir.path().join("hmctl.lock"))
            .env("HMCTL_STATE_DIR", self.dir.path().join("state"));
        command
    }

    /// The same, as a std Command (for spawning and signalling).
    pub fn spawn_command(&self) -> Command {
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("hmctl"));
        command
            .env("NO_COLOR", "1")
            .env_remove("HMCTL_CONFIG")
            .env("HMCTL_DAEMON_TIMEOUT", PATIENT_DAEMON_TIMEOUT)
            .arg("--config")
            .arg(&self.path)
            .env("HMCTL_LOCK_FILE", self.dir.path().join("hmctl.lock"))
            .env("HMCTL_STATE_DIR", self.dir.path().join("state"));
        command
    }
}

/// `docker ps -aq` of a project's service's containers, as arguments.
pub fn containers_of(project: &Project, service: &str) -> Vec<String> {
    vec![
        "ps".into(),
        "-aq".into(),
        "--filter".into(),
        format!("label=com.docker.compose.project={}", project.name),
        "--filter".into(),
        format!("label=com.docker.compose.service={service}"),
    ]
}

/// A field of `docker inspect` of a project's service container (`{{.State.StartedAt}}`).
pub fn container_field(project: &Project, service: &str, template: &str) -> String {
    let ps = containers_of(project, service);
    let ps: Vec<&str> = ps.iter().map(String::as_str).collect();
    let id = docker(&ps);
    assert!(!id.is_empty(), "no container for {service}");
    docker(&["inspect", "-f", template, id.lines().next().unwrap()])
}

pub fn started_at(project: &Project, service: &str) -> String {
    container_field(project, service, "{{.State.StartedAt}}")
}

pub fn finished_at(project: &Project, service: &str) -> String {
    container_field(project, service, "{{.State.FinishedAt}}")
}

/// A unit property as systemctl shows it (`ActiveEnterTimestampMonotonic`).
pub fn unit_property(unit: &str, property: &str) -> String {
    systemctl(&["show", unit, "-p", property, "--value"])
}

/// A child process killed when the test ends, pass or fail, so it never holds
/// the test runner's output open.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A socket that accepts connections and never answers (a hung daemon).
pub fn silent_socket(dir: &Path) -> PathBuf {
    let path = dir.join("silent.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(16) {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(60));
    });
    path
}

/// A project of one running service, `plain`, that sleeps.
pub fn plain_project(test: &str) -> Project {
    let project = Project::new(
        test,
        &[(
            "c.yml",
            "services:\n  plain:\n    @BASE@\n    command: @SLEEPER@\n",
        )],
    );
    project.compose(&["up", "-d"]);
    project
}

/// Runs `hmctl restart GROUP`, sends it `signal` after `after` (while it waits
/// for a slow service), and returns what it said and how it ended.
pub fn interrupted_restart(
    config: &Config,
    group: &str,
    after: Duration,
    signal: rustix::process::Signal,
) -> std::process::Output {
    let restart = config
        .spawn_command()
        .args(["restart", group])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(after);
    rustix::process::kill_process(
        rustix::process::Pid::from_raw(i32::try_from(restart.id()).unwrap()).unwrap(),
        signal,
    )
    .unwrap();
    restart.wait_with_output().unwrap()
}

/// A console project (`compose_yaml`) whose `venvs/` (filled by `fill` before
/// the containers start) is the group's `upgrade_dir`, up and healthy: the
/// world of the upgrade tests.
pub fn upgrade_console(test: &str, compose_yaml: &str, fill: impl Fn(&Path)) -> (Project, Config) {
    let project = Project::new(test, &[("docker-compose-hyperbdr.yml", compose_yaml)]);
    let venvs = project.path().join("venvs");
    fill(&venvs);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project).replace(
        "ports = []",
        &format!("ports = []\nupgrade_dir = \"{}\"", venvs.display()),
    ));
    wait_until_all_ok(&config, "porter-api healthy");
    (project, config)
}

/// Waits (up to 20 s) until `status` of every service of `config` is ok.
pub fn wait_until_all_ok(config: &Config, what: &str) {
    wait_for(Duration::from_secs(20), what, || {
        let (code, document) = status_json(config, &[]);
        if code == 0 {
            Ok(())
        } else {
            Err(format!("{document:#}"))
        }
    });
}

/// The words of a command hmctl advises (`hmctl logs grep -F 'a b' x`),
/// split as a POSIX shell splits words quoted the way hmctl quotes them:
/// plain, or in single quotes with `'\''` for a quote.
pub fn advised_words(command: &str) -> Vec<String> {
    let (mut words, mut word, mut quoted, mut started) = (Vec::new(), String::new(), false, false);
    let mut characters = command.chars();
    while let Some(character) = characters.next() {
        match character {
            '\'' => (quoted, started) = (!quoted, true),
            '\\' if !quoted => word.extend(characters.next()),
            ' ' if !quoted => {
                if started || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                started = false;
            }
            other => word.push(other),
        }
    }
    if started || !word.is_empty() {
        words.push(word);
    }
    words
}

/// A unit file of the test's own in the sandbox's systemd container (loaded
/// on demand, no daemon-reload), stopped and removed when dropped.
pub struct TestUnit {
    pub name: String,
}

impl TestUnit {
    pub fn new(name: &str, text: &str) -> TestUnit {
        let sandbox = sandbox();
        let path = format!("/etc/systemd/system/{name}.service");
        let written = Command::new("docker")
            .args(["exec", &sandbox.systemd_container, "sh", "-c"])
            .args([r#"printf '%s' "$1" > "$2""#, "sh", text, &path])
            .status()
            .expect("docker exec");
        assert!(written.success(), "could not write {path}");
        TestUnit {
            name: name.to_string(),
        }
    }
}

impl Drop for TestUnit {
    fn drop(&mut self) {
        systemctl(&["stop", &self.name]);
        systemctl(&["reset-failed", &self.name]);
        let sandbox = sandbox();
        let _ = Command::new("docker")
            .args(["exec", &sandbox.systemd_container, "rm", "-f"])
            .arg(format!("/etc/systemd/system/{}.service", self.name))
            .status();
    }
}

/// Spawns `command` to freeze at the pause point `point`; returns once it is there.
pub fn paused_at(mut command: std::process::Command, point: &str) -> std::process::Child {
    let mut child = command
        .env("HMCTL_TEST_PAUSE_AT", point)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let marker = format!("test pause at {point}");
    while std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0
        && !line.contains(&marker)
    {
        line.clear();
    }
    assert!(line.contains(&marker), "never reached {point}: {line}");
    child
}

/// `command`, run by `nsenter` in the PID namespace of process `pid` (a
/// systemd container's): systemd refuses a private-socket peer whose PID it
/// cannot see, which on a real host, one namespace, never happens.
pub fn in_pid_namespace(pid: &str, command: &Command) -> Command {
    let mut entered = Command::new("nsenter");
    entered
        .args(["--target", pid, "--pid", "--"])
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => entered.env(name, value),
            None => entered.env_remove(name),
        };
    }
    entered
}
