//! The linking-proof verifier, single and batched.

use super::{label, powers, LinkError, LinkGens, LinkProof};
use crate::field::Fr;
use crate::transcript::{labels, TranscriptProtocol};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

/// A statement: the commitment C, the point rho, the value y and the vector
/// length (d + 1).
#[derive(Clone, Copy, Debug)]
pub struct LinkStatement<'a> {
    /// C = sum of the share commitments.
    pub C: &'a RistrettoPoint,
    /// The challenge point.
    pub rho: &'a Fr,
    /// The claimed evaluation.
    pub y: &'a Fr,
    /// Vector length (d + 1).
    pub len: usize,
}

/// One proof reduced to a linear check: coefficients on G (length n), on H,
/// on Q, and on the proof-specific points.
struct Reduced {
    g: Vec<Fr>,
    h: Fr,
    q: Fr,
    points: Vec<RistrettoPoint>,
    coeffs: Vec<Fr>,
}

fn reduce(
    gens: &LinkGens,
    transcript: &mut Transcript,
    st: &LinkStatement,
    proof: &LinkProof,
) -> Result<Reduced, LinkError> {
    let n = gens.n();
    if st.len > n {
        return Err(LinkError::TooLong {
            max: n,
            got: st.len,
        });
    }
    let k = n.trailing_zeros() as usize;
    if proof.L.len() != k || proof.R.len() != k {
        return Err(LinkError::WrongRounds {
            expected: k,
            got: proof.L.len().max(proof.R.len()),
        });
    }
    transcript.domain_sep(labels::DS_LINK);
    transcript.append_u64_le(label::N, st.len as u64);
    transcript.append_point(label::C, st.C);
    transcript.append_scalar(label::RHO, st.rho);
    transcript.append_scalar(label::Y, st.y);
    transcript.append_point(label::A, &proof.A);
    transcript.append_scalar(label::T, &proof.t);
    let c = transcript.challenge_scalar(label::CH_C);
    transcript.append_scalar(label::PHI, &proof.phi);
    let e = transcript.challenge_scalar(label::CH_E);
    let mut xs = Vec::with_capacity(k);
    for (L, R) in proof.L.iter().zip(&proof.R) {
        transcript.append_point(label::L, L);
        transcript.append_point(label::R, R);
        xs.push(transcript.challenge_scalar(label::CH_X));
    }
    if xs.contains(&Fr::ZERO) {
        return Err(LinkError::Rejected { index: 0 });
    }
    let xinv: Vec<Fr> = xs.iter().map(|x| x.invert()).collect();
    // s_i = prod_j (x_j^{-1} if bit (k-1-j) of i is 0 else x_j): the
    // coefficient of G_i in the folded generator.
    let mut s = vec![Fr::ONE; n];
    s[0] = xinv.iter().product();
    for i in 1..n {
        let lg = (usize::BITS - 1 - i.leading_zeros()) as usize; // floor(log2 i)
        let j = k - 1 - lg;
        s[i] = s[i - (1 << lg)] * xs[j] * xs[j];
    }
    let b = powers(st.rho, st.len, n);
    let sb: Fr = s.iter().zip(&b).map(|(x, y)| x * y).sum();
    let a = proof.a;
    // Check: c C + A - phi H + (c y + t) e Q + sum x^2 L + x^-2 R - a <s,G> - a <s,b> e Q = 0.
    let g: Vec<Fr> = s.iter().map(|si| -(a * si)).collect();
    let q = e * (c * st.y + proof.t - a * sb);
    let mut points = vec![*st.C, proof.A];
    let mut coeffs = vec![c, Fr::ONE];
    for j in 0..k {
        points.push(proof.L[j]);
        coeffs.push(xs[j] * xs[j]);
        points.push(proof.R[j]);
        coeffs.push(xinv[j] * xinv[j]);
    }
    Ok(Reduced {
        g,
        h: -proof.phi,
        q,
        points,
        coeffs,
    })
}

/// Verifies one linking proof.
pub fn verify(
    gens: &LinkGens,
    transcript: &mut Transcript,
    st: &LinkStatement,
    proof: &LinkProof,
) -> Result<(), LinkError> {
    let r = reduce(gens, transcript, st, proof)?;
    let n = gens.n();
    let p = RistrettoPoint::vartime_multiscalar_mul(
        r.g.iter().chain([&r.h, &r.q]).chain(r.coeffs.iter()),
        gens.pedersen.G[..n]
            .iter()
            .chain([&gens.pedersen.H, &gens.Q])
            .chain(r.points.iter()),
    );
    if p.is_identity() {
        Ok(())
    } else {
        Err(LinkError::Rejected { index: 0 })
    }
}

/// Verifies many linking proofs over the same generators in one
/// multiscalar multiplication, with random weights. Each item has its own
/// transcript (bound to that proof's context). On failure, names the first
/// failing proof (found by re-checking individually).
pub fn batch_verify<Rn: RngCore + CryptoRng>(
    gens: &LinkGens,
    items: &mut [(Transcript, LinkStatement, &LinkProof)],
    rng: &mut Rn,
) -> Result<(), LinkError> {
    let n = gens.n();
    let mut g = vec![Fr::ZERO; n];
    let mut h = Fr::ZERO;
    let mut q = Fr::ZERO;
    let mut points = Vec::new();
    let mut coeffs = Vec::new();
    let snapshots: Vec<Transcript> = items.iter().map(|(t, _, _)| t.clone()).collect();
    for (index, (t, st, proof)) in items.iter_mut().enumerate() {
        let r = reduce(gens, t, st, proof).map_err(|e| match e {
            LinkError::Rejected { .. } => LinkError::Rejected { index },
            other => other,
        })?;
        let w = Fr::random(rng);
        for (acc, x) in g.iter_mut().zip(&r.g) {
            *acc += w * x;
        }
        h += w * r.h;
        q += w * r.q;
        points.extend(r.points);
        coeffs.extend(r.coeffs.into_iter().map(|c| w * c));
    }
    let p = RistrettoPoint::vartime_multiscalar_mul(
        g.iter().chain([&h, &q]).chain(coeffs.iter()),
        gens.pedersen.G[..n]
            .iter()
            .chain([&gens.pedersen.H, &gens.Q])
            .chain(points.iter()),
    );
    if p.is_identity() {
        return Ok(());
    }
    for (index, ((_, st, proof), mut t)) in items.iter().zip(snapshots).enumerate() {
        if verify(gens, &mut t, st, proof).is_err() {
            return Err(LinkError::Rejected { index });
        }
    }
    Err(LinkError::Rejected { index: 0 })
}
