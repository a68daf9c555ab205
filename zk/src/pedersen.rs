//! Pedersen vector commitments over ristretto255.
//!
//! C = <v, G> + r H for v in F^n, with generators G_0..G_{n-1}, H obtained by
//! hashing domain-separated labels to the group (ristretto255's
//! hash-to-group, SHA-512 based, "nothing up the sleeve"): the label of G_i is
//! `zkagg/pedersen/v1 || len(ctx) || ctx || "G" || i` and that of H is the same
//! with "H", where `ctx` is the caller's context (the consortium config id).
//! Hiding is perfect; binding holds under discrete log in ristretto255.
//!
//! Batch opening check: for openings (C_k, v_k, r_k), k = 1..K, sample weights
//! z_k and check sum z_k C_k = <sum z_k v_k, G> + (sum z_k r_k) H in one
//! multiscalar multiplication of size n + 1 + K; a false opening passes with
//! probability at most 1/l. On failure the individual openings are checked to
//! name the first bad one.
//!
//! Not audited.

use crate::encoding;
use crate::field::Fr;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, MultiscalarMul, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha512;
use thiserror::Error;

/// Domain separator of generator derivation.
pub const DS_GENERATORS: &[u8] = b"zkagg/pedersen/v1";

/// Errors of commitment operations.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PedersenError {
    /// The vector is longer than the generators.
    #[error("vector of length {got} exceeds {max} generators")]
    TooLong {
        /// Number of generators.
        max: usize,
        /// Vector length.
        got: usize,
    },
    /// An opening did not match its commitment.
    #[error("opening {index} does not match its commitment")]
    BadOpening {
        /// Index of the first failing opening in the batch.
        index: usize,
    },
}

/// Commitment generators G_0..G_{n-1}, H.
#[derive(Clone, Debug)]
pub struct PedersenGens {
    /// Value generators.
    pub G: Vec<RistrettoPoint>,
    /// Blinding generator.
    pub H: RistrettoPoint,
}

fn hash_to_point(ctx: &[u8], tag: &[u8], index: u64) -> RistrettoPoint {
    let mut msg = Vec::with_capacity(DS_GENERATORS.len() + ctx.len() + 17);
    msg.extend_from_slice(DS_GENERATORS);
    msg.extend_from_slice(&(ctx.len() as u64).to_le_bytes());
    msg.extend_from_slice(ctx);
    msg.extend_from_slice(tag);
    msg.extend_from_slice(&index.to_le_bytes());
    RistrettoPoint::hash_from_bytes::<Sha512>(&msg)
}

impl PedersenGens {
    /// Derives n value generators and H for context `ctx`.
    pub fn new(ctx: &[u8], n: usize) -> Self {
        PedersenGens {
            G: (0..n as u64).map(|i| hash_to_point(ctx, b"G", i)).collect(),
            H: hash_to_point(ctx, b"H", 0),
        }
    }

    /// Number of value generators.
    pub fn len(&self) -> usize {
        self.G.len()
    }

    /// Whether there are no value generators.
    pub fn is_empty(&self) -> bool {
        self.G.is_empty()
    }

    /// Commits to `v` with blinding `r` (constant-time multiscalar multiplication).
    pub fn commit(&self, v: &[Fr], r: &Fr) -> Result<Commitment, PedersenError> {
        if v.len() > self.G.len() {
            return Err(PedersenError::TooLong {
                max: self.G.len(),
                got: v.len(),
            });
        }
        let p = RistrettoPoint::multiscalar_mul(
            v.iter().chain(core::iter::once(r)),
            self.G[..v.len()].iter().chain(core::iter::once(&self.H)),
        );
        Ok(Commitment(p))
    }

    /// Commits with a fresh random blinding; returns the commitment and the blinding.
    pub fn commit_random<R: RngCore + CryptoRng>(
        &self,
        v: &[Fr],
        rng: &mut R,
    ) -> Result<(Commitment, Fr), PedersenError> {
        let r = Fr::random(rng);
        Ok((self.commit(v, &r)?, r))
    }

    /// Checks one opening (variable time: the opening is public to the checker).
    pub fn verify_opening(&self, c: &Commitment, v: &[Fr], r: &Fr) -> Result<(), PedersenError> {
        if v.len() > self.G.len() {
            return Err(PedersenError::TooLong {
                max: self.G.len(),
                got: v.len(),
            });
        }
        let p = RistrettoPoint::vartime_multiscalar_mul(
            v.iter().chain(core::iter::once(r)),
            self.G[..v.len()].iter().chain(core::iter::once(&self.H)),
        );
        if p == c.0 {
            Ok(())
        } else {
            Err(PedersenError::BadOpening { index: 0 })
        }
    }

