//! TARGET resolution: what an operator typed → the services it means. A target
//! is a service name, a unit name with or without `.service`, a group name or a
//! module name (`porter` = `porter` and every `porter-*`). Anything else is exit
//! 2 with a "did you mean"; names are only ever compared, never executed.

use super::name::validate_name;
use super::{Catalog, MODULES, service_name_of_unit, windows_agent};
use crate::exit::Failure;
use crate::model::Named;

fn matches_name<T: Named>(service: &T, target: &str) -> bool {
    let bare = service_name_of_unit(target);
    service.name() == target
        || service.name() == bare
        || service
            .aliases()
            .iter()
            .any(|alias| alias == target || alias == bare)
}

fn in_module<T: Named>(service: &T, module: &str) -> bool {
    service.name() == module
        || service
            .name()
            .strip_prefix(module)
            .is_some_and(|rest| rest.starts_with('-'))
}

/// Resolves `targets` to indices into `services` (in `services` order, each once).
/// No target means every service.
pub fn resolve<T: Named>(
    targets: &[String],
    services: &[T],
    catalog: &Catalog,
) -> Result<Vec<usize>, Failure> {
    if targets.is_empty() {
        return Ok((0..services.len()).collect());
    }
    let mut selected = vec![false; services.len()];
    for target in targets {
        let matched = resolve_one(target, services, catalog)?;
        for index in matched {
            selected[index] = true;
        }
    }
    Ok((0..services.len())
        .filter(|index| selected[*index])
        .collect())
}

fn resolve_one<T: Named>(
    target: &str,
    services: &[T],
    catalog: &Catalog,
) -> Result<Vec<usize>, Failure> {
    if let Err(why) = validate_name(target) {
        let shown: String = target.chars().take(64).collect();
        return Err(
            Failure::usage(format!("invalid target {shown:?}: {why}")).with_hint(
                "a target is a service, unit, group or module name; `hmctl list` shows them",
            ),
        );
    }
    let indices = |predicate: &dyn Fn(&T) -> bool| -> Vec<usize> {
        services
            .iter()
            .enumerate()
            .filter(|(_, service)| predicate(service))
            .map(|(index, _)| index)
            .collect()
    };
    let by_name = indices(&|service| matches_name(service, target));
    if !by_name.is_empty() {
        return Ok(by_name);
    }
    if let Some(group) = catalog.group(target) {
        let members = indices(&|service| service.group() == target);
        if !members.is_empty() {
            return Ok(members);
        }
        let why = if group.is_present() {
            "has no services on this host".to_string()
        } else {
            format!("is not present on this host ({})", group.presence_rule())
        };
        return Err(Failure::usage(format!("group {target} {why}"))
            .with_hint("`hmctl list` shows what is present"));
    }
    let module = indices(&|service| in_module(service, target));
    if !module.is_empty() {
        return Ok(module);
    }
    // A name the catalog knows, of a group not installed here.
    let bare = service_name_of_unit(target);
    for group in &catalog.groups {
        let known = group.known_services.iter().any(|service| service == bare)
            || group
                .units
                .iter()
                .flat_map(|choice| &choice.alternatives)
                .any(|unit| unit == target || service_name_of_unit(unit) == bare);
        if known {
            return Err(Failure::usage(format!(
                "{target} belongs to group {}, which {} on this host",
                group.name,
                if group.is_present() {
                    "does not declare it".to_string()
                } else {
                    format!("is not present ({})", group.presence_rule())
                }
            ))
            .with_hint("`hmctl list` shows the services present on this host"));
        }
    }
    if let Some(failure) = on_the_windows_host(target) {
        return Err(failure);
    }
    if MODULES.contains(&target) {
        return Err(Failure::usage(format!(
            "no service of module {target} is present on this host"
        ))
        .with_hint("`hmctl list` shows the services present on this host"));
    }
    let mut failure = Failure::usage(format!("unknown target {target:?}"));
    failure = match suggestion(target, services, catalog) {
        Some(suggestion) => failure.with_hint(format!(
            "did you mean `{suggestion}`? (`hmctl list` shows every name)"
        )),
        None => failure.with_hint("`hmctl list` shows every service, group and module name"),
    };
    Err(failure)
}

