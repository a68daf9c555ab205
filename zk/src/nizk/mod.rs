//! zkagg's own Spartan NIZK over Hyrax commitments on ristretto255.
//!
//! Reference: Setty, "Spartan: Efficient and general-purpose zkSNARKs
//! without trusted setup", CRYPTO 2020, sections 4-6 (the NIZK with
//! Hyrax-style commitments); Wahby et al., Hyrax, S&P 2018 (commitments, the
//! proof of dot product and zero-knowledge sum-check). Written from the
//! papers; see `/work/shared/design/PROOFS.md` (docs/PROOFS.md).
//!
//! Relation: for a shape (A, B, C) with m constraints, n witness variables
//! and k public inputs, the prover knows w with (A z) o (B z) = C z for
//! z = (w, 1, x). Padded layout: m -> 2^s_x, and z of length 2 n_w with
//! n_w = 2^s_w >= max(n, k + 1): z = (w, 0.., 1, x, 0..), so that
//! z~(y_0, y') = (1 - y_0) w~(y') + y_0 io~(y').
//!
//! Protocol (all prover messages absorbed before the next challenge):
//! 1. Bind: domain separator, the verifying key's digest, the public inputs
//!    (length-prefixed). The caller's transcript is used as is, so anything
//!    the caller absorbed before is bound too.
//! 2. Hyrax commitment to w (rows of 2^ceil(s_w/2) columns).
//! 3. tau <- s_x challenges; outer ZK sum-check of
//!    eq(tau, x) (Az~(x) Bz~(x) - Cz~(x)) = 0 over s_x rounds (degree 3),
//!    ending at rx with a commitment C_ex to its value there.
//! 4. Commitments to vA = Az~(rx), vB, vC and vA vB; a knowledge proof for
//!    vC, a product proof for vA vB, an equality proof that
//!    C_ex - e (C_AB - C_C) commits to zero, e = eq(tau, rx).
//! 5. r_A, r_B, r_C <- challenges; inner ZK sum-check of
//!    M(rx, y) z~(y) = r_A vA + r_B vB + r_C vC (committed homomorphically)
//!    over s_w + 1 rounds (degree 2), ending at ry with commitment C_ey,
//!    where M = r_A A~ + r_B B~ + r_C C~.
//! 6. Commitment C_w to w~(ry[1..]) and its Hyrax opening; the verifier
//!    evaluates M(rx, ry) itself ([`MatrixEvaluator`]: the structured
//!    evaluator of [`structured`] when the shape admits one, else the flat
//!    one) and io~(ry[1..]) from the public inputs; an equality proof that
//!    C_ey - M(rx, ry) ((1 - ry_0) C_w + ry_0 io~ G_val) commits to zero.
//!
//! Every Sigma equation of a proof (two per sum-check round, two for the
//! opening, six for the final claims) goes into one
//! [`BatchCheck`](crate::hyrax::BatchCheck): a single vartime MSM with
//! weights from the verifier's own RNG.
//!
//! The verifying key's digest is SHA-256 over a short description: version,
//! sizes, non-zero counts, the generator context, the shape digest
//! ([`R1csShape::digest`], computed once at setup), the row layout (rows
//! are renumbered so that blocks of awkward heights sit at power-of-two
//! strides, [`structured::aligned_row_layout`]; constraint order does not
//! matter to the relation) and the witness layout (variables of blocks with
//! a large odd column stride renumbered likewise,
//! [`structured::aligned_col_layout`]; the prover places its witness by
//! it). The matrices themselves are never absorbed into a transcript. As
//! bytes, the key is its description (the shape) and that digest; decoding
//! re-derives everything else and refuses a description that does not hash
//! to the digest carried, or a key whose digest is not the one the caller
//! expects (`key.rs`, [`VerifyingKey::from_bytes`]).
//!
//! Fiat-Shamir hygiene ("Frozen Heart", Dao et al., S&P 2023): statement and
//! public inputs first, every length prefixed, 64-byte wide challenges, no
//! challenge reused, zero challenges rejected. Verification returns an
//! error on every malformed input and never panics.
//!
//! Measured (2 cores, a quiet machine, load 0.3; both backends in one run
//! of `cargo test --release -p zkagg-zk --test nizk_profile -- --ignored
//! --nocapture`, `ZKAGG_PROFILE_LIBSPARTAN=1`; medians), with the padded
//! row and witness layouts and irregular family entries: R_train (91 x 30,
//! default configuration, `ZKAGG_PROFILE_REPS=5 ... profile_train`) prove
//! 122 ms against libspartan's 276 ms, verify 17.9 ms against 55.5 ms
//! (decode 2-3 ms, equations with the structured evaluator 10-11 ms, the
//! one multiscalar multiplication 4.7-4.9 ms), proof 27.2 KB against
//! 21.8 KB; the 16-bit range check at d = 100,000 (2^21,
//! `ZKAGG_PROFILE_D=100000 ZKAGG_PROFILE_REPS=2 ... profile_range`) prove
//! 1.41 s against 4.64 s, verify 25.6 ms against 948 ms, proof 112 KB
//! against 50 KB. Peak memory at 2^21 (`tests/nizk_memory.rs`): prove
//! 626 MB against 1,554 MB, verify 147 MB against 599 MB.
//!
//! Not audited.

