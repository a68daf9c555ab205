//! The structured evaluator: A~, B~, C~ at (rx, ry) from a description of
//! the shape as families of identical blocks, in time about the block sizes
//! times log N instead of the number of non-zeros
//! (`/work/shared/design/PROOFS.md`, item 4).
//!
//! # The description
//!
//! A [`Family`] is `count` = T copies of a block of `height` = h rows at
//! `base_row` = R: block t covers rows R + t h .. R + (t + 1) h. Each
//! [`BlockEntry`] (matrix, local row j, column c, stride s, coefficient v)
//! says that row R + t h + j has v at column c + s t, for every t < T. A
//! stride equal to the block's column width is a Local reference, c shifted
//! by -s or +s a Previous or Next block, s = 0 a Broadcast column (the
//! constant 1 at n_w, a public input such as rho), and entries of one block
//! may refer to several arrays with different strides (Horner's rule walks
//! the accumulator forwards by 1 and the coefficients backwards by 16).
//! What no family covers is the explicit remainder, kept as (row, column,
//! coefficient) triples.
//!
//! The families are inferred from the flat matrices the shape builder
//! produced ([`StructuredEvaluator::infer`]); the circuits and gadgets stay
//! as they are. Inference scans the rows: at the first row not yet covered
//! it tries every block height up to [`MAX_HEIGHT`], extends each candidate
//! block by block while the next block has the same coefficients and every
//! column moved by the same stride as between the first two blocks, and
//! keeps the candidate covering the most non-zeros if its evaluation is
//! cheaper than walking them; otherwise the row joins the remainder. The
//! result is then re-expanded and compared with the flat matrices entry by
//! entry ([`StructuredEvaluator::matches`]); a description that does not
//! reproduce them exactly is discarded, and the verifier uses the flat
//! evaluator (which stays the reference).
//!
//! # Evaluating one family: strides that are not powers of two
//!
//! An entry of a family contributes
//! v * sum_{t < T} eq(rx, R + j + h t) * eq(ry, c + s t).
//! When h and s are powers of two and R, c are aligned, the index bits split
//! into block bits and local bits and the sum is the usual product of eq
//! factors with one "less than T" term. In general they are not: the 16-bit
//! range check has h = 16 but a 17-bit one has h = 17 and a witness stride
//! of 17, Horner's rule has stride -16, and the bases are arbitrary. The
//! index c + s t then does not factor bitwise: adding s t carries across bit
//! positions.
//!
//! It still factors through a small automaton. Write s = 2^a s' with s' odd
//! (or s = s' = 0). The low a bits of c + s t are those of c for every t, so
//! they give a constant eq factor; the rest is q + s' t with q = c >> a, and
//! the bits of q + s' t come out of a serial multiplier read least
//! significant bit first: at step p, acc = carry + q_p + s' t_p, the output
//! bit is acc mod 2 and the next carry floor(acc / 2). The carry stays in
//! [min(0, s'), max(0, s')] (widened by the initial carry below), so the
//! row side, the column side and the comparison t < T (also read least
//! significant bit first: the flag "prefix of t < prefix of T") form an
//! automaton with (|s_r'| + 1)(|s_c'| + 1) 2 states, and the sum over t of
//! the product of the per-bit eq factors of both outputs is a sum over its
//! paths: one backward pass of log N steps over the states. Paths whose
//! index leaves the matrix get weight 0 (positions beyond the index width
//! must output 0, and the final carry must be 0).
//!
//! The local offsets need no pass of their own: the row index is
//! (R >> a_r) + k_r + s_r' t in its high part, with 0 <= k_r <= s_r' for every
//! local row, and k_r is the automaton's initial row carry; likewise
//! columns of one stride whose high parts lie within |s'| of each other share
//! a window, their offsets being initial column carries. One backward pass
//! per (family, column window) gives the sums for every (k_r, k_c) at once.
//!
//! Cost per evaluation: per window, about log N (|s_r'| + 1)(|s_c'| + 1) 4
//! field multiplications, plus one or two per block entry and three per
//! local row (the eq factors of the low bits come from tables of 2^a_r and
//! 2^a_c entries built once per evaluation), plus the remainder.
//! So arbitrary strides and bases are supported, in O(log N) per window for
//! a fixed stride, but not in O(log T) independently of the stride: a block
//! of odd height h costs h^2 per window (a 17-row block 18 * 18 * 2 states),
//! which the inference weighs against walking the non-zeros.
//!
//! # The padded row layout
//!
//! The row side is ours to choose: constraint order does not matter to the
//! relation, so setup renumbers the rows ([`aligned_row_layout`]) before
//! building the matrices. Repeated blocks whose height has an odd part
//! above 7 (`MAX_ODD_HEIGHT`; R_train's 243-row training samples and 66-row
//! forward passes, 437-row Poseidon permutations) are placed at a stride of
//! 2^ceil(log2 h), the rows in between left empty, so that the row side of
//! the automaton has two states; what does not fit in the padded row count
//! stays as it is.
//!
//! # The padded witness layout and irregular entries
//!
//! Columns are renumbered the same way ([`aligned_col_layout`]): a family
//! whose blocks each allocate s consecutive variables, with s of odd part
//! above 31 (the data commitment's Poseidon permutations, 437 variables at
//! width 9), gets its blocks' variables at a stride of 2^ceil(log2 s), so
//! that its Local and Previous references have power-of-two strides and two
//! column carries. The prover places its witness by the map (zeros in the
//! gaps, which fit in the padded witness length); the map is bound by the
//! verifying key's digest. Smaller odd parts (a sample's 272 = 16 * 17
//! variables, 18 column carries) stay as they are.
//!
//! Those permutations absorb packed data values whose columns skip the
//! label and mask variables at the end of every data row, so a few entries
//! of every block do not move by a constant stride. A family tolerates up
//! to a quarter of its block's entries being such [`Irregular`] entries,
//! each with a per-family column table (its column in every block),
//! evaluated by walking its `count` positions; the inference charges them
//! at that cost.
//!
//! Candidate heights at a row are only those h with `sig[r + h] = sig[r]`
//! (a chain of equal row signatures), kept if the first three blocks have
//! equal signature runs (a constant-time comparison of prefix hashes), at
//! most 16 per row and a bounded amount of work per row and
//! per shape.
//!
//! # Coverage and measurements (2 cores shared with other jobs, release)
//!
//! - RangeCheckCircuit, any d and bit width: one family (height = bits,
//!   count d), no remainder, no padding. d = 100,000 (2^21 rows, 7.8M
//!   non-zeros): about 50 us against 1.4-1.5 s flat.
//! - R_train (91 x 30, default configuration): samples (256 x 90 after
//!   padding), the data commitment's Poseidon permutations (512 x 21 after
//!   padding rows and columns, 447 of each block's 6,457 entries
//!   irregular), forward passes (128 x 91) and one small family: 285,192
//!   non-zeros in families, 60,151 in the remainder (the backward pass,
//!   divisions and clips, the weights' range checks and the update hash,
//!   whose automata would cost more than walking them). Before the witness
//!   layout and irregular entries, 172,499 non-zeros were left in the
//!   remainder (see the commit message for the timings).
//! - BoundedUpdateCircuit: the range checks and the Horner steps are
//!   families; the Poseidon permutations (437 rows) are padded to 512 when
//!   the padded rows fit in the power of two (at d = 100,000 only about 37k
//!   rows are free, so most permutations stay in the remainder).
//!
//! The verifying key's digest binds the shape digest and the row and
//! witness layouts;
//! the description is a deterministic function of the shape, checked
//! against the matrices at setup.