/// A Windows agent's service or its group named as a TARGET: said to live
/// on the Windows host, where hmctl neither asks nor changes anything.
fn on_the_windows_host(target: &str) -> Option<Failure> {
    let named = windows_agent::services()
        .into_iter()
        .chain([windows_agent::GROUP])
        .find(|name| name.eq_ignore_ascii_case(target))?;
    Some(
        Failure::usage(format!(
            "{named} is the Windows agent's: it runs on the Windows host, not on this one; hmctl has no state of it and changes nothing there"
        ))
        .with_hint(format!(
            "use {}; `hmctl list` shows its log files there",
            windows_agent::CONTROL
        )),
    )
}

/// The closest name an operator could have meant.
fn suggestion<T: Named>(target: &str, services: &[T], catalog: &Catalog) -> Option<String> {
    let mut names: Vec<String> = services
        .iter()
        .map(|service| service.name().to_string())
        .collect();
    names.extend(catalog.groups.iter().map(|group| group.name.clone()));
    names.extend(MODULES.iter().map(|module| (*module).to_string()));
    for group in &catalog.groups {
        names.extend(group.known_services.iter().cloned());
        names.extend(
            group
                .units
                .iter()
                .flat_map(|choice| &choice.alternatives)
                .map(|unit| service_name_of_unit(unit).to_string()),
        );
    }
    names
        .into_iter()
        .map(|name| (strsim::jaro_winkler(target, &name), name))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|left, right| left.0.total_cmp(&right.0))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row(&'static str, &'static str, Vec<String>);

    impl Named for Row {
        fn name(&self) -> &str {
            self.0
        }
        fn group(&self) -> &str {
            self.1
        }
        fn aliases(&self) -> &[String] {
            &self.2
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row("mysql", "console", vec![]),
            Row("porter-api", "console", vec![]),
            Row("porter-migration", "console", vec![]),
            Row("porterhouse", "console", vec![]),
            Row(
                "s3block",
                "gateway",
                vec!["s3block.service".into(), "s3block".into()],
            ),
            Row(
                "hyper-exporter-agent",
                "agent",
                vec![
                    "hyper_exporter.service".into(),
                    "hyper_exporter".into(),
                    "hyper-exporter-agent.service".into(),
                    "hyper-exporter-agent".into(),
                ],
            ),
        ]
    }

    fn pick(targets: &[&str]) -> Result<Vec<&'static str>, Failure> {
        let rows = rows();
        let targets: Vec<String> = targets.iter().map(ToString::to_string).collect();
        resolve(&targets, &rows, &Catalog::builtin())
            .map(|indices| indices.into_iter().map(|index| rows[index].0).collect())
    }

    #[test]
    fn services_units_groups_and_modules() {
        assert_eq!(pick(&["porter-api"]).unwrap(), vec!["porter-api"]);
        assert_eq!(pick(&["s3block.service"]).unwrap(), vec!["s3block"]);
        assert_eq!(pick(&["s3block"]).unwrap(), vec!["s3block"]);
        assert_eq!(
            pick(&["hyper_exporter"]).unwrap(),
            vec!["hyper-exporter-agent"]
        );
        assert_eq!(
            pick(&["console"]).unwrap(),
            vec!["mysql", "porter-api", "porter-migration", "porterhouse"]
        );
        assert_eq!(
            pick(&["porter"]).unwrap(),
            vec!["porter-api", "porter-migration"]
        );
        assert_eq!(pick(&[]).unwrap().len(), 6);
    }

    #[test]
    fn each_service_once_in_row_order() {
        assert_eq!(
            pick(&["porter-migration", "porter", "mysql"]).unwrap(),
            vec!["mysql", "porter-api", "porter-migration"]
        );
    }

    #[test]
    fn a_typo_suggests_the_name() {
        let failure = pick(&["porter-apj"]).unwrap_err();
        assert_eq!(failure.exit, crate::exit::Exit::Usage);
        assert!(failure.hint.unwrap().contains("porter-api"));
    }

    #[test]
    fn a_known_service_of_an_absent_group_says_so() {
        let failure = pick(&["watchman"]).unwrap_err();
        assert!(failure.message.contains("gateway"), "{}", failure.message);
        let failure = pick(&["sync-proxy"]).unwrap_err();
        assert!(
            failure.message.contains("not present"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn shell_metacharacters_are_refused_before_matching() {
        for hostile in [
            "porter-api; reboot",
            "$(id)",
            "../../etc/passwd",
            "a b",
            "-rf",
        ] {
            let failure = pick(&[hostile]).unwrap_err();
            assert!(
                failure.message.starts_with("invalid target"),
                "{}",
                failure.message
            );
        }
    }
}
