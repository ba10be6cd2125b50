//! Anything an operator may name on the command line: a status row, an
//! installed service. TARGET resolution (`catalog::resolve`) works on it.

/// A service an operator may name.
pub trait Named {
    fn name(&self) -> &str;
    fn group(&self) -> &str;
    fn aliases(&self) -> &[String];
}

/// Implements [`Named`] for a type with `name`, `group` and `aliases` fields.
macro_rules! named_by_fields {
    ($type:ty) => {
        impl $crate::model::Named for $type {
            fn name(&self) -> &str {
                &self.name
            }
            fn group(&self) -> &str {
                &self.group
            }
            fn aliases(&self) -> &[String] {
                &self.aliases
            }
        }
    };
}

pub(crate) use named_by_fields;
