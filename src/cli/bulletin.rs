//! `zkagg bulletin`: any provider or aggregator fetches the coordinator's
//! whole bulletin over mutual TLS, checks every entry as a follower does,
//! and writes it atomically (a temporary file, then rename) for
//! `zkagg audit`.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `zkagg bulletin` flags.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 written, 1 the file cannot be written, 2 bad flags, 3 bad \
consortium file or member folder (or the coordinator's own folder), 4 the coordinator is \
unreachable or too slow, 5 the coordinator served an entry that does not verify."
)]
pub struct BulletinArgs {
    /// The consortium file (TOML).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// This member's folder (a provider or an aggregator): its TLS
    /// identity authenticates the fetch.
    #[arg(long, value_name = "DIR")]
    member: PathBuf,
    /// Where to write the bulletin file (replaced atomically).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    timeout: u64,
}

/// Runs `zkagg bulletin`.
pub fn run(a: BulletinArgs) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let bound = Duration::from_secs(a.timeout);
    let fetched = rt.block_on(zkagg_node::export::fetch(&a.config, &a.member, bound));
    let bulletin = match fetched {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    if let Err(e) = zkagg_node::export::write_atomic(&a.out, &bulletin.to_bytes()) {
        eprintln!("error: {}: {e}", a.out.display());
        return ExitCode::FAILURE;
    }
    println!("{} entries written to {}", bulletin.len(), a.out.display());
    ExitCode::SUCCESS
}
