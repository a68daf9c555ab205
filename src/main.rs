//! The `zkagg` command-line tool: one binary, one subcommand per role.
//!
//! Exit codes (each subcommand's `--help` lists its own):
//! - 0 done: a service ran every round, or stopped by SIGTERM/SIGINT within
//!   the bound; `init` wrote the consortium; `audit` and `demo`: the audit
//!   passes;
//! - 1 other failure: a runtime that cannot start, a service that did not
//!   stop within the bound, a demo process that failed or timed out, a file
//!   that cannot be written (`bulletin`);
//! - 2 usage: a bad flag, or flags that do not go together;
//! - 3 config: the consortium file, a member folder, a schema file, a
//!   provider's data, or a consortium folder `init`/`demo` cannot write;
//! - 4 network: a peer unreachable past the retry bound, a port that cannot
//!   be bound, a bulletin the demo cannot follow;
//! - 5 protocol: a bad entry or a refused post; the demo's exported and
//!   served bulletins disagree;
//! - 6 store: a service's SQLite database;
//! - 7 the audit fails: a party is blamed (`audit`, `demo`);
//! - 8 a bad bulletin file (unreadable, too large, corrupt, or for another
//!   consortium; `audit`);
//! - 9 a bad evidence file (`audit --evidence`: unreadable, corrupt, or not
//!   two different coordinator-signed entries at one sequence number);
//! - 86 a provider told to crash by its hidden fault-injection flag
//!   (`--crash-at`, tests only).

mod cli;

use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use zkagg::aggregation::config::RelationConfig;
use zkagg_node::service::aggregator::AggregatorFaults;
use zkagg_node::service::coordinator::CoordinatorFaults;
use zkagg_node::service::provider::{Cheat, CrashPoint, ProviderFaults};
use zkagg_node::service::{self, Role};

/// How long a service has to stop after SIGTERM.
const STOP_BOUND: Duration = Duration::from_secs(5);

/// The exit codes of the coordinator and the aggregator (`--help`).
const SERVICE_EXITS: &str = "Exit codes: 0 every round done, or stopped by SIGTERM/SIGINT \
within 5 s; 1 did not stop within that bound; 2 bad flags; 3 bad consortium file or member \
folder (or a folder of another role); 4 network (a peer unreachable past the retry bound, a \
port that cannot be bound); 5 protocol (a bad entry, a refused post, a state that does not \
match the stored one); 6 store (its SQLite database).";

/// The exit codes of the provider (`--help`).
const PROVIDER_EXITS: &str = "Exit codes: 0 every round done, or stopped by SIGTERM/SIGINT \
within 5 s; 1 did not stop within that bound; 2 bad flags; 3 bad consortium file or member \
folder, or its data (a bad CSV row, a header that does not match the schema, data that \
changed since it registered); 4 network (a peer unreachable past the retry bound); 5 protocol \
(a bad entry, a refused post); 6 store (its SQLite database).";

#[derive(Parser, Debug)]
#[command(
    name = "zkagg",
    version,
    about = "Privacy-preserving, verifiable federated learning",
    after_help = "Exit codes: 0 done (audit: passes), 1 other failure, 2 usage, 3 config \
(or a provider's data), 4 network, 5 protocol, 6 store, 7 audit failed (a party is blamed), \
8 bad bulletin file, 9 bad evidence file (audit --evidence). `zkagg <COMMAND> --help` lists \
the codes of each command."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where a provider told to crash exits (fault injection).
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum CrashAt {
    /// Proved, before posting the contribution.
    BeforePost,
    /// Posted, before delivering any share.
    AfterPost,
    /// After the first aggregator's share, halfway through the second's frame.
    MidDelivery,
}

impl CrashAt {
    fn point(self) -> CrashPoint {
        match self {
            CrashAt::BeforePost => CrashPoint::BeforePost,
            CrashAt::AfterPost => CrashPoint::AfterPost,
            CrashAt::MidDelivery => CrashPoint::MidDelivery,
        }
    }
}

