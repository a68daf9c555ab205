//! `zkagg demo`: a whole consortium as separate processes on loopback.

pub mod plot;
