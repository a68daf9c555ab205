//! Sparse matrices of an R1CS shape in Spartan's padded layout, and the
//! flat evaluator of their multilinear extensions.
//!
//! Columns are those of z = (w, 0.., 1, x, 0..) of length 2 n_w: the witness
//! in the first half (padded with zeros to n_w), then the constant 1, the
//! public inputs and zeros. A matrix is stored once per shape in
//! compressed-row form with u32 column indices and coefficient indices into
//! a table of its distinct values, where 0 means 1 and 1 means -1 (the
//! common coefficients cost an addition, not a multiplication).

use crate::fe::Fe;
use crate::field::Fr;
use crate::hyrax::mle::eq_table_fe;
use rayon::prelude::*;

/// A sparse matrix in compressed-row form.
#[derive(Clone, Debug)]
pub struct SparseMatrix {
    num_cols: usize,
    row_ptr: Vec<u32>,
    cols: Vec<u32>,
    coeffs: Vec<u32>,
    values: Vec<Fe>,
}

pub(super) const ONE: u32 = 0;
pub(super) const MINUS_ONE: u32 = 1;

impl SparseMatrix {
    /// Builds the matrix from (row, column, value) entries (any order,
    /// repeated positions are summed by the consumers). `None` if an index
    /// does not fit the sizes or u32.
    pub fn new(
        num_rows: usize,
        num_cols: usize,
        entries: impl Iterator<Item = (usize, usize, Fr)>,
    ) -> Option<Self> {
        if num_rows >= u32::MAX as usize || num_cols >= u32::MAX as usize {
            return None;
        }
        let mut rows: Vec<(u32, u32, Fr)> = Vec::new();
        for (r, c, v) in entries {
            if r >= num_rows || c >= num_cols {
                return None;
            }
            if v != Fr::ZERO {
                rows.push((r as u32, c as u32, v));
            }
        }
        rows.sort_by_key(|e| (e.0, e.1));
        let mut values = vec![Fe::ONE, -Fe::ONE];
        let mut index = std::collections::HashMap::<[u8; 32], u32>::new();
        index.insert(Fr::ONE.to_bytes(), ONE);
        index.insert((-Fr::ONE).to_bytes(), MINUS_ONE);
        let mut row_ptr = vec![0u32; num_rows + 1];
        let mut cols = Vec::with_capacity(rows.len());
        let mut coeffs = Vec::with_capacity(rows.len());
        for (r, c, v) in &rows {
            row_ptr[*r as usize + 1] += 1;
            cols.push(*c);
            let next = values.len() as u32;
            let k = *index.entry(v.to_bytes()).or_insert(next);
            if k == next {
                values.push(Fe::from_fr(v));
            }
            coeffs.push(k);
        }
        for i in 0..num_rows {
            row_ptr[i + 1] += row_ptr[i];
        }
        Some(SparseMatrix {
            num_cols,
            row_ptr,
            cols,
            coeffs,
            values,
        })
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.row_ptr.len() - 1
    }

    /// Number of columns.
    pub fn num_cols(&self) -> usize {
        self.num_cols
    }

    /// Number of non-zero entries.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// Number of non-zero entries in row `r` (0 beyond the last row).
    pub fn row_nnz(&self, r: usize) -> usize {
        match (self.row_ptr.get(r), self.row_ptr.get(r + 1)) {
            (Some(lo), Some(hi)) => (hi - lo) as usize,
            _ => 0,
        }
    }

    /// Row `r`'s column indices and coefficient indices.
    pub(crate) fn row_entries(&self, r: usize) -> (&[u32], &[u32]) {
        let lo = self.row_ptr[r] as usize;
        let hi = self.row_ptr[r + 1] as usize;
        (&self.cols[lo..hi], &self.coeffs[lo..hi])
    }

    /// The table of distinct coefficients (index 0 is 1, index 1 is -1).
    pub(crate) fn values(&self) -> &[Fe] {
        &self.values
    }

    /// The transpose (counting sort by column; row indices stay ascending
    /// within each column).
    pub fn transpose(&self) -> SparseMatrix {
        let nr = self.num_rows();
        let nc = self.num_cols;
        let mut col_ptr = vec![0u32; nc + 1];
        for c in &self.cols {
            col_ptr[*c as usize + 1] += 1;
        }
        for i in 0..nc {
            col_ptr[i + 1] += col_ptr[i];
        }
        let mut next: Vec<u32> = col_ptr[..nc].to_vec();
        let mut rows = vec![0u32; self.nnz()];
        let mut coeffs = vec![0u32; self.nnz()];
        for r in 0..nr {
            let lo = self.row_ptr[r] as usize;
            let hi = self.row_ptr[r + 1] as usize;
            for (c, k) in self.cols[lo..hi].iter().zip(&self.coeffs[lo..hi]) {
                let pos = &mut next[*c as usize];
                rows[*pos as usize] = r as u32;
                coeffs[*pos as usize] = *k;
                *pos += 1;
            }
        }
        SparseMatrix {
            num_cols: nr,
            row_ptr: col_ptr,
            cols: rows,
            coeffs,
            values: self.values.clone(),
        }
    }