use super::eval::{MatrixEvaluator, SparseMatrix, SplitEq, MINUS_ONE, ONE};
use crate::fe::Fe;
use crate::field::Fr;
use rayon::prelude::*;

/// The tallest block tried by the inference (rows).
pub const MAX_HEIGHT: usize = 1024;

/// The inference's work bound per row (units: one constant-time comparison
/// of two runs of rows, or one row compared entry by entry).
const INFER_BUDGET_PER_ROW: usize = 256;

/// The work after which no further height is tried at one row.
const ROW_BUDGET: usize = 2 * MAX_HEIGHT;

/// The most block heights tried in full at one row.
const MAX_CANDIDATES: usize = 16;

/// Blocks whose height has an odd part above this are given a padded row
/// layout by [`aligned_row_layout`] (smaller odd parts cost the automaton
/// little).
const MAX_ODD_HEIGHT: usize = 7;

/// Estimated multiplications per non-zero of the flat walk (one eq lookup,
/// one coefficient, the row factor shared; memory-bound in practice). A
/// family is used when its plan is estimated cheaper than walking it.
const WALK_COST: usize = 4;

/// Remainder entries per parallel task: a remainder of fewer is walked on
/// the calling thread (on a loaded machine, waking workers costs more than
/// walking some 10^5 entries).
const REMAINDER_CHUNK: usize = 1 << 17;

/// The most automaton states allowed for one window.
const MAX_STATES: usize = 1 << 12;

/// One entry of a family's block: in block t (0 <= t < count), row
/// `base_row + t * height + row` of matrix `matrix` has the coefficient
/// with index `coeff` at column `col + t * stride`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockEntry {
    /// 0 for A, 1 for B, 2 for C.
    pub matrix: u8,
    /// The row within the block.
    pub row: u32,
    /// The column in block 0.
    pub col: u32,
    /// The column's step from one block to the next.
    pub stride: i64,
    /// Index of the coefficient in the matrix's table of distinct values.
    pub coeff: u32,
}

/// T copies of a block of rows (see the module documentation).
#[derive(Clone, Debug)]
pub struct Family {
    /// First row of block 0.
    pub base_row: usize,
    /// Rows per block.
    pub height: usize,
    /// Number of blocks T.
    pub count: usize,
    /// The block's entries whose column moves by a constant stride, by
    /// local row, then matrix, then column.
    pub entries: Vec<BlockEntry>,
    /// The block's other entries, by local row, then matrix, then column.
    pub irregular: Vec<Irregular>,
    plan: Plan,
}

/// An entry of a family whose column does not move by a constant stride
/// from block to block (the Poseidon permutations of the data commitment
/// absorb packed data values, whose columns skip the label and mask
/// variables at the end of every data row): its column in every block, a
/// per-family column table. In block t, row `base_row + t * height +
/// entry.row` has the coefficient at column `cols[t]` (`entry.col` and
/// `entry.stride` are unused). Evaluated as a walk over its `count`
/// positions, which the inference weighs against walking the rows.
#[derive(Clone, Debug)]
pub struct Irregular {
    /// Matrix, local row and coefficient (column and stride unused, 0).
    pub entry: BlockEntry,
    /// The column in block t, for every t < count.
    pub cols: Vec<u32>,
}

/// The precomputed evaluation plan of a family.
#[derive(Clone, Debug)]
struct Plan {
    /// Row side: index = 2^a_r (q_r + k_r + s_r t) + low_r.
    a_r: u32,
    s_r: i64,
    q_r: u64,
    windows: Vec<Window>,
    /// Per entry, in the order of `entries`.
    items: Vec<Item>,
}

/// Columns of one stride whose high parts lie in [q, q + kmax].
#[derive(Clone, Copy, Debug)]
struct Window {
    a: u32,
    s: i64,
    q: u64,
    kmax: u64,
}

#[derive(Clone, Copy, Debug)]
struct Item {
    window: u32,
    k_r: u32,
    k_c: u32,
    low_r: u64,
    low_c: u64,
}

impl Window {
    fn carry_range(&self) -> (i64, i64) {
        (self.s.min(0), self.s.max(0).max(self.kmax as i64))
    }
}

/// Splits a stride into (a, s') with stride = 2^a s', s' odd (or 0, 0).
fn split_stride(s: i64) -> (u32, i64) {
    if s == 0 {
        (0, 0)
    } else {
        let a = s.unsigned_abs().trailing_zeros();
        (a, s >> a)
    }
}

fn bit(x: u64, p: usize) -> usize {
    if p < 64 {
        ((x >> p) & 1) as usize
    } else {
        0
    }
}

fn bit_len(x: u64) -> usize {
    (64 - x.leading_zeros()) as usize
}

/// Per-bit eq weights of a point, least significant position first:
/// `w[p] = (1 - r_p, r_p)` for p < n, (1, 0) beyond.
struct BitWeights(Vec<[Fe; 2]>);

impl BitWeights {
    fn new(r: &[Fr]) -> Self {
        BitWeights(
            r.iter()
                .rev()
                .map(|x| {
                    let x = Fe::from_fr(x);
                    [Fe::ONE - x, x]
                })
                .collect(),
        )
    }

    #[inline]
    fn at(&self, p: usize, b: usize) -> Fe {
        match self.0.get(p) {
            Some(w) => w[b],
            None if b == 0 => Fe::ONE,
            None => Fe::ZERO,
        }
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// eq over the low `a` positions against the bits of `low`.
    fn low(&self, a: u32, low: u64) -> Fe {
        let mut acc = Fe::ONE;
        for p in 0..a as usize {
            acc *= self.at(p, bit(low, p));
        }
        acc
    }

    /// [`BitWeights::low`] for every `low` < 2^a, as a table (2^(a+1)
    /// multiplications; a <= [`LOW_TABLE_BITS`]).
    fn low_table(&self, a: u32) -> Vec<Fe> {
        let mut t = Vec::with_capacity(1 << a);
        t.push(Fe::ONE);
        for p in 0..a as usize {
            let [w0, w1] = [self.at(p, 0), self.at(p, 1)];
            let n = t.len();
            for i in 0..n {
                let x = t[i];
                t.push(x * w1);
                t[i] = x * w0;
            }
        }
        t
    }
}

/// Blocks of fewer entries get no irregular entries (a Horner step's
/// one-row block would otherwise run on into other rows of the same
/// coefficients).
const MIN_TOLERANT_ENTRIES: usize = 16;

/// Low parts of at most this many bits are read from a table of eq values
/// instead of a product per entry.
const LOW_TABLE_BITS: u32 = 12;

/// eq over the low bits of one side, from a table when it is small enough.
enum Low {
    Table(Vec<Fe>),
    Direct(u32),
}

impl Low {
    /// Whether a table of 2^a entries is cheaper than `uses` products of a
    /// factors.
    fn use_table(a: u32, uses: usize) -> bool {
        a <= LOW_TABLE_BITS && (2usize << a) <= uses * a as usize
    }

