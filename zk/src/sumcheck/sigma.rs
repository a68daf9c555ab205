//! Sigma proofs for the final claims of a sum-check: knowledge of an
//! opening, product of committed values, and a commitment to zero
//! (equality of committed values). Each has `prove` (Fiat-Shamir: absorbs
//! its first messages, then draws a non-zero wide challenge),
//! `challenge` and `equations` for the verifier, and `simulate`, the
//! honest-verifier simulator. Statements are absorbed by the caller.
//!
//! Commitments are to G_val with blinding H; statements are given to the
//! verifier as linear combinations of points so that derived commitments
//! cost nothing until the single batched MSM.

use super::msgs::{EqualityProof, KnowledgeProof, ProductProof};
use crate::field::Fr;
use crate::hyrax::{Base, Equation, Generators, HyraxError, Pt, Sink};
use crate::transcript::TranscriptProtocol;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::MultiscalarMul;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

/// Transcript labels of the Sigma proofs, versioned.
pub mod labels {
    /// Knowledge proof.
    pub const DS_KNOWLEDGE: &[u8] = b"zkagg/sigma/knowledge/v1";
    /// Product proof.
    pub const DS_PRODUCT: &[u8] = b"zkagg/sigma/product/v1";
    /// Equality (commitment to zero) proof.
    pub const DS_EQUALITY: &[u8] = b"zkagg/sigma/equality/v1";
    /// First message alpha.
    pub const ALPHA: &[u8] = b"sigma-alpha";
    /// First message beta.
    pub const BETA: &[u8] = b"sigma-beta";
    /// First message delta.
    pub const DELTA: &[u8] = b"sigma-delta";
    /// Challenge.
    pub const CHALLENGE: &[u8] = b"sigma-c";
}

use crate::hyrax::nonzero_challenge;

/// A linear combination of points, the verifier's form of a commitment.
pub type LinComb = [(Fr, RistrettoPoint)];

fn sum(lc: &LinComb) -> RistrettoPoint {
    RistrettoPoint::multiscalar_mul(lc.iter().map(|(s, _)| *s), lc.iter().map(|(_, p)| *p))
}

impl KnowledgeProof {
    /// Proves knowledge of (x, r) with C = x G_val + r H.
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        transcript: &mut Transcript,
        x: &Fr,
        r: &Fr,
        rng: &mut R,
    ) -> Result<Self, HyraxError> {
        // The nonces are as secret as the witness: wiped on return.
        let t1 = Zeroizing::new(Fr::random(rng));
        let t2 = Zeroizing::new(Fr::random(rng));
        let alpha = Pt::new(gens.commit_scalar(&t1, &t2));
        let mut p = KnowledgeProof {
            alpha,
            z1: Fr::ZERO,
            z2: Fr::ZERO,
        };
        let c = p.challenge(transcript)?;
        p.z1 = *t1 + c * x;
        p.z2 = *t2 + c * r;
        Ok(p)
    }

    /// Absorbs alpha and draws the challenge.
    pub fn challenge(&self, transcript: &mut Transcript) -> Result<Fr, HyraxError> {
        transcript.domain_sep(labels::DS_KNOWLEDGE);
        transcript.append_message(labels::ALPHA, self.alpha.as_bytes());
        nonzero_challenge(transcript, labels::CHALLENGE)
    }

    /// alpha + c C = z1 G_val + z2 H.
    pub fn equations<S: Sink + ?Sized>(&self, c: &Fr, comm: &LinComb, sink: &mut S) {
        let mut e = Equation::with_capacity(comm.len() + 3);
        e.point(Fr::ONE, self.alpha.point())
            .lin_comb(*c, comm)
            .add(-self.z1, Base::G)
            .add(-self.z2, Base::H);
        sink.push(e);
    }

    /// The simulator: an accepting transcript for challenge `c`.
    pub fn simulate<R: RngCore + CryptoRng>(
        gens: &Generators,
        c: &Fr,
        comm: &LinComb,
        rng: &mut R,
    ) -> Self {
        let z1 = Fr::random(rng);
        let z2 = Fr::random(rng);
        let alpha = Pt::new(gens.commit_scalar(&z1, &z2) - c * sum(comm));
        KnowledgeProof { alpha, z1, z2 }
    }
}

/// The product statement: X, Y, Z commit to x, y and x y.
#[derive(Clone, Copy, Debug)]
pub struct ProductStatement<'a> {
    /// Commitment to x.
    pub x: &'a RistrettoPoint,
    /// Commitment to y.
    pub y: &'a RistrettoPoint,
    /// Commitment to x y.
    pub z: &'a RistrettoPoint,
}

/// The product witness: values and blinds.
#[derive(Clone, Copy)]
pub struct ProductWitness {
    /// x.
    pub x: Fr,
    /// Blind of X.
    pub r_x: Fr,
    /// y.
    pub y: Fr,
    /// Blind of Y.
    pub r_y: Fr,
    /// Blind of Z.
    pub r_z: Fr,
}

impl Zeroize for ProductWitness {
    fn zeroize(&mut self) {
        for v in [
            &mut self.x,
            &mut self.r_x,
            &mut self.y,
            &mut self.r_y,
            &mut self.r_z,
        ] {
            v.zeroize();
        }
    }
}

