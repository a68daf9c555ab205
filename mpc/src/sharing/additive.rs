//! Additive `S`-of-`S` sharing with seed-compressed shares.
//!
//! **Sharing.** For `v in F^m`, the dealer draws uniform 32-byte seeds
//! `k_0, ..., k_{S-2}` and sends `k_s` to party `s < S-1`; party `S-1`
//! receives the explicit vector
//!
//! ```text
//! v_{S-1} = v - sum_{s < S-1} PRG(k_s, s, m).
//! ```
//!
//! **PRG.** `PRG(k, s, m)` is the output stream of BLAKE3 in keyed mode
//! with key `k` on the input `DST_EXPAND || u64le(s) || u64le(m)`, read in
//! 64-byte blocks; block `j` interpreted little-endian and reduced mod `l`
//! is element `j`. The party index and the length are domain separators:
//! one seed gives unrelated vectors for different parties or lengths.
//! Reduction of 512-bit values gives elements within statistical distance
//! `2^-259` of uniform.
//!
//! **Reconstruction.** All `S` parties: `v = sum_s v_s`, coefficients all 1.
//!
//! **Privacy.** Any `S-1` shares are independent of `v`: perfectly if the
//! explicit share is the one missing, computationally (BLAKE3 keyed mode
//! as a PRF) otherwise. See the [module docs](super) for the threat model.
//!
//! **Not audited.**

use super::error::{Misuse, ShareFault, SharingError};
use super::msgs::AdditiveShare;
use super::{check_parties, check_party, SecretSharing};
use curve25519_dalek::scalar::Scalar;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

/// Domain separator of the seed expansion (version 1).
pub const DST_EXPAND: &[u8] = b"zkagg-mpc/sharing/additive/v1/seed-expansion";

/// Elements expanded per XOF read.
const CHUNK: usize = 64;

/// Additive `S`-of-`S` sharing; parties `0..S-1` receive seeds, party `S-1`
/// the explicit correction vector. See the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Additive {
    parties: usize,
}

impl Additive {
    /// Additive sharing among `parties` parties.
    ///
    /// Errors: [`Misuse::UnsupportedParameters`] if `parties < 2` (one
    /// party would hold the secret in the clear).
    pub fn new(parties: usize) -> Result<Additive, SharingError> {
        if parties < 2 {
            return Err(Misuse::UnsupportedParameters {
                reason: "additive sharing needs at least 2 parties",
            }
            .into());
        }
        Ok(Additive { parties })
    }

    /// `PRG(seed, party, len)`: the vector in `F^len` that a seed dealt to
    /// `party` stands for (see the [module docs](self)).
    pub fn expand_seed(seed: &[u8; 32], party: usize, len: usize) -> Vec<Scalar> {
        let mut out = Vec::with_capacity(len);
        for_each_expanded(seed, party, len, |chunk| out.extend_from_slice(chunk));
        out
    }

    /// The form required for `party`'s share.
    fn expected_form(&self, party: usize) -> &'static str {
        if party + 1 == self.parties {
            "explicit"
        } else {
            "seed"
        }
    }
}

/// Calls `f` on consecutive chunks of `PRG(seed, party, len)`.
fn for_each_expanded(seed: &[u8; 32], party: usize, len: usize, mut f: impl FnMut(&[Scalar])) {
    let mut hasher = blake3::Hasher::new_keyed(seed);
    hasher.update(DST_EXPAND);
    hasher.update(&(party as u64).to_le_bytes());
    hasher.update(&(len as u64).to_le_bytes());
    let mut xof = hasher.finalize_xof();

    let mut bytes = [0u8; 64 * CHUNK];
    let mut elems = [Scalar::ZERO; CHUNK];
    let mut done = 0;
    while done < len {
        let n = (len - done).min(CHUNK);
        xof.fill(&mut bytes[..64 * n]);
        for (e, wide) in elems.iter_mut().zip(bytes.chunks_exact(64)).take(n) {
            let mut w = [0u8; 64];
            w.copy_from_slice(wide);
            *e = Scalar::from_bytes_mod_order_wide(&w);
        }
        f(&elems[..n]);
        done += n;
    }
}

impl SecretSharing for Additive {
    type Share = AdditiveShare;

    fn num_parties(&self) -> usize {
        self.parties
    }

    fn threshold(&self) -> usize {
        self.parties
    }

    fn share<R: RngCore + CryptoRng + ?Sized>(
        &self,
        v: &[Scalar],
        rng: &mut R,
    ) -> Result<Vec<AdditiveShare>, SharingError> {
        let len = v.len();
        let mut last = v.to_vec();
        let mut shares = Vec::with_capacity(self.parties);
        for party in 0..self.parties - 1 {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let mut at = 0;
            for_each_expanded(&seed, party, len, |chunk| {
                for (l, x) in last[at..at + chunk.len()].iter_mut().zip(chunk) {
                    *l -= x;
                }
                at += chunk.len();
            });
            shares.push(AdditiveShare::Seed(seed));
            seed.zeroize();
        }
        shares.push(AdditiveShare::Explicit(last));
        Ok(shares)
    }

    fn validate_share(
        &self,
        party: usize,
        share: &AdditiveShare,
        len: usize,
    ) -> Result<(), SharingError> {
        check_party(party, self.parties)?;
        let expected = self.expected_form(party);
        if share.form() != expected {
            return Err(SharingError::InvalidShare {
                party,
                fault: ShareFault::UnexpectedForm {
                    expected,
                    actual: share.form(),
                },
            });
        }
        if let AdditiveShare::Explicit(x) = share {
            if x.len() != len {
                return Err(SharingError::InvalidShare {
                    party,
                    fault: ShareFault::WrongLength {
                        expected: len,
                        actual: x.len(),
                    },
                });
            }
        }
        Ok(())
    }

    fn expand(
        &self,
        party: usize,
        share: &AdditiveShare,
        len: usize,
    ) -> Result<Vec<Scalar>, SharingError> {
        self.validate_share(party, share, len)?;
        Ok(match share {
            AdditiveShare::Seed(seed) => Additive::expand_seed(seed, party, len),
            AdditiveShare::Explicit(x) => x.clone(),
        })
    }

    /// Streams the expansion into `acc` without allocating a vector.
    fn accumulate(
        &self,
        party: usize,
        acc: &mut [Scalar],
        share: &AdditiveShare,
    ) -> Result<(), SharingError> {
        let len = acc.len();
        self.validate_share(party, share, len)?;
        match share {
            AdditiveShare::Seed(seed) => {
                let mut at = 0;
                for_each_expanded(seed, party, len, |chunk| {
                    for (a, x) in acc[at..at + chunk.len()].iter_mut().zip(chunk) {
                        *a += x;
                    }
                    at += chunk.len();
                });
            }
            AdditiveShare::Explicit(x) => {
                for (a, x) in acc.iter_mut().zip(x) {
                    *a += x;
                }
            }
        }
        Ok(())
    }

    fn reconstruction_coefficients(&self, parties: &[usize]) -> Result<Vec<Scalar>, SharingError> {
        check_parties(parties, self.parties, self.parties)?;
        Ok(vec![Scalar::ONE; parties.len()])
    }
}
