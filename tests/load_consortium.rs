//! Measurements of the networked consortium (every test `#[ignore]`d; the
//! commands are in the README, section "Measure the consortium"):
//!
//! - [`hundred_providers_rtrain_breast_cancer`]: 100 providers and 3
//!   aggregators on loopback, R_train on Breast Cancer with the train
//!   config `zkagg init --dataset breast-cancer` writes (d = 31), 10
//!   rounds, then the same rounds through the in-process driver
//!   (`aggregation::sim`) on the same shards in the same run. The
//!   coordinator and the aggregators are `zkagg` processes; the 100
//!   providers are tasks of this test process (the load generator), each
//!   with its own member folder, certificate and connections, sharing one
//!   built setup. Two more rounds follow the ten: in the first an
//!   aggregator, in the second the coordinator is SIGKILLed once the round
//!   has its first contribution and started again at once
//!   (restart-to-resume).
//! - [`soak_fifty_rounds_small_d`]: 50 rounds of the bounded-vector
//!   relation (d = 8) with every member a process, sampling each service's
//!   VmRSS and VmHWM and each database file at every round close beside
//!   the bulletin's size; an aggregator and the coordinator are killed and
//!   restarted on the way.
//!
//! Phases of a round, on this process's clock as an observer of the
//! bulletin (`zkagg::demo::watch`): **collect** from the header to the last
//! contribution; **verify** the slowest aggregator's check of the round
//! (loading its stored shares and checking every contribution, the
//! `verify_ms` of its "decided" log line); **decide** the rest up to the
//! last accepted set (the wait for the last share, the outbox write, the
//! post); **close** from there to the round close (partial sums and the
//! coordinator's close).

mod common;

use common::procs::{bundled_shards, loopback_ports, released, rtrain_sim, Group};
use common::temp_dir;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zkagg::aggregation::bulletin::Bulletin;
use zkagg::aggregation::setup::{Setup, SharingScheme};
use zkagg::aggregation::{PartyId, ProviderId};
use zkagg::demo::watch::{Event, Tracker};
use zkagg_node::config::{build_setup, Deadlines, Member, NodeConfig, SetupVisitor};
use zkagg_node::input::{DataSource, NodeRelation};
use zkagg_node::service::provider::ProviderFaults;
use zkagg_node::service::{service_limits, spawn_follower, Context, View};
use zkagg_node::transport::Client;