impl ProductProof {
    /// Proves Z commits to x y given the openings of X, Y and Z's blind.
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        transcript: &mut Transcript,
        st: ProductStatement<'_>,
        w: &ProductWitness,
        rng: &mut R,
    ) -> Result<Self, HyraxError> {
        let b: Zeroizing<[Fr; 5]> = Zeroizing::new(core::array::from_fn(|_| Fr::random(rng)));
        let alpha = Pt::new(gens.commit_scalar(&b[0], &b[1]));
        let beta = Pt::new(gens.commit_scalar(&b[2], &b[3]));
        let delta = Pt::new(RistrettoPoint::multiscalar_mul(
            [b[2], b[4]],
            [*st.x, *gens.h()],
        ));
        let mut p = ProductProof {
            alpha,
            beta,
            delta,
            z: [Fr::ZERO; 5],
        };
        let c = p.challenge(transcript)?;
        p.z = [
            b[0] + c * w.x,
            b[1] + c * w.r_x,
            b[2] + c * w.y,
            b[3] + c * w.r_y,
            b[4] + c * (w.r_z - w.r_x * w.y),
        ];
        Ok(p)
    }

    /// Absorbs alpha, beta, delta and draws the challenge.
    pub fn challenge(&self, transcript: &mut Transcript) -> Result<Fr, HyraxError> {
        transcript.domain_sep(labels::DS_PRODUCT);
        transcript.append_message(labels::ALPHA, self.alpha.as_bytes());
        transcript.append_message(labels::BETA, self.beta.as_bytes());
        transcript.append_message(labels::DELTA, self.delta.as_bytes());
        nonzero_challenge(transcript, labels::CHALLENGE)
    }

    /// alpha + c X = z1 G + z2 H; beta + c Y = z3 G + z4 H;
    /// delta + c Z = z3 X + z5 H.
    pub fn equations<S: Sink + ?Sized>(&self, c: &Fr, st: ProductStatement<'_>, sink: &mut S) {
        let z = &self.z;
        let mut e1 = Equation::with_capacity(4);
        e1.point(Fr::ONE, self.alpha.point())
            .point(*c, st.x)
            .add(-z[0], Base::G)
            .add(-z[1], Base::H);
        sink.push(e1);
        let mut e2 = Equation::with_capacity(4);
        e2.point(Fr::ONE, self.beta.point())
            .point(*c, st.y)
            .add(-z[2], Base::G)
            .add(-z[3], Base::H);
        sink.push(e2);
        let mut e3 = Equation::with_capacity(4);
        e3.point(Fr::ONE, self.delta.point())
            .point(*c, st.z)
            .point(-z[2], st.x)
            .add(-z[4], Base::H);
        sink.push(e3);
    }

    /// The simulator: an accepting transcript for challenge `c`.
    pub fn simulate<R: RngCore + CryptoRng>(
        gens: &Generators,
        c: &Fr,
        st: ProductStatement<'_>,
        rng: &mut R,
    ) -> Self {
        let z: [Fr; 5] = core::array::from_fn(|_| Fr::random(rng));
        let alpha = Pt::new(gens.commit_scalar(&z[0], &z[1]) - c * st.x);
        let beta = Pt::new(gens.commit_scalar(&z[2], &z[3]) - c * st.y);
        let delta = Pt::new(RistrettoPoint::multiscalar_mul(
            [z[2], z[4], -c],
            [*st.x, *gens.h(), *st.z],
        ));
        ProductProof {
            alpha,
            beta,
            delta,
            z,
        }
    }
}

impl EqualityProof {
    /// Proves D = s H (D commits to zero with blind s).
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        transcript: &mut Transcript,
        s: &Fr,
        rng: &mut R,
    ) -> Result<Self, HyraxError> {
        let t = Zeroizing::new(Fr::random(rng));
        let mut p = EqualityProof {
            alpha: Pt::new(*t * gens.h()),
            z: Fr::ZERO,
        };
        let c = p.challenge(transcript)?;
        p.z = *t + c * s;
        Ok(p)
    }

    /// Absorbs alpha and draws the challenge.
    pub fn challenge(&self, transcript: &mut Transcript) -> Result<Fr, HyraxError> {
        transcript.domain_sep(labels::DS_EQUALITY);
        transcript.append_message(labels::ALPHA, self.alpha.as_bytes());
        nonzero_challenge(transcript, labels::CHALLENGE)
    }

    /// alpha + c D = z H.
    pub fn equations<S: Sink + ?Sized>(&self, c: &Fr, d: &LinComb, sink: &mut S) {
        let mut e = Equation::with_capacity(d.len() + 2);
        e.point(Fr::ONE, self.alpha.point())
            .lin_comb(*c, d)
            .add(-self.z, Base::H);
        sink.push(e);
    }

    /// The simulator: an accepting transcript for challenge `c`.
    pub fn simulate<R: RngCore + CryptoRng>(
        gens: &Generators,
        c: &Fr,
        d: &LinComb,
        rng: &mut R,
    ) -> Self {
        let z = Fr::random(rng);
        EqualityProof {
            alpha: Pt::new(z * gens.h() - c * sum(d)),
            z,
        }
    }
}
