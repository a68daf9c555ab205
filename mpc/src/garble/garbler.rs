//! The garbler backend: half-gates garbling with free-XOR and
//! point-and-permute.
//!
//! Zahur, Rosulek and Evans, "Two Halves Make a Whole: Reducing Data Transfer
//! in Garbled Circuits using Half Gates" (EUROCRYPT 2015), Figure 2. Each wire
//! `w` has a zero-label `W0` and one-label `W1 = W0 xor delta`, with a global
//! `delta` whose least significant bit is 1, so the colour bit `lsb(W0)` of the
//! zero-label is a uniformly random permutation bit. XOR and NOT are free; an
//! AND gate with zero-labels `A0, B0`, colours `pa, pb` and gate index `j` gets
//! the two ciphertexts
//!
//! ```text
//! T_G = H(A0, 2j) xor H(A1, 2j) xor pb*delta        W_G0 = H(A0, 2j) xor pa*T_G
//! T_E = H(B0, 2j+1) xor H(B1, 2j+1) xor A0          W_E0 = H(B0, 2j+1) xor pb*(T_E xor A0)
//! C0  = W_G0 xor W_E0
//! ```
//!
//! with `H` the fixed-key-AES hash of [`super::hash`]. Tables stream into a
//! `Vec<Block>` in gate order; decoding information is `lsb` of each output
//! zero-label.
//!
//! Threat model: semi-honest (privacy against a semi-honest evaluator).
//! Not audited.

use super::error::GarbleError;
use super::fancy::Fancy;
use super::hash::FixedKeyHash;
use super::msgs::{DecodingInfo, GarbledTables};
use crate::Block;
use rand_core::{CryptoRng, RngCore};

/// Streaming half-gates garbler. `Item` is a wire's zero-label.
#[derive(Clone, Debug)]
pub struct Garbler {
    pub(crate) delta: Block,
    pub(crate) hash: FixedKeyHash,
    /// Number of AND gates garbled so far (the next gate index).
    pub(crate) gate_id: u64,
    pub(crate) tables: Vec<Block>,
    /// Zero-label of the constant-`false` wire; the evaluator holds it too.
    pub(crate) constant: Block,
    outputs: Vec<Block>,
}

/// What the garbler keeps after [`Garbler::finish`] to decode the evaluator's
/// output labels.
#[derive(Clone, Debug)]
pub struct GarblerOutputs {
    /// Zero-labels of the output wires, in output order.
    pub zero_labels: Vec<Block>,
    delta: Block,
}

impl GarblerOutputs {
    /// Decodes active output labels returned by the evaluator, checking that
    /// each is one of the two labels of its wire (so a corrupted or forged label
    /// is an error, not a wrong bit).
    pub fn decode(&self, labels: &[Block]) -> Result<Vec<bool>, GarbleError> {
        if labels.len() != self.zero_labels.len() {
            return Err(GarbleError::WrongLabelCount {
                what: "output labels",
                expected: self.zero_labels.len(),
                got: labels.len(),
            });
        }
        labels
            .iter()
            .zip(&self.zero_labels)
            .enumerate()
            .map(|(i, (&l, &z))| {
                if l == z {
                    Ok(false)
                } else if l == z ^ self.delta {
                    Ok(true)
                } else {
                    Err(GarbleError::InvalidOutputLabel { index: i })
                }
            })
            .collect()
    }
}

