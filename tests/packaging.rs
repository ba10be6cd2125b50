//! The packages: built by the one documented command for x86_64 and aarch64,
//! static binaries that need no C library of the host, holding what an
//! operator needs, lintian-clean; the .rpm in a form RPM 4.11 (CentOS / RHEL 7)
//! reads, checked by reading its header here rather than with this host's
//! newer rpm; the .deb installed for real in a Debian container, the .rpm
//! into a scratch root; the aarch64 binary run under qemu against the
//! sandbox's real dockerd and systemd.

mod common;
#[path = "packaging/rpm_header.rs"]
mod rpm_header;

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

/// One architecture's packages, and the names its tools give it.
struct Built {
    deb: PathBuf,
    rpm: PathBuf,
    tarball: PathBuf,
    /// What `file` says of such a binary.
    machine: &'static str,
}

/// Runs packaging/build and finds what it built, x86_64 first.
fn built() -> [Built; 2] {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let started = std::time::Instant::now();
    // What is tested here is the packages — their format, linking, contents,
    // install and run — not the optimiser: the whole-program LTO and full
    // optimisation of a release (minutes of both cores per target, on a
    // 2-core CI machine beside the other tests) are left to `packaging/build`
    // run for a release.
    let status = Command::new(root.join("packaging/build"))
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .status()
        .unwrap();
    assert!(status.success(), "packaging/build");
    println!("packaging/build: {:.0} s", started.elapsed().as_secs_f64());
    let find = |suffix: &str| {
        std::fs::read_dir(root.join("target/packages"))
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .find(|path| path.to_string_lossy().ends_with(suffix))
            .unwrap_or_else(|| panic!("no *{suffix} built"))
    };
    [
        Built {
            deb: find("_amd64.deb"),
            rpm: find(".x86_64.rpm"),
            tarball: find("-x86_64-linux-musl.tar.gz"),
            machine: "x86-64",
        },
        Built {
            deb: find("_arm64.deb"),
            rpm: find(".aarch64.rpm"),
            tarball: find("-aarch64-linux-musl.tar.gz"),
            machine: "ARM aarch64",
        },
    ]
}

fn name(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The .deb's contents, control fields and lintian; returns its binary, extracted.
fn check_deb(built: &Built, into: &Path) -> PathBuf {
    let deb = name(&built.deb);
    let listing = run("dpkg-deb", &["-c", deb]);
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
            "{path} missing from {deb}:\n{listing}"
        );
    }
    // gzip, not xz: dpkg before 1.17.6 (Ubuntu 12.04, 14.04) reads no control.tar.xz.
    let members = run("ar", &["t", deb]);
    assert_eq!(
        members.split_whitespace().collect::<Vec<_>>(),
        ["debian-binary", "control.tar.gz", "data.tar.gz"],
        "{deb}"
    );
    let control = run("dpkg-deb", &["-I", deb]);
    assert!(
        control.contains("conffiles") && control.contains("Section: admin"),
        "{control}"
    );
    // Static: no libc6 (or any) dependency to satisfy on Ubuntu 12.04 or a minimal image.
    assert_eq!(
        run("dpkg-deb", &["-f", deb, "Depends"]).trim(),
        "",
        "{control}"
    );

    let lintian = Command::new("lintian").arg(deb).output().unwrap();
    let report = String::from_utf8_lossy(&lintian.stdout);
    let errors: Vec<&str> = report
        .lines()
        .filter(|line| line.starts_with("E:"))
        .collect();
    assert!(errors.is_empty(), "lintian errors:\n{report}");

    run("dpkg-deb", &["-x", deb, name(into)]);
    let binary = into.join("usr/bin/hmctl");
    let file = run("file", &["-b", name(&binary)]);
    println!("file {}: {}", built.deb.display(), file.trim());
    assert!(
        file.contains(built.machine) && file.contains("statically linked"),
        "{file}"
    );
    assert!(!file.contains("interpreter"), "{file}");
    binary
}

