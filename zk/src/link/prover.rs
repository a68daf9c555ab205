//! The linking-proof prover.

use super::{inner, label, powers, LinkError, LinkGens, LinkProof};
use crate::field::Fr;
use crate::transcript::{labels, TranscriptProtocol};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{MultiscalarMul, VartimeMultiscalarMul};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};

/// The prover's public input: the commitment `C` the verifier will use (the
/// combination of the share commitments) and the point `rho`. The value
/// `y = <v, (1, rho, ...)>` is computed by [`prove`] and returned.
#[derive(Clone, Copy, Debug)]
pub struct LinkInstance<'a> {
    /// C = sum_s lambda_s C_s.
    pub C: &'a RistrettoPoint,
    /// The challenge point.
    pub rho: &'a Fr,
}

/// The prover's secret: the opening `(v, r)` of `C`. `Debug` is redacted.
#[derive(Clone, Copy)]
pub struct LinkWitness<'a> {
    /// The committed vector v.
    pub v: &'a [Fr],
    /// Its blinding r.
    pub r: Fr,
}

impl core::fmt::Debug for LinkWitness<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "LinkWitness {{ v: <{} scalars redacted>, r: <redacted> }}",
            self.v.len()
        )
    }
}

/// Proves that `C = <v, G> + r H` opens to `v` with `<v, (1, rho, ...)> = y`;
/// returns the proof and `y`. The transcript must already be bound to the
/// context.
pub fn prove<R: RngCore + CryptoRng>(
    gens: &LinkGens,
    transcript: &mut Transcript,
    instance: &LinkInstance<'_>,
    witness: &LinkWitness<'_>,
    rng: &mut R,
) -> Result<(LinkProof, Fr), LinkError> {
    let (C, rho, v, r) = (instance.C, instance.rho, witness.v, &witness.r);
    let n = gens.n();
    if v.len() > n {
        return Err(LinkError::TooLong {
            max: n,
            got: v.len(),
        });
    }
    let G = &gens.pedersen.G;
    let H = gens.pedersen.H;
    let b = powers(rho, v.len(), n);
    let y = inner(v, &b);
    transcript.domain_sep(labels::DS_LINK);
    transcript.append_u64_le(label::N, v.len() as u64);
    transcript.append_point(label::C, C);
    transcript.append_scalar(label::RHO, rho);
    transcript.append_scalar(label::Y, &y);

    let u: Vec<Fr> = (0..v.len()).map(|_| Fr::random(rng)).collect();
    let s = Fr::random(rng);
    let A = RistrettoPoint::multiscalar_mul(u.iter().chain([&s]), G[..v.len()].iter().chain([&H]));
    let t = inner(&u, &b);
    transcript.append_point(label::A, &A);
    transcript.append_scalar(label::T, &t);
    let c = transcript.challenge_scalar(label::CH_C);
    let mut z: Vec<Fr> = v.iter().zip(&u).map(|(vi, ui)| c * vi + ui).collect();
    z.resize(n, Fr::ZERO);
    let phi = c * r + s;
    transcript.append_scalar(label::PHI, &phi);
    let e = transcript.challenge_scalar(label::CH_E);
    let Q = gens.Q * e;

    let (L, R, a) = ipa(transcript, z, b, G.clone(), Q);
    Ok((LinkProof { A, t, phi, L, R, a }, y))
}

/// The inner-product argument for P = <z, G> + <z, b> Q with b public.
fn ipa(
    transcript: &mut Transcript,
    mut z: Vec<Fr>,
    mut b: Vec<Fr>,
    mut G: Vec<RistrettoPoint>,
    Q: RistrettoPoint,
) -> (Vec<RistrettoPoint>, Vec<RistrettoPoint>, Fr) {
    let mut Ls = Vec::new();
    let mut Rs = Vec::new();
    let mut n = z.len();
    while n > 1 {
        let h = n / 2;
        let (z_lo, z_hi) = z.split_at(h);
        let (b_lo, b_hi) = b.split_at(h);
        let (G_lo, G_hi) = G.split_at(h);
        // z is a public-coin response, so variable-time arithmetic is fine.
        let L = RistrettoPoint::vartime_multiscalar_mul(
            z_lo.iter().chain([&inner(z_lo, b_hi)]),
            G_hi.iter().chain([&Q]),
        );
        let R = RistrettoPoint::vartime_multiscalar_mul(
            z_hi.iter().chain([&inner(z_hi, b_lo)]),
            G_lo.iter().chain([&Q]),
        );
        transcript.append_point(label::L, &L);
        transcript.append_point(label::R, &R);
        let x = transcript.challenge_scalar(label::CH_X);
        let xi = x.invert();
        let z_new: Vec<Fr> = (0..h).map(|i| x * z_lo[i] + xi * z_hi[i]).collect();
        let b_new: Vec<Fr> = (0..h).map(|i| xi * b_lo[i] + x * b_hi[i]).collect();
        let G_new = fold_points(G_lo, G_hi, &xi, &x);
        z = z_new;
        b = b_new;
        G = G_new;
        Ls.push(L);
        Rs.push(R);
        n = h;
    }
    (Ls, Rs, z[0])
}

/// G'_i = xl * lo_i + xh * hi_i, in parallel.
fn fold_points(
    lo: &[RistrettoPoint],
    hi: &[RistrettoPoint],
    xl: &Fr,
    xh: &Fr,
) -> Vec<RistrettoPoint> {
    use rayon::prelude::*;
    lo.par_iter()
        .zip(hi.par_iter())
        .map(|(l, h)| RistrettoPoint::vartime_multiscalar_mul([xl, xh], [l, h]))
        .collect()
}