mod error;
pub mod eval;
mod key;
mod msgs;
mod prover;
pub mod structured;
mod verifier;

pub use error::NizkError;
pub use eval::{FlatEvaluator, MatrixEvaluator, SparseMatrix};
pub use key::{KeyError, VK_BYTES_VERSION};
pub use msgs::NizkProof;
pub use structured::StructuredEvaluator;

use crate::field::Fr;
use crate::hyrax::{self, Generators, Layout};
use crate::r1cs::R1csShape;
use crate::transcript::TranscriptProtocol;
use merlin::Transcript;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Domain separators and labels of the NIZK, versioned.
pub mod labels {
    /// The NIZK.
    pub const DS_NIZK: &[u8] = b"zkagg/nizk/v1";
    /// Generator context.
    pub const GENS_CTX: &[u8] = b"zkagg/nizk/gens/v1";
    /// Verifying-key digest domain.
    pub const VK_DIGEST: &[u8] = b"zkagg/nizk/vk/v3";
    /// Label: the verifying key digest.
    pub const VK: &[u8] = b"nizk-vk";
    /// Label: public inputs.
    pub const INPUTS: &[u8] = b"nizk-inputs";
    /// Label: witness row commitments.
    pub const COMM_W: &[u8] = b"nizk-comm-w";
    /// Label: tau.
    pub const TAU: &[u8] = b"nizk-tau";
    /// Label: the four claim commitments after the outer sum-check.
    pub const COMM_ABC: &[u8] = b"nizk-comm-abc";
    /// Label: r_A, r_B, r_C.
    pub const R_ABC: &[u8] = b"nizk-r-abc";
    /// Label: the witness evaluation commitment.
    pub const COMM_W_EVAL: &[u8] = b"nizk-comm-w-eval";
}

/// The verifier's main challenges, in transcript order (the Sigma
/// challenges and sum-check weights are left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenges {
    /// tau (s_x entries).
    pub tau: Vec<Fr>,
    /// rx, the outer sum-check's point.
    pub rx: Vec<Fr>,
    /// ry, the inner sum-check's point.
    pub ry: Vec<Fr>,
    /// r_A, r_B, r_C.
    pub r_abc: Vec<Fr>,
}

/// The padded sizes of a shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NizkSize {
    /// Constraints as synthesised.
    pub num_cons: usize,
    /// Witness variables.
    pub num_vars: usize,
    /// Public inputs.
    pub num_inputs: usize,
    /// log2 of the padded constraint count.
    pub s_x: usize,
    /// log2 of n_w, the padded witness length (z has 2 n_w entries).
    pub s_w: usize,
}

impl NizkSize {
    fn of(shape: &R1csShape) -> Result<Self, NizkError> {
        let m = shape.num_cons.max(2).checked_next_power_of_two();
        let nw = shape
            .num_vars
            .max(shape.num_inputs + 1)
            .checked_next_power_of_two();
        match (m, nw) {
            (Some(m), Some(nw)) if m <= 1 << 30 && nw <= 1 << 30 => Ok(NizkSize {
                num_cons: shape.num_cons,
                num_vars: shape.num_vars,
                num_inputs: shape.num_inputs,
                s_x: m.trailing_zeros() as usize,
                s_w: nw.trailing_zeros() as usize,
            }),
            _ => Err(NizkError::ShapeTooLarge("more than 2^30 rows or columns")),
        }
    }

    /// Padded constraint count 2^s_x.
    pub fn num_rows(&self) -> usize {
        1 << self.s_x
    }

    /// n_w = 2^s_w.
    pub fn witness_len(&self) -> usize {
        1 << self.s_w
    }

    /// Layout of the witness commitment.
    pub fn layout(&self) -> Layout {
        Layout::new(self.s_w)
    }

    /// A generous bound on the encoded proof size.
    pub fn max_proof_bytes(&self) -> usize {
        let l = self.layout();
        let rounds = self.s_x + self.s_w + 1;
        8192 + 40 * (l.num_rows() + l.num_cols()) + 400 * rounds
    }
}

