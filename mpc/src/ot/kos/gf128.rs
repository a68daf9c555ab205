//! Arithmetic in GF(2^128) = GF(2)[X] / (X^128 + X^7 + X^2 + X + 1), for the
//! KOS consistency check. Bit `k` of a `u128` is the coefficient of `X^k`.
//!
//! Portable (the crate forbids `unsafe`, so no `pclmulqdq` intrinsics): the
//! per-row work of the check is batched with the method of the Four Russians
//! ([`CheckAccumulator`]), so the 128x128 multiplication below runs once per
//! batch and only needs to be reasonably fast.

use crate::block::Block;

/// Carry-less product of two 64-bit polynomials, with a 4-bit window.
#[inline]
fn clmul64(a: u64, b: u64) -> u128 {
    let mut table = [0u128; 16];
    let a = a as u128;
    for i in 1..16usize {
        // table[i] = a * i, built from the lowest set bit.
        let low = i & i.wrapping_neg();
        table[i] = table[i ^ low] ^ (a << low.trailing_zeros());
    }
    let mut acc = 0u128;
    for nibble in (0..16).rev() {
        acc = (acc << 4) ^ table[((b >> (4 * nibble)) & 0xf) as usize];
    }
    acc
}

/// Carry-less 128x128 -> 256-bit product `(hi, lo)`, Karatsuba on 64-bit
/// halves.
pub(crate) fn clmul128(a: u128, b: u128) -> (u128, u128) {
    let (a0, a1) = (a as u64, (a >> 64) as u64);
    let (b0, b1) = (b as u64, (b >> 64) as u64);
    let lo = clmul64(a0, b0);
    let hi = clmul64(a1, b1);
    let mid = clmul64(a0 ^ a1, b0 ^ b1) ^ lo ^ hi;
    (hi ^ (mid >> 64), lo ^ (mid << 64))
}

/// Reduces `hi * X^128 + lo` modulo `X^128 + X^7 + X^2 + X + 1`.
pub(crate) fn reduce(hi: u128, lo: u128) -> u128 {
    // X^128 = X^7 + X^2 + X + 1; the bits shifted out of hi fold once more.
    let spill = (hi >> 127) ^ (hi >> 126) ^ (hi >> 121);
    let h = hi ^ spill;
    lo ^ h ^ (h << 1) ^ (h << 2) ^ (h << 7)
}

/// Product in GF(2^128).
pub(crate) fn mul(a: u128, b: u128) -> u128 {
    let (hi, lo) = clmul128(a, b);
    reduce(hi, lo)
}

/// Accumulates `sum_i chi_i * row_i` over many rows, fed as 128x128 blocks in
/// column form (before transposition).
///
/// With `c_j` the column words of a block (bit `k` of `c_j` is bit `j` of row
/// `k`), `sum_k chi_k * row_k = sum_j X^j * y_j` where
/// `y_j = xor of chi_k over the k with bit k of c_j set`. The `y_j` are a
/// 128x128 matrix product over GF(2), computed with the method of the Four
/// Russians: per group of 4 rows, a table of the 16 xors of their `chi`s
/// (all 32 tables, 8 KiB, stay in L1), then per column one lookup per
/// nibble, accumulated in a register. About 36 128-bit xors per row instead
/// of a 128x128 carry-less multiplication.
pub(crate) struct CheckAccumulator {
    y: [u128; 128],
    tables: [[u128; 16]; 32],
}

impl CheckAccumulator {
    pub(crate) fn new() -> Self {
        CheckAccumulator {
            y: [0; 128],
            tables: [[0; 16]; 32],
        }
    }

