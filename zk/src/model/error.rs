//! Errors of the model module.

use thiserror::Error;

/// Errors of the training-step faces, the data commitment and the R_train
/// circuit constructors. All are local misuse or invalid local input (a
/// provider's own data or configuration); a peer's bad proof surfaces as a
/// [`crate::ProofError`] from the Spartan backend instead.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// The training configuration is inconsistent or exceeds a supported size.
    #[error("bad training configuration: {0}")]
    BadConfig(String),
    /// One training parameter (named as in `TrainConfig`: `num_features`,
    /// `max_samples`, `data_format`, `model_format`, `learning_rate`,
    /// `clip_bound`) is out of its range or inconsistent with another.
    #[error("bad training configuration: {param}: {reason}")]
    BadParameter {
        /// The parameter's field name.
        param: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A vector had the wrong length (weights, update, data row, labels).
    #[error("{what}: expected length {expected}, got {got}")]
    WrongLength {
        /// What was measured.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A fixed-point integer lies outside its configured range.
    #[error("{what}[{index}] = {value} is outside [{min}, {max}]")]
    OutOfRange {
        /// Which vector.
        what: &'static str,
        /// Index of the offending entry (row-major for features).
        index: usize,
        /// The value.
        value: i64,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// The data set has no real rows (the step divides by their number).
    #[error("the data set is empty")]
    EmptyDataset,
    /// The data set has more rows than the configured maximum.
    #[error("the data set has {got} rows, the configuration allows at most {max}")]
    TooManySamples {
        /// Maximum rows.
        max: usize,
        /// Actual rows.
        got: usize,
    },
}
