//! Proof-system overhead on a range-check circuit over d signed 16-bit
//! values: both NIZK backends, libspartan's SNARK, and Spartan's raw
//! synthetic instance of the same padded size, in the same run.
//!
//! Run: `cargo bench --bench zk`. Proof sizes, constraint counts and the
//! SNARK preprocessing time are printed to stderr once per size.
//!
//! Every NIZK is proven and verified through the `ProofSystem` trait only,
//! the backend selected by its [`Backend`](zkagg_zk::proof_system::Backend)
//! value (`libspartan`, the reference, and `hyrax-spartan`, ours). The
//! SNARK (not a `ProofSystem` backend) and the raw synthetic instance are
//! baselines called directly.
//!
//! Group `zk_backends`: both backends on the same R1CS instances: the range
//! check at d = 1,000 and 10,000 and R_train (Breast Cancer shard, Q4.4
//! features). With `ZKAGG_BENCH_LARGE=1` the range check at d = 100,000
//! (2^21 constraints) is also timed, once per backend and not under
//! criterion (libspartan needs tens of seconds).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use libspartan::{Instance, NIZKGens, NIZK};
use merlin::Transcript;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::time::{Duration, Instant};
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::r1cs::{Circuit, ConstraintCounter};
use zkagg_zk::spartan::SnarkParams;

mod backends;
use backends::{shape_of, Ready, BACKENDS};

const SIZES: [usize; 2] = [1_000, 10_000];

fn values(d: usize) -> Vec<i64> {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    (0..d).map(|_| rng.gen_range(-32768..32768)).collect()
}

fn t() -> Transcript {
    Transcript::new(b"zkagg/bench")
}

/// Whether a name filter on the command line excludes every benchmark of
/// `group` (criterion filters by substring but still runs each group's
/// setup, which for the SNARK is slow).
fn filtered_out(group: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    !filters.is_empty()
        && !filters
            .iter()
            .any(|f| group.contains(f.as_str()) || f.contains(group))
}