/// Runs `zkagg init DIR ARGS`, which must succeed, and loads the file.
fn init(dir: &Path, args: &[&str]) -> (PathBuf, NodeConfig) {
    let mut all = vec!["init", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = common::zkagg(&all);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let file = dir.join("consortium.toml");
    let cfg = NodeConfig::load(&file).unwrap();
    (file, cfg)
}

/// Moves the services to free loopback ports and sets the deadlines and
/// rounds (none of which changes the config id), writes the file back.
fn operate(file: &Path, cfg: &mut NodeConfig, deadlines: Deadlines, rounds: u64) {
    let id = cfg.consortium.id();
    let addrs = loopback_ports(1 + cfg.consortium.num_aggregators());
    cfg.operations.coordinator = addrs[0];
    cfg.operations.aggregators = addrs[1..].to_vec();
    cfg.operations.deadlines = deadlines;
    cfg.operations.rounds = rounds;
    std::fs::write(file, cfg.to_toml()).unwrap();
    *cfg = NodeConfig::load(file).unwrap();
    assert_eq!(cfg.consortium.id(), id);
}

/// A kill and restart: in round `round`, once its first contribution is on
/// the bulletin, `name` is SIGKILLed and started again with the same
/// arguments.
#[derive(Clone, Debug)]
struct Kill {
    round: u64,
    name: String,
}

/// How long the run took to go on after a restart.
#[derive(Clone, Debug)]
struct Resumed {
    name: String,
    round: u64,
    /// From the restart to the next entry on the bulletin that needed the
    /// restarted service: the aggregator's own next entry, or any entry
    /// after a coordinator restart.
    resume: Duration,
    /// From the restart to the round's close.
    to_close: Duration,
}

/// A restart waiting for the run to go on.
struct Pending {
    kill: Kill,
    /// The restarted process's log name.
    log: String,
    at: Instant,
    resumed: Option<Duration>,
}

/// How many entries a restarted coordinator reloaded (its JSON log).
fn reloaded(log: &str) -> Option<u64> {
    log.lines().find_map(|line| {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        let f = &v["fields"];
        (f["message"] == "bulletin reloaded and re-checked")
            .then(|| f["entries"].as_u64())
            .flatten()
    })
}

/// One memory and disk sample at a round close.
#[derive(Clone, Debug)]
struct Sample {
    round: u64,
    bulletin_bytes: u64,
    /// (name, VmRSS KiB, VmHWM KiB) of every service process.
    memory: Vec<(String, u64, u64)>,
    /// (file, bytes) of every database file (main file and WAL).
    disk: Vec<(String, u64)>,
}

/// What a run saw.
struct Seen {
    tracker: Tracker,
    /// Close time of each round on the observer's clock.
    closes: Vec<Duration>,
    bulletin: Bulletin,
    resumed: Vec<Resumed>,
    samples: Vec<Sample>,
    /// The load generator's counters after the providers stopped.
    providers: Option<zkagg_node::metrics::Snapshot>,
}

/// A run: the consortium file, which members are processes, what to kill.
struct Plan<'a> {
    file: &'a Path,
    cfg: &'a NodeConfig,
    /// Providers as tasks of this process (else as `zkagg` processes).
    in_process_providers: bool,
    dataset: Option<&'static str>,
    kills: Vec<Kill>,
    sample: bool,
}

impl Plan<'_> {
    fn member(&self, name: &str) -> PathBuf {
        self.file.parent().unwrap().join("members").join(name)
    }

    fn args(&self, name: &str) -> Vec<String> {
        let role = name.split('-').next().unwrap();
        let metrics = self.logs().join(format!("{name}.metrics.json"));
        let mut a: Vec<String> = vec![
            role.into(),
            "--config".into(),
            self.file.to_str().unwrap().into(),
            "--member".into(),
            self.member(name).to_str().unwrap().into(),
            "--metrics".into(),
            metrics.to_str().unwrap().into(),
        ];
        if let (Some(d), "provider") = (self.dataset, role) {
            a.extend(["--dataset".into(), d.into()]);
        }
        a
    }

    fn logs(&self) -> PathBuf {
        self.file.parent().unwrap().join("logs")
    }

    fn start(&self, group: &mut Group, name: &str, log_name: &str) {
        let args = self.args(name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        group.start(log_name, &args);
    }
}

struct Observe<'a> {
    plan: &'a Plan<'a>,
    group: &'a mut Group,
}

impl SetupVisitor for Observe<'_> {
    type Output = Seen;

    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Seen
    where
        Rel: NodeRelation,
        S: SharingScheme + Send + Sync + 'static,
    {
        // The observer on a runtime of its own, so that providers busy
        // proving (on the async threads, as in a provider process) never
        // delay the times it stamps on the entries.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // Provers run on the blocking pool (the provider service proves
        // off the async threads); two at a time on two cores.
        let providers = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let handle = providers.handle().clone();
        rt.block_on(observe(self.plan, self.group, Arc::new(setup), handle))
    }
}

