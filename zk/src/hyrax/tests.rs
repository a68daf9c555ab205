use super::*;
use crate::encoding;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn gens(cols: usize) -> Generators {
    Generators::new(b"zkagg/test", cols, 4)
}

fn rand_vec(n: usize, r: &mut ChaCha20Rng) -> Vec<Fr> {
    (0..n).map(|_| Fr::random(r)).collect()
}

#[test]
fn generators_are_distinct_and_context_bound() {
    let g = gens(16);
    let mut all: Vec<[u8; 32]> = g
        .cols()
        .iter()
        .chain(g.coeffs())
        .chain([g.g(), g.h()])
        .map(|p| p.compress().to_bytes())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n);
    let other = Generators::new(b"zkagg/other", 1, 1);
    assert_ne!(other.cols()[0], g.cols()[0]);
    assert_ne!(other.h(), g.h());
}

#[test]
fn small_value_commitment_matches_plain_msm() {
    let g = gens(64);
    let mut r = rng(2);
    let mut v: Vec<Fr> = Vec::new();
    for i in 0..64i64 {
        v.push(match i % 5 {
            0 => Fr::from((i % 2) as u64),
            1 => crate::field::from_i64(-(i * 517) % 32768),
            2 => crate::field::from_i64(i * 1001 % 32768),
            3 => Fr::random(&mut r),
            _ => Fr::ZERO,
        });
    }
    let blind = Fr::random(&mut r);
    for len in [0usize, 1, 3, 31, 33, 64] {
        let want = RistrettoPoint::multiscalar_mul(
            v[..len].iter().chain([&blind]),
            g.cols()[..len].iter().chain([g.h()]),
        );
        assert_eq!(g.commit_vec(Basis::Cols, &v[..len], &blind).unwrap(), want);
    }
    // Only bits, and only 16-bit values.
    let bits: Vec<Fr> = (0..64u64).map(|i| Fr::from(i * 7 % 3 % 2)).collect();
    let want = RistrettoPoint::multiscalar_mul(&bits, g.cols());
    assert_eq!(g.commit_vec(Basis::Cols, &bits, &Fr::ZERO).unwrap(), want);
    assert!(g
        .commit_vec(Basis::Cols, &rand_vec(65, &mut r), &blind)
        .is_err());
}

/// Rows with many full-size entries (the Straus tables) and ones spread over
/// the groups of the subset sums, over a column count that is not a
/// multiple of the group size.
#[test]
fn row_commitments_with_many_full_entries_match_plain_msm() {
    let g = gens(100);
    let mut r = rng(3);
    let v: Vec<Fr> = (0..100u64)
        .map(|i| match i % 3 {
            0 => Fr::random(&mut r),
            1 => Fr::from(i % 2),
            _ => crate::field::from_i64(-(i as i64)),
        })
        .collect();
    let blind = Fr::random(&mut r);
    for len in [100usize, 99, 97, 40] {
        let want = RistrettoPoint::multiscalar_mul(
            v[..len].iter().chain([&blind]),
            g.cols()[..len].iter().chain([g.h()]),
        );
        assert_eq!(g.commit_vec(Basis::Cols, &v[..len], &blind).unwrap(), want);
    }
}

struct Opening {
    layout: Layout,
    comm: PolyCommitment,
    point: Vec<Fr>,
    comm_value: Pt,
    proof: OpeningProof,
}

fn opening(g: &Generators, n: usize, len: usize, seed: u64) -> (Opening, Fr) {
    let mut r = rng(seed);
    let layout = Layout::new(n);
    let poly = rand_vec(len, &mut r);
    let (comm, blinds) = PolyCommitment::commit(g, layout, &poly, &mut r).unwrap();
    let point = rand_vec(n, &mut r);
    let v = mle::evaluate(&poly, &point);
    let rv = Fr::random(&mut r);
    let comm_value = Pt::new(g.commit_scalar(&v, &rv));
    let mut t = Transcript::new(b"test");
    let proof = OpeningProof::prove(
        g,
        layout,
        &comm,
        &poly,
        &blinds,
        &point,
        &comm_value,
        &rv,
        &mut t,
        &mut r,
    )
    .unwrap();
    (
        Opening {
            layout,
            comm,
            point,
            comm_value,
            proof,
        },
        v,
    )
}

fn check<S: Sink>(o: &Opening, sink: &mut S) -> Result<(), HyraxError> {
    o.proof.verify(
        o.layout,
        &o.comm,
        &o.point,
        &o.comm_value,
        &mut Transcript::new(b"test"),
        sink,
    )
}

fn batch_ok(g: &Generators, o: &Opening) -> bool {
    let mut b = BatchCheck::new(g, rng(99));
    check(o, &mut b).is_ok() && b.verify()
}

fn serial_ok(g: &Generators, o: &Opening) -> bool {
    let mut s = SerialCheck::new(g);
    check(o, &mut s).is_ok() && s.verify()
}

#[test]
fn openings_verify_batched_and_serially_and_reject_wrong_values() {
    let g = gens(16);
    for (n, len) in [(0usize, 1usize), (1, 2), (4, 16), (5, 20), (7, 128)] {
        let (o, v) = opening(&g, n, len, n as u64);
        assert!(batch_ok(&g, &o), "n={n}");
        assert!(serial_ok(&g, &o), "n={n}");
        // Another committed value, the same proof.
        let mut bad = o.proof.clone();
        bad.dot.z_beta += Fr::ONE;
        let wrong = Opening {
            comm_value: Pt::new(g.commit_scalar(&(v + Fr::ONE), &Fr::ONE)),
            ..o
        };
        assert!(!batch_ok(&g, &wrong));
        assert!(!serial_ok(&g, &wrong));
        let o2 = Opening {
            proof: bad,
            ..wrong
        };
        assert!(!batch_ok(&g, &o2));
    }
}

