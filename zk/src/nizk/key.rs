//! The verifying key as bytes: the shape description and the key's SHA-256
//! digest (`/work/shared/design/PROOFS.md`, item 4: "the verifying key is
//! the description and its SHA-256").
//!
//! The description is the shape as the circuit built it: sizes, then the
//! entries of A, B and C in the builder's order. Everything else the
//! verifier uses (padded sizes, the row and witness layouts, the structured description,
//! the flat evaluator, the generators) is a deterministic function of it
//! and is re-derived at decoding, never read from the bytes. The key's
//! digest ([`VerifyingKey::digest`], version `zkagg/nizk/vk/v3`) binds the
//! sizes, the non-zero counts, the generator context, the shape digest and
//! the row and witness layouts.
//!
//! Decoding ([`VerifyingKey::from_bytes`]) refuses
//! - bytes over the caller's cap, an unknown version, counts larger than the
//!   bytes left, entries outside the shape, non-canonical scalars, trailing
//!   bytes ([`KeyError::Malformed`] and friends), before allocating;
//! - a description that does not hash to the digest it carries
//!   ([`KeyError::DigestMismatch`]: forged or corrupted);
//! - a consistent key for another statement ([`KeyError::Unexpected`]): a
//!   self-consistent digest proves nothing by itself, so the caller always
//!   names the digest it expects (from its configuration or a pinned
//!   value).
//!
//! Format, little-endian: `u32` version ([`VK_BYTES_VERSION`]), the 32-byte
//! digest, `u32` constraints, witness variables and public inputs, then for
//! each of A, B, C a `u32` entry count and that many entries of `u32` row,
//! `u32` column (of z = (w, 1, x)) and a canonical 32-byte scalar.

use super::{key_digest, NizkError, NizkSize, Prepared, VerifyingKey};
use crate::field::Fr;
use crate::r1cs::R1csShape;
use thiserror::Error;

/// Version of the key encoding.
pub const VK_BYTES_VERSION: u32 = 1;

/// Bytes of one encoded matrix entry.
const ENTRY_BYTES: usize = 4 + 4 + 32;

/// The largest constraint, variable or input count a key may describe.
const MAX_SIZE: u32 = 1 << 30;

fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why verifying-key bytes were refused, or a key could not be encoded.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The bytes are longer than the caller's cap.
    #[error("verifying key of {got} bytes exceeds the cap of {max}")]
    TooLarge {
        /// The cap.
        max: usize,
        /// The length given.
        got: usize,
    },
    /// An encoding version this code does not know.
    #[error("verifying key encoding version {0} is not supported (expected {VK_BYTES_VERSION})")]
    Version(u32),
    /// The bytes do not decode (truncated, trailing bytes, an entry outside
    /// the shape, a non-canonical scalar, a size out of range).
    #[error("malformed verifying key: {0}")]
    Malformed(&'static str),
    /// The description does not hash to the digest the bytes carry.
    #[error(
        "verifying key refused: its description does not match its digest (forged or corrupted)"
    )]
    DigestMismatch,
    /// A well-formed key, but for another statement than the one expected.
    #[error("verifying key refused: digest {} is not the expected {}", hex(.got), hex(.expected))]
    Unexpected {
        /// The digest the caller expects.
        expected: [u8; 32],
        /// The key's digest.
        got: [u8; 32],
    },
    /// The shape given to [`VerifyingKey::to_bytes`] is not the key's.
    #[error("the shape given is not this verifying key's shape")]
    WrongShape,
}

/// A cursor over untrusted bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], KeyError> {
        if self.0.len() < n {
            return Err(KeyError::Malformed(what));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self, what: &'static str) -> Result<u32, KeyError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn bytes32(&mut self, what: &'static str) -> Result<[u8; 32], KeyError> {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.take(32, what)?);
        Ok(out)
    }

    fn size(&mut self, what: &'static str) -> Result<usize, KeyError> {
        match self.u32(what)? {
            n if n <= MAX_SIZE => Ok(n as usize),
            _ => Err(KeyError::Malformed("size above 2^30")),
        }
    }
}

fn put_u32(out: &mut Vec<u8>, n: usize) -> Result<(), KeyError> {
    let n = u32::try_from(n).map_err(|_| KeyError::WrongShape)?;
    out.extend_from_slice(&n.to_le_bytes());
    Ok(())
}

impl VerifyingKey {
    /// Whether `shape` is the shape this key was set up for (the digest
    /// recomputed from it and the key's derived data is the key's).
    pub fn is_key_of(&self, shape: &R1csShape) -> bool {
        let m = &self.eval.mats;
        NizkSize::of(shape).ok() == Some(self.size)
            && key_digest(
                &self.size,
                [m[0].nnz(), m[1].nnz(), m[2].nnz()],
                &shape.digest(),
                [self.row_layout.as_deref(), self.col_layout.as_deref()],
            ) == self.digest
    }

