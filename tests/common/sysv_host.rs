//! A container of the SysV image (tests/sandbox/sysv.sh): PID 1 is Debian's
//! sysvinit `/sbin/init`, the agent's and the gateway's services are LSB init
//! scripts, and this build's hmctl is copied in. Each test starts its own and
//! the container is removed when the test ends.

use super::docker;
use std::path::Path;
use std::process::{Command, Output};

pub struct SysvHost {
    pub container: String,
}

/// The SysV image's tag, built first when missing (cached by content hash).
pub fn sysv_image() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/sysv.sh");
    let output = Command::new(&script)
        .arg("build")
        .output()
        .expect("tests/sandbox/sysv.sh");
    assert!(
        output.status.success(),
        "tests/sandbox/sysv.sh build: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

impl SysvHost {
    /// Starts `hmctl-test-sysv-NAME`, copies hmctl in as /usr/local/bin/hmctl
    /// and waits until init has run runlevel 2's scripts.
    pub fn start(name: &str) -> SysvHost {
        SysvHost::start_with(name, &[])
    }

    /// [`SysvHost::start`] with more `docker run` options (a seccomp profile).
    pub fn start_with(name: &str, docker_options: &[&str]) -> SysvHost {
        let image = sysv_image();
        let container = format!("hmctl-test-sysv-{name}");
        let _ = Command::new("docker")
            .args(["rm", "-f", &container])
            .output();
        let mut arguments = vec![
            "run",
            "-d",
            "--name",
            &container,
            "--label",
            "hmctl.test=1",
            "--network",
            "none",
            "--tmpfs",
            "/run",
            "--tmpfs",
            "/run/lock",
        ];
        arguments.extend_from_slice(docker_options);
        arguments.push(&image);
        docker(&arguments);
        let host = SysvHost { container };
        host.copy_in(
            Path::new(env!("CARGO_BIN_EXE_hmctl")),
            "/usr/local/bin/hmctl",
        );
        // /etc/init.d/rc writes the runlevel's "done" into utmp; the scripts'
        // daemons are up when egisplus-agent's status says so.
        super::wait_for(
            std::time::Duration::from_secs(120),
            "the SysV container to reach runlevel 2",
            || {
                let output = host.sh("/sbin/runlevel && /etc/init.d/egisplus-agent status");
                if output.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&output.stdout).to_string())
                }
            },
        );
        host
    }

    /// Runs `program` with `args` in the container (environment: NO_COLOR,
    /// HMCTL_DAEMON_TIMEOUT as the tests' hmctl has).
    pub fn exec(&self, program: &str, args: &[&str]) -> Output {
        self.exec_with(&[], program, args)
    }

    /// [`SysvHost::exec`] with more environment variables (`NAME=VALUE`).
    pub fn exec_with(&self, environment: &[&str], program: &str, args: &[&str]) -> Output {
        let mut command = Command::new("docker");
        command
            .args(["exec", "-e", "NO_COLOR=1", "-e"])
            .arg(format!(
                "HMCTL_DAEMON_TIMEOUT={}",
                super::PATIENT_DAEMON_TIMEOUT
            ));
        for variable in environment {
            command.args(["-e", variable]);
        }
        command
            .arg(&self.container)
            .arg(program)
            .args(args)
            .output()
            .expect("docker exec")
    }

    /// `hmctl --json status ARGS` in the container: exit code and document.
    pub fn status_json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let output = self.exec("hmctl", &[&["--json", "status"], args].concat());
        let document = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("status --json: {error}: {}", said(&output)));
        (output.status.code().unwrap_or(-1), document)
    }

    /// Copies a file of the host into the container.
    pub fn copy_in(&self, from: &Path, to: &str) {
        docker(&[
            "cp",
            &from.display().to_string(),
            &format!("{}:{to}", self.container),
        ]);
    }

    /// Runs a shell command line in the container.
    pub fn sh(&self, line: &str) -> Output {
        self.exec("sh", &["-c", line])
    }

    /// Writes `text` to `path` in the container.
    pub fn write(&self, path: &str, text: &str) {
        let mut child = Command::new("docker")
            .args(["exec", "-i", &self.container, "sh", "-c"])
            .arg(format!("mkdir -p \"$(dirname {path})\" && cat >{path}"))
            .stdin(std::process::Stdio::piped())
            .spawn()
            .expect("docker exec");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
        assert!(child.wait().expect("docker exec").success(), "write {path}");
    }
}

impl Drop for SysvHost {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["rm", "-f", &self.container])
            .output();
    }
}

/// What a command said, stdout then stderr.
pub fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr)
}
