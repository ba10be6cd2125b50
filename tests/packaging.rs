//! The packages: built by the one documented command, holding what an
//! operator needs, lintian-clean, and working once installed — the .deb for
//! real in a Debian container (`hmctl --version`, `man hmctl`, bash
//! completion), the .rpm into a scratch root.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn built() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let status = Command::new(root.join("packaging/build")).status().unwrap();
    assert!(status.success(), "packaging/build");
    let find = |extension: &str| {
        std::fs::read_dir(root.join("target/packages"))
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|found| found == extension))
            .unwrap_or_else(|| panic!("no .{extension} built"))
    };
    (find("deb"), find("rpm"))
}

/// The newest glibc symbol version a binary needs.
fn newest_glibc(binary: &Path) -> (u32, u32) {
    let symbols = run("objdump", &["-T", binary.to_str().unwrap()]);
    symbols
        .split("GLIBC_")
        .skip(1)
        .filter_map(|rest| {
            let version: String = rest
                .chars()
                .take_while(|character| character.is_ascii_digit() || *character == '.')
                .collect();
            let mut parts = version
                .split('.')
                .map(|part| part.parse::<u32>().unwrap_or(0));
            Some((parts.next()?, parts.next().unwrap_or(0)))
        })
        .max()
        .unwrap()
}

#[test]
fn the_packages_install_and_work() {
    let sandbox = sandbox();
    let (deb, rpm) = built();
    let deb_name = deb.to_str().unwrap();
    let rpm_name = rpm.to_str().unwrap();

    let listing = run("dpkg-deb", &["-c", deb_name]);
    for path in [
        "./usr/bin/hmctl",
        "./usr/share/man/man1/hmctl.1.gz",
        "./usr/share/man/man1/hmctl-status.1.gz",
        "./usr/share/man/man1/hmctl-logs-grep.1.gz",
        "./usr/share/bash-completion/completions/hmctl",
        "./usr/share/zsh/vendor-completions/_hmctl",
        "./usr/share/fish/vendor_completions.d/hmctl.fish",
        "./etc/hmctl/hmctl.toml",
        "./usr/share/doc/hmctl/copyright",
        "./usr/share/doc/hmctl/changelog.Debian.gz",
    ] {
        assert!(
            listing.lines().any(|line| line.ends_with(path)),
            "{path} missing:\n{listing}"
        );
    }
    let control = run("dpkg-deb", &["-I", deb_name]);
    assert!(
        control.contains("conffiles") && control.contains("Section: admin"),
        "{control}"
    );
    assert_eq!(
        run("dpkg-deb", &["-f", deb_name, "Depends"]).trim(),
        "libc6 (>= 2.17)"
    );

    // The Depends line tells the truth: the binary needs nothing newer than glibc 2.17
    // (Ubuntu 20.04 has 2.31, CentOS 7 has 2.17).
    let extracted = tempfile::tempdir().unwrap();
    run(
        "dpkg-deb",
        &["-x", deb_name, extracted.path().to_str().unwrap()],
    );
    let binary = extracted.path().join("usr/bin/hmctl");
    assert!(
        newest_glibc(&binary) <= (2, 17),
        "needs glibc {:?}",
        newest_glibc(&binary)
    );
    let manual = run(
        "man",
        &[
            "-l",
            extracted
                .path()
                .join("usr/share/man/man1/hmctl.1.gz")
                .to_str()
                .unwrap(),
        ],
    );
    assert!(manual.contains("EXIT STATUS") && manual.contains("hmctl-upgrade(1)"));

    let lintian = Command::new("lintian").arg(deb_name).output().unwrap();
    let report = String::from_utf8_lossy(&lintian.stdout);
    let errors: Vec<&str> = report
        .lines()
        .filter(|line| line.starts_with("E:"))
        .collect();
    assert!(errors.is_empty(), "lintian errors:\n{report}");

    let files = run("rpm", &["-qpl", rpm_name]);
    for path in [
        "/usr/bin/hmctl",
        "/usr/share/man/man1/hmctl.1",
        "/usr/share/zsh/site-functions/_hmctl",
        "/etc/hmctl/hmctl.toml",
    ] {
        assert!(
            files.lines().any(|line| line == path),
            "{path} missing from the rpm:\n{files}"
        );
    }
    assert_eq!(
        run("rpm", &["-qp", "--configfiles", rpm_name]).trim(),
        "/etc/hmctl/hmctl.toml"
    );
    let requires = run("rpm", &["-qp", "--requires", rpm_name]);
    assert!(
        !requires.contains("GLIBC_2.18") && !requires.contains("GLIBC_2.34"),
        "{requires}"
    );
    assert!(run("rpm", &["-K", "--nosignature", rpm_name]).contains("digests OK"));
    let root = tempfile::tempdir().unwrap();
    let root_name = root.path().to_str().unwrap();
    run("rpm", &["--root", root_name, "--initdb"]);
    run("rpm", &["-i", "--nodeps", "--root", root_name, rpm_name]);
    assert!(
        run(
            root.path().join("usr/bin/hmctl").to_str().unwrap(),
            &["--version"]
        )
        .starts_with("hmctl 0.")
    );

    // Installed for real in a Debian container: the binary, the manual, completion.
    let image = docker(&[
        "inspect",
        "-f",
        "{{.Config.Image}}",
        &sandbox.systemd_container,
    ]);
    let script = r#"
set -e
dpkg -i /packages/hmctl.deb >/dev/null
hmctl --version
MANPAGER=cat man hmctl | grep -c "EXIT STATUS"
test -f /etc/hmctl/hmctl.toml && hmctl status >/dev/null && echo "status on a bare host: ok"
source /usr/share/bash-completion/completions/hmctl
COMP_WORDS=(hmctl re); COMP_CWORD=1; COMP_TYPE=9
_clap_complete_hmctl hmctl re hmctl
echo "completion: ${COMPREPLY[*]}"
dpkg -r hmctl >/dev/null && test ! -e /usr/bin/hmctl && test -f /etc/hmctl/hmctl.toml && echo "removed (the conffile stays until purge)"
"#;
    let packages = tempfile::tempdir().unwrap();
    std::fs::copy(&deb, packages.path().join("hmctl.deb")).unwrap();
    let output = run(
        "docker",
        &[
            "run",
            "--rm",
            "--network",
            "none",
            "--entrypoint",
            "/bin/bash",
            "-v",
            &format!("{}:/packages:ro", packages.path().display()),
            &image,
            "-c",
            script,
        ],
    );
    assert!(output.contains("hmctl 0."), "{output}");
    assert!(output.contains("status on a bare host: ok"), "{output}");
    let completion = output
        .lines()
        .find(|line| line.starts_with("completion:"))
        .unwrap_or_default();
    assert!(
        completion.contains("restart") && completion.contains("reload"),
        "{output}"
    );
    assert!(
        output
            .trim_end()
            .ends_with("removed (the conffile stays until purge)"),
        "{output}"
    );
}
