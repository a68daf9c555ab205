//! # Secret sharing over F = Z_l
//!
//! Linear secret sharing of vectors over the scalar field of ristretto255,
//! `F = Z_l`, `l = 2^252 + 27742317777372353535851937790883648493`
//! (curve25519-dalek's [`Scalar`]). This is step 2 ("additive shares") and
//! step 5 ("reconstructs V = sum_s A_s") of a round in PROTOCOL.md.
//!
//! **Use in the protocol.** A provider (the *dealer*) shares its vector
//! `v in F^m` among the `S` aggregators (the *parties*, indexed
//! `0..S`): [`SecretSharing::share`]. Party `s` receives `share_s`, expands
//! it to a vector `v_s in F^m` ([`SecretSharing::expand`]) and adds up the
//! vectors of all accepted providers coordinate-wise
//! ([`SecretSharing::accumulate`]) into its summed share `A_s`. Anyone
//! holding the summed shares of a qualified set `P` of parties computes
//! `sum_i v_i` ([`SecretSharing::reconstruct`]).
//!
//! **Linearity** (what the aggregators rely on): for every scheme here,
//! reconstruction is a fixed linear map of the expanded shares,
//!
//! ```text
//! reconstruct_P(A) = sum_{s in P} lambda_s A_s,
//! ```
//!
//! with public coefficients `lambda_s` that depend only on `P`
//! ([`SecretSharing::reconstruction_coefficients`]). Hence expanded shares
//! of `u` plus expanded shares of `v` are expanded shares of `u + v`: a
//! summed share is a share of the sum. (Linearity holds for the *expanded*
//! vectors; a seed is not added to a seed.)
//!
//! **Commitments.** The caller commits to expanded shares,
//! `C_s = <v_s, G> + r_s H`. Because reconstruction is linear, so is the
//! check: `sum_{s in P} lambda_s C_s = <v, G> + (sum lambda_s r_s) H`. For
//! additive sharing `P` is every party and every `lambda_s = 1`: the sum of
//! the share commitments commits to `v`. For Shamir, any `P` with
//! `|P| >= t` works, with Lagrange coefficients.
//!
//! ## Schemes
//!
//! - [`additive::Additive`]: `S`-of-`S` additive sharing,
//!   `v = sum_{s<S} v_s`. Parties `0..S-1` receive a 32-byte seed that
//!   expands to `v_s` by a domain-separated PRG (BLAKE3 in keyed XOF mode,
//!   64 output bytes per element reduced mod `l`); party `S-1` receives the
//!   explicit vector `v_{S-1} = v - sum_{s<S-1} v_s`. Cost on the wire:
//!   `32 (S-1) + 32 m` bytes instead of `32 S m`.
//! - [`shamir::Shamir`]: `t`-of-`n` Shamir sharing, coefficient-wise: for
//!   each coordinate `j` the dealer draws a uniform polynomial
//!   `f_j` of degree `t-1` with `f_j(0) = v_j`; party `s` receives
//!   `(f_j(s+1))_j` (evaluation points `1..=n`). Any `t` distinct parties
//!   reconstruct with the Lagrange coefficients at 0.
//!
//! ## What each scheme guarantees
//!
//! *Privacy* (of one provider's `v`, against a coalition that holds fewer
//! than `threshold()` shares of it):
//!
//! - Shamir: perfect. Any `t-1` shares are jointly uniform, whatever `v`.
//! - Additive without seed compression would be perfect; with it, privacy
//!   is computational. A coalition missing the explicit share holds only
//!   seeds, which are drawn independently of `v` (perfect). A coalition
//!   missing seed `k` sees `v_{S-1}` masked by the expansion of seed `k`,
//!   which is pseudorandom if BLAKE3's keyed mode is a PRF. Each expanded
//!   element is a 512-bit value reduced mod `l`: statistical distance
//!   below `2^-259` from uniform per element.
//!
//! *Correctness*: reconstruction from the summed shares of a qualified set
//! returns the sum of the dealt secrets, when the dealers and parties
//! followed the scheme.
//!
//! ## Threat model and what is *not* provided
//!
//! - No integrity, no robustness. Any vector is a valid additive sharing of
//!   *something*; a party that adds an offset to its summed share shifts the
//!   result. In zkagg these are caught outside this module: every share and
//!   summed share is bound by Pedersen commitments and the final check of
//!   step 5 (and the provider's proofs bind `v`).
//! - Shamir shares are **not verifiable**: a malicious dealer can deal
//!   points that lie on no polynomial of degree `t-1`, and then different
//!   qualified sets reconstruct different values (and the commitment check
//!   above passes for some `P` but not others). Binding a Shamir dealer
//!   needs commitments to the polynomial coefficients (Feldman/Pedersen
//!   VSS), which this module does not implement. Additive sharing has no
//!   such issue (there is only one qualified set).
//! - Seeds must be fresh and uniform for every sharing; reusing a seed
//!   across sharings leaks the difference of the secrets to the last party.
//! - Shares ([`msgs::AdditiveShare`], [`msgs::ShamirShare`]: seeds and
//!   explicit vectors) are zeroized on drop; `Debug` of a share prints only
//!   its form and length. Expanded vectors and sums handed back to the
//!   caller are plain `Vec<Scalar>` and are the caller's to wipe.
//! - Field arithmetic is dalek's constant-time arithmetic; branches depend
//!   only on public values (lengths, party indices, share forms, scalar
//!   canonicity on decode).
//! - Untrusted input (a share from a dealer, a summed share from a party)
//!   never panics: lengths, forms and encodings are checked and reported as
//!   [`SharingError::InvalidShare`] / [`SharingError::InvalidSummedShare`]
//!   with the index of the party concerned.
//!
//! **Not audited.**
//!
//! ## Extending
//!
//! A new scheme implements [`SecretSharing`] and invokes the conformance
//! kit [`sharing_conformance_tests!`](crate::sharing_conformance_tests)
//! (see [`conformance`]), as both schemes here do.