    /// The estimated multiplications of `uses` lookups.
    fn cost(a: u32, uses: usize) -> usize {
        if Self::use_table(a, uses) {
            2usize << a
        } else {
            uses * a as usize
        }
    }

    fn new(w: &BitWeights, a: u32, uses: usize) -> Self {
        if Self::use_table(a, uses) {
            Low::Table(w.low_table(a))
        } else {
            Low::Direct(a)
        }
    }

    #[inline]
    fn at(&self, w: &BitWeights, low: u64) -> Fe {
        match self {
            Low::Table(t) => t[low as usize],
            Low::Direct(a) => w.low(*a, low),
        }
    }
}

impl Plan {
    /// The plan of a family, or `None` if a window would need too many
    /// states. Also returns its estimated cost in multiplications.
    fn new(
        n_x: usize,
        n_y: usize,
        base_row: usize,
        height: usize,
        count: usize,
        entries: &[BlockEntry],
    ) -> Option<(Plan, usize)> {
        let (a_r, s_r) = split_stride(height as i64);
        let q_r = (base_row >> a_r) as u64;
        let mask_r = (1u64 << a_r) - 1;
        // Group column sides by stride, then by high part.
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| {
            let (a, _) = split_stride(entries[i].stride);
            (entries[i].stride, (entries[i].col as u64) >> a)
        });
        let mut windows: Vec<Window> = Vec::new();
        let mut items = vec![
            Item {
                window: 0,
                k_r: 0,
                k_c: 0,
                low_r: 0,
                low_c: 0,
            };
            entries.len()
        ];
        let mut cur: Option<(i64, usize)> = None;
        for &i in &order {
            let e = &entries[i];
            let (a, s) = split_stride(e.stride);
            let q = (e.col as u64) >> a;
            let fits = match cur {
                Some((stride, w)) => stride == e.stride && q <= windows[w].q + s.unsigned_abs(),
                None => false,
            };
            if !fits {
                windows.push(Window { a, s, q, kmax: 0 });
                cur = Some((e.stride, windows.len() - 1));
            }
            let w = windows.len() - 1;
            let k_c = q - windows[w].q;
            windows[w].kmax = windows[w].kmax.max(k_c);
            let row = (base_row + e.row as usize) as u64;
            items[i] = Item {
                window: w as u32,
                k_r: ((row >> a_r) - q_r) as u32,
                k_c: k_c as u32,
                low_r: row & mask_r,
                low_c: (e.col as u64) & ((1u64 << a) - 1),
            };
        }
        let mut cost = 0usize;
        let n_r = s_r as usize + 1;
        for w in &windows {
            let (lo, hi) = w.carry_range();
            let states = n_r * (hi - lo + 1) as usize * 2;
            if states > MAX_STATES {
                return None;
            }
            let steps = (n_x - a_r as usize)
                .max(n_y.saturating_sub(w.a as usize))
                .max(bit_len(count as u64));
            cost += steps * (states * 2 + 4);
        }
        // Per entry one or two multiplications and per row three, plus the
        // low eq factors: a table per side, or a product per entry where
        // that is cheaper ([`Low::new`]).
        cost += 2 * items.len() + 3 * height + Low::cost(a_r, items.len());
        let mut seen: Vec<u32> = Vec::new();
        for a in windows.iter().map(|w| w.a) {
            if !seen.contains(&a) {
                seen.push(a);
                let uses = items
                    .iter()
                    .filter(|it| windows[it.window as usize].a == a)
                    .count();
                cost += Low::cost(a, uses);
            }
        }
        Some((
            Plan {
                a_r,
                s_r,
                q_r,
                windows,
                items,
            },
            cost,
        ))
    }

    /// For one window: sum_{t < count} of eq(rx, row(t)) eq(ry, col(t)) over
    /// the high parts only, for every initial carry pair (k_r, k_c), as a
    /// table indexed k_r * (kmax + 1) + k_c.
    fn window_sums(&self, w: &Window, count: usize, ex: &BitWeights, ey: &BitWeights) -> Vec<Fe> {
        let (lo_c, hi_c) = w.carry_range();
        let n_c = (hi_c - lo_c + 1) as usize;
        let n_r = self.s_r as usize + 1;
        let idx = |cr: i64, cc: i64, f: usize| -> usize {
            ((cr as usize) * n_c + (cc - lo_c) as usize) * 2 + f
        };
        let len = n_r * n_c * 2;
        let mut v = vec![Fe::ZERO; len];
        let mut next = vec![Fe::ZERO; len];
        v[idx(0, 0, 1)] = Fe::ONE;
        let a_r = self.a_r as usize;
        let a_c = w.a as usize;
        let steps = (ex.len() - a_r)
            .max(ey.len().saturating_sub(a_c))
            .max(bit_len(count as u64));
        let t_bits = count as u64;
        for p in (0..steps).rev() {
            let qr = bit(self.q_r, p) as i64;
            let qc = bit(w.q, p) as i64;
            let tb = bit(t_bits, p);
            let wr = [ex.at(a_r + p, 0), ex.at(a_r + p, 1)];
            let wc = [ey.at(a_c + p, 0), ey.at(a_c + p, 1)];
            let wt = [
                [wr[0] * wc[0], wr[0] * wc[1]],
                [wr[1] * wc[0], wr[1] * wc[1]],
            ];
            for cr in 0..n_r as i64 {
                for cc in lo_c..=hi_c {
                    for f in 0..2 {
                        let mut acc = Fe::ZERO;
                        for t in 0..2usize {
                            let ar = cr + qr + self.s_r * t as i64;
                            let ac = cc + qc + w.s * t as i64;
                            let f2 = match t.cmp(&tb) {
                                core::cmp::Ordering::Less => 1,
                                core::cmp::Ordering::Greater => 0,
                                core::cmp::Ordering::Equal => f,
                            };
                            let weight = wt[(ar & 1) as usize][(ac & 1) as usize];
                            acc += weight * v[idx(ar >> 1, ac >> 1, f2)];
                        }
                        next[idx(cr, cc, f)] = acc;
                    }
                }
            }
            core::mem::swap(&mut v, &mut next);
        }
        let kw = w.kmax as usize + 1;
        let mut out = vec![Fe::ZERO; n_r * kw];
        for kr in 0..n_r {
            for kc in 0..kw {
                out[kr * kw + kc] = v[idx(kr as i64, kc as i64, 0)];
            }
        }
        out
    }
}

