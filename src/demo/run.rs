//! Runs a whole consortium as separate `zkagg` processes on loopback and
//! watches it through the coordinator's bulletin, as any member could.
//!
//! The demo writes a consortium (config, CA, member folders) into its
//! folder, starts the coordinator, the aggregators and the providers as
//! child processes of this binary (each with its own member folder, SQLite
//! file and log), follows the bulletin over mutual TLS with provider 0's
//! identity, verifies every entry into its own copy, and at the end audits
//! that copy and the coordinator's exported file.

use crate::aggregation::auditor::{audit, audit_bytes, Verdict};
use crate::aggregation::config::ValidityMode;
use crate::aggregation::relation::UpdateRelation;
use crate::aggregation::setup::Setup;
use crate::aggregation::PartyId;
use crate::data::Bundled;
use crate::demo::plot::{self, MetricSeries, PhaseTimes};
use crate::demo::progress::Progress;
use crate::demo::watch::{Event, Tracker};
use crate::node::config::{
    build_setup, generate_with, GenerateParams, Generated, Member, SetupVisitor,
};
use crate::node::service::{service_limits, spawn_follower, View};
use crate::node::transport::Client;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// Flags the run cannot honour (exit 2, as a usage error).
    #[error("{0}")]
    Usage(String),
    /// Writing the consortium failed.
    #[error("set-up: {0}")]
    Setup(String),
    /// A child process could not be started, or failed.
    #[error("process: {0}")]
    Process(String),
    /// The run did not finish within its bound.
    #[error("timeout: {0}")]
    Timeout(String),
    /// The bulletin could not be followed or did not verify.
    #[error("bulletin: {0}")]
    Bulletin(String),
    /// The coordinator's export and the served bulletin disagree.
    #[error("audit: {0}")]
    Audit(String),
}

impl DemoError {
    /// The exit code (see the binary's header).
    pub fn exit_code(&self) -> u8 {
        match self {
            DemoError::Usage(_) => 2,
            DemoError::Setup(_) => 3,
            DemoError::Process(_) | DemoError::Timeout(_) => 1,
            DemoError::Bulletin(_) => 4,
            DemoError::Audit(_) => 5,
        }
    }
}

/// Kills and reaps every child it holds when dropped.
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
    fn spawn(
        &mut self,
        exe: &Path,
        name: &str,
        args: &[&std::ffi::OsStr],
        logs: &Path,
    ) -> Result<(), DemoError> {
        let log = std::fs::File::create(logs.join(format!("{name}.log")))
            .map_err(|e| DemoError::Process(format!("log file of {name}: {e}")))?;
        let child = Command::new(exe)
            .args(args)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|e| DemoError::Process(format!("cannot start {name}: {e}")))?;
        self.0.push((name.to_owned(), child));
        Ok(())
    }

    /// Waits for every child to exit within `bound`; names any that failed.
    fn wait_all(&mut self, bound: Duration) -> Result<(), DemoError> {
        let end = Instant::now() + bound;
        let mut failed = Vec::new();
        for (name, c) in &mut self.0 {
            loop {
                match c.try_wait() {
                    Ok(Some(s)) if s.success() => break,
                    Ok(Some(s)) => {
                        failed.push(format!("{name} exited with {s}"));
                        break;
                    }
                    Ok(None) if Instant::now() < end => {
                        std::thread::sleep(Duration::from_millis(50))
                    }
                    Ok(None) => {
                        return Err(DemoError::Timeout(format!(
                            "{name} still running after {bound:?}"
                        )))
                    }
                    Err(e) => return Err(DemoError::Process(format!("{name}: {e}"))),
                }
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(DemoError::Process(failed.join("; ")))
        }
    }
}

/// Loopback addresses free right now (bound together so that they differ).
fn free_addrs(n: usize) -> Result<Vec<SocketAddr>, DemoError> {
    let ls = (0..n)
        .map(|_| TcpListener::bind("127.0.0.1:0"))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DemoError::Setup(format!("no free loopback port: {e}")))?;
    ls.iter()
        .map(|l| l.local_addr())
        .collect::<Result<_, _>>()
        .map_err(|e| DemoError::Setup(e.to_string()))
}