/// How a provider told to cheat does it (fault injection).
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum CheatArg {
    /// The negated update, posted with the honest update's pi_zk.
    NegatedUpdate,
    /// One bit of pi_zk flipped.
    CorruptProof,
    /// Aggregator 0's share does not open its commitment.
    BadShare,
}

impl CheatArg {
    fn cheat(self) -> Cheat {
        match self {
            CheatArg::NegatedUpdate => Cheat::NegatedUpdate,
            CheatArg::CorruptProof => Cheat::CorruptProof,
            CheatArg::BadShare => Cheat::BadShare,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the coordinator: the bulletin and the round schedule.
    #[command(after_help = SERVICE_EXITS)]
    Coordinator {
        #[command(flatten)]
        run: RunArgs,
        /// Show the last aggregator another close of the last round (fault injection).
        #[arg(long, hide = true)]
        equivocate_last_close: bool,
    },
    /// Run an aggregator.
    #[command(after_help = SERVICE_EXITS)]
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
        /// Keep receiving round N's shares but never decide (fault injection).
        #[arg(long, hide = true, value_name = "N")]
        stall_while_receiving: Option<u64>,
        /// Stop after posting round N's accepted set, before the partial sum (fault injection).
        #[arg(long, hide = true, value_name = "N")]
        stall_after_posting_set: Option<u64>,
    },
    /// Run a provider.
    #[command(after_help = PROVIDER_EXITS)]
    Provider {
        #[command(flatten)]
        run: RunArgs,
        #[command(flatten)]
        data: DataArgs,
        /// Post contributions but never deliver the shares (fault injection).
        #[arg(long, hide = true)]
        withhold_shares: bool,
        /// Exit (code 86) at this point of round `--crash-round` (fault injection).
        #[arg(long, hide = true, value_enum, value_name = "POINT")]
        crash_at: Option<CrashAt>,
        /// The round of `--crash-at`.
        #[arg(long, hide = true, value_name = "N", default_value_t = 0)]
        crash_round: u64,
        /// Cheat this way in round `--cheat-round` (fault injection).
        #[arg(long, hide = true, value_enum, value_name = "KIND")]
        cheat: Option<CheatArg>,
        /// The round of `--cheat`.
        #[arg(long, hide = true, value_name = "N", default_value_t = 0)]
        cheat_round: u64,
    },
    /// Write a consortium (config file, CA, one folder per member) into a folder.
    Init(InitArgs),
    /// Run a whole consortium as separate processes on loopback and watch it.
    Demo(DemoArgs),
    /// Fetch the public bulletin from the coordinator into a file.
    ///
    /// Any provider or aggregator may fetch it: every entry is checked as
    /// the services check them, and the file is written atomically.
    Bulletin(cli::bulletin::BulletinArgs),
    /// Ask a running service (the member's own, or `--service`) for its status.
    ///
    /// Prints one JSON line: the service, the open round, the phase, the
    /// bulletin's length and head, the uptime.
    Status(cli::status::StatusArgs),
    /// Audit a bulletin file, from public files only.
    ///
    /// Prints the verdict per round, the party to blame for each failure,
    /// the skipped provider noise, the final model, the audit time per round
    /// and each provider's proof of contribution.
    Audit(cli::audit::AuditArgs),
    /// Constraint counts of the range-check circuit, per gadget.
    #[command(after_help = "Exit codes: 0 printed, 1 the circuit cannot be built, 2 bad flags.")]
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
    /// At exit, write this process's bytes on the wire (TLS included),
    /// frame payload bytes, CPU time and peak memory to FILE as JSON.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
}

/// A bundled public data set.
#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DatasetArg {
    /// Breast Cancer Wisconsin (Diagnostic): 30 features, binary label.
    BreastCancer,
    /// Diabetes: 10 features, continuous disease progression.
    Diabetes,
}

