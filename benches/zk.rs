//! Spartan backend overhead: a range-check circuit over d signed 16-bit values,
//! NIZK and SNARK, beside Spartan's raw synthetic instance of the same padded
//! size in the same run.
//!
//! Run: `cargo bench --bench zk`. Proof sizes, constraint counts and the
//! SNARK preprocessing time are printed to stderr once per size.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use libspartan::{Instance, NIZKGens, NIZK};
use merlin::Transcript;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::time::{Duration, Instant};
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::r1cs::{Circuit, ConstraintCounter};
use zkagg_zk::spartan::{NizkParams, SnarkParams, SpartanInstance};

const SIZES: [usize; 2] = [1_000, 10_000];

fn values(d: usize) -> Vec<i64> {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    (0..d).map(|_| rng.gen_range(-32768..32768)).collect()
}

fn t() -> Transcript {
    Transcript::new(b"zkagg/bench")
}

fn bench_zk(c: &mut Criterion) {
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

        let inst = SpartanInstance::from_circuit(&shape).unwrap();
        let size = inst.size();
        let nizk = NizkParams::from_instance(inst);
        let (proof, x) = nizk.prove(&circuit, &mut t()).unwrap();
        let nizk_bytes = proof.to_bytes();
        nizk.verify_bytes(&nizk_bytes, &x, &mut t()).unwrap();

        let start = Instant::now();
        let snark = SnarkParams::setup(&shape).unwrap();
        let snark_setup = start.elapsed();
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
            "d={d}: {} constraints ({:.2}/value), {} witnesses; padded {}x{}; NIZK proof {} B, SNARK proof {} B, raw NIZK proof {} B; SNARK preprocessing {:.2?}",
            counter.num_constraints(),
            counter.num_constraints() as f64 / d as f64,
            counter.num_witnesses(),
            size.num_cons_padded,
            size.num_vars_padded,
            nizk_bytes.len(),
            snark_bytes.len(),
            raw_bytes.len(),
            snark_setup
        );

        g.bench_with_input(BenchmarkId::new("nizk_prove", d), &d, |b, _| {
            b.iter(|| nizk.prove(&circuit, &mut t()).unwrap())
        });
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
        g.bench_with_input(BenchmarkId::new("nizk_verify", d), &d, |b, _| {
            b.iter(|| nizk.verify_bytes(&nizk_bytes, &x, &mut t()).unwrap())
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

criterion_group!(benches, bench_zk);
criterion_main!(benches);
