//! Errors of the linking proof.

use thiserror::Error;

/// Linking-proof errors. Peer misbehaviour (a proof that does not verify, a
/// malformed proof) is kept apart from local misuse.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The vector is longer than the generators (local misuse).
    #[error("vector of length {got} exceeds the {max} generators")]
    TooLong {
        /// Generators available.
        max: usize,
        /// Length requested.
        got: usize,
    },
    /// The witness does not satisfy the statement (local misuse by the prover).
    #[error("witness does not satisfy the statement")]
    BadWitness,
    /// The proof has the wrong number of rounds for the generators.
    #[error("proof has {got} rounds, expected {expected}")]
    WrongRounds {
        /// Expected rounds.
        expected: usize,
        /// Rounds in the proof.
        got: usize,
    },
    /// The proof does not verify. In a batch, `index` names the first failing proof.
    #[error("linking proof {index} does not verify")]
    Rejected {
        /// Index of the failing proof (0 for a single proof).
        index: usize,
    },
}
