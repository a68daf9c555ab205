//! The linking-proof verifier, single and batched.

use super::{label, powers, LinkError, LinkGens, LinkProof};
use crate::field::Fr;
use crate::pedersen::Commitment;
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
    let snapshots: Vec<Transcript> = items.iter().map(|(t, _, _)| t.clone()).collect();
    let mut acc = BatchMsm::new(gens.n());
    acc.add_links(gens, items, rng)?;
    if acc.is_zero(gens) {
        return Ok(());
    }
    for (index, ((_, st, proof), mut t)) in items.iter().zip(snapshots).enumerate() {
        if verify(gens, &mut t, st, proof).is_err() {
            return Err(LinkError::Rejected { index });
        }
    }
    Err(LinkError::Rejected { index: 0 })
}

/// Checks a batch of linking proofs **and** a batch of Pedersen openings
/// (commitment, vector, blind) over the same generators in a single
/// multiscalar multiplication: an aggregator's whole per-round check after
/// pi_zk. Every term gets an independent random weight, so a batch with any
/// false proof or opening passes with probability at most 1/l (per false
/// item). `Ok(true)` means everything holds. `Ok(false)` and `Err` say only
/// that something failed: run [`batch_verify`] and
/// [`crate::pedersen::PedersenGens::batch_verify_openings`] to find out what.
pub fn batch_verify_with_openings<Rn: RngCore + CryptoRng>(
    gens: &LinkGens,
    items: &mut [(Transcript, LinkStatement, &LinkProof)],
    openings: &[(Commitment, &[Fr], Fr)],
    rng: &mut Rn,
) -> Result<bool, LinkError> {
    let n = gens.n();
    if let Some(got) = openings.iter().map(|(_, v, _)| v.len()).find(|&l| l > n) {
        return Err(LinkError::TooLong { max: n, got });
    }
    let mut acc = BatchMsm::new(n);
    acc.add_links(gens, items, rng)?;
    for (c, v, r) in openings {
        // <v, G> + r H - C = 0, weighted.
        let z = Fr::random(rng);
        for (a, x) in acc.g.iter_mut().zip(v.iter()) {
            *a += z * x;
        }
        acc.h += z * r;
        acc.points.push(c.0);
        acc.coeffs.push(-z);
    }
    Ok(acc.is_zero(gens))
}

/// A random linear combination of checks "MSM = identity" over the shared
/// generators G, H, Q plus proof-specific points.
struct BatchMsm {
    g: Vec<Fr>,
    h: Fr,
    q: Fr,
    points: Vec<RistrettoPoint>,
    coeffs: Vec<Fr>,
}

impl BatchMsm {
    fn new(n: usize) -> Self {
        BatchMsm {
            g: vec![Fr::ZERO; n],
            h: Fr::ZERO,
            q: Fr::ZERO,
            points: Vec::new(),
            coeffs: Vec::new(),
        }
    }

    /// Adds every proof's reduced check with a fresh random weight; a
    /// structurally bad proof is reported with its index.
    fn add_links<Rn: RngCore + CryptoRng>(
        &mut self,
        gens: &LinkGens,
        items: &mut [(Transcript, LinkStatement, &LinkProof)],
        rng: &mut Rn,
    ) -> Result<(), LinkError> {
        for (index, (t, st, proof)) in items.iter_mut().enumerate() {
            let r = reduce(gens, t, st, proof).map_err(|e| match e {
                LinkError::Rejected { .. } => LinkError::Rejected { index },
                other => other,
            })?;
            let w = Fr::random(rng);
            for (acc, x) in self.g.iter_mut().zip(&r.g) {
                *acc += w * x;
            }
            self.h += w * r.h;
            self.q += w * r.q;
            self.points.extend(r.points);
            self.coeffs.extend(r.coeffs.into_iter().map(|c| w * c));
        }
        Ok(())
    }

    fn is_zero(&self, gens: &LinkGens) -> bool {
        let n = self.g.len();
        RistrettoPoint::vartime_multiscalar_mul(
            self.g
                .iter()
                .chain([&self.h, &self.q])
                .chain(self.coeffs.iter()),
            gens.pedersen.G[..n]
                .iter()
                .chain([&gens.pedersen.H, &gens.Q])
                .chain(self.points.iter()),
        )
        .is_identity()
    }
}