impl DatasetArg {
    fn bundled(self) -> zkagg::data::Bundled {
        match self {
            DatasetArg::BreastCancer => zkagg::data::Bundled::BreastCancer,
            DatasetArg::Diabetes => zkagg::data::Bundled::Diabetes,
        }
    }
}

/// A provider's data (R_train).
#[derive(Args, Debug)]
#[group(multiple = false)]
struct DataArgs {
    /// This provider's own data file: a CSV with a header naming the
    /// config's feature and label columns (other columns are ignored).
    #[arg(long, value_name = "FILE.csv")]
    data: Option<PathBuf>,
    /// This provider's shard of a bundled data set (the shard follows from
    /// its index and the config's seed).
    #[arg(long, value_enum, value_name = "NAME")]
    dataset: Option<DatasetArg>,
}

impl DataArgs {
    fn source(self) -> Option<zkagg_node::input::DataSource> {
        use zkagg_node::input::DataSource;
        match (self.data, self.dataset) {
            (Some(p), _) => Some(DataSource::Csv(p)),
            (None, Some(d)) => Some(DataSource::Bundled(d.bundled())),
            (None, None) => None,
        }
    }
}

/// The model R_train trains.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ModelArg {
    /// Logistic regression (binary labels).
    Logistic,
    /// Linear regression (continuous labels).
    Linear,
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
#[command(
    override_usage = "zkagg init [OPTIONS] <DIR>",
    after_help = "Exit codes: 0 written (prints the consortium file's path), 2 bad flags (a \
combination that does not make sense, ports past 65535, addresses not one per aggregator, \
--mpc without exactly 2 aggregators), 3 the schema file cannot be read or parsed, or the \
folder cannot be written (or already holds a consortium)."
)]
struct InitArgs {
    /// The folder to write (created if missing).
    #[arg(value_name = "DIR", required_unless_present = "dir_flag")]
    dir: Option<PathBuf>,
    /// The same as DIR (the older spelling, kept for scripts).
    #[arg(long = "dir", value_name = "DIR", hide = true, conflicts_with = "dir")]
    dir_flag: Option<PathBuf>,
    /// The proof system providers prove with.
    #[arg(long, value_enum, default_value = "libspartan")]
    proof_system: ProofSystemArg,
    /// Number of aggregators S.
    #[arg(long, default_value_t = 2)]
    aggregators: usize,
    /// Number of providers.
    #[arg(long, default_value_t = 3)]
    providers: usize,
    /// Model dimension d (bounded-vector relation; R_train has one weight
    /// per feature and a bias).
    #[arg(long, default_value_t = 6)]
    dim: u32,
    /// Bit width of the bounded-vector relation.
    #[arg(long, default_value_t = 16)]
    bits: u32,
    /// Train this model (R_train) instead of the bounded-vector relation;
    /// default with --dataset: logistic for breast-cancer, linear for
    /// diabetes.
    #[arg(long, value_enum)]
    model: Option<ModelArg>,
    /// R_train on a bundled data set: its schema fixes the feature scaling.
    #[arg(long, value_enum, value_name = "NAME", conflicts_with = "schema")]
    dataset: Option<DatasetArg>,
    /// R_train with the feature scaling of a schema file (CSV
    /// `feature,min,max[,mean,std][,role]`, see data/schemas/README.md).
    #[arg(long, value_name = "FILE.csv")]
    schema: Option<PathBuf>,
    /// The label column's name in providers' CSV files (default: the
    /// schema's `target` row, or the bundled data set's label, or `label`).
    #[arg(long)]
    label: Option<String>,
    /// Most rows a provider trains on (R_train; the proof's size grows with it).
    #[arg(long, default_value_t = 64)]
    max_samples: usize,
    /// Shamir threshold t (additive S-of-S sharing when absent).
    #[arg(long)]
    threshold: Option<u32>,
    /// Minimum batch.
    #[arg(long, default_value_t = 2)]
    min_batch: u32,
    /// The coordinator's address (its machine's IP and a port every member
    /// can reach) [default: 127.0.0.1 and the base port].
    #[arg(long, value_name = "IP:PORT")]
    coordinator_addr: Option<std::net::SocketAddr>,
    /// Aggregator s's address, given once per aggregator in order
    /// [default: 127.0.0.1 and the base port + 1 + s].
    #[arg(long = "aggregator-addr", value_name = "IP:PORT")]
    aggregator_addrs: Vec<std::net::SocketAddr>,
    /// Check each update's bound with the two-party computation between
    /// the two aggregators (garbled circuits and oblivious transfer)
    /// instead of the providers' proofs: validity mode "mpc2pc" (needs
    /// --aggregators 2 and both aggregators' shares).
    #[arg(long)]
    mpc: bool,
    /// With --mpc: aggregator s's two-party endpoint (where it listens for
    /// the other aggregator), given once per aggregator in order
    /// [default: aggregator s's IP and the port after the last
    /// aggregator's + s].
    #[arg(
        long = "aggregator-peer-addr",
        value_name = "IP:PORT",
        requires = "mpc"
    )]
    aggregator_peer_addrs: Vec<std::net::SocketAddr>,
    /// Loopback port of the coordinator when no addresses are given;
    /// aggregator s listens on port + 1 + s (with --mpc, its two-party
    /// endpoint on port + 1 + S + s).
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
    /// How long the coordinator keeps serving (the bulletin, for
    /// `zkagg bulletin`) after the last round closed, in ms.
    #[arg(long, default_value_t = 1000)]
    linger_ms: u64,
}

