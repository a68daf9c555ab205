//! Hyrax polynomial commitments over ristretto255 with zero-knowledge
//! openings to committed values.
//!
//! Reference: Wahby, Tzialla, shelat, Thaler, Walfish, "Doubly-efficient
//! zkSNARKs without trusted setup" (Hyrax), S&P 2018, sections 3 and 6 and
//! appendix A; Setty, "Spartan", CRYPTO 2020, section 6 (the same
//! commitments and proof of dot product).
//!
//! Relation. A multilinear polynomial p over n variables is its table of 2^n
//! evaluations, laid out as a 2^a x 2^b matrix M (a = floor(n/2), row index
//! = the first a variables, most significant first). Each row is committed
//! as C_i = <M_i, G> + r_i H. To open at x = (x_hi, x_lo) to a value
//! committed as C_v = v G_val + r_v H, the verifier forms
//! T = sum_i eq(x_hi, i) C_i, which commits to u = sum_i eq(x_hi, i) M_i,
//! and the prover shows with the proof of dot product ([`DotProductProof`])
//! that <u, eq(x_lo, .)> = v, so p(x) = v, without revealing v.
//!
//! Generators G_0..G_{2^b-1} (columns), K_0..K_{k-1} (sum-check
//! coefficients), G_val (committed values) and H (blinding) are independent:
//! each is ristretto255's hash-to-group (SHA-512, Elligator twice) of a
//! distinct domain-separated label, so nobody knows a discrete-log relation
//! among them. Hiding is perfect; binding holds under discrete log.
//!
//! Verification never checks an equation on its own: every check is pushed
//! into a [`Sink`], normally a [`BatchCheck`] that verifies many openings
//! (across proofs) in one multiscalar multiplication with weights from the
//! verifier's RNG.
//!
//! Threat model: the prover is malicious towards the verifier; proof bytes
//! are untrusted and every malformed input is an error, never a panic. The
//! prover's own commitments to its witness use variable-time arithmetic (as
//! libspartan does) and so leak timing about the witness to a co-located
//! observer; the Sigma protocols' blinding vectors use constant-time MSMs.
//!
//! Not audited.

mod dot;
mod error;
pub mod mle;
mod msgs;
mod msm;

pub use error::HyraxError;
pub use msgs::{DotProductProof, OpeningProof, PolyCommitment, Pt};
pub use msm::{Base, BatchCheck, Equation, SerialCheck, Sink};

use crate::fe::Fe;
use crate::field::Fr;
use crate::transcript::TranscriptProtocol;
use curve25519_dalek::ristretto::{RistrettoPoint, VartimeRistrettoPrecomputation};
use curve25519_dalek::traits::{
    Identity, MultiscalarMul, VartimeMultiscalarMul, VartimePrecomputedMultiscalarMul,
};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use sha2::Sha512;

/// Domain separators and transcript labels of this layer, versioned.
pub mod labels {
    /// Generator derivation.
    pub const DS_GENERATORS: &[u8] = b"zkagg/hyrax/gens/v1";
    /// Proof of dot product.
    pub const DS_DOT: &[u8] = b"zkagg/hyrax/dot/v1";
    /// Opening at a point.
    pub const DS_OPEN: &[u8] = b"zkagg/hyrax/open/v1";
    /// Dot product: first message delta.
    pub const DOT_DELTA: &[u8] = b"dot-delta";
    /// Dot product: first message beta.
    pub const DOT_BETA: &[u8] = b"dot-beta";
    /// Dot product: challenge.
    pub const DOT_CHALLENGE: &[u8] = b"dot-c";
    /// Opening: the row commitments.
    pub const OPEN_ROWS: &[u8] = b"open-rows";
    /// Opening: the point.
    pub const OPEN_POINT: &[u8] = b"open-point";
    /// Opening: the committed value.
    pub const OPEN_VALUE: &[u8] = b"open-value";
}

