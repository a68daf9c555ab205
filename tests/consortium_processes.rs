//! A consortium as separate `zkagg` processes over mutual TLS on loopback:
//! the released models equal those of the in-process simulation over the
//! same inputs, and the coordinator's bulletin passes the audit.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use zkagg::aggregation::bulletin::Bulletin;
use zkagg::aggregation::msgs::PublicMessage;
use zkagg::aggregation::relation::BoundedVectorRelation;
use zkagg::aggregation::sim::{ConsortiumBuilder, Honest};
use zkagg::aggregation::ProviderId;
use zkagg::mpc::sharing::additive::Additive;
use zkagg_node::config::{build_setup, demo_update, generate, AnySetup, Deadlines, GenerateParams};

const D: usize = 6;
const BITS: u32 = 16;
const ROUNDS: u64 = 2;
const SEED: u64 = 7;

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
    let rel = BoundedVectorRelation::new(D, BITS as usize).unwrap();
    let mut sim = ConsortiumBuilder::new(rel, Additive::new(2).unwrap())
        .providers(providers)
        .min_batch(2)
        .build()
        .unwrap();
    let mut rng = rand::thread_rng();
    (0..ROUNDS)
        .map(|t| {
            let inputs: Vec<Option<Vec<i64>>> = (0..providers as u32)
                .map(|i| {
                    (!withheld.contains(&i)).then(|| demo_update(SEED, ProviderId(i), t, D, BITS))
                })
                .collect();
            let refs: Vec<Option<&Vec<i64>>> = inputs.iter().map(Option::as_ref).collect();
            let report = sim.run_round(&refs, &mut Honest, &mut rng).unwrap();
            report.new_model().expect("the sim releases").to_vec()
        })
        .collect()
}

fn run_consortium(name: &str, providers: usize, withheld: &[u32]) -> (Vec<Vec<i64>>, Vec<u8>) {
    let dir = temp_dir(name);
    let addrs = free_addrs(3);
    let g = generate(
        &dir,
        &GenerateParams {
            name: name.into(),
            aggregators: 2,
            providers,
            dim: D as u32,
            bits: BITS,
            sharing: zkagg::aggregation::config::SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator: addrs[0],
            aggregator_addrs: addrs[1..].to_vec(),
            deadlines: Deadlines {
                start_ms: 20_000,
                contributions_ms: 2_500,
                accepted_sets_ms: 3_000,
                partial_sums_ms: 3_000,
                linger_ms: 500,
            },
            rounds: ROUNDS,
            seed: SEED,
        },
    )
    .unwrap();
    let cfg = g.config_file.to_str().unwrap().to_owned();
    let mut kids = Children(Vec::new());
    let start = Instant::now();
    let member = |p: &Path| p.to_str().unwrap().to_owned();
    kids.spawn(
        "coordinator",
        &[
            "coordinator",
            "--config",
            &cfg,
            "--member",
            &member(&g.coordinator),
        ],
        &dir,
    );
    for (s, m) in g.aggregators.iter().enumerate() {
        kids.spawn(
            &format!("aggregator-{s}"),
            &["aggregator", "--config", &cfg, "--member", &member(m)],
            &dir,
        );
    }
    for (i, m) in g.providers.iter().enumerate() {
        let mut args = vec!["provider", "--config", &cfg];
        let m = member(m);
        args.extend(["--member", &m]);
        if withheld.contains(&(i as u32)) {
            args.push("--withhold-shares");
        }
        kids.spawn(&format!("provider-{i}"), &args, &dir);
    }
    let statuses = kids.wait_all(Duration::from_secs(90));
    eprintln!("consortium {name} ran in {:?}", start.elapsed());
    if statuses.iter().any(|(_, s)| !s.success()) {
        dump_logs(&dir);
    }
    for (n, s) in &statuses {
        assert!(s.success(), "{n} exited with {s}");
    }
    let bytes = std::fs::read(g.config.operations.bulletin_file.as_ref().unwrap()).unwrap();
    let b = Bulletin::from_bytes(&bytes).unwrap();
    let models = b
        .messages()
        .filter_map(|(_, m)| match m {
            PublicMessage::RoundClose(c) => Some(c.new_model().expect("released").to_vec()),
            _ => None,
        })
        .collect();
    let verdict = match build_setup(&g.config.consortium).unwrap() {
        AnySetup::BoundedAdditive(s) => {
            zkagg::aggregation::auditor::audit_bytes(&std::sync::Arc::new(s), &bytes)
        }
        AnySetup::BoundedShamir(s) => {
            zkagg::aggregation::auditor::audit_bytes(&std::sync::Arc::new(s), &bytes)
        }
    };
    assert!(verdict.ok(), "audit: {:?}", verdict.first_failure());
    assert_eq!(verdict.rounds_released(), ROUNDS as usize);
    let _ = std::fs::remove_dir_all(&dir);
    (models, bytes)
}

#[test]
fn two_rounds_as_processes_release_the_sim_models_and_pass_the_audit() {
    let (models, _) = run_consortium("rounds", 3, &[]);
    assert_eq!(models, sim_models(3, &[]));
}

#[test]
fn a_provider_that_never_delivers_is_left_out_and_the_round_releases() {
    let (models, bytes) = run_consortium("withhold", 4, &[3]);
    assert_eq!(models, sim_models(4, &[3]));
    let b = Bulletin::from_bytes(&bytes).unwrap();
    for (_, m) in b.messages() {
        if let PublicMessage::RoundClose(c) = m {
            assert_eq!(
                c.accepted,
                vec![ProviderId(0), ProviderId(1), ProviderId(2)]
            );
        }
    }
}
