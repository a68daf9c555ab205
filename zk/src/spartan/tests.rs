use super::*;
use crate::gadgets::range;
use crate::r1cs::ConstraintSystem;

/// d signed 16-bit values range-checked; the sum exposed as a public input.
pub(crate) struct RangeCircuit {
    pub values: Option<Vec<i64>>,
    pub d: usize,
}

impl Circuit for RangeCircuit {
    fn synthesize<CS: ConstraintSystem>(&self, cs: &mut CS) -> Result<(), crate::SynthesisError> {
        let mut sum = crate::r1cs::LinearCombination::zero();
        let mut total = Fr::ZERO;
        for i in 0..self.d {
            let v = self.values.as_ref().map(|vs| crate::field::from_i64(vs[i]));
            total += v.unwrap_or(Fr::ZERO);
            let x = cs.alloc(v)?;
            range::signed(cs, x.into(), 16)?;
            sum = sum + x;
        }
        let s = cs.alloc_input(self.values.as_ref().map(|_| total))?;
        cs.enforce(sum, crate::r1cs::LinearCombination::one(), s.into());
        Ok(())
    }
}

fn transcript() -> Transcript {
    Transcript::new(b"zkagg/test")
}

#[test]
fn nizk_roundtrip_and_binding() {
    let c = RangeCircuit {
        values: Some((0..20).map(|i| i * 1000 - 9000).collect()),
        d: 20,
    };
    let params = NizkParams::setup(&RangeCircuit {
        values: None,
        d: 20,
    })
    .unwrap();
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    params.verify_bytes(&bytes, &x, &mut transcript()).unwrap();
    // Wrong public input.
    let mut bad = x.clone();
    bad[0] += Fr::ONE;
    assert!(params
        .verify_bytes(&bytes, &bad, &mut transcript())
        .is_err());
    // Different transcript.
    assert!(params
        .verify_bytes(&bytes, &x, &mut Transcript::new(b"other"))
        .is_err());
    // Wrong input count.
    assert!(matches!(
        params.verify_bytes(&bytes, &[], &mut transcript()),
        Err(ProofError::WrongInputCount { .. })
    ));
}

