//! A consortium as separate `zkagg` processes over mutual TLS on loopback:
//! the released models equal those of the in-process simulation over the
//! same inputs, and the coordinator's bulletin passes the audit.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use zkagg::aggregation::auditor::Verdict;
use zkagg::aggregation::bulletin::Bulletin;
use zkagg::aggregation::config::{RelationConfig, SharingConfig, ValidityMode};
use zkagg::aggregation::msgs::PublicMessage;
use zkagg::aggregation::msgs::RoundClose;
use zkagg::aggregation::relation::BoundedVectorRelation;
use zkagg::aggregation::setup::Setup;
use zkagg::aggregation::setup::SharingScheme;
use zkagg::aggregation::sim::{ConsortiumBuilder, Honest};
use zkagg::aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg::mpc::sharing::additive::Additive;
use zkagg::mpc::sharing::shamir::Shamir;
use zkagg_node::config::{
    build_setup, demo_update, generate, generate_with, Deadlines, GenerateParams, SetupVisitor,
};
use zkagg_node::store::Store;

mod common;
use common::procs::init_ok;

const D: usize = 6;
const BITS: u32 = 16;
const ROUNDS: u64 = 2;
const SEED: u64 = 7;

/// Audits a bulletin under any setup.
struct Audit<'a>(&'a [u8]);

impl SetupVisitor for Audit<'_> {
    type Output = zkagg::aggregation::auditor::Verdict;
    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: zkagg_node::input::NodeRelation,
        S: SharingScheme + Send + Sync + 'static,
    {
        zkagg::aggregation::auditor::audit_bytes(&std::sync::Arc::new(setup), self.0)
    }
}

/// Kills every child it holds when dropped (a failed test leaves nothing).
struct Children(Vec<(String, Child)>);

