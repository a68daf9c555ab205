//! AES-based primitives of the extension: the PRG expanding base-OT seeds
//! (AES-128 in counter mode) and the correlation-robust hash (fixed-key AES).
//!
//! The `aes` crate detects AES-NI at run time and encrypts eight blocks in
//! parallel; everything here feeds it long slices.

use crate::block::Block;
use ::aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use ::aes::Aes128Enc;

pub(crate) type AesBlock = GenericArray<u8, ::aes::cipher::consts::U16>;

fn to_block(x: u128) -> AesBlock {
    AesBlock::from(x.to_le_bytes())
}

fn from_block(b: &AesBlock) -> u128 {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(b.as_slice());
    u128::from_le_bytes(bytes)
}

/// AES-128 in counter mode: block `n` of the stream keyed by `k` is
/// `AES_k(n)` (the counter as a little-endian 128-bit integer).
#[derive(Clone)]
pub(crate) struct Prg {
    cipher: Aes128Enc,
}

impl Prg {
    pub(crate) fn new(key: u128) -> Self {
        Prg {
            cipher: Aes128Enc::new(&key.to_le_bytes().into()),
        }
    }

    /// Writes stream blocks `counter .. counter + out.len()` into `out`;
    /// `scratch` must be at least as long as `out`.
    pub(crate) fn fill(&self, counter: u64, out: &mut [u128], scratch: &mut [AesBlock]) {
        let scratch = &mut scratch[..out.len()];
        for (i, s) in scratch.iter_mut().enumerate() {
            *s = to_block((counter + i as u64) as u128);
        }
        self.cipher.encrypt_blocks(scratch);
        for (o, s) in out.iter_mut().zip(scratch.iter()) {
            *o = from_block(s);
        }
    }
}

/// Key of the fixed-key permutation `pi`: an arbitrary public constant (any
/// public key will do in the ideal-permutation model).
const FIXED_KEY: u128 = 0x6f74_2d6b_6f73_2d66_6978_6564_2d6b_6579;

/// Tweakable correlation-robust hash `H(i, x) = pi(x ^ i) ^ x ^ i` with `pi`
/// fixed-key AES-128 (the Matyas-Meyer-Oseas construction with the tweak
/// xored into the input).
///
/// In the extension the inputs `x` are rows `t_i` (or `t_i ^ Delta`) that are
/// pseudorandom and not chosen by either party, and the tweak `i` is the
/// global OT index; this is the setting in which MMO is correlation robust in
/// the ideal-permutation model. (With adversarially chosen inputs the tweak
/// can be cancelled, `H(i, x) = H(j, x ^ i ^ j)`, see Guo-Katz-Wang-Yu,
/// CRYPTO 2020; that attack does not apply here.)
#[derive(Clone)]
pub(crate) struct CrHash {
    pi: Aes128Enc,
}

impl CrHash {
    pub(crate) fn new() -> Self {
        CrHash {
            pi: Aes128Enc::new(&FIXED_KEY.to_le_bytes().into()),
        }
    }

    /// `x[k] <- H(tweak + k, x[k])`, in place.
    pub(crate) fn hash_in_place(&self, tweak: u64, x: &mut [Block]) {
        const CHUNK: usize = 64;
        let mut buf = [AesBlock::default(); CHUNK];
        for (c, xs) in x.chunks_mut(CHUNK).enumerate() {
            let base = tweak + (c * CHUNK) as u64;
            for (k, (xv, b)) in xs.iter_mut().zip(buf.iter_mut()).enumerate() {
                xv.0 ^= (base + k as u64) as u128;
                *b = to_block(xv.0);
            }
            self.pi.encrypt_blocks(&mut buf[..xs.len()]);
            for (xv, b) in xs.iter_mut().zip(buf.iter()) {
                xv.0 ^= from_block(b);
            }
        }
    }

    /// The sender's pair: `out[k] = [H(tweak + k, q[k]), H(tweak + k, q[k] ^ delta)]`.
    pub(crate) fn hash_pairs(&self, tweak: u64, q: &[Block], delta: u128, out: &mut [[Block; 2]]) {
        const CHUNK: usize = 32;
        let mut buf = [AesBlock::default(); 2 * CHUNK];
        let mut ys = [0u128; 2 * CHUNK];
        for (c, (qs, os)) in q.chunks(CHUNK).zip(out.chunks_mut(CHUNK)).enumerate() {
            let base = tweak + (c * CHUNK) as u64;
            for (k, qv) in qs.iter().enumerate() {
                let y0 = qv.0 ^ (base + k as u64) as u128;
                let y1 = y0 ^ delta;
                ys[2 * k] = y0;
                ys[2 * k + 1] = y1;
                buf[2 * k] = to_block(y0);
                buf[2 * k + 1] = to_block(y1);
            }
            self.pi.encrypt_blocks(&mut buf[..2 * qs.len()]);
            for (k, o) in os.iter_mut().enumerate() {
                *o = [
                    Block(from_block(&buf[2 * k]) ^ ys[2 * k]),
                    Block(from_block(&buf[2 * k + 1]) ^ ys[2 * k + 1]),
                ];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_known_answer() {
        // FIPS-197 Appendix C.1 (AES-128), bytes read as little-endian u128.
        let key = u128::from_le_bytes([
            0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
            0x0e, 0x0f,
        ]);
        let pt = u128::from_le_bytes([
            0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
            0xee, 0xff,
        ]);
        let ct = [
            0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30, 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4,
            0xc5, 0x5a,
        ];
        let cipher = Aes128Enc::new(&key.to_le_bytes().into());
        let mut b = to_block(pt);
        cipher.encrypt_block(&mut b);
        assert_eq!(b.as_slice(), &ct);
    }

    #[test]
    fn prg_is_a_consistent_stream() {
        let prg = Prg::new(5);
        let mut scratch = vec![AesBlock::default(); 300];
        let mut whole = vec![0u128; 300];
        prg.fill(10, &mut whole, &mut scratch);
        let mut part = vec![0u128; 100];
        prg.fill(110, &mut part, &mut scratch);
        assert_eq!(&whole[100..200], &part[..]);
    }

    #[test]
    fn hash_pairs_matches_hash_many() {
        let h = CrHash::new();
        let q: Vec<Block> = (0..100u128).map(|i| Block(i * 0x1234_5678_9abc)).collect();
        let delta = 0xdead_beef_u128 << 70 | 1;
        let mut pairs = vec![[Block::ZERO; 2]; 100];
        h.hash_pairs(77, &q, delta, &mut pairs);
        let mut h0 = q.clone();
        h.hash_in_place(77, &mut h0);
        let mut h1: Vec<Block> = q.iter().map(|x| Block(x.0 ^ delta)).collect();
        h.hash_in_place(77, &mut h1);
        for k in 0..100 {
            assert_eq!(pairs[k], [h0[k], h1[k]]);
        }
        assert_ne!(h0[0], h0[1]);
    }
}
