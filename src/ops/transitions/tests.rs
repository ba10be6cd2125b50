use super::*;
use crate::catalog::Catalog;
use crate::model::{Handle, Health, LastExit, Observation, State};
use crate::settings::Settings;
use std::io::Write;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn rabbitmq(state: State, restarts: u64) -> ServiceStatus {
    let mut observation = Observation::missing("");
    observation.state = state;
    observation.health = Health::None;
    observation.restarts = Some(restarts);
    observation.last_exit = Some(LastExit {
        at: None,
        code: 137,
        oom_killed: false,
    });
    ServiceStatus::new(
        "rabbitmq",
        "console",
        Handle::compose("test", "rabbitmq", None),
        observation,
    )
}

async fn run(state_dir: &Path, state: State, now: &str) -> Vec<Transition> {
    record(
        state_dir,
        &[rabbitmq(state, 0)],
        &Backends::connecting(&Settings::for_test(state_dir), &Catalog::builtin()),
        at(now),
        Duration::from_secs(1),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_first_run_only_keeps_its_snapshot_and_the_next_records_the_change() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("state");
    assert!(
        run(&state, State::Running, "2026-12-04T10:00:00Z")
            .await
            .is_empty()
    );
    assert!(!FILE.path_in(&state).exists());
    assert!(
        run(&state, State::Running, "2026-12-04T10:01:00Z")
            .await
            .is_empty()
    );
    let found = run(&state, State::Exited, "2026-12-04T10:02:00Z").await;
    assert_eq!(found.len(), 1);
    let reading = read(&state, None, None).unwrap();
    assert_eq!(reading.records, found);
    let line = std::fs::read_to_string(FILE.path_in(&state)).unwrap();
    assert_eq!(
        line,
        concat!(
            r#"{"schema":1,"observed_at":"2026-12-04T10:02:00Z","group":"console","service":"rabbitmq","backend":"compose","#,
            r#""from":{"state":"running","health":"none","restarts":0},"to":{"state":"exited","health":"none","restarts":0},"#,
            r#""exit_code":137,"oom_killed":false,"last_lines":[]}"#,
            "\n"
        )
    );
    // The same state again is no new record.
    assert!(
        run(&state, State::Exited, "2026-12-04T10:03:00Z")
            .await
            .is_empty()
    );
    assert_eq!(read(&state, None, None).unwrap().records.len(), 1);
}

#[tokio::test]
async fn reading_keeps_the_window_and_skips_a_torn_last_line() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path();
    run(state, State::Running, "2026-12-04T10:00:00Z").await;
    run(state, State::Exited, "2026-12-04T10:01:00Z").await;
    run(state, State::Running, "2026-12-04T10:02:00Z").await;
    run(state, State::Exited, "2026-12-04T10:03:00Z").await;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(FILE.path_in(state))
        .unwrap();
    file.write_all(br#"{"schema":1,"observed_at":"2026-12"#)
        .unwrap();
    let all = read(state, None, None).unwrap();
    assert_eq!(all.records.len(), 3);
    assert_eq!(all.skipped, 1);
    let window = read(
        state,
        Some(at("2026-12-04T10:02:00Z")),
        Some(at("2026-12-04T10:02:30Z")),
    )
    .unwrap();
    assert_eq!(window.records.len(), 1);
    assert_eq!(window.records[0].to.state, State::Running);
    // The next record ends the torn line first.
    run(state, State::Running, "2026-12-04T10:04:00Z").await;
    let after = read(state, None, None).unwrap();
    assert_eq!((after.records.len(), after.skipped), (4, 1));
}

#[tokio::test]
async fn past_its_size_the_file_is_rotated_and_both_are_read() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path();
    run(state, State::Running, "2026-12-04T10:00:00Z").await;
    let change = run(state, State::Exited, "2026-12-04T10:01:00Z").await;
    let limit = change[0].line().len() as u64;
    for (minute, state_now) in [(2, State::Running), (3, State::Exited)] {
        let found = changes(
            &[Row::of(&rabbitmq(State::Exited, 0))],
            &[rabbitmq(state_now, 0)],
            at(&format!("2026-12-04T10:0{minute}:00Z")),
        );
        for transition in found {
            FILE.append(state, &transition.line(), limit).unwrap();
        }
    }
    assert!(state.join(FILE.rotated).exists());
    assert_eq!(read(state, None, None).unwrap().records.len(), 2);
}

#[tokio::test]
async fn a_state_directory_that_cannot_be_written_is_an_error_naming_the_file() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("state");
    std::fs::write(&state, "a file where the directory should be").unwrap();
    let (path, _) = record(
        &state,
        &[rabbitmq(State::Running, 0)],
        &Backends::connecting(&Settings::for_test(directory.path()), &Catalog::builtin()),
        at("2026-12-04T10:00:00Z"),
        Duration::from_secs(1),
    )
    .await
    .unwrap_err();
    assert_eq!(path, saved::path_in(&state));
}