    /// Checks many openings in one multiscalar multiplication with random
    /// weights; on failure names the first bad opening.
    pub fn batch_verify_openings<R: RngCore + CryptoRng>(
        &self,
        openings: &[(Commitment, &[Fr], Fr)],
        rng: &mut R,
    ) -> Result<(), PedersenError> {
        let n = openings.iter().map(|(_, v, _)| v.len()).max().unwrap_or(0);
        if n > self.G.len() {
            return Err(PedersenError::TooLong {
                max: self.G.len(),
                got: n,
            });
        }
        let mut gsum = vec![Fr::ZERO; n];
        let mut hsum = Fr::ZERO;
        let mut weights = Vec::with_capacity(openings.len());
        for (_, v, r) in openings {
            let z = Fr::random(rng);
            for (acc, x) in gsum.iter_mut().zip(v.iter()) {
                *acc += z * x;
            }
            hsum += z * r;
            weights.push(-z);
        }
        let scalars = gsum
            .iter()
            .chain(core::iter::once(&hsum))
            .chain(weights.iter());
        let points = self.G[..n]
            .iter()
            .chain(core::iter::once(&self.H))
            .chain(openings.iter().map(|(c, _, _)| &c.0));
        if RistrettoPoint::vartime_multiscalar_mul(scalars, points) == RistrettoPoint::identity() {
            return Ok(());
        }
        for (index, (c, v, r)) in openings.iter().enumerate() {
            if self.verify_opening(c, v, r).is_err() {
                return Err(PedersenError::BadOpening { index });
            }
        }
        // Unreachable unless the random weights hit a 1/l event; report the batch.
        Err(PedersenError::BadOpening { index: 0 })
    }
}

/// A Pedersen commitment (a ristretto255 point). Commitments add homomorphically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment(#[serde(with = "encoding::serde_point")] pub RistrettoPoint);

impl core::ops::Add for Commitment {
    type Output = Commitment;
    fn add(self, rhs: Commitment) -> Commitment {
        Commitment(self.0 + rhs.0)
    }
}

impl core::iter::Sum for Commitment {
    fn sum<I: Iterator<Item = Commitment>>(iter: I) -> Commitment {
        Commitment(iter.map(|c| c.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    fn rv(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n).map(|_| Fr::random(rng)).collect()
    }

    #[test]
    fn generators_are_domain_separated_and_deterministic() {
        let a = PedersenGens::new(b"config-1", 4);
        let b = PedersenGens::new(b"config-1", 4);
        let c = PedersenGens::new(b"config-2", 4);
        assert_eq!(a.G, b.G);
        assert_ne!(a.G[0], c.G[0]);
        assert_ne!(a.G[0], a.G[1]);
        assert_ne!(a.H, a.G[0]);
    }

    #[test]
    fn homomorphic_and_binding_to_values() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let g = PedersenGens::new(b"t", 8);
        let (v1, v2) = (rv(&mut rng, 8), rv(&mut rng, 8));
        let (r1, r2) = (Fr::random(&mut rng), Fr::random(&mut rng));
        let c = g.commit(&v1, &r1).unwrap() + g.commit(&v2, &r2).unwrap();
        let sum: Vec<Fr> = v1.iter().zip(&v2).map(|(a, b)| a + b).collect();
        g.verify_opening(&c, &sum, &(r1 + r2)).unwrap();
        let mut wrong = sum.clone();
        wrong[3] += Fr::ONE;
        assert!(g.verify_opening(&c, &wrong, &(r1 + r2)).is_err());
        assert!(g.verify_opening(&c, &sum, &r1).is_err());
        assert!(g.commit(&rv(&mut rng, 9), &r1).is_err());
    }

    #[test]
    fn batch_check_names_the_bad_opening() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let g = PedersenGens::new(b"t", 16);
        let vs: Vec<Vec<Fr>> = (0..5).map(|_| rv(&mut rng, 16)).collect();
        let rs: Vec<Fr> = (0..5).map(|_| Fr::random(&mut rng)).collect();
        let cs: Vec<Commitment> = vs
            .iter()
            .zip(&rs)
            .map(|(v, r)| g.commit(v, r).unwrap())
            .collect();
        let ok: Vec<(Commitment, &[Fr], Fr)> = (0..5).map(|k| (cs[k], &vs[k][..], rs[k])).collect();
        g.batch_verify_openings(&ok, &mut rng).unwrap();
        let mut bad_v = vs[3].clone();
        bad_v[0] -= Fr::ONE;
        let mut bad = ok.clone();
        bad[3].1 = &bad_v;
        assert_eq!(
            g.batch_verify_openings(&bad, &mut rng),
            Err(PedersenError::BadOpening { index: 3 })
        );
        let mut bad_r = ok.clone();
        bad_r[1].2 += Fr::ONE;
        assert_eq!(
            g.batch_verify_openings(&bad_r, &mut rng),
            Err(PedersenError::BadOpening { index: 1 })
        );
    }

    #[test]
    fn commitment_encoding_rejects_invalid_points() {
        let g = PedersenGens::new(b"t", 1);
        let c = g.commit(&[Fr::ONE], &Fr::ONE).unwrap();
        let bytes = encoding::to_bytes(&c).unwrap();
        assert_eq!(
            encoding::from_bytes_capped::<Commitment>(&bytes, 64).unwrap(),
            c
        );
        assert!(encoding::from_bytes_capped::<Commitment>(&[0xff; 32], 64).is_err());
    }
}
