//! Subcommands of the `zkagg` binary that work on public files, and what
//! the subcommands share.

pub mod audit;
pub mod bulletin;
pub mod status;

use std::process::ExitCode;

/// The tokio runtime of a subcommand (two worker threads), or the exit
/// code after saying why it cannot start.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::FAILURE
        })
}