impl Family {
    /// Adds this family's contribution to A~, B~, C~ at the point.
    fn evaluate_into(
        &self,
        values: &[Vec<Fe>; 3],
        ex: &BitWeights,
        ey: &BitWeights,
        split: Option<&(SplitEq, SplitEq)>,
        out: &mut [Fe; 3],
    ) {
        if let Some((sx, sy)) = split {
            self.irregular_into(values, sx, sy, out);
        }
        let p = &self.plan;
        let sums: Vec<Vec<Fe>> = p
            .windows
            .iter()
            .map(|w| p.window_sums(w, self.count, ex, ey))
            .collect();
        let low_r = Low::new(ex, p.a_r, p.items.len());
        // Column tables per distinct low width (few per family).
        let mut low_c: Vec<(u32, Low)> = Vec::new();
        for w in &p.windows {
            if !low_c.iter().any(|(a, _)| *a == w.a) {
                let uses = p
                    .items
                    .iter()
                    .filter(|it| p.windows[it.window as usize].a == w.a)
                    .count();
                low_c.push((w.a, Low::new(ey, w.a, uses)));
            }
        }
        // Entries come by local row: sum each row's entries, then one
        // multiplication by the row's low eq factor.
        let mut row_acc = [Fe::ZERO; 3];
        let mut cur = None;
        for (e, it) in self.entries.iter().zip(&p.items) {
            if cur != Some(it.low_r) {
                if let Some(l) = cur {
                    let lr = low_r.at(ex, l);
                    for (o, a) in out.iter_mut().zip(&mut row_acc) {
                        *o += lr * *a;
                        *a = Fe::ZERO;
                    }
                }
                cur = Some(it.low_r);
            }
            let w = &p.windows[it.window as usize];
            let s =
                sums[it.window as usize][it.k_r as usize * (w.kmax as usize + 1) + it.k_c as usize];
            let lc = low_c
                .iter()
                .find(|(a, _)| *a == w.a)
                .map_or(Fe::ONE, |(_, t)| t.at(ey, it.low_c));
            let x = lc * s;
            let slot = &mut row_acc[e.matrix as usize];
            match e.coeff {
                ONE => *slot += x,
                MINUS_ONE => *slot -= x,
                k => *slot += values[e.matrix as usize][k as usize] * x,
            }
        }
        if let Some(l) = cur {
            let lr = low_r.at(ex, l);
            for (o, a) in out.iter_mut().zip(&row_acc) {
                *o += lr * *a;
            }
        }
    }

    /// The irregular entries' contribution: per block and local row, the
    /// sum of coefficient times eq(ry, column), times eq(rx, row).
    fn irregular_into(&self, values: &[Vec<Fe>; 3], sx: &SplitEq, sy: &SplitEq, out: &mut [Fe; 3]) {
        for t in 0..self.count {
            let mut i = 0;
            while let Some(first) = self.irregular.get(i) {
                let j = first.entry.row;
                let mut acc = [Fe::ZERO; 3];
                while let Some(x) = self.irregular.get(i).filter(|x| x.entry.row == j) {
                    let e = x.cols.get(t).map_or(Fe::ZERO, |c| sy.at(*c as usize));
                    let m = x.entry.matrix as usize;
                    match x.entry.coeff {
                        ONE => acc[m] += e,
                        MINUS_ONE => acc[m] -= e,
                        k => acc[m] += values[m][k as usize] * e,
                    }
                    i += 1;
                }
                let er = sx.at(self.base_row + t * self.height + j as usize);
                for (o, a) in out.iter_mut().zip(acc) {
                    *o += er * a;
                }
            }
        }
    }

    /// Non-zeros covered.
    pub fn nnz(&self) -> usize {
        self.count * (self.entries.len() + self.irregular.len())
    }
}

/// An explicit entry: (row, matrix, column, coefficient index).
type Explicit = (u32, u8, u32, u32);

/// The structured description of a shape's matrices and its evaluator.
#[derive(Clone, Debug)]
pub struct StructuredEvaluator {
    num_rows: usize,
    num_cols: usize,
    values: [Vec<Fe>; 3],
    families: Vec<Family>,
    remainder: Vec<Explicit>,
}

/// Read access to the three flat matrices, row by row.
struct Rows<'a> {
    mats: &'a [SparseMatrix; 3],
    sig: Vec<u64>,
    /// The next row with the same signature (or `u32::MAX`): the only
    /// block heights worth trying at row r are next_same[r] - r, then
    /// next_same of that row - r, and so on.
    next_same: Vec<u32>,
    /// Prefix hashes of the signatures, for comparing two runs of rows in
    /// constant time (a collision costs only work: every match is then
    /// checked entry by entry, and the whole description at the end).
    prefix: Vec<u64>,
    pow: Vec<u64>,
}

const HASH_BASE: u64 = 0x9e37_79b9_7f4a_7c15;

impl<'a> Rows<'a> {
    fn new(mats: &'a [SparseMatrix; 3]) -> Self {
        let sig = (0..mats[0].num_rows())
            .into_par_iter()
            .with_min_len(4096)
            .map(|r| {
                let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                let mut mix = |x: u64| {
                    h ^= x;
                    h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(17);
                };
                for (m, mat) in mats.iter().enumerate() {
                    let (cols, coeffs) = mat.row_entries(r);
                    mix(((m as u64) << 32) | cols.len() as u64);
                    for k in coeffs {
                        mix(*k as u64);
                    }
                }
                h
            })
            .collect::<Vec<u64>>();
        let mut next_same = vec![u32::MAX; sig.len()];
        let mut last = std::collections::HashMap::<u64, u32>::new();
        for r in (0..sig.len()).rev() {
            if let Some(n) = last.insert(sig[r], r as u32) {
                next_same[r] = n;
            }
        }
        let mut prefix = Vec::with_capacity(sig.len() + 1);
        prefix.push(0u64);
        for x in &sig {
            let h = prefix[prefix.len() - 1];
            prefix.push(h.wrapping_mul(HASH_BASE).wrapping_add(*x));
        }
        let mut pow = Vec::with_capacity(MAX_HEIGHT + 1);
        pow.push(1u64);
        for i in 0..MAX_HEIGHT {
            pow.push(pow[i].wrapping_mul(HASH_BASE));
        }
        Rows {
            mats,
            sig,
            next_same,
            prefix,
            pow,
        }
    }

