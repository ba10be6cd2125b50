//! The window reader on generated files: bisection to the window in a large
//! file, gzipped rotations, files older than the window left unopened,
//! tracebacks kept with their error line, and the byte budget.

use super::scan::{Limits, Request, scan};
use super::signature::Level;
use super::window::Window;
use crate::log_files::files::LogFile;
use std::io::Write;
use std::path::Path;

fn window(since: &str, until: &str) -> Window {
    Window {
        since: format!("2025-09-18T{since}Z").parse().unwrap(),
        until: format!("2025-09-18T{until}.999999999Z").parse().unwrap(),
        at: None,
        zone: jiff::tz::TimeZone::UTC,
    }
}

fn log_file(path: &Path, service: &str) -> LogFile {
    LogFile {
        path: path.to_path_buf(),
        service: service.into(),
        group: "console".into(),
        rotated: path.extension().is_some_and(|extension| extension == "gz"),
        zone: None,
    }
}

/// A day of OpenStack-format lines, one a second, with an ERROR every 600 s.
fn day(path: &Path) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for second in 0..86_400 {
        let (hour, minute, rest) = (second / 3600, second / 60 % 60, second % 60);
        let level = if second % 600 == 0 { "ERROR" } else { "INFO" };
        writeln!(
            out,
            "2025-09-18 {hour:02}:{minute:02}:{rest:02}.000 4242 {level} porter.api [req-{second:08x}] request {second} handled in 12 ms"
        )
        .unwrap();
    }
}

fn request<'a>(files: &'a [LogFile], window: &'a Window, budget: u64) -> Request<'a> {
    Request {
        files,
        window,
        needles: &[],
        limits: Limits {
            byte_budget: budget,
            threads: 2,
        },
    }
}

#[test]
fn a_large_file_is_read_only_around_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("porter-api.log");
    day(&path);
    let size = std::fs::metadata(&path).unwrap().len();
    let files = vec![log_file(&path, "porter-api")];
    let hour = window("16:00:00", "16:59:59");
    let (events, cost) = scan(&request(&files, &hour, u64::MAX)).unwrap();
    assert_eq!(events.len(), 6, "{events:?}");
    assert!(events.iter().all(|event| hour.contains(event.time)));
    assert!(events.iter().all(|event| event.level == Some(Level::Error)));
    // An hour of a day, plus the bisection's precision.
    assert!(
        cost.bytes_read < size / 10,
        "read {} of {size}",
        cost.bytes_read
    );
    assert_eq!(events[0].location.line, None);
}

#[test]
fn gzipped_rotations_are_read_and_old_files_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let text = "2025-09-18 16:10:00.000 1 ERROR unicloud.engine [req-abcdef12] boom\n\
                Traceback (most recent call last):\n  File \"x.py\", line 1, in f\n\
                ValueError: bad\n2025-09-18 16:10:01.000 1 INFO unicloud.engine ok\n";
    let gz = dir.path().join("unicloud-engine.log.1.gz");
    crate::log_files::gzip_fixture::write_gzip(&gz, text);
    let old = dir.path().join("unicloud-engine.log.2");
    std::fs::write(&old, text).unwrap();
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let files = vec![
        log_file(&old, "unicloud-engine"),
        log_file(&gz, "unicloud-engine"),
    ];
    let hour = window("16:00:00", "16:59:59");
    let (events, cost) = scan(&request(&files, &hour, u64::MAX)).unwrap();
    assert_eq!(cost.files_skipped, 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].location.line, Some(1));
    assert!(
        events[0].text.ends_with("ValueError: bad"),
        "{}",
        events[0].text
    );
}

#[test]
fn the_byte_budget_stops_reading_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("porter-api.log");
    day(&path);
    let files = vec![log_file(&path, "porter-api")];
    let all = window("00:00:00", "23:59:59");
    let (events, cost) = scan(&request(&files, &all, 1024 * 1024)).unwrap();
    assert!(cost.budget_hit);
    assert!(cost.bytes_read <= 1024 * 1024);
    assert!(events.len() < 144);
    let (events, cost) = scan(&request(&files, &all, u64::MAX)).unwrap();
    assert!(!cost.budget_hit);
    assert_eq!(events.len(), 144);
}
