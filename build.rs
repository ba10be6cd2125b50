//! Records the git commit hmctl is built from, for `hmctl --version`.
//! (Completions and man pages are not generated here: they are committed and
//! checked by a test.)

use std::process::Command;

fn main() {
    let commit = std::env::var("HMCTL_GIT_COMMIT")
        .ok()
        .filter(|commit| !commit.is_empty())
        .or_else(|| {
            let output = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=HMCTL_GIT_COMMIT={commit}");
    println!("cargo:rerun-if-env-changed=HMCTL_GIT_COMMIT");
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
