use super::*;
use crate::circuits::RangeCheckCircuit;
use crate::hyrax::{mle, BatchCheck, SerialCheck};
use crate::r1cs::{Circuit, ShapeBuilder};
use crate::spartan::generate_witness;
use crate::update::{BoundedUpdateCircuit, BoundedUpdateWitness};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn t() -> Transcript {
    Transcript::new(b"zkagg/test")
}

fn shape_of<C: Circuit>(c: &C) -> R1csShape {
    let mut sb = ShapeBuilder::new();
    c.synthesize(&mut sb).unwrap();
    sb.finish()
}

fn range(d: usize, bits: usize, seed: u64) -> (RangeCheckCircuit, RangeCheckCircuit) {
    let mut r = rng(seed);
    let half = 1i64 << (bits - 1);
    let values = (0..d).map(|_| r.gen_range(-half..half)).collect();
    (
        RangeCheckCircuit::shape(d, bits),
        RangeCheckCircuit {
            d,
            bits,
            values: Some(values),
        },
    )
}

fn update(d: usize, seed: u64) -> (BoundedUpdateCircuit, BoundedUpdateCircuit) {
    let mut r = rng(seed);
    let w = BoundedUpdateWitness {
        delta: (0..d).map(|_| r.gen_range(-32768..32768)).collect(),
        beta: Fr::random(&mut r),
        salt: Fr::random(&mut r),
    };
    (
        BoundedUpdateCircuit::shape(d, 16),
        BoundedUpdateCircuit::honest(16, w, Fr::random(&mut r)),
    )
}

/// The column of shape variable c in the padded layout z = (w, 0.., 1, x, 0..).
fn padded_col(shape: &R1csShape, vk: &VerifyingKey) -> impl Fn(usize) -> usize {
    let (nv, nw) = (shape.num_vars, vk.size().witness_len());
    let vk = vk.clone();
    move |c| if c < nv { vk.col_of(c) } else { nw + c - nv }
}

/// A dense reference: the matrices as one 2^(s_x + s_y) table, folded at (rx, ry).
fn dense_eval(shape: &R1csShape, vk: &VerifyingKey, rx: &[Fr], ry: &[Fr]) -> [Fr; 3] {
    let size = vk.size();
    let ncols = 2 * size.witness_len();
    let col = padded_col(shape, vk);
    let mut out = [Fr::ZERO; 3];
    for (k, m) in [&shape.a, &shape.b, &shape.c].into_iter().enumerate() {
        let mut table = vec![Fr::ZERO; size.num_rows() * ncols];
        for (r, c, v) in m.iter() {
            table[vk.row_of(*r) * ncols + col(*c)] += v;
        }
        let point: Vec<Fr> = rx.iter().chain(ry).copied().collect();
        out[k] = mle::evaluate(&table, &point);
    }
    out
}

#[test]
fn flat_evaluator_agrees_with_dense_evaluation() {
    let mut r = rng(1);
    let shapes = [
        shape_of(&RangeCheckCircuit::shape(3, 4)),
        shape_of(&RangeCheckCircuit::shape(5, 16)),
        shape_of(&BoundedUpdateCircuit::shape(2, 16)),
    ];
    for shape in &shapes {
        let (_, vk) = setup(shape).unwrap();
        let size = vk.size();
        for _ in 0..3 {
            let rx: Vec<Fr> = (0..size.s_x).map(|_| Fr::random(&mut r)).collect();
            let ry: Vec<Fr> = (0..=size.s_w).map(|_| Fr::random(&mut r)).collect();
            assert_eq!(
                vk.evaluator().evaluate(&rx, &ry).unwrap(),
                dense_eval(shape, &vk, &rx, &ry)
            );
        }
        assert!(vk.evaluator().evaluate(&[], &[]).is_none());
    }
}

fn prove<C: Circuit>(pk: &ProvingKey, c: &C, seed: u64) -> (NizkProof, Vec<Fr>) {
    let (w, x) = generate_witness(c).unwrap();
    let p = pk.prove_with_rng(&w, &x, &mut t(), &mut rng(seed)).unwrap();
    (p, x)
}