    /// sum over row `r` of coeff * v[col] (v must cover every column).
    pub(crate) fn row_dot(&self, r: usize, v: &[Fe]) -> Fe {
        let lo = self.row_ptr[r] as usize;
        let hi = self.row_ptr[r + 1] as usize;
        let mut acc = Fe::ZERO;
        let mut other = Fe::ZERO;
        for (c, k) in self.cols[lo..hi].iter().zip(&self.coeffs[lo..hi]) {
            let x = v[*c as usize];
            match *k {
                ONE => acc += x,
                MINUS_ONE => acc -= x,
                k => other += self.values[k as usize] * x,
            }
        }
        acc + other
    }

    /// M v, padded with zeros to `len` rows.
    pub fn mul_vec(&self, v: &[Fe], len: usize) -> Vec<Fe> {
        let mut out: Vec<Fe> = (0..self.num_rows())
            .into_par_iter()
            .with_min_len(1024)
            .map(|r| self.row_dot(r, v))
            .collect();
        out.resize(len.max(out.len()), Fe::ZERO);
        out
    }

    /// Adds e^T M into `out`: `out[col] += e[row] * coeff`.
    pub fn add_transposed(&self, e: &[Fe], out: &mut [Fe]) {
        for (r, er) in e.iter().enumerate().take(self.num_rows()) {
            let er = *er;
            let lo = self.row_ptr[r] as usize;
            let hi = self.row_ptr[r + 1] as usize;
            for (c, k) in self.cols[lo..hi].iter().zip(&self.coeffs[lo..hi]) {
                let o = &mut out[*c as usize];
                match *k {
                    ONE => *o += er,
                    MINUS_ONE => *o -= er,
                    k => *o += er * self.values[k as usize],
                }
            }
        }
    }

    /// The bilinear form `sum over (r, c) of coeff * ex[r] * ey[c]`.
    pub fn bilinear(&self, ex: &[Fe], ey: &[Fe]) -> Fe {
        (0..self.num_rows())
            .into_par_iter()
            .with_min_len(4096)
            .map(|r| ex[r] * self.row_dot(r, ey))
            .sum()
    }
}

/// eq(r, .) as two half tables: eq(r, i) = hi[i >> k] * lo[i & (2^k - 1)].
pub(super) struct SplitEq {
    hi: Vec<Fe>,
    lo: Vec<Fe>,
    k: usize,
    mask: usize,
}

impl SplitEq {
    pub(super) fn new(r: &[Fr]) -> Self {
        let k = r.len() / 2;
        let (h, l) = r.split_at(r.len() - k);
        SplitEq {
            hi: eq_table_fe(h),
            lo: eq_table_fe(l),
            k,
            mask: (1 << k) - 1,
        }
    }

    #[inline(always)]
    pub(super) fn at(&self, i: usize) -> Fe {
        self.hi[i >> self.k] * self.lo[i & self.mask]
    }
}

impl SparseMatrix {
    /// [`SparseMatrix::bilinear`] with eq(rx, .) and eq(ry, .) as split
    /// tables of about sqrt size: two multiplications per non-empty row and
    /// one per entry, but no table of the matrix's size to build.
    fn bilinear_split(&self, ex: &SplitEq, ey: &SplitEq) -> Fe {
        (0..self.num_rows())
            .into_par_iter()
            .with_min_len(4096)
            .map(|r| {
                let lo = self.row_ptr[r] as usize;
                let hi = self.row_ptr[r + 1] as usize;
                if lo == hi {
                    return Fe::ZERO;
                }
                let mut acc = Fe::ZERO;
                let mut other = Fe::ZERO;
                for (c, k) in self.cols[lo..hi].iter().zip(&self.coeffs[lo..hi]) {
                    let e = ey.at(*c as usize);
                    match *k {
                        ONE => acc += e,
                        MINUS_ONE => acc -= e,
                        k => other += self.values[k as usize] * e,
                    }
                }
                ex.at(r) * (acc + other)
            })
            .sum()
    }
}

/// Evaluates A~, B~, C~ at a point (rx, ry).
pub trait MatrixEvaluator: Send + Sync {
    /// (A~(rx, ry), B~(rx, ry), C~(rx, ry)), or `None` if the point does
    /// not have the shape's dimensions.
    fn evaluate(&self, rx: &[Fr], ry: &[Fr]) -> Option<[Fr; 3]>;
}

/// The flat evaluator: walks every non-zero once (the reference; the
/// structured evaluator for circuits of repeated blocks comes later).
#[derive(Clone, Debug)]
pub struct FlatEvaluator {
    /// A, B, C.
    pub(crate) mats: [SparseMatrix; 3],
}

impl FlatEvaluator {
    /// A, B and C.
    pub fn matrices(&self) -> &[SparseMatrix; 3] {
        &self.mats
    }
}

impl MatrixEvaluator for FlatEvaluator {
    fn evaluate(&self, rx: &[Fr], ry: &[Fr]) -> Option<[Fr; 3]> {
        let [a, b, c] = &self.mats;
        if rx.len() >= usize::BITS as usize
            || ry.len() >= usize::BITS as usize
            || 1usize << rx.len() != a.num_rows()
            || 1usize << ry.len() != a.num_cols()
        {
            return None;
        }
        let ex = SplitEq::new(rx);
        let ey = SplitEq::new(ry);
        Some([
            a.bilinear_split(&ex, &ey).to_fr(),
            b.bilinear_split(&ex, &ey).to_fr(),
            c.bilinear_split(&ex, &ey).to_fr(),
        ])
    }
}