    /// The first [`MAX_CANDIDATES`] heights at row r whose first three
    /// blocks have equal signatures (by hash).
    fn candidates(&self, r: usize, max_h: usize, work: &mut usize) -> Vec<usize> {
        let n = self.n();
        let mut out = Vec::new();
        for h in self.heights(r, max_h) {
            *work += 1;
            if r + 3 * h <= n && self.same_run(r, r + h, h) && self.same_run(r, r + 2 * h, h) {
                out.push(h);
                if out.len() == MAX_CANDIDATES {
                    break;
                }
            }
        }
        out
    }

    /// Whether rows a..a+h and b..b+h have the same signatures (by hash;
    /// h <= MAX_HEIGHT, both runs inside the matrix).
    fn same_run(&self, a: usize, b: usize, h: usize) -> bool {
        let run =
            |x: usize| self.prefix[x + h].wrapping_sub(self.prefix[x].wrapping_mul(self.pow[h]));
        run(a) == run(b)
    }

    /// The block heights h <= `max_h` worth trying at row r: those with
    /// sig[r + h] = sig[r], ascending.
    fn heights(&self, r: usize, max_h: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = r;
        core::iter::from_fn(move || {
            let n = *self.next_same.get(at)? as usize;
            if n == u32::MAX as usize || n - r > max_h {
                return None;
            }
            at = n;
            Some(n - r)
        })
    }

    fn n(&self) -> usize {
        self.sig.len()
    }

    fn is_empty(&self, r: usize) -> bool {
        self.mats.iter().all(|m| m.row_entries(r).0.is_empty())
    }

    /// Whether block t of (r, h) repeats block 0's rows and coefficients;
    /// if so, the entries whose column is not that of block 0 moved by
    /// `t` times its stride are pushed to `moved`.
    fn block_matches(
        &self,
        r: usize,
        h: usize,
        t: usize,
        strides: &[i64],
        moved: &mut Vec<usize>,
    ) -> bool {
        let mut e = 0;
        let base = r + t * h;
        if !self.same_run(r, base, h) {
            return false;
        }
        for j in 0..h {
            if self.sig[base + j] != self.sig[r + j] {
                return false;
            }
            for m in self.mats {
                let (c0, k0) = m.row_entries(r + j);
                let (ct, kt) = m.row_entries(base + j);
                if k0 != kt {
                    return false;
                }
                for (i, (a, b)) in c0.iter().zip(ct).enumerate() {
                    if *b as i64 != *a as i64 + strides[e + i] * t as i64 {
                        moved.push(e + i);
                    }
                }
                e += c0.len();
            }
        }
        true
    }

    /// The longest run of blocks of height h at row r (at least 3) with
    /// the same rows and coefficients, with the strides between the first
    /// two blocks and which entries are irregular (their columns do not
    /// move by a constant stride; with `tolerant`, at most a quarter of a
    /// block of at least [`MIN_TOLERANT_ENTRIES`] entries, see
    /// [`Irregular`]; else none).
    fn try_family(
        &self,
        r: usize,
        h: usize,
        work: &mut usize,
        tolerant: bool,
    ) -> Option<FamilyRun> {
        let n = self.n();
        if r + 3 * h > n || h > MAX_HEIGHT {
            return None;
        }
        // At least three blocks (two always look alike), compared by hash
        // first.
        *work += 1;
        if !self.same_run(r, r + h, h) || !self.same_run(r, r + 2 * h, h) {
            return None;
        }
        *work += 4 * h;
        let mut strides = Vec::new();
        for j in 0..h {
            for m in self.mats {
                let (c0, k0) = m.row_entries(r + j);
                let (c1, k1) = m.row_entries(r + h + j);
                if k0 != k1 {
                    return None;
                }
                strides.extend(c0.iter().zip(c1).map(|(a, b)| *b as i64 - *a as i64));
            }
        }
        let limit = if tolerant && strides.len() >= MIN_TOLERANT_ENTRIES {
            strides.len() / 4
        } else {
            0
        };
        let mut irregular = vec![false; strides.len()];
        let mut num_irregular = 0;
        let mut moved = Vec::new();
        let mut t = 2;
        while r + (t + 1) * h <= n {
            moved.clear();
            if !self.block_matches(r, h, t, &strides, &mut moved) {
                break;
            }
            let new = moved.iter().filter(|&&e| !irregular[e]).count();
            if num_irregular + new > limit {
                break;
            }
            for &e in &moved {
                irregular[e] = true;
            }
            num_irregular += new;
            t += 1;
        }
        *work += t * h;
        (t >= 3).then_some(FamilyRun {
            count: t,
            strides,
            irregular,
        })
    }

    /// The block entries of a run: the regular ones, and the irregular
    /// ones with their column in every block.
    fn entries(&self, r: usize, h: usize, run: &FamilyRun) -> (Vec<BlockEntry>, Vec<Irregular>) {
        let mut out = Vec::with_capacity(run.strides.len());
        let mut irr = Vec::new();
        let mut e = 0;
        for j in 0..h {
            for (m, mat) in self.mats.iter().enumerate() {
                let (c0, k0) = mat.row_entries(r + j);
                for (i, (c, k)) in c0.iter().zip(k0).enumerate() {
                    let entry = BlockEntry {
                        matrix: m as u8,
                        row: j as u32,
                        col: *c,
                        stride: run.strides[e],
                        coeff: *k,
                    };
                    if run.irregular[e] {
                        let cols = (0..run.count)
                            .map(|t| mat.row_entries(r + t * h + j).0[i])
                            .collect();
                        irr.push(Irregular {
                            entry: BlockEntry { stride: 0, ..entry },
                            cols,
                        });
                    } else {
                        out.push(entry);
                    }
                    e += 1;
                }
            }
        }
        (out, irr)
    }
}

/// A candidate family found by [`Rows::try_family`].
struct FamilyRun {
    count: usize,
    strides: Vec<i64>,
    irregular: Vec<bool>,
}

/// The blocks the layouts consider, in row order: at every row not yet
/// covered, the candidate run covering the most rows (as the inference
/// finds them, within its work bound), as (base row, height, run).
fn scan_runs(rows: &Rows) -> Vec<(usize, usize, FamilyRun)> {
    let n = rows.n();
    let budget = INFER_BUDGET_PER_ROW * n + (1 << 24);
    let mut work = 0usize;
    let mut out = Vec::new();
    let mut r = 0;
    while r < n {
        if rows.is_empty(r) {
            r += 1;
            continue;
        }
        let mut best: Option<(usize, FamilyRun)> = None;
        let max_h = MAX_HEIGHT.min((n - r) / 3);
        if work <= budget {
            let start = work;
            for h in rows.candidates(r, max_h, &mut work) {
                if work - start > ROW_BUDGET {
                    break;
                }
                if let Some(run) = rows.try_family(r, h, &mut work, true) {
                    if best
                        .as_ref()
                        .is_none_or(|(bh, b)| run.count * h > bh * b.count)
                    {
                        best = Some((h, run));
                    }
                }
                if work > budget {
                    break;
                }
            }
        }
        match best {
            // Blocks are kept whole (their rows in order, empty ones
            // included); so are single rows.
            Some((h, run)) => {
                r += h * run.count;
                out.push((r - h * run.count, h, run));
            }
            None => r += 1,
        }
    }
    out
}

