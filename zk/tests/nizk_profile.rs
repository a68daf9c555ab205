//! Timing of the Hyrax-Spartan NIZK on the 16-bit range check, for
//! profiling outside criterion:
//! `ZKAGG_PROFILE_D=10000 cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture`;
//! with `ZKAGG_PROFILE_LIBSPARTAN=1` libspartan is timed once on the same
//! instance afterwards (through the same [`ProofSystem`] trait).

use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::nizk;
use zkagg_zk::proof_system::{Libspartan, ProofSystem};
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
    let start = Instant::now();
    let _ = nizk::StructuredEvaluator::infer(vk.evaluator().matrices());
    eprintln!(
        "d={d}: of which inferring and checking the structured description {:.2?}",
        start.elapsed()
    );
    match vk.structured() {
        Some(s) => eprintln!(
            "d={d}: structured: {} families (base, height, count) {:?}, {} non-zeros in families, {} in the remainder",
            s.families().len(),
            s.families()
                .iter()
                .map(|f| (f.base_row, f.height, f.count))
                .collect::<Vec<_>>(),
            s.family_nnz(),
            s.remainder_nnz()
        ),
        None => eprintln!("d={d}: no structured description (flat evaluator)"),
    }
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
        let decoded = nizk::NizkProof::from_bytes(&bytes, &vk).unwrap();
        let decode = start.elapsed();
        let size = vk.size();
        let rx: Vec<zkagg_zk::Fr> = (0..size.s_x)
            .map(|i| zkagg_zk::Fr::from(i as u64 + 7))
            .collect();
        let ry: Vec<zkagg_zk::Fr> = (0..=size.s_w)
            .map(|i| zkagg_zk::Fr::from(i as u64 + 9))
            .collect();
        let start = Instant::now();
        use zkagg_zk::nizk::MatrixEvaluator;
        let flat = vk.evaluator().evaluate(&rx, &ry).unwrap();
        let eval = start.elapsed();
        let start = Instant::now();
        let structured = vk.structured().map(|s| s.evaluate(&rx, &ry).unwrap());
        let eval_s = start.elapsed();
        if let Some(v) = structured {
            assert_eq!(v, flat);
        }
        let start = Instant::now();
        let ey = zkagg_zk::hyrax::mle::eq_table_fe(&ry);
        let ex = zkagg_zk::hyrax::mle::eq_table_fe(&rx);
        let eqt = start.elapsed();
        let start = Instant::now();
        let nnz: Vec<usize> = vk.evaluator().matrices().iter().map(|m| m.nnz()).collect();
        for m in vk.evaluator().matrices() {
            let _ = m.bilinear(&ex, &ey);
        }
        eprintln!(
            "d={d}: eq tables {eqt:.2?}, bilinear {:.2?}, nnz {nnz:?}",
            start.elapsed()
        );
        let start = Instant::now();
        let mut batch = zkagg_zk::hyrax::BatchCheck::new(vk.generators(), rand_core::OsRng);
        let _ = vk
            .verify_into(&decoded, &x, &mut Transcript::new(b"p"), &mut batch)
            .unwrap();
        let into = start.elapsed();
        let start = Instant::now();
        assert!(batch.verify());
        eprintln!(
            "d={d}: decode {decode:.2?}, flat evaluator {eval:.2?}, structured evaluator {eval_s:.2?}, equations (verifier's evaluator) {into:.2?}, msm {:.2?}",
            start.elapsed()
        );
        let start = Instant::now();
        vk.verify_bytes(&bytes, &x, &mut Transcript::new(b"p"))
            .unwrap();
        eprintln!(
            "d={d}: prove (assignment ready) {prove:.2?}, verify {:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
    if std::env::var_os("ZKAGG_PROFILE_LIBSPARTAN").is_some() {
        let start = Instant::now();
        let (pk, vk) = Libspartan::setup(&shape).unwrap();
        let setup = start.elapsed();
        let start = Instant::now();
        let p = Libspartan::prove_assignment(&pk, &w, &x, &mut Transcript::new(b"p")).unwrap();
        let prove = start.elapsed();
        let bytes = Libspartan::encode_proof(&p);
        let start = Instant::now();
        Libspartan::verify(&vk, &bytes, &x, &mut Transcript::new(b"p")).unwrap();
        eprintln!(
            "d={d} [libspartan]: setup {setup:.2?}, prove (assignment ready) {prove:.2?}, verify {:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
}

/// Coverage of the bounded-update relation's shape by families, and both
/// evaluators' times at one point:
/// `ZKAGG_PROFILE_D=100000 cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture profile_update`.
#[test]
#[ignore = "slow: a timing run, use --release"]
fn profile_update_evaluators() {
    use zkagg_zk::nizk::MatrixEvaluator;
    let d: usize = std::env::var("ZKAGG_PROFILE_D")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let mut sb = ShapeBuilder::new();
    zkagg_zk::update::BoundedUpdateCircuit::shape(d, 16)
        .synthesize(&mut sb)
        .unwrap();
    let shape = sb.finish();
    let start = Instant::now();
    let (_, vk) = nizk::setup(&shape).unwrap();
    eprintln!("update d={d}: setup {:.2?}", start.elapsed());
    let s = vk.structured().expect("a structured description");
    eprintln!(
        "update d={d}: families (base, height, count) {:?}, {} non-zeros in families, {} in the remainder",
        s.families()
            .iter()
            .map(|f| (f.base_row, f.height, f.count))
            .collect::<Vec<_>>(),
        s.family_nnz(),
        s.remainder_nnz()
    );
    let size = vk.size();
    let rx: Vec<zkagg_zk::Fr> = (0..size.s_x)
        .map(|i| zkagg_zk::Fr::from(i as u64 + 7))
        .collect();
    let ry: Vec<zkagg_zk::Fr> = (0..=size.s_w)
        .map(|i| zkagg_zk::Fr::from(i as u64 + 9))
        .collect();
    let start = Instant::now();
    let flat = vk.evaluator().evaluate(&rx, &ry).unwrap();
    let t_flat = start.elapsed();
    let start = Instant::now();
    let st = s.evaluate(&rx, &ry).unwrap();
    let t_st = start.elapsed();
    assert_eq!(st, flat);
    eprintln!("update d={d}: flat evaluator {t_flat:.2?}, structured evaluator {t_st:.2?}");
}

#[test]
#[ignore = "a timing run, use --release"]
fn field_op_timing() {
    use zkagg_zk::fe::Fe;
    let n = 10_000_000u64;
    let mut a = Fe::from_u64(3);
    let b = Fe::from_u64(5);
    let start = Instant::now();
    for _ in 0..n {
        a = a * b + b;
    }
    eprintln!(
        "Fe mul+add: {:.2} ns ({a:?})",
        start.elapsed().as_nanos() as f64 / n as f64
    );
    let mut x = zkagg_zk::Fr::from(3u8);
    let y = zkagg_zk::Fr::from(5u8);
    let start = Instant::now();
    for _ in 0..n / 10 {
        x = x * y + y;
    }
    eprintln!(
        "Fr mul+add: {:.2} ns ({x:?})",
        start.elapsed().as_nanos() as f64 / (n / 10) as f64
    );
    let r: Vec<zkagg_zk::Fr> = (0..20).map(|i| zkagg_zk::Fr::from(i as u64 + 7)).collect();
    let start = Instant::now();
    let t = zkagg_zk::hyrax::mle::eq_table_fe(&r);
    eprintln!("eq_table_fe(20): {:.2?} ({})", start.elapsed(), t.len());
}
