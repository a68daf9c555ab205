//! Errors of the Hyrax commitment layer.

use crate::error::EncodingError;
use thiserror::Error;

/// What a verifier found wrong with a proof, or what a caller got wrong.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum HyraxError {
    /// A proof or commitment component had the wrong length (peer misbehaviour
    /// when it comes from a proof).
    #[error("{what}: expected length {expected}, got {got}")]
    WrongLength {
        /// Which component.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A polynomial or vector larger than the generators or the layout (local misuse).
    #[error("{what}: {got} exceeds the maximum {max}")]
    TooLarge {
        /// Which input.
        what: &'static str,
        /// The maximum.
        max: usize,
        /// The actual size.
        got: usize,
    },
    /// The transcript produced a zero challenge (probability about 2^-252).
    #[error("zero challenge `{0}`")]
    ZeroChallenge(&'static str),
    /// The verification equations did not hold.
    #[error("verification equations do not hold")]
    Rejected,
    /// Bytes that do not decode.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
}