/// Why `init` cannot write an R_train consortium.
#[derive(Debug)]
enum InitError {
    /// A flag combination that does not make sense (exit 2).
    Usage(String),
    /// A schema file that cannot be read or parsed (exit 3).
    Schema(String),
}

impl InitError {
    fn exit_code(&self) -> u8 {
        match self {
            InitError::Usage(_) => 2,
            InitError::Schema(_) => 3,
        }
    }
}

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitError::Usage(m) | InitError::Schema(m) => f.write_str(m),
        }
    }
}

/// The R_train relation and data schema `init` writes, if the flags ask
/// for one: the schema from the bundled data set or the schema file; the
/// training parameters of `TrainConfig::breast_cancer_compact` (logistic)
/// or `TrainConfig::diabetes` (linear) for its number of features.
fn train_relation(
    a: &InitArgs,
) -> Result<Option<(RelationConfig, zkagg::aggregation::config::DataSchema)>, InitError> {
    use zkagg::aggregation::config::ModelKind;
    use zkagg::data::{Bundled, Schema};
    use zkagg::zk::model::TrainConfig;
    let (text, bundled): (String, Option<Bundled>) = match (&a.dataset, &a.schema) {
        (Some(d), _) => (d.bundled().schema_csv().to_owned(), Some(d.bundled())),
        (None, Some(path)) => {
            let text = zkagg_node::config::read_capped(
                path,
                zkagg::data::scaling::MAX_SCHEMA_BYTES as u64,
            )
            .map_err(|e| InitError::Schema(e.to_string()))?;
            (text, None)
        }
        (None, None) if a.model.is_some() => {
            return Err(InitError::Usage(
                "--model needs --dataset NAME or --schema FILE.csv for the feature scaling".into(),
            ))
        }
        (None, None) => return Ok(None),
    };
    let schema = Schema::parse(&text).map_err(|e| {
        InitError::Schema(match &a.schema {
            Some(p) => format!("{}: {e}", p.display()),
            None => e.to_string(),
        })
    })?;
    let model = match (a.model, bundled) {
        (Some(ModelArg::Logistic), _) | (None, Some(Bundled::BreastCancer)) => ModelKind::Logistic,
        (Some(ModelArg::Linear), _) | (None, Some(Bundled::Diabetes)) => ModelKind::Linear,
        (None, None) => {
            return Err(InitError::Usage(
                "--schema needs --model logistic|linear".into(),
            ))
        }
    };
    if let (ModelKind::Logistic, Some(t)) = (model, schema.target()) {
        return Err(InitError::Schema(format!(
            "{}: the `target` row `{}` scales the label, but logistic regression's label is 0 or 1 \
             and is not scaled: drop that row (name the label with --label) or use --model linear",
            a.schema
                .as_ref()
                .map_or_else(|| "the schema".into(), |p| p.display().to_string()),
            t.name
        )));
    }
    let label = a
        .label
        .clone()
        .or_else(|| schema.target().map(|t| t.name.clone()))
        .or_else(|| bundled.map(|b| b.label_name().to_owned()))
        .unwrap_or_else(|| "label".into());
    let scaling = schema.scaling();
    let base = match model {
        ModelKind::Logistic => TrainConfig::breast_cancer_compact(a.max_samples),
        ModelKind::Linear => TrainConfig::diabetes(a.max_samples),
    };
    let train = TrainConfig {
        num_features: scaling.num_features(),
        ..base
    };
    Ok(Some((
        RelationConfig::Train { model, train },
        zkagg_node::input::data_schema(&scaling, &label),
    )))
}