    /// Encodes the key as its description (`shape`, which must be the
    /// key's own: [`KeyError::WrongShape`] otherwise) and its digest.
    pub fn to_bytes(&self, shape: &R1csShape) -> Result<Vec<u8>, KeyError> {
        if !self.is_key_of(shape) {
            return Err(KeyError::WrongShape);
        }
        let nnz = shape.a.len() + shape.b.len() + shape.c.len();
        let mut out = Vec::with_capacity(4 + 32 + 12 + 12 + ENTRY_BYTES * nnz);
        out.extend_from_slice(&VK_BYTES_VERSION.to_le_bytes());
        out.extend_from_slice(&self.digest);
        for n in [shape.num_cons, shape.num_vars, shape.num_inputs] {
            put_u32(&mut out, n)?;
        }
        for m in [&shape.a, &shape.b, &shape.c] {
            put_u32(&mut out, m.len())?;
            for (r, c, v) in m.iter() {
                put_u32(&mut out, *r)?;
                put_u32(&mut out, *c)?;
                out.extend_from_slice(v.as_bytes());
            }
        }
        Ok(out)
    }

    /// Decodes key bytes of at most `max_bytes`, re-derives the key from
    /// its description and accepts it only if the recomputed digest is the
    /// one carried and the one `expected`. Untrusted bytes give an error,
    /// never a panic; nothing is allocated beyond what the bytes justify.
    pub fn from_bytes(
        bytes: &[u8],
        max_bytes: usize,
        expected: &[u8; 32],
    ) -> Result<Self, NizkError> {
        let (shape, carried) = decode_description(bytes, max_bytes)?;
        // The digest is recomputed from the description before the
        // generators and the structured description are derived.
        let prepared = Prepared::of(&shape)?;
        if prepared.digest != carried {
            return Err(KeyError::DigestMismatch.into());
        }
        if prepared.digest != *expected {
            return Err(KeyError::Unexpected {
                expected: *expected,
                got: prepared.digest,
            }
            .into());
        }
        Ok(prepared.into_key())
    }
}