#[test]
fn wrong_shapes_are_errors() {
    let g = gens(16);
    let (o, _) = opening(&g, 6, 64, 3);
    let mut short = o.proof.clone();
    short.dot.z.pop();
    assert!(check(
        &Opening {
            proof: short,
            ..opening(&g, 6, 64, 3).0
        },
        &mut SerialCheck::new(&g)
    )
    .is_err());
    let mut comm = o.comm.clone();
    comm.rows.push(comm.rows[0]);
    assert!(check(
        &Opening {
            comm,
            ..opening(&g, 6, 64, 3).0
        },
        &mut SerialCheck::new(&g)
    )
    .is_err());
    let mut point = o.point.clone();
    point.push(Fr::ONE);
    assert!(check(&Opening { point, ..o }, &mut SerialCheck::new(&g)).is_err());
    // A polynomial wider than the generators.
    assert!(PolyCommitment::commit(&g, Layout::new(10), &[Fr::ONE; 4], &mut rng(1)).is_err());
}

#[test]
fn many_openings_across_proofs_in_one_msm() {
    let g = gens(16);
    let os: Vec<Opening> = (0..8)
        .map(|i| opening(&g, 3 + i % 5, (1 << (3 + i % 5)) - 1, 10 + i as u64).0)
        .collect();
    let mut b = BatchCheck::new(&g, rng(5));
    for o in &os {
        check(o, &mut b).unwrap();
    }
    assert_eq!(b.len(), 16);
    assert!(b.verify());
    // One bad opening among many fails the whole batch.
    let mut b = BatchCheck::new(&g, rng(6));
    for (i, o) in os.iter().enumerate() {
        if i == 5 {
            let mut p = o.proof.clone();
            p.dot.z[0] += Fr::ONE;
            check(
                &Opening {
                    proof: p,
                    comm: o.comm.clone(),
                    point: o.point.clone(),
                    ..*o
                },
                &mut b,
            )
            .unwrap();
        } else {
            check(o, &mut b).unwrap();
        }
    }
    assert!(!b.verify());
}

#[test]
fn dot_product_simulator_passes_verification() {
    let g = gens(8);
    let mut r = rng(7);
    for basis in [Basis::Cols, Basis::Coeffs] {
        let n = g.basis(basis).len();
        let a = rand_vec(n, &mut r);
        // Arbitrary statements: the simulator needs no witness, not even a true one.
        let cx = RistrettoPoint::random(&mut r);
        let cy = RistrettoPoint::random(&mut r);
        let c = Fr::random(&mut r);
        let p = DotProductProof::simulate(&g, basis, &c, &cx, &cy, &a, &mut r);
        let mut s = SerialCheck::new(&g);
        p.equations(basis, &c, &[(Fr::ONE, cx)], &[(Fr::ONE, cy)], &a, &mut s)
            .unwrap();
        assert!(s.verify());
        // With another challenge it fails.
        let mut s = SerialCheck::new(&g);
        p.equations(
            basis,
            &(c + Fr::ONE),
            &[(Fr::ONE, cx)],
            &[(Fr::ONE, cy)],
            &a,
            &mut s,
        )
        .unwrap();
        assert!(!s.verify());
    }
}

#[test]
fn encoding_rejects_every_mutation_and_carries_no_value() {
    let g = gens(4);
    let (o, v) = opening(&g, 3, 8, 8);
    let bytes = encode(&o.proof);
    let cap = 4096;
    let back: OpeningProof = decode(&bytes, cap).unwrap();
    assert_eq!(back, o.proof);
    assert!(
        !bytes.windows(32).any(|w| w == v.as_bytes()),
        "opening value serialised"
    );
    let verify = |b: &[u8]| -> bool {
        match decode::<OpeningProof>(b, cap) {
            Ok(p) => batch_ok(
                &g,
                &Opening {
                    proof: p,
                    comm: o.comm.clone(),
                    point: o.point.clone(),
                    ..o
                },
            ),
            Err(_) => false,
        }
    };
    assert!(verify(&bytes));
    for i in 0..bytes.len() {
        for bit in [0u8, 3, 7] {
            let mut m = bytes.clone();
            m[i] ^= 1 << bit;
            assert!(!verify(&m), "flip of bit {bit} in byte {i} accepted");
        }
    }
    for cut in 0..bytes.len() {
        assert!(decode::<OpeningProof>(&bytes[..cut], cap).is_err());
    }
    let mut ext = bytes.clone();
    ext.push(0);
    assert!(decode::<OpeningProof>(&ext, cap).is_err());
    assert!(matches!(
        decode::<OpeningProof>(&bytes, bytes.len() - 1),
        Err(HyraxError::Encoding(crate::EncodingError::TooLarge { .. }))
    ));
    // Non-canonical scalar: z_beta (the last 32 bytes) replaced by l + z_beta mod 2^256
    // when that fits, else by l itself.
    let mut m = bytes.clone();
    let n = m.len();
    m[n - 32..].copy_from_slice(&L_BYTES);
    assert!(matches!(
        decode::<OpeningProof>(&m, cap),
        Err(HyraxError::Encoding(_))
    ));
    // Invalid point: delta (the first 32 bytes) set to a non-canonical encoding.
    let mut m = bytes.clone();
    m[..32].copy_from_slice(&[0xff; 32]);
    assert!(decode::<OpeningProof>(&m, cap).is_err());
    let _ = encoding::scalar_from_bytes(&L_BYTES).unwrap_err();
}

/// l, the group order, little-endian (non-canonical as a scalar).
const L_BYTES: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];
