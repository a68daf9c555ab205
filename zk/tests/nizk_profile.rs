//! Timing of the Hyrax-Spartan NIZK on the 16-bit range check, for
//! profiling outside criterion:
//! `ZKAGG_PROFILE_D=10000 cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture`.

use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::nizk;
use zkagg_zk::r1cs::{Circuit, ShapeBuilder};
use zkagg_zk::spartan::generate_witness;

#[test]
#[ignore = "slow: a timing run, use --release"]
fn profile_range_check() {
    let d: usize = std::env::var("ZKAGG_PROFILE_D")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let reps: usize = std::env::var("ZKAGG_PROFILE_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut sb = ShapeBuilder::new();
    RangeCheckCircuit::shape(d, 16).synthesize(&mut sb).unwrap();
    let shape = sb.finish();
    let start = Instant::now();
    let (pk, vk) = nizk::setup(&shape).unwrap();
    eprintln!("d={d}: setup {:.2?}", start.elapsed());
    let c = RangeCheckCircuit {
        d,
        bits: 16,
        values: Some((0..d as i64).map(|i| (i * 7919) % 65536 - 32768).collect()),
    };
    let (w, x) = generate_witness(&c).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for _ in 0..reps {
        let start = Instant::now();
        let p = pk
            .prove_with_rng(&w, &x, &mut Transcript::new(b"p"), &mut rng)
            .unwrap();
        let prove = start.elapsed();
        let bytes = p.to_bytes();
        let start = Instant::now();
        vk.verify_bytes(&bytes, &x, &mut Transcript::new(b"p"))
            .unwrap();
        eprintln!(
            "d={d}: prove (assignment ready) {prove:.2?}, verify {:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
}
