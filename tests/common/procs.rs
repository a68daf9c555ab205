//! Service processes for the tests that run a consortium: a group of
//! children named by role, each logging into its own file (killed when the
//! group is dropped), free loopback ports, the models a bulletin released,
//! its audit, and the in-process simulation's models for the demo inputs.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use zkagg::aggregation::bulletin::Bulletin;
use zkagg::aggregation::config::ConsortiumConfig;
use zkagg::aggregation::msgs::PublicMessage;
use zkagg::aggregation::relation::BoundedVectorRelation;
use zkagg::aggregation::setup::SharingScheme;
use zkagg::aggregation::sim::{ConsortiumBuilder, Honest};
use zkagg::aggregation::ProviderId;
use zkagg_node::config::{build_setup, demo_update, SetupVisitor};

/// Named service processes of one test, logging into `dir/<name>.log`.
pub struct Group {
    dir: PathBuf,
    children: Vec<(String, Child)>,
    filter: String,
    cwd: Option<PathBuf>,
}

impl Group {
    /// An empty group logging into `dir`.
    pub fn new(dir: &Path) -> Group {
        Group {
            dir: dir.to_path_buf(),
            children: Vec::new(),
            filter: "info,zkagg_node=debug".into(),
            cwd: None,
        }
    }

    /// The same group with the children started from now on running in
    /// `cwd` (relative paths in their arguments are from there).
    pub fn in_dir(mut self, cwd: &Path) -> Group {
        self.cwd = Some(cwd.to_path_buf());
        self
    }

    /// The same group with the log filter `filter` (`RUST_LOG`) for the
    /// children started from now on.
    pub fn with_filter(mut self, filter: &str) -> Group {
        self.filter = filter.into();
        self
    }

    /// Starts `zkagg <args>` as `name` (debug logs of the node crate unless
    /// [`Group::with_filter`] says otherwise).
    pub fn start(&mut self, name: &str, args: &[&str]) {
        let log = std::fs::File::create(self.log_path(name)).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_zkagg"));
        if let Some(cwd) = &self.cwd {
            command.current_dir(cwd);
        }
        let child = command
            .args(args)
            .env("RUST_LOG", &self.filter)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.children.push((name.to_owned(), child));
    }

    /// Sends SIGTERM to `name` (it stays in the group, to be reaped by
    /// [`Group::finish`]).
    pub fn terminate(&self, name: &str) {
        let (_, child) = self.children.iter().find(|(n, _)| n == name).unwrap();
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM {name}");
    }

