//! Messages of the garbled-circuit layer: plain serde structs named by what
//! they carry. Receivers treat them as untrusted (lengths are checked where
//! they are consumed). Not audited.

use crate::Block;
use serde::{Deserialize, Serialize};

/// The garbler's tables for a circuit: two ciphertexts per AND gate (half
/// gates), in evaluation order, plus the label of the public constant wire.
///
/// XOR and NOT gates have no table (free-XOR).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarbledTables {
    /// `2 * and_gates` blocks: for each AND gate `[T_G, T_E]`.
    pub blocks: Vec<Block>,
    /// The evaluator's label of the constant-`false` wire (the constant `true`
    /// wire is its negation, free).
    pub constant_label: Block,
}

impl GarbledTables {
    /// Size in bytes on the wire (16 bytes per block).
    pub fn byte_len(&self) -> usize {
        16 * (self.blocks.len() + 1)
    }
}

/// Active labels of some input wires, in wire order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputLabels {
    /// One label per input bit.
    pub labels: Vec<Block>,
}

/// Decoding information: the point-and-permute bit (lsb) of each output
/// wire's zero-label. Output bit = lsb(active label) xor decoding bit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecodingInfo {
    /// One bit per output wire.
    pub bits: Vec<bool>,
}

impl DecodingInfo {
    /// Size in bytes on the wire (bits packed).
    pub fn byte_len(&self) -> usize {
        self.bits.len().div_ceil(8)
    }
}
