//! The conformance kit every [`ProofSystem`] runs, and the differential
//! tests of our backend against libspartan on the same R1CS instances.

use super::*;
use crate::circuits::RangeCheckCircuit;
use crate::model::{
    random_scalar, DataOpening, Dataset, LabelKind, LogisticRegression, TrainCircuit, TrainConfig,
    TrainStatement, TrainWitness, UpdateOpening,
};
use crate::r1cs::ShapeBuilder;
use crate::spartan::generate_witness;
use crate::update::{BoundedUpdateCircuit, BoundedUpdateWitness};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn t() -> Transcript {
    Transcript::new(b"zkagg/test/ps")
}

fn shape_of<C: Circuit>(c: &C) -> R1csShape {
    let mut sb = ShapeBuilder::new();
    c.synthesize(&mut sb).unwrap();
    sb.finish()
}

/// One backend's keys for a shape.
struct Keys<P: ProofSystem> {
    pk: P::ProvingKey,
    vk: P::VerifyingKey,
}

impl<P: ProofSystem> Keys<P> {
    fn new(shape: &R1csShape) -> Self {
        let (pk, vk) = P::setup(shape).unwrap();
        Keys { pk, vk }
    }

    /// Proves for an assignment (unchecked) and verifies the encoded proof.
    fn accepts(&self, w: &[Fr], x: &[Fr]) -> bool {
        let p = P::prove_assignment(&self.pk, w, x, &mut t()).unwrap();
        P::verify(&self.vk, &P::encode_proof(&p), x, &mut t()).is_ok()
    }
}

/// `n` seeded single-entry mutations of a witness of length `len`: an entry
/// chosen at random, replaced by its value plus one (even draws) or by a
/// random field element (odd draws).
fn mutations(len: usize, n: usize, seed: u64) -> Vec<(usize, Option<Fr>)> {
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    (0..n)
        .map(|k| {
            let i = r.gen_range(0..len);
            (i, (k % 2 == 1).then(|| Fr::random(&mut r)))
        })
        .collect()
}

/// What the differential saw on one instance.
#[derive(Debug, PartialEq, Eq)]
struct Differential {
    /// Mutants still satisfying the R1CS (both backends accepted them).
    satisfying: usize,
    /// Mutants that do not (both backends rejected them).
    unsatisfying: usize,
}

/// The differential of our backend against libspartan on one R1CS
/// instance: both accept the honest witness; for each of `n` seeded
/// single-entry mutations, satisfiability is decided natively and both
/// backends must give that verdict (a mutant that still satisfies the
/// R1CS must be accepted by both, any other rejected by both).
fn differential<C: Circuit>(
    name: &str,
    shape: &R1csShape,
    honest: &C,
    n: usize,
    seed: u64,
) -> Differential {
    let ours = Keys::<HyraxSpartan>::new(shape);
    let reference = Keys::<Libspartan>::new(shape);
    let (w, x) = generate_witness(honest).unwrap();
    assert!(shape.first_unsatisfied(&w, &x).is_none(), "{name}: honest");
    assert!(
        ours.accepts(&w, &x),
        "{name}: ours rejects the honest witness"
    );
    assert!(
        reference.accepts(&w, &x),
        "{name}: libspartan rejects the honest witness"
    );
    let mut out = Differential {
        satisfying: 0,
        unsatisfying: 0,
    };
    let mut m = w.clone();
    for (i, value) in mutations(w.len(), n, seed) {
        m[i] = value.unwrap_or(w[i] + Fr::ONE);
        let native = shape.first_unsatisfied(&m, &x).is_none();
        let (a, b) = (ours.accepts(&m, &x), reference.accepts(&m, &x));
        assert_eq!(
            (a, b),
            (native, native),
            "{name}: w[{i}] := {value:?} (+1 if None): (ours, libspartan) accept = {:?}, satisfied = {native}",
            (a, b)
        );
        if native {
            out.satisfying += 1;
        } else {
            out.unsatisfying += 1;
        }
        m[i] = w[i];
    }
    out
}