/// Parses the bytes into the shape they describe and the digest they carry.
fn decode_description(bytes: &[u8], max_bytes: usize) -> Result<(R1csShape, [u8; 32]), KeyError> {
    if bytes.len() > max_bytes {
        return Err(KeyError::TooLarge {
            max: max_bytes,
            got: bytes.len(),
        });
    }
    let mut rd = Reader(bytes);
    let version = rd.u32("version")?;
    if version != VK_BYTES_VERSION {
        return Err(KeyError::Version(version));
    }
    let digest = rd.bytes32("digest")?;
    let num_cons = rd.size("constraint count")?;
    let num_vars = rd.size("variable count")?;
    let num_inputs = rd.size("input count")?;
    let num_cols = num_vars + 1 + num_inputs;
    let mut mats: [Vec<(usize, usize, Fr)>; 3] = Default::default();
    for m in &mut mats {
        let count = rd.u32("entry count")? as usize;
        // Cap before allocating: every entry takes ENTRY_BYTES.
        if count > rd.0.len() / ENTRY_BYTES {
            return Err(KeyError::Malformed("entry count beyond the bytes"));
        }
        m.reserve_exact(count);
        for _ in 0..count {
            let r = rd.u32("entry row")? as usize;
            let c = rd.u32("entry column")? as usize;
            let v = Option::<Fr>::from(Fr::from_canonical_bytes(rd.bytes32("entry value")?))
                .ok_or(KeyError::Malformed("non-canonical scalar"))?;
            if r >= num_cons || c >= num_cols {
                return Err(KeyError::Malformed("entry outside the shape"));
            }
            m.push((r, c, v));
        }
    }
    if !rd.0.is_empty() {
        return Err(KeyError::Malformed("trailing bytes"));
    }
    let [a, b, c] = mats;
    Ok((
        R1csShape {
            num_cons,
            num_vars,
            num_inputs,
            a,
            b,
            c,
        },
        digest,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::circuits::RangeCheckCircuit;
    use crate::nizk::setup;
    use crate::r1cs::{Circuit, ShapeBuilder};
    use crate::spartan::generate_witness;
    use crate::update::BoundedUpdateCircuit;
    use merlin::Transcript;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const CAP: usize = 1 << 24;

    fn shape_of<C: Circuit>(c: &C) -> R1csShape {
        let mut sb = ShapeBuilder::new();
        c.synthesize(&mut sb).unwrap();
        sb.finish()
    }

    fn key_err(r: Result<VerifyingKey, NizkError>) -> KeyError {
        match r {
            Err(NizkError::Key(e)) => e,
            Err(e) => panic!("expected a key error, got {e}"),
            Ok(_) => panic!("key accepted"),
        }
    }

    /// Offset of entry `i` of matrix A in the encoding.
    fn entry_at(i: usize) -> usize {
        4 + 32 + 12 + 4 + i * ENTRY_BYTES
    }

    #[test]
    fn decoded_key_equals_the_set_up_one_and_verifies_its_proofs() {
        let c = RangeCheckCircuit {
            d: 3,
            bits: 5,
            values: Some(vec![-16, 0, 15]),
        };
        for shape in [
            shape_of(&RangeCheckCircuit::shape(3, 5)),
            shape_of(&BoundedUpdateCircuit::shape(2, 16)),
        ] {
            let (pk, vk) = setup(&shape).unwrap();
            let bytes = vk.to_bytes(&shape).unwrap();
            let back = VerifyingKey::from_bytes(&bytes, CAP, &vk.digest()).unwrap();
            assert_eq!(back.digest(), vk.digest());
            assert_eq!(back.size(), vk.size());
            assert_eq!(back.to_bytes(&shape).unwrap(), bytes);
            if shape.num_inputs == 0 {
                let (w, x) = generate_witness(&c).unwrap();
                let t = || Transcript::new(b"zkagg/test/vk");
                let mut rng = ChaCha20Rng::seed_from_u64(1);
                let p = pk.prove_with_rng(&w, &x, &mut t(), &mut rng).unwrap();
                back.verify(&p, &x, &mut t()).unwrap();
            }
        }
    }

    #[test]
    fn a_forged_description_is_refused() {
        let shape = shape_of(&RangeCheckCircuit::shape(3, 5));
        let (_, vk) = setup(&shape).unwrap();
        let bytes = vk.to_bytes(&shape).unwrap();
        // Another coefficient, another column, a dropped entry: the digest
        // carried no longer matches the description.
        let mut value = bytes.clone();
        value[entry_at(0) + 8] ^= 1;
        let mut column = bytes.clone();
        let c = u32::from_le_bytes(column[entry_at(0) + 4..entry_at(0) + 8].try_into().unwrap());
        column[entry_at(0) + 4..entry_at(0) + 8].copy_from_slice(&(c ^ 1).to_le_bytes());
        let mut dropped = bytes.clone();
        let count = u32::from_le_bytes(dropped[48..52].try_into().unwrap());
        dropped[48..52].copy_from_slice(&(count - 1).to_le_bytes());
        dropped.drain(entry_at(0)..entry_at(1));
        let mut digest = bytes.clone();
        digest[4] ^= 0x80;
        for forged in [value, column, dropped, digest] {
            assert_eq!(
                key_err(VerifyingKey::from_bytes(&forged, CAP, &vk.digest())),
                KeyError::DigestMismatch
            );
        }
        // A consistent key of another statement (the digest recomputed by
        // whoever forged it) is refused by the digest expected.
        let mut other = shape.clone();
        other.c.push((0, 0, Fr::ONE));
        let (_, vk_other) = setup(&other).unwrap();
        let bytes_other = vk_other.to_bytes(&other).unwrap();
        let e = key_err(VerifyingKey::from_bytes(&bytes_other, CAP, &vk.digest()));
        assert_eq!(
            e,
            KeyError::Unexpected {
                expected: vk.digest(),
                got: vk_other.digest()
            }
        );
        assert!(e.to_string().contains(&hex(&vk.digest())));
        // Encoding checks the shape too.
        assert_eq!(vk.to_bytes(&other), Err(KeyError::WrongShape));
        assert!(!vk.is_key_of(&other) && vk.is_key_of(&shape));
    }

    #[test]
    fn malformed_key_bytes_are_errors_never_panics() {
        let shape = shape_of(&RangeCheckCircuit::shape(1, 2));
        let (_, vk) = setup(&shape).unwrap();
        let bytes = vk.to_bytes(&shape).unwrap();
        let d = vk.digest();
        for cut in 0..bytes.len() {
            assert!(
                VerifyingKey::from_bytes(&bytes[..cut], CAP, &d).is_err(),
                "cut {cut}"
            );
        }
        let mut ext = bytes.clone();
        ext.push(0);
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&ext, CAP, &d)),
            KeyError::Malformed("trailing bytes")
        );
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&bytes, bytes.len() - 1, &d)),
            KeyError::TooLarge {
                max: bytes.len() - 1,
                got: bytes.len()
            }
        );
        let mut version = bytes.clone();
        version[0] = 2;
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&version, CAP, &d)),
            KeyError::Version(2)
        );
        let mut count = bytes.clone();
        count[48..52].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&count, CAP, &d)),
            KeyError::Malformed("entry count beyond the bytes")
        );
        let mut size = bytes.clone();
        size[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&size, CAP, &d)),
            KeyError::Malformed("size above 2^30")
        );
        let mut scalar = bytes.clone();
        scalar[entry_at(0) + 8..entry_at(0) + 40].fill(0xff);
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&scalar, CAP, &d)),
            KeyError::Malformed("non-canonical scalar")
        );
        let mut row = bytes.clone();
        row[entry_at(0)..entry_at(0) + 4].copy_from_slice(&(shape.num_cons as u32).to_le_bytes());
        assert_eq!(
            key_err(VerifyingKey::from_bytes(&row, CAP, &d)),
            KeyError::Malformed("entry outside the shape")
        );
        // Every single-bit flip anywhere is refused.
        for i in 0..bytes.len() {
            let mut m = bytes.clone();
            m[i] ^= 1 << (i % 8);
            assert!(
                VerifyingKey::from_bytes(&m, CAP, &d).is_err(),
                "flip in byte {i}"
            );
        }
    }
}
