//! Errors of the Spartan NIZK.

use crate::error::{EncodingError, ProofError, SynthesisError};
use crate::hyrax::HyraxError;
use crate::sumcheck::SumcheckError;
use thiserror::Error;

/// Why a proof was rejected or could not be made.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum NizkError {
    /// Wrong number of public inputs.
    #[error("expected {expected} public inputs, got {got}")]
    WrongInputCount {
        /// Expected.
        expected: usize,
        /// Got.
        got: usize,
    },
    /// The witness has the wrong length (local misuse).
    #[error("expected {expected} witness values, got {got}")]
    WrongWitnessLength {
        /// Expected.
        expected: usize,
        /// Got.
        got: usize,
    },
    /// The shape is too large for this implementation (local misuse).
    #[error("shape too large: {0}")]
    ShapeTooLarge(&'static str),
    /// A sum-check failed structurally (rounds, degree, challenges).
    #[error(transparent)]
    Sumcheck(#[from] SumcheckError),
    /// A commitment-layer failure (lengths, zero challenges, encodings).
    #[error(transparent)]
    Hyrax(#[from] HyraxError),
    /// The proof bytes do not decode.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// Circuit synthesis failed (prover side).
    #[error(transparent)]
    Synthesis(#[from] SynthesisError),
    /// Verifying-key bytes refused (malformed, forged, or not the key
    /// expected).
    #[error(transparent)]
    Key(#[from] super::KeyError),
    /// The batched verification equations do not hold.
    #[error("proof rejected: verification equations do not hold")]
    Rejected,
}

impl From<NizkError> for ProofError {
    fn from(e: NizkError) -> Self {
        match e {
            NizkError::WrongInputCount { expected, got } => {
                ProofError::WrongInputCount { expected, got }
            }
            NizkError::Encoding(e) | NizkError::Hyrax(HyraxError::Encoding(e)) => {
                ProofError::Encoding(e)
            }
            NizkError::Synthesis(e) => ProofError::Synthesis(e),
            NizkError::WrongWitnessLength { .. } | NizkError::ShapeTooLarge(_) => {
                ProofError::ShapeMismatch(e.to_string())
            }
            other => ProofError::Rejected(other.to_string()),
        }
    }
}
