//! Dependency order: which services must be up before which. Each service of
//! a plan waits only for its own prerequisites (start) or its own dependents
//! (stop); levels give the plan a readable order. Pure: tested without any daemon.

use std::collections::BTreeMap;

/// A dependency graph: service → the services it needs first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Graph {
    needs: BTreeMap<String, Vec<String>>,
}

impl Graph {
    pub fn add_service(&mut self, service: &str) {
        self.needs.entry(service.to_string()).or_default();
    }

    /// `service` needs `dependency` first. Self-edges are ignored.
    pub fn add_edge(&mut self, service: &str, dependency: &str) {
        if service == dependency {
            return;
        }
        self.add_service(dependency);
        let needs = self.needs.entry(service.to_string()).or_default();
        if !needs.iter().any(|known| known == dependency) {
            needs.push(dependency.to_string());
        }
    }

    /// What `service` needs directly (nothing for a service not in the graph).
    pub fn needs(&self, service: &str) -> &[String] {
        self.needs.get(service).map_or(&[], Vec::as_slice)
    }

    /// Whether `from` needs `to`, directly or through others.
    pub fn reaches(&self, from: &str, to: &str) -> bool {
        let mut pending = vec![from];
        let mut seen: Vec<&str> = Vec::new();
        while let Some(current) = pending.pop() {
            for next in self.needs.get(current).into_iter().flatten() {
                if next == to {
                    return true;
                }
                if !seen.contains(&next.as_str()) {
                    seen.push(next);
                    pending.push(next);
                }
            }
        }
        false
    }

