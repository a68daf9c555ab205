//! The conformance kit every [`ProofSystem`] runs, and the differential
//! tests of our backend against libspartan on the same R1CS instances.

use super::*;
use crate::circuits::RangeCheckCircuit;
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

/// Verdicts of a backend on one instance: honest, then each mutated witness.
fn verdicts<P: ProofSystem, C: Circuit>(shape: &R1csShape, honest: &C) -> Vec<bool> {
    let (pk, vk) = P::setup(shape).unwrap();
    let (w, x) = generate_witness(honest).unwrap();
    let mut out = Vec::new();
    let p = P::prove_assignment(&pk, &w, &x, &mut t()).unwrap();
    out.push(P::verify(&vk, &P::encode_proof(&p), &x, &mut t()).is_ok());
    for i in [0, w.len() / 2, w.len() - 1] {
        let mut m = w.clone();
        m[i] += Fr::ONE;
        assert!(shape.first_unsatisfied(&m, &x).is_some());
        let p = P::prove_assignment(&pk, &m, &x, &mut t()).unwrap();
        out.push(P::verify(&vk, &P::encode_proof(&p), &x, &mut t()).is_ok());
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

#[test]
fn differential_range_check_accepts_honest_and_rejects_mutants_like_libspartan() {
    // d = 1, 3, 5, 6: 16, 48, 80, 96 constraints (only the first a power of two).
    for d in [1usize, 3, 5, 6] {
        let (s, c) = range(d);
        let ours = verdicts::<HyraxSpartan, _>(&s, &c);
        let reference = verdicts::<Libspartan, _>(&s, &c);
        assert_eq!(ours, reference, "d={d}");
        assert_eq!(ours, [true, false, false, false], "d={d}");
    }
}

#[test]
fn differential_bounded_update_accepts_honest_and_rejects_mutants_like_libspartan() {
    for d in [1usize, 3, 5] {
        let (s, c) = update(d);
        let ours = verdicts::<HyraxSpartan, _>(&s, &c);
        let reference = verdicts::<Libspartan, _>(&s, &c);
        assert_eq!(ours, reference, "d={d}");
        assert_eq!(ours, [true, false, false, false], "d={d}");
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