#[test]
fn honest_range_and_update_proofs_verify() {
    for (d, bits) in [(1usize, 2usize), (3, 16), (5, 16), (7, 8)] {
        let (shape, c) = range(d, bits, d as u64);
        let (pk, vk) = setup(&shape_of(&shape)).unwrap();
        let (p, x) = prove(&pk, &c, 1);
        vk.verify(&p, &x, &mut t()).unwrap();
        vk.verify_bytes(&p.to_bytes(), &x, &mut t()).unwrap();
    }
    for d in [1usize, 3] {
        let (shape, c) = update(d, d as u64);
        let (pk, vk) = setup(&shape_of(&shape)).unwrap();
        let (p, x) = prove(&pk, &c, 2);
        vk.verify(&p, &x, &mut t()).unwrap();
        // Wrong public input, other transcript, wrong count.
        let mut bad = x.clone();
        bad[2] += Fr::ONE;
        assert!(vk.verify(&p, &bad, &mut t()).is_err());
        assert!(vk.verify(&p, &x, &mut Transcript::new(b"other")).is_err());
        assert!(matches!(
            vk.verify(&p, &x[1..], &mut t()),
            Err(NizkError::WrongInputCount { .. })
        ));
    }
}

#[test]
fn single_entry_witness_mutations_are_rejected() {
    let (shape, c) = range(3, 8, 4);
    let shape = shape_of(&shape);
    let (pk, vk) = setup(&shape).unwrap();
    let (w, x) = generate_witness(&c).unwrap();
    for i in 0..w.len() {
        let mut m = w.clone();
        m[i] += Fr::ONE;
        assert!(shape.first_unsatisfied(&m, &x).is_some());
        let p = pk
            .prove_with_rng(&m, &x, &mut t(), &mut rng(i as u64))
            .unwrap();
        assert!(
            vk.verify(&p, &x, &mut t()).is_err(),
            "mutation of w[{i}] accepted"
        );
    }
}

#[test]
fn replayed_proof_under_another_statement_is_rejected() {
    // Same sizes, other shape: 4-bit and 3-bit checks of 2 and 3 values have
    // different matrices; and the same shape with other public inputs.
    let (s1, c1) = range(2, 4, 5);
    let (pk1, vk1) = setup(&shape_of(&s1)).unwrap();
    let (p, x) = prove(&pk1, &c1, 3);
    vk1.verify(&p, &x, &mut t()).unwrap();
    let mut s2 = shape_of(&s1);
    s2.c.push((0, 0, Fr::ONE));
    let (_, vk2) = setup(&s2).unwrap();
    assert_eq!(vk1.size(), vk2.size());
    assert_ne!(vk1.digest(), vk2.digest());
    assert!(vk2.verify(&p, &x, &mut t()).is_err());
}

#[test]
fn batched_and_serial_verifiers_agree_and_every_byte_flip_is_an_error() {
    let (shape, c) = range(1, 2, 6);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    let (p, x) = prove(&pk, &c, 4);
    let bytes = p.to_bytes();
    let run = |b: &[u8]| -> (bool, bool) {
        let Ok(p) = NizkProof::from_bytes(b, &vk) else {
            return (false, false);
        };
        let mut batch = BatchCheck::new(vk.generators(), rng(9));
        let bv = vk.verify_into(&p, &x, &mut t(), &mut batch).is_ok() && batch.verify();
        let mut serial = SerialCheck::new(vk.generators());
        let sv = vk.verify_into(&p, &x, &mut t(), &mut serial).is_ok() && serial.verify();
        (bv, sv)
    };
    assert_eq!(run(&bytes), (true, true));
    for i in 0..bytes.len() {
        let mut m = bytes.clone();
        m[i] ^= 1 << (i % 8);
        assert_eq!(
            run(&m),
            (false, false),
            "flip in byte {i} of {}",
            bytes.len()
        );
    }
    for cut in [0, 1, 32, bytes.len() / 2, bytes.len() - 1] {
        assert!(NizkProof::from_bytes(&bytes[..cut], &vk).is_err());
    }
    for extra in [&[0u8][..], &[1, 2, 3]] {
        let mut m = bytes.clone();
        m.extend_from_slice(extra);
        assert!(NizkProof::from_bytes(&m, &vk).is_err());
    }
}