/// Derives a 64-byte-wide challenge and rejects zero.
pub fn nonzero_challenge(
    transcript: &mut Transcript,
    label: &'static [u8],
) -> Result<Fr, HyraxError> {
    let c = transcript.challenge_scalar(label);
    if c == Fr::ZERO {
        return Err(HyraxError::ZeroChallenge(
            // Labels are ASCII constants of this crate.
            std::str::from_utf8(label).unwrap_or("challenge"),
        ));
    }
    Ok(c)
}

/// Appends a length-prefixed list of points by their stored encodings.
pub fn append_pts(transcript: &mut Transcript, label: &'static [u8], pts: &[Pt]) {
    transcript.append_u64_le(crate::transcript::labels::LEN, pts.len() as u64);
    for p in pts {
        transcript.append_message(label, p.as_bytes());
    }
}

/// Encodes a message of this layer (postcard, canonical).
pub fn encode<T: serde::Serialize>(msg: &T) -> Vec<u8> {
    // Postcard serialisation into a Vec fails only on types with unsupported
    // serde features, which ours do not use.
    crate::encoding::to_bytes(msg).unwrap_or_default()
}

/// Decodes a message of at most `cap` bytes: canonical scalars, valid
/// points, no trailing bytes, re-encoding identical.
pub fn decode<T: serde::Serialize + serde::de::DeserializeOwned>(
    bytes: &[u8],
    cap: usize,
) -> Result<T, HyraxError> {
    Ok(crate::encoding::from_bytes_capped(bytes, cap)?)
}

/// Which vector generators a commitment uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The column generators G_i (Hyrax rows).
    Cols,
    /// The coefficient generators K_i (sum-check round polynomials).
    Coeffs,
}

/// All generators: columns, coefficients, G_val, H.
#[derive(Clone, Debug)]
pub struct Generators {
    cols: Vec<RistrettoPoint>,
    coeffs: Vec<RistrettoPoint>,
    g: RistrettoPoint,
    h: RistrettoPoint,
    /// Subset sums of the column generators, built on the first commitment
    /// (verifiers never need them).
    col_subsets: std::sync::OnceLock<SubsetSums>,
    /// Straus tables of the column generators for rows with many full-size
    /// entries, built on first use.
    col_straus: std::sync::OnceLock<ColStraus>,
}

/// Precomputed (width-8 NAF) tables of the column generators.
#[derive(Clone)]
struct ColStraus(std::sync::Arc<VartimeRistrettoPrecomputation>);

impl core::fmt::Debug for ColStraus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ColStraus")
    }
}

/// Rows with at least this many full-size entries use [`ColStraus`].
const STRAUS_MIN: usize = 32;

/// Columns per group of [`SubsetSums`].
const GROUP: usize = 8;

/// For each group of [`GROUP`] consecutive column generators, the sums of
/// all 2^GROUP subsets ("four Russians"): the part of a row commitment
/// that comes from entries equal to 1 (bits, which dominate our witnesses)
/// costs one addition per group instead of one per entry.
#[derive(Clone, Debug)]
struct SubsetSums(Vec<RistrettoPoint>);

impl SubsetSums {
    fn new(cols: &[RistrettoPoint]) -> Self {
        let sums = cols
            .par_chunks(GROUP)
            .flat_map_iter(|g| {
                let mut t = vec![RistrettoPoint::identity(); 1 << GROUP];
                for mask in 1..t.len() {
                    let low = mask.trailing_zeros() as usize;
                    let rest = mask & (mask - 1);
                    t[mask] = match g.get(low) {
                        Some(p) => t[rest] + p,
                        None => t[rest],
                    };
                }
                t
            })
            .collect();
        SubsetSums(sums)
    }

    /// sum over groups of the subset sum selected by the group's mask.
    fn sum(&self, masks: &[u8]) -> RistrettoPoint {
        let mut acc = RistrettoPoint::identity();
        for (g, m) in masks.iter().enumerate() {
            if *m != 0 {
                if let Some(p) = self.0.get((g << GROUP) | *m as usize) {
                    acc += p;
                }
            }
        }
        acc
    }
}