fn bench_zk(c: &mut Criterion) {
    if filtered_out("zk_range16") {
        return;
    }
    let mut g = c.benchmark_group("zk_range16");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    for d in SIZES {
        let circuit = RangeCheckCircuit {
            d,
            bits: 16,
            values: Some(values(d)),
        };
        let shape = RangeCheckCircuit::shape(d, 16);
        let mut counter = ConstraintCounter::new();
        shape.synthesize(&mut counter).unwrap();

        let flat = shape_of(&shape);
        let ready: Vec<Ready> = BACKENDS
            .iter()
            .map(|&b| Ready::new(b, &flat, &circuit, t))
            .collect();

        let start = Instant::now();
        let snark = SnarkParams::setup(&shape).unwrap();
        let snark_setup = start.elapsed();
        let size = snark.instance().size();
        let (sproof, sx) = snark.prove(&circuit, &mut t()).unwrap();
        let snark_bytes = sproof.to_bytes();
        snark
            .verifier_key()
            .verify_bytes(&snark_bytes, &sx, &mut t())
            .unwrap();

        // Spartan's own synthetic instance of the same padded size.
        let (raw_inst, raw_vars, raw_inputs) = Instance::produce_synthetic_r1cs(
            size.num_cons_padded,
            size.num_vars_padded,
            size.num_inputs,
        );
        let raw_gens = NIZKGens::new(size.num_cons_padded, size.num_vars_padded, size.num_inputs);
        let raw_proof = NIZK::prove(
            &raw_inst,
            raw_vars.clone(),
            &raw_inputs,
            &raw_gens,
            &mut t(),
        );
        let raw_bytes = postcard::to_allocvec(&raw_proof).unwrap();

        eprintln!(
            "d={d}: {} constraints ({:.2}/value), {} witnesses; padded {}x{}; NIZK proof {} B (libspartan), {} B (hyrax-spartan), SNARK proof {} B, raw NIZK proof {} B; SNARK preprocessing {:.2?}",
            counter.num_constraints(),
            counter.num_constraints() as f64 / d as f64,
            counter.num_witnesses(),
            size.num_cons_padded,
            size.num_vars_padded,
            ready[0].proof.len(),
            ready[1].proof.len(),
            snark_bytes.len(),
            raw_bytes.len(),
            snark_setup
        );

        for r in &ready {
            let id = r.backend.id();
            g.bench_with_input(
                BenchmarkId::new(format!("{id}/nizk_prove"), d),
                &d,
                |b, _| b.iter(|| r.pk.prove(&circuit, &mut t()).unwrap()),
            );
            g.bench_with_input(
                BenchmarkId::new(format!("{id}/nizk_verify"), d),
                &d,
                |b, _| b.iter(|| r.vk.verify(&r.proof, &r.inputs, &mut t()).unwrap()),
            );
        }
        g.bench_with_input(BenchmarkId::new("raw_nizk_prove", d), &d, |b, _| {
            b.iter(|| {
                NIZK::prove(
                    &raw_inst,
                    raw_vars.clone(),
                    &raw_inputs,
                    &raw_gens,
                    &mut t(),
                )
            })
        });
        g.bench_with_input(BenchmarkId::new("raw_nizk_verify", d), &d, |b, _| {
            b.iter(|| {
                let p: NIZK = postcard::from_bytes(&raw_bytes).unwrap();
                p.verify(&raw_inst, &raw_inputs, &mut t(), &raw_gens)
                    .unwrap()
            })
        });
        g.bench_with_input(BenchmarkId::new("snark_prove", d), &d, |b, _| {
            b.iter(|| snark.prove(&circuit, &mut t()).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("snark_verify", d), &d, |b, _| {
            b.iter(|| {
                snark
                    .verifier_key()
                    .verify_bytes(&snark_bytes, &sx, &mut t())
                    .unwrap()
            })
        });
    }
    g.finish();
}

/// Provider 0's honest R_train circuit (as in the provider bench: seed 2024
/// split, w_t after 5 plaintext rounds) and its shape.
fn r_train() -> (
    zkagg::zk::model::TrainCircuit<zkagg::zk::model::LogisticRegression>,
    zkagg_zk::r1cs::R1csShape,
) {
    use zkagg::data::{breast_cancer, prepare, PlaintextFedSgd, ShardSizes, SplitOptions};
    use zkagg::zk::model::{
        random_scalar, DataOpening, LabelKind, LogisticRegression, TrainCircuit, TrainConfig,
        TrainStatement, TrainWitness, UpdateOpening,
    };
    let cfg = TrainConfig::breast_cancer(91);
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
    let mut fed = PlaintextFedSgd::new(cfg.clone(), LogisticRegression);
    for _ in 0..5 {
        fed.round(&prep.shards).expect("round");
    }
    let w = fed.weights.clone();
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let data = DataOpening::new(prep.shards[0].clone(), &mut rng);
    let update =
        UpdateOpening::train(&LogisticRegression, &cfg, &w, &data.data, &mut rng).expect("step");
    let rho = random_scalar(&mut rng);
    let st = TrainStatement::honest(&cfg, LabelKind::Binary, &w, &data, &update, rho)
        .expect("statement");
    let circuit = TrainCircuit::new(
        cfg.clone(),
        LogisticRegression,
        st,
        TrainWitness { data, update },
    )
    .expect("circuit");
    let shape = TrainCircuit::shape(cfg, LogisticRegression).expect("shape");
    (circuit, shape_of(&shape))
}

/// Sets up both backends on one instance (reported on stderr) and puts
/// their prove and verify under criterion.
fn bench_both<C: Circuit>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    shape: &zkagg_zk::r1cs::R1csShape,
    circuit: &C,
) {
    for backend in BACKENDS {
        let r = Ready::new(backend, shape, circuit, t);
        r.report(name, shape);
        let id = backend.id();
        g.bench_function(BenchmarkId::new(format!("{id}/prove"), name), |b| {
            b.iter(|| r.pk.prove(circuit, &mut t()).unwrap())
        });
        g.bench_function(BenchmarkId::new(format!("{id}/verify"), name), |b| {
            b.iter(|| r.vk.verify(&r.proof, &r.inputs, &mut t()).unwrap())
        });
    }
}

fn bench_backends(c: &mut Criterion) {
    if filtered_out("zk_backends") {
        return;
    }
    let mut g = c.benchmark_group("zk_backends");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    let (train, train_shape) = r_train();
    bench_both(&mut g, "r_train", &train_shape, &train);
    for d in SIZES {
        let circuit = RangeCheckCircuit {
            d,
            bits: 16,
            values: Some(values(d)),
        };
        let shape = shape_of(&RangeCheckCircuit::shape(d, 16));
        let name = format!("range16_d{d}");
        bench_both(&mut g, &name, &shape, &circuit);
    }
    g.finish();
    if std::env::var_os("ZKAGG_BENCH_LARGE").is_some() {
        let d = 100_000;
        let circuit = RangeCheckCircuit {
            d,
            bits: 16,
            values: Some(values(d)),
        };
        let shape = shape_of(&RangeCheckCircuit::shape(d, 16));
        for backend in BACKENDS {
            Ready::new(backend, &shape, &circuit, t).report("range16_d100000", &shape);
        }
    }
}

criterion_group!(backends, bench_backends);
criterion_group!(benches, bench_zk);
criterion_main!(backends, benches);
