//! Garbled circuits: half-gates garbling with free-XOR and point-and-permute
//! over a fixed-key-AES hash, a `Fancy`-style circuit trait with garbler,
//! evaluator, plaintext, gate-counting and circuit-recording backends,
//! arithmetic gadgets, and a Bristol Fashion importer.
//!
//! Relation: the evaluator learns `C(x, y)`'s output labels (and with the
//! decoding information the output bits) and nothing else about the garbler's
//! input `x`; the garbler learns nothing about `y`, given the evaluator's
//! input labels by OT.
//!
//! References: Zahur, Rosulek, Evans, "Two Halves Make a Whole" (EUROCRYPT
//! 2015) for half gates; Kolesnikov-Schneider (ICALP 2008) for free-XOR;
//! Guo, Katz, Wang, Yu, "Efficient and Secure Multiparty Computation from
//! Fixed-Key Block Ciphers" (S&P 2020) for the hash; Bellare, Hoang, Keelveedhi,
//! Rogaway (S&P 2013) for fixed-key garbling.
//!
//! Threat model: semi-honest garbler and evaluator. The evaluator's code treats
//! the tables as untrusted input (wrong lengths are errors, never panics) but
//! does not detect a malicious garbler's wrong circuit.
//!
//! **Not audited.**
//!
//! Two garbling paths share the same primitives:
//! - streaming backends ([`Garbler`], [`Evaluator`]) implement [`Fancy`], so any
//!   circuit written against the trait is garbled gate by gate;
//! - the compiled path ([`CircuitBuilder`] -> [`Circuit`]) schedules a circuit
//!   once into a flat, level-ordered gate array and garbles it (optionally many
//!   instances in lanes) with batched AES and no per-gate allocation.

pub mod bristol;
pub mod circuit;
pub mod error;
pub mod evaluator;
pub mod fancy;
pub mod gadgets;
pub mod garbler;
pub mod hash;
pub mod msgs;

pub use bristol::BristolCircuit;
pub use circuit::{Circuit, CircuitBuilder, Wire};
pub use error::{BristolError, GarbleError};
pub use evaluator::{decode, Evaluator};
pub use fancy::{Fancy, GateCounter, GateCounts, Plaintext};
pub use garbler::{Garbler, GarblerOutputs};
pub use hash::FixedKeyHash;
pub use msgs::{DecodingInfo, GarbledTables, InputLabels};

#[cfg(test)]
mod tests;
