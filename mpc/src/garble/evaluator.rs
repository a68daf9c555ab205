//! The evaluator backend: evaluates half-gates garbled tables.
//!
//! Zahur, Rosulek and Evans (EUROCRYPT 2015), Figure 2. Holding one label per
//! wire, for an AND gate with active labels `A`, `B` (colours `sa`, `sb`) and
//! tables `T_G, T_E` it computes
//!
//! ```text
//! W_G = H(A, 2j) xor sa*T_G      W_E = H(B, 2j+1) xor sb*(T_E xor A)      C = W_G xor W_E
//! ```
//!
//! Tables come from an untrusted peer: a truncated table stream is an error at
//! the first AND gate that finds no table, and leftover blocks are an error in
//! [`Evaluator::finish`]. Never panics on malformed input.
//!
//! Threat model: semi-honest. Not audited.

use super::error::GarbleError;
use super::fancy::Fancy;
use super::hash::FixedKeyHash;
use super::msgs::{DecodingInfo, GarbledTables};
use crate::Block;

/// Streaming half-gates evaluator. `Item` is a wire's active label.
#[derive(Clone, Debug)]
pub struct Evaluator {
    pub(crate) hash: FixedKeyHash,
    pub(crate) gate_id: u64,
    pub(crate) tables: Vec<Block>,
    pub(crate) pos: usize,
    pub(crate) constant: Block,
    outputs: Vec<Block>,
}

impl Evaluator {
    /// An evaluator consuming `tables`.
    pub fn new(tables: GarbledTables) -> Self {
        Evaluator {
            hash: FixedKeyHash::new(),
            gate_id: 0,
            tables: tables.blocks,
            pos: 0,
            constant: tables.constant_label,
            outputs: Vec::new(),
        }
    }

    /// Number of AND gates evaluated so far.
    pub fn and_gates(&self) -> u64 {
        self.gate_id
    }

    /// Ends evaluation: the active labels of the outputs marked so far.
    /// Fails if table blocks are left over.
    pub fn finish(self) -> Result<Vec<Block>, GarbleError> {
        let extra = self.tables.len() - self.pos;
        if extra != 0 {
            return Err(GarbleError::ExtraTables { extra });
        }
        Ok(self.outputs)
    }

    /// Takes the next `2 * gates` table blocks, or reports truncation.
    #[inline]
    pub(crate) fn take_tables(&mut self, gates: usize) -> Result<usize, GarbleError> {
        let need = 2 * gates;
        let remaining = self.tables.len() - self.pos;
        if remaining < need {
            return Err(GarbleError::TruncatedTables {
                gate: self.gate_id + (remaining / 2) as u64,
                remaining: remaining % 2,
            });
        }
        let start = self.pos;
        self.pos += need;
        Ok(start)
    }

    #[inline]
    fn eval_and(&mut self, a: Block, b: Block) -> Result<Block, GarbleError> {
        let start = self.take_tables(1)?;
        let j = self.gate_id as u128;
        self.gate_id += 1;
        let mut h = [a, b];
        self.hash.hash_many(&mut h, &[2 * j, 2 * j + 1]);
        Ok(eval_half_gates(
            a,
            b,
            h,
            self.tables[start],
            self.tables[start + 1],
        ))
    }
}

/// Half-gates evaluation given `[H(A), H(B)]` and the two table blocks.
#[inline(always)]
pub(crate) fn eval_half_gates(a: Block, b: Block, h: [Block; 2], tg: Block, te: Block) -> Block {
    let wg = h[0] ^ (tg & super::garbler::mask(a.lsb()));
    let we = h[1] ^ ((te ^ a) & super::garbler::mask(b.lsb()));
    wg ^ we
}

/// Decodes active output labels with the garbler's decoding information.
pub fn decode(labels: &[Block], decoding: &DecodingInfo) -> Result<Vec<bool>, GarbleError> {
    if labels.len() != decoding.bits.len() {
        return Err(GarbleError::WrongLabelCount {
            what: "decoding bits",
            expected: labels.len(),
            got: decoding.bits.len(),
        });
    }
    Ok(labels
        .iter()
        .zip(&decoding.bits)
        .map(|(l, &d)| l.lsb() ^ d)
        .collect())
}

impl Fancy for Evaluator {
    type Item = Block;
    type Error = GarbleError;

    fn constant(&mut self, _bit: bool) -> Result<Block, GarbleError> {
        // The garbler encodes `true` as the negation of the constant wire, so
        // the evaluator's label is the same for both constants.
        Ok(self.constant)
    }
    fn xor(&mut self, a: &Block, b: &Block) -> Result<Block, GarbleError> {
        Ok(*a ^ *b)
    }
    fn and(&mut self, a: &Block, b: &Block) -> Result<Block, GarbleError> {
        self.eval_and(*a, *b)
    }
    fn not(&mut self, a: &Block) -> Result<Block, GarbleError> {
        Ok(*a)
    }
    fn output(&mut self, a: &Block) -> Result<Option<bool>, GarbleError> {
        self.outputs.push(*a);
        Ok(None)
    }
}
