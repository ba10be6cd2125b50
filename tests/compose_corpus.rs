//! The compose reader against ~80 real and edge-case compose files
//! (tests/data/compose-corpus: docker/awesome-compose and compose-go's own test
//! data). Every file is read without a panic or a hang; where Debian's
//! `docker-compose` (v1) accepts a file, hmctl finds the same services.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose-corpus");
    let mut files = Vec::new();
    let mut pending = vec![root];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "yml" || extension == "yaml")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 70, "the corpus is there: {}", files.len());
    files
}

/// Reads a file on a thread, failing the test if it takes more than 5 s.
fn read_bounded(file: &Path) -> Result<Vec<String>, String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    let owned = file.to_path_buf();
    std::thread::spawn(move || {
        let result = hmctl::compose_file::read_project(&[owned])
            .map(|project| {
                project
                    .services
                    .iter()
                    .filter(|service| service.profiles.is_empty())
                    .map(|service| service.name.clone())
                    .collect()
            })
            .map_err(|error| error.to_string());
        let _ = sender.send(result);
    });
    receiver
        .recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("reading {} hung or panicked", file.display()))
}

#[test]
fn every_file_is_read_or_refused_with_a_reason() {
    for file in corpus() {
        match read_bounded(&file) {
            Ok(_) => {}
            Err(message) => {
                let name = file.file_name().unwrap().to_string_lossy().to_string();
                assert!(
                    message.contains(&name) || message.contains("cycle"),
                    "{}: the refusal names the file: {message}",
                    file.display()
                );
            }
        }
    }
}

/// The path in a v1 message like `build path /x/y either does not exist` or
/// `Couldn't find env file: /x/y`.
fn missing_path(stderr: &str, marker: &str) -> Option<PathBuf> {
    let rest = &stderr[stderr.find(marker)? + marker.len()..];
    rest.split_whitespace().next().map(PathBuf::from)
}

/// `docker-compose -f FILE config --services`, when v1 accepts the file. The
/// corpus holds only YAML, so build contexts and env files v1 looks for are
/// created (in a copy of the corpus) and the question asked again.
fn oracle(file: &Path) -> Option<BTreeSet<String>> {
    for _ in 0..10 {
        let output = Command::new("docker-compose")
            .current_dir(file.parent().unwrap())
            .env("COMPOSE_PROJECT_NAME", "corpus")
            .arg("-f")
            .arg(file)
            .args(["config", "--services"])
            .output()
            .ok()?;
        if output.status.success() {
            return Some(
                String::from_utf8_lossy(&output.stdout)
                    .lines()
                    .map(String::from)
                    .collect(),
            );
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        if let Some(dir) = missing_path(&stderr, "build path ") {
            std::fs::create_dir_all(dir).ok()?;
        } else if let Some(env_file) = missing_path(&stderr, "Couldn't find env file: ") {
            std::fs::create_dir_all(env_file.parent()?).ok()?;
            std::fs::write(env_file, "").ok()?;
        } else {
            return None;
        }
    }
    None
}

/// A scratch copy of the corpus the oracle may add files to.
fn corpus_copy() -> (tempfile::TempDir, Vec<PathBuf>) {
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/compose-corpus");
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(&original)
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let files = corpus()
        .into_iter()
        .map(|file| {
            copy.path()
                .join("compose-corpus")
                .join(file.strip_prefix(&original).unwrap())
        })
        .collect();
    (copy, files)
}

#[test]
fn services_match_docker_compose_where_it_accepts_the_file() {
    if Command::new("docker-compose")
        .arg("version")
        .output()
        .is_err()
    {
        panic!("docker-compose is the oracle of this test: run `tests/run-all`, which installs it");
    }
    let (_copy, files) = corpus_copy();
    let results: Vec<(PathBuf, Option<BTreeSet<String>>)> = std::thread::scope(|scope| {
        let chunks: Vec<&[PathBuf]> = files.chunks(files.len().div_ceil(8)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|file| (file.clone(), oracle(file)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap())
            .collect()
    });
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for (file, expected) in results {
        let Some(expected) = expected else { continue };
        compared += 1;
        match read_bounded(&file) {
            Ok(services) => {
                let found: BTreeSet<String> = services.into_iter().collect();
                if found != expected {
                    mismatches.push(format!(
                        "{}: hmctl {found:?}, docker-compose {expected:?}",
                        file.display()
                    ));
                }
            }
            Err(message) => mismatches.push(format!(
                "{}: hmctl refused what docker-compose accepts: {message}",
                file.display()
            )),
        }
    }
    println!("compared {compared} files with docker-compose");
    assert!(
        compared >= 45,
        "docker-compose accepted only {compared} files"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
