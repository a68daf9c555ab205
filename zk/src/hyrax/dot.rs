//! The linear-size zero-knowledge proof of dot product.
//!
//! Statement: Cx = <x, B> + r_x H over a basis B (column or coefficient
//! generators), Cy = y G_val + r_y H, a public vector a; claim <x, a> = y.
//!
//! 1. P picks d, r_delta, r_beta and sends delta = <d, B> + r_delta H,
//!    beta = <a, d> G_val + r_beta H.
//! 2. V sends c (Fiat-Shamir, after delta and beta; non-zero).
//! 3. P sends z = c x + d, z_delta = c r_x + r_delta, z_beta = c r_y + r_beta.
//! 4. V checks c Cx + delta = <z, B> + z_delta H and
//!    c Cy + beta = <z, a> G_val + z_beta H.
//!
//! Special soundness: two accepting transcripts with c != c' give
//! x = (z - z')/(c - c'), and the second equation forces <x, a> = y.
//! Honest-verifier zero knowledge: [`DotProductProof::simulate`].

use super::msgs::{DotProductProof, Pt};
use super::msm::{Base, Equation, Sink};
use super::{labels, nonzero_challenge, Basis, Generators, HyraxError};
use crate::field::Fr;
use crate::hyrax::mle::dot;
use crate::transcript::TranscriptProtocol;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::MultiscalarMul;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

impl DotProductProof {
    /// Proves <x, a> = y for Cx = <x, B> + r_x H and Cy = y G_val + r_y H,
    /// with y = <x, a> computed here. The caller has absorbed the statement.
    #[allow(clippy::too_many_arguments)]
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        basis: Basis,
        transcript: &mut Transcript,
        x: &[Fr],
        r_x: &Fr,
        a: &[Fr],
        r_y: &Fr,
        rng: &mut R,
    ) -> Result<Self, HyraxError> {
        let bases = gens.basis(basis);
        if x.len() != a.len() {
            return Err(HyraxError::WrongLength {
                what: "dot-product public vector",
                expected: x.len(),
                got: a.len(),
            });
        }
        if x.len() > bases.len() {
            return Err(HyraxError::TooLarge {
                what: "dot-product vector",
                max: bases.len(),
                got: x.len(),
            });
        }
        let d: Vec<Fr> = (0..x.len()).map(|_| Fr::random(rng)).collect();
        let r_delta = Fr::random(rng);
        let r_beta = Fr::random(rng);
        // Constant time: d is secret (z - c d would reveal x).
        let delta = RistrettoPoint::multiscalar_mul(
            d.iter().chain([&r_delta]),
            bases[..x.len()].iter().chain([gens.h()]),
        );
        let beta = RistrettoPoint::multiscalar_mul([dot(a, &d), r_beta], [*gens.g(), *gens.h()]);
        let delta = Pt::new(delta);
        let beta = Pt::new(beta);
        let c = Self::absorb(transcript, &delta, &beta)?;
        Ok(DotProductProof {
            delta,
            beta,
            z: x.iter().zip(&d).map(|(xi, di)| c * xi + di).collect(),
            z_delta: c * r_x + r_delta,
            z_beta: c * r_y + r_beta,
        })
    }

    fn absorb(transcript: &mut Transcript, delta: &Pt, beta: &Pt) -> Result<Fr, HyraxError> {
        transcript.domain_sep(labels::DS_DOT);
        transcript.append_message(labels::DOT_DELTA, delta.as_bytes());
        transcript.append_message(labels::DOT_BETA, beta.as_bytes());
        nonzero_challenge(transcript, labels::DOT_CHALLENGE)
    }

    /// Absorbs the first messages and returns the challenge (verifier side).
    pub fn challenge(&self, transcript: &mut Transcript) -> Result<Fr, HyraxError> {
        Self::absorb(transcript, &self.delta, &self.beta)
    }

    /// Pushes the two verification equations for challenge `c`, with Cx and
    /// Cy given as linear combinations of points. Checks the length of z.
    pub fn equations<S: Sink + ?Sized>(
        &self,
        basis: Basis,
        c: &Fr,
        cx: &[(Fr, RistrettoPoint)],
        cy: &[(Fr, RistrettoPoint)],
        a: &[Fr],
        sink: &mut S,
    ) -> Result<(), HyraxError> {
        if self.z.len() != a.len() {
            return Err(HyraxError::WrongLength {
                what: "dot-product response z",
                expected: a.len(),
                got: self.z.len(),
            });
        }
        let col = |i: usize| match basis {
            Basis::Cols => Base::Col(i),
            Basis::Coeffs => Base::Coeff(i),
        };
        let mut e1 = Equation::with_capacity(cx.len() + self.z.len() + 2);
        e1.lin_comb(*c, cx).point(Fr::ONE, self.delta.point());
        for (i, zi) in self.z.iter().enumerate() {
            e1.add(-zi, col(i));
        }
        e1.add(-self.z_delta, Base::H);
        sink.push(e1);
        let mut e2 = Equation::with_capacity(cy.len() + 3);
        e2.lin_comb(*c, cy)
            .point(Fr::ONE, self.beta.point())
            .add(-dot(&self.z, a), Base::G)
            .add(-self.z_beta, Base::H);
        sink.push(e2);
        Ok(())
    }

    /// Verifies against a transcript: absorbs, derives c, pushes the equations.
    pub fn verify<S: Sink + ?Sized>(
        &self,
        basis: Basis,
        transcript: &mut Transcript,
        cx: &[(Fr, RistrettoPoint)],
        cy: &[(Fr, RistrettoPoint)],
        a: &[Fr],
        sink: &mut S,
    ) -> Result<(), HyraxError> {
        let c = self.challenge(transcript)?;
        self.equations(basis, &c, cx, cy, a, sink)
    }

    /// The honest-verifier simulator: an accepting transcript for challenge
    /// `c` made without the witness.
    pub fn simulate<R: RngCore + CryptoRng>(
        gens: &Generators,
        basis: Basis,
        c: &Fr,
        cx: &RistrettoPoint,
        cy: &RistrettoPoint,
        a: &[Fr],
        rng: &mut R,
    ) -> Self {
        let bases = gens.basis(basis);
        let n = a.len().min(bases.len());
        let z: Vec<Fr> = (0..n).map(|_| Fr::random(rng)).collect();
        let z_delta = Fr::random(rng);
        let z_beta = Fr::random(rng);
        let delta = RistrettoPoint::multiscalar_mul(
            z.iter().chain([&z_delta, &-c]),
            bases[..n].iter().chain([gens.h(), cx]),
        );
        let beta =
            RistrettoPoint::multiscalar_mul([dot(&z, a), z_beta, -c], [*gens.g(), *gens.h(), *cy]);
        DotProductProof {
            delta: Pt::new(delta),
            beta: Pt::new(beta),
            z,
            z_delta,
            z_beta,
        }
    }
}