fn hash_to_point(ctx: &[u8], tag: u8, index: u64) -> RistrettoPoint {
    let mut msg = Vec::with_capacity(labels::DS_GENERATORS.len() + ctx.len() + 17);
    msg.extend_from_slice(labels::DS_GENERATORS);
    msg.extend_from_slice(&(ctx.len() as u64).to_le_bytes());
    msg.extend_from_slice(ctx);
    msg.push(tag);
    msg.extend_from_slice(&index.to_le_bytes());
    RistrettoPoint::hash_from_bytes::<Sha512>(&msg)
}

impl Generators {
    /// Derives `num_cols` column generators, `num_coeffs` coefficient
    /// generators, G_val and H for context `ctx`. The label of each is
    /// `DS_GENERATORS || len(ctx) || ctx || tag || index` with tag `C`, `K`,
    /// `V` or `H`.
    pub fn new(ctx: &[u8], num_cols: usize, num_coeffs: usize) -> Self {
        let cols = (0..num_cols as u64)
            .into_par_iter()
            .map(|i| hash_to_point(ctx, b'C', i))
            .collect();
        let coeffs = (0..num_coeffs as u64)
            .map(|i| hash_to_point(ctx, b'K', i))
            .collect();
        Generators {
            cols,
            coeffs,
            g: hash_to_point(ctx, b'V', 0),
            h: hash_to_point(ctx, b'H', 0),
            col_subsets: std::sync::OnceLock::new(),
            col_straus: std::sync::OnceLock::new(),
        }
    }

    /// The column generators.
    pub fn cols(&self) -> &[RistrettoPoint] {
        &self.cols
    }

    /// The coefficient generators.
    pub fn coeffs(&self) -> &[RistrettoPoint] {
        &self.coeffs
    }

    /// The value generator G_val.
    pub fn g(&self) -> &RistrettoPoint {
        &self.g
    }

    /// The blinding generator H.
    pub fn h(&self) -> &RistrettoPoint {
        &self.h
    }

    /// The generators of a basis.
    pub fn basis(&self, b: Basis) -> &[RistrettoPoint] {
        match b {
            Basis::Cols => &self.cols,
            Basis::Coeffs => &self.coeffs,
        }
    }

    /// v G_val + r H (constant time).
    pub fn commit_scalar(&self, v: &Fr, r: &Fr) -> RistrettoPoint {
        RistrettoPoint::multiscalar_mul([*v, *r], [self.g, self.h])
    }

    /// <v, B> + r H. Entries that are small integers of either sign (bits,
    /// 16-bit values) take a bucket method over their few bits; the rest a
    /// variable-time MSM. For the column generators (row commitments),
    /// entries equal to 1 are summed by precomputed subset sums of groups
    /// of 8 generators (one addition per group), and rows with at least 32
    /// full-size entries use precomputed width-8 NAF (Straus) tables; both
    /// tables are built on first use (verifiers never build them). Not
    /// constant time in `v`.
    pub fn commit_vec(&self, basis: Basis, v: &[Fr], r: &Fr) -> Result<RistrettoPoint, HyraxError> {
        let bases = self.basis(basis);
        if v.len() > bases.len() {
            return Err(HyraxError::TooLarge {
                what: "committed vector",
                max: bases.len(),
                got: v.len(),
            });
        }
        let tables = match basis {
            Basis::Cols => Some(ColTables {
                gens: self,
                subsets: self.col_subsets.get_or_init(|| SubsetSums::new(&self.cols)),
            }),
            Basis::Coeffs => None,
        };
        Ok(commit_small_aware(&bases[..v.len()], v, tables) + r * self.h)
    }
}

/// A small signed integer, or not.
enum Small {
    Pos(u64),
    Neg(u64),
    Big,
}