/// A row layout that pads blocks of awkward heights: the new position of
/// every row (a permutation of the rows), or `None` if the identity will
/// do.
///
/// Constraint order does not matter to the relation, so the verifier is
/// free to renumber rows. Repeated blocks whose height h has a large odd
/// part (a 243-row training sample, a 437-row Poseidon permutation) make the
/// evaluator's automaton expensive (its state count grows with the odd part
/// of the row stride); placed at a stride of 2^ceil(log2 h) instead, with the
/// rows in between left empty, the row side of the automaton has two states.
/// The blocks are found as by the inference (rows with equal signatures
/// repeating with constant column strides, the tallest coverage first, up to
/// [`MAX_HEIGHT`]), in shape order; other rows keep their order. If the
/// padded blocks do not all fit in the matrix, those covering the fewest
/// non-zeros are left unpadded. The witness layout is untouched, so the
/// prover's work is unchanged.
pub fn aligned_row_layout(mats: &[SparseMatrix; 3]) -> Option<Vec<u32>> {
    let n = mats[0].num_rows();
    if mats.iter().any(|m| m.num_rows() != n) || n >= u32::MAX as usize {
        return None;
    }
    let rows = Rows::new(mats);
    // Blocks to pad: (base, height, count, non-zeros).
    let blocks: Vec<(usize, usize, usize, usize)> = scan_runs(&rows)
        .into_iter()
        .filter(|(_, h, _)| h >> h.trailing_zeros() > MAX_ODD_HEIGHT)
        .map(|(r, h, run)| {
            let nnz = (0..h * run.count)
                .map(|i| {
                    mats.iter()
                        .map(|m| m.row_entries(r + i).0.len())
                        .sum::<usize>()
                })
                .sum();
            (r, h, run.count, nnz)
        })
        .collect();
    // Rows needed: every row up to the last non-empty one, plus the padding
    // of the kept blocks; the empty rows after it fill what is left.
    let used = (0..n)
        .rev()
        .find(|&r| !rows.is_empty(r))
        .map_or(0, |r| r + 1);
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by_key(|&i| core::cmp::Reverse(blocks[i].3));
    // A block that does not fit whole is padded over as many of its first
    // blocks as fit (at least three), the rest keeping their rows as they are.
    let mut keep = vec![0usize; blocks.len()];
    let mut total = used;
    for i in order {
        let (_, h, count, _) = blocks[i];
        let per = h.next_power_of_two() - h;
        let fit = count.min(n.saturating_sub(total) / per.max(1));
        if fit >= 3 {
            total += per * fit;
            keep[i] = fit;
        }
    }
    let blocks: Vec<_> = blocks
        .into_iter()
        .zip(keep)
        .filter_map(|((base, h, _, nnz), k)| (k > 0).then_some((base, h, k, nnz)))
        .collect();
    if blocks.is_empty() {
        return None;
    }
    let mut map = vec![u32::MAX; n];
    let mut taken = vec![false; n];
    let mut next = blocks.iter().peekable();
    let mut p = 0usize;
    let mut r = 0usize;
    while r < n {
        if let Some(&&(base, h, count, _)) = next.peek() {
            if base == r {
                let stride = h.next_power_of_two();
                for t in 0..count {
                    for j in 0..h {
                        let q = p + t * stride + j;
                        *taken.get_mut(q)? = true;
                        map[r + t * h + j] = q as u32;
                    }
                }
                p += stride * count;
                r += h * count;
                next.next();
                continue;
            }
        }
        if r < used {
            *taken.get_mut(p)? = true;
            map[r] = p as u32;
            p += 1;
        }
        r += 1;
    }
    // Empty rows fill the free positions in order.
    let mut free = (0..n).filter(|&q| !taken[q]);
    for m in map.iter_mut().filter(|m| **m == u32::MAX) {
        *m = free.next()? as u32;
    }
    Some(map)
}

/// Column strides whose odd part is above this get a padded witness
/// layout from [`aligned_col_layout`] (the column side of a window costs
/// about |s'| + 1 carries; a sample's 272 = 16 * 17 variables stay).
const MAX_ODD_COL_STRIDE: usize = 31;

