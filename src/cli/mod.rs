//! Subcommands of the `zkagg` binary that work on public files.

pub mod audit;
pub mod bulletin;
