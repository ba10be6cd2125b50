//! Anything an operator may name on the command line: a status row, an
//! installed service. TARGET resolution (`catalog::resolve`) works on it.

/// A service an operator may name.
pub trait Named {
    fn name(&self) -> &str;
    fn group(&self) -> &str;
    fn aliases(&self) -> &[String];
}