/// VmRSS and VmHWM (KiB) of process `pid`.
fn memory_of(pid: &str) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let l = status.lines().find(|l| l.starts_with(name))?;
        l.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn sample(plan: &Plan<'_>, group: &Group, round: u64, bulletin_bytes: u64) -> Sample {
    let mut memory: Vec<(String, u64, u64)> = group
        .pids()
        .into_iter()
        .filter_map(|(n, pid)| {
            let (rss, hwm) = memory_of(&pid.to_string())?;
            Some((n, rss, hwm))
        })
        .collect();
    if plan.in_process_providers {
        if let Some((rss, hwm)) = memory_of("self") {
            memory.push(("load generator".into(), rss, hwm));
        }
    }
    let ops = &plan.cfg.operations;
    let mut disk = Vec::new();
    for db in std::iter::once(&ops.coordinator_db).chain(&ops.aggregator_dbs) {
        for suffix in ["", "-wal"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            let len = std::fs::metadata(&p).map_or(0, |m| m.len());
            disk.push((p.file_name().unwrap().to_string_lossy().into_owned(), len));
        }
    }
    Sample {
        round,
        bulletin_bytes,
        memory,
        disk,
    }
}

async fn observe<Rel, S>(
    plan: &Plan<'_>,
    group: &mut Group,
    setup: Arc<Setup<Rel, S>>,
    providers_rt: tokio::runtime::Handle,
) -> Seen
where
    Rel: NodeRelation,
    S: SharingScheme + Send + Sync + 'static,
{
    let cfg = plan.cfg;
    let ops = &cfg.operations;
    let (nagg, nprov) = (
        cfg.consortium.num_aggregators(),
        cfg.consortium.num_providers(),
    );
    std::fs::create_dir_all(plan.logs()).unwrap();
    plan.start(group, "coordinator", "coordinator");
    // The observer follows as provider 0 (one connection of its cap).
    let member = Member::load(&plan.member("provider-0"), &cfg.consortium).unwrap();
    let client = Client::new(
        &cfg.consortium,
        member.ca.clone(),
        member.identity.clone(),
        service_limits(),
        zkagg_node::frame::FrameCaps::for_config(&cfg.consortium),
    );
    let up = Instant::now() + Duration::from_secs(60);
    loop {
        match client.connect(ops.coordinator, PartyId::Coordinator).await {
            Ok(c) => {
                c.close().await;
                break;
            }
            Err(e) => {
                assert!(Instant::now() < up, "the coordinator did not come up: {e}");
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
        }
    }
    let mut rx = spawn_follower(client, ops.coordinator);
    for s in 0..nagg {
        let n = format!("aggregator-{s}");
        plan.start(group, &n, &n);
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::new();
    if plan.in_process_providers {
        let config = Arc::new(cfg.clone());
        for i in 0..nprov {
            let member_dir = plan.member(&format!("provider-{i}"));
            let member = Member::load(&member_dir, &cfg.consortium).unwrap();
            let data = plan
                .dataset
                .map(|_| DataSource::Bundled(zkagg::data::Bundled::BreastCancer));
            let input = setup
                .relation()
                .provider_input(
                    &config,
                    ProviderId(i as u32),
                    &member.signing,
                    data.as_ref(),
                )
                .unwrap();
            let ctx = Context {
                config: config.clone(),
                member,
                member_dir,
                limits: service_limits(),
                shutdown: stop_rx.clone(),
            };
            let setup = setup.clone();
            tasks.push(providers_rt.spawn(async move {
                zkagg_node::service::provider::run(ctx, setup, input, ProviderFaults::default())
                    .await
            }));
        }
    } else {
        for i in 0..nprov {
            let n = format!("provider-{i}");
            plan.start(group, &n, &n);
        }
    }
    let mut view = View::new(&setup).unwrap();
    let mut tracker = Tracker::new();
    let t0 = Instant::now();
    let mut closes = Vec::new();
    let mut resumed = Vec::new();
    let mut samples = Vec::new();
    let mut bulletin_bytes = 0u64;
    let mut pending: Option<Pending> = None;
    let mut restarts = 0;
    let bound = Duration::from_secs(60 + 600 * ops.rounds);
    let deadline = tokio::time::Instant::now() + bound;
    while (closes.len() as u64) < ops.rounds {
        let e = match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => panic!("the coordinator became unreachable\n{}", group.tails(20)),
            Err(_) => panic!(
                "{} rounds closed after {bound:?}\n{}",
                closes.len(),
                group.tails(20)
            ),
        };
        let len = zkagg::zk::encoding::to_bytes(&e).map_or(0, |b| b.len());
        bulletin_bytes += len as u64;
        let (sender, seq) = (e.sender, e.seq);
        view.apply(e).unwrap();
        if let Some(p) = pending.as_mut().filter(|p| p.resumed.is_none()) {
            let goes_on = match sender {
                PartyId::Aggregator(s) if p.kill.name == format!("aggregator-{}", s.0) => true,
                // Past what the restarted coordinator reloaded (entries the
                // follower had before the kill come first).
                _ if p.kill.name == "coordinator" => {
                    reloaded(&group.log(&p.log)).is_some_and(|n| seq >= n)
                }
                _ => false,
            };
            if goes_on {
                p.resumed = Some(p.at.elapsed());
            }
        }
        let Some(msg) = view.bulletin.message(seq) else {
            continue;
        };
        let Some(ev) = tracker.observe(t0.elapsed(), sender, len, msg) else {
            continue;
        };
        match ev {
            Event::Contribution {
                round, count: 1, ..
            } => {
                if let Some(k) = plan.kills.iter().find(|k| k.round == round) {
                    group.kill(&k.name);
                    restarts += 1;
                    let log_name = format!("{}-restarted-{restarts}", k.name);
                    let at = Instant::now();
                    plan.start(group, &k.name, &log_name);
                    pending = Some(Pending {
                        kill: k.clone(),
                        log: log_name,
                        at,
                        resumed: None,
                    });
                }
            }
            Event::Closed { round, .. } => {
                closes.push(t0.elapsed());
                if let Some(p) = pending.take() {
                    resumed.push(Resumed {
                        name: p.kill.name,
                        round,
                        resume: p.resumed.unwrap_or_else(|| p.at.elapsed()),
                        to_close: p.at.elapsed(),
                    });
                }
                if plan.sample {
                    samples.push(sample(plan, group, round, bulletin_bytes));
                }
            }
            _ => {}
        }
    }
    let mut providers = None;
    if plan.in_process_providers {
        for t in tasks {
            let r = tokio::time::timeout(Duration::from_secs(120), t).await;
            assert!(matches!(r, Ok(Ok(Ok(())))), "a provider task failed: {r:?}");
        }
        providers = Some(zkagg_node::metrics::snapshot());
    }
    let _ = stop_tx.send(true);
    Seen {
        tracker,
        closes,
        bulletin: view.bulletin,
        resumed,
        samples,
        providers,
    }
}

/// What a service process reported at exit (`--metrics`).
#[derive(Debug, Default, serde::Deserialize)]
struct Metrics {
    wire_sent: u64,
    wire_received: u64,
    payload_sent: u64,
    payload_received: u64,
    cpu_ms: Option<u64>,
    max_rss_kib: Option<u64>,
}

fn metrics_of(plan: &Plan<'_>, name: &str) -> Metrics {
    let path = plan.logs().join(format!("{name}.metrics.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The `verify_ms` of each "decided" line of a service's JSON log, by round.
fn verify_ms(log: &str) -> BTreeMap<u64, u64> {
    let mut out = BTreeMap::new();
    for line in log.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let f = &v["fields"];
        if f["message"] == "decided" {
            if let (Some(r), Some(ms)) = (f["round"].as_u64(), f["verify_ms"].as_u64()) {
                out.insert(r, ms);
            }
        }
    }
    out
}

/// The nearest-rank percentile `p` (0 to 100) of `xs`.
fn percentile(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize;
    v[rank.min(v.len()) - 1]
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

#[test]
#[ignore = "measurement: 100 R_train providers, minutes in release; see the README"]
fn hundred_providers_rtrain_breast_cancer() {
    let providers: usize = std::env::var("ZKAGG_LOAD_PROVIDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let rounds: u64 = std::env::var("ZKAGG_LOAD_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let dir = temp_dir("load");
    let (file, mut cfg) = init(
        &dir,
        &[
            "--dataset",
            "breast-cancer",
            "--providers",
            &providers.to_string(),
            "--aggregators",
            "3",
        ],
    );
    assert_eq!(cfg.consortium.dim, 31);
    // Generous deadlines: with every provider present an aggregator decides
    // as soon as every share is in and the coordinator closes as soon as
    // every message is; no deadline is on the path of a round.
    let deadlines = Deadlines {
        start_ms: 120_000,
        contributions_ms: 600_000,
        accepted_sets_ms: 120_000,
        partial_sums_ms: 120_000,
        linger_ms: 2_000,
    };
    // The measured rounds, then one with an aggregator and one with the
    // coordinator killed and restarted.
    operate(&file, &mut cfg, deadlines, rounds + 2);
    let plan = Plan {
        file: &file,
        cfg: &cfg,
        in_process_providers: true,
        dataset: Some("breast-cancer"),
        kills: vec![
            Kill {
                round: rounds,
                name: "aggregator-2".into(),
            },
            Kill {
                round: rounds + 1,
                name: "coordinator".into(),
            },
        ],
        sample: true,
    };
    let mut group = Group::new(&plan.logs()).with_filter("info");
    let wall = Instant::now();
    let seen = build_setup(&cfg.consortium).unwrap().visit(Observe {
        plan: &plan,
        group: &mut group,
    });
    group.finish_ok(Duration::from_secs(120));
    let net_wall = wall.elapsed();
    // The same rounds through the in-process driver, in this run.
    let mut sim_cfg = cfg.clone();
    // ZKAGG_LOAD_SIM_ROUNDS runs fewer driver rounds (its per-round time
    // is what the ratio compares; the models are compared for as many).
    sim_cfg.operations.rounds = std::env::var("ZKAGG_LOAD_SIM_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(rounds)
        .min(rounds);
    let shards = bundled_shards(&cfg);
    let (sim_models, sim_times) = rtrain_sim(&sim_cfg, &shards);
    // The figures first: a failed check below still leaves them.
    report(&plan, &seen, &sim_times, rounds, providers, net_wall);
    let models: Vec<Option<Vec<i64>>> = released(&seen.bulletin);
    let sim_models: Vec<Option<Vec<i64>>> = sim_models.into_iter().map(Some).collect();
    assert_eq!(&models[..sim_models.len()], &sim_models[..]);
    assert!(models.iter().all(Option::is_some), "every round releases");
    let audit = common::procs::audit(&cfg.consortium, &seen.bulletin.to_bytes());
    assert_eq!(audit, Ok(rounds as usize + 2));
}

fn report(
    plan: &Plan<'_>,
    seen: &Seen,
    sim_times: &[Duration],
    rounds: u64,
    providers: usize,
    net_wall: Duration,
) {
    let nagg = plan.cfg.consortium.num_aggregators();
    let verify: Vec<BTreeMap<u64, u64>> = (0..nagg)
        .map(|s| {
            verify_ms(
                &std::fs::read_to_string(plan.logs().join(format!("aggregator-{s}.log")))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let measured = &seen.tracker.rounds()[..rounds as usize];
    let mut cols: [Vec<f64>; 4] = Default::default();
    let mut header_to_close = Vec::new();
    for r in measured {
        let p = r.phases();
        let get = |n: &str| p.phases.iter().find(|x| x.0 == n).map_or(0.0, |x| x.1);
        let v = verify
            .iter()
            .filter_map(|m| m.get(&r.round))
            .max()
            .map_or(0.0, |ms| *ms as f64 / 1000.0);
        let vd = get("verify + decide");
        cols[0].push(get("collect"));
        cols[1].push(v.min(vd));
        cols[2].push((vd - v).max(0.0));
        cols[3].push(get("sum") + get("close"));
        header_to_close.push(p.phases.iter().map(|x| x.1).sum::<f64>());
    }
    // Close to close: the round as the schedule runs it (the next header
    // comes after the coordinator's export of the bulletin).
    let close_to_close: Vec<f64> = seen.closes[..rounds as usize]
        .windows(2)
        .map(|w| secs(w[1] - w[0]))
        .collect();
    let sim: Vec<f64> = sim_times.iter().copied().map(secs).collect();
    eprintln!("\n== {providers} providers, {nagg} aggregators, R_train on Breast Cancer (d = {}), {rounds} rounds; whole networked run {net_wall:.1?}", plan.cfg.consortium.dim);
    eprintln!("{:<26} {:>8} {:>8}", "round latency (s)", "p50", "p95");
    for (name, xs) in ["collect", "verify", "decide", "close"].iter().zip(&cols) {
        eprintln!(
            "{name:<26} {:>8.3} {:>8.3}",
            percentile(xs, 50.0),
            percentile(xs, 95.0)
        );
    }
    eprintln!(
        "{:<26} {:>8.3} {:>8.3}",
        "header to close",
        percentile(&header_to_close, 50.0),
        percentile(&header_to_close, 95.0)
    );
    if !close_to_close.is_empty() {
        eprintln!(
            "{:<26} {:>8.3} {:>8.3}",
            "close to close",
            percentile(&close_to_close, 50.0),
            percentile(&close_to_close, 95.0)
        );
    }
    eprintln!(
        "{:<26} {:>8.3} {:>8.3}",
        "in-process driver round",
        percentile(&sim, 50.0),
        percentile(&sim, 95.0)
    );
    let net = if close_to_close.is_empty() {
        percentile(&header_to_close, 50.0)
    } else {
        percentile(&close_to_close, 50.0)
    };
    eprintln!(
        "ratio networked / in-process (medians): {:.3} (header to close {:.3})",
        net / percentile(&sim, 50.0),
        percentile(&header_to_close, 50.0) / percentile(&sim, 50.0)
    );
    eprintln!("per round, rounds {:?}: {:.2?}", 0..rounds, header_to_close);
    eprintln!("in-process rounds: {sim:.2?}");
    // Bytes and resources. Everything after the measured rounds (two
    // restart rounds) is in the counters too: per round = total / all rounds.
    let all = plan.cfg.operations.rounds as f64;
    let contributions = (providers as f64) * all;
    eprintln!(
        "\n{:<16} {:>14} {:>14} {:>14} {:>14} {:>10} {:>10}",
        "party",
        "wire sent/rnd",
        "payload/rnd",
        "wire recv/rnd",
        "payload r/rnd",
        "CPU (s)",
        "max RSS MiB"
    );
    let row = |name: &str,
               ws: u64,
               ps: u64,
               wr: u64,
               pr: u64,
               cpu: Option<u64>,
               rss: Option<u64>,
               per: f64| {
        eprintln!(
            "{name:<16} {:>14.0} {:>14.0} {:>14.0} {:>14.0} {:>10} {:>10}",
            ws as f64 / all / per,
            ps as f64 / all / per,
            wr as f64 / all / per,
            pr as f64 / all / per,
            cpu.map_or("-".into(), |c| format!("{:.1}", c as f64 / 1000.0)),
            rss.map_or("-".into(), |k| format!("{:.0}", k as f64 / 1024.0)),
        );
    };
    let mut names = vec!["coordinator".to_string()];
    names.extend((0..nagg).map(|s| format!("aggregator-{s}")));
    let mut agg_cpu = Vec::new();
    for n in &names {
        // A restarted service wrote its file at its last exit: the
        // restarted process's figures (the killed one wrote none).
        let m = metrics_of(plan, n);
        if n.starts_with("aggregator") {
            agg_cpu.push((n.clone(), m.cpu_ms));
        }
        row(
            n,
            m.wire_sent,
            m.payload_sent,
            m.wire_received,
            m.payload_received,
            m.cpu_ms,
            m.max_rss_kib,
            1.0,
        );
    }
    if let Some(p) = &seen.providers {
        row(
            "each provider",
            p.wire_sent,
            p.payload_sent,
            p.wire_received,
            p.payload_received,
            p.cpu_ms,
            p.max_rss_kib,
            providers as f64,
        );
        eprintln!("(providers: this load-generator process, {providers} provider tasks and the observer; CPU and RSS of the whole process)");
    }
    for (n, cpu) in agg_cpu {
        if let Some(c) = cpu {
            eprintln!(
                "{n}: CPU per contribution {:.1} ms",
                c as f64 / contributions
            );
        }
    }
    for r in &seen.resumed {
        eprintln!(
            "restart of {} in round {}: resumed {:.3} s after the restart, round closed {:.3} s after it",
            r.name, r.round, secs(r.resume), secs(r.to_close)
        );
    }
    if let (Some(first), Some(last)) = (seen.samples.first(), seen.samples.last()) {
        eprintln!(
            "bulletin: {} bytes after round {}, {} after round {}",
            first.bulletin_bytes, first.round, last.bulletin_bytes, last.round
        );
        for (n, rss, hwm) in &last.memory {
            eprintln!(
                "  {n}: VmRSS {:.0} MiB, VmHWM {:.0} MiB at the last close",
                *rss as f64 / 1024.0,
                *hwm as f64 / 1024.0
            );
        }
    }
}

#[test]
#[ignore = "measurement: a 50-round soak, a few minutes; see the README"]
fn soak_fifty_rounds_small_d() {
    let rounds: u64 = std::env::var("ZKAGG_SOAK_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = temp_dir("soak");
    let (file, mut cfg) = init(
        &dir,
        &[
            "--dim",
            "8",
            "--bits",
            "16",
            "--providers",
            "4",
            "--aggregators",
            "2",
        ],
    );
    let deadlines = Deadlines {
        start_ms: 60_000,
        contributions_ms: 60_000,
        accepted_sets_ms: 30_000,
        partial_sums_ms: 30_000,
        linger_ms: 1_000,
    };
    operate(&file, &mut cfg, deadlines, rounds);
    let plan = Plan {
        file: &file,
        cfg: &cfg,
        in_process_providers: false,
        dataset: None,
        kills: vec![
            Kill {
                round: rounds * 2 / 5,
                name: "aggregator-1".into(),
            },
            Kill {
                round: rounds * 3 / 5,
                name: "coordinator".into(),
            },
        ],
        sample: true,
    };
    let mut group = Group::new(&plan.logs()).with_filter("info");
    let seen = build_setup(&cfg.consortium).unwrap().visit(Observe {
        plan: &plan,
        group: &mut group,
    });
    group.finish_ok(Duration::from_secs(60));
    assert_eq!(
        common::procs::audit(&cfg.consortium, &seen.bulletin.to_bytes()),
        Ok(rounds as usize)
    );
    for r in &seen.resumed {
        eprintln!(
            "restart of {} in round {}: resumed {:.3} s after the restart, round closed {:.3} s after it",
            r.name, r.round, secs(r.resume), secs(r.to_close)
        );
    }
    // Growth from a warmed-up round (a tenth of the way) to the end, beside
    // the bulletin's. Every party keeps its own verified copy (the encoded
    // entries and their decoded messages), so its memory grows with the
    // bulletin, by a constant factor: the bytes of VmRSS per bulletin byte
    // over the first and the second half of each process's life (a
    // restarted process from its restart on) must not rise, nor pass 4.
    let s = &seen.samples;
    let from = &s[s.len() / 10];
    let last = &s[s.len() - 1];
    let grew_b = last.bulletin_bytes - from.bulletin_bytes;
    eprintln!("\n== soak: {rounds} rounds, d = 8, 4 providers, 2 aggregators");
    eprintln!(
        "bulletin: {} -> {} bytes (+{grew_b}) from round {} to {}",
        from.bulletin_bytes, last.bulletin_bytes, from.round, last.round
    );
    eprintln!(
        "{:<26} {:>11} {:>11} {:>11} {:>9} {:>9}",
        "process", "VmRSS from", "VmRSS end", "VmHWM end", "B/B 1st", "B/B 2nd"
    );
    let mut over = Vec::new();
    for (n, _, hwm) in &last.memory {
        // (bulletin bytes, VmRSS bytes) of this process from the warm-up on.
        let life: Vec<(f64, f64)> = s
            .iter()
            .filter(|x| x.round >= from.round)
            .filter_map(|x| {
                let m = x.memory.iter().find(|m| &m.0 == n)?;
                Some((x.bulletin_bytes as f64, m.1 as f64 * 1024.0))
            })
            .collect();
        if life.len() < 5 {
            continue;
        }
        let (a, m, z) = (life[0], life[life.len() / 2], life[life.len() - 1]);
        // 256 KiB of page-granular noise.
        let factor = |p: (f64, f64), q: (f64, f64)| ((q.1 - p.1) - 262144.0).max(0.0) / (q.0 - p.0);
        let (f1, f2) = (factor(a, m), factor(m, z));
        eprintln!(
            "{n:<26} {:>11.0} {:>11.0} {:>11} {f1:>9.2} {f2:>9.2}",
            a.1,
            z.1,
            hwm * 1024
        );
        // Every service keeps a verified copy of the bulletin in memory, so
        // its memory grows with the bulletin; a failure is a rate that
        // rises (a leak beside the copy) or a copy far dearer than its bytes.
        // A restarted process's first half includes its reload (coordinator:
        // 11.5 then 5.3 B/B in one run; the others 2.2-2.8).
        if f2 > 8.0 || f2 > f1 + 1.0 {
            over.push(format!(
                "{n}: {f1:.2} then {f2:.2} bytes of RSS per bulletin byte"
            ));
        }
    }
    eprintln!(
        "{:<26} {:>12} {:>12} {:>12}",
        "database file", "from", "end", "growth B"
    );
    for (n, len) in &last.disk {
        let len0 = from.disk.iter().find(|d| &d.0 == n).map_or(0, |d| d.1);
        let growth = *len as i64 - len0 as i64;
        eprintln!("{n:<26} {len0:>12} {len:>12} {growth:>12}");
    }
    // Main file plus WAL of each database against the bulletin.
    let total = |x: &Sample, db: &str| -> u64 {
        x.disk
            .iter()
            .filter(|d| d.0.starts_with(db))
            .map(|d| d.1)
            .sum()
    };
    let ops = &cfg.operations;
    for db in std::iter::once(&ops.coordinator_db).chain(&ops.aggregator_dbs) {
        let name = db.file_name().unwrap().to_string_lossy().into_owned();
        let g = total(last, &name) as i64 - total(from, &name) as i64;
        if g > grew_b as i64 + (4 << 20) {
            over.push(format!("{name}: +{g} B beside the bulletin's +{grew_b}"));
        }
    }
    eprintln!("memory over time (round: bulletin B; name VmRSS KiB ...):");
    for x in s.iter().step_by((s.len() / 10).max(1)) {
        let m: Vec<String> = x
            .memory
            .iter()
            .map(|(n, r, _)| format!("{n} {r}"))
            .collect();
        eprintln!("  {}: {} B; {}", x.round, x.bulletin_bytes, m.join(", "));
    }
    assert!(over.is_empty(), "grew faster than the bulletin: {over:?}");
}