    /// Where `name` logs.
    pub fn log_path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.log"))
    }

    /// What `name` logged so far.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.log_path(name)).unwrap_or_default()
    }

    /// SIGKILLs `name` and reaps it (it leaves the group).
    pub fn kill(&mut self, name: &str) {
        let k = self.children.iter().position(|(n, _)| n == name).unwrap();
        let (_, mut child) = self.children.remove(k);
        child.kill().unwrap();
        let _ = child.wait();
    }

    /// The process id of every child still in the group, by name.
    pub fn pids(&self) -> Vec<(String, u32)> {
        self.children
            .iter()
            .map(|(n, c)| (n.clone(), c.id()))
            .collect()
    }

    /// Whether `name` is still running.
    pub fn running(&mut self, name: &str) -> bool {
        self.children
            .iter_mut()
            .find(|(n, _)| n == name)
            .is_some_and(|(_, c)| matches!(c.try_wait(), Ok(None)))
    }

    /// Waits (bounded) until `name`'s log holds `needle`.
    pub fn await_log(&self, name: &str, needle: &str, bound: Duration) {
        let end = Instant::now() + bound;
        while !self.log(name).contains(needle) {
            assert!(Instant::now() < end, "{name} never logged {needle:?}");
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for every child to exit within `bound` (all together); a
    /// child still running then is killed and reported as a failure.
    pub fn finish(&mut self, bound: Duration) -> Vec<(String, Option<ExitStatus>)> {
        let end = Instant::now() + bound;
        let mut out: Vec<(String, Option<ExitStatus>)> = Vec::new();
        for (name, child) in &mut self.children {
            let status = loop {
                match child.try_wait().unwrap() {
                    Some(s) => break Some(s),
                    None if Instant::now() >= end => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break None;
                    }
                    None => std::thread::sleep(Duration::from_millis(25)),
                }
            };
            out.push((name.clone(), status));
        }
        out
    }

    /// [`Group::finish`], and every child must have exited with success
    /// (else the test fails with the logs' tails); returns how many ran.
    pub fn finish_ok(&mut self, bound: Duration) -> usize {
        let statuses = self.finish(bound);
        for (n, s) in &statuses {
            assert!(
                s.is_some_and(|s| s.success()),
                "{n}: {s:?}\n{}",
                self.tails(30)
            );
        }
        statuses.len()
    }

    /// The last lines of every log, for a failing test's output.
    pub fn tails(&self, lines: usize) -> String {
        let mut s = String::new();
        for (name, _) in &self.children {
            let log = self.log(name);
            let all: Vec<&str> = log.lines().collect();
            s.push_str(&format!("== {name}\n"));
            for l in &all[all.len().saturating_sub(lines)..] {
                s.push_str(l);
                s.push('\n');
            }
        }
        s
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        for (_, c) in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `n` distinct loopback addresses free a moment ago.
pub fn loopback_ports(n: usize) -> Vec<SocketAddr> {
    let held: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap())
        .collect();
    held.iter().map(|l| l.local_addr().unwrap()).collect()
}

/// A loopback port p such that p, p + 1, ..., p + n - 1 were all free a
/// moment ago (for `zkagg init --base-port`).
pub fn loopback_base_port(n: u16) -> u16 {
    for _ in 0..100 {
        let first = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let p = first.local_addr().unwrap().port();
        if p.checked_add(n).is_none() {
            continue;
        }
        let rest: Result<Vec<_>, _> = (1..n)
            .map(|k| std::net::TcpListener::bind(("127.0.0.1", p + k)))
            .collect();
        if rest.is_ok() {
            return p;
        }
    }
    panic!("no {n} consecutive free loopback ports");
}

/// The models released on a bulletin, round by round (`None` for an
/// aborted round).
pub fn released(bulletin: &Bulletin) -> Vec<Option<Vec<i64>>> {
    let mut out = Vec::new();
    for (_, m) in bulletin.messages() {
        if let PublicMessage::RoundClose(c) = m {
            out.push(c.new_model().map(<[i64]>::to_vec));
        }
    }
    out
}

/// Audits bulletin bytes under `config` in-process; returns the number of
/// released rounds, or the first failure.
pub fn audit(config: &ConsortiumConfig, bytes: &[u8]) -> Result<usize, String> {
    struct AuditBytes<'a>(&'a [u8]);
    impl SetupVisitor for AuditBytes<'_> {
        type Output = zkagg::aggregation::auditor::Verdict;
        fn visit<Rel, S>(self, setup: zkagg::aggregation::setup::Setup<Rel, S>) -> Self::Output
        where
            Rel: zkagg_node::input::NodeRelation,
            S: SharingScheme + Send + Sync + 'static,
        {
            zkagg::aggregation::auditor::audit_bytes(&std::sync::Arc::new(setup), self.0)
        }
    }
    let verdict = build_setup(config)
        .map_err(|e| e.to_string())?
        .visit(AuditBytes(bytes));
    if verdict.ok() {
        Ok(verdict.rounds_released())
    } else {
        Err(format!("{:?}", verdict.first_failure()))
    }
}