/// What the demo is asked to run.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The folder for the consortium, databases, logs and plots.
    pub dir: PathBuf,
    /// The consortium to write, except its addresses (filled in here).
    pub params: GenerateParams,
    /// Whether progress goes to a terminal (bars) or to a log (lines).
    pub terminal: bool,
    /// The `zkagg` binary to start each member with.
    pub exe: PathBuf,
    /// The bundled data set each provider trains on its shard of (R_train).
    pub dataset: Option<Bundled>,
    /// Check validity with the two-party computation between the
    /// aggregators instead of the providers' proofs.
    pub mpc: bool,
}

/// The test metric of a released model, when the relation has one.
pub type Metric = Box<dyn Fn(&[i64]) -> f64>;

/// What one member process reported at exit (`--metrics`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct ProcessMetrics {
    /// Bytes written to sockets, TLS included.
    pub wire_sent: u64,
    /// Bytes read from sockets.
    pub wire_received: u64,
    /// Frame bytes sent.
    pub payload_sent: u64,
    /// CPU time, milliseconds.
    pub cpu_ms: Option<u64>,
    /// Peak resident memory, KiB.
    pub max_rss_kib: Option<u64>,
}

/// What a finished demo found.
pub struct Outcome {
    /// Each round's record on the observer's clock.
    pub phases: Vec<PhaseTimes>,
    /// The metric per released round.
    pub metric: Vec<(u64, f64)>,
    /// From start to the first round close.
    pub first_round: Option<Duration>,
    /// From start to the end of the audit.
    pub total: Duration,
    /// The audit of the observer's verified copy.
    pub verdict: Verdict,
    /// Public bulletin bytes per party.
    pub posted: Vec<(PartyId, u64, u64)>,
    /// What each member process reported at exit, by name.
    pub processes: Vec<(String, ProcessMetrics)>,
    /// The plots written.
    pub plots: Vec<PathBuf>,
}

/// Runs the plan; `metric` scores each released model (test accuracy, say)
/// and `label` names it.
pub fn run(
    plan: Plan,
    metric: Option<(String, Metric)>,
    baseline: Option<(String, f64)>,
) -> Result<Outcome, DemoError> {
    let start = Instant::now();
    let mut params = plan.params.clone();
    let s = params.aggregators;
    let peers = if plan.mpc { s } else { 0 };
    let addrs = free_addrs(s + 1 + peers)?;
    params.coordinator = addrs[0];
    params.aggregator_addrs = addrs[1..=s].to_vec();
    let validity = if plan.mpc {
        ValidityMode::Mpc2pc
    } else {
        ValidityMode::ZkProof
    };
    let g = generate_with(
        &plan.dir.join("consortium"),
        &params,
        validity,
        addrs[s + 1..].to_vec(),
    )
    .map_err(|e| DemoError::Setup(e.to_string()))?;
    let logs = plan.dir.join("logs");
    std::fs::create_dir_all(&logs)
        .map_err(|e| DemoError::Setup(format!("{}: {e}", logs.display())))?;
    let setup = build_setup(&g.config.consortium).map_err(|e| DemoError::Setup(e.to_string()))?;
    let mut children = Children(Vec::new());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DemoError::Process(format!("runtime: {e}")))?;
    let watched = setup.visit(Watch {
        rt: &rt,
        g: &g,
        children: &mut children,
        logs: &logs,
        plan: &plan,
        metric: &metric,
        start,
    });
    let watched = match watched {
        Ok(w) => w,
        Err(e) => {
            eprintln!("logs are in {}", logs.display());
            return Err(e);
        }
    };
    children
        .wait_all(Duration::from_secs(60))
        .map_err(|e| DemoError::Process(format!("{e} (logs in {})", logs.display())))?;
    let plot_series = MetricSeries {
        label: metric
            .as_ref()
            .map_or_else(|| "released rounds".into(), |m| m.0.clone()),
        points: watched.metric.clone(),
        baseline,
    };
    let phases: Vec<PhaseTimes> = watched
        .tracker
        .rounds()
        .iter()
        .map(|r| r.phases())
        .collect();
    let plots = plot::write_plots(&plan.dir, &plot_series, &phases)
        .map_err(|e| DemoError::Setup(e.to_string()))?;
    let posted = watched
        .tracker
        .posted()
        .iter()
        .map(|(p, b)| (*p, b.entries, b.bytes))
        .collect();
    let processes = children
        .0
        .iter()
        .filter_map(|(name, _)| {
            let path = logs.join(format!("{name}.metrics.json"));
            let text = std::fs::read_to_string(path).ok()?;
            Some((name.clone(), serde_json::from_str(&text).ok()?))
        })
        .collect();
    Ok(Outcome {
        processes,
        phases,
        metric: watched.metric,
        first_round: watched.first_round,
        total: start.elapsed(),
        verdict: watched.verdict,
        posted,
        plots,
    })
}

