//! The points where tests reach inside an upgrade: freeze it there
//! (`HMCTL_TEST_PAUSE_AT=swap-2`, to `kill -9` it) or make the Nth pass fail
//! with a chosen errno (`HMCTL_TEST_FAIL_AT=swap-in:2,swap-out:1:EPERM`), so
//! that every step, and a failure while undoing a failure, can be proven. Only
//! builds with the `test-hooks` feature (the tests') read those variables;
//! elsewhere every point does nothing.

use crate::settings::Settings;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Freezes hmctl at `name` when the test asks for it (the `settings`'
/// `pause_at`).
pub fn pause_point(settings: &Settings, name: &str) {
    if cfg!(feature = "test-hooks") && settings.pause_at.as_deref() == Some(name) {
        eprintln!("hmctl: test pause at {name}");
        std::thread::sleep(Duration::from_secs(300));
    }
}

/// One planned failure: the `pass`th time hmctl reaches the point, `errno`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Planned {
    pass: u32,
    errno: i32,
}

/// The planned failures and how often each point was reached.
#[derive(Debug, Default)]
struct Faults {
    planned: BTreeMap<String, Vec<Planned>>,
    reached: BTreeMap<String, u32>,
}

/// `None` until planned from the settings ([`plan_from`]); none planned then.
static FAULTS: Mutex<Option<Faults>> = Mutex::new(None);

/// The errnos a plan may name (else a number).
fn errno_named(word: &str) -> Option<i32> {
    let errno = match word {
        "EIO" => rustix::io::Errno::IO,
        "EPERM" => rustix::io::Errno::PERM,
        "EACCES" => rustix::io::Errno::ACCESS,
        "ENOSPC" => rustix::io::Errno::NOSPC,
        "EROFS" => rustix::io::Errno::ROFS,
        "EBUSY" => rustix::io::Errno::BUSY,
        _ => return word.parse().ok(),
    };
    Some(errno.raw_os_error())
}

/// Reads `point:pass[:ERRNO],...` (ERRNO defaults to EIO); a malformed item
/// is an error, so that a test cannot silently inject nothing.
fn parse(spec: &str) -> Result<BTreeMap<String, Vec<Planned>>, String> {
    let mut planned: BTreeMap<String, Vec<Planned>> = BTreeMap::new();
    for item in spec
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let mut parts = item.split(':');
        let point = parts.next().unwrap_or_default();
        let pass = parts.next().and_then(|pass| pass.parse().ok());
        let errno = parts.next().map_or(Some(default_errno()), errno_named);
        match (pass, errno, parts.next()) {
            (Some(pass), Some(errno), None) if !point.is_empty() && pass > 0 => {
                planned
                    .entry(point.to_string())
                    .or_default()
                    .push(Planned { pass, errno });
            }
            _ => return Err(format!("HMCTL_TEST_FAIL_AT: cannot read {item:?}")),
        }
    }
    Ok(planned)
}

fn default_errno() -> i32 {
    rustix::io::Errno::IO.raw_os_error()
}

/// Plans the failures the `settings` name (`fail_at`), once per process: the
/// upgrade's entry points call it before the first fault point. (The plan
/// counts passes across the whole run, so it is kept here, not passed down
/// to every file operation.)
pub fn plan_from(settings: &Settings) {
    if !cfg!(any(test, feature = "test-hooks")) {
        return;
    }
    let mut guard = FAULTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if guard.is_none() {
        *guard = Some(Faults {
            planned: settings
                .fail_at
                .as_deref()
                .map(|spec| parse(spec).unwrap_or_else(|message| panic!("{message}")))
                .unwrap_or_default(),
            reached: BTreeMap::new(),
        });
    }
}

/// Fails when the test planned a failure for this pass of `point`.
pub fn fault(point: &str) -> std::io::Result<()> {
    if !cfg!(any(test, feature = "test-hooks")) {
        return Ok(());
    }
    let mut guard = FAULTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let faults = guard.get_or_insert_with(Faults::default);
    let reached = faults.reached.entry(point.to_string()).or_default();
    *reached += 1;
    let pass = *reached;
    match faults
        .planned
        .get(point)
        .and_then(|planned| planned.iter().find(|planned| planned.pass == pass))
    {
        Some(planned) => {
            eprintln!("hmctl: test fault at {point}:{pass}");
            Err(std::io::Error::from_raw_os_error(planned.errno))
        }
        None => Ok(()),
    }
}

/// Serialises the unit tests that plan failures or pass fault points (the
/// plan is one per process), starting each with none planned.
#[cfg(test)]
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static TEST_LOCK: Mutex<()> = Mutex::new(());
    let guard = TEST_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    plan_for_test("");
    guard
}

/// Plans failures for a unit test (hold [`exclusive`]); `""` plans none.
#[cfg(test)]
pub fn plan_for_test(spec: &str) {
    *FAULTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Faults {
        planned: parse(spec).unwrap(),
        reached: BTreeMap::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_names_the_point_the_pass_and_the_errno() {
        let planned = parse("swap-in:2, swap-out:1:EPERM,journal-swapped:1:28").unwrap();
        assert_eq!(
            planned["swap-in"],
            vec![Planned {
                pass: 2,
                errno: default_errno()
            }]
        );
        assert_eq!(planned["swap-out"][0].errno, 1);
        assert_eq!(planned["journal-swapped"][0].errno, 28);
        for bad in [
            "swap-in",
            "swap-in:0",
            "swap-in:x",
            ":1",
            "swap-in:1:ENOPE",
            "a:1:EIO:x",
        ] {
            assert_eq!(
                parse(bad),
                Err(format!("HMCTL_TEST_FAIL_AT: cannot read {bad:?}"))
            );
        }
    }

    #[test]
    fn only_the_planned_pass_fails() {
        let _exclusive = exclusive();
        plan_for_test("swap-in:2:EPERM");
        assert!(fault("swap-in").is_ok());
        let error = fault("swap-in").unwrap_err();
        assert_eq!(error.raw_os_error(), Some(1));
        assert!(fault("swap-in").is_ok());
        assert!(fault("swap-out").is_ok());
        plan_for_test("");
    }
}