impl Garbler {
    /// A garbler with a fresh `delta` (lsb forced to 1) and constant wire.
    pub fn new<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let delta = Block(Block::random(rng).0 | 1);
        let constant = Block::random(rng);
        Garbler {
            delta,
            hash: FixedKeyHash::new(),
            gate_id: 0,
            tables: Vec::new(),
            constant,
            outputs: Vec::new(),
        }
    }

    /// Reserves room for the tables of `and_gates` more AND gates.
    pub fn reserve_and_gates(&mut self, and_gates: usize) {
        self.tables.reserve(2 * and_gates);
    }

    /// The global offset `delta` (secret; exposed for the OT sender and tests).
    pub fn delta(&self) -> Block {
        self.delta
    }

    /// A fresh input wire: its zero-label.
    pub fn new_input<R: RngCore + CryptoRng>(&mut self, rng: &mut R) -> Block {
        Block::random(rng)
    }

    /// `n` fresh input wires.
    pub fn new_inputs<R: RngCore + CryptoRng>(&mut self, n: usize, rng: &mut R) -> Vec<Block> {
        (0..n).map(|_| Block::random(rng)).collect()
    }

    /// The label encoding `bit` on a wire with zero-label `zero`.
    #[inline]
    pub fn encode(&self, zero: Block, bit: bool) -> Block {
        zero ^ self.delta.select(bit)
    }

    /// Both labels `[W0, W1]` of a wire (the OT sender's messages for an
    /// evaluator input).
    pub fn label_pair(&self, zero: Block) -> [Block; 2] {
        [zero, zero ^ self.delta]
    }

    /// Number of AND gates garbled so far.
    pub fn and_gates(&self) -> u64 {
        self.gate_id
    }

    /// Ends garbling: the tables for the evaluator, the decoding information for
    /// the outputs marked so far, and what the garbler keeps to check the
    /// evaluator's output labels.
    pub fn finish(self) -> (GarbledTables, DecodingInfo, GarblerOutputs) {
        let decoding = DecodingInfo {
            bits: self.outputs.iter().map(|b| b.lsb()).collect(),
        };
        (
            GarbledTables {
                blocks: self.tables,
                constant_label: self.constant,
            },
            decoding,
            GarblerOutputs {
                zero_labels: self.outputs,
                delta: self.delta,
            },
        )
    }

    /// Garbles one AND gate with the next gate index; pushes `[T_G, T_E]`.
    #[inline]
    pub(crate) fn garble_and(&mut self, a0: Block, b0: Block) -> Block {
        let j = self.gate_id as u128;
        self.gate_id += 1;
        let mut h = [a0, a0 ^ self.delta, b0, b0 ^ self.delta];
        self.hash
            .hash_many(&mut h, &[2 * j, 2 * j, 2 * j + 1, 2 * j + 1]);
        let (out, tg, te) = half_gates(self.delta, a0, b0, h);
        self.tables.push(tg);
        self.tables.push(te);
        out
    }
}

/// The half-gates formulas given the four hashes `[H(A0), H(A1), H(B0), H(B1)]`.
/// Returns `(C0, T_G, T_E)`.
#[inline(always)]
pub(crate) fn half_gates(
    delta: Block,
    a0: Block,
    b0: Block,
    h: [Block; 4],
) -> (Block, Block, Block) {
    let pa = mask(a0.lsb());
    let pb = mask(b0.lsb());
    let tg = h[0] ^ h[1] ^ (delta & pb);
    let wg0 = h[0] ^ (tg & pa);
    let te = h[2] ^ h[3] ^ a0;
    let we0 = h[2] ^ ((te ^ a0) & pb);
    (wg0 ^ we0, tg, te)
}

/// All-zero or all-one block, by table lookup (keeps the half-gates formulas
/// in vector registers; see `circuit::linear_garble`).
#[inline(always)]
pub(crate) fn mask(bit: bool) -> Block {
    const MASKS: [Block; 2] = [Block::ZERO, Block::ONES];
    MASKS[bit as usize]
}

impl Fancy for Garbler {
    type Item = Block;
    type Error = GarbleError;

    fn constant(&mut self, bit: bool) -> Result<Block, GarbleError> {
        Ok(self.constant ^ self.delta.select(bit))
    }
    fn xor(&mut self, a: &Block, b: &Block) -> Result<Block, GarbleError> {
        Ok(*a ^ *b)
    }
    fn and(&mut self, a: &Block, b: &Block) -> Result<Block, GarbleError> {
        Ok(self.garble_and(*a, *b))
    }
    fn not(&mut self, a: &Block) -> Result<Block, GarbleError> {
        Ok(*a ^ self.delta)
    }
    fn output(&mut self, a: &Block) -> Result<Option<bool>, GarbleError> {
        self.outputs.push(*a);
        Ok(None)
    }
}
