//! Errors of the zk crate.

use thiserror::Error;

/// Errors decoding or encoding values that cross a trust boundary.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum EncodingError {
    /// A scalar encoding was not the canonical representative (>= l).
    #[error("non-canonical scalar encoding")]
    NonCanonicalScalar,
    /// A point encoding did not decode to a ristretto255 point.
    #[error("invalid ristretto255 point encoding")]
    InvalidPoint,
    /// A byte string had the wrong length.
    #[error("wrong length: expected {expected}, got {got}")]
    WrongLength {
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// Input larger than the cap allowed for this message type.
    #[error("input of {got} bytes exceeds the cap of {cap} bytes")]
    TooLarge {
        /// The cap.
        cap: usize,
        /// The actual size.
        got: usize,
    },
    /// Bytes left after a complete message.
    #[error("{0} trailing bytes after the message")]
    TrailingBytes(usize),
    /// A message that decodes but does not re-encode to the same bytes.
    #[error("non-canonical message encoding")]
    NonCanonical,
    /// The serialisation library rejected the bytes.
    #[error("malformed message: {0}")]
    Malformed(String),
    /// A fixed-point format with impossible parameters.
    #[error("bad fixed-point format: {frac_bits} fractional bits in {total_bits} total")]
    BadFixedPointFormat {
        /// Fractional bits.
        frac_bits: u32,
        /// Total bits.
        total_bits: u32,
    },
    /// A real value outside the fixed-point range.
    #[error(
        "value {value} does not fit fixed point with {total_bits} bits ({frac_bits} fractional)"
    )]
    FixedPointOverflow {
        /// The value.
        value: f64,
        /// Total bits.
        total_bits: u32,
        /// Fractional bits.
        frac_bits: u32,
    },
    /// NaN or infinity.
    #[error("value is not finite")]
    NotFinite,
    /// A field element whose centred lift is not a small integer.
    #[error("field element is not a small signed integer")]
    FieldOutOfRange,
}

/// Errors while synthesising a circuit.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SynthesisError {
    /// A witness-generating backend was not given a value for a variable.
    #[error("missing assignment for a variable")]
    AssignmentMissing,
    /// A gadget's precondition on a value failed (e.g. value out of range while
    /// generating a witness for a range check).
    #[error("witness does not satisfy gadget `{gadget}`: {reason}")]
    Unsatisfiable {
        /// The gadget.
        gadget: &'static str,
        /// Why.
        reason: String,
    },
    /// A gadget parameter was invalid (local misuse).
    #[error("invalid gadget parameter: {0}")]
    InvalidParameter(String),
}

/// Errors proving or verifying.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProofError {
    /// Circuit synthesis failed.
    #[error(transparent)]
    Synthesis(#[from] SynthesisError),
    /// The proof bytes were malformed.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
    /// The witness does not satisfy the constraint system (prover side).
    #[error("witness does not satisfy constraint {index} (gadget `{gadget}`)")]
    Unsatisfied {
        /// Index of the first unsatisfied constraint.
        index: usize,
        /// Gadget path of that constraint.
        gadget: String,
    },
    /// The circuit shape differs from the one the keys were made for.
    #[error("circuit shape mismatch: {0}")]
    ShapeMismatch(String),
    /// Wrong number of public inputs.
    #[error("expected {expected} public inputs, got {got}")]
    WrongInputCount {
        /// Expected.
        expected: usize,
        /// Got.
        got: usize,
    },
    /// The proof did not verify.
    #[error("proof rejected: {0}")]
    Rejected(String),
    /// The Spartan backend panicked on this input; the panic was contained.
    #[error("proof rejected: verifier panicked on malformed proof ({0})")]
    VerifierPanicked(String),
    /// The Spartan backend rejected the instance (local misuse).
    #[error("backend error: {0}")]
    Backend(String),
    /// I/O on the preprocessing cache.
    #[error("cache I/O: {0}")]
    Cache(String),
}