/// Starts the coordinator (`coordinator`), or every other member.
fn start_members(
    children: &mut Children,
    exe: &Path,
    dataset: Option<Bundled>,
    g: &Generated,
    logs: &Path,
    coordinator: bool,
) -> Result<(), DemoError> {
    let mut members = Vec::new();
    if coordinator {
        members.push(("coordinator", "coordinator".to_string(), &g.coordinator));
    } else {
        for (s, d) in g.aggregators.iter().enumerate() {
            members.push(("aggregator", format!("aggregator-{s}"), d));
        }
        for (i, d) in g.providers.iter().enumerate() {
            members.push(("provider", format!("provider-{i}"), d));
        }
    }
    let cfg = g.config_file.as_os_str();
    for (role, name, dir) in members {
        let metrics = logs.join(format!("{name}.metrics.json"));
        let args = [
            role.as_ref(),
            "--config".as_ref(),
            cfg,
            "--member".as_ref(),
            dir.as_os_str(),
            "--metrics".as_ref(),
            metrics.as_os_str(),
        ];
        let mut args: Vec<&std::ffi::OsStr> = args.to_vec();
        if let (Some(d), "provider") = (dataset, role) {
            args.extend([
                std::ffi::OsStr::new("--dataset"),
                std::ffi::OsStr::new(d.name()),
            ]);
        }
        children.spawn(exe, &name, &args, logs)?;
    }
    Ok(())
}

/// Watches the run with the config's setup.
struct Watch<'a> {
    rt: &'a tokio::runtime::Runtime,
    g: &'a Generated,
    children: &'a mut Children,
    logs: &'a Path,
    plan: &'a Plan,
    metric: &'a Option<(String, Metric)>,
    start: Instant,
}

impl SetupVisitor for Watch<'_> {
    type Output = Result<Watched, DemoError>;

    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: crate::node::input::NodeRelation,
        S: crate::aggregation::setup::SharingScheme + Send + Sync + 'static,
    {
        self.rt.block_on(watch(
            self.g,
            self.children,
            self.logs,
            Arc::new(setup),
            self.plan,
            self.metric,
            self.start,
        ))
    }
}

struct Watched {
    tracker: Tracker,
    metric: Vec<(u64, f64)>,
    first_round: Option<Duration>,
    verdict: Verdict,
}

