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
    let d: usize = env_usize("ZKAGG_PROFILE_D", 10_000);
    let reps: usize = env_usize("ZKAGG_PROFILE_REPS", 3);
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
    coverage(&format!("d={d}"), &vk);
    let c = RangeCheckCircuit {
        d,
        bits: 16,
        values: Some((0..d as i64).map(|i| (i * 7919) % 65536 - 32768).collect()),
    };
    let (w, x) = generate_witness(&c).unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut times = Vec::new();
    for _ in 0..reps {
        let (prove, bytes, decoded, decode) = prove_and_decode(&pk, &vk, &w, &x, &mut rng);
        let size = vk.size();
        let rx: Vec<zkagg_zk::Fr> = (0..size.s_x)
            .map(|i| zkagg_zk::Fr::from(i as u64 + 7))
            .collect();
        let ry: Vec<zkagg_zk::Fr> = (0..=size.s_w)
            .map(|i| zkagg_zk::Fr::from(i as u64 + 9))
            .collect();
        let (eval, eval_s) = time_evaluators(&vk, &rx, &ry);
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
        times.push((prove, start.elapsed()));
        eprintln!(
            "d={d}: prove (assignment ready) {prove:.2?}, verify {:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
    report(&format!("d={d}"), &mut times);
    if std::env::var_os("ZKAGG_PROFILE_LIBSPARTAN").is_some() {
        profile_libspartan(&format!("d={d}"), &shape, &w, &x, reps);
    }
}

/// Coverage of the bounded-update relation's shape by families, and both
/// evaluators' times at one point:
/// `ZKAGG_PROFILE_D=100000 cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture profile_update`.
#[test]
#[ignore = "slow: a timing run, use --release"]
fn profile_update_evaluators() {
    use zkagg_zk::nizk::MatrixEvaluator;
    let d: usize = env_usize("ZKAGG_PROFILE_D", 10_000);
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

/// Prints the minimum and median of (prove, verify) times.
fn report(name: &str, times: &mut [(std::time::Duration, std::time::Duration)]) {
    if times.is_empty() {
        return;
    }
    let mut p: Vec<_> = times.iter().map(|t| t.0).collect();
    let mut v: Vec<_> = times.iter().map(|t| t.1).collect();
    p.sort();
    v.sort();
    eprintln!(
        "{name}: prove min {:.2?} median {:.2?}; verify min {:.2?} median {:.2?} ({} runs)",
        p[0],
        p[p.len() / 2],
        v[0],
        v[v.len() / 2],
        p.len()
    );
}

fn shape_of<C: Circuit>(c: &C) -> zkagg_zk::r1cs::R1csShape {
    let mut sb = ShapeBuilder::new();
    c.synthesize(&mut sb).unwrap();
    sb.finish()
}

/// Prints the families of the key's structured description.
fn coverage(name: &str, vk: &nizk::VerifyingKey) {
    match vk.structured() {
        Some(s) => eprintln!(
            "{name}: {} families (base, height, count) {:?}, {} non-zeros in families, {} in the remainder",
            s.families().len(),
            s.families()
                .iter()
                .map(|f| (f.base_row, f.height, f.count))
                .collect::<Vec<_>>(),
            s.family_nnz(),
            s.remainder_nnz()
        ),
        None => eprintln!("{name}: no structured description (flat evaluator)"),
    }
}

/// libspartan on the same instance: setup once, then `reps` proofs.
fn profile_libspartan(
    name: &str,
    shape: &zkagg_zk::r1cs::R1csShape,
    w: &[zkagg_zk::Fr],
    x: &[zkagg_zk::Fr],
    reps: usize,
) {
    let start = Instant::now();
    let (pk, vk) = Libspartan::setup(shape).unwrap();
    eprintln!("{name} [libspartan]: setup {:.2?}", start.elapsed());
    let mut times = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        let p = Libspartan::prove_assignment(&pk, w, x, &mut Transcript::new(b"p")).unwrap();
        let prove = start.elapsed();
        let bytes = Libspartan::encode_proof(&p);
        let start = Instant::now();
        Libspartan::verify(&vk, &bytes, x, &mut Transcript::new(b"p")).unwrap();
        times.push((prove, start.elapsed()));
        eprintln!(
            "{name} [libspartan]: prove (assignment ready) {prove:.2?}, verify {:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
    report(&format!("{name} [libspartan]"), &mut times);
}

/// Times the flat and the structured evaluator at one point (checking that
/// they agree).
fn time_evaluators(
    vk: &nizk::VerifyingKey,
    rx: &[zkagg_zk::Fr],
    ry: &[zkagg_zk::Fr],
) -> (std::time::Duration, std::time::Duration) {
    use zkagg_zk::nizk::MatrixEvaluator;
    let start = Instant::now();
    let flat = vk.evaluator().evaluate(rx, ry).unwrap();
    let t_flat = start.elapsed();
    let start = Instant::now();
    let st = vk.structured().map(|s| s.evaluate(rx, ry).unwrap());
    let t_st = start.elapsed();
    if let Some(v) = st {
        assert_eq!(v, flat);
    }
    (t_flat, t_st)
}

/// One proof: its proving time, bytes, decoding and decoding time.
fn prove_and_decode(
    pk: &nizk::ProvingKey,
    vk: &nizk::VerifyingKey,
    w: &[zkagg_zk::Fr],
    x: &[zkagg_zk::Fr],
    rng: &mut ChaCha20Rng,
) -> (
    std::time::Duration,
    Vec<u8>,
    nizk::NizkProof,
    std::time::Duration,
) {
    let start = Instant::now();
    let p = pk
        .prove_with_rng(w, x, &mut Transcript::new(b"p"), rng)
        .unwrap();
    let prove = start.elapsed();
    let bytes = p.to_bytes();
    let start = Instant::now();
    let decoded = nizk::NizkProof::from_bytes(&bytes, vk).unwrap();
    (prove, bytes, decoded, start.elapsed())
}

/// A numeric knob from the environment.
fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn size_rows(vk: &nizk::VerifyingKey) -> usize {
    vk.size().num_rows()
}

/// R_train (default Breast Cancer configuration, 91 x 30, synthetic data
/// from a fixed seed): coverage by families, both evaluators, verify split
/// into its parts, prove; libspartan beside it with
/// `ZKAGG_PROFILE_LIBSPARTAN=1`:
/// `cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture profile_train`.
#[test]
#[ignore = "slow: a timing run, use --release"]
fn profile_train() {
    use zkagg_zk::model::*;
    let reps: usize = env_usize("ZKAGG_PROFILE_REPS", 3);
    let cfg = if std::env::var_os("ZKAGG_PROFILE_COMPACT").is_some() {
        TrainConfig::breast_cancer_compact(91)
    } else {
        TrainConfig::breast_cancer(91)
    };
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    let circuit = synthetic_logistic_circuit(&cfg, 91, &mut rng).unwrap();
    let shape = shape_of(&TrainCircuit::shape(cfg, LogisticRegression).unwrap());
    let start = Instant::now();
    let (pk, vk) = nizk::setup(&shape).unwrap();
    eprintln!(
        "train: {} constraints, {} witnesses, setup {:.2?}",
        shape.num_cons,
        shape.num_vars,
        start.elapsed()
    );
    coverage("train", &vk);
    if std::env::var_os("ZKAGG_PROFILE_TABLE").is_some() {
        let (table, _) = constraint_table(&circuit.config().clone(), LogisticRegression).unwrap();
        let mut at = 0;
        for row in table {
            eprintln!(
                "  {:>6} .. {:>6} {} ({} witnesses)",
                at,
                at + row.constraints,
                row.scope,
                row.witnesses
            );
            at += row.constraints;
        }
        if let Some(s) = vk.structured() {
            let mut covered = vec![false; size_rows(&vk)];
            for f in s.families() {
                covered[f.base_row..f.base_row + f.height * f.count].fill(true);
            }
            let m = vk.evaluator().matrices();
            let mut runs: Vec<(usize, usize, usize)> = Vec::new();
            for i in 0..shape.num_cons {
                let r = vk.row_of(i);
                if !covered[r] {
                    let nnz: usize = m.iter().map(|m| m.row_nnz(r)).sum();
                    match runs.last_mut() {
                        Some(l) if l.1 == i => {
                            l.1 = i + 1;
                            l.2 += nnz;
                        }
                        _ => runs.push((i, i + 1, nnz)),
                    }
                }
            }
            eprintln!(
                "remainder runs (shape rows, nnz): {:?}",
                runs.iter().filter(|r| r.2 > 100).collect::<Vec<_>>()
            );
        }
    }
    let (w, x) = generate_witness(&circuit).unwrap();
    let size = vk.size();
    let mut times: Vec<(std::time::Duration, std::time::Duration)> = Vec::new();
    for _ in 0..reps {
        let (prove, bytes, decoded, decode) = prove_and_decode(&pk, &vk, &w, &x, &mut rng);
        let rx: Vec<zkagg_zk::Fr> = (0..size.s_x)
            .map(|_| zkagg_zk::Fr::random(&mut rng))
            .collect();
        let ry: Vec<zkagg_zk::Fr> = (0..=size.s_w)
            .map(|_| zkagg_zk::Fr::random(&mut rng))
            .collect();
        let (t_flat, t_st) = time_evaluators(&vk, &rx, &ry);
        let start = Instant::now();
        let mut batch = zkagg_zk::hyrax::BatchCheck::new(vk.generators(), rand_core::OsRng);
        let _ = vk
            .verify_into(&decoded, &x, &mut Transcript::new(b"p"), &mut batch)
            .unwrap();
        let into = start.elapsed();
        let start = Instant::now();
        assert!(batch.verify());
        let msm = start.elapsed();
        let start = Instant::now();
        vk.verify_bytes(&bytes, &x, &mut Transcript::new(b"p"))
            .unwrap();
        times.push((prove, start.elapsed()));
        eprintln!(
            "train: prove {prove:.2?}, verify {:.2?} (decode {decode:.2?}, equations incl. evaluator {into:.2?}, msm {msm:.2?}), flat evaluator {t_flat:.2?}, structured {t_st:.2?}, proof {} B",
            start.elapsed(),
            bytes.len()
        );
    }
    report("train", &mut times);
    if std::env::var_os("ZKAGG_PROFILE_LIBSPARTAN").is_some() {
        profile_libspartan("train", &shape, &w, &x, reps);
    }
}

/// What zeroizing costs the prover: one prove of the 16-bit range check at
/// `ZKAGG_PROFILE_D` (default 10,000), then the wiping the prover does (the
/// tables z of 2 n_w entries, Az, Bz, Cz of 2^s_x, the witness copy of n_w,
/// each a full allocation) timed on its own, in the same run:
/// `cargo test --release -p zkagg-zk --test nizk_profile -- --ignored --nocapture zeroize_cost`.
#[test]
#[ignore = "a timing run, use --release"]
fn zeroize_cost() {
    use zkagg_zk::fe::{wipe_table, Fe};
    let d = env_usize("ZKAGG_PROFILE_D", 10_000);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let shape = RangeCheckCircuit::shape(d, 16);
    let values = (0..d as i64).map(|i| (i * 7919) % 65536 - 32768).collect();
    let c = RangeCheckCircuit {
        d,
        bits: 16,
        values: Some(values),
    };
    let (pk, vk) = nizk::setup(&shape_of(&shape)).unwrap();
    let (w, x) = generate_witness(&c).unwrap();
    let start = Instant::now();
    pk.prove_with_rng(&w, &x, &mut Transcript::new(b"z"), &mut rng)
        .unwrap();
    let prove = start.elapsed();
    let size = vk.size();
    let lens = [
        2 * size.witness_len(),
        size.num_rows(),
        size.num_rows(),
        size.num_rows(),
        size.witness_len(),
    ];
    let mut tables: Vec<Vec<Fe>> = lens.iter().map(|n| vec![Fe::ONE; *n]).collect();
    let start = Instant::now();
    for t in &mut tables {
        wipe_table(t);
    }
    let wipe = start.elapsed();
    eprintln!(
        "d={d} (2^{} rows): prove {prove:.2?} (wiping included), wiping alone {wipe:.2?} = {:.2}% of it",
        size.s_x,
        100.0 * wipe.as_secs_f64() / prove.as_secs_f64()
    );
}