#[test]
fn no_claimed_value_is_serialised() {
    let (shape, c) = update(2, 9);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    let (w, x) = generate_witness(&c).unwrap();
    let p = pk.prove_with_rng(&w, &x, &mut t(), &mut rng(1)).unwrap();
    let mut batch = BatchCheck::new(vk.generators(), rng(2));
    let ch = vk.verify_into(&p, &x, &mut t(), &mut batch).unwrap();
    assert!(batch.verify());
    let size = vk.size();
    let nw = size.witness_len();
    let mut z = vec![Fr::ZERO; 2 * nw];
    z[..w.len()].copy_from_slice(&w);
    z[nw] = Fr::ONE;
    z[nw + 1..nw + 1 + x.len()].copy_from_slice(&x);
    let zf = crate::fe::to_fe(&z);
    let mut secrets = Vec::new();
    for m in &vk.evaluator().mats {
        let mz = crate::fe::to_fr(&m.mul_vec(&zf, size.num_rows()));
        secrets.push(mle::evaluate(&mz, &ch.rx));
    }
    secrets.push(secrets[0] * secrets[1]);
    secrets.push(mle::evaluate(&w, &ch.ry[1..]));
    secrets.push(mle::evaluate(&z, &ch.ry));
    let bytes = p.to_bytes();
    for (i, v) in secrets.iter().enumerate() {
        assert!(
            !bytes.windows(32).any(|win| win == v.as_bytes()),
            "claimed value {i} appears in the proof"
        );
    }
}

/// l, the group order, little-endian: the smallest non-canonical scalar.
const L_BYTES: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

#[test]
fn non_canonical_scalars_and_points_in_a_proof_are_encoding_errors() {
    let (shape, c) = range(1, 2, 10);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    let (p, x) = prove(&pk, &c, 5);
    let bytes = p.to_bytes();
    // The last field is eq_inner.z, a scalar: l + z would be the same residue.
    let n = bytes.len();
    let z = Fr::from_canonical_bytes(bytes[n - 32..].try_into().unwrap()).unwrap();
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let s = L_BYTES[i] as u16 + z.as_bytes()[i] as u16 + carry;
        sum[i] = s as u8;
        carry = s >> 8;
    }
    for bad in [L_BYTES, [0xff; 32]] {
        let mut m = bytes.clone();
        m[n - 32..].copy_from_slice(&bad);
        assert!(matches!(
            vk.verify_bytes(&m, &x, &mut t()),
            Err(NizkError::Hyrax(crate::hyrax::HyraxError::Encoding(_)))
        ));
    }
    if carry == 0 && sum[31] < 0x20 {
        // l + z < 2^256 (and would reduce to z): still rejected.
        let mut m = bytes.clone();
        m[n - 32..].copy_from_slice(&sum);
        assert!(vk.verify_bytes(&m, &x, &mut t()).is_err());
    }
    // The first point (a witness row commitment, after the one-byte length):
    // an invalid encoding and the non-canonical encoding of a valid point
    // (p + 2^255 - 19 for small p would be one; 0xff..ff is never valid).
    for bad in [[0xffu8; 32], {
        let mut b = [0u8; 32];
        b[0] = 1; // the field element 1 is "negative" in ristretto's sense
        b
    }] {
        let mut m = bytes.clone();
        m[1..33].copy_from_slice(&bad);
        assert!(matches!(
            vk.verify_bytes(&m, &x, &mut t()),
            Err(NizkError::Hyrax(crate::hyrax::HyraxError::Encoding(_)))
        ));
    }
    // The identity point where a commitment is expected decodes but must not verify.
    let mut m = bytes.clone();
    m[1..33].copy_from_slice(&[0u8; 32]);
    assert!(vk.verify_bytes(&m, &x, &mut t()).is_err());
}

