//! Zero-knowledge sum-check with committed round polynomials.
//!
//! Reference: Wahby et al., "Doubly-efficient zkSNARKs without trusted
//! setup" (Hyrax), S&P 2018, section 4 and appendix A; Setty, "Spartan",
//! CRYPTO 2020, section 6 (zero-knowledge sum-check from the proof of dot
//! product).
//!
//! Relation: for a polynomial G over n variables of degree at most `deg`
//! in each, and a claim e_0 known to the verifier only as a commitment
//! C_0 = e_0 G_val + r_0 H, sum_{x in {0,1}^n} G(x) = e_0. The verifier ends
//! with a random point r and a commitment C_n to G(r), which the caller
//! must check (the final claims are proven with the Sigma proofs of
//! [`sigma`]).
//!
//! Round j (variable j, first variable first): the prover commits to the
//! coefficients c of the round polynomial g_j, C_poly = <c, K> + r H, over
//! the coefficient generators K_0..K_deg (absorbed); the verifier draws r_j;
//! the prover commits to the next claim e_j = g_j(r_j) as C_j (absorbed);
//! the verifier draws w; one proof of dot product shows
//! <c, (2, 1, .., 1) + w (1, r_j, .., r_j^deg)> = e_{j-1} + w e_j against
//! C_poly and C_{j-1} + w C_j: that is g_j(0) + g_j(1) = e_{j-1} and
//! g_j(r_j) = e_j at once, except with probability 1/l over w. The degree is
//! bounded because the commitment has exactly deg + 1 coefficient slots
//! and the response vector must have exactly deg + 1 entries.
//!
//! Fiat-Shamir: each prover message is absorbed before the next challenge;
//! all challenges are 64-byte wide reductions and zero challenges are
//! rejected. The verifier pushes every Sigma equation into a
//! [`Sink`] so that a whole proof is one MSM.
//!
//! Not audited.

mod error;
mod msgs;
pub mod sigma;

pub use error::SumcheckError;
pub use msgs::{EqualityProof, KnowledgeProof, ProductProof, RoundProof, SumcheckProof};

use crate::field::Fr;
use crate::hyrax::{nonzero_challenge, Basis, DotProductProof, Generators, Pt, Sink};
use crate::transcript::TranscriptProtocol;
use curve25519_dalek::ristretto::RistrettoPoint;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// Transcript labels of the sum-check, versioned.
pub mod labels {
    /// The sum-check.
    pub const DS_SUMCHECK: &[u8] = b"zkagg/sumcheck/v1";
    /// Number of rounds and degree.
    pub const SHAPE: &[u8] = b"sc-shape";
    /// Round polynomial commitment.
    pub const POLY: &[u8] = b"sc-poly";
    /// The round challenge r_j.
    pub const R: &[u8] = b"sc-r";
    /// The next claim's commitment.
    pub const CLAIM: &[u8] = b"sc-claim";
    /// The combination weight w.
    pub const W: &[u8] = b"sc-w";
}

/// The largest degree supported (coefficient generators needed: deg + 1).
pub const MAX_DEGREE: usize = 7;

/// What a prover needs of the summed polynomial, round by round.
pub trait RoundOracle {
    /// The degree of every round polynomial.
    fn degree(&self) -> usize;
    /// g_j at 0, 2, 3, .., degree (g_j(1) is derived from the claim).
    fn round_evals(&self) -> Vec<Fr>;
    /// Fixes the current variable to `r`.
    fn bind(&mut self, r: &Fr);
}

fn small_inverses() -> &'static [Fr; MAX_DEGREE + 1] {
    static T: std::sync::OnceLock<[Fr; MAX_DEGREE + 1]> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        core::array::from_fn(|k| {
            if k == 0 {
                Fr::ZERO
            } else {
                Fr::from(k as u64).invert()
            }
        })
    })
}

/// Coefficients (constant first) of the polynomial of degree < evals.len()
/// with the given values at 0, 1, 2, ..: Newton's divided differences on
/// unit-spaced nodes, then expansion. At most `MAX_DEGREE + 1` values.
pub fn interpolate(evals: &[Fr]) -> Vec<Fr> {
    let n = evals.len();
    let inv = small_inverses();
    let mut d = evals.to_vec();
    for k in 1..n {
        for i in (k..n).rev() {
            d[i] = (d[i] - d[i - 1]) * inv[k.min(MAX_DEGREE)];
        }
    }
    // Horner in Newton form: p = d_{n-1}; p = p (t - k) + d_k.
    let mut p: Vec<Fr> = Vec::with_capacity(n);
    if let Some(last) = d.last() {
        p.push(*last);
    }
    for k in (0..n.saturating_sub(1)).rev() {
        // p <- p * (t - k) + d_k
        let kk = Fr::from(k as u64);
        p.push(Fr::ZERO);
        for i in (1..p.len()).rev() {
            p[i] = p[i - 1] - kk * p[i];
        }
        p[0] = -kk * p[0] + d[k];
    }
    p
}

/// Evaluates coefficients (constant first) at `x` by Horner's rule.
pub fn eval_poly(coeffs: &[Fr], x: &Fr) -> Fr {
    coeffs.iter().rev().fold(Fr::ZERO, |acc, c| acc * x + c)
}

/// The public vector of round j: (2, 1, .., 1) + w (1, r, .., r^deg).
fn round_vector(deg: usize, r: &Fr, w: &Fr) -> Vec<Fr> {
    let mut a = Vec::with_capacity(deg + 1);
    let mut pow = Fr::ONE;
    for i in 0..=deg {
        let base = if i == 0 { Fr::from(2u8) } else { Fr::ONE };
        a.push(base + w * pow);
        pow *= r;
    }
    a
}