/// Where the members of a consortium `init` writes listen, and its
/// validity mode.
struct InitPlacement {
    coordinator: std::net::SocketAddr,
    aggregators: Vec<std::net::SocketAddr>,
    validity: zkagg::aggregation::config::ValidityMode,
    /// Aggregator s's two-party endpoint (MPC mode only).
    peers: Vec<std::net::SocketAddr>,
}

/// The addresses given with `flag` (one per aggregator, in order), or
/// `default()` when none is.
fn one_per_aggregator(
    given: &[std::net::SocketAddr],
    s: usize,
    flag: &str,
    default: impl FnOnce() -> Result<Vec<std::net::SocketAddr>, String>,
) -> Result<Vec<std::net::SocketAddr>, String> {
    match given.len() {
        0 => default(),
        n if n == s => Ok(given.to_vec()),
        n => Err(format!(
            "{n} {flag} given for {s} aggregators: give one per aggregator, in order"
        )),
    }
}

/// The addresses and validity mode `init`'s flags ask for, or a usage
/// error that says what to fix.
fn placement(a: &InitArgs) -> Result<InitPlacement, String> {
    use std::net::SocketAddr;
    use zkagg::aggregation::config::ValidityMode;
    let s = a.aggregators;
    let port = |base: u16, off: usize| {
        u16::try_from(usize::from(base) + off).map_err(|_| {
            format!(
                "port {base} + {off} is past 65535: use a lower --base-port or give the addresses"
            )
        })
    };
    let loopback = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
    let coordinator = match a.coordinator_addr {
        Some(c) => c,
        None => loopback(a.base_port),
    };
    let aggregators = one_per_aggregator(&a.aggregator_addrs, s, "--aggregator-addr", || {
        (0..s)
            .map(|k| port(a.base_port, 1 + k).map(loopback))
            .collect()
    })?;
    if !a.mpc {
        return Ok(InitPlacement {
            coordinator,
            aggregators,
            validity: ValidityMode::ZkProof,
            peers: Vec::new(),
        });
    }
    if s != 2 {
        return Err(format!(
            "--mpc runs the two-party check between exactly 2 aggregators: use --aggregators 2 (not {s})"
        ));
    }
    if a.threshold.is_some_and(|t| t != 2) {
        return Err(
            "--mpc needs both aggregators' shares: drop --threshold (or use --threshold 2)".into(),
        );
    }
    let peers = one_per_aggregator(
        &a.aggregator_peer_addrs,
        s,
        "--aggregator-peer-addr",
        || {
            let last = aggregators
                .iter()
                .map(SocketAddr::port)
                .max()
                .unwrap_or(a.base_port);
            aggregators
                .iter()
                .enumerate()
                .map(|(k, addr)| port(last, 1 + k).map(|p| SocketAddr::new(addr.ip(), p)))
                .collect()
        },
    )?;
    Ok(InitPlacement {
        coordinator,
        aggregators,
        validity: ValidityMode::Mpc2pc,
        peers,
    })
}