/// The .rpm: what RPM 4.11 needs of its header, its files and config marks,
/// no scriptlets, and an install, reinstall and erase in a scratch root.
fn check_rpm(built: &Built, binary: &Path) {
    let rpm = name(&built.rpm);
    let package = rpm_header::read(&std::fs::read(&built.rpm).unwrap());
    let problems = rpm_header::problems(&package, &rpm_header::RPM_4_11);
    assert!(
        problems.is_empty(),
        "RPM 4.11 could not install {rpm}: {problems:#?}"
    );
    // CentOS / RHEL 6's RPM 4.8 can; SLES 11's RPM 4.4 cannot: the
    // tarball's install.sh is the way there.
    let problems = rpm_header::problems(&package, &rpm_header::RPM_4_8);
    assert!(
        problems.is_empty(),
        "RPM 4.8 could not install {rpm}: {problems:#?}"
    );
    assert_eq!(
        rpm_header::problems(&package, &rpm_header::RPM_4_4),
        [
            "file digests by algorithm 8 (RPM 4.4 reads every file digest as MD5)",
            "rpmlib(FileDigests) <= 4.6.0-1: RPM 4.4 lacks it",
        ],
        "{rpm}: what keeps RPM 4.4 from it changed; update the README's host table"
    );
    // RPM 4.11 checks the SHA-1 of the header (it knows no SHA-256 header digest).
    assert!(
        package
            .signature
            .tags
            .contains_key(&rpm_header::SIGNATURE_SHA1)
            || package
                .signature
                .tags
                .contains_key(&rpm_header::SIGNATURE_MD5),
        "no digest RPM 4.11 can check in {rpm}"
    );
    let requires = run("rpm", &["-qpR", rpm]);
    println!("rpm -qpR {rpm}:\n{requires}");
    assert!(
        !requires.contains("Zstd") && !requires.contains("LargeFiles"),
        "{requires}"
    );
    // The only scriptlets: the metrics timer's preset on first install and
    // disable on erase, as %systemd_post / %systemd_preun do, only under systemd.
    let scripts = run("rpm", &["-qp", "--scripts", rpm]);
    assert!(
        scripts.contains("postinstall scriptlet")
            && scripts.contains("systemctl --no-reload preset hmctl-metrics.timer")
            && scripts.contains("preuninstall scriptlet")
            && scripts.contains("systemctl --no-reload disable --now hmctl-metrics.timer")
            && scripts.matches("scriptlet").count() == 2,
        "{scripts}"
    );
    assert!(files_of(rpm).contains("/usr/lib/systemd/system/hmctl-metrics.timer"));

    let files = run("rpm", &["-qpl", rpm]);
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
    let flags = run(
        "rpm",
        &["-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", rpm],
    );
    assert!(
        flags.lines().any(|line| line == "/etc/hmctl/hmctl.toml cn"),
        "{flags}"
    );
    assert!(run("rpm", &["-K", "--nosignature", rpm]).contains("digests OK"));

    // Into an empty root: no /bin/sh there, so the timer's scriptlets (checked
    // by their text above) are not run.
    let root = tempfile::tempdir().unwrap();
    let into = |args: &[&str]| {
        let mut all = vec!["--root", name(root.path()), "--nodeps", "--noscripts"];
        all.extend_from_slice(args);
        run("rpm", &all)
    };
    run("rpm", &["--root", name(root.path()), "--initdb"]);
    into(&["-i", "--ignorearch", rpm]);
    let installed = std::fs::read(root.path().join("usr/bin/hmctl")).unwrap();
    assert!(
        installed == std::fs::read(binary).unwrap(),
        "the rpm's binary is the deb's"
    );
    let config = root.path().join("etc/hmctl/hmctl.toml");
    let edited = std::fs::read_to_string(&config).unwrap() + "# the operator's edit\n";
    std::fs::write(&config, &edited).unwrap();
    into(&["-U", "--replacepkgs", "--ignorearch", rpm]);
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        edited,
        "noreplace"
    );
    into(&["-e", "hmctl"]);
    assert!(!root.path().join("usr/bin/hmctl").exists());
    let saved = root.path().join("etc/hmctl/hmctl.toml.rpmsave");
    assert_eq!(std::fs::read_to_string(saved).unwrap(), edited);
}

/// The tarball: the same binary, the manual, completions and the default config.
fn check_tarball(built: &Built, binary: &Path) {
    let listing = run("tar", &["-tzf", name(&built.tarball)]);
    for file in [
        "/hmctl",
        "/man/hmctl.1",
        "/completions/_hmctl",
        "/hmctl.toml",
        "/LICENSE",
        "/install.sh",
    ] {
        assert!(
            listing.lines().any(|line| line.ends_with(file)),
            "{file}:\n{listing}"
        );
    }
    let unpacked = tempfile::tempdir().unwrap();
    run(
        "tar",
        &["-xzf", name(&built.tarball), "-C", name(unpacked.path())],
    );
    let top = listing.lines().next().unwrap().split('/').next().unwrap();
    let packed = std::fs::read(unpacked.path().join(top).join("hmctl")).unwrap();
    assert!(
        packed == std::fs::read(binary).unwrap(),
        "the tarball's binary is the deb's"
    );
}

