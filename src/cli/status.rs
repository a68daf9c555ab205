//! `zkagg status`: asks a running service (the member's own, or the one
//! named) for its status over mutual TLS and prints it as JSON: role,
//! open round, phase, bulletin length and head, uptime.

use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zkagg_aggregation::{AggregatorId, PartyId};

/// `zkagg status` flags.
#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 answered, 2 bad flags, 3 bad consortium file or member folder, \
4 the service is unreachable or too slow, 5 it answered something else."
)]
pub struct StatusArgs {
    /// The consortium file (TOML).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// This member's folder: its TLS identity authenticates the request.
    #[arg(long, value_name = "DIR")]
    member: PathBuf,
    /// The service to ask: `coordinator` or `aggregator-N` (default: the
    /// member's own service; the coordinator for a provider).
    #[arg(long, value_name = "SERVICE", value_parser = parse_service)]
    service: Option<PartyId>,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    timeout: u64,
}

fn parse_service(s: &str) -> Result<PartyId, String> {
    if s == "coordinator" {
        return Ok(PartyId::Coordinator);
    }
    s.strip_prefix("aggregator-")
        .and_then(|n| n.parse().ok())
        .map(|n| PartyId::Aggregator(AggregatorId(n)))
        .ok_or_else(|| format!("`{s}` is not `coordinator` or `aggregator-N`"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Runs `zkagg status`.
pub fn run(a: StatusArgs) -> ExitCode {
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let bound = Duration::from_secs(a.timeout);
    let asked = rt.block_on(zkagg_node::service::status::ask(
        &a.config, &a.member, a.service, bound,
    ));
    match asked {
        Ok(s) => {
            let out = serde_json::json!({
                "service": s.party.to_string(),
                "open_round": s.open_round,
                "next_round": s.next_round,
                "phase": format!("{:?}", s.phase),
                "bulletin_len": s.bulletin_len,
                "head": hex(&s.head),
                "uptime_ms": s.uptime_ms,
            });
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
