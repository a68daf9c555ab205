//! # zkagg-zk
//!
//! The zero-knowledge core of zkagg: the field F (ristretto255's scalar field)
//! and its encodings, Poseidon, Pedersen vector commitments, merlin transcripts,
//! an R1CS builder with gadgets, and a hardened Spartan backend.
//!
//! **Not audited.** See SPEC.md at the repository root for the normative
//! description.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(non_snake_case)]

pub mod circuits;
pub mod encoding;
pub mod error;
pub mod fe;
pub mod field;
pub mod gadgets;
pub mod hyrax;
pub mod link;
pub mod model;
pub mod nizk;
pub mod pedersen;
pub mod poseidon;
pub mod proof_system;
pub mod r1cs;
pub mod spartan;
pub mod sumcheck;
pub mod transcript;
pub mod update;

pub use error::{EncodingError, ProofError, SynthesisError};
pub use field::{FixedPoint, Fr};