/// SLES 11 (RPM 4.4 cannot take the .rpm; kernel 2.6.32 or 3.0): the
/// tarball's install.sh in a container under the 2.6.32 seccomp profile of
/// tests/old_kernel_real.rs; hmctl runs there, and installing again keeps a
/// changed config, the default beside it.
fn check_tarball_install(built: &Built, image: &str) {
    let unpacked = tempfile::tempdir().unwrap();
    run(
        "tar",
        &["-xzf", name(&built.tarball), "-C", name(unpacked.path())],
    );
    let top = std::fs::read_dir(unpacked.path())
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    let profile =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/old-kernel/seccomp-2.6.32.json");
    let said = run(
        "docker",
        &[
            "run",
            "--rm",
            "--security-opt",
            &format!("seccomp={}", profile.display()),
            "-v",
            &format!("{}:/pkg:ro", top.display()),
            image,
            "sh",
            "-c",
            "/pkg/install.sh && hmctl list >/dev/null && echo '# changed' >>/etc/hmctl/hmctl.toml \
             && /pkg/install.sh && test -f /etc/hmctl/hmctl.toml.new && tail -n 1 /etc/hmctl/hmctl.toml",
        ],
    );
    let lines: Vec<&str> = said.lines().collect();
    assert_eq!(lines.len(), 4, "{said}");
    assert!(
        lines[0].starts_with("installed hmctl 0.") && lines[0].ends_with(" as /usr/bin/hmctl"),
        "{said}"
    );
    assert_eq!(
        lines[1..],
        [
            "kept /etc/hmctl/hmctl.toml (changed here); the default is /etc/hmctl/hmctl.toml.new",
            lines[0],
            "# changed",
        ],
        "{said}"
    );
}

/// The aarch64 binary under qemu-user: start-up, help, the catalog, and status
/// read from the sandbox's dockerd and systemd.
fn check_under_qemu(binary: &Path) {
    let project = plain_project("packaging-qemu");
    let config = config_with(&(console_group(&project) + &gateway_group(&["watchman.service"])));
    let qemu = |args: &[&str]| {
        let output = Command::new("qemu-aarch64-static")
            .arg(binary)
            .arg("--config")
            .arg(&config.path)
            .args(args)
            .env("NO_COLOR", "1")
            // What hmctl() gives the native binary: the daemons' patience of a
            // loaded machine (more so under emulation) and a state of its own.
            .env_remove("HMCTL_CONFIG")
            .env("HMCTL_DAEMON_TIMEOUT", PATIENT_DAEMON_TIMEOUT)
            .env("HMCTL_STATE_DIR", private_state_dir())
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (code, version) = qemu(&["--version"]);
    assert!(
        code == Some(0) && version.starts_with("hmctl 0."),
        "{version}"
    );
    let (code, help) = qemu(&["--help"]);
    assert!(code == Some(0) && help.contains("status"), "{help}");
    let (code, list) = qemu(&["list"]);
    assert!(
        code == Some(0) && list.contains("plain") && list.contains("watchman"),
        "{list}"
    );
    let (code, status) = qemu(&["--json", "status"]);
    let document: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert!(code == Some(0) || code == Some(3), "{status}");
    assert_eq!(row(&document, "plain")["state"], "running", "{status}");
    assert!(row(&document, "watchman")["state"].is_string(), "{status}");
}

/// The .deb installed for real in a Debian container: binary, manual, completion.
fn check_deb_installed(built: &Built, image: &str) {
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
    std::fs::copy(&built.deb, packages.path().join("hmctl.deb")).unwrap();
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
            image,
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

#[test]
fn the_packages_install_and_work() {
    if skip_without_sandbox() {
        return;
    }
    let sandbox = sandbox();
    let [x86_64, aarch64] = built();
    let extracted = tempfile::tempdir().unwrap();
    let mut binaries = Vec::new();
    for (built, directory) in [(&x86_64, "x86_64"), (&aarch64, "aarch64")] {
        let binary = check_deb(built, &extracted.path().join(directory));
        check_rpm(built, &binary);
        check_tarball(built, &binary);
        binaries.push(binary);
    }
    let manual = run(
        "man",
        &[
            "-l",
            name(
                &extracted
                    .path()
                    .join("x86_64/usr/share/man/man1/hmctl.1.gz"),
            ),
        ],
    );
    assert!(manual.contains("EXIT STATUS") && manual.contains("hmctl-upgrade(1)"));
    check_under_qemu(&binaries[1]);
    let image = docker(&[
        "inspect",
        "-f",
        "{{.Config.Image}}",
        &sandbox.systemd_container,
    ]);
    check_deb_installed(&x86_64, image.trim());
    check_tarball_install(&x86_64, &sandbox.busybox);
}

/// The header check itself fails on what RPM 4.11 cannot read.
#[test]
fn the_header_check_rejects_what_rpm_4_11_lacks() {
    let mut package = rpm_header::Package {
        lead_major: 3,
        signature: rpm_header::Header {
            tags: std::collections::HashMap::default(),
            end: 0,
        },
        header: rpm_header::Header {
            tags: std::collections::HashMap::default(),
            end: 0,
        },
        payload_start: vec![0x28, 0xb5, 0x2f, 0xfd],
    };
    let strings = |values: &[&str]| {
        rpm_header::Value::Strings(values.iter().map(ToString::to_string).collect())
    };
    let tags = &mut package.header.tags;
    tags.insert(rpm_header::PAYLOAD_COMPRESSOR, strings(&["zstd"]));
    tags.insert(
        rpm_header::REQUIRE_NAME,
        strings(&[
            "rpmlib(PayloadIsZstd)",
            "rpmlib(FileDigests)",
            "(a or b)",
            "rpmlib(TildeInVersions)",
        ]),
    );
    tags.insert(
        rpm_header::REQUIRE_VERSION,
        strings(&["5.4.18-1", "4.6.0-1", "", "4.20.0-1"]),
    );
    let problems = rpm_header::problems(&package, &rpm_header::RPM_4_11);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].contains("payload compressor zstd"));
    assert!(problems[1].contains("PayloadIsZstd"));
    assert!(problems[2].contains("rich dependency"));
    assert!(problems[3].contains("RPM 4.11 has 4.10.0-1"));

    package
        .header
        .tags
        .insert(rpm_header::PAYLOAD_COMPRESSOR, strings(&["gzip"]));
    package
        .header
        .tags
        .insert(rpm_header::REQUIRE_NAME, strings(&["rpmlib(FileDigests)"]));
    package
        .header
        .tags
        .insert(rpm_header::REQUIRE_VERSION, strings(&["4.6.0-1"]));
    let problems = rpm_header::problems(&package, &rpm_header::RPM_4_11);
    assert_eq!(problems.len(), 1, "the payload is not gzip: {problems:#?}");
    package.payload_start = vec![0x1f, 0x8b, 8, 0];
    assert!(rpm_header::problems(&package, &rpm_header::RPM_4_11).is_empty());
}

