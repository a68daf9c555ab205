//! A 128-bit block: the unit of OT messages and wire labels.

use core::ops::{BitAnd, BitXor, BitXorAssign};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

/// A 128-bit value, used for wire labels, OT messages and PRG seeds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, Zeroize)]
pub struct Block(pub u128);

impl Block {
    /// The all-zero block.
    pub const ZERO: Block = Block(0);
    /// The all-one block.
    pub const ONES: Block = Block(u128::MAX);

    /// Samples a uniformly random block.
    pub fn random<R: RngCore + ?Sized>(rng: &mut R) -> Block {
        let mut b = [0u8; 16];
        rng.fill_bytes(&mut b);
        Block(u128::from_le_bytes(b))
    }

    /// Little-endian bytes of the block.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_le_bytes()
    }

    /// Block from little-endian bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Block {
        Block(u128::from_le_bytes(bytes))
    }

    /// The least significant bit (the point-and-permute bit of a wire label).
    pub fn lsb(self) -> bool {
        self.0 & 1 == 1
    }

    /// Returns `self` if `bit` is set, zero otherwise (branch-free).
    pub fn select(self, bit: bool) -> Block {
        Block(self.0 & (0u128.wrapping_sub(bit as u128)))
    }
}

impl BitXor for Block {
    type Output = Block;
    fn bitxor(self, rhs: Block) -> Block {
        Block(self.0 ^ rhs.0)
    }
}

impl BitXorAssign for Block {
    fn bitxor_assign(&mut self, rhs: Block) {
        self.0 ^= rhs.0;
    }
}

impl BitAnd for Block {
    type Output = Block;
    fn bitand(self, rhs: Block) -> Block {
        Block(self.0 & rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_and_bytes_roundtrip() {
        let b = Block(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
        assert_eq!(b.select(true), b);
        assert_eq!(b.select(false), Block::ZERO);
        assert_eq!(Block::from_bytes(b.to_bytes()), b);
        assert!(b.lsb());
        assert_eq!(b ^ b, Block::ZERO);
    }
}
