//! Errors of the zero-knowledge sum-check and the Sigma proofs.

use crate::hyrax::HyraxError;
use thiserror::Error;

/// What a verifier found wrong with a sum-check or Sigma proof.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SumcheckError {
    /// The proof has the wrong number of rounds (missing or extra rounds).
    #[error("expected {expected} rounds, got {got}")]
    WrongRounds {
        /// Rounds required by the statement.
        expected: usize,
        /// Rounds in the proof.
        got: usize,
    },
    /// A sum over no variable was asked for (local misuse).
    #[error("a sum-check needs at least one round")]
    NoRounds,
    /// An oracle returned the wrong number of evaluations (local misuse).
    #[error("round oracle returned {got} evaluations, expected {expected}")]
    OracleLength {
        /// Expected number.
        expected: usize,
        /// Returned number.
        got: usize,
    },
    /// A degree of zero, above [`MAX_DEGREE`](super::MAX_DEGREE) or beyond
    /// the coefficient generators (local misuse).
    #[error("unsupported round-polynomial degree {0}")]
    UnsupportedDegree(usize),
    /// A commitment-layer error (lengths, zero challenges, encodings).
    #[error(transparent)]
    Hyrax(#[from] HyraxError),
}