/// Runs `zkagg init DIR FLAGS...`, which must succeed, and loads
/// the consortium it wrote.
pub fn init_ok(dir: &Path, flags: &[&str]) -> zkagg_node::config::NodeConfig {
    let mut args = vec!["init", dir.to_str().unwrap()];
    args.extend_from_slice(flags);
    let out = super::zkagg(&args);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    zkagg_node::config::NodeConfig::load(&dir.join("consortium.toml")).unwrap()
}

/// Deadlines for R_train runs in the debug profile: generous, as an
/// aggregator decides as soon as every share is in (bounds, not waits).
pub fn rtrain_deadlines() -> zkagg_node::config::Deadlines {
    zkagg_node::config::Deadlines {
        start_ms: 60_000,
        contributions_ms: 120_000,
        accepted_sets_ms: 30_000,
        partial_sums_ms: 30_000,
        linger_ms: 500,
    }
}

/// The consortium file `file` of `cfg` rewritten with its services on free
/// loopback ports and `deadlines`: the config id does not change, the file
/// round-trips. Returns the reloaded config.
pub fn on_free_ports(
    file: &Path,
    mut cfg: zkagg_node::config::NodeConfig,
    deadlines: zkagg_node::config::Deadlines,
) -> zkagg_node::config::NodeConfig {
    let id = cfg.consortium.id();
    let ops = &mut cfg.operations;
    let (nagg, npeers) = (ops.aggregators.len(), ops.aggregator_peers.len());
    let addrs = loopback_ports(1 + nagg + npeers);
    ops.coordinator = addrs[0];
    ops.aggregators = addrs[1..=nagg].to_vec();
    ops.aggregator_peers = addrs[1 + nagg..].to_vec();
    ops.deadlines = deadlines;
    std::fs::write(file, cfg.to_toml()).unwrap();
    let back = zkagg_node::config::NodeConfig::load(file).unwrap();
    assert_eq!(back.consortium, cfg.consortium);
    assert_eq!(back.consortium.id(), id);
    back
}

/// What the in-process simulation releases in `rounds` rounds when the
/// providers not in `absent` send the services' demo updates.
pub fn simulated_release<S: SharingScheme>(
    sharing: S,
    params: (usize, u32, u64),
    providers: u32,
    absent: &[u32],
    rounds: u64,
) -> Vec<Option<Vec<i64>>> {
    simulated_release_without(
        sharing,
        params,
        providers,
        &|_, i| absent.contains(&i),
        rounds,
    )
}

/// [`simulated_release`] with provider i sending nothing in round t when
/// `absent(t, i)`.
pub fn simulated_release_without<S: SharingScheme>(
    sharing: S,
    (d, bits, seed): (usize, u32, u64),
    providers: u32,
    absent: &dyn Fn(u64, u32) -> bool,
    rounds: u64,
) -> Vec<Option<Vec<i64>>> {
    let rel = BoundedVectorRelation::new(d, bits as usize).unwrap();
    let mut sim = ConsortiumBuilder::new(rel, sharing)
        .providers(providers as usize)
        .min_batch(2)
        .build()
        .unwrap();
    let mut rng = rand::thread_rng();
    let mut out = Vec::new();
    for t in 0..rounds {
        let ups: Vec<Option<Vec<i64>>> = (0..providers)
            .map(|i| (!absent(t, i)).then(|| demo_update(seed, ProviderId(i), t, d, bits)))
            .collect();
        let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Option::as_ref).collect();
        let report = sim.run_round(&inputs, &mut Honest, &mut rng).unwrap();
        out.push(report.new_model().map(<[i64]>::to_vec));
    }
    out
}

