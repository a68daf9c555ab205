//! One provider round of R_train (PROTOCOL.md "Round t"): hard-sigmoid
//! logistic regression on one of five Breast Cancer Wisconsin shards
//! (91 samples x 30 features, N = 91), for the default configuration
//! (features Q4.4, [`TrainConfig::breast_cancer`]) and the compact one
//! (features Q3.2, [`TrainConfig::breast_cancer_compact`]), with both NIZK
//! backends side by side, each through the `ProofSystem` trait only and
//! selected by its [`Backend`](zkagg::zk::proof_system::Backend) value
//! (`libspartan`, the reference, and `hyrax-spartan`, ours); for the default
//! configuration also libspartan's SNARK (preprocessed; not a `ProofSystem`
//! backend, measured as a baseline). Measured: prove time (witness
//! generation with constraint checking included), verify time (proof
//! decoding included), and a profile of the prover (synthesis on the
//! counting backend, witness generation unchecked and checked, each backend
//! alone on a ready assignment). On stderr: the constraint table, proof
//! sizes, the first runs' times and the SNARK preprocessing time (cached
//! under `$ZKAGG_CACHE` or the temp directory).
//!
//! Run: `cargo bench --bench provider`. Fixed seeds throughout (data,
//! model, openings; the provers draw their blinding from the OS).

use criterion::{criterion_group, criterion_main, Criterion};
use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkagg::data::{breast_cancer, prepare, PlaintextFedSgd, ShardSizes, SplitOptions};
use zkagg::zk::model::{
    constraint_table, random_scalar, DataOpening, LabelKind, LogisticRegression, TrainCircuit,
    TrainConfig, TrainStatement, TrainWitness, UpdateOpening,
};
use zkagg::zk::r1cs::{Circuit, ConstraintCounter, WitnessGenerator};
use zkagg::zk::spartan::{generate_witness, SnarkParams};

mod backends;
use backends::{shape_of, Ready, BACKENDS};

fn t() -> Transcript {
    Transcript::new(b"zkagg/bench/provider")
}

/// Provider 0's honest circuit for `cfg` (data split with seed 2024, w_t
/// after 5 plaintext rounds), and the shape-only circuit.
fn provider_circuit(
    cfg: &TrainConfig,
) -> (
    TrainCircuit<LogisticRegression>,
    TrainCircuit<LogisticRegression>,
    TrainStatement,
) {
    let prep = prepare(
        &breast_cancer::load(),
        &SplitOptions {
            test_fraction: 0.2,
            shards: ShardSizes::Equal(5),
            seed: 2024,
            format: cfg.data_format,
            labels: LabelKind::Binary,
        },
    )
    .expect("data");
    assert!(prep
        .shards
        .iter()
        .all(|s| s.num_samples() <= cfg.max_samples));
    let mut fed = PlaintextFedSgd::new(cfg.clone(), LogisticRegression);
    for _ in 0..5 {
        fed.round(&prep.shards).expect("round");
    }
    let w = fed.weights.clone();
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let data = DataOpening::new(prep.shards[0].clone(), &mut rng);
    let update =
        UpdateOpening::train(&LogisticRegression, cfg, &w, &data.data, &mut rng).expect("step");
    let rho = random_scalar(&mut rng);
    let st =
        TrainStatement::honest(cfg, LabelKind::Binary, &w, &data, &update, rho).expect("statement");
    let circuit = TrainCircuit::new(
        cfg.clone(),
        LogisticRegression,
        st.clone(),
        TrainWitness { data, update },
    )
    .expect("circuit");
    let shape = TrainCircuit::shape(cfg.clone(), LogisticRegression).expect("shape");
    (circuit, shape, st)
}

fn print_table(name: &str, cfg: &TrainConfig) {
    let (table, counter) = constraint_table(cfg, LogisticRegression).expect("count");
    eprintln!("R_train constraints, {name} (N = 91, f = 30, logistic):");
    for r in &table {
        eprintln!(
            "  {:<24} {:>7} constraints {:>7} witnesses",
            r.scope, r.constraints, r.witnesses
        );
    }
    eprintln!(
        "  {:<24} {:>7} constraints {:>7} witnesses, {} public inputs",
        "total",
        counter.num_constraints(),
        counter.num_witnesses(),
        counter.num_inputs()
    );
}