impl Drop for Children {
    fn drop(&mut self) {
        for (_, c) in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Children {
    fn spawn(&mut self, name: &str, args: &[&str], log_dir: &Path) {
        let log = std::fs::File::create(log_dir.join(format!("{name}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_zkagg"))
            .args(args)
            .env("RUST_LOG", "info,zkagg_node=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.0.push((name.to_owned(), child));
    }

    /// SIGKILLs the child `name` and forgets it.
    fn kill(&mut self, name: &str) {
        let i = self.0.iter().position(|(n, _)| n == name).unwrap();
        let (_, mut child) = self.0.remove(i);
        child.kill().unwrap(); // SIGKILL
        assert!(!child.wait().unwrap().success());
    }

    /// Waits for every child to exit, bounded; returns their statuses.
    fn wait_all(&mut self, bound: Duration) -> Vec<(String, ExitStatus)> {
        let end = Instant::now() + bound;
        let mut out = Vec::new();
        for (name, c) in &mut self.0 {
            loop {
                if let Some(s) = c.try_wait().unwrap() {
                    out.push((name.clone(), s));
                    break;
                }
                assert!(Instant::now() < end, "{name} still running after {bound:?}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        out
    }
}

fn free_addrs(n: usize) -> Vec<SocketAddr> {
    // Bound together so that they differ; released before the children bind.
    let ls: Vec<TcpListener> = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    ls.iter().map(|l| l.local_addr().unwrap()).collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkagg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn dump_logs(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "log") {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            eprintln!("== {}", e.path().display());
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
        }
    }
}

/// The models the in-process simulation releases over the demo inputs.
fn sim_models(providers: usize, withheld: &[u32]) -> Vec<Vec<i64>> {
    sim_models_with(Additive::new(2).unwrap(), providers, withheld)
}

fn sim_models_with<S: SharingScheme>(
    sharing: S,
    providers: usize,
    withheld: &[u32],
) -> Vec<Vec<i64>> {
    sim_run(sharing, ValidityMode::ZkProof, providers, withheld).0
}

/// The simulation's released models and its audit verdict, in `validity`.
fn sim_run<S: SharingScheme>(
    sharing: S,
    validity: ValidityMode,
    providers: usize,
    withheld: &[u32],
) -> (Vec<Vec<i64>>, Verdict) {
    let (models, verdict) = sim_outcomes(sharing, validity, (providers, 2), &|_| withheld.to_vec());
    let models = models
        .into_iter()
        .map(|m| m.expect("the sim releases"))
        .collect();
    (models, verdict)
}

/// The simulation's round outcomes (the model, `None` when aborted) and
/// audit verdict with `(providers, min_batch)`, the providers `absent(t)`
/// sending nothing in round t.
fn sim_outcomes<S: SharingScheme>(
    sharing: S,
    validity: ValidityMode,
    (providers, min_batch): (usize, u32),
    absent: &dyn Fn(u64) -> Vec<u32>,
) -> (Vec<Option<Vec<i64>>>, Verdict) {
    let rel = BoundedVectorRelation::new(D, BITS as usize).unwrap();
    let mut sim = ConsortiumBuilder::new(rel, sharing)
        .providers(providers)
        .min_batch(min_batch)
        .validity(validity)
        .build()
        .unwrap();
    let mut rng = rand::thread_rng();
    let models = (0..ROUNDS)
        .map(|t| {
            let out = absent(t);
            let inputs: Vec<Option<Vec<i64>>> = (0..providers as u32)
                .map(|i| (!out.contains(&i)).then(|| demo_update(SEED, ProviderId(i), t, D, BITS)))
                .collect();
            let refs: Vec<Option<&Vec<i64>>> = inputs.iter().map(Option::as_ref).collect();
            let report = sim.run_round(&refs, &mut Honest, &mut rng).unwrap();
            report.new_model().map(<[i64]>::to_vec)
        })
        .collect();
    let verdict = zkagg::aggregation::auditor::audit(sim.setup(), sim.bulletin());
    (models, verdict)
}

/// An audit's rounds without entry numbers (posting order is the
/// network's).
fn audit_rounds(v: &Verdict) -> Vec<impl PartialEq + std::fmt::Debug> {
    v.rounds
        .iter()
        .map(|r| (r.round, r.accepted.clone(), r.outcome.clone(), r.ok))
        .collect()
}

/// When crashed providers are restarted.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Restart {
    /// Never.
    #[default]
    Never,
    /// As soon as each crashed.
    AtOnce,
    /// Once round 0 is closed.
    AfterRound0,
}

/// What a run does besides the honest protocol.
#[derive(Default)]
struct Scenario<'a> {
    /// Providers that post but never deliver their shares.
    withheld: &'a [u32],
    /// Aggregator 0 stalls after deciding round 0; it is SIGKILLed there
    /// and restarted.
    kill_aggregator_after_decide: bool,
    /// The coordinator is SIGKILLed once round 1 is open, and restarted.
    kill_coordinator_in_round_1: bool,
    /// Three aggregators with Shamir 2-of-3 sharing (else two, additive).
    shamir_2_of_3: bool,
    /// Three aggregators with additive sharing.
    additive_3: bool,
    /// The MPC validity mode (two aggregators, two-party bound check).
    mpc: bool,
    /// MPC mode: aggregator 1 opens round 0's check with bad messages.
    bad_twopc: bool,
    /// MPC mode: aggregator 1 is SIGKILLed in round 0 once the check gave
    /// it its verdicts, before it stored them, and restarted.
    kill_in_twopc: bool,
    /// This aggregator is SIGKILLed once round 0 is open and not restarted.
    kill_for_good: Option<usize>,
    /// MPC mode: before round 0 opens, the test opens a check with
    /// aggregator 0 as aggregator 1, claiming a head its copy contradicts.
    forged_head: bool,
    /// This aggregator is SIGSTOPped once round 0 is open and SIGCONTed
    /// once the coordinator closed the set phase without it.
    stop_until_sets_closed: Option<usize>,
    /// Rounds may abort: the caller checks the closes and the audit.
    expect_aborts: bool,
    /// The coordinator shows the last aggregator another close of the last
    /// round; the consortium folder is kept for the caller (`Run::kept`).
    equivocate_last_close: bool,
    /// Providers that crash in round 0 at a point (`--crash-at`); each
    /// must exit with the crash code.
    crashes: &'a [(u32, &'a str)],
    /// When the crashed providers are restarted.
    restart_crashed: Restart,
    /// The contribution deadline (else 2.5 s).
    contributions_ms: Option<u64>,
    /// The minimum batch (else 2).
    min_batch: Option<u32>,
    /// Aggregator 0 stalls once it stored a share of round 0, before
    /// deciding; it is SIGKILLed there and restarted.
    kill_aggregator_while_receiving: bool,
    /// Aggregator 0 stalls once its round-0 set is posted, before its
    /// partial sum; it is SIGKILLed there and restarted.
    kill_aggregator_after_posting_set: bool,
    /// Once round 0 is open, `zkagg status` asks each service as several
    /// members.
    probe_status: bool,
    /// Write the consortium with `zkagg init` (the binary) instead of
    /// `generate_with`: two aggregators, additive sharing, every round
    /// deadline 3 s (with `mpc`: `zkagg init --mpc`).
    via_init: bool,
}

struct Run {
    models: Vec<Vec<i64>>,
    closes: Vec<RoundClose>,
    verdict: Verdict,
    bulletin: Vec<u8>,
    /// Aggregator 0's outbox copy of its round-0 accepted set.
    outbox_set: Option<Vec<u8>>,
    /// Aggregator 0's outbox copy of its round-0 partial sum.
    outbox_sum: Option<Vec<u8>>,
    /// The coordinator's log (of every run of it).
    coordinator_log: String,
    /// `zkagg status` as (member, service): its exit code and its JSON.
    status_probes: Vec<((&'static str, &'static str), Option<i32>, serde_json::Value)>,
    /// Aggregator 0's log.
    aggregator_0_log: String,
    /// What a provider's and the coordinator's certificates got from
    /// aggregator 0's two-party endpoint (MPC mode).
    peer_probes: Vec<Result<Option<zkagg_node::frame::WireMessage>, String>>,
    /// What aggregator 0 answered the forged head (its opening, then the
    /// refusal).
    head_probe: Vec<zkagg_node::frame::WireMessage>,
    /// The consortium's folder and files, if the scenario keeps them (the
    /// caller removes the folder).
    kept: Option<(PathBuf, zkagg_node::config::Generated)>,
}

fn wait_for_log(path: &Path, needle: &str, times: usize, bound: Duration) {
    let end = Instant::now() + bound;
    let seen = || {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .matches(needle)
            .count()
    };
    while seen() < times {
        assert!(Instant::now() < end, "no {needle:?} in {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes a bounded-vector consortium of `providers` with `zkagg init`
/// (the test's D, BITS, SEED and ROUNDS; with `peers`, `--mpc` and those
/// two-party endpoints), the coordinator and the aggregators at `addrs`;
/// checks that the file says what the flags asked for.
fn init_generated(
    dir: &Path,
    providers: usize,
    addrs: &[SocketAddr],
    peers: Option<&[SocketAddr]>,
) -> zkagg_node::config::Generated {
    let owned: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    let peer_args: Vec<String> = peers
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect();
    let (n, d, bits, seed, rounds) = (
        providers.to_string(),
        D.to_string(),
        BITS.to_string(),
        SEED.to_string(),
        ROUNDS.to_string(),
    );
    let mut flags = vec![
        "--providers",
        &n,
        "--aggregators",
        "2",
        "--dim",
        &d,
        "--bits",
        &bits,
        "--seed",
        &seed,
        "--rounds",
        &rounds,
        "--min-batch",
        "2",
        "--deadline-ms",
        "3000",
        "--coordinator-addr",
        &owned[0],
    ];
    for a in &owned[1..] {
        flags.extend(["--aggregator-addr", a.as_str()]);
    }
    if peers.is_some() {
        flags.push("--mpc");
    }
    for p in &peer_args {
        flags.extend(["--aggregator-peer-addr", p.as_str()]);
    }
    let config = init_ok(dir, &flags);
    let ops = &config.operations;
    assert_eq!(ops.coordinator, addrs[0]);
    assert_eq!(ops.aggregators, addrs[1..]);
    assert_eq!(ops.aggregator_peers, peers.unwrap_or_default());
    let validity = if peers.is_some() {
        ValidityMode::Mpc2pc
    } else {
        ValidityMode::ZkProof
    };
    assert_eq!(config.consortium.validity, validity);
    let members = dir.join("members");
    zkagg_node::config::Generated {
        config_file: dir.join("consortium.toml"),
        coordinator: members.join("coordinator"),
        aggregators: (0..2)
            .map(|s| members.join(format!("aggregator-{s}")))
            .collect(),
        providers: (0..providers)
            .map(|i| members.join(format!("provider-{i}")))
            .collect(),
        config,
    }
}

/// One consortium at a time: the machine is small and deadlines are short.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run_consortium(name: &str, providers: usize, sc: Scenario<'_>) -> Run {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let withheld = sc.withheld;
    let dir = temp_dir(name);
    let (nagg, sharing) = if sc.shamir_2_of_3 {
        (3, SharingConfig::Shamir { threshold: 2 })
    } else if sc.additive_3 {
        (3, SharingConfig::Additive)
    } else {
        (2, SharingConfig::Additive)
    };
    let addrs = free_addrs(1 + 2 * nagg);
    let (validity, peers) = if sc.mpc {
        (ValidityMode::Mpc2pc, addrs[1 + nagg..].to_vec())
    } else {
        (ValidityMode::ZkProof, Vec::new())
    };
    let g = if sc.via_init {
        assert_eq!((nagg, sharing), (2, SharingConfig::Additive));
        init_generated(
            &dir,
            providers,
            &addrs[..1 + nagg],
            sc.mpc.then_some(&peers[..]),
        )
    } else {
        generate_with(
            &dir,
            &GenerateParams {
                name: name.into(),
                aggregators: nagg,
                providers,
                dim: D as u32,
                relation: RelationConfig::BoundedVector { bits: BITS },
                data: None,
                initial_model: None,
                sharing,
                backend: zkagg::zk::proof_system::Backend::Libspartan,
                min_batch: sc.min_batch.unwrap_or(2),
                coordinator: addrs[0],
                aggregator_addrs: addrs[1..1 + nagg].to_vec(),
                deadlines: Deadlines {
                    start_ms: 20_000,
                    contributions_ms: sc.contributions_ms.unwrap_or(2_500),
                    accepted_sets_ms: if sc.kill_aggregator_after_decide
                        || sc.kill_in_twopc
                        || sc.kill_aggregator_while_receiving
                    {
                        8_000
                    } else {
                        3_000
                    },
                    partial_sums_ms: if sc.kill_aggregator_after_posting_set {
                        8_000
                    } else {
                        3_000
                    },
                    linger_ms: 500,
                },
                rounds: ROUNDS,
                seed: SEED,
            },
            validity,
            peers.clone(),
        )
        .unwrap()
    };
    let cfg = g.config_file.to_str().unwrap().to_owned();
    let mut kids = Children(Vec::new());
    let start = Instant::now();
    let member = |p: &Path| p.to_str().unwrap().to_owned();
    let coordinator_member = member(&g.coordinator);
    let mut coordinator_args = vec![
        "coordinator",
        "--config",
        &cfg,
        "--member",
        &coordinator_member,
    ];
    if sc.equivocate_last_close {
        coordinator_args.push("--equivocate-last-close");
    }
    kids.spawn("coordinator", &coordinator_args, &dir);
    for (s, m) in g.aggregators.iter().enumerate() {
        let m = member(m);
        let mut args = vec!["aggregator", "--config", &cfg, "--member", &m];
        if s == 0 && sc.kill_aggregator_after_decide {
            args.extend(["--stall-after-decide", "0"]);
        }
        if s == 0 && sc.kill_aggregator_while_receiving {
            args.extend(["--stall-while-receiving", "0"]);
        }
        if s == 0 && sc.kill_aggregator_after_posting_set {
            args.extend(["--stall-after-posting-set", "0"]);
        }
        if s == 1 && sc.bad_twopc {
            args.push("--bad-twopc-messages");
        }
        if s == 1 && sc.kill_in_twopc {
            args.extend(["--stall-before-storing-verdicts", "0"]);
        }
        kids.spawn(&format!("aggregator-{s}"), &args, &dir);
    }
    for (i, m) in g.providers.iter().enumerate() {
        let mut args = vec!["provider", "--config", &cfg];
        let m = member(m);
        args.extend(["--member", &m]);
        if withheld.contains(&(i as u32)) {
            args.push("--withhold-shares");
        }
        if let Some((_, point)) = sc.crashes.iter().find(|(p, _)| *p == i as u32) {
            args.extend(["--crash-at", point]);
        }
        kids.spawn(&format!("provider-{i}"), &args, &dir);
    }
    // Waits for `needle` in aggregator s's log, SIGKILLs it and restarts it.
    let kill_and_restart = |kids: &mut Children, s: usize, needle: &str| {
        let log = dir.join(format!("aggregator-{s}.log"));
        wait_for_log(&log, needle, 1, Duration::from_secs(60));
        kids.kill(&format!("aggregator-{s}"));
        let m = member(&g.aggregators[s]);
        kids.spawn(
            &format!("aggregator-{s}-restarted"),
            &["aggregator", "--config", &cfg, "--member", &m],
            &dir,
        );
    };
    if sc.kill_aggregator_after_decide {
        kill_and_restart(&mut kids, 0, "stalling after deciding");
    }
    if sc.kill_aggregator_while_receiving {
        kill_and_restart(&mut kids, 0, "stalling while receiving");
    }
    if sc.kill_aggregator_after_posting_set {
        kill_and_restart(&mut kids, 0, "stalling after posting the accepted set");
    }
    let mut status_probes = Vec::new();
    if sc.probe_status {
        let log = dir.join("coordinator.log");
        wait_for_log(&log, "round opened", 1, Duration::from_secs(60));
        let probes = [
            ("provider-0", ""),
            ("aggregator-0", ""),
            ("coordinator", ""),
            ("aggregator-1", "aggregator-0"),
            ("coordinator", "aggregator-1"),
            ("provider-1", "aggregator-1"),
            ("provider-1", "aggregator-7"),
        ];
        for (who, service) in probes {
            let m = dir.join("members").join(who);
            let mut args = vec!["status", "--config", &cfg, "--member", m.to_str().unwrap()];
            if !service.is_empty() {
                args.extend(["--service", service]);
            }
            let out = Command::new(env!("CARGO_BIN_EXE_zkagg"))
                .args(&args)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
            status_probes.push(((who, service), out.status.code(), json));
        }
    }
    if sc.restart_crashed != Restart::Never {
        if sc.restart_crashed == Restart::AfterRound0 {
            let log = dir.join("coordinator.log");
            wait_for_log(&log, "round closed", 1, Duration::from_secs(60));
        }
        for (i, _) in sc.crashes {
            let log = dir.join(format!("provider-{i}.log"));
            wait_for_log(
                &log,
                "crashing (fault injection)",
                1,
                Duration::from_secs(60),
            );
            let m = member(&g.providers[*i as usize]);
            kids.spawn(
                &format!("provider-{i}-restarted"),
                &["provider", "--config", &cfg, "--member", &m],
                &dir,
            );
        }
    }
    let agg0_logged = |needle: &str| {
        wait_for_log(
            &dir.join("aggregator-0.log"),
            needle,
            1,
            Duration::from_secs(60),
        )
    };
    let mut peer_probes = Vec::new();
    if sc.mpc {
        agg0_logged("two-party endpoint listening");
        peer_probes = probe_peer_endpoint(&g, peers[0]);
    }
    if sc.kill_in_twopc {
        kill_and_restart(&mut kids, 1, "stalling before storing the verdicts");
    }
    let mut head_probe = Vec::new();
    if sc.forged_head {
        // Opened before round 0 does: aggregator 0 keeps the connection
        // and serves it first when its round-0 check runs (a round in MPC
        // mode is too short to aim at).
        head_probe = forged_head_probe(&g, peers[0]);
    }
    if let Some(k) = sc.stop_until_sets_closed {
        let log = dir.join("coordinator.log");
        wait_for_log(&log, "round opened", 1, Duration::from_secs(60));
        let name = format!("aggregator-{k}");
        let pid = kids.0.iter().find(|(n, _)| *n == name).unwrap().1.id();
        let signal = |s: &str| {
            assert!(Command::new("kill")
                .args([s, &pid.to_string()])
                .status()
                .unwrap()
                .success())
        };
        signal("-STOP");
        wait_for_log(
            &log,
            "accepted-set phase closed without every aggregator",
            1,
            Duration::from_secs(60),
        );
        signal("-CONT");
    }
    if let Some(k) = sc.kill_for_good {
        wait_for_log(
            &dir.join("coordinator.log"),
            "round opened",
            1,
            Duration::from_secs(60),
        );
        kids.kill(&format!("aggregator-{k}")); // not restarted
    }
    if sc.kill_coordinator_in_round_1 {
        let log = dir.join("coordinator.log");
        wait_for_log(&log, "round opened", 2, Duration::from_secs(60));
        let (_, mut child) = kids.0.remove(0);
        child.kill().unwrap(); // SIGKILL
        assert!(!child.wait().unwrap().success());
        kids.spawn(
            "coordinator-restarted",
            &[
                "coordinator",
                "--config",
                &cfg,
                "--member",
                &member(&g.coordinator),
            ],
            &dir,
        );
    }
    let statuses = kids.wait_all(Duration::from_secs(90));
    eprintln!("consortium {name} ran in {:?}", start.elapsed());
    // A provider told to crash exits with the crash code (so it reached
    // its point); every other process succeeds.
    let crashed = |n: &str| sc.crashes.iter().any(|(i, _)| n == format!("provider-{i}"));
    let as_expected = |n: &str, s: &ExitStatus| {
        if crashed(n) {
            s.code() == Some(zkagg_node::service::provider::CRASH_EXIT)
        } else {
            s.success()
        }
    };
    if statuses.iter().any(|(n, s)| !as_expected(n, s)) {
        dump_logs(&dir);
    }
    for (n, s) in &statuses {
        assert!(as_expected(n, s), "{n} exited with {s}");
    }
    if sc.kill_coordinator_in_round_1 {
        let log = std::fs::read_to_string(dir.join("coordinator-restarted.log")).unwrap();
        assert!(log.contains("resuming an open round"), "{log}");
    }
    let bytes = std::fs::read(g.config.operations.bulletin_file.as_ref().unwrap()).unwrap();
    let b = Bulletin::from_bytes(&bytes).unwrap();
    let closes: Vec<RoundClose> = b
        .messages()
        .filter_map(|(_, m)| match m {
            PublicMessage::RoundClose(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    let models = closes
        .iter()
        .filter_map(|c| c.new_model().map(<[i64]>::to_vec))
        .collect();
    let verdict = build_setup(&g.config.consortium)
        .unwrap()
        .visit(Audit(&bytes));
    if !sc.expect_aborts {
        if closes.iter().any(|c| c.new_model().is_none()) {
            dump_logs(&dir);
        }
        assert!(verdict.ok(), "audit: {:?}", verdict.first_failure());
        assert_eq!(verdict.rounds_released(), ROUNDS as usize);
        // The command line agrees, from the public files alone.
        let audit = Command::new(env!("CARGO_BIN_EXE_zkagg"))
            .args(["audit", "--config", &cfg, "--bulletin"])
            .arg(g.config.operations.bulletin_file.as_ref().unwrap())
            .output()
            .unwrap();
        assert_eq!(audit.status.code(), Some(0), "{:?}", audit);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let (outbox_set, outbox_sum) = rt.block_on(async {
        let store = Store::open(&g.config.operations.aggregator_dbs[0])
            .await
            .unwrap();
        let mut m = Vec::new();
        for kind in ["accepted-set", "partial-sum"] {
            m.push(
                store
                    .outbox_message(0, kind, PartyId::Coordinator)
                    .await
                    .unwrap(),
            );
        }
        store.close().await;
        let sum = m.pop().flatten();
        (m.pop().flatten(), sum)
    });
    let coordinator_log = ["coordinator", "coordinator-restarted"]
        .iter()
        .map(|n| std::fs::read_to_string(dir.join(format!("{n}.log"))).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let aggregator_0_log =
        std::fs::read_to_string(dir.join("aggregator-0.log")).unwrap_or_default();
    let kept = if sc.equivocate_last_close {
        Some((dir.clone(), g.clone()))
    } else {
        let _ = std::fs::remove_dir_all(&dir);
        None
    };
    Run {
        models,
        closes,
        verdict,
        bulletin: bytes,
        outbox_set,
        outbox_sum,
        coordinator_log,
        status_probes,
        aggregator_0_log,
        peer_probes,
        head_probe,
        kept,
    }
}

/// Opens a check with aggregator 0 as aggregator 1 (its certificate),
/// claiming at length 1 a head that is not the bulletin's; returns what
/// came back until the connection closed.
fn forged_head_probe(
    g: &zkagg_node::config::Generated,
    addr: SocketAddr,
) -> Vec<zkagg_node::frame::WireMessage> {
    use zkagg_node::frame::{Control, WireMessage};
    let client = member_client(g, &g.aggregators[1]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut conn = client
            .connect(addr, PartyId::Aggregator(AggregatorId(0)))
            .await
            .unwrap();
        let open = WireMessage::Control(Control::TwoPcOpen {
            round: 0,
            bulletin_len: 1,
            head: [9; 32],
            nonce: [1; 32],
            fixed_upto: None,
        });
        conn.send(&open).await.unwrap();
        let mut got = Vec::new();
        while let Ok(Some(m)) = conn.recv().await {
            got.push(m);
        }
        got
    })
}

/// A client presenting the identity of the member in `dir`.
fn member_client(g: &zkagg_node::config::Generated, dir: &Path) -> zkagg_node::transport::Client {
    let consortium = &g.config.consortium;
    let m = zkagg_node::config::Member::load(dir, consortium).unwrap();
    zkagg_node::transport::Client::new(
        consortium,
        m.ca.clone(),
        m.identity.clone(),
        zkagg_node::service::service_limits(),
        zkagg_node::frame::FrameCaps::for_config(consortium),
    )
}

/// Connects to aggregator 0's two-party endpoint as provider 0 and as the
/// coordinator: the endpoint admits aggregators only, so each connection
/// is refused before any application byte (the first read fails or sees
/// the connection closed).
fn probe_peer_endpoint(
    g: &zkagg_node::config::Generated,
    addr: SocketAddr,
) -> Vec<Result<Option<zkagg_node::frame::WireMessage>, String>> {
    use zkagg_node::frame::{Control, WireMessage};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    [&g.providers[0], &g.coordinator]
        .into_iter()
        .map(|dir| {
            let client = member_client(g, dir);
            rt.block_on(async {
                let mut conn = client
                    .connect(addr, PartyId::Aggregator(AggregatorId(0)))
                    .await
                    .map_err(|e| e.to_string())?;
                let open = WireMessage::Control(Control::TwoPcOpen {
                    round: 0,
                    bulletin_len: 0,
                    head: [0; 32],
                    nonce: [0; 32],
                    fixed_upto: None,
                });
                // The write may land before the server's refusal arrives.
                let _ = conn.send(&open).await;
                conn.recv().await.map_err(|e| e.to_string())
            })
        })
        .collect()
}

#[test]
fn two_rounds_as_processes_release_the_sim_models_and_pass_the_audit() {
    let run = run_consortium(
        "rounds",
        3,
        Scenario {
            probe_status: true,
            ..Default::default()
        },
    );
    assert_eq!(run.models, sim_models(3, &[]));
    // Every service answered every member who asked, as itself, in a round.
    for ((who, service), code, json) in &run.status_probes {
        if *service == "aggregator-7" {
            assert_eq!(*code, Some(5), "{who} asked {service}: {json}");
            continue;
        }
        assert_eq!(*code, Some(0), "{who} asked {service}");
        let want = match (*who, *service) {
            ("provider-0", "") | ("coordinator", "") => "coordinator".to_owned(),
            ("aggregator-0", "") => "aggregator 0".to_owned(),
            (_, s) => s.replace('-', " "),
        };
        assert_eq!(json["service"], want.as_str(), "{json}");
        assert!(json["bulletin_len"].as_u64().unwrap() >= 1, "{json}");
        assert_eq!(json["head"].as_str().unwrap().len(), 64, "{json}");
        assert!(json["uptime_ms"].as_u64().unwrap() > 0, "{json}");
        let phase = json["phase"].as_str().unwrap();
        assert!(
            ["Contributions", "PartialSums", "BetweenRounds", "Done"].contains(&phase),
            "{json}"
        );
    }
}

#[test]
fn a_provider_that_never_delivers_is_left_out_and_the_round_releases() {
    let run = run_consortium(
        "withhold",
        4,
        Scenario {
            withheld: &[3],
            ..Default::default()
        },
    );
    assert_eq!(run.models, sim_models(4, &[3]));
    let b = Bulletin::from_bytes(&run.bulletin).unwrap();
    for (_, m) in b.messages() {
        if let PublicMessage::RoundClose(c) = m {
            assert_eq!(
                c.accepted,
                vec![ProviderId(0), ProviderId(1), ProviderId(2)]
            );
        }
    }
}

#[test]
fn an_aggregator_killed_after_deciding_resumes_and_posts_its_stored_decision() {
    let run = run_consortium(
        "restart",
        3,
        Scenario {
            kill_aggregator_after_decide: true,
            ..Default::default()
        },
    );
    assert_eq!(run.models, sim_models(3, &[]));
    // The accepted set on the bulletin is, byte for byte, the one written
    // to the outbox before the kill.
    let b = Bulletin::from_bytes(&run.bulletin).unwrap();
    let posted = b
        .entries()
        .iter()
        .find(|e| {
            e.sender == PartyId::Aggregator(AggregatorId(0))
                && matches!(e.message(), Ok(PublicMessage::AcceptedSet(ref a)) if a.round == 0)
        })
        .expect("aggregator 0 posted its round-0 set");
    assert_eq!(Some(&posted.payload), run.outbox_set.as_ref());
}

/// Aggregator 0 never signed two different messages at one position: at
/// most one accepted set and one partial sum per round on the bulletin,
/// round 0's byte for byte its outbox copy, and no post of it refused
/// (but for a stale head: the same message, signed again at the new head).
fn assert_one_message_per_position(run: &Run) {
    let b = Bulletin::from_bytes(&run.bulletin).unwrap();
    let me = PartyId::Aggregator(AggregatorId(0));
    let mut seen = std::collections::BTreeMap::new();
    for e in b.entries().iter().filter(|e| e.sender == me) {
        let key = match e.message().unwrap() {
            PublicMessage::AcceptedSet(a) => (a.round, "accepted-set"),
            PublicMessage::PartialSum(p) => (p.round, "partial-sum"),
            m => panic!("aggregator 0 posted {m:?}"),
        };
        assert!(
            seen.insert(key, e.payload.clone()).is_none(),
            "{key:?} twice"
        );
    }
    assert_eq!(seen.get(&(0, "accepted-set")), run.outbox_set.as_ref());
    assert_eq!(seen.get(&(0, "partial-sum")), run.outbox_sum.as_ref());
    assert_eq!(seen.len(), 2 * ROUNDS as usize);
    let refused: Vec<&str> = run
        .coordinator_log
        .lines()
        .filter(|l| {
            l.contains("post refused") && l.contains("aggregator 0") && !l.contains("StaleHead")
        })
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

/// A run of 3 providers with aggregator 0 killed and restarted as `sc`
/// says: the simulation's models and audit rounds, and aggregator 0 never
/// signed two different messages at one position.
fn aggregator_kill_run(name: &str, sc: Scenario<'_>) {
    let run = run_consortium(name, 3, sc);
    let (models, verdict) = sim_run(Additive::new(2).unwrap(), ValidityMode::ZkProof, 3, &[]);
    assert_eq!(run.models, models);
    assert_eq!(audit_rounds(&run.verdict), audit_rounds(&verdict));
    assert_one_message_per_position(&run);
}

#[test]
fn an_aggregator_killed_while_receiving_shares_resumes_from_its_stored_shares() {
    // Every provider is in: the shares acknowledged before the kill (never
    // delivered again) came from the store, the rest were retried.
    aggregator_kill_run(
        "kill-receiving",
        Scenario {
            kill_aggregator_while_receiving: true,
            ..Default::default()
        },
    );
}

#[test]
fn an_aggregator_killed_after_posting_its_set_posts_its_partial_sum_after_restart() {
    aggregator_kill_run(
        "kill-after-set",
        Scenario {
            kill_aggregator_after_posting_set: true,
            ..Default::default()
        },
    );
}

#[test]
fn a_provider_crashed_mid_delivery_and_restarted_delivers_its_stored_bytes() {
    let run = run_consortium(
        "provider-restart",
        3,
        Scenario {
            crashes: &[(1, "mid-delivery")],
            restart_crashed: Restart::AtOnce,
            contributions_ms: Some(6_000),
            ..Default::default()
        },
    );
    // Provider 1 is in: its restart re-delivered the stored shares (the
    // one aggregator 0 had acknowledged is already stored there).
    assert_eq!(run.models, sim_models(3, &[]));
    assert!(
        run.aggregator_0_log.contains("delivery already stored"),
        "{}",
        run.aggregator_0_log
    );
    // One contribution of provider 1 per round: the same one was resumed.
    let b = Bulletin::from_bytes(&run.bulletin).unwrap();
    let mine = |t: u64| {
        b.messages()
            .filter(|(_, m)| {
                matches!(m, PublicMessage::Contribution(c) if c.round == t && c.provider == ProviderId(1))
            })
            .count()
    };
    assert_eq!((mine(0), mine(1)), (1, 1));
}

/// A seeded choice of `k` of `n` providers, each with a crash point (every
/// point taken by as many providers as `k` allows).
fn crash_plan(n: u32, k: usize, seed: u64) -> Vec<(u32, &'static str)> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let points = ["before-post", "after-post", "mid-delivery"];
    let mut at: Vec<&str> = points.iter().copied().cycle().take(k).collect();
    at.shuffle(&mut rng);
    let chosen = (0..n).collect::<Vec<_>>();
    let chosen = chosen.choose_multiple(&mut rng, k).copied();
    chosen.zip(at).collect()
}

/// The round-`t` accepted set of aggregator `s` on `b`.
fn accepted_set(b: &Bulletin, s: u32, t: u64) -> Vec<ProviderId> {
    b.entries()
        .iter()
        .filter(|e| e.sender == PartyId::Aggregator(AggregatorId(s)))
        .find_map(|e| match e.message() {
            Ok(PublicMessage::AcceptedSet(a)) if a.round == t => Some(a.accepted),
            _ => None,
        })
        .expect("the set is on the bulletin")
}

#[test]
fn thirty_percent_of_twenty_providers_crash_mid_round_and_the_rest_release() {
    let plan = crash_plan(20, 6, SEED);
    let run = run_consortium(
        "dropout",
        20,
        Scenario {
            crashes: &plan,
            contributions_ms: Some(6_000),
            ..Default::default()
        },
    );
    let gone: Vec<u32> = plan.iter().map(|(i, _)| *i).collect();
    let (models, verdict) = sim_run(Additive::new(2).unwrap(), ValidityMode::ZkProof, 20, &gone);
    assert_eq!(run.models, models);
    assert_eq!(audit_rounds(&run.verdict), audit_rounds(&verdict));
    // Each crash happened where it was told to.
    let b = Bulletin::from_bytes(&run.bulletin).unwrap();
    let posted: Vec<ProviderId> = b
        .messages()
        .filter_map(|(_, m)| match m {
            PublicMessage::Contribution(c) if c.round == 0 => Some(c.provider),
            _ => None,
        })
        .collect();
    let (set0, set1) = (accepted_set(&b, 0, 0), accepted_set(&b, 1, 0));
    for (i, point) in &plan {
        let i = ProviderId(*i);
        assert_eq!(
            posted.contains(&i),
            *point != "before-post",
            "{i:?} {point}"
        );
        // Only aggregator 0 got the share of a crash mid-delivery.
        assert_eq!(set0.contains(&i), *point == "mid-delivery", "{i:?} {point}");
        assert!(!set1.contains(&i), "{i:?} {point}");
    }
}

#[test]
fn too_many_crashed_providers_abort_the_round_below_the_minimum_batch_and_the_next_goes_on() {
    use zkagg::aggregation::msgs::{AbortReason, RoundOutcome};
    let crashes = [(1, "after-post"), (2, "mid-delivery")];
    let run = run_consortium(
        "dropout-abort",
        4,
        Scenario {
            crashes: &crashes,
            restart_crashed: Restart::AfterRound0,
            contributions_ms: Some(5_000),
            min_batch: Some(3),
            expect_aborts: true,
            ..Default::default()
        },
    );
    assert_eq!(run.closes.len(), ROUNDS as usize);
    assert_eq!(
        run.closes[0].outcome,
        RoundOutcome::Aborted(AbortReason::BelowMinimumBatch)
    );
    // Restarted, both crashed providers are back in round 1.
    assert_eq!(run.closes[1].accepted.len(), 4);
    let (outcomes, verdict) = sim_outcomes(
        Additive::new(2).unwrap(),
        ValidityMode::ZkProof,
        (4, 3),
        &|t| if t == 0 { vec![1, 2] } else { vec![] },
    );
    let got: Vec<Option<Vec<i64>>> = run
        .closes
        .iter()
        .map(|c| c.new_model().map(<[i64]>::to_vec))
        .collect();
    assert_eq!(got, outcomes);
    assert!(run.verdict.ok(), "{:?}", run.verdict.failures);
    assert_eq!(audit_rounds(&run.verdict), audit_rounds(&verdict));
}

#[test]
fn exit_codes_say_why() {
    let zkagg = env!("CARGO_BIN_EXE_zkagg");
    let code = |args: &[&str]| {
        Command::new(zkagg)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(code(&["no-such-command"]), Some(2));
    assert_eq!(code(&["coordinator", "--config", "x.toml"]), Some(2));
    let dir = temp_dir("codes");
    assert_eq!(
        code(&[
            "coordinator",
            "--config",
            dir.join("missing.toml").to_str().unwrap(),
            "--member",
            dir.to_str().unwrap(),
        ]),
        Some(3)
    );
    let addrs = free_addrs(3);
    let g = generate(
        &dir,
        &GenerateParams {
            name: "codes".into(),
            aggregators: 2,
            providers: 2,
            dim: D as u32,
            relation: RelationConfig::BoundedVector { bits: BITS },
            data: None,
            initial_model: None,
            sharing: zkagg::aggregation::config::SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator: addrs[0],
            aggregator_addrs: addrs[1..].to_vec(),
            deadlines: Deadlines {
                start_ms: 100,
                contributions_ms: 100,
                accepted_sets_ms: 100,
                partial_sums_ms: 100,
                linger_ms: 0,
            },
            rounds: 1,
            seed: SEED,
        },
    )
    .unwrap();
    // A provider's folder given to the coordinator subcommand.
    assert_eq!(
        code(&[
            "coordinator",
            "--config",
            g.config_file.to_str().unwrap(),
            "--member",
            g.providers[0].to_str().unwrap(),
        ]),
        Some(3)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_coordinator_killed_in_a_round_reloads_its_bulletin_and_finishes() {
    let run = run_consortium(
        "coordinator-restart",
        3,
        Scenario {
            kill_coordinator_in_round_1: true,
            ..Default::default()
        },
    );
    assert_eq!(run.models, sim_models(3, &[]));
}

#[test]
fn sigterm_stops_a_service_within_its_bound() {
    let dir = temp_dir("sigterm");
    let addrs = free_addrs(3);
    let g = generate(
        &dir,
        &GenerateParams {
            name: "sigterm".into(),
            aggregators: 2,
            providers: 2,
            dim: D as u32,
            relation: RelationConfig::BoundedVector { bits: BITS },
            data: None,
            initial_model: None,
            sharing: zkagg::aggregation::config::SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator: addrs[0],
            aggregator_addrs: addrs[1..].to_vec(),
            deadlines: Deadlines {
                // Nobody else comes: the coordinator waits here.
                start_ms: 60_000,
                contributions_ms: 1000,
                accepted_sets_ms: 1000,
                partial_sums_ms: 1000,
                linger_ms: 0,
            },
            rounds: 1,
            seed: SEED,
        },
    )
    .unwrap();
    let mut kids = Children(Vec::new());
    let cfg = g.config_file.to_str().unwrap().to_owned();
    let m = g.coordinator.to_str().unwrap().to_owned();
    kids.spawn(
        "coordinator",
        &["coordinator", "--config", &cfg, "--member", &m],
        &dir,
    );
    wait_for_log(
        &dir.join("coordinator.log"),
        "coordinator listening",
        1,
        Duration::from_secs(30),
    );
    let pid = kids.0[0].1.id().to_string();
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let statuses = kids.wait_all(Duration::from_secs(10));
    assert!(statuses[0].1.success(), "{:?}", statuses[0]);
    assert!(sent.elapsed() < Duration::from_secs(6));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn three_aggregators_with_shamir_release_the_sim_models() {
    let run = run_consortium(
        "shamir",
        4,
        Scenario {
            shamir_2_of_3: true,
            ..Default::default()
        },
    );
    assert_eq!(
        run.models,
        sim_models_with(Shamir::new(2, 3).unwrap(), 4, &[])
    );
}

#[test]
fn an_aggregator_stores_only_the_authenticated_providers_own_shares() {
    use zkagg_node::frame::{Control, WireMessage};
    let dir = temp_dir("deliveries");
    let addrs = free_addrs(3);
    let g = generate(
        &dir,
        &GenerateParams {
            name: "deliveries".into(),
            aggregators: 2,
            providers: 2,
            dim: D as u32,
            relation: RelationConfig::BoundedVector { bits: BITS },
            data: None,
            initial_model: None,
            sharing: SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator: addrs[0],
            aggregator_addrs: addrs[1..].to_vec(),
            deadlines: Deadlines {
                start_ms: 100,
                contributions_ms: 100,
                accepted_sets_ms: 100,
                partial_sums_ms: 100,
                linger_ms: 0,
            },
            rounds: 2,
            seed: SEED,
        },
    )
    .unwrap();
    let mut kids = Children(Vec::new());
    let cfg = g.config_file.to_str().unwrap().to_owned();
    let m = g.aggregators[0].to_str().unwrap().to_owned();
    // No coordinator: the delivery endpoint serves on its own.
    kids.spawn(
        "aggregator-0",
        &["aggregator", "--config", &cfg, "--member", &m],
        &dir,
    );
    wait_for_log(
        &dir.join("aggregator-0.log"),
        "aggregator listening",
        1,
        Duration::from_secs(30),
    );
    let client = member_client(&g, &g.providers[0]);
    let delivery = |provider: u32, round: u64, blind: u64| {
        WireMessage::Delivery(zkagg::aggregation::msgs::ShareDelivery {
            round,
            provider: ProviderId(provider),
            aggregator: AggregatorId(0),
            share: vec![7; 32],
            blind: zkagg::zk::Fr::from(blind),
        })
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answers = rt.block_on(async {
        let mut conn = client
            .connect(addrs[1], PartyId::Aggregator(AggregatorId(0)))
            .await
            .unwrap();
        let mut out = Vec::new();
        for msg in [
            delivery(1, 0, 1), // provider 0 delivering provider 1's share
            delivery(0, 2, 1), // a round past the last to run
            delivery(0, 0, 1),
            delivery(0, 0, 1), // the same again
            delivery(0, 0, 2), // a different one for the same round
        ] {
            conn.send(&msg).await.unwrap();
            out.push(conn.recv().await.unwrap());
        }
        out
    });
    use zkagg::aggregation::error::Fault;
    let c = |c| Some(WireMessage::Control(c));
    assert_eq!(
        answers,
        vec![
            c(Control::DeliveryRefused(Fault::SenderMismatch)),
            c(Control::DeliveryRefused(Fault::WrongRound)),
            c(Control::Stored),
            c(Control::AlreadyStored),
            c(Control::DeliveryRefused(Fault::TooManyDeliveries)),
        ]
    );
    drop(kids);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- R_train across processes ----

/// Providers and rows per provider of the R_train runs: few and small, as
/// R_train proofs are slow in the debug profile.
const RT_PROVIDERS: usize = 3;
const RT_ROWS: &str = "6";

fn zkagg_output(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `zkagg init` of an R_train consortium on Breast Cancer (as the README
/// shows it), then its operations moved to free ports and test deadlines:
/// the config id does not change, the file round-trips.
fn rtrain_init(dir: &Path) -> (PathBuf, zkagg_node::config::NodeConfig) {
    let file = dir.join("consortium.toml");
    let cfg = init_ok(
        dir,
        &[
            "--dataset",
            "breast-cancer",
            "--providers",
            "3",
            "--aggregators",
            "2",
            "--max-samples",
            RT_ROWS,
            "--rounds",
            "2",
        ],
    );
    let deadlines = common::procs::rtrain_deadlines();
    let back = common::procs::on_free_ports(&file, cfg, deadlines);
    (file, back)
}

/// The R_train shards of the config (the bundled rule) and, for each
/// provider, its raw rows as a CSV file's text.
fn rtrain_shards(
    cfg: &zkagg_node::config::NodeConfig,
) -> (Vec<zkagg::zk::model::Dataset>, Vec<String>) {
    (
        common::procs::bundled_shards(cfg),
        common::procs::bundled_shard_csvs(cfg),
    )
}

/// Seconds since midnight of each `message` line's timestamp in a JSON log.
fn log_times(path: &Path, message: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| l.contains(&format!("\"message\":\"{message}\"")))
        .filter_map(|l| {
            let ts = l.split("\"timestamp\":\"").nth(1)?;
            let time = ts.split('T').nth(1)?.trim_end_matches(|c| c != 'Z');
            let mut hms = time.trim_end_matches('Z').split(':');
            let h: f64 = hms.next()?.parse().ok()?;
            let m: f64 = hms.next()?.parse().ok()?;
            let s: f64 = hms.next()?.parse().ok()?;
            Some(h * 3600.0 + m * 60.0 + s)
        })
        .collect()
}

#[test]
fn rtrain_rounds_as_processes_release_the_sim_models_and_pass_the_audit() {
    run_rtrain("rtrain", false);
}

#[test]
fn a_provider_killed_and_restarted_keeps_its_registered_commitment() {
    run_rtrain("rtrain-restart", true);
}

/// An R_train consortium of separate processes; with `restart_provider_0`,
/// provider 0 is SIGKILLed once it has delivered its round-0 shares and
/// started again (it must find its registration and contribute in round 1).
fn run_rtrain(name: &str, restart_provider_0: bool) {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = temp_dir(name);
    let (file, cfg) = rtrain_init(&dir);
    let (shards, csv) = rtrain_shards(&cfg);
    let (sim_models, sim_times) = common::procs::rtrain_sim(&cfg, &shards);
    // Provider 2 trains on its own CSV file; 0 and 1 on the bundled set.
    let p2_csv = dir.join("provider-2.csv");
    std::fs::write(&p2_csv, &csv[2]).unwrap();
    let conf = file.to_str().unwrap().to_owned();
    let members = dir.join("members");
    let member = |name: &str| members.join(name).to_str().unwrap().to_owned();
    let mut kids = Children(Vec::new());
    let start = Instant::now();
    kids.spawn(
        "coordinator",
        &[
            "coordinator",
            "--config",
            &conf,
            "--member",
            &member("coordinator"),
        ],
        &dir,
    );
    for s in 0..2 {
        let m = member(&format!("aggregator-{s}"));
        kids.spawn(
            &format!("aggregator-{s}"),
            &["aggregator", "--config", &conf, "--member", &m],
            &dir,
        );
    }
    let csv_arg = p2_csv.to_str().unwrap().to_owned();
    for i in 0..RT_PROVIDERS {
        let m = member(&format!("provider-{i}"));
        let mut args = vec!["provider", "--config", &conf, "--member", &m];
        if i == 2 {
            args.extend(["--data", &csv_arg]);
        } else {
            args.extend(["--dataset", "breast-cancer"]);
        }
        kids.spawn(&format!("provider-{i}"), &args, &dir);
    }
    if restart_provider_0 {
        let log = dir.join("provider-0.log");
        wait_for_log(&log, "shares delivered", 1, Duration::from_secs(120));
        let k = kids.0.iter().position(|(n, _)| n == "provider-0").unwrap();
        let (_, mut child) = kids.0.remove(k);
        child.kill().unwrap(); // SIGKILL
        assert!(!child.wait().unwrap().success());
        let m = member("provider-0");
        // With other data it stops: its registered commitment is not theirs.
        let other = dir.join("provider-1-rows.csv");
        std::fs::write(&other, &csv[1]).unwrap();
        let other = other.to_str().unwrap().to_owned();
        kids.spawn(
            "provider-0-other-data",
            &[
                "provider", "--config", &conf, "--member", &m, "--data", &other,
            ],
            &dir,
        );
        let k = kids.0.len() - 1;
        let (_, mut wrong) = kids.0.remove(k);
        let end = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = wrong.try_wait().unwrap() {
                break s;
            }
            assert!(
                Instant::now() < end,
                "the provider with other data still runs"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let log = std::fs::read_to_string(dir.join("provider-0-other-data.log")).unwrap();
        assert_eq!(status.code(), Some(3), "{log}");
        assert!(log.contains("the data changed since registration"), "{log}");
        kids.spawn(
            "provider-0-restarted",
            &[
                "provider",
                "--config",
                &conf,
                "--member",
                &m,
                "--dataset",
                "breast-cancer",
            ],
            &dir,
        );
    }
    let statuses = kids.wait_all(Duration::from_secs(240));
    let wall = start.elapsed();
    if statuses.iter().any(|(_, s)| !s.success()) {
        dump_logs(&dir);
    }
    for (n, s) in &statuses {
        assert!(s.success(), "{n} exited with {s}");
    }
    let bytes = std::fs::read(cfg.operations.bulletin_file.as_ref().unwrap()).unwrap();
    let b = Bulletin::from_bytes(&bytes).unwrap();
    let mut models = Vec::new();
    let mut registrations = 0;
    for (_, m) in b.messages() {
        match m {
            PublicMessage::RoundClose(c) => {
                assert_eq!(c.accepted.len(), RT_PROVIDERS, "{c:?}");
                models.push(c.new_model().expect("released").to_vec());
            }
            PublicMessage::Registration(_) => registrations += 1,
            _ => {}
        }
    }
    assert_eq!(registrations, RT_PROVIDERS);
    assert_eq!(models, sim_models);
    // Training moved the model, every round.
    assert_ne!(models[0], cfg.consortium.initial_model);
    assert_ne!(models[1], models[0]);
    let verdict = build_setup(&cfg.consortium).unwrap().visit(Audit(&bytes));
    assert!(verdict.ok(), "audit: {:?}", verdict.first_failure());
    assert_eq!(verdict.rounds_released(), 2);
    // One R_train round, header to close, across processes (debug profile).
    let log = dir.join("coordinator.log");
    // Round 0 opened because every member was in, not at the start
    // deadline (providers register before the first entry exists).
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("start deadline passed"), "{text}");
    let (opened, closed) = (
        log_times(&log, "round opened"),
        log_times(&log, "round closed"),
    );
    let rounds: Vec<f64> = opened.iter().zip(&closed).map(|(o, c)| c - o).collect();
    eprintln!(
        "R_train, {RT_PROVIDERS} providers x {RT_ROWS} rows, 2 aggregators: round across processes {rounds:.2?} s, in-process sim {sim_times:.2?}; whole run {wall:.1?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts provider 0 of a fresh R_train consortium on `csv` and returns its
/// exit code and standard error.
fn provider_on_csv(name: &str, csv: &str) -> (Option<i32>, String) {
    let dir = temp_dir(name);
    let (file, _) = rtrain_init(&dir);
    let path = dir.join("data.csv");
    std::fs::write(&path, csv).unwrap();
    let out = zkagg_output(&[
        "provider",
        "--config",
        file.to_str().unwrap(),
        "--member",
        dir.join("members/provider-0").to_str().unwrap(),
        "--data",
        path.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh R_train config and provider 0's shard as CSV text.
fn first_shard_csv(name: &str) -> (zkagg_node::config::NodeConfig, String) {
    let dir = temp_dir(name);
    let (_, cfg) = rtrain_init(&dir);
    let (_, mut csv) = rtrain_shards(&cfg);
    let _ = std::fs::remove_dir_all(&dir);
    (cfg, csv.swap_remove(0))
}

#[test]
fn a_provider_with_a_bad_csv_row_stops_naming_the_line() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (_, csv) = first_shard_csv("rtrain-csv");
    // Line 3 (the second data row): its first cell is not a number.
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    let first = lines[0].split(',').next().unwrap().to_owned();
    let rest = lines[2].split_once(',').unwrap().1.to_owned();
    lines[2] = format!("12.5x,{rest}");
    let (code, err) = provider_on_csv("rtrain-bad-row", &(lines.join("\n") + "\n"));
    assert_eq!(code, Some(3), "{err}");
    let want = format!("line 3, column `{first}`: `12.5x` is not a finite number");
    assert!(err.contains(&want), "{err}");
}

#[test]
fn a_provider_csv_whose_header_does_not_match_the_schema_is_refused() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (cfg, csv) = first_shard_csv("rtrain-hdr");
    let label = &cfg.consortium.data.as_ref().unwrap().label.name;
    let bad = csv.replacen(label.as_str(), "outcome", 1);
    let (code, err) = provider_on_csv("rtrain-bad-header", &bad);
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains(&format!("column `{label}` is missing from the header")),
        "{err}"
    );
}

#[test]
fn init_writes_train_and_bounded_consortia_as_the_readme_shows() {
    use zkagg::aggregation::config::ModelKind;
    let dir = temp_dir("init-modes");
    let schema = dir.join("my_schema.csv");
    std::fs::write(&schema, zkagg::data::diabetes::SCHEMA_CSV).unwrap();
    let linear = dir.join("linear");
    let cfg = init_ok(
        &linear,
        &[
            "--schema",
            schema.to_str().unwrap(),
            "--model",
            "linear",
            "--label",
            "outcome",
        ],
    );
    let RelationConfig::Train { model, train } = &cfg.consortium.relation else {
        panic!("{:?}", cfg.consortium.relation)
    };
    assert_eq!(*model, ModelKind::Linear);
    assert_eq!(train.num_features, 10);
    let data = cfg.consortium.data.as_ref().unwrap();
    assert_eq!(data.label.name, "outcome");
    // The schema's target row scales the label: (y - 152.13) / (2 * 77.01).
    assert_eq!((data.label.offset, data.label.scale), (152.13, 2.0 * 77.01));
    assert_eq!(data.features[2].name, "BMI");

    let bounded = dir.join("bounded");
    let cfg = init_ok(&bounded, &["--dim", "6", "--bits", "16"]);
    assert_eq!(
        cfg.consortium.relation,
        RelationConfig::BoundedVector { bits: 16 }
    );
    assert_eq!(cfg.consortium.data, None);

    // Across machines: tests/readme_commands.rs runs the README's line.

    // A schema without --model, and --model without a schema, are usage errors.
    let code = |args: &[&str]| zkagg_output(args).status.code();
    let d = dir.join("x");
    let d = d.to_str().unwrap();
    assert_eq!(
        code(&["init", d, "--schema", schema.to_str().unwrap()]),
        Some(2)
    );
    assert_eq!(code(&["init", d, "--model", "logistic"]), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_mpc_writes_the_validity_mode_and_the_two_party_endpoints() {
    let dir = temp_dir("init-mpc");
    let sock = |a: &str| a.parse::<SocketAddr>().unwrap();
    // On loopback: the endpoints follow the aggregators' ports.
    let cfg = init_ok(&dir.join("loopback"), &["--mpc", "--base-port", "7500"]);
    assert_eq!(cfg.consortium.validity, ValidityMode::Mpc2pc);
    assert_eq!(
        cfg.operations.aggregators,
        [sock("127.0.0.1:7501"), sock("127.0.0.1:7502")]
    );
    assert_eq!(
        cfg.operations.aggregator_peers,
        [sock("127.0.0.1:7503"), sock("127.0.0.1:7504")]
    );
    let across = [
        "--coordinator-addr",
        "10.0.0.1:7400",
        "--aggregator-addr",
        "10.0.0.2:7401",
        "--aggregator-addr",
        "10.0.0.3:7402",
    ];
    // Across machines: on each aggregator's own IP, after the ports...
    let mut flags = vec!["--mpc"];
    flags.extend(across);
    let cfg = init_ok(&dir.join("across"), &flags);
    assert_eq!(
        cfg.operations.aggregator_peers,
        [sock("10.0.0.2:7403"), sock("10.0.0.3:7404")]
    );
    // ...or where the operator says.
    flags.extend([
        "--aggregator-peer-addr",
        "10.0.0.2:9000",
        "--aggregator-peer-addr",
        "10.0.0.3:9001",
    ]);
    let cfg = init_ok(&dir.join("given"), &flags);
    assert_eq!(cfg.consortium.validity, ValidityMode::Mpc2pc);
    assert_eq!(
        cfg.operations.aggregator_peers,
        [sock("10.0.0.2:9000"), sock("10.0.0.3:9001")]
    );
    // Without --mpc: the proofs, and no endpoints.
    let cfg = init_ok(&dir.join("zk"), &across);
    assert_eq!(cfg.consortium.validity, ValidityMode::ZkProof);
    assert!(cfg.operations.aggregator_peers.is_empty());
    // What does not fit is a usage error that says what to fix, and
    // writes nothing.
    let bad = dir.join("bad");
    let b = bad.to_str().unwrap();
    for (flags, says) in [
        (
            &["--mpc", "--aggregators", "3"][..],
            "use --aggregators 2 (not 3)",
        ),
        (&["--mpc", "--threshold", "1"][..], "drop --threshold"),
        (
            &["--mpc", "--aggregator-peer-addr", "127.0.0.1:9000"][..],
            "1 --aggregator-peer-addr given for 2 aggregators",
        ),
        (&["--aggregator-peer-addr", "127.0.0.1:9000"][..], "--mpc"),
        (&["--mpc", "--base-port", "65532"][..], "past 65535"),
    ] {
        let mut args = vec!["init", b];
        args.extend_from_slice(flags);
        let out = zkagg_output(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(!bad.join("consortium.toml").exists(), "{flags:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// An MPC-mode run of `sc` (with `mpc` set): its released models and
/// audit equal the simulation's.
fn mpc_run(name: &str, sc: Scenario<'_>) -> Run {
    let run = run_consortium(name, 3, Scenario { mpc: true, ..sc });
    let (models, sim_verdict) = sim_run(Additive::new(2).unwrap(), ValidityMode::Mpc2pc, 3, &[]);
    assert_eq!(run.models, models);
    // Entry numbers may differ (who posts first is up to the network).
    assert_eq!(audit_rounds(&run.verdict), audit_rounds(&sim_verdict));
    assert_eq!(run.verdict.validity, sim_verdict.validity);
    assert_eq!(run.verdict.failures, sim_verdict.failures);
    run
}

#[test]
fn mpc_mode_across_processes_releases_the_sim_models_and_audit() {
    // Set up as an operator would: `zkagg init --mpc`.
    let run = mpc_run(
        "mpc",
        Scenario {
            via_init: true,
            ..Default::default()
        },
    );
    // The two-party endpoint refused a provider's and the coordinator's
    // certificates: nothing was answered.
    assert_eq!(run.peer_probes.len(), 2);
    for p in &run.peer_probes {
        assert!(!matches!(p, Ok(Some(_))), "{p:?}");
    }
    assert!(run.aggregator_0_log.contains("RoleNotAllowed"));
    assert!(run.aggregator_0_log.contains("two-party verdicts stored"));
}

#[test]
fn mpc_mode_refuses_bad_two_party_messages_by_name_and_the_round_still_completes() {
    let run = mpc_run(
        "mpc-bad",
        Scenario {
            bad_twopc: true,
            ..Default::default()
        },
    );
    let refused: Vec<&str> = run
        .aggregator_0_log
        .lines()
        .filter(|l| l.contains("two-party message refused"))
        .collect();
    for fault in ["WrongRound", "SenderMismatch", "TwoPc", "WrongSession"] {
        assert!(
            refused.iter().any(|l| l.contains(&format!("{fault}\""))),
            "no refusal {fault} in {refused:?}"
        );
    }
}

/// The aggregators the audit notes as absent from a released round.
fn absent_notes(run: &Run) -> Vec<PartyId> {
    run.verdict
        .notes
        .iter()
        .filter(|n| n.fault == zkagg::aggregation::error::Fault::AbsentFromRound)
        .map(|n| n.party)
        .collect()
}

/// The run released the models of the Shamir 2-of-3 simulation (4 providers).
fn assert_shamir_models(run: &Run) {
    assert_eq!(
        run.models,
        sim_models_with(Shamir::new(2, 3).unwrap(), 4, &[])
    );
}

#[test]
fn shamir_2_of_3_completes_every_round_with_an_aggregator_killed_for_good() {
    let run = run_consortium(
        "lost-shamir",
        4,
        Scenario {
            shamir_2_of_3: true,
            kill_for_good: Some(2),
            expect_aborts: true,
            ..Default::default()
        },
    );
    assert!(run.verdict.ok(), "{:?}", run.verdict.failures);
    assert_shamir_models(&run);
    // Aggregator 2 is a note in each round, not a failure.
    let absent = absent_notes(&run);
    assert_eq!(
        absent,
        vec![PartyId::Aggregator(AggregatorId(2)); ROUNDS as usize]
    );
}

#[test]
fn additive_sharing_aborts_every_round_with_an_aggregator_killed_for_good() {
    use zkagg::aggregation::auditor::AuditFault;
    use zkagg::aggregation::msgs::{AbortReason, RoundOutcome};
    let run = run_consortium(
        "lost-additive",
        3,
        Scenario {
            additive_3: true,
            kill_for_good: Some(2),
            expect_aborts: true,
            ..Default::default()
        },
    );
    assert_eq!(run.closes.len(), ROUNDS as usize);
    for c in &run.closes {
        assert_eq!(
            c.outcome,
            RoundOutcome::Aborted(AbortReason::AcceptedSetWithheld(AggregatorId(2)))
        );
    }
    let blamed: Vec<_> = run
        .verdict
        .failures
        .iter()
        .map(|f| (f.fault, f.blame))
        .collect();
    assert_eq!(
        blamed,
        vec![
            (
                AuditFault::AcceptedSetWithheld,
                PartyId::Aggregator(AggregatorId(2))
            );
            ROUNDS as usize
        ]
    );
}

#[test]
fn an_mpc_aggregator_killed_mid_check_reruns_it_fresh_and_the_round_completes() {
    let run = mpc_run(
        "mpc-kill",
        Scenario {
            kill_in_twopc: true,
            ..Default::default()
        },
    );
    // Aggregator 0 had stored its verdicts and served the restarted
    // aggregator's fresh re-run over the stored prefix, with equal verdicts.
    assert!(
        run.aggregator_0_log
            .contains("served a re-run of the two-party check"),
        "{}",
        run.aggregator_0_log
    );
}

#[test]
fn a_slow_aggregator_left_out_by_the_closed_set_phase_goes_on_to_the_next_round() {
    let run = run_consortium(
        "slow-shamir",
        4,
        Scenario {
            shamir_2_of_3: true,
            stop_until_sets_closed: Some(2),
            ..Default::default()
        },
    );
    assert_shamir_models(&run);
    // Absent from round 0 only (a note); every process exited cleanly.
    let absent = absent_notes(&run);
    assert_eq!(absent, vec![PartyId::Aggregator(AggregatorId(2))]);
}

#[test]
fn a_peer_head_that_contradicts_the_bulletin_is_refused_as_a_fork_and_the_round_completes() {
    use zkagg::aggregation::error::Fault;
    use zkagg_node::frame::{Control, WireMessage};
    let run = mpc_run(
        "mpc-fork",
        Scenario {
            forged_head: true,
            ..Default::default()
        },
    );
    assert!(
        matches!(
            run.head_probe.as_slice(),
            [
                WireMessage::Control(Control::TwoPcOpen { round: 0, .. }),
                WireMessage::Control(Control::ValidityRefused(Fault::BrokenChain))
            ]
        ),
        "{:?}",
        run.head_probe
    );
    assert!(run.aggregator_0_log.contains("the coordinator forked it"));
}

/// The evidence aggregator `s` stored (by sequence number).
fn stored_evidence(g: &zkagg_node::config::Generated, s: usize) -> Vec<(u64, Vec<u8>)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = Store::open(&g.config.operations.aggregator_dbs[s])
            .await
            .unwrap();
        let e = store.evidence().await.unwrap();
        store.close().await;
        e
    })
}

#[test]
fn a_coordinator_that_shows_an_aggregator_another_close_is_caught_and_blamed_by_the_auditor() {
    use zkagg::aggregation::equivocation::Equivocation;
    use zkagg::aggregation::msgs::{AbortReason, RoundOutcome};
    use zkagg_node::service::heads::evidence_file;
    let run = run_consortium(
        "equivocation",
        3,
        Scenario {
            equivocate_last_close: true,
            ..Default::default()
        },
    );
    // The coordinator's own bulletin is the honest branch: it passes.
    assert_eq!(run.models, sim_models(3, &[]));
    assert!(run.verdict.ok());
    let (dir, g) = run.kept.unwrap();
    let cfg = &g.config.consortium;
    let close_seq = Bulletin::from_bytes(&run.bulletin).unwrap().len() - 1;
    // Each aggregator saw the fork, named it, and holds the evidence: two
    // coordinator-signed closes at the last sequence number.
    for s in 0..2 {
        let log = std::fs::read_to_string(dir.join(format!("aggregator-{s}.log"))).unwrap();
        assert!(
            log.contains("the coordinator forked the bulletin"),
            "aggregator {s}: {log}"
        );
        assert!(
            log.contains("coordinator equivocation: evidence stored"),
            "aggregator {s}: {log}"
        );
        let stored = stored_evidence(&g, s);
        assert_eq!(stored.len(), 1, "aggregator {s}");
        let (seq, bytes) = &stored[0];
        assert_eq!(*seq, close_seq);
        let e = Equivocation::from_bytes(bytes).unwrap();
        assert_eq!(e.check(cfg), Ok(close_seq));
        let forged_close = [&e.first, &e.second].into_iter().any(|x| {
            matches!(
                x.message(),
                Ok(PublicMessage::RoundClose(RoundClose {
                    outcome: RoundOutcome::Aborted(AbortReason::BelowMinimumBatch),
                    ..
                }))
            )
        });
        assert!(forged_close, "aggregator {s}");
        let file = evidence_file(&g.config.operations.aggregator_dbs[s], *seq);
        assert_eq!(&std::fs::read(&file).unwrap(), bytes);
    }
    // The auditor accepts the evidence and blames the coordinator.
    let bulletin = g.config.operations.bulletin_file.clone().unwrap();
    let file = evidence_file(&g.config.operations.aggregator_dbs[1], close_seq);
    let audit = |evidence: &Path| {
        Command::new(env!("CARGO_BIN_EXE_zkagg"))
            .args(["audit", "--json", "--config"])
            .arg(&g.config_file)
            .arg("--bulletin")
            .arg(&bulletin)
            .arg("--evidence")
            .arg(evidence)
            .output()
            .unwrap()
    };
    let out = audit(&file);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failures = doc["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{doc}");
    assert_eq!(failures[0]["fault"]["kind"], "coordinator-equivocated");
    assert_eq!(failures[0]["blame"]["role"], "coordinator");
    assert_eq!(failures[0]["entry"], close_seq);
    // Forged evidence is refused and blames no one: the same entry twice,
    // a provider's entry, two positions, bytes that do not decode.
    let e = Equivocation::from_bytes(&std::fs::read(&file).unwrap()).unwrap();
    let honest = Bulletin::from_bytes(&run.bulletin).unwrap();
    let provider_entry = honest
        .entries()
        .iter()
        .find(|x| matches!(x.sender, PartyId::Provider(_)))
        .unwrap()
        .clone();
    let header = honest
        .entries()
        .iter()
        .find(|x| x.sender == PartyId::Coordinator)
        .unwrap()
        .clone();
    let forgeries = [
        (e.first.clone(), e.first.clone(), "identical"),
        (e.first.clone(), provider_entry, "not the coordinator"),
        (header, e.second.clone(), "different sequence numbers"),
    ];
    for (k, (first, second, why)) in forgeries.into_iter().enumerate() {
        let path = dir.join(format!("forged-{k}"));
        std::fs::write(&path, Equivocation { first, second }.to_bytes().unwrap()).unwrap();
        let out = audit(&path);
        assert_eq!(out.status.code(), Some(9), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("evidence refused") && err.contains(why),
            "{err}"
        );
    }
    let path = dir.join("forged-bytes");
    std::fs::write(&path, b"not evidence").unwrap();
    assert_eq!(audit(&path).status.code(), Some(9));
    let _ = std::fs::remove_dir_all(&dir);
}