#[test]
fn many_proofs_verify_in_one_msm_and_one_bad_proof_fails_the_batch() {
    let (shape, _) = range(2, 8, 11);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    let proofs: Vec<(NizkProof, Vec<Fr>)> = (0..4)
        .map(|i| prove(&pk, &range(2, 8, 20 + i).1, i))
        .collect();
    let mut ts: Vec<Transcript> = (0..4).map(|_| t()).collect();
    let mut items: Vec<(&NizkProof, &[Fr], &mut Transcript)> = proofs
        .iter()
        .zip(ts.iter_mut())
        .map(|((p, x), t)| (p, x.as_slice(), t))
        .collect();
    vk.verify_batch_with_rng(&mut items, rng(1)).unwrap();
    // One proof bound to another transcript.
    let mut ts: Vec<Transcript> = (0..4).map(|_| t()).collect();
    ts[2] = Transcript::new(b"other");
    let mut items: Vec<(&NizkProof, &[Fr], &mut Transcript)> = proofs
        .iter()
        .zip(ts.iter_mut())
        .map(|((p, x), t)| (p, x.as_slice(), t))
        .collect();
    assert_eq!(
        vk.verify_batch_with_rng(&mut items, rng(2)),
        Err((4, NizkError::Rejected))
    );
    // A structural error is attributed to its proof.
    let mut short = proofs[1].0.clone();
    short.inner.rounds.pop();
    let mut ts: Vec<Transcript> = (0..2).map(|_| t()).collect();
    let (t0, t1) = ts.split_at_mut(1);
    let mut items: Vec<(&NizkProof, &[Fr], &mut Transcript)> = vec![
        (&proofs[0].0, proofs[0].1.as_slice(), &mut t0[0]),
        (&short, proofs[1].1.as_slice(), &mut t1[0]),
    ];
    assert!(matches!(
        vk.verify_batch_with_rng(&mut items, rng(3)),
        Err((1, NizkError::Sumcheck(_)))
    ));
}

/// The shape's entries in the padded layout, sorted (the independent
/// reference for the structured description's expansion).
fn padded_entries(shape: &R1csShape, vk: &VerifyingKey) -> [Vec<(usize, usize, Fr)>; 3] {
    let col = padded_col(shape, vk);
    [&shape.a, &shape.b, &shape.c].map(|m| {
        let mut v: Vec<(usize, usize, Fr)> = m
            .iter()
            .filter(|e| e.2 != Fr::ZERO)
            .map(|(r, c, v)| (vk.row_of(*r), col(*c), *v))
            .collect();
        v.sort_by_key(|a| (a.0, a.1, a.2.to_bytes()));
        v
    })
}

fn structured_shapes() -> Vec<(String, R1csShape)> {
    let mut out = Vec::new();
    for (d, bits) in [
        (4usize, 16usize),
        (5, 16),
        (100, 16),
        (1000, 16),
        (1037, 16),
        (100, 17),
        (300, 17),
        (64, 8),
        (77, 5),
        (50, 3),
    ] {
        out.push((
            format!("range d={d} bits={bits}"),
            shape_of(&RangeCheckCircuit::shape(d, bits)),
        ));
    }
    for d in [5usize, 40, 100, 333, 1000] {
        out.push((
            format!("update d={d}"),
            shape_of(&BoundedUpdateCircuit::shape(d, 16)),
        ));
    }
    out
}

#[test]
fn structured_description_reexpands_to_exactly_the_flat_matrices() {
    for (name, shape) in structured_shapes() {
        let (_, vk) = setup(&shape).unwrap();
        let s = vk
            .structured()
            .unwrap_or_else(|| panic!("{name}: no structured description"));
        assert_eq!(s.expand(), padded_entries(&shape, &vk), "{name}");
        assert!(s.matches(vk.evaluator().matrices()), "{name}");
        // The range checks are all families; the update relation leaves
        // only the Poseidon hash and a few single rows.
        let total = s.family_nnz() + s.remainder_nnz();
        assert_eq!(total, shape.a.len() + shape.b.len() + shape.c.len());
        let fams: Vec<(usize, usize, usize)> = s
            .families()
            .iter()
            .map(|f| (f.base_row, f.height, f.count))
            .collect();
        eprintln!(
            "{name}: families (base, height, count) {fams:?}, {} of {total} non-zeros in families",
            s.family_nnz()
        );
        if name.starts_with("range") {
            assert_eq!(s.remainder_nnz(), 0, "{name}");
        } else if name != "update d=5" {
            // Range checks and Horner steps.
            assert!(s.families().len() >= 2, "{name}");
        }
    }
}

#[test]
fn a_description_of_other_matrices_does_not_match() {
    let a = shape_of(&RangeCheckCircuit::shape(100, 16));
    let b = shape_of(&RangeCheckCircuit::shape(101, 16));
    let (_, va) = setup(&a).unwrap();
    let (_, vb) = setup(&b).unwrap();
    let sa = va.structured().unwrap();
    assert!(!sa.matches(vb.evaluator().matrices()));
    // One coefficient changed.
    let mut c = a.clone();
    c.b[7].2 += Fr::ONE;
    let (_, vc) = setup(&c).unwrap();
    assert!(!sa.matches(vc.evaluator().matrices()));
    assert!(vc
        .structured()
        .is_some_and(|s| s.matches(vc.evaluator().matrices())));
}