/// The verifying key: sizes, digest, generators and the matrix evaluators
/// (the flat one, and the structured one when the shape admits one).
#[derive(Clone)]
pub struct VerifyingKey {
    size: NizkSize,
    digest: [u8; 32],
    gens: Arc<Generators>,
    eval: Arc<FlatEvaluator>,
    structured: Option<Arc<StructuredEvaluator>>,
    row_layout: Option<Arc<[u32]>>,
    col_layout: Option<Arc<[u32]>>,
}

impl core::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("size", &self.size)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}

/// The proving key: the verifying key (whose evaluator holds the matrices)
/// and the transposed matrices, for the inner sum-check's combination
/// eq(rx, .)^T M as a gather (one write per column, in parallel).
#[derive(Clone)]
pub struct ProvingKey {
    vk: VerifyingKey,
    transposed: Arc<[SparseMatrix; 3]>,
}

impl core::fmt::Debug for ProvingKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ProvingKey")
            .field("vk", &self.vk)
            .finish_non_exhaustive()
    }
}

/// Preprocesses a shape: padded sizes, sparse matrices, generators, digest.
pub fn setup(shape: &R1csShape) -> Result<(ProvingKey, VerifyingKey), NizkError> {
    let vk = Prepared::of(shape)?.into_key();
    let m = &vk.eval.mats;
    let transposed = Arc::new([m[0].transpose(), m[1].transpose(), m[2].transpose()]);
    Ok((
        ProvingKey {
            vk: vk.clone(),
            transposed,
        },
        vk,
    ))
}

/// The first, cheap part of setup: padded sizes, the flat matrices in the
/// row and witness layouts, and the key's digest (before the generators and
/// the structured description, so a key decoded from bytes is checked
/// against its digest before the expensive part runs).
struct Prepared {
    size: NizkSize,
    mats: [SparseMatrix; 3],
    row_layout: Option<Vec<u32>>,
    col_layout: Option<Vec<u32>>,
    digest: [u8; 32],
}

impl Prepared {
    fn of(shape: &R1csShape) -> Result<Self, NizkError> {
        let size = NizkSize::of(shape)?;
        let nw = size.witness_len();
        let col = |c: usize, map: Option<&[u32]>| -> usize {
            if c < shape.num_vars {
                map.and_then(|m| m.get(c)).map_or(c, |x| *x as usize)
            } else {
                // The constant 1 at n_w, input i at n_w + 1 + i.
                nw + (c - shape.num_vars)
            }
        };
        let mat = |m: &[(usize, usize, Fr)], rows: Option<&[u32]>, cols: Option<&[u32]>| {
            SparseMatrix::new(
                size.num_rows(),
                2 * nw,
                m.iter().map(|(r, c, v)| {
                    let r = match rows {
                        // The layout is a permutation of 0..num_rows; an entry
                        // outside the rows is rejected by `new` either way.
                        Some(map) => map.get(*r).map_or(usize::MAX, |x| *x as usize),
                        None => *r,
                    };
                    (r, col(*c, cols), *v)
                }),
            )
            .ok_or(NizkError::ShapeTooLarge("matrix entry outside the shape"))
        };
        let mut mats = [
            mat(&shape.a, None, None)?,
            mat(&shape.b, None, None)?,
            mat(&shape.c, None, None)?,
        ];
        // The witness layout: variables renumbered so that blocks with a
        // large odd column stride sit at power-of-two strides (see
        // [`structured::aligned_col_layout`]).
        let col_layout = structured::aligned_col_layout(&mats, shape.num_vars, nw);
        if let Some(map) = &col_layout {
            let c = Some(map.as_slice());
            mats = [
                mat(&shape.a, None, c)?,
                mat(&shape.b, None, c)?,
                mat(&shape.c, None, c)?,
            ];
        }
        let cols = col_layout.as_deref();
        // Rows renumbered so that blocks of awkward heights sit at power-of-two
        // strides (see [`structured::aligned_row_layout`]).
        let row_layout = structured::aligned_row_layout(&mats);
        if let Some(map) = &row_layout {
            let m = Some(map.as_slice());
            mats = [
                mat(&shape.a, m, cols)?,
                mat(&shape.b, m, cols)?,
                mat(&shape.c, m, cols)?,
            ];
        }
        let digest = key_digest(
            &size,
            [mats[0].nnz(), mats[1].nnz(), mats[2].nnz()],
            &shape.digest(),
            [row_layout.as_deref(), col_layout.as_deref()],
        );
        Ok(Prepared {
            size,
            mats,
            row_layout,
            col_layout,
            digest,
        })
    }