pub mod additive;
pub mod conformance;
pub mod error;
pub mod msgs;
pub mod shamir;

#[cfg(test)]
mod tests;

pub use additive::Additive;
pub use error::{Misuse, ShareFault, SharingError};
pub use msgs::{decode_share, encode_share, AdditiveShare, ShamirShare};
pub use shamir::Shamir;

#[doc(inline)]
pub use crate::sharing_conformance_tests;

use core::fmt;
use curve25519_dalek::scalar::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rand_core::{CryptoRng, RngCore};
use serde::{de::DeserializeOwned, Serialize};

/// A linear secret-sharing scheme over `F = Z_l` for vectors.
///
/// Parties are indexed `0..num_parties()`. Methods are grouped by role:
/// the *dealer* ([`share`](Self::share)), a *party*
/// ([`decode_share`](Self::decode_share), [`expand`](Self::expand),
/// [`accumulate`](Self::accumulate)) and whoever *reconstructs*
/// ([`reconstruction_coefficients`](Self::reconstruction_coefficients),
/// [`reconstruct`](Self::reconstruct)).
///
/// Implementations must be linear: there are coefficients `lambda_s`
/// depending only on the set of parties `P` such that for every dealt
/// sharing of `v` and every qualified `P`,
/// `sum_{k} lambda_k expand(P[k], share_{P[k]}) = v`. The conformance kit
/// ([`conformance`]) checks this and the rest of the contract.
pub trait SecretSharing {
    /// What the dealer sends to one party. Its serde encoding must be
    /// canonical (one encoding per value, checked by
    /// [`decode_share`](Self::decode_share)).
    type Share: Clone + fmt::Debug + PartialEq + Eq + Serialize + DeserializeOwned;

    /// Number of parties `n` (aggregators).
    fn num_parties(&self) -> usize;

    /// Number of distinct parties needed to reconstruct; any fewer learn
    /// nothing about the secret.
    fn threshold(&self) -> usize;

    /// Dealer: shares `v`, one share per party (index = party), using `rng`
    /// for all randomness.
    fn share<R: RngCore + CryptoRng + ?Sized>(
        &self,
        v: &[Scalar],
        rng: &mut R,
    ) -> Result<Vec<Self::Share>, SharingError>;

    /// Seeded twin of [`share`](Self::share): the randomness is ChaCha20
    /// keyed with `seed`. Deterministic; for tests and test vectors, or
    /// with a fresh uniform seed.
    fn share_seeded(&self, v: &[Scalar], seed: [u8; 32]) -> Result<Vec<Self::Share>, SharingError> {
        let mut rng = ChaCha20Rng::from_seed(seed);
        self.share(v, &mut rng)
    }

    /// Party: checks that `share` is a well-formed share for party `party`
    /// of a vector of length `len` (form and length).
    ///
    /// Errors: [`SharingError::InvalidShare`] for `party` if not;
    /// [`Misuse::PartyOutOfRange`] if `party >= num_parties()`.
    fn validate_share(
        &self,
        party: usize,
        share: &Self::Share,
        len: usize,
    ) -> Result<(), SharingError>;

    /// Party: the explicit vector in `F^len` of `share`, dealt to `party`
    /// (a seed is expanded with the PRG). Validates like
    /// [`validate_share`](Self::validate_share).
    fn expand(
        &self,
        party: usize,
        share: &Self::Share,
        len: usize,
    ) -> Result<Vec<Scalar>, SharingError>;