#[test]
fn structured_and_flat_evaluators_agree_at_random_points() {
    let mut r = rng(7);
    for (name, shape) in structured_shapes() {
        let (_, vk) = setup(&shape).unwrap();
        let size = vk.size();
        let s = vk.structured().unwrap();
        for _ in 0..3 {
            let rx: Vec<Fr> = (0..size.s_x).map(|_| Fr::random(&mut r)).collect();
            let ry: Vec<Fr> = (0..=size.s_w).map(|_| Fr::random(&mut r)).collect();
            assert_eq!(
                s.evaluate(&rx, &ry).unwrap(),
                vk.evaluator().evaluate(&rx, &ry).unwrap(),
                "{name}"
            );
        }
        // Boolean points pick single entries.
        let rx: Vec<Fr> = (0..size.s_x).map(|i| Fr::from((i % 2) as u64)).collect();
        let ry: Vec<Fr> = (0..=size.s_w)
            .map(|i| Fr::from((i % 3 == 0) as u64))
            .collect();
        assert_eq!(
            s.evaluate(&rx, &ry),
            vk.evaluator().evaluate(&rx, &ry),
            "{name}"
        );
        assert!(s.evaluate(&rx[1..], &ry).is_none());
        assert!(s.evaluate(&rx, &ry[1..]).is_none());
    }
    // And both against the dense reference on a small shape.
    let shape = shape_of(&BoundedUpdateCircuit::shape(5, 16));
    let (_, vk) = setup(&shape).unwrap();
    let size = vk.size();
    let rx: Vec<Fr> = (0..size.s_x).map(|_| Fr::random(&mut r)).collect();
    let ry: Vec<Fr> = (0..=size.s_w).map(|_| Fr::random(&mut r)).collect();
    assert_eq!(
        vk.structured().unwrap().evaluate(&rx, &ry).unwrap(),
        dense_eval(&shape, &vk, &rx, &ry)
    );
}

/// Families with arbitrary bases, heights and strides (negative, zero, odd,
/// even but not powers of two), built directly as matrices.
#[test]
fn synthetic_families_with_arbitrary_strides_are_inferred_and_evaluated() {
    let mut r = rng(11);
    let cases: [(usize, usize, usize, &[i64]); 6] = [
        // (base_row, height, count, column strides of the block's entries)
        (0, 1, 300, &[1, -16, 0]),
        (5, 3, 300, &[3, 3, 0, 7]),
        (3, 12, 100, &[12, 12, 24, -5, 1, 1, 1, 1, 1, 1, 1, 1]),
        (1, 17, 200, &[17, 17, 0, 17, 17, 17, 17, 17, 17, 17, 17, 17]),
        (9, 6, 177, &[-6, 6, 2, 0]),
        (2, 16, 63, &[16, 16, 16, 0]),
    ];
    for (base, h, count, strides) in cases {
        let num_rows = (base + h * count + 1).next_power_of_two();
        let num_cols = 1usize << 14;
        let mut entries = Vec::new();
        for (i, s) in strides.iter().enumerate() {
            let j = i % h;
            // Column at block 0 chosen so that every block stays in range.
            let c0: i64 = if *s < 0 {
                -s * count as i64 + i as i64
            } else {
                40 + 3 * i as i64
            };
            let v = Fr::from(i as u64 + 2);
            for t in 0..count {
                let c = c0 + s * t as i64;
                entries.push((base + t * h + j, c as usize, v));
                // A second matrix-entry in the same row with stride 0 and -1 coefficient.
                if i == 0 {
                    entries.push((base + t * h + j, num_cols - 1, -Fr::ONE));
                }
            }
        }
        // A remainder row.
        entries.push((base + h * count, 5, Fr::from(9u8)));
        let m = SparseMatrix::new(num_rows, num_cols, entries.iter().copied()).unwrap();
        let empty = SparseMatrix::new(num_rows, num_cols, core::iter::empty()).unwrap();
        let mats = [m.clone(), empty, m];
        let s = StructuredEvaluator::infer(&mats)
            .unwrap_or_else(|| panic!("h = {h}, strides {strides:?}: not inferred"));
        assert!(s.family_nnz() >= 2 * count * strides.len(), "{strides:?}");
        let flat = FlatEvaluator { mats };
        for _ in 0..3 {
            let rx: Vec<Fr> = (0..num_rows.trailing_zeros())
                .map(|_| Fr::random(&mut r))
                .collect();
            let ry: Vec<Fr> = (0..num_cols.trailing_zeros())
                .map(|_| Fr::random(&mut r))
                .collect();
            assert_eq!(s.evaluate(&rx, &ry), flat.evaluate(&rx, &ry), "{strides:?}");
        }
    }
}

