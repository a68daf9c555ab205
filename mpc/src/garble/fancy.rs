//! A boolean-circuit trait in the shape of swanky's `Fancy`, and the two
//! backends that need no cryptography: plaintext evaluation and gate counting.
//!
//! A circuit is a function generic over `F: Fancy` that calls `xor`, `and`,
//! `not`, `constant` and `output` on wires of type `F::Item`. The same function
//! then runs on every backend:
//!
//! | backend | `Item` | does |
//! | --- | --- | --- |
//! | [`Plaintext`] | `bool` | evaluates in the clear |
//! | [`GateCounter`] | `()` | counts AND, XOR and NOT gates |
//! | [`Garbler`](super::Garbler) | zero-label [`Block`](crate::Block) | garbles (half gates) |
//! | [`Evaluator`](super::Evaluator) | active label | evaluates garbled tables |
//! | [`CircuitBuilder`](super::CircuitBuilder) | wire id | records a flat circuit |
//!
//! Only AND costs anything in the garbled backends (two ciphertexts); XOR, NOT
//! and constants are free. The trait follows swanky's `Fancy` (GaloisInc
//! swanky, `fancy-garbling`), restricted to boolean wires.
//!
//! Threat model: [`Plaintext`] and [`GateCounter`] compute in the clear, for
//! testing and cost accounting; the garbled backends are semi-honest (see
//! [`super::garbler`]). Not audited.

use super::error::GarbleError;

/// A backend for boolean circuits. Wires are `Self::Item`.
pub trait Fancy {
    /// A wire (a bit in the clear, a label, a wire id...).
    type Item: Clone;
    /// The backend's error. Every backend error can absorb a [`GarbleError`],
    /// so generic circuits can report misuse (width mismatches) uniformly.
    type Error: core::fmt::Debug + From<GarbleError>;

    /// A public constant wire.
    fn constant(&mut self, bit: bool) -> Result<Self::Item, Self::Error>;
    /// `a xor b` (free).
    fn xor(&mut self, a: &Self::Item, b: &Self::Item) -> Result<Self::Item, Self::Error>;
    /// `a and b` (the only gate with a garbled table).
    fn and(&mut self, a: &Self::Item, b: &Self::Item) -> Result<Self::Item, Self::Error>;
    /// `not a` (free: XOR with the constant one, i.e. with delta on the garbler side).
    fn not(&mut self, a: &Self::Item) -> Result<Self::Item, Self::Error>;
    /// Marks `a` as an output. Backends that learn the value in the clear
    /// return it; the garbler and evaluator return `None` and record the wire.
    fn output(&mut self, a: &Self::Item) -> Result<Option<bool>, Self::Error>;

    /// `a or b`, as `not(not a and not b)` (one AND).
    fn or(&mut self, a: &Self::Item, b: &Self::Item) -> Result<Self::Item, Self::Error> {
        let na = self.not(a)?;
        let nb = self.not(b)?;
        let t = self.and(&na, &nb)?;
        self.not(&t)
    }

    /// Outputs every wire of `xs`; returns the values when the backend knows them.
    fn outputs(&mut self, xs: &[Self::Item]) -> Result<Option<Vec<bool>>, Self::Error> {
        let mut out = Vec::with_capacity(xs.len());
        let mut all = true;
        for x in xs {
            match self.output(x)? {
                Some(b) => out.push(b),
                None => all = false,
            }
        }
        Ok(if all { Some(out) } else { None })
    }
}

/// Evaluates circuits in the clear. Outputs are also collected in order.
#[derive(Clone, Debug, Default)]
pub struct Plaintext {
    outputs: Vec<bool>,
}

impl Plaintext {
    /// A fresh plaintext evaluator.
    pub fn new() -> Self {
        Self::default()
    }

    /// The output bits, in the order `output` was called.
    pub fn outputs_so_far(&self) -> &[bool] {
        &self.outputs
    }
}

impl Fancy for Plaintext {
    type Item = bool;
    type Error = GarbleError;

    fn constant(&mut self, bit: bool) -> Result<bool, GarbleError> {
        Ok(bit)
    }
    fn xor(&mut self, a: &bool, b: &bool) -> Result<bool, GarbleError> {
        Ok(a ^ b)
    }
    fn and(&mut self, a: &bool, b: &bool) -> Result<bool, GarbleError> {
        Ok(a & b)
    }
    fn not(&mut self, a: &bool) -> Result<bool, GarbleError> {
        Ok(!a)
    }
    fn output(&mut self, a: &bool) -> Result<Option<bool>, GarbleError> {
        self.outputs.push(*a);
        Ok(Some(*a))
    }
}

/// Gate counts reported by [`GateCounter`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GateCounts {
    /// AND gates (each costs two ciphertexts = 32 bytes when garbled).
    pub and: u64,
    /// XOR gates (free).
    pub xor: u64,
    /// NOT gates (free).
    pub not: u64,
    /// Constants requested.
    pub constants: u64,
    /// Outputs.
    pub outputs: u64,
}

/// Counts gates without computing anything (swanky's `Informer`/`Dummy`).
#[derive(Clone, Debug, Default)]
pub struct GateCounter {
    counts: GateCounts,
}

impl GateCounter {
    /// A fresh counter.
    pub fn new() -> Self {
        Self::default()
    }
    /// Counts so far.
    pub fn counts(&self) -> GateCounts {
        self.counts
    }
}

impl Fancy for GateCounter {
    type Item = ();
    type Error = GarbleError;

    fn constant(&mut self, _bit: bool) -> Result<(), GarbleError> {
        self.counts.constants += 1;
        Ok(())
    }
    fn xor(&mut self, _a: &(), _b: &()) -> Result<(), GarbleError> {
        self.counts.xor += 1;
        Ok(())
    }
    fn and(&mut self, _a: &(), _b: &()) -> Result<(), GarbleError> {
        self.counts.and += 1;
        Ok(())
    }
    fn not(&mut self, _a: &()) -> Result<(), GarbleError> {
        self.counts.not += 1;
        Ok(())
    }
    fn output(&mut self, _a: &()) -> Result<Option<bool>, GarbleError> {
        self.counts.outputs += 1;
        Ok(None)
    }
}
