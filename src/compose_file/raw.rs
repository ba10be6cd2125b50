//! The compose file as written: the serde shapes of the few keys hmctl reads
//! (services, include, depends_on and the implicit edges, healthcheck,
//! profiles, extends, stop_grace_period), how one service definition fills
//! itself from another, and how serde-saphyr's errors are worded for an
//! operator. Everything else in a compose file is ignored.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// A map that keeps its keys in file order.
#[derive(Debug, Default)]
pub(super) struct Ordered<V>(pub(super) Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for OrderedVisitor<V> {
            type Value = Ordered<V>;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a mapping of service names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    entries.push((key, value));
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RawFile {
    #[serde(default)]
    pub(super) services: Option<Ordered<Option<RawService>>>,
    #[serde(default)]
    pub(super) include: Option<Vec<IncludeEntry>>,
}

/// A file's own services (its `services` map), in its order; one written as
/// `name:` alone (null) is a service that sets nothing.
pub(super) fn own_services(
    services: Option<Ordered<Option<RawService>>>,
) -> Vec<(String, RawService)> {
    services
        .unwrap_or_default()
        .0
        .into_iter()
        .map(|(name, service)| (name, service.unwrap_or_default()))
        .collect()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum IncludeEntry {
    Path(String),
    Long {
        path: StringOrList,
        #[serde(default)]
        #[allow(dead_code)]
        project_directory: Option<IgnoredAny>,
        #[serde(default)]
        #[allow(dead_code)]
        env_file: Option<IgnoredAny>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum StringOrList {
    One(String),
    Many(Vec<String>),
}

impl StringOrList {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            StringOrList::One(one) => vec![one],
            StringOrList::Many(many) => many,
        }
    }
}

/// A scalar that may be written as a string or a number (`stop_grace_period: 10`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl Scalar {
    pub(super) fn text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => number.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
#[allow(clippy::zero_sized_map_values)] // only the keys of the long form matter
pub(super) enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, IgnoredAny>),
}

impl DependsOn {
    fn names(&self) -> Vec<String> {
        match self {
            DependsOn::List(list) => list.clone(),
            DependsOn::Map(map) => map.keys().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Extends {
    Name(String),
    Spec {
        service: String,
        file: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct Healthcheck {
    disable: Option<bool>,
    test: Option<StringOrList>,
}

impl Healthcheck {
    pub(super) fn enabled(&self) -> bool {
        let disabled_test = match &self.test {
            Some(StringOrList::Many(words)) => words.first().is_some_and(|word| word == "NONE"),
            Some(StringOrList::One(text)) => text.trim() == "NONE",
            None => false,
        };
        !(self.disable.unwrap_or(false) || disabled_test)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct RawService {
    pub(super) depends_on: Option<DependsOn>,
    pub(super) links: Option<Vec<String>>,
    pub(super) volumes_from: Option<Vec<String>>,
    pub(super) network_mode: Option<String>,
    pub(super) ipc: Option<String>,
    pub(super) pid: Option<String>,
    pub(super) healthcheck: Option<Healthcheck>,
    pub(super) profiles: Option<Vec<String>>,
    pub(super) extends: Option<Extends>,
    pub(super) stop_grace_period: Option<Scalar>,
}

/// Sets `mine`, when it is not set, to a copy of `theirs`.
fn fill<T: Clone>(mine: &mut Option<T>, theirs: Option<&T>) {
    if mine.is_none() {
        *mine = theirs.cloned();
    }
}

impl RawService {
    /// Fills what `self` does not set from `base` (compose `extends` and
    /// multi-file merging); dependency lists are unions.
    pub(super) fn inherit(&mut self, base: &RawService) {
        let union = |mine: &mut Option<Vec<String>>, theirs: &Option<Vec<String>>| {
            if let Some(theirs) = theirs {
                let list = mine.get_or_insert_with(Vec::new);
                for item in theirs {
                    if !list.contains(item) {
                        list.push(item.clone());
                    }
                }
            }
        };
        let mut depends = self.depends_on.as_ref().map(DependsOn::names);
        union(
            &mut depends,
            &base.depends_on.as_ref().map(DependsOn::names),
        );
        self.depends_on = depends.map(DependsOn::List);
        union(&mut self.links, &base.links);
        union(&mut self.volumes_from, &base.volumes_from);
        fill(&mut self.network_mode, base.network_mode.as_ref());
        fill(&mut self.ipc, base.ipc.as_ref());
        fill(&mut self.pid, base.pid.as_ref());
        fill(&mut self.healthcheck, base.healthcheck.as_ref());
        fill(&mut self.profiles, base.profiles.as_ref());
        fill(&mut self.stop_grace_period, base.stop_grace_period.as_ref());
    }

    /// Every service this one needs first, explicit and implicit.
    pub(super) fn dependencies(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut add = |name: &str| {
            let name = name.trim();
            if !name.is_empty() && !names.iter().any(|known| known == name) {
                names.push(name.to_string());
            }
        };
        for name in self
            .depends_on
            .as_ref()
            .map(DependsOn::names)
            .unwrap_or_default()
        {
            add(&name);
        }
        for link in self.links.iter().flatten() {
            add(link.split(':').next().unwrap_or(link));
        }
        for source in self.volumes_from.iter().flatten() {
            if !source.starts_with("container:") {
                add(source.split(':').next().unwrap_or(source));
            }
        }
        for mode in [&self.network_mode, &self.ipc, &self.pid]
            .into_iter()
            .flatten()
        {
            if let Some(service) = mode.strip_prefix("service:") {
                add(service);
            }
        }
        names
    }
}

/// serde-saphyr's limits, minus its alias/anchor ratio heuristic: a compose
/// file where 200 services merge one `x-common` anchor is ordinary, not an
/// attack. The absolute limits (events, aliases, anchor copies) still stop
/// alias bombs.
pub(super) fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.enforce_alias_anchor_ratio = false;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// serde-saphyr's message is "error: line L column C: why" followed by a
/// snippet; keep it whole: it is what an operator needs to find the mistake.
pub(super) fn describe(error: &serde_saphyr::Error) -> String {
    let text = error.to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    text.replace(
        "untagged enum DependsOn",
        "`depends_on` (a list or a mapping of service names)",
    )
    .replace(
        "untagged enum StringOrList",
        "a string or a list of strings",
    )
    .replace(
        "untagged enum Extends",
        "`extends` (a service name or {service, file})",
    )
    .replace(
        "untagged enum IncludeEntry",
        "an `include` entry (a path or {path})",
    )
    .replace("untagged enum Scalar", "a duration")
}
