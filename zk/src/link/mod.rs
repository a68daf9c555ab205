//! The linking proof pi_link: a provider's share commitments open to a vector
//! whose evaluation at the challenge point rho is the public y.
//!
//! **Relation.** Public: generators G_0..G_{n-1}, H (n a power of two, the
//! first d+1 used by commitments), a commitment C (the sum of the share
//! commitments C_1..C_S), rho and y. Witness: v in F^(d+1), r in F with
//! C = <v, G> + r H and <v, b> = y, where b = (1, rho, rho^2, ..., rho^d)
//! (PROTOCOL.md, round t, pi_link; SPEC.md section 8).
//!
//! **Construction** (a Sigma protocol compressed by a Bulletproofs-style inner
//! product argument; Attema-Cramer "compressed Sigma-protocols", Bünz et al.
//! "Bulletproofs"). All challenges come from the caller's merlin transcript.
//! 1. Prover: u <- F^n, s <- F; sends A = <u, G> + s H and t = <u, b>.
//! 2. Challenge c. Prover computes z = c v + u and phi = c r + s and sends phi.
//!    Now <z, G> = P := cC + A - phi H and <z, b> = cy + t: z is a
//!    Sigma-protocol response (uniform, hence zero knowledge), so it need not
//!    be hidden by what follows.
//! 3. Challenge e; Q' = e Q for a fixed independent generator Q. The prover
//!    shows knowledge of z with P + (cy + t) Q' = <z, G> + <z, b> Q' by the
//!    inner product argument with public b: log2(n) rounds each sending
//!    L = <z_lo, G_hi> + <z_lo, b_hi> Q' and R = <z_hi, G_lo> + <z_hi, b_lo> Q',
//!    challenge x, folding z' = x z_lo + x^{-1} z_hi, G' = x^{-1} G_lo + x G_hi,
//!    b' = x^{-1} b_lo + x b_hi; finally the scalar a = z'.
//!
//! The verifier checks everything in one multiscalar multiplication of size
//! n + 2 log2(n) + 4: with s_k = prod_j x_j^{+-1} (the usual Bulletproofs
//! coefficients), cC + A - phi H + (cy + t) Q' + sum_j (x_j^2 L_j + x_j^{-2} R_j)
//! = a <s, G> + a <s, b> Q'. Proofs for the same generators are batch-verified
//! with random weights in one multiscalar multiplication.
//!
//! Proof size: 2 log2(n) + 1 points and 3 scalars. Threat model: the prover is
//! malicious; soundness relies on the discrete-log assumption in ristretto255
//! and on Fiat-Shamir in the random-oracle model. Not audited.

mod error;
mod msgs;
mod prover;
mod verifier;

pub use error::LinkError;
pub use msgs::LinkProof;
pub use prover::{prove, LinkInstance, LinkWitness};
pub use verifier::{batch_verify, batch_verify_with_openings, verify, LinkStatement};

use crate::field::Fr;
use crate::pedersen::PedersenGens;
use curve25519_dalek::ristretto::RistrettoPoint;
use sha2::Sha512;

/// Transcript labels.
pub(crate) mod label {
    pub const N: &[u8] = b"link-n";
    pub const C: &[u8] = b"link-C";
    pub const RHO: &[u8] = b"link-rho";
    pub const Y: &[u8] = b"link-y";
    pub const A: &[u8] = b"link-A";
    pub const T: &[u8] = b"link-t";
    pub const CH_C: &[u8] = b"link-c";
    pub const PHI: &[u8] = b"link-phi";
    pub const CH_E: &[u8] = b"link-e";
    pub const L: &[u8] = b"link-L";
    pub const R: &[u8] = b"link-R";
    pub const CH_X: &[u8] = b"link-x";
}

/// Generators for linking proofs over vectors of length up to `n` (a power of two).
#[derive(Clone, Debug)]
pub struct LinkGens {
    /// Pedersen generators (G_0..G_{n-1}, H), shared with the share commitments.
    pub pedersen: PedersenGens,
    /// The inner-product generator Q.
    pub Q: RistrettoPoint,
}

impl LinkGens {
    /// Generators for vectors of length up to `len` (rounded up to a power of
    /// two), in the Pedersen context `ctx` (the config id). The first `len`
    /// value generators equal `PedersenGens::new(ctx, len)`'s.
    pub fn new(ctx: &[u8], len: usize) -> Self {
        let n = len.max(1).next_power_of_two();
        let mut msg = b"zkagg/link/Q/v1".to_vec();
        msg.extend_from_slice(&(ctx.len() as u64).to_le_bytes());
        msg.extend_from_slice(ctx);
        LinkGens {
            pedersen: PedersenGens::new(ctx, n),
            Q: RistrettoPoint::hash_from_bytes::<Sha512>(&msg),
        }
    }

    /// The padded length n.
    pub fn n(&self) -> usize {
        self.pedersen.len()
    }
}

/// The vector b = (1, rho, ..., rho^(len-1)) padded with zeros to n.
pub(crate) fn powers(rho: &Fr, len: usize, n: usize) -> Vec<Fr> {
    let mut b = Vec::with_capacity(n);
    let mut p = Fr::ONE;
    for _ in 0..len {
        b.push(p);
        p *= rho;
    }
    b.resize(n, Fr::ZERO);
    b
}

/// <a, b>.
pub(crate) fn inner(a: &[Fr], b: &[Fr]) -> Fr {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests;