    /// Party: adds the expansion of `share` (dealt to `party`) into `acc`
    /// coordinate-wise; `acc.len()` is the vector length. On error `acc`
    /// is unchanged.
    fn accumulate(
        &self,
        party: usize,
        acc: &mut [Scalar],
        share: &Self::Share,
    ) -> Result<(), SharingError> {
        let v = self.expand(party, share, acc.len())?;
        for (a, x) in acc.iter_mut().zip(&v) {
            *a += x;
        }
        Ok(())
    }

    /// Canonical wire encoding of a share ([`msgs`]).
    fn encode_share(&self, share: &Self::Share) -> Result<Vec<u8>, SharingError> {
        msgs::encode_share(share)
    }

    /// Party: decodes a share dealt to `party` for a vector of length
    /// `len`, rejecting non-canonical encodings, and validates it.
    fn decode_share(
        &self,
        party: usize,
        bytes: &[u8],
        len: usize,
    ) -> Result<Self::Share, SharingError> {
        if party >= self.num_parties() {
            return Err(Misuse::PartyOutOfRange {
                party,
                parties: self.num_parties(),
            }
            .into());
        }
        let share = msgs::decode_share(party, bytes)?;
        self.validate_share(party, &share, len)?;
        Ok(share)
    }

    /// Reconstructor: the coefficients `lambda_k`, in the order of
    /// `parties`, with `sum_k lambda_k A_{parties[k]} = secret`.
    ///
    /// Errors ([`Misuse`]): an index out of range, a duplicate index, or
    /// fewer than [`threshold`](Self::threshold) parties.
    fn reconstruction_coefficients(&self, parties: &[usize]) -> Result<Vec<Scalar>, SharingError>;

    /// Reconstructor: the secret (the sum of the dealt secrets) from the
    /// summed shares `summed_shares[k]` of party `parties[k]`, each of
    /// length `len`.
    ///
    /// Errors: as [`reconstruction_coefficients`](Self::reconstruction_coefficients);
    /// [`Misuse::LengthMismatch`] if `summed_shares.len() != parties.len()`;
    /// [`SharingError::InvalidSummedShare`] naming the party whose summed
    /// share does not have length `len`.
    fn reconstruct(
        &self,
        parties: &[usize],
        summed_shares: &[Vec<Scalar>],
        len: usize,
    ) -> Result<Vec<Scalar>, SharingError> {
        let lambda = self.reconstruction_coefficients(parties)?;
        combine(parties, &lambda, summed_shares, len)
    }
}

/// `sum_k lambda_k * vectors[k]`, after checking the lengths (blaming
/// `parties[k]` for a wrong-length vector).
pub(crate) fn combine(
    parties: &[usize],
    lambda: &[Scalar],
    vectors: &[Vec<Scalar>],
    len: usize,
) -> Result<Vec<Scalar>, SharingError> {
    if vectors.len() != parties.len() {
        return Err(Misuse::LengthMismatch {
            what: "number of summed shares vs number of parties",
            expected: parties.len(),
            actual: vectors.len(),
        }
        .into());
    }
    debug_assert_eq!(lambda.len(), parties.len());
    for (&party, a) in parties.iter().zip(vectors) {
        if a.len() != len {
            return Err(SharingError::InvalidSummedShare {
                party,
                fault: ShareFault::WrongLength {
                    expected: len,
                    actual: a.len(),
                },
            });
        }
    }
    let mut out = vec![Scalar::ZERO; len];
    for (l, a) in lambda.iter().zip(vectors) {
        // Coefficients are public, so branching on them is fine.
        if *l == Scalar::ONE {
            for (o, x) in out.iter_mut().zip(a) {
                *o += x;
            }
        } else {
            for (o, x) in out.iter_mut().zip(a) {
                *o += l * x;
            }
        }
    }
    Ok(out)
}

/// Checks a set of parties for reconstruction: every index in
/// `0..parties_total`, no duplicates, at least `threshold` of them.
pub(crate) fn check_parties(
    parties: &[usize],
    parties_total: usize,
    threshold: usize,
) -> Result<(), SharingError> {
    let mut seen = vec![false; parties_total];
    for &p in parties {
        match seen.get_mut(p) {
            None => {
                return Err(Misuse::PartyOutOfRange {
                    party: p,
                    parties: parties_total,
                }
                .into())
            }
            Some(true) => return Err(Misuse::DuplicateParty { party: p }.into()),
            Some(s) => *s = true,
        }
    }
    if parties.len() < threshold {
        return Err(Misuse::TooFewParties {
            needed: threshold,
            got: parties.len(),
        }
        .into());
    }
    Ok(())
}

/// Checks `party < parties_total`.
pub(crate) fn check_party(party: usize, parties_total: usize) -> Result<(), SharingError> {
    if party >= parties_total {
        return Err(Misuse::PartyOutOfRange {
            party,
            parties: parties_total,
        }
        .into());
    }
    Ok(())
}