    /// A cycle in the graph, as the services along it, if there is one.
    pub fn cycle(&self) -> Option<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit<'a>(
            graph: &'a Graph,
            node: &'a str,
            marks: &mut BTreeMap<&'a str, Mark>,
            path: &mut Vec<&'a str>,
        ) -> Option<Vec<String>> {
            marks.insert(node, Mark::Open);
            path.push(node);
            for next in graph.needs.get(node).into_iter().flatten() {
                match marks.get(next.as_str()).copied().unwrap_or(Mark::New) {
                    Mark::Open => {
                        let start = path.iter().position(|item| *item == next).unwrap_or(0);
                        let mut cycle: Vec<String> = path[start..]
                            .iter()
                            .map(|item| (*item).to_string())
                            .collect();
                        cycle.push(next.clone());
                        return Some(cycle);
                    }
                    Mark::New => {
                        if let Some(cycle) = visit(graph, next, marks, path) {
                            return Some(cycle);
                        }
                    }
                    Mark::Done => {}
                }
            }
            path.pop();
            marks.insert(node, Mark::Done);
            None
        }
        let mut marks = BTreeMap::new();
        for node in self.needs.keys() {
            if marks.get(node.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
                let mut path = Vec::new();
                if let Some(cycle) = visit(self, node, &mut marks, &mut path) {
                    return Some(cycle);
                }
            }
        }
        None
    }

    /// For each of `selected`, the selected services it needs first — directly
    /// or through services that are not selected — leaving out those it needs
    /// only through another selected one (which already waits for them).
    pub fn prerequisites(&self, selected: &[String]) -> BTreeMap<String, Vec<String>> {
        selected
            .iter()
            .map(|service| {
                let needed: Vec<&String> = selected
                    .iter()
                    .filter(|other| *other != service && self.reaches(service, other))
                    .collect();
                let direct = needed
                    .iter()
                    .filter(|candidate| {
                        !needed.iter().any(|through| {
                            through != *candidate && self.reaches(through, candidate)
                        })
                    })
                    .map(|candidate| (*candidate).clone())
                    .collect();
                (service.clone(), direct)
            })
            .collect()
    }

    /// The start order of `selected` (in their given order within a level):
    /// every service comes at a later level than everything it needs, directly
    /// or through services that are not selected. Fails with the cycle.
    pub fn levels(&self, selected: &[String]) -> Result<Vec<Vec<String>>, Vec<String>> {
        if let Some(cycle) = self.cycle() {
            return Err(cycle);
        }
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        let mut remaining: Vec<&String> = selected.iter().collect();
        let mut current = 0;
        while !remaining.is_empty() {
            let (ready, blocked): (Vec<&String>, Vec<&String>) =
                remaining.iter().partition(|service| {
                    !remaining
                        .iter()
                        .any(|other| other != *service && self.reaches(service, other))
                });
            for service in &ready {
                depth.insert(service.as_str(), current);
            }
            remaining = blocked;
            current += 1;
        }
        let mut levels: Vec<Vec<String>> = vec![Vec::new(); current];
        for service in selected {
            if let Some(level) = depth.get(service.as_str())
                && !levels[*level].contains(service)
            {
                levels[*level].push(service.clone());
            }
        }
        Ok(levels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    /// Every service of [`console`].
    const CONSOLE_SERVICES: [&str; 6] = [
        "porter-migration",
        "unicloud-engine",
        "porter-api",
        "mysql",
        "rabbitmq",
        "owl-api",
    ];

    fn console() -> Graph {
        let mut graph = Graph::default();
        for (service, dependency) in [
            ("porter-api", "mysql"),
            ("porter-api", "rabbitmq"),
            ("porter-migration", "porter-api"),
            ("unicloud-engine", "rabbitmq"),
        ] {
            graph.add_edge(service, dependency);
        }
        graph.add_service("owl-api");
        graph
    }

    #[test]
    fn dependencies_come_first_and_independent_services_share_a_level() {
        let levels = console().levels(&names(&CONSOLE_SERVICES)).unwrap();
        assert_eq!(
            levels,
            vec![
                names(&["mysql", "rabbitmq", "owl-api"]),
                names(&["unicloud-engine", "porter-api"]),
                names(&["porter-migration"]),
            ]
        );
    }

    #[test]
    fn order_holds_through_services_not_selected() {
        let levels = console()
            .levels(&names(&["porter-migration", "mysql"]))
            .unwrap();
        assert_eq!(
            levels,
            vec![names(&["mysql"]), names(&["porter-migration"])]
        );
    }

    #[test]
    fn one_service_is_one_level() {
        assert_eq!(
            console().levels(&names(&["porter-api"])).unwrap(),
            vec![names(&["porter-api"])]
        );
    }

    #[test]
    fn each_service_needs_only_its_own_prerequisites() {
        let everything = names(&CONSOLE_SERVICES);
        let needs = console().prerequisites(&everything);
        assert_eq!(needs["porter-migration"], names(&["porter-api"]));
        assert_eq!(needs["porter-api"], names(&["mysql", "rabbitmq"]));
        assert_eq!(needs["unicloud-engine"], names(&["rabbitmq"]));
        assert!(needs["owl-api"].is_empty() && needs["mysql"].is_empty());
        let through = console().prerequisites(&names(&["porter-migration", "mysql", "owl-api"]));
        assert_eq!(
            through["porter-migration"],
            names(&["mysql"]),
            "through porter-api, which is not selected"
        );
        assert!(through["owl-api"].is_empty());
    }

    #[test]
    fn a_cycle_is_named() {
        let mut graph = Graph::default();
        graph.add_edge("a", "b");
        graph.add_edge("b", "c");
        graph.add_edge("c", "a");
        graph.add_edge("d", "a");
        let cycle = graph.levels(&names(&["a", "d"])).unwrap_err();
        assert_eq!(cycle.first(), cycle.last());
        for service in ["a", "b", "c"] {
            assert!(cycle.contains(&service.to_string()), "{cycle:?}");
        }
    }

    #[test]
    fn a_self_dependency_is_no_cycle() {
        let mut graph = Graph::default();
        graph.add_edge("a", "a");
        assert_eq!(graph.levels(&names(&["a"])).unwrap(), vec![names(&["a"])]);
    }
}