fn classify(x: &Fr) -> Small {
    fn low(b: &[u8; 32]) -> Option<u64> {
        if b[8..].iter().all(|&x| x == 0) {
            let mut l = [0u8; 8];
            l.copy_from_slice(&b[..8]);
            Some(u64::from_le_bytes(l))
        } else {
            None
        }
    }
    let b = x.as_bytes();
    if let Some(v) = low(b) {
        return Small::Pos(v);
    }
    // -v = l - v for small v has the top half of l: bytes 16..31 zero, 0x10 last.
    if b[31] != 0x10 || b[16..31].iter().any(|&v| v != 0) {
        return Small::Big;
    }
    match low(&(-x).to_bytes()) {
        Some(v) => Small::Neg(v),
        None => Small::Big,
    }
}

/// sum_i s_i P_i for u64 scalars by the bucket method over their bit
/// length, with the window that minimises the additions.
fn msm_u64(s: &[u64], p: &[&RistrettoPoint]) -> RistrettoPoint {
    let all = s.iter().fold(0u64, |a, &x| a | x);
    let bits = 64 - all.leading_zeros() as usize;
    if bits == 0 {
        return RistrettoPoint::identity();
    }
    let n = s.len();
    let cost = |c: usize| bits.div_ceil(c) * (n + (2usize << c)) + bits;
    let c = (1..=10).min_by_key(|&c| cost(c)).unwrap_or(8).min(bits);
    let windows = bits.div_ceil(c);
    let mask = (1u64 << c) - 1;
    let mut acc = RistrettoPoint::identity();
    let mut buckets = vec![RistrettoPoint::identity(); (1 << c) - 1];
    for w in (0..windows).rev() {
        for _ in 0..c {
            acc += acc;
        }
        buckets.fill(RistrettoPoint::identity());
        for (x, q) in s.iter().zip(p) {
            let digit = ((x >> (w * c)) & mask) as usize;
            if digit != 0 {
                buckets[digit - 1] += *q;
            }
        }
        let mut running = RistrettoPoint::identity();
        let mut sum = RistrettoPoint::identity();
        for b in buckets.iter().rev() {
            running += b;
            sum += running;
        }
        acc += sum;
    }
    acc
}

/// The column generators' precomputations, for row commitments.
#[derive(Clone, Copy)]
struct ColTables<'a> {
    gens: &'a Generators,
    subsets: &'a SubsetSums,
}

impl ColTables<'_> {
    /// sum of s_i G_i over (i, s_i), by the precomputed Straus tables.
    fn big(&self, entries: &[(usize, Fr)]) -> RistrettoPoint {
        let cols = &self.gens.cols;
        let t = self.gens.col_straus.get_or_init(|| {
            ColStraus(std::sync::Arc::new(VartimeRistrettoPrecomputation::new(
                cols.iter(),
            )))
        });
        let mut scalars = vec![Fr::ZERO; cols.len()];
        for (i, x) in entries {
            if let Some(s) = scalars.get_mut(*i) {
                *s = *x;
            }
        }
        t.0.vartime_multiscalar_mul(&scalars)
    }
}

/// <v, bases>; for row commitments (`tables` given, `bases` the column
/// generators from index 0) the entries equal to 1 are summed through the
/// subset sums and rows with many full-size entries use Straus tables.
fn commit_small_aware(
    bases: &[RistrettoPoint],
    v: &[Fr],
    tables: Option<ColTables<'_>>,
) -> RistrettoPoint {
    let subsets = tables.map(|t| t.subsets);
    let (mut ps, mut pp) = (Vec::new(), Vec::new());
    let (mut ns, mut np) = (Vec::new(), Vec::new());
    let (mut bs, mut bp) = (Vec::new(), Vec::new());
    let mut ones = RistrettoPoint::identity();
    let mut masks = vec![
        0u8;
        if subsets.is_some() {
            v.len().div_ceil(GROUP)
        } else {
            0
        }
    ];
    for (i, (x, b)) in v.iter().zip(bases).enumerate() {
        match classify(x) {
            Small::Pos(0) => {}
            Small::Pos(1) => match masks.get_mut(i / GROUP) {
                Some(m) => *m |= 1 << (i % GROUP),
                None => ones += b,
            },
            Small::Pos(s) => {
                ps.push(s);
                pp.push(b);
            }
            Small::Neg(s) => {
                ns.push(s);
                np.push(b);
            }
            Small::Big => {
                bs.push(*x);
                bp.push((i, b));
            }
        }
    }
    if let Some(t) = subsets {
        ones += t.sum(&masks);
    }
    let mut out = ones + msm_u64(&ps, &pp) - msm_u64(&ns, &np);
    match tables {
        Some(t) if bs.len() >= STRAUS_MIN => {
            let entries: Vec<(usize, Fr)> = bp.iter().map(|(i, _)| *i).zip(bs).collect();
            out += t.big(&entries);
        }
        _ if !bs.is_empty() => {
            out += RistrettoPoint::vartime_multiscalar_mul(bs, bp.into_iter().map(|(_, b)| b));
        }
        _ => {}
    }
    out
}

