//! Helpers of the command-line tests: the real binary, temporary folders,
//! and bulletins of the in-process simulation with the consortium file
//! that names their config.
#![allow(dead_code)]

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use zkagg::aggregation::relation::BoundedVectorRelation;
use zkagg::aggregation::sim::{Consortium, ConsortiumBuilder, Tamper};
use zkagg::mpc::sharing::additive::Additive;
use zkagg_node::config::{generate, Deadlines, GenerateParams, Generated, NodeConfig};

pub const D: usize = 4;
pub const BITS: usize = 16;
pub const P: usize = 3;
pub const S: usize = 2;

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkagg-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the `zkagg` binary with `args`, stdin closed.
pub fn zkagg(args: &[&str]) -> Output {
    zkagg_in(Path::new("."), args)
}

/// Runs the `zkagg` binary with `args` in the folder `cwd`, stdin closed.
pub fn zkagg_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkagg"))
        .current_dir(cwd)
        .args(args)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `zkagg audit --config CFG --bulletin B [--json]`: its exit code,
/// standard output and standard error.
pub fn audit(cfg: &Path, b: &Path, json: bool) -> (Option<i32>, String, String) {
    let mut args = vec!["audit", "--config", s(cfg), "--bulletin", s(b)];
    if json {
        args.push("--json");
    }
    let out = zkagg(&args);
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

pub type Sim = Consortium<BoundedVectorRelation, Additive>;

/// `rounds` rounds of a three-provider, two-aggregator simulation (every
/// provider present), with `tamper` cheating.
pub fn simulate(rounds: u64, tamper: &mut dyn Tamper) -> Sim {
    let rel = BoundedVectorRelation::new(D, BITS).unwrap();
    let mut c = ConsortiumBuilder::new(rel, Additive::new(S).unwrap())
        .name("cli test")
        .providers(P)
        .min_batch(2)
        .seed(11)
        .build()
        .unwrap();
    let ups: Vec<Vec<i64>> = (0..P as i64)
        .map(|i| (0..D as i64).map(|j| 30 * i - 7 * j + 5).collect())
        .collect();
    for t in 0..rounds {
        let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Some).collect();
        let mut rng = ChaCha20Rng::seed_from_u64(t);
        c.run_round(&inputs, tamper, &mut rng).unwrap();
    }
    c
}

/// A small consortium written by [`generate`] into `dir` (two
/// aggregators, two providers, every round deadline `round_ms`), its
/// coordinator at `coordinator` and aggregators on the next two ports.
pub fn small_consortium(
    dir: &Path,
    coordinator: SocketAddr,
    aggregators: Vec<SocketAddr>,
    round_ms: u64,
    linger_ms: u64,
) -> Generated {
    generate(
        dir,
        &GenerateParams {
            name: "cli test".into(),
            aggregators: aggregators.len(),
            providers: 2,
            dim: D as u32,
            relation: zkagg::aggregation::config::RelationConfig::BoundedVector {
                bits: BITS as u32,
            },
            data: None,
            initial_model: None,
            sharing: zkagg::aggregation::config::SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator,
            aggregator_addrs: aggregators,
            deadlines: Deadlines {
                start_ms: round_ms,
                contributions_ms: round_ms,
                accepted_sets_ms: round_ms,
                partial_sums_ms: round_ms,
                linger_ms,
            },
            rounds: 1,
            seed: 1,
        },
    )
    .unwrap()
}

/// Writes the consortium file of `sim`'s config into `dir`: the
/// `[consortium]` section is the simulation's, the `[operations]` section
/// that of a generated consortium (the auditor reads only the former).
pub fn write_config(dir: &Path, sim: &Sim) -> PathBuf {
    let a = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
    let g = small_consortium(
        &dir.join("generated"),
        a(7400),
        vec![a(7401), a(7402)],
        1000,
        0,
    );
    let cfg = NodeConfig {
        consortium: sim.setup().config().clone(),
        operations: g.config.operations,
    };
    let path = dir.join("consortium.toml");
    std::fs::write(&path, cfg.to_toml()).unwrap();
    let loaded = NodeConfig::load(&path).unwrap();
    assert_eq!(loaded.consortium.id(), sim.setup().config_id());
    path
}

/// Writes `sim`'s bulletin and its consortium file into a fresh folder;
/// returns (config, bulletin) paths.
pub fn write_sim(name: &str, sim: &Sim) -> (PathBuf, PathBuf, PathBuf) {
    let dir = temp_dir(name);
    let cfg = write_config(&dir, sim);
    let b = dir.join("bulletin.bin");
    std::fs::write(&b, sim.bulletin().to_bytes()).unwrap();
    (dir, cfg, b)
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
pub mod procs;
