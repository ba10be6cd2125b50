//! What hmctl checks about the host itself, before or beside acting on its
//! services: the checks `status` and `metrics` report (log and program disk
//! usage, free disk, whether the service port answers) and the bounded disk
//! walk and its root-only cache that back the disk figures. The verbs and
//! their machinery stay in `ops`; this room only looks at the machine.

pub mod checks;
pub mod disk_cache;
pub mod disk_usage;
pub mod disk_walk;