#[test]
fn the_verifier_uses_the_structured_evaluator_and_proofs_verify() {
    for (shape, c) in [range(37, 16, 3), range(100, 17, 4)] {
        let (pk, vk) = setup(&shape_of(&shape)).unwrap();
        assert!(vk.structured().is_some());
        assert!(core::ptr::eq(
            vk.matrix_evaluator() as *const dyn MatrixEvaluator as *const u8,
            vk.structured().unwrap() as *const StructuredEvaluator as *const u8
        ));
        let (p, x) = prove(&pk, &c, 5);
        vk.verify(&p, &x, &mut t()).unwrap();
    }
    let (shape, c) = update(30, 6);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    assert!(vk.structured().is_some());
    let (p, x) = prove(&pk, &c, 7);
    vk.verify(&p, &x, &mut t()).unwrap();
    let mut bad = x.clone();
    bad[1] += Fr::ONE;
    assert!(vk.verify(&p, &bad, &mut t()).is_err());
}

#[test]
fn a_tiny_shape_falls_back_to_the_flat_evaluator() {
    let (shape, c) = range(2, 4, 9);
    let (pk, vk) = setup(&shape_of(&shape)).unwrap();
    assert!(vk.structured().is_none());
    assert!(core::ptr::eq(
        vk.matrix_evaluator() as *const dyn MatrixEvaluator as *const u8,
        vk.evaluator() as *const FlatEvaluator as *const u8
    ));
    let (p, x) = prove(&pk, &c, 8);
    vk.verify(&p, &x, &mut t()).unwrap();
}

/// The naive reference: sum over the shape's entries of
/// v eq(rx, row) eq(ry, col), each eq as a product over the index bits (no
/// tables, no blocks), in the key's row layout.
fn naive_eval(shape: &R1csShape, vk: &VerifyingKey, rx: &[Fr], ry: &[Fr]) -> [Fr; 3] {
    let col = padded_col(shape, vk);
    [&shape.a, &shape.b, &shape.c].map(|m| {
        m.iter()
            .map(|(r, c, v)| *v * mle::eq_at(rx, vk.row_of(*r)) * mle::eq_at(ry, col(*c)))
            .sum()
    })
}

fn train_shapes() -> Vec<(String, R1csShape)> {
    use crate::model::{LogisticRegression, TrainCircuit, TrainConfig};
    [
        ("default", TrainConfig::breast_cancer(12)),
        ("compact", TrainConfig::breast_cancer_compact(5)),
    ]
    .into_iter()
    .map(|(name, cfg)| {
        (
            format!("train {name}"),
            shape_of(&TrainCircuit::shape(cfg, LogisticRegression).unwrap()),
        )
    })
    .collect()
}

/// R_train's blocks of awkward heights (a 243-row training sample, the
/// per-sample forward pass) get a padded row layout: a permutation of the
/// rows under which the structured description covers them, re-expands to
/// exactly the (renumbered) shape, and both evaluators agree with the naive
/// sum at random points.
#[test]
fn train_shapes_get_a_padded_row_layout_and_the_evaluators_agree() {
    let mut r = rng(17);
    for (name, shape) in train_shapes() {
        let (_, vk) = setup(&shape).unwrap();
        let size = vk.size();
        let mut seen = vec![false; size.num_rows()];
        for i in 0..size.num_rows() {
            let p = vk.row_of(i);
            assert!(!seen[p], "{name}: row {p} taken twice");
            seen[p] = true;
        }
        assert!(
            (0..shape.num_cons).any(|i| vk.row_of(i) != i),
            "{name}: no padded blocks"
        );
        let s = vk
            .structured()
            .unwrap_or_else(|| panic!("{name}: no structured description"));
        assert_eq!(s.expand(), padded_entries(&shape, &vk), "{name}");
        if name == "train default" {
            // The 243-row samples, padded to 256.
            assert!(
                s.families()
                    .iter()
                    .any(|f| f.height == 256 && f.count >= 10),
                "{name}"
            );
        }
        for _ in 0..2 {
            let rx: Vec<Fr> = (0..size.s_x).map(|_| Fr::random(&mut r)).collect();
            let ry: Vec<Fr> = (0..=size.s_w).map(|_| Fr::random(&mut r)).collect();
            let flat = vk.evaluator().evaluate(&rx, &ry).unwrap();
            assert_eq!(s.evaluate(&rx, &ry).unwrap(), flat, "{name}");
            assert_eq!(naive_eval(&shape, &vk, &rx, &ry), flat, "{name}");
        }
    }
}