/// The conformance kit: completeness, binding to inputs, transcript and
/// shape, and byte-level robustness.
fn conformance<P: ProofSystem, C: Circuit>(shape: &R1csShape, honest: &C) {
    let (pk, vk) = P::setup(shape).unwrap();
    let (_, vk2) = P::setup(shape).unwrap();
    assert_eq!(
        vk.digest(),
        vk2.digest(),
        "{}: digest not deterministic",
        P::ID
    );
    let mut other = shape.clone();
    other.c.push((0, 0, Fr::ONE));
    let (_, vk_other) = P::setup(&other).unwrap();
    assert_ne!(vk.digest(), vk_other.digest());

    let (p, x) = P::prove(&pk, honest, &mut t()).unwrap();
    let bytes = P::encode_proof(&p);
    P::verify(&vk, &bytes, &x, &mut t()).unwrap();
    assert!(P::verify(&vk, &bytes, &x, &mut Transcript::new(b"other")).is_err());
    assert!(P::verify(&vk_other, &bytes, &x, &mut t()).is_err());
    if !x.is_empty() {
        let mut bad = x.clone();
        bad[0] += Fr::ONE;
        assert!(P::verify(&vk, &bytes, &bad, &mut t()).is_err());
        assert!(matches!(
            P::verify(&vk, &bytes, &x[1..], &mut t()),
            Err(ProofError::WrongInputCount { .. })
        ));
    }
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(P::verify(&vk, &bytes[..cut], &x, &mut t()).is_err());
    }
    let mut ext = bytes.clone();
    ext.push(0);
    assert!(P::verify(&vk, &ext, &x, &mut t()).is_err());
    for i in (0..bytes.len()).step_by(bytes.len() / 24 + 1) {
        let mut m = bytes.clone();
        m[i] ^= 1 << (i % 8);
        assert!(
            P::verify(&vk, &m, &x, &mut t()).is_err(),
            "{}: flip in byte {i} accepted",
            P::ID
        );
    }
}

fn range(d: usize) -> (R1csShape, RangeCheckCircuit) {
    let mut r = ChaCha20Rng::seed_from_u64(d as u64);
    let values = (0..d).map(|_| r.gen_range(-32768..32768)).collect();
    (
        shape_of(&RangeCheckCircuit::shape(d, 16)),
        RangeCheckCircuit {
            d,
            bits: 16,
            values: Some(values),
        },
    )
}

fn update(d: usize) -> (R1csShape, BoundedUpdateCircuit) {
    let mut r = ChaCha20Rng::seed_from_u64(100 + d as u64);
    let w = BoundedUpdateWitness {
        delta: (0..d).map(|_| r.gen_range(-32768..32768)).collect(),
        beta: Fr::random(&mut r),
        salt: Fr::random(&mut r),
    };
    (
        shape_of(&BoundedUpdateCircuit::shape(d, 16)),
        BoundedUpdateCircuit::honest(16, w, Fr::random(&mut r)),
    )
}

#[test]
fn both_backends_pass_the_conformance_kit() {
    let (s, c) = range(3);
    conformance::<Libspartan, _>(&s, &c);
    conformance::<HyraxSpartan, _>(&s, &c);
    let (s, c) = update(2);
    conformance::<Libspartan, _>(&s, &c);
    conformance::<HyraxSpartan, _>(&s, &c);
}

/// Every mutant of the range check and the bounded update is rejected:
/// each witness entry is a bit, a Horner accumulator or a Poseidon state,
/// all determined by the statement.
fn all_rejected(n: usize) -> Differential {
    Differential {
        satisfying: 0,
        unsatisfying: n,
    }
}

#[test]
fn differential_range_check_accepts_honest_and_rejects_mutants_like_libspartan() {
    // d = 1, 3, 5, 6: 16, 48, 80, 96 constraints (only the first a power of
    // two), 100 mutants each.
    for d in [1usize, 3, 5, 6] {
        let (s, c) = range(d);
        let name = format!("range d={d}");
        assert_eq!(
            differential(&name, &s, &c, 100, d as u64),
            all_rejected(100)
        );
    }
}