/// A witness (column) layout that pads the variables of repeated blocks
/// with a large odd column stride: the new column of every witness
/// variable (an injection into 0..`nw`), or `None` if the identity will
/// do.
///
/// Variable order does not matter to the relation either, so setup may
/// renumber the witness as it renumbers rows. A family whose blocks each
/// allocate s consecutive variables (the columns of its C entries that
/// move by the family's most common C stride s lie within s of each
/// other), with s having an odd part above 31 (a
/// 437-variable Poseidon permutation at width 9), has its blocks' variables
/// placed at a stride of 2^ceil(log2 s), the columns in between left zero,
/// so that its Local and Previous references have power-of-two strides. As
/// many blocks as fit in `nw` are padded, the families covering the most
/// non-zeros first (at least three blocks each); other variables keep their
/// order. The prover places its witness by this map; the verifying key's
/// digest binds it.
pub fn aligned_col_layout(
    mats: &[SparseMatrix; 3],
    num_vars: usize,
    nw: usize,
) -> Option<Vec<u32>> {
    let n = mats[0].num_rows();
    if mats.iter().any(|m| m.num_rows() != n)
        || n >= u32::MAX as usize
        || nw >= u32::MAX as usize
        || num_vars > nw
    {
        return None;
    }
    let rows = Rows::new(mats);
    // Column blocks: (first variable, stride, count, non-zeros).
    let mut blocks: Vec<(usize, usize, usize, usize)> = Vec::new();
    for (r, h, run) in scan_runs(&rows) {
        let (entries, irregular) = rows.entries(r, h, &run);
        let c_entries = || {
            entries
                .iter()
                .filter(|e| e.matrix == 2 && e.stride > 0)
                .map(|e| (e.col as usize, e.stride as usize))
        };
        let mut strides: Vec<usize> = c_entries().map(|(_, s)| s).collect();
        strides.sort_unstable();
        let Some(stride) = strides
            .chunk_by(|a, b| a == b)
            .max_by_key(|c| c.len())
            .map(|c| c[0])
        else {
            continue;
        };
        if stride >> stride.trailing_zeros() <= MAX_ODD_COL_STRIDE {
            continue;
        }
        let cols = c_entries().filter(|(_, s)| *s == stride).map(|(c, _)| c);
        let (lo, hi) = cols.fold((usize::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
        let end = stride
            .checked_mul(run.count)
            .and_then(|x| x.checked_add(lo));
        if hi - lo >= stride || end.is_none_or(|e| e > num_vars) {
            continue;
        }
        let nnz = run.count * (entries.len() + irregular.len());
        blocks.push((lo, stride, run.count, nnz));
    }
    // Greedy by non-zeros: disjoint variable ranges, as many blocks as fit.
    let mut order: Vec<usize> = (0..blocks.len()).collect();
    order.sort_by_key(|&i| core::cmp::Reverse(blocks[i].3));
    let mut total = num_vars;
    let mut chosen: Vec<(usize, usize, usize)> = Vec::new();
    for i in order {
        let (lo, s, count, _) = blocks[i];
        let per = s.next_power_of_two() - s;
        let fit = count.min(nw.saturating_sub(total) / per.max(1));
        let overlaps = chosen
            .iter()
            .any(|&(l, s2, c)| lo < l + s2 * c && l < lo + s * fit);
        if fit >= 3 && !overlaps {
            total += per * fit;
            chosen.push((lo, s, fit));
        }
    }
    if chosen.is_empty() {
        return None;
    }
    chosen.sort_unstable();
    let mut map = vec![0u32; num_vars];
    let mut next = chosen.iter().peekable();
    let mut p = 0usize;
    let mut c = 0usize;
    while c < num_vars {
        if let Some(&&(lo, s, count)) = next.peek() {
            if lo == c {
                let stride = s.next_power_of_two();
                for t in 0..count {
                    for k in 0..s {
                        map[c + t * s + k] = (p + t * stride + k) as u32;
                    }
                }
                p += stride * count;
                c += s * count;
                next.next();
                continue;
            }
        }
        map[c] = p as u32;
        p += 1;
        c += 1;
    }
    (p <= nw).then_some(map)
}

impl StructuredEvaluator {
    /// Infers a description of the matrices (see the module documentation)
    /// and checks that it re-expands to them exactly. `None` if the shape
    /// has no family worth using or the check fails.
    pub fn infer(mats: &[SparseMatrix; 3]) -> Option<Self> {
        let num_rows = mats[0].num_rows();
        let num_cols = mats[0].num_cols();
        if mats
            .iter()
            .any(|m| m.num_rows() != num_rows || m.num_cols() != num_cols)
            || !num_rows.is_power_of_two()
            || !num_cols.is_power_of_two()
        {
            return None;
        }
        let n_x = num_rows.trailing_zeros() as usize;
        let n_y = num_cols.trailing_zeros() as usize;
        let rows = Rows::new(mats);
        // Bounds the inference's work on shapes with many near-repeats.
        let budget = INFER_BUDGET_PER_ROW * num_rows + (1 << 24);
        let mut work = 0usize;
        let mut families = Vec::new();
        let mut remainder_rows = Vec::new();
        let mut r = 0;
        while r < num_rows {
            if rows.is_empty(r) {
                r += 1;
                continue;
            }
            let mut best: Option<Family> = None;
            let mut tried: Vec<(usize, usize)> = Vec::new();
            let max_h = MAX_HEIGHT.min((num_rows - r) / 3);
            let start = work;
            for h in rows.candidates(r, max_h, &mut work) {
                if work > budget || work - start > ROW_BUDGET {
                    break;
                }
                // A multiple of a height already extended over two of its
                // blocks covers no more.
                if tried.iter().any(|&(h0, cov)| h % h0 == 0 && cov >= 2 * h) {
                    continue;
                }
                // The run with irregular entries, and the strict one (no
                // irregular entry, maybe fewer blocks) if they differ.
                let tolerant = rows.try_family(r, h, &mut work, true);
                let strict = match &tolerant {
                    Some(t) if t.irregular.contains(&true) => {
                        rows.try_family(r, h, &mut work, false)
                    }
                    _ => None,
                };
                for run in [tolerant, strict].into_iter().flatten() {
                    let count = run.count;
                    tried.push((h, count * h));
                    let (entries, irregular) = rows.entries(r, h, &run);
                    work += 4 * (entries.len() + irregular.len() * (count + 1));
                    let nnz = count * (entries.len() + irregular.len());
                    if best.as_ref().is_some_and(|b| b.nnz() >= nnz) {
                        continue;
                    }
                    let Some((plan, cost)) = Plan::new(n_x, n_y, r, h, count, &entries) else {
                        continue;
                    };
                    // An irregular entry costs about two multiplications per
                    // block, plus one per block and local row that has one.
                    let irr_rows = irregular
                        .windows(2)
                        .filter(|w| w[0].entry.row != w[1].entry.row)
                        .count()
                        + 1;
                    let cost = cost
                        + count
                            * (2 * irregular.len()
                                + if irregular.is_empty() { 0 } else { irr_rows });
                    if cost < WALK_COST * nnz {
                        best = Some(Family {
                            base_row: r,
                            height: h,
                            count,
                            entries,
                            irregular,
                            plan,
                        });
                    }
                }
            }
            match best {
                Some(f) => {
                    r += f.height * f.count;
                    families.push(f);
                }
                None => {
                    remainder_rows.push(r);
                    r += 1;
                }
            }
        }
        if families.is_empty() {
            return None;
        }
        let mut remainder = Vec::new();
        for r in remainder_rows {
            for (m, mat) in mats.iter().enumerate() {
                let (cols, coeffs) = mat.row_entries(r);
                for (c, k) in cols.iter().zip(coeffs) {
                    remainder.push((r as u32, m as u8, *c, *k));
                }
            }
        }
        let s = StructuredEvaluator {
            num_rows,
            num_cols,
            values: [
                mats[0].values().to_vec(),
                mats[1].values().to_vec(),
                mats[2].values().to_vec(),
            ],
            families,
            remainder,
        };
        if s.matches(mats) {
            Some(s)
        } else {
            None
        }
    }

    /// The families.
    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// The families, for tests that tamper with a description.
    #[cfg(test)]
    pub(crate) fn families_mut(&mut self) -> &mut Vec<Family> {
        &mut self.families
    }

    /// Non-zeros covered by families.
    pub fn family_nnz(&self) -> usize {
        self.families.iter().map(Family::nnz).sum()
    }

    /// Non-zeros in the explicit remainder.
    pub fn remainder_nnz(&self) -> usize {
        self.remainder.len()
    }

    /// Re-expands the description into (row, column, value) entries of A, B
    /// and C, sorted by row and column.
    pub fn expand(&self) -> [Vec<(usize, usize, Fr)>; 3] {
        let mut out: [Vec<(usize, usize, Fr)>; 3] = Default::default();
        for f in &self.families {
            for t in 0..f.count {
                let regular = f
                    .entries
                    .iter()
                    .map(|e| (e, (e.col as i64 + e.stride * t as i64) as usize));
                let irregular = f
                    .irregular
                    .iter()
                    .filter_map(|x| Some((&x.entry, *x.cols.get(t)? as usize)));
                for (e, col) in regular.chain(irregular) {
                    out[e.matrix as usize].push((
                        f.base_row + t * f.height + e.row as usize,
                        col,
                        self.values[e.matrix as usize][e.coeff as usize].to_fr(),
                    ));
                }
            }
        }
        for (r, m, c, k) in &self.remainder {
            out[*m as usize].push((
                *r as usize,
                *c as usize,
                self.values[*m as usize][*k as usize].to_fr(),
            ));
        }
        for m in out.iter_mut() {
            m.sort_by_key(|a| (a.0, a.1, a.2.to_bytes()));
        }
        out
    }

    /// Whether the description re-expands exactly to `mats` (same sizes,
    /// value tables and entries; every row covered once).
    pub fn matches(&self, mats: &[SparseMatrix; 3]) -> bool {
        let n = self.num_rows;
        if mats
            .iter()
            .zip(&self.values)
            .any(|(m, v)| m.num_rows() != n || m.num_cols() != self.num_cols || m.values() != v)
        {
            return false;
        }
        // owner[r]: 0 uncovered, f + 1 family f, u32::MAX remainder.
        let mut owner = vec![0u32; n];
        for (i, f) in self.families.iter().enumerate() {
            let end = f
                .height
                .checked_mul(f.count)
                .and_then(|x| x.checked_add(f.base_row));
            match end {
                Some(end) if end <= n && f.height > 0 => {}
                _ => return false,
            }
            for o in &mut owner[f.base_row..f.base_row + f.height * f.count] {
                if *o != 0 {
                    return false;
                }
                *o = i as u32 + 1;
            }
            let bad = |e: &BlockEntry| {
                e.row as usize >= f.height
                    || e.matrix > 2
                    || e.coeff as usize >= self.values[e.matrix as usize].len()
            };
            if f.entries.iter().any(bad)
                || f.irregular
                    .iter()
                    .any(|x| bad(&x.entry) || x.cols.len() != f.count)
            {
                return false;
            }
        }
        if self.remainder.windows(2).any(|w| w[0].0 > w[1].0) {
            return false;
        }
        let mut rem_at: Vec<(usize, usize)> = Vec::new(); // (start, end) per remainder row run
        let mut i = 0;
        while i < self.remainder.len() {
            let r = self.remainder[i].0 as usize;
            let mut j = i;
            while j < self.remainder.len() && self.remainder[j].0 as usize == r {
                j += 1;
            }
            if r >= n || owner[r] != 0 {
                return false;
            }
            owner[r] = u32::MAX;
            rem_at.push((i, j));
            i = j;
        }
        let actual = |r: usize| -> Vec<(u8, u32, u32)> {
            let mut v = Vec::new();
            for (m, mat) in mats.iter().enumerate() {
                let (cols, coeffs) = mat.row_entries(r);
                v.extend(cols.iter().zip(coeffs).map(|(c, k)| (m as u8, *c, *k)));
            }
            v.sort_unstable();
            v
        };
        let rows_ok = (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .all(|r| match owner[r] {
                0 => mats.iter().all(|m| m.row_entries(r).0.is_empty()),
                u32::MAX => true,
                o => {
                    let f = &self.families[o as usize - 1];
                    let t = (r - f.base_row) / f.height;
                    let j = ((r - f.base_row) % f.height) as u32;
                    let mut want = Vec::new();
                    for e in f.entries.iter().filter(|e| e.row == j) {
                        let c = e.col as i64 + e.stride * t as i64;
                        if c < 0 || c as usize >= self.num_cols {
                            return false;
                        }
                        want.push((e.matrix, c as u32, e.coeff));
                    }
                    for x in f.irregular.iter().filter(|x| x.entry.row == j) {
                        match x.cols.get(t) {
                            Some(c) if (*c as usize) < self.num_cols => {
                                want.push((x.entry.matrix, *c, x.entry.coeff))
                            }
                            _ => return false,
                        }
                    }
                    want.sort_unstable();
                    want == actual(r)
                }
            });
        let rem_ok = rem_at.par_iter().all(|&(i, j)| {
            let r = self.remainder[i].0 as usize;
            let mut want: Vec<(u8, u32, u32)> = self.remainder[i..j]
                .iter()
                .map(|(_, m, c, k)| (*m, *c, *k))
                .collect();
            want.sort_unstable();
            want == actual(r)
        });
        rows_ok && rem_ok
    }
}

impl MatrixEvaluator for StructuredEvaluator {
    fn evaluate(&self, rx: &[Fr], ry: &[Fr]) -> Option<[Fr; 3]> {
        if rx.len() >= usize::BITS as usize
            || ry.len() >= usize::BITS as usize
            || 1usize << rx.len() != self.num_rows
            || 1usize << ry.len() != self.num_cols
        {
            return None;
        }
        let bx = BitWeights::new(rx);
        let by = BitWeights::new(ry);
        let mut out = [Fe::ZERO; 3];
        let split = (!self.remainder.is_empty()
            || self.families.iter().any(|f| !f.irregular.is_empty()))
        .then(|| (SplitEq::new(rx), SplitEq::new(ry)));
        for f in &self.families {
            f.evaluate_into(&self.values, &bx, &by, split.as_ref(), &mut out);
        }
        if let Some((ex, ey)) = split.as_ref().filter(|_| !self.remainder.is_empty()) {
            let rem = self
                .remainder
                .par_chunks(REMAINDER_CHUNK)
                .map(|chunk| {
                    // Per row: sum of coeff * eq(ry, col) per matrix (1 and -1
                    // cost an addition), then one multiplication by eq(rx, row).
                    let mut acc = [Fe::ZERO; 3];
                    let mut row_acc = [Fe::ZERO; 3];
                    let mut row = chunk.first().map_or(0, |e| e.0);
                    for (r, m, c, k) in chunk {
                        if *r != row {
                            let er = ex.at(row as usize);
                            for (a, x) in acc.iter_mut().zip(&mut row_acc) {
                                *a += er * *x;
                                *x = Fe::ZERO;
                            }
                            row = *r;
                        }
                        let e = ey.at(*c as usize);
                        let slot = &mut row_acc[*m as usize];
                        match *k {
                            ONE => *slot += e,
                            MINUS_ONE => *slot -= e,
                            k => *slot += e * self.values[*m as usize][k as usize],
                        }
                    }
                    let er = ex.at(row as usize);
                    for (a, x) in acc.iter_mut().zip(&row_acc) {
                        *a += er * *x;
                    }
                    acc
                })
                .reduce(
                    || [Fe::ZERO; 3],
                    |a, b| [a[0] + b[0], a[1] + b[1], a[2] + b[2]],
                );
            for (o, v) in out.iter_mut().zip(rem) {
                *o += v;
            }
        }
        Some(out.map(|v| v.to_fr()))
    }
}