fn init(a: InitArgs) -> ExitCode {
    use zkagg::aggregation::config::SharingConfig;
    use zkagg_node::config::{generate_with, Deadlines, GenerateParams};
    let Some(dir) = a.dir.clone().or_else(|| a.dir_flag.clone()) else {
        // clap requires one; kept so that nothing here can panic.
        eprintln!("error: name the folder to write: zkagg init DIR [OPTIONS]");
        return ExitCode::from(2);
    };
    // Flag-level checks first, named by their flags (the config's own
    // checks would name keys of a file not written yet).
    let counts = [
        (
            a.aggregators < 2,
            "--aggregators: at least 2 (the sharing needs two aggregators)",
        ),
        (a.providers == 0, "--providers: at least 1"),
        (a.min_batch == 0, "--min-batch: at least 1"),
        (
            a.min_batch as usize > a.providers,
            "--min-batch: at most --providers (a round could never release)",
        ),
        (a.rounds == 0, "--rounds: at least 1"),
        (
            a.threshold
                .is_some_and(|t| t == 0 || t as usize > a.aggregators),
            "--threshold: between 1 and --aggregators",
        ),
    ];
    if let Some((_, msg)) = counts.iter().find(|(bad, _)| *bad) {
        eprintln!("error: {msg}");
        return ExitCode::from(2);
    }
    let place = match placement(&a) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let (dim, relation, data) = match train_relation(&a) {
        Ok(Some((relation, data))) => (
            match &relation {
                RelationConfig::Train { train, .. } => train.dim() as u32,
                RelationConfig::BoundedVector { .. } => a.dim,
            },
            relation,
            Some(data),
        ),
        Ok(None) => (a.dim, RelationConfig::BoundedVector { bits: a.bits }, None),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let params = GenerateParams {
        name: "zkagg consortium".into(),
        aggregators: a.aggregators,
        providers: a.providers,
        dim,
        relation,
        data,
        initial_model: None,
        sharing: match a.threshold {
            Some(threshold) => SharingConfig::Shamir { threshold },
            None => SharingConfig::Additive,
        },
        backend: match a.proof_system {
            ProofSystemArg::Libspartan => zkagg::zk::proof_system::Backend::Libspartan,
            ProofSystemArg::HyraxSpartan => zkagg::zk::proof_system::Backend::HyraxSpartan,
        },
        min_batch: a.min_batch,
        coordinator: place.coordinator,
        aggregator_addrs: place.aggregators,
        deadlines: Deadlines {
            start_ms: 30_000,
            contributions_ms: a.deadline_ms,
            accepted_sets_ms: a.deadline_ms,
            partial_sums_ms: a.deadline_ms,
            linger_ms: a.linger_ms,
        },
        rounds: a.rounds,
        seed: a.seed,
    };
    match generate_with(&dir, &params, place.validity, place.peers) {
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

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 the run finished and its audit passes, 1 a member process \
failed or the run did not finish within its bound, 2 bad flags, 3 the consortium or its \
folder could not be written, 4 the bulletin could not be followed or did not verify, 5 the \
coordinator's exported bulletin and the served one disagree, 7 the audit fails."
)]
struct DemoArgs {
    /// The bundled data set: breast-cancer (logistic regression, scored by
    /// test accuracy) or diabetes (linear regression, scored by test R^2).
    #[arg(long, value_enum, default_value = "breast-cancer")]
    dataset: DatasetArg,
    /// Rounds to run [default: 20 for breast-cancer, 30 for diabetes].
    #[arg(long)]
    rounds: Option<u64>,
    /// Number of providers (separate processes), each on its own shard.
    #[arg(long, default_value_t = 5)]
    providers: usize,
    /// Number of aggregators S (separate processes).
    #[arg(long, default_value_t = 2)]
    aggregators: usize,
    /// The proof system providers prove with.
    #[arg(long, value_enum, default_value = "hyrax-spartan")]
    proof_system: ProofSystemArg,
    /// Check the update bound with garbled circuits and oblivious transfer
    /// between the two aggregators instead of the providers' proofs (needs
    /// exactly 2 aggregators).
    #[arg(long)]
    mpc: bool,
    /// The folder for the consortium, databases, logs and plots (created;
    /// a fresh folder under the system's temporary folder when absent).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of the test split and of the providers' shards.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
}

/// Most aggregators `zkagg demo` starts (each is a process of its own).
const MAX_DEMO_AGGREGATORS: usize = 16;

/// Whether `dir` can take a demo's files without losing any: missing, or
/// an empty folder.
fn fresh_folder(dir: &std::path::Path) -> Result<(), String> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(
                "exists and is not empty: give a new or empty folder (the demo writes \
                 consortium/, logs/ and its plots there)"
                    .into(),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dir.exists() => Err("is not a folder: give a new or empty folder".into()),
        Err(e) => Err(format!("{e}")),
    }
}