fn group_config(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .warm_up_time(Duration::from_secs(1));
}

/// Both backends set up on `shape` with one checked proof of `circuit`.
fn ready_all(
    name: &str,
    shape: &TrainCircuit<LogisticRegression>,
    circuit: &TrainCircuit<LogisticRegression>,
) -> Vec<Ready> {
    let shape = shape_of(shape);
    BACKENDS
        .iter()
        .map(|&backend| {
            let r = Ready::new(backend, &shape, circuit, t);
            r.report(name, &shape);
            r
        })
        .collect()
}

/// Each backend's prove and verify under criterion.
fn bench_prove_verify(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    ready: &[Ready],
    circuit: &TrainCircuit<LogisticRegression>,
) {
    for r in ready {
        let id = r.backend.id();
        g.bench_function(format!("{id}/prove"), |b| {
            b.iter(|| r.pk.prove(circuit, &mut t()).expect("prove"))
        });
        g.bench_function(format!("{id}/verify"), |b| {
            b.iter(|| r.vk.verify(&r.proof, &r.inputs, &mut t()).expect("verify"))
        });
    }
}

fn bench_provider(c: &mut Criterion) {
    let cfg = TrainConfig::breast_cancer(91);
    print_table("features Q4.4", &cfg);
    let (circuit, shape, st) = provider_circuit(&cfg);
    let ready = ready_all("Q4.4", &shape, &circuit);
    for r in &ready {
        assert_eq!(r.inputs, st.public_inputs());
    }

    let cache = std::env::var_os("ZKAGG_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("zkagg-cache"));
    let start = Instant::now();
    let snark = SnarkParams::load_or_create(&shape, &cache).expect("snark setup");
    let snark_setup = start.elapsed();
    let size = snark.instance().size();
    let (sproof, sx) = snark.prove(&circuit, &mut t()).expect("snark prove");
    let snark_bytes = sproof.to_bytes();
    snark
        .verifier_key()
        .verify_bytes(&snark_bytes, &sx, &mut t())
        .expect("snark verify");
    eprintln!(
        "Q4.4: libspartan padded {} constraints x {} variables (max nnz {}); SNARK proof {} B; SNARK preprocessing (load or create, {}) {:.2?}",
        size.num_cons_padded,
        size.num_vars_padded,
        size.max_nnz,
        snark_bytes.len(),
        cache.display(),
        snark_setup
    );

    let mut g = c.benchmark_group("provider_bc91x30");
    group_config(&mut g);
    g.bench_function("synthesis_count", |b| {
        b.iter(|| {
            let mut cc = ConstraintCounter::new();
            shape.synthesize(&mut cc).expect("count");
            cc.num_constraints()
        })
    });
    g.bench_function("witness_unchecked", |b| {
        b.iter(|| {
            let mut wg = WitnessGenerator::unchecked();
            circuit.synthesize(&mut wg).expect("witness");
            wg.into_assignment()
        })
    });
    g.bench_function("witness_checked", |b| {
        b.iter(|| generate_witness(&circuit).expect("witness"))
    });
    let (wit, ins) = generate_witness(&circuit).expect("witness");
    for r in &ready {
        g.bench_function(format!("{}/prove_assignment", r.backend.id()), |b| {
            b.iter(|| r.pk.prove_assignment(&wit, &ins, &mut t()).expect("prove"))
        });
    }
    bench_prove_verify(&mut g, &ready, &circuit);
    g.bench_function("snark_prove", |b| {
        b.iter(|| snark.prove(&circuit, &mut t()).expect("prove"))
    });
    g.bench_function("snark_verify", |b| {
        b.iter(|| {
            snark
                .verifier_key()
                .verify_bytes(&snark_bytes, &sx, &mut t())
                .expect("verify")
        })
    });
    g.finish();
    drop(ready);

    // The compact configuration (features Q3.2): both NIZK backends.
    let cfg = TrainConfig::breast_cancer_compact(91);
    print_table("features Q3.2", &cfg);
    let (circuit, shape, _) = provider_circuit(&cfg);
    let ready = ready_all("Q3.2", &shape, &circuit);
    let mut g = c.benchmark_group("provider_bc91x30_q3_2");
    group_config(&mut g);
    bench_prove_verify(&mut g, &ready, &circuit);
    g.finish();
}

criterion_group!(benches, bench_provider);
criterion_main!(benches);
