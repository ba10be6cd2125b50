//! One file per verb: each turns its parsed arguments into an `ops` request,
//! runs it, and hands the result to `render`.

pub mod diagnose;
