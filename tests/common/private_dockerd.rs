//! A dockerd of a test's own, for the tests that restart dockerd itself —
//! never the shared one: its own data root, exec root, socket and containerd
//! namespace, the sandbox's busybox image loaded into it with `docker save |
//! docker load`, restarted by the test and removed with its containers.

use super::{Project, containers_of, sandbox, wait_for};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A dockerd of this test's own, stopped and removed when dropped.
pub struct PrivateDockerd {
    dir: tempfile::TempDir,
    /// Its containerd namespaces and cgroup parent: one per test, so two
    /// tests' daemons never share containers.
    namespace: String,
    child: Option<std::process::Child>,
}

impl PrivateDockerd {
    /// Starts it (`namespace`: a name of the test's own, `hmt-...`) with the
    /// sandbox's busybox image loaded.
    pub fn start(namespace: &str) -> PrivateDockerd {
        // Short: the exec root holds sockets, whose paths are limited.
        let dir = tempfile::Builder::new()
            .prefix("hmt-dk-")
            .tempdir_in("/tmp")
            .unwrap();
        let mut daemon = PrivateDockerd {
            dir,
            namespace: namespace.to_string(),
            child: None,
        };
        daemon.run();
        let image = sandbox().busybox;
        let loaded = Command::new("sh")
            .args([
                "-c",
                r#"docker save "$1" | DOCKER_HOST="$2" docker load"#,
                "sh",
            ])
            .args([&image, &daemon.host()])
            .output()
            .unwrap();
        assert!(loaded.status.success(), "{loaded:?}");
        daemon
    }

    /// Its `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    fn run(&mut self) {
        let dir = self.dir.path();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("dockerd.log"))
            .unwrap();
        let namespace = &self.namespace;
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(dir.join("data"))
            .arg("--exec-root")
            .arg(dir.join("exec"))
            .arg("--pidfile")
            .arg(dir.join("dockerd.pid"))
            .args(["-H", &self.host()])
            .args([
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-masq=false",
            ])
            .args(["--containerd-namespace", namespace])
            .args([
                "--containerd-plugins-namespace",
                &format!("{namespace}-plugins"),
            ])
            .args(["--cgroup-parent", namespace])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("dockerd");
        self.child = Some(child);
        wait_for(Duration::from_secs(60), "the private dockerd", || {
            let info = self.docker_output(&["info", "--format", "{{.ServerVersion}}"]);
            if info.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&info.stderr).to_string())
            }
        });
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap()).unwrap();
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
            let _ = child.wait();
        }
    }

    /// What a restart of dockerd does: stop it (its containers with it) and
    /// start it again (its events' ring empty).
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    /// `docker-compose -p PROJECT -f FILE up -d` against this daemon.
    pub fn compose_up(&self, project: &Project) {
        let up = Command::new("docker-compose")
            .current_dir(project.path())
            .env("DOCKER_HOST", self.host())
            .args(["-p", &project.name, "-f"])
            .arg(&project.files[0])
            .args(["up", "-d"])
            .output()
            .unwrap();
        assert!(up.status.success(), "{up:?}");
    }

    pub fn docker_output(&self, args: &[&str]) -> std::process::Output {
        Command::new("docker")
            .env("DOCKER_HOST", self.host())
            .args(args)
            .output()
            .unwrap()
    }

    pub fn docker(&self, args: &[&str]) -> String {
        let output = self.docker_output(args);
        assert!(output.status.success(), "docker {args:?}: {output:?}");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// The id of a project's service's container.
    pub fn container(&self, project: &Project, service: &str) -> String {
        let ps = containers_of(project, service);
        let ids = self.docker(&ps.iter().map(String::as_str).collect::<Vec<_>>());
        ids.lines().next().unwrap_or("none").to_string()
    }

    /// A field of `docker inspect` of a project's service's container.
    pub fn field(&self, project: &Project, service: &str, template: &str) -> String {
        let id = self.container(project, service);
        self.docker(&["inspect", "-f", template, &id])
    }

    pub fn running(&self, project: &Project, service: &str) -> bool {
        self.field(project, service, "{{.State.Running}}") == "true"
    }
}

impl Drop for PrivateDockerd {
    fn drop(&mut self) {
        if self.child.is_some() {
            let ids = self.docker_output(&["ps", "-aq"]);
            let ids = String::from_utf8_lossy(&ids.stdout).to_string();
            for id in ids.split_whitespace() {
                let _ = self.docker_output(&["rm", "-f", id]);
            }
        }
        self.stop();
    }
}