    /// The rest of setup: generators and the structured description.
    fn into_key(self) -> VerifyingKey {
        let Prepared {
            size,
            mats,
            row_layout,
            col_layout,
            digest,
        } = self;
        let gens = Generators::new(labels::GENS_CTX, size.layout().num_cols(), 4);
        // Inferred from the flat matrices and checked to re-expand to them
        // exactly; `None` (the flat evaluator is used) if the shape has no
        // repeated blocks worth describing.
        let structured = StructuredEvaluator::infer(&mats).map(Arc::new);
        VerifyingKey {
            size,
            digest,
            gens: Arc::new(gens),
            eval: Arc::new(FlatEvaluator { mats }),
            structured,
            row_layout: row_layout.map(Arc::from),
            col_layout: col_layout.map(Arc::from),
        }
    }
}

/// The verifying key's digest: SHA-256 over the version, the sizes, the
/// non-zero counts, the generator context, the shape digest and the row
/// and witness layouts (deterministic functions of the shape, bound too).
fn key_digest(
    size: &NizkSize,
    nnz: [usize; 3],
    shape_digest: &[u8; 32],
    layouts: [Option<&[u32]>; 2],
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(labels::VK_DIGEST);
    for n in [
        size.num_cons,
        size.num_vars,
        size.num_inputs,
        size.s_x,
        size.s_w,
    ]
    .into_iter()
    .chain(nnz)
    {
        h.update((n as u64).to_le_bytes());
    }
    h.update((labels::GENS_CTX.len() as u64).to_le_bytes());
    h.update(labels::GENS_CTX);
    h.update(shape_digest);
    for layout in layouts {
        match layout {
            None => h.update([0u8]),
            Some(map) => {
                let mut l = Sha256::new();
                for r in map {
                    l.update(r.to_le_bytes());
                }
                h.update([1u8]);
                h.update(l.finalize());
            }
        }
    }
    h.finalize().into()
}

impl VerifyingKey {
    /// The key's digest (SHA-256 of the short shape description).
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// The padded sizes.
    pub fn size(&self) -> NizkSize {
        self.size
    }

    /// The flat matrix evaluator (the reference; it also holds the
    /// matrices).
    pub fn evaluator(&self) -> &FlatEvaluator {
        &self.eval
    }

    /// The matrix row of constraint `i` of the shape (rows are renumbered
    /// when [`structured::aligned_row_layout`] pads blocks; else `i`).
    pub fn row_of(&self, i: usize) -> usize {
        match &self.row_layout {
            Some(map) => map.get(i).map_or(i, |r| *r as usize),
            None => i,
        }
    }

    /// The column of witness variable `i` of the shape in z (variables are
    /// renumbered when [`structured::aligned_col_layout`] pads blocks; else
    /// `i`).
    pub fn col_of(&self, i: usize) -> usize {
        match &self.col_layout {
            Some(map) => map.get(i).map_or(i, |c| *c as usize),
            None => i,
        }
    }

    /// The witness placed in its columns (padded with zeros where the
    /// witness layout leaves gaps); borrowed as is without a layout.
    pub(crate) fn place_witness<'a>(&self, w: &'a [Fr]) -> std::borrow::Cow<'a, [Fr]> {
        match &self.col_layout {
            None => std::borrow::Cow::Borrowed(w),
            Some(map) => {
                let len = map.iter().map(|c| *c as usize + 1).max().unwrap_or(0);
                let mut out = vec![Fr::ZERO; len];
                for (c, x) in map.iter().zip(w) {
                    out[*c as usize] = *x;
                }
                std::borrow::Cow::Owned(out)
            }
        }
    }

    /// The structured evaluator, if the shape admits one.
    pub fn structured(&self) -> Option<&StructuredEvaluator> {
        self.structured.as_deref()
    }

    /// The evaluator the verifier uses: the structured one if there is one,
    /// else the flat one.
    pub fn matrix_evaluator(&self) -> &dyn MatrixEvaluator {
        match &self.structured {
            Some(s) => s.as_ref(),
            None => self.eval.as_ref(),
        }
    }

    /// The generators.
    pub fn generators(&self) -> &Generators {
        &self.gens
    }

    fn bind(&self, transcript: &mut Transcript, inputs: &[Fr]) {
        transcript.domain_sep(labels::DS_NIZK);
        transcript.append_message(labels::VK, &self.digest);
        transcript.append_scalars(labels::INPUTS, inputs);
    }
}

impl ProvingKey {
    /// The verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.vk
    }
}

impl NizkProof {
    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        hyrax::encode(self)
    }

    /// Decodes with the key's size cap, canonical scalars, valid points, no
    /// trailing bytes. Lengths are checked against the key at verification.
    pub fn from_bytes(bytes: &[u8], vk: &VerifyingKey) -> Result<Self, NizkError> {
        Ok(hyrax::decode(bytes, vk.size.max_proof_bytes())?)
    }
}

#[cfg(test)]
mod tests;
