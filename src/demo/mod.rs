//! `zkagg demo`: a whole consortium as separate processes on loopback.

pub mod plot;
pub mod progress;
pub mod watch;
