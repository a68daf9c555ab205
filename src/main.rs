//! The `zkagg` command-line tool: one binary, one subcommand per role.
//!
//! Exit codes: 0 done (or stopped by SIGTERM/SIGINT within the bound),
//! 1 other failure, 2 usage, 3 config, 4 network, 5 protocol, 6 store.

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zkagg_node::service::aggregator::AggregatorFaults;
use zkagg_node::service::provider::ProviderFaults;
use zkagg_node::service::{self, Role};

/// How long a service has to stop after SIGTERM.
const STOP_BOUND: Duration = Duration::from_secs(5);

#[derive(Parser, Debug)]
#[command(
    name = "zkagg",
    version,
    about = "Privacy-preserving, verifiable federated learning"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the coordinator: the bulletin and the round schedule.
    Coordinator(RunArgs),
    /// Run an aggregator.
    Aggregator {
        #[command(flatten)]
        run: RunArgs,
        /// Stop after deciding round N, before posting (fault injection).
        #[arg(long, hide = true, value_name = "N")]
        stall_after_decide: Option<u64>,
        /// Open round 0's two-party check with bad messages first (fault injection).
        #[arg(long, hide = true)]
        bad_twopc_messages: bool,
        /// Stop in round N's two-party check before storing the verdicts (fault injection).
        #[arg(long, hide = true, value_name = "N")]
        stall_before_storing_verdicts: Option<u64>,
    },
    /// Run a provider.
    Provider {
        #[command(flatten)]
        run: RunArgs,
        /// Post contributions but never deliver the shares (fault injection).
        #[arg(long, hide = true)]
        withhold_shares: bool,
    },
    /// Write a consortium (config file, CA, one folder per member) into a folder.
    Init(InitArgs),
    /// Constraint counts of the range-check circuit, per gadget.
    Constraints {
        /// Dimension d.
        #[arg(default_value_t = 1000)]
        d: usize,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The consortium file (TOML).
    #[arg(long)]
    config: PathBuf,
    /// This member's folder (signing key, TLS key and certificate, CA).
    #[arg(long)]
    member: PathBuf,
}

/// The proof system providers prove with.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ProofSystemArg {
    /// libspartan 0.9's NIZK (the reference backend).
    Libspartan,
    /// zkagg's own Spartan NIZK over Hyrax commitments.
    HyraxSpartan,
}

#[derive(Args, Debug)]
struct InitArgs {
    /// The folder to write (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// The proof system providers prove with.
    #[arg(long, value_enum, default_value = "libspartan")]
    proof_system: ProofSystemArg,
    /// Number of aggregators S.
    #[arg(long, default_value_t = 2)]
    aggregators: usize,
    /// Number of providers.
    #[arg(long, default_value_t = 3)]
    providers: usize,
    /// Model dimension d.
    #[arg(long, default_value_t = 6)]
    dim: u32,
    /// Bit width of the bounded-vector relation.
    #[arg(long, default_value_t = 16)]
    bits: u32,
    /// Shamir threshold t (additive S-of-S sharing when absent).
    #[arg(long)]
    threshold: Option<u32>,
    /// Minimum batch.
    #[arg(long, default_value_t = 2)]
    min_batch: u32,
    /// Loopback port of the coordinator; aggregator s listens on port + 1 + s.
    #[arg(long, default_value_t = 7400)]
    base_port: u16,
    /// Rounds to run.
    #[arg(long, default_value_t = 2)]
    rounds: u64,
    /// Seed of the demo inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Contribution deadline (ms); the other phases get the same.
    #[arg(long, default_value_t = 3000)]
    deadline_ms: u64,
}

fn init(a: InitArgs) -> ExitCode {
    use std::net::SocketAddr;
    use zkagg::aggregation::config::SharingConfig;
    use zkagg_node::config::{generate, Deadlines, GenerateParams};
    let addr = |off: usize| {
        let port = usize::from(a.base_port) + off;
        u16::try_from(port)
            .ok()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
    };
    let Some(addrs) = (0..=a.aggregators).map(addr).collect::<Option<Vec<_>>>() else {
        eprintln!("error: ports past 65535");
        return ExitCode::from(2);
    };
    let params = GenerateParams {
        name: "zkagg consortium".into(),
        aggregators: a.aggregators,
        providers: a.providers,
        dim: a.dim,
        bits: a.bits,
        sharing: match a.threshold {
            Some(threshold) => SharingConfig::Shamir { threshold },
            None => SharingConfig::Additive,
        },
        backend: match a.proof_system {
            ProofSystemArg::Libspartan => zkagg::zk::proof_system::Backend::Libspartan,
            ProofSystemArg::HyraxSpartan => zkagg::zk::proof_system::Backend::HyraxSpartan,
        },
        min_batch: a.min_batch,
        coordinator: addrs[0],
        aggregator_addrs: addrs[1..].to_vec(),
        deadlines: Deadlines {
            start_ms: 30_000,
            contributions_ms: a.deadline_ms,
            accepted_sets_ms: a.deadline_ms,
            partial_sums_ms: a.deadline_ms,
            linger_ms: 1000,
        },
        rounds: a.rounds,
        seed: a.seed,
    };
    match generate(&a.dir, &params) {
        Ok(g) => {
            println!("{}", g.config_file.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(3)
        }
    }
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::io::stderr().is_terminal() {
        builder.init();
    } else {
        builder.json().init();
    }
}

fn constraints(d: usize) -> ExitCode {
    let mut c = zkagg::zk::r1cs::ConstraintCounter::new();
    use zkagg::zk::r1cs::Circuit;
    match zkagg::zk::circuits::RangeCheckCircuit::shape(d, 16).synthesize(&mut c) {
        Ok(()) => {
            print!("{}", c.report());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a role on a runtime, stopping within [`STOP_BOUND`] of a signal.
fn run_role(role: Role, args: RunArgs) -> ExitCode {
    init_logs();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let service = service::run(role, &args.config, &args.member, stop_rx);
        tokio::pin!(service);
        let signal = async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = term.recv() => {}
                            _ = tokio::signal::ctrl_c() => {}
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        };
        let result = tokio::select! {
            r = &mut service => r,
            _ = signal => {
                tracing::info!("signal received, stopping");
                let _ = stop_tx.send(true);
                match tokio::time::timeout(STOP_BOUND, &mut service).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!("did not stop within the bound");
                        return ExitCode::FAILURE;
                    }
                }
            }
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!(%e, "stopped");
                eprintln!("error: {e}");
                ExitCode::from(e.exit_code())
            }
        }
    })
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Constraints { d } => constraints(d),
        Command::Init(a) => init(a),
        Command::Coordinator(args) => run_role(Role::Coordinator, args),
        Command::Aggregator {
            run,
            stall_after_decide,
            bad_twopc_messages,
            stall_before_storing_verdicts,
        } => run_role(
            Role::Aggregator(AggregatorFaults {
                stall_after_decide,
                bad_twopc_messages,
                stall_before_storing_verdicts,
            }),
            run,
        ),
        Command::Provider {
            run,
            withhold_shares,
        } => run_role(Role::Provider(ProviderFaults { withhold_shares }), run),
    }
}
