//! The tweakable correlation-robust hash used by half-gates garbling, built
//! from fixed-key AES.
//!
//! `H(x, i) = pi(sigma(x) xor i) xor sigma(x) xor i`, where `pi` is AES-128
//! under a fixed public key (modelled as a random permutation) and `sigma` is
//! the linear orthomorphism `sigma(x_L || x_R) = (x_L xor x_R) || x_L` of
//! Guo, Katz, Wang and Yu, "Efficient and Secure Multiparty Computation from
//! Fixed-Key Block Ciphers" (IEEE S&P 2020), Section 7 (MMO-style TCCR hash in
//! the random-permutation model). The tweak `i` is the gate index, unique per
//! hash call within a garbling session.
//!
//! For throughput, [`FixedKeyHash::hash_many`] hashes a whole slice with one
//! `encrypt_blocks` call per chunk, so the AES-NI backend (autodetected by the
//! `aes` crate) pipelines eight blocks at a time.
//!
//! Threat model: semi-honest garbling. Not audited.

use crate::Block;
use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

/// The fixed, public AES key (any public constant works; this one names the
/// scheme and version so a change of hash is a change of key).
pub const FIXED_KEY: [u8; 16] = *b"zkagg-tccr-gc-v1";

/// Blocks hashed per `encrypt_blocks` call in [`FixedKeyHash::hash_many`].
const CHUNK: usize = 32;

/// The linear orthomorphism `sigma(x_L || x_R) = (x_L xor x_R) || x_L`
/// (x_L is the high 64 bits).
#[inline(always)]
pub fn sigma(x: u128) -> u128 {
    let hi = (x >> 64) as u64;
    let lo = x as u64;
    (((hi ^ lo) as u128) << 64) | hi as u128
}

/// Fixed-key AES tweakable circular correlation-robust hash.
#[derive(Clone)]
pub struct FixedKeyHash {
    aes: Aes128,
}

impl core::fmt::Debug for FixedKeyHash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FixedKeyHash")
    }
}

impl Default for FixedKeyHash {
    fn default() -> Self {
        Self::new()
    }
}

impl FixedKeyHash {
    /// The hash keyed with [`FIXED_KEY`].
    pub fn new() -> Self {
        FixedKeyHash {
            aes: Aes128::new(&FIXED_KEY.into()),
        }
    }

    /// `H(x, tweak)` for one block.
    pub fn hash(&self, x: Block, tweak: u128) -> Block {
        let mut b = [x];
        self.hash_many(&mut b, &[tweak]);
        b[0]
    }

    /// Replaces each `xs[k]` by `H(xs[k], tweaks[k])`. Extra elements of the
    /// longer slice are left alone (callers pass equal lengths).
    #[inline]
    pub fn hash_many(&self, xs: &mut [Block], tweaks: &[u128]) {
        for (xc, tc) in xs.chunks_mut(CHUNK).zip(tweaks.chunks(CHUNK)) {
            let n = xc.len().min(tc.len());
            let mut buf = [aes::Block::default(); CHUNK];
            for k in 0..n {
                let p = sigma(xc[k].0) ^ tc[k];
                xc[k].0 = p;
                buf[k] = p.to_le_bytes().into();
            }
            self.aes.encrypt_blocks(&mut buf[..n]);
            for k in 0..n {
                xc[k].0 ^= u128::from_le_bytes(buf[k].into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_is_an_orthomorphism_on_samples() {
        // sigma and x -> sigma(x) xor x are both linear bijections; check the
        // explicit inverses on a few values.
        for x in [
            0u128,
            1,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        ] {
            let s = sigma(x);
            let (sh, sl) = ((s >> 64) as u64, s as u64);
            // x_L = sl, x_R = sh xor sl
            let back = ((sl as u128) << 64) | (sh ^ sl) as u128;
            assert_eq!(back, x);
            let t = s ^ x; // = x_R || (x_L xor x_R)
            assert_eq!((t >> 64) as u64, x as u64);
        }
    }

    #[test]
    fn batch_matches_single() {
        let h = FixedKeyHash::new();
        let xs: Vec<Block> = (0..77u128)
            .map(|i| Block(i * 0x9e37_79b9_7f4a_7c15))
            .collect();
        let tw: Vec<u128> = (0..77u128).map(|i| i * 3 + 1).collect();
        let mut ys = xs.clone();
        h.hash_many(&mut ys, &tw);
        for k in 0..xs.len() {
            assert_eq!(ys[k], h.hash(xs[k], tw[k]));
        }
        // Tweak separation and determinism.
        assert_ne!(h.hash(Block(5), 0), h.hash(Block(5), 1));
        assert_eq!(h.hash(Block(5), 0), FixedKeyHash::new().hash(Block(5), 0));
    }
}