async fn watch<Rel: UpdateRelation, S: crate::aggregation::setup::SharingScheme>(
    g: &Generated,
    children: &mut Children,
    logs: &Path,
    setup: Arc<Setup<Rel, S>>,
    plan: &Plan,
    metric: &Option<(String, Metric)>,
    start: Instant,
) -> Result<Watched, DemoError> {
    let t0 = Instant::now();
    let cfg = &g.config;
    let ops = &cfg.operations;
    let observer = g
        .providers
        .first()
        .ok_or_else(|| DemoError::Setup("a demo needs at least one provider".into()))?;
    let member =
        Member::load(observer, &cfg.consortium).map_err(|e| DemoError::Setup(e.to_string()))?;
    let client = Client::new(
        &cfg.consortium,
        member.ca.clone(),
        member.identity.clone(),
        service_limits(),
        crate::node::frame::FrameCaps::for_config(&cfg.consortium),
    );
    // The coordinator first; the observer follows it before anyone else
    // starts, so that it sees every entry as it is posted.
    start_members(children, &plan.exe, plan.dataset, g, logs, true)?;
    let up = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match client.connect(ops.coordinator, PartyId::Coordinator).await {
            Ok(conn) => {
                conn.close().await;
                break;
            }
            Err(_) if tokio::time::Instant::now() < up => {
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            Err(e) => {
                return Err(DemoError::Timeout(format!(
                    "the coordinator did not come up: {e}"
                )))
            }
        }
    }
    let mut rx = spawn_follower(client, ops.coordinator);
    start_members(children, &plan.exe, plan.dataset, g, logs, false)?;
    let mut view = View::new(&setup).map_err(|e| DemoError::Bulletin(e.to_string()))?;
    let mut tracker = Tracker::new();
    let rounds = ops.rounds;
    let mut progress = Progress::new(
        rounds,
        cfg.consortium.provider_keys.len() as u64,
        cfg.consortium.aggregator_keys.len() as u64,
        plan.terminal,
    );
    let d = &ops.deadlines;
    let per_round = Duration::from_millis(
        d.contributions_ms + d.accepted_sets_ms + d.partial_sums_ms + d.linger_ms,
    ) + Duration::from_secs(120);
    let bound = Duration::from_millis(d.start_ms) + per_round * rounds as u32;
    let deadline = tokio::time::Instant::now() + bound;
    let mut closed = 0u64;
    let mut scores = Vec::new();
    let mut first_round = None;
    while closed < rounds {
        let e = match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Err(DemoError::Bulletin(
                    "the coordinator became unreachable".into(),
                ))
            }
            Err(_) => {
                return Err(DemoError::Timeout(format!(
                    "{closed} of {rounds} rounds closed after {bound:?}"
                )))
            }
        };
        // The entry as it is encoded on the bulletin and on the wire.
        let len = crate::zk::encoding::to_bytes(&e).map_or(0, |b| b.len());
        let sender = e.sender;
        let seq = e.seq;
        view.apply(e)
            .map_err(|e| DemoError::Bulletin(e.to_string()))?;
        let Some(msg) = view.bulletin.message(seq) else {
            continue;
        };
        let Some(ev) = tracker.observe(t0.elapsed(), sender, len, msg) else {
            continue;
        };
        progress.event(&ev);
        if let Event::Closed {
            round, released, ..
        } = &ev
        {
            closed += 1;
            first_round.get_or_insert(start.elapsed());
            if let (Some(model), Some((label, score))) = (released, metric) {
                let v = score(model);
                scores.push((*round, v));
                progress.status(format!("round {round}: {label} {v:.4}"));
            }
        }
    }
    progress.finish();
    let verdict = audit(&setup, &view.bulletin);
    if let Some(file) = &ops.bulletin_file {
        let path = g.config_file.parent().unwrap_or(Path::new(".")).join(file);
        // The coordinator writes its export at each close; give it a moment.
        let mut exported = None;
        for _ in 0..100 {
            if let Ok(bytes) = std::fs::read(&path) {
                if bytes == view.bulletin.to_bytes() {
                    exported = Some(bytes);
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let Some(bytes) = exported else {
            return Err(DemoError::Bulletin(format!(
                "the coordinator's export {} differs from the bulletin it served",
                path.display()
            )));
        };
        let again = audit_bytes(&setup, &bytes);
        if again.failures != verdict.failures {
            return Err(DemoError::Audit(
                "the export and the served bulletin audit differently".into(),
            ));
        }
    }
    Ok(Watched {
        tracker,
        metric: scores,
        first_round,
        verdict,
    })
}