/// R_train end to end on our backend with the padded witness layout: the
/// prover places its witness by the key's column map, honest proofs
/// verify, a changed witness entry or public input is rejected.
#[test]
fn train_proofs_with_a_padded_witness_layout_verify() {
    use crate::model::*;
    let n = 24;
    let cfg = TrainConfig::breast_cancer(n);
    let mut r = rng(2024);
    let circuit = synthetic_logistic_circuit(&cfg, n, &mut r).unwrap();
    let shape = shape_of(&TrainCircuit::shape(cfg, LogisticRegression).unwrap());
    let (pk, vk) = setup(&shape).unwrap();
    let size = vk.size();
    // The data commitment's 437-variable Poseidon permutations: their
    // variables padded to 512 columns (an injection into the witness half),
    // their rows to 512, and the absorbed data values as irregular entries.
    let mut taken = vec![false; size.witness_len()];
    for i in 0..shape.num_vars {
        let c = vk.col_of(i);
        assert!(c < size.witness_len() && !taken[c], "column {c}");
        taken[c] = true;
    }
    assert!((0..shape.num_vars).any(|i| vk.col_of(i) != i));
    let s = vk.structured().unwrap();
    assert!(s
        .families()
        .iter()
        .any(|f| f.height == 512 && f.count >= 3 && !f.irregular.is_empty()));
    assert_eq!(s.expand(), padded_entries(&shape, &vk));
    let mut r2 = rng(5);
    let rx: Vec<Fr> = (0..size.s_x).map(|_| Fr::random(&mut r2)).collect();
    let ry: Vec<Fr> = (0..=size.s_w).map(|_| Fr::random(&mut r2)).collect();
    let flat = vk.evaluator().evaluate(&rx, &ry).unwrap();
    assert_eq!(s.evaluate(&rx, &ry).unwrap(), flat);
    assert_eq!(naive_eval(&shape, &vk, &rx, &ry), flat);
    let (w, x) = generate_witness(&circuit).unwrap();
    let p = pk.prove_with_rng(&w, &x, &mut t(), &mut rng(3)).unwrap();
    vk.verify_bytes(&p.to_bytes(), &x, &mut t()).unwrap();
    let mut bad = x.clone();
    bad[0] += Fr::ONE;
    assert!(vk.verify(&p, &bad, &mut t()).is_err());
    // A witness entry inside a padded permutation block, and one of the
    // absorbed data values.
    for i in [shape.num_vars - 500, 3] {
        let mut w2 = w.clone();
        w2[i] += Fr::ONE;
        let p = pk.prove_with_rng(&w2, &x, &mut t(), &mut rng(4)).unwrap();
        assert!(vk.verify(&p, &x, &mut t()).is_err(), "witness entry {i}");
    }
}

/// A structured description whose irregular column table is changed no
/// longer matches the matrices.
#[test]
fn a_changed_irregular_column_table_does_not_match() {
    let (_, shape) = train_shapes().swap_remove(0);
    let (_, vk) = setup(&shape).unwrap();
    let mut s = vk.structured().unwrap().clone();
    let i = s
        .families()
        .iter()
        .position(|f| !f.irregular.is_empty())
        .expect("a family with irregular entries");
    s.families_mut()[i].irregular[0].cols[1] += 1;
    assert!(!s.matches(vk.evaluator().matrices()));
    s.families_mut()[i].irregular[0].cols[1] -= 1;
    assert!(s.matches(vk.evaluator().matrices()));
    s.families_mut()[i].irregular[0].cols.pop();
    assert!(!s.matches(vk.evaluator().matrices()));
}