    /// Adds `sum_k chi[k] * row_k` for the 128 rows whose columns are `cols`.
    pub(crate) fn absorb(&mut self, cols: &[Block; 128], chi: &[u128; 128]) {
        for (t, chi4) in self.tables.iter_mut().zip(chi.chunks_exact(4)) {
            // t[x] = xor of chi4[l] over the bits l of x.
            t[0] = 0;
            t[1] = chi4[0];
            t[2] = chi4[1];
            t[3] = chi4[1] ^ chi4[0];
            for x in 0..4 {
                t[4 + x] = t[x] ^ chi4[2];
            }
            for x in 0..8 {
                t[8 + x] = t[x] ^ chi4[3];
            }
        }
        let (lo_tables, hi_tables) = self.tables.split_at(16);
        for (y, c) in self.y.iter_mut().zip(cols.iter()) {
            let lo = c.0 as u64;
            let hi = (c.0 >> 64) as u64;
            let mut acc = 0u128;
            for (n, t) in lo_tables.iter().enumerate() {
                acc ^= t[((lo >> (4 * n)) & 15) as usize];
            }
            for (n, t) in hi_tables.iter().enumerate() {
                acc ^= t[((hi >> (4 * n)) & 15) as usize];
            }
            *y ^= acc;
        }
    }

    /// The accumulated sum, reduced.
    pub(crate) fn finish(&self) -> u128 {
        let mut lo = self.y[0];
        let mut hi = 0u128;
        for (j, y) in self.y.iter().enumerate().skip(1) {
            lo ^= y << j;
            hi ^= y >> (128 - j);
        }
        reduce(hi, lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ot::kos::transpose::transpose_128;
    use proptest::prelude::*;

    fn clmul_naive(a: u128, b: u128) -> (u128, u128) {
        let (mut hi, mut lo) = (0u128, 0u128);
        for i in 0..128 {
            if (b >> i) & 1 == 1 {
                lo ^= a << i;
                if i > 0 {
                    hi ^= a >> (128 - i);
                }
            }
        }
        (hi, lo)
    }

    fn reduce_naive(hi: u128, lo: u128) -> u128 {
        // Fold bit by bit from the top: X^(128+k) = X^k * (X^7 + X^2 + X + 1).
        let (mut hi, mut lo) = (hi, lo);
        for k in (0..128).rev() {
            if (hi >> k) & 1 == 1 {
                hi ^= 1 << k;
                for t in [7u32, 2, 1, 0] {
                    let pos = k + t;
                    if pos >= 128 {
                        hi ^= 1 << (pos - 128);
                    } else {
                        lo ^= 1 << pos;
                    }
                }
            }
        }
        assert_eq!(hi, 0);
        lo
    }

    proptest! {
        #[test]
        fn clmul_matches_naive(a in any::<u128>(), b in any::<u128>()) {
            prop_assert_eq!(clmul128(a, b), clmul_naive(a, b));
        }

        #[test]
        fn reduce_matches_naive(hi in any::<u128>(), lo in any::<u128>()) {
            prop_assert_eq!(reduce(hi, lo), reduce_naive(hi, lo));
        }

        #[test]
        fn field_laws(a in any::<u128>(), b in any::<u128>(), c in any::<u128>()) {
            prop_assert_eq!(mul(a, b), mul(b, a));
            prop_assert_eq!(mul(a, b ^ c), mul(a, b) ^ mul(a, c));
            prop_assert_eq!(mul(mul(a, b), c), mul(a, mul(b, c)));
            prop_assert_eq!(mul(a, 1), a);
        }

        #[test]
        fn accumulator_matches_rowwise_products(
            rows in prop::collection::vec(any::<u128>().prop_map(Block), 256),
            chis in prop::collection::vec(any::<u128>(), 256),
        ) {
            let mut acc = CheckAccumulator::new();
            let mut expected = 0u128;
            for (rb, cb) in rows.chunks_exact(128).zip(chis.chunks_exact(128)) {
                let mut cols: [Block; 128] = rb.try_into().unwrap();
                for (r, c) in rb.iter().zip(cb) {
                    expected ^= mul(r.0, *c);
                }
                transpose_128(&mut cols);
                acc.absorb(&cols, cb.try_into().unwrap());
            }
            prop_assert_eq!(acc.finish(), expected);
        }
    }
}