#[test]
fn differential_bounded_update_accepts_honest_and_rejects_mutants_like_libspartan() {
    // d = 1, 3, 5 (none a power of two in constraints): 100 mutants in all,
    // most at d = 5.
    for (d, n) in [(1usize, 20), (3, 30), (5, 50)] {
        let (s, c) = update(d);
        let name = format!("update d={d}");
        assert_eq!(
            differential(&name, &s, &c, n, 200 + d as u64),
            all_rejected(n)
        );
    }
}

/// R_train (logistic regression, 30 features as Breast Cancer) on `n`
/// samples of synthetic data from a fixed seed.
fn train(cfg: TrainConfig, seed: u64) -> (R1csShape, TrainCircuit<LogisticRegression>) {
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let n = cfg.max_samples;
    let half = 1i64 << (cfg.data_format.total_bits - 1);
    let rows: Vec<Vec<i64>> = (0..n)
        .map(|_| {
            (0..cfg.num_features)
                .map(|_| r.gen_range(-half..half))
                .collect()
        })
        .collect();
    let labels = (0..n).map(|_| r.gen_range(0..2)).collect();
    let data = DataOpening::new(Dataset::from_rows(&rows, labels).unwrap(), &mut r);
    let weights: Vec<i64> = (0..cfg.dim()).map(|_| r.gen_range(-2000..2000)).collect();
    let update =
        UpdateOpening::train(&LogisticRegression, &cfg, &weights, &data.data, &mut r).unwrap();
    let rho = random_scalar(&mut r);
    let st =
        TrainStatement::honest(&cfg, LabelKind::Binary, &weights, &data, &update, rho).unwrap();
    let shape = shape_of(&TrainCircuit::shape(cfg.clone(), LogisticRegression).unwrap());
    let circuit =
        TrainCircuit::new(cfg, LogisticRegression, st, TrainWitness { data, update }).unwrap();
    (shape, circuit)
}

/// R_train's mutants, 100 of them: every witness entry is determined by
/// the statement, so each must be rejected (and both backends must agree
/// with the native check whatever it says).
fn train_differential(name: &str, cfg: TrainConfig) {
    let (s, c) = train(cfg, 2024);
    eprintln!(
        "{name}: {} constraints, {} witnesses",
        s.num_cons, s.num_vars
    );
    assert_eq!(differential(name, &s, &c, 100, 2025), all_rejected(100));
}

#[test]
fn differential_train_compact_on_one_sample() {
    // The compact configuration (features Q3.2).
    train_differential("train compact N=1", TrainConfig::breast_cancer_compact(1));
}

#[test]
fn differential_train_default_on_one_sample() {
    // The default configuration (features Q4.4).
    train_differential("train default N=1", TrainConfig::breast_cancer(1));
}

/// The full-size R_train (91 x 30), both configurations, 100 mutants each:
/// `cargo test -p zkagg-zk --lib -- --ignored differential_train_full_size`.
#[test]
#[ignore = "slow (minutes): 2 x 101 proofs per backend at 2^15 and 2^16 constraints"]
fn differential_train_full_size() {
    for (name, cfg) in [
        ("train compact N=91", TrainConfig::breast_cancer_compact(91)),
        ("train default N=91", TrainConfig::breast_cancer(91)),
    ] {
        train_differential(name, cfg);
    }
}

#[test]
fn configured_backend_dispatches() {
    let (s, c) = range(2);
    for backend in [Backend::Libspartan, Backend::HyraxSpartan] {
        let (pk, vk) = setup(backend, &s).unwrap();
        let (bytes, x) = pk.prove(&c, &mut t()).unwrap();
        vk.verify(&bytes, &x, &mut t()).unwrap();
        assert!(vk.verify(&bytes[1..], &x, &mut t()).is_err());
        let json = serde_json::to_string(&backend).unwrap();
        assert_eq!(serde_json::from_str::<Backend>(&json).unwrap(), backend);
    }
    assert_eq!(
        serde_json::from_str::<Backend>("\"hyrax-spartan\"").unwrap(),
        Backend::HyraxSpartan
    );
    assert_ne!(Backend::Libspartan.id(), Backend::HyraxSpartan.id());
}