/// The header check knows what RPM 4.4 (SLES 11) reads: gzip or bzip2, MD5
/// file digests, its ten `rpmlib()` features.
#[test]
fn the_header_check_rejects_what_rpm_4_4_lacks() {
    let strings = |values: &[&str]| {
        rpm_header::Value::Strings(values.iter().map(ToString::to_string).collect())
    };
    let mut tags = std::collections::HashMap::new();
    tags.insert(rpm_header::PAYLOAD_COMPRESSOR, strings(&["xz"]));
    tags.insert(
        rpm_header::FILE_DIGEST_ALGORITHM,
        rpm_header::Value::Integers(vec![8]),
    );
    tags.insert(
        rpm_header::REQUIRE_NAME,
        strings(&[
            "rpmlib(CompressedFileNames)",
            "rpmlib(FileDigests)",
            "rpmlib(PayloadIsXz)",
        ]),
    );
    tags.insert(
        rpm_header::REQUIRE_VERSION,
        strings(&["3.0.4-1", "4.6.0-1", "5.2-1"]),
    );
    let mut package = rpm_header::Package {
        lead_major: 3,
        signature: rpm_header::Header {
            tags: std::collections::HashMap::default(),
            end: 0,
        },
        header: rpm_header::Header { tags, end: 0 },
        payload_start: vec![0xfd, b'7', b'z', b'X', b'Z', 0],
    };
    assert_eq!(
        rpm_header::problems(&package, &rpm_header::RPM_4_4),
        [
            "payload compressor xz",
            "file digests by algorithm 8 (RPM 4.4 reads every file digest as MD5)",
            "rpmlib(FileDigests) <= 4.6.0-1: RPM 4.4 lacks it",
            "rpmlib(PayloadIsXz) <= 5.2-1: RPM 4.4 lacks it",
        ]
    );
    // What 4.4 reads: a bzip2 payload, MD5 file digests, its features only.
    let tags = &mut package.header.tags;
    tags.insert(rpm_header::PAYLOAD_COMPRESSOR, strings(&["bzip2"]));
    tags.insert(
        rpm_header::FILE_DIGEST_ALGORITHM,
        rpm_header::Value::Integers(vec![1]),
    );
    tags.insert(
        rpm_header::REQUIRE_NAME,
        strings(&["rpmlib(CompressedFileNames)", "/bin/sh"]),
    );
    tags.insert(rpm_header::REQUIRE_VERSION, strings(&["3.0.4-1", ""]));
    package.payload_start = b"BZh91A".to_vec();
    assert_eq!(
        rpm_header::problems(&package, &rpm_header::RPM_4_4),
        Vec::<String>::new()
    );
}

/// The files an .rpm installs, one path a line.
fn files_of(rpm: &str) -> String {
    run("rpm", &["-qpl", rpm])
}
