//! One provider round of R_train (PROTOCOL.md "Round t"): hard-sigmoid
//! logistic regression on one of five Breast Cancer Wisconsin shards
//! (91 samples x 30 features, N = 91), for the default configuration
//! (features Q4.4, [`TrainConfig::breast_cancer`]; NIZK and SNARK) and the
//! compact one (features Q3.2, [`TrainConfig::breast_cancer_compact`];
//! NIZK). Measured: prove time (witness generation with constraint checking
//! included), verify time (proof decoding included), and a profile of the
//! prover (synthesis on the counting backend, witness generation unchecked
//! and checked, Spartan alone on a ready assignment). On stderr: the
//! constraint table, padded sizes, proof sizes and the SNARK preprocessing
//! time (cached under `$ZKAGG_CACHE` or the temp directory).
//!
//! Run: `cargo bench --bench provider`. Fixed seeds throughout.

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
use zkagg::zk::spartan::{generate_witness, NizkParams, SnarkParams, SpartanInstance};

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

fn bench_provider(c: &mut Criterion) {
    let cfg = TrainConfig::breast_cancer(91);
    print_table("features Q4.4", &cfg);
    let (circuit, shape, st) = provider_circuit(&cfg);

    let inst = SpartanInstance::from_circuit(&shape).expect("instance");
    let size = inst.size();
    let nizk = NizkParams::from_instance(inst);
    let (proof, x) = nizk.prove(&circuit, &mut t()).expect("prove");
    assert_eq!(x, st.public_inputs());
    let nizk_bytes = proof.to_bytes();
    nizk.verify_bytes(&nizk_bytes, &x, &mut t())
        .expect("verify");

    let cache = std::env::var_os("ZKAGG_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("zkagg-cache"));
    let start = Instant::now();
    let snark = SnarkParams::load_or_create(&shape, &cache).expect("snark setup");
    let snark_setup = start.elapsed();
    let (sproof, sx) = snark.prove(&circuit, &mut t()).expect("snark prove");
    let snark_bytes = sproof.to_bytes();
    snark
        .verifier_key()
        .verify_bytes(&snark_bytes, &sx, &mut t())
        .expect("snark verify");
    eprintln!(
        "Q4.4: padded {} constraints x {} variables (max nnz {}); NIZK proof {} B; SNARK proof {} B; SNARK preprocessing (load or create, {}) {:.2?}",
        size.num_cons_padded,
        size.num_vars_padded,
        size.max_nnz,
        nizk_bytes.len(),
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
    g.bench_function("nizk_prove_assignment", |b| {
        b.iter(|| nizk.prove_assignment(&wit, &ins, &mut t()).expect("prove"))
    });
    g.bench_function("nizk_prove", |b| {
        b.iter(|| nizk.prove(&circuit, &mut t()).expect("prove"))
    });
    g.bench_function("nizk_verify", |b| {
        b.iter(|| {
            nizk.verify_bytes(&nizk_bytes, &x, &mut t())
                .expect("verify")
        })
    });
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

    // The compact configuration (features Q3.2): NIZK only.
    let cfg = TrainConfig::breast_cancer_compact(91);
    print_table("features Q3.2", &cfg);
    let (circuit, shape, _) = provider_circuit(&cfg);
    let inst = SpartanInstance::from_circuit(&shape).expect("instance");
    let size = inst.size();
    let nizk = NizkParams::from_instance(inst);
    let (proof, x) = nizk.prove(&circuit, &mut t()).expect("prove");
    let nizk_bytes = proof.to_bytes();
    nizk.verify_bytes(&nizk_bytes, &x, &mut t())
        .expect("verify");
    eprintln!(
        "Q3.2: padded {} constraints x {} variables (max nnz {}); NIZK proof {} B",
        size.num_cons_padded,
        size.num_vars_padded,
        size.max_nnz,
        nizk_bytes.len()
    );
    let mut g = c.benchmark_group("provider_bc91x30_q3_2");
    group_config(&mut g);
    g.bench_function("nizk_prove", |b| {
        b.iter(|| nizk.prove(&circuit, &mut t()).expect("prove"))
    });
    g.bench_function("nizk_verify", |b| {
        b.iter(|| {
            nizk.verify_bytes(&nizk_bytes, &x, &mut t())
                .expect("verify")
        })
    });
    g.finish();
}

criterion_group!(benches, bench_provider);
criterion_main!(benches);