/// The matrix layout of a polynomial over `num_vars` variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    row_vars: usize,
    col_vars: usize,
}

impl Layout {
    /// 2^floor(n/2) rows of 2^ceil(n/2) columns.
    pub fn new(num_vars: usize) -> Self {
        Layout {
            row_vars: num_vars / 2,
            col_vars: num_vars - num_vars / 2,
        }
    }

    /// Number of variables.
    pub fn num_vars(&self) -> usize {
        self.row_vars + self.col_vars
    }

    /// Number of rows (commitments).
    pub fn num_rows(&self) -> usize {
        1 << self.row_vars
    }

    /// Number of columns (generators needed).
    pub fn num_cols(&self) -> usize {
        1 << self.col_vars
    }
}

/// The row blinds of a commitment (secret; redacted in `Debug`, zeroized
/// on drop).
#[derive(Clone)]
pub struct PolyBlinds(Vec<Fr>);

impl Drop for PolyBlinds {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl zeroize::ZeroizeOnDrop for PolyBlinds {}

impl core::fmt::Debug for PolyBlinds {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PolyBlinds({} redacted)", self.0.len())
    }
}

impl PolyCommitment {
    /// Commits to `poly` (zero-padded to 2^n evaluations) row by row.
    pub fn commit<R: RngCore + CryptoRng>(
        gens: &Generators,
        layout: Layout,
        poly: &[Fr],
        rng: &mut R,
    ) -> Result<(Self, PolyBlinds), HyraxError> {
        let n = layout.num_rows() * layout.num_cols();
        if poly.len() > n {
            return Err(HyraxError::TooLarge {
                what: "polynomial",
                max: n,
                got: poly.len(),
            });
        }
        if layout.num_cols() > gens.cols().len() {
            return Err(HyraxError::TooLarge {
                what: "columns",
                max: gens.cols().len(),
                got: layout.num_cols(),
            });
        }
        let blinds: Vec<Fr> = (0..layout.num_rows()).map(|_| Fr::random(rng)).collect();
        let nc = layout.num_cols();
        let rows = blinds
            .par_iter()
            .enumerate()
            .map(|(i, r)| {
                let lo = (i * nc).min(poly.len());
                let hi = ((i + 1) * nc).min(poly.len());
                gens.commit_vec(Basis::Cols, &poly[lo..hi], r).map(Pt::new)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok((PolyCommitment { rows }, PolyBlinds(blinds)))
    }

    /// Absorbs the row commitments (length-prefixed).
    pub fn append_to(&self, transcript: &mut Transcript) {
        append_pts(transcript, labels::OPEN_ROWS, &self.rows);
    }
}

fn absorb_opening(
    transcript: &mut Transcript,
    comm: &PolyCommitment,
    point: &[Fr],
    comm_value: &Pt,
) {
    transcript.domain_sep(labels::DS_OPEN);
    comm.append_to(transcript);
    transcript.append_scalars(labels::OPEN_POINT, point);
    transcript.append_message(labels::OPEN_VALUE, comm_value.as_bytes());
}

impl OpeningProof {
    /// Proves that `comm` (of `poly` with `blinds`) opens at `point` to the
    /// value committed in `comm_value` = p(point) G_val + `value_blind` H.
    #[allow(clippy::too_many_arguments)]
    pub fn prove<R: RngCore + CryptoRng>(
        gens: &Generators,
        layout: Layout,
        comm: &PolyCommitment,
        poly: &[Fr],
        blinds: &PolyBlinds,
        point: &[Fr],
        comm_value: &Pt,
        value_blind: &Fr,
        transcript: &mut Transcript,
        rng: &mut R,
    ) -> Result<Self, HyraxError> {
        if point.len() != layout.num_vars() {
            return Err(HyraxError::WrongLength {
                what: "opening point",
                expected: layout.num_vars(),
                got: point.len(),
            });
        }
        if blinds.0.len() != layout.num_rows() || comm.rows.len() != layout.num_rows() {
            return Err(HyraxError::WrongLength {
                what: "row blinds",
                expected: layout.num_rows(),
                got: blinds.0.len(),
            });
        }
        absorb_opening(transcript, comm, point, comm_value);
        let (hi, lo) = point.split_at(layout.row_vars);
        let eq_hi_fe = mle::eq_table_fe(hi);
        let eq_hi = crate::fe::to_fr(&eq_hi_fe);
        let eq_lo = mle::eq_table(lo);
        let nc = layout.num_cols();
        // u = sum_i eq(hi, i) M_i, over chunks of rows in parallel; witness
        // entries 0 and 1 (bits) cost nothing or an addition.
        let u_fe = poly
            .par_chunks(nc)
            .zip(eq_hi_fe.par_iter())
            .fold(
                || vec![Fe::ZERO; nc],
                |mut acc, (row, e)| {
                    for (a, p) in acc.iter_mut().zip(row) {
                        let b = p.as_bytes();
                        if b[1..].iter().all(|&v| v == 0) && b[0] <= 1 {
                            if b[0] == 1 {
                                *a += *e;
                            }
                        } else {
                            *a += *e * Fe::from_fr(p);
                        }
                    }
                    acc
                },
            )
            .reduce(
                || vec![Fe::ZERO; nc],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    a
                },
            );
        let u = crate::fe::to_fr(&u_fe);
        let r_u = mle::dot(&eq_hi, &blinds.0);
        let dot = DotProductProof::prove(
            gens,
            Basis::Cols,
            transcript,
            &u,
            &r_u,
            &eq_lo,
            value_blind,
            rng,
        )?;
        Ok(OpeningProof { dot })
    }

    /// Verifies the opening: pushes its two equations into `sink`.
    pub fn verify<S: Sink + ?Sized>(
        &self,
        layout: Layout,
        comm: &PolyCommitment,
        point: &[Fr],
        comm_value: &Pt,
        transcript: &mut Transcript,
        sink: &mut S,
    ) -> Result<(), HyraxError> {
        if point.len() != layout.num_vars() {
            return Err(HyraxError::WrongLength {
                what: "opening point",
                expected: layout.num_vars(),
                got: point.len(),
            });
        }
        if comm.rows.len() != layout.num_rows() {
            return Err(HyraxError::WrongLength {
                what: "row commitments",
                expected: layout.num_rows(),
                got: comm.rows.len(),
            });
        }
        absorb_opening(transcript, comm, point, comm_value);
        let (hi, lo) = point.split_at(layout.row_vars);
        let eq_hi = mle::eq_table(hi);
        let eq_lo = mle::eq_table(lo);
        let cx: Vec<(Fr, RistrettoPoint)> = eq_hi
            .iter()
            .zip(&comm.rows)
            .map(|(e, c)| (*e, *c.point()))
            .collect();
        self.dot.verify(
            Basis::Cols,
            transcript,
            &cx,
            &[(Fr::ONE, *comm_value.point())],
            &eq_lo,
            sink,
        )
    }
}

#[cfg(test)]
mod tests;