fn demo_main(a: DemoArgs) -> ExitCode {
    use zkagg::aggregation::config::SharingConfig;
    use zkagg::demo::bundled::{bundled_run, default_rounds};
    use zkagg_node::config::{Deadlines, GenerateParams};
    if a.providers == 0 || a.aggregators < 2 {
        eprintln!("error: a demo needs at least 1 provider and 2 aggregators");
        return ExitCode::from(2);
    }
    if a.aggregators > MAX_DEMO_AGGREGATORS {
        eprintln!(
            "error: --aggregators {}: a demo runs at most {MAX_DEMO_AGGREGATORS} aggregators on this machine",
            a.aggregators
        );
        return ExitCode::from(2);
    }
    if a.mpc && a.aggregators != 2 {
        eprintln!(
            "error: --mpc runs the two-party check between exactly 2 aggregators (--aggregators 2)"
        );
        return ExitCode::from(2);
    }
    if a.rounds == Some(0) {
        eprintln!("error: --rounds 0: a demo runs at least 1 round");
        return ExitCode::from(2);
    }
    if let Some(out) = &a.out {
        if let Err(e) = fresh_folder(out) {
            eprintln!("error: --out {}: {e}", out.display());
            return ExitCode::from(2);
        }
    }
    let dataset = a.dataset.bundled();
    let run = match bundled_run(dataset, a.providers, a.seed) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    };
    let dir = a.out.clone().unwrap_or_else(|| {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        std::env::temp_dir().join(format!("zkagg-demo-{stamp}-{}", std::process::id()))
    });
    let unset = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let rounds = a.rounds.unwrap_or_else(|| default_rounds(dataset));
    let params = GenerateParams {
        name: format!("zkagg demo ({})", dataset.name()),
        aggregators: a.aggregators,
        providers: a.providers,
        dim: run.dim,
        relation: run.relation.clone(),
        data: Some(run.data.clone()),
        initial_model: None,
        sharing: SharingConfig::Additive,
        backend: match a.proof_system {
            ProofSystemArg::Libspartan => zkagg::zk::proof_system::Backend::Libspartan,
            ProofSystemArg::HyraxSpartan => zkagg::zk::proof_system::Backend::HyraxSpartan,
        },
        min_batch: 1,
        coordinator: unset,
        aggregator_addrs: vec![unset; a.aggregators],
        deadlines: Deadlines {
            start_ms: 120_000,
            contributions_ms: 120_000,
            accepted_sets_ms: 120_000,
            partial_sums_ms: 60_000,
            linger_ms: 500,
        },
        rounds,
        seed: a.seed,
    };
    println!(
        "zkagg demo: {} ({} rows per provider), {} providers, {} aggregators, {rounds} rounds; folder {}",
        dataset.name(),
        run.rows_per_provider,
        a.providers,
        a.aggregators,
        dir.display()
    );
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot find this binary: {e}");
            return ExitCode::FAILURE;
        }
    };
    let plan = zkagg::demo::run::Plan {
        dir: dir.clone(),
        params,
        terminal: std::io::stderr().is_terminal(),
        exe,
        dataset: Some(dataset),
        mpc: a.mpc,
    };
    let (label, baseline) = (run.metric.0.clone(), run.baseline.clone());
    match zkagg::demo::run::run(plan, Some(run.metric), Some(run.baseline)) {
        Ok(o) => {
            println!();
            print!("{}", zkagg::demo::table(&o));
            println!();
            if let Some((round, v)) = o.metric.last() {
                println!(
                    "final {label} (round {round}): {v:.4}; {} {:.4}",
                    baseline.0, baseline.1
                );
            }
            if let Some(t) = o.first_round {
                println!(
                    "first round closed {:.1} s after the start",
                    t.as_secs_f64()
                );
            }
            println!("total {:.1} s", o.total.as_secs_f64());
            for p in &o.plots {
                println!("plot: {}", p.display());
            }
            println!(
                "audit it yourself: zkagg audit --config {} --bulletin {}",
                dir.join("consortium/consortium.toml").display(),
                dir.join("consortium/db/bulletin.bin").display()
            );
            if o.verdict.failures.is_empty() {
                println!("audit: passed ({} rounds)", o.verdict.rounds.len());
                ExitCode::SUCCESS
            } else {
                for f in &o.verdict.failures {
                    println!("audit failure: {f:?}");
                }
                ExitCode::from(7)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
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
    run_role_with_data(role, args, None)
}

/// [`run_role`] with a provider's data source.
fn run_role_with_data(
    role: Role,
    args: RunArgs,
    data: Option<zkagg_node::input::DataSource>,
) -> ExitCode {
    init_logs();
    let rt = match cli::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let metrics = args.metrics.clone();
        let service = service::run_with_data(role, &args.config, &args.member, data, stop_rx);
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
        if let Some(path) = &metrics {
            let name = match role {
                Role::Coordinator(_) => "coordinator",
                Role::Aggregator(_) => "aggregator",
                Role::Provider(_) => "provider",
            };
            if let Err(e) = zkagg_node::metrics::write_snapshot(path, name) {
                tracing::warn!(%e, path = %path.display(), "cannot write the metrics");
            }
        }
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
        Command::Demo(a) => demo_main(a),
        Command::Bulletin(a) => cli::bulletin::run(a),
        Command::Status(a) => cli::status::run(a),
        Command::Audit(a) => cli::audit::run(a),
        Command::Coordinator {
            run,
            equivocate_last_close,
        } => run_role(
            Role::Coordinator(CoordinatorFaults {
                equivocate_last_close,
            }),
            run,
        ),
        Command::Aggregator {
            run,
            stall_after_decide,
            bad_twopc_messages,
            stall_before_storing_verdicts,
            stall_while_receiving,
            stall_after_posting_set,
        } => run_role(
            Role::Aggregator(AggregatorFaults {
                stall_after_decide,
                bad_twopc_messages,
                stall_before_storing_verdicts,
                stall_while_receiving,
                stall_after_posting_set,
            }),
            run,
        ),
        Command::Provider {
            run,
            data,
            withhold_shares,
            crash_at,
            crash_round,
            cheat,
            cheat_round,
        } => run_role_with_data(
            Role::Provider(ProviderFaults {
                withhold_shares,
                crash: crash_at.map(|p| (p.point(), crash_round)),
                cheat: cheat.map(|k| (k.cheat(), cheat_round)),
            }),
            run,
            data.source(),
        ),
    }
}