/// The shards the services' bundled-data rule gives each provider of an
/// R_train consortium on Breast Cancer (`zkagg provider --dataset
/// breast-cancer`).
pub fn bundled_shards(cfg: &zkagg_node::config::NodeConfig) -> Vec<zkagg::zk::model::Dataset> {
    use zkagg::aggregation::config::RelationConfig;
    let RelationConfig::Train { train, .. } = &cfg.consortium.relation else {
        panic!("not R_train")
    };
    let schema = cfg.consortium.data.as_ref().unwrap();
    zkagg::data::provider_shards(
        &zkagg::data::Bundled::BreastCancer.load(),
        &zkagg_node::input::scaling_of(schema),
        train.data_format,
        zkagg::zk::model::LabelKind::Binary,
        cfg.consortium.num_providers(),
        train.max_samples,
        cfg.operations.seed,
    )
    .unwrap()
    .shards
}

/// Each provider's shard of Breast Cancer under the bundled-data rule
/// ([`bundled_shards`]) as the raw rows of a CSV file with the schema's
/// header: what a provider's own `--data FILE.csv` holds to train on the
/// same rows.
pub fn bundled_shard_csvs(cfg: &zkagg_node::config::NodeConfig) -> Vec<String> {
    use zkagg::data::{bundled, shard, to_csv, train_test_split, ShardSizes};
    let schema = cfg.consortium.data.as_ref().unwrap();
    let data = zkagg::data::Bundled::BreastCancer.load();
    let seed = cfg.operations.seed;
    let rows = bundled_shards(cfg)[0].num_samples();
    let (train_raw, _) = train_test_split(&data, bundled::TEST_FRACTION, seed).unwrap();
    let sizes = ShardSizes::Sizes(vec![rows; cfg.consortium.num_providers()]);
    let raw = shard(&train_raw, &sizes, seed + 1).unwrap();
    raw.iter().map(|r| to_csv(r, &schema.label.name)).collect()
}

/// The models the in-process driver (`aggregation::sim`) releases for an
/// R_train consortium (logistic regression, additive sharing) on `shards`,
/// every provider present, and the wall time of each of its rounds.
pub fn rtrain_sim(
    cfg: &zkagg_node::config::NodeConfig,
    shards: &[zkagg::zk::model::Dataset],
) -> (Vec<Vec<i64>>, Vec<Duration>) {
    rtrain_sim_without(cfg, shards, &|_, _| false)
}

/// [`rtrain_sim`] with provider i (registered) sending nothing in round t
/// when `absent(t, i)`.
pub fn rtrain_sim_without(
    cfg: &zkagg_node::config::NodeConfig,
    shards: &[zkagg::zk::model::Dataset],
    absent: &dyn Fn(u64, usize) -> bool,
) -> (Vec<Vec<i64>>, Vec<Duration>) {
    use rand::SeedableRng;
    use zkagg::aggregation::config::RelationConfig;
    use zkagg::zk::model::{DataOpening, LogisticRegression};
    let RelationConfig::Train { train, .. } = &cfg.consortium.relation else {
        panic!("not R_train")
    };
    let rel = zkagg::aggregation::relation::TrainRelation::new(train.clone(), LogisticRegression)
        .unwrap();
    let sharing =
        zkagg::mpc::sharing::additive::Additive::new(cfg.consortium.num_aggregators()).unwrap();
    let mut sim = ConsortiumBuilder::new(rel, sharing)
        .providers(shards.len())
        .min_batch(cfg.consortium.min_batch)
        .initial_model(cfg.consortium.initial_model.clone())
        .data_schema(cfg.consortium.data.clone().unwrap())
        .build()
        .unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    let inputs: Vec<zkagg::zk::model::DataOpening> = shards
        .iter()
        .map(|s| DataOpening::new(s.clone(), &mut rng))
        .collect();
    sim.register(&inputs).unwrap();
    (0..cfg.operations.rounds)
        .map(|round| {
            let present: Vec<Option<&DataOpening>> = (inputs.iter().enumerate())
                .map(|(i, x)| (!absent(round, i)).then_some(x))
                .collect();
            let t = Instant::now();
            let r = sim.run_round(&present, &mut Honest, &mut rng).unwrap();
            let m = r.new_model().expect("the sim releases").to_vec();
            (m, t.elapsed())
        })
        .unzip()
}
