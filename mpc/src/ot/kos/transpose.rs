//! 128x128 bit-matrix transpose.
//!
//! Eklundh's recursive block swap: for `s = 64, 32, ..., 1`, swap the
//! off-diagonal `s x s` blocks of every `2s x 2s` block. A row is a `u128`,
//! held as two `u64` halves (`lo`, `hi`) so that every level below 64 works on
//! independent `u64` lanes, contiguous in memory, which the compiler
//! vectorises.

use crate::block::Block;

/// Transposes the 128x128 bit matrix whose row `i` is `m[i]` (bit `j` of row
/// `i` is `(m[i].0 >> j) & 1`), in place.
pub(crate) fn transpose_128(m: &mut [Block; 128]) {
    let mut w = [0u64; 256];
    for (i, r) in m.iter().enumerate() {
        w[2 * i] = r.0 as u64;
        w[2 * i + 1] = (r.0 >> 64) as u64;
    }
    transpose_words(&mut w);
    for (i, r) in m.iter_mut().enumerate() {
        r.0 = (w[2 * i] as u128) | ((w[2 * i + 1] as u128) << 64);
    }
}

/// The transpose on the `(lo, hi)` word layout: row `i` is
/// `w[2i] | w[2i+1] << 64`.
pub(crate) fn transpose_words(w: &mut [u64; 256]) {
    // s = 64: swap hi of row i with lo of row i + 64.
    {
        let (top, bottom) = w.split_at_mut(128);
        for i in 0..64 {
            core::mem::swap(&mut top[2 * i + 1], &mut bottom[2 * i]);
        }
    }
    level(w, 32, 0x0000_0000_ffff_ffff);
    level(w, 16, 0x0000_ffff_0000_ffff);
    level(w, 8, 0x00ff_00ff_00ff_00ff);
    level(w, 4, 0x0f0f_0f0f_0f0f_0f0f);
    level(w, 2, 0x3333_3333_3333_3333);
    level(w, 1, 0x5555_5555_5555_5555);
}

/// One level: for rows `i` with bit `s` clear, exchange the bits of row `i`
/// at positions with bit `s` set and those of row `i + s` with it clear.
#[inline(always)]
fn level(w: &mut [u64; 256], s: usize, mask: u64) {
    for chunk in w.chunks_exact_mut(4 * s) {
        let (a, b) = chunk.split_at_mut(2 * s);
        for (x, y) in a.iter_mut().zip(b.iter_mut()) {
            let t = ((*x >> s) ^ *y) & mask;
            *y ^= t;
            *x ^= t << s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha12Rng;
    use rand_core::{RngCore, SeedableRng};

    fn naive(m: &[Block; 128]) -> [Block; 128] {
        let mut out = [Block::ZERO; 128];
        for (i, row) in m.iter().enumerate() {
            for (j, o) in out.iter_mut().enumerate() {
                o.0 |= ((row.0 >> j) & 1) << i;
            }
        }
        out
    }

    #[test]
    fn matches_naive_transpose() {
        let mut rng = ChaCha12Rng::seed_from_u64(9);
        for _ in 0..20 {
            let mut m = [Block::ZERO; 128];
            for r in m.iter_mut() {
                *r = Block((rng.next_u64() as u128) << 64 | rng.next_u64() as u128);
            }
            let expected = naive(&m);
            let orig = m;
            transpose_128(&mut m);
            assert_eq!(m, expected);
            transpose_128(&mut m);
            assert_eq!(m, orig);
        }
        let mut id = [Block::ZERO; 128];
        for (i, r) in id.iter_mut().enumerate() {
            *r = Block(1u128 << i);
        }
        let copy = id;
        transpose_128(&mut id);
        assert_eq!(id, copy);
    }
}