fn absorb_shape(transcript: &mut Transcript, rounds: usize, deg: usize) {
    transcript.domain_sep(labels::DS_SUMCHECK);
    transcript.append_u64_le(labels::SHAPE, rounds as u64);
    transcript.append_u64_le(labels::SHAPE, deg as u64);
}

/// The prover's final state: the point, the final claim and its blind.
#[derive(Clone)]
pub struct ProverOutput {
    /// The random point (r_1..r_n).
    pub point: Vec<Fr>,
    /// G(point).
    pub claim: Fr,
    /// The blind of the final claim commitment.
    pub blind: Fr,
}

/// The final claim and its blind are secret: wiped on drop.
impl Drop for ProverOutput {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.claim);
        zeroize::Zeroize::zeroize(&mut self.blind);
    }
}

impl core::fmt::Debug for ProverOutput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProverOutput")
            .field("point", &self.point)
            .finish_non_exhaustive()
    }
}

impl SumcheckProof {
    /// Proves sum G = `claim` (committed with `blind`) over `rounds`
    /// variables. The oracle computes the round polynomials.
    pub fn prove<O: RoundOracle, R: RngCore + CryptoRng>(
        gens: &Generators,
        oracle: &mut O,
        rounds: usize,
        claim: Fr,
        blind: Fr,
        transcript: &mut Transcript,
        rng: &mut R,
    ) -> Result<(Self, ProverOutput), SumcheckError> {
        if rounds == 0 {
            return Err(SumcheckError::NoRounds);
        }
        let deg = oracle.degree();
        if deg == 0 || deg > MAX_DEGREE || deg + 1 > gens.coeffs().len() {
            return Err(SumcheckError::UnsupportedDegree(deg));
        }
        absorb_shape(transcript, rounds, deg);
        let (mut claim, mut blind) = (Zeroizing::new(claim), Zeroizing::new(blind));
        let mut point = Vec::with_capacity(rounds);
        let mut out = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let partial = oracle.round_evals();
            if partial.len() != deg {
                return Err(SumcheckError::OracleLength {
                    expected: deg,
                    got: partial.len(),
                });
            }
            // The round polynomial and its blinds are secret: wiped at the
            // end of the round.
            let partial = Zeroizing::new(partial);
            let mut evals = Zeroizing::new(Vec::with_capacity(deg + 1));
            evals.push(partial[0]);
            evals.push(*claim - partial[0]);
            evals.extend_from_slice(&partial[1..]);
            let coeffs = Zeroizing::new(interpolate(&evals));
            let r_poly = Zeroizing::new(Fr::random(rng));
            let comm_poly = Pt::new(gens.commit_vec(Basis::Coeffs, &coeffs, &r_poly)?);
            transcript.append_message(labels::POLY, comm_poly.as_bytes());
            let r = nonzero_challenge(transcript, labels::R)?;
            let next = eval_poly(&coeffs, &r);
            let r_next = Zeroizing::new(Fr::random(rng));
            let comm_claim = Pt::new(gens.commit_scalar(&next, &r_next));
            transcript.append_message(labels::CLAIM, comm_claim.as_bytes());
            let w = nonzero_challenge(transcript, labels::W)?;
            let a = round_vector(deg, &r, &w);
            let dot = DotProductProof::prove(
                gens,
                Basis::Coeffs,
                transcript,
                &coeffs,
                &r_poly,
                &a,
                &(*blind + w * *r_next),
                rng,
            )?;
            out.push(RoundProof {
                comm_poly,
                comm_claim,
                dot,
            });
            oracle.bind(&r);
            point.push(r);
            *claim = next;
            *blind = *r_next;
        }
        Ok((
            SumcheckProof { rounds: out },
            ProverOutput {
                point,
                claim: *claim,
                blind: *blind,
            },
        ))
    }

    /// Verifies the rounds against the committed claim `claim` (a linear
    /// combination of points; empty for a claim of zero with blind zero),
    /// pushing two equations per round into `sink`. Returns the point and
    /// the commitment to the final claim, which the caller must check.
    pub fn verify<S: Sink + ?Sized>(
        &self,
        rounds: usize,
        deg: usize,
        claim: &[(Fr, RistrettoPoint)],
        transcript: &mut Transcript,
        sink: &mut S,
    ) -> Result<(Vec<Fr>, Pt), SumcheckError> {
        if rounds == 0 {
            return Err(SumcheckError::NoRounds);
        }
        if self.rounds.len() != rounds {
            return Err(SumcheckError::WrongRounds {
                expected: rounds,
                got: self.rounds.len(),
            });
        }
        absorb_shape(transcript, rounds, deg);
        let mut point = Vec::with_capacity(rounds);
        let mut prev: Vec<(Fr, RistrettoPoint)> = claim.to_vec();
        let mut last = None;
        for round in &self.rounds {
            transcript.append_message(labels::POLY, round.comm_poly.as_bytes());
            let r = nonzero_challenge(transcript, labels::R)?;
            transcript.append_message(labels::CLAIM, round.comm_claim.as_bytes());
            let w = nonzero_challenge(transcript, labels::W)?;
            let a = round_vector(deg, &r, &w);
            let mut cy = prev;
            cy.push((w, *round.comm_claim.point()));
            round.dot.verify(
                Basis::Coeffs,
                transcript,
                &[(Fr::ONE, *round.comm_poly.point())],
                &cy,
                &a,
                sink,
            )?;
            prev = vec![(Fr::ONE, *round.comm_claim.point())];
            point.push(r);
            last = Some(round.comm_claim);
        }
        // `rounds >= 1` and the length was checked, so `last` is set.
        let last = last.ok_or(SumcheckError::NoRounds)?;
        Ok((point, last))
    }
}

#[cfg(test)]
mod tests;