#[test]
fn out_of_range_witness_is_reported_with_its_gadget() {
    let mut vals: Vec<i64> = vec![0; 8];
    vals[3] = 40000;
    let params = NizkParams::setup(&RangeCircuit { values: None, d: 8 }).unwrap();
    match params.prove(
        &RangeCircuit {
            values: Some(vals),
            d: 8,
        },
        &mut transcript(),
    ) {
        Err(ProofError::Unsatisfied { gadget, .. }) => {
            assert!(gadget.contains("range"), "{gadget}")
        }
        other => panic!("expected Unsatisfied, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn snark_roundtrip_and_cache() {
    let dir = std::env::temp_dir().join(format!("zkagg-snark-test-{}", std::process::id()));
    let shape = RangeCircuit {
        values: None,
        d: 10,
    };
    let params = SnarkParams::load_or_create(&shape, &dir).unwrap();
    let c = RangeCircuit {
        values: Some(vec![-32768, 32767, 0, 1, -1, 5, 6, 7, 8, 9]),
        d: 10,
    };
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    params
        .verifier_key()
        .verify_bytes(&bytes, &x, &mut transcript())
        .unwrap();
    let mut bad = x.clone();
    bad[0] -= Fr::ONE;
    assert!(params
        .verifier_key()
        .verify_bytes(&bytes, &bad, &mut transcript())
        .is_err());
    // The cached preprocessing verifies the same proof.
    let cached = SnarkParams::load_or_create(&shape, &dir).unwrap();
    cached
        .verifier_key()
        .verify_bytes(&bytes, &x, &mut transcript())
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Flips one byte at each of `each_byte` (XOR with a varying non-zero mask)
/// and every bit of each of `every_bit`; truncates and extends. Every
/// mutation must be rejected, never accepted and never a panic.
fn mutations_all_rejected(
    bytes: &[u8],
    verify: &dyn Fn(&[u8]) -> Result<(), ProofError>,
    each_byte: &[usize],
    every_bit: &[usize],
) {
    for &i in each_byte {
        let mut m = bytes.to_vec();
        m[i] ^= 1 << (i % 8);
        assert!(
            verify(&m).is_err(),
            "flipping byte {i} of {} was accepted",
            bytes.len()
        );
    }
    for &i in every_bit {
        for bit in 0..8 {
            let mut m = bytes.to_vec();
            m[i] ^= 1 << bit;
            assert!(
                verify(&m).is_err(),
                "flipping bit {bit} of byte {i} of {} was accepted",
                bytes.len()
            );
        }
    }
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(
            verify(&bytes[..cut]).is_err(),
            "truncation to {cut} accepted"
        );
    }
    for extra in [&[0u8][..], &[1, 2, 3]] {
        let mut m = bytes.to_vec();
        m.extend_from_slice(extra);
        assert!(verify(&m).is_err(), "extension accepted");
    }
}

/// A spread-out sample of positions: the first and last 16 and every `step`-th.
fn sample(len: usize, step: usize) -> Vec<usize> {
    let mut pos: Vec<usize> = (0..len).step_by(step).collect();
    pos.extend(0..16.min(len));
    pos.extend(len.saturating_sub(16)..len);
    pos.sort();
    pos.dedup();
    pos
}

#[test]
fn nizk_each_byte_flip_truncation_and_extension_is_rejected() {
    let c = RangeCircuit {
        values: Some(vec![1, -2, 3, -4]),
        d: 4,
    };
    let params = NizkParams::setup(&RangeCircuit { values: None, d: 4 }).unwrap();
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    let all: Vec<usize> = (0..bytes.len()).collect();
    mutations_all_rejected(
        &bytes,
        &|b| params.verify_bytes(b, &x, &mut transcript()),
        &all,
        &sample(bytes.len(), 97),
    );
}

#[test]
fn snark_byte_flips_on_a_sample_truncation_and_extension_are_rejected() {
    let c = RangeCircuit {
        values: Some(vec![1, -2, 3, -4]),
        d: 4,
    };
    let params = SnarkParams::setup(&RangeCircuit { values: None, d: 4 }).unwrap();
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    let vk = params.verifier_key();
    mutations_all_rejected(
        &bytes,
        &|b| vk.verify_bytes(b, &x, &mut transcript()),
        &sample(bytes.len(), 5),
        &sample(bytes.len(), 401),
    );
}

/// Every bit of every byte of a NIZK proof (about 40,000 verifications).
/// Run with `cargo test --release -p zkagg-zk -- --ignored every_bit`.
#[test]
#[ignore = "slow: ~40k verifications"]
fn nizk_every_bit_flip_is_rejected() {
    let c = RangeCircuit {
        values: Some(vec![1, -2, 3, -4]),
        d: 4,
    };
    let params = NizkParams::setup(&RangeCircuit { values: None, d: 4 }).unwrap();
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    let all: Vec<usize> = (0..bytes.len()).collect();
    mutations_all_rejected(
        &bytes,
        &|b| params.verify_bytes(b, &x, &mut transcript()),
        &[],
        &all,
    );
}

#[test]
fn non_canonical_scalar_inside_a_proof_is_rejected() {
    // Spartan serialises scalars as Montgomery limbs; find the claimed point
    // `r` (the last scalars of a NIZK) and replace one scalar's limbs by the
    // modulus plus its value: the same residue, non-canonical.
    let c = RangeCircuit {
        values: Some(vec![1, -2, 3, -4]),
        d: 4,
    };
    let params = NizkParams::setup(&RangeCircuit { values: None, d: 4 }).unwrap();
    let (proof, x) = params.prove(&c, &mut transcript()).unwrap();
    let bytes = proof.to_bytes();
    // The final scalar is four postcard varint u64 limbs at the end.
    let mut limbs = Vec::new();
    // Walk the encoding backwards is awkward; instead re-encode the last
    // scalar: decode four varints from the position where they start.
    let mut start = bytes.len();
    for s in (bytes.len().saturating_sub(45)..bytes.len()).rev() {
        if let Some(v) = decode_varints(&bytes[s..], 4) {
            if v.1 == bytes.len() - s {
                start = s;
                limbs = v.0;
            }
        }
    }
    assert_eq!(limbs.len(), 4, "could not locate the last scalar");
    let tail = &bytes[..start];
    // limbs + modulus (no overflow: the top limb of l is 2^60, values are < l).
    const L: [u64; 4] = [
        0x5812631a5cf5d3ed,
        0x14def9dea2f79cd6,
        0,
        0x1000000000000000,
    ];
    let mut carry = 0u128;
    let mut bumped = [0u64; 4];
    for i in 0..4 {
        let s = limbs[i] as u128 + L[i] as u128 + carry;
        bumped[i] = s as u64;
        carry = s >> 64;
    }
    let mut m = tail.to_vec();
    for v in bumped {
        m.extend(encode_varint(v));
    }
    assert!(matches!(
        params.verify_bytes(&m, &x, &mut transcript()),
        Err(ProofError::Encoding(EncodingError::NonCanonicalScalar))
    ));
}

fn encode_varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}

fn decode_varints(b: &[u8], n: usize) -> Option<(Vec<u64>, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    for _ in 0..n {
        let mut v: u64 = 0;
        let mut shift = 0;
        loop {
            let byte = *b.get(i)?;
            i += 1;
            v |= ((byte & 0x7f) as u64).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return None;
            }
        }
        out.push(v);
    }
    Some((out, i))
}
