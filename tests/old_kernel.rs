//! The 2.6.32 seccomp profile (tests/data/old-kernel/) answers ENOSYS to
//! exactly the system calls its list names, and the list holds only calls
//! numbered after 2.6.32's last (298, perf_event_open), each once, in order.
//! tests/old_kernel_real.rs runs hmctl under the profile.

use std::path::Path;

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/old-kernel")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The list's (number, name) rows.
fn listed() -> Vec<(u32, String)> {
    data("syscalls-after-2.6.32.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let mut words = line.split_whitespace();
            let number = words.next().unwrap().parse().unwrap();
            let name = words.next().unwrap().to_string();
            assert_eq!(words.next(), None, "{line}");
            (number, name)
        })
        .collect()
}

#[test]
fn the_list_holds_only_calls_newer_than_2_6_32_in_order() {
    let rows = listed();
    assert_eq!(rows.first().map(|row| row.0), Some(299), "recvmmsg, 2.6.33");
    assert!(rows.windows(2).all(|pair| pair[0].0 < pair[1].0));
    for name in [
        "renameat2",
        "statx",
        "getrandom",
        "syncfs",
        "copy_file_range",
        "pidfd_open",
        "clone3",
        "close_range",
        "openat2",
        "faccessat2",
        "epoll_pwait2",
    ] {
        assert!(rows.iter().any(|row| row.1 == name), "{name} missing");
    }
    // Between the two runs of numbers x86_64 leaves 337-423 unused.
    assert!(rows.iter().all(|row| !(337..424).contains(&row.0)));
}

#[test]
fn the_profile_answers_enosys_to_exactly_the_list() {
    let profile: serde_json::Value = serde_json::from_str(&data("seccomp-2.6.32.json")).unwrap();
    assert_eq!(profile["defaultAction"], "SCMP_ACT_ALLOW");
    let rules = profile["syscalls"].as_array().unwrap();
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0]["action"], "SCMP_ACT_ERRNO");
    assert_eq!(rules[0]["errnoRet"], 38);
    let names: Vec<&str> = rules[0]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|name| name.as_str().unwrap())
        .collect();
    let listed: Vec<String> = listed().into_iter().map(|row| row.1).collect();
    assert_eq!(names, listed);
}
