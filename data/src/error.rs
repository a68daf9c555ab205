//! Errors of data loading and preparation.

use thiserror::Error;

/// Errors loading, quantising or splitting a data set. All concern the
/// provider's own input (a file or local options), never a peer.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DataError {
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// The file has no header line.
    #[error("the CSV input is empty (no header line)")]
    EmptyInput,
    /// A column the schema names is not in the header.
    #[error("column `{name}` is missing from the header")]
    MissingColumn {
        /// The missing column.
        name: String,
    },
    /// A column name appears twice in the header.
    #[error("column `{name}` appears more than once in the header")]
    DuplicateColumn {
        /// The repeated column.
        name: String,
    },
    /// A row has a different number of cells than the header.
    #[error("line {line}: {got} cells, the header has {expected}")]
    WrongWidth {
        /// 1-based line number (the header is line 1).
        line: usize,
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        got: usize,
    },
    /// A cell is not a finite number.
    #[error("line {line}, column `{column}`: `{cell}` is not a finite number")]
    NonNumeric {
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
        /// The cell's text.
        cell: String,
    },
    /// A value does not fit the fixed-point format.
    #[error(
        "line {line}, column `{column}`: {value} is outside the fixed-point range [{min}, {max}]"
    )]
    OutOfRange {
        /// 1-based line number (for in-memory data: row index + 2, as if a
        /// header were line 1).
        line: usize,
        /// Column name.
        column: String,
        /// The (standardised) value.
        value: f64,
        /// Smallest representable value.
        min: f64,
        /// Largest representable value.
        max: f64,
    },
    /// A binary label that is neither 0 nor 1.
    #[error("line {line}: label {value} is not 0 or 1")]
    BadLabel {
        /// 1-based line number.
        line: usize,
        /// The label.
        value: f64,
    },
    /// The data set has no rows.
    #[error("the data set has no rows")]
    NoRows,
    /// A feature-count mismatch (e.g. a standardiser fitted on other data).
    #[error("expected {expected} features, got {got}")]
    FeatureCount {
        /// Expected count.
        expected: usize,
        /// Actual count.
        got: usize,
    },
    /// Split or shard options that cannot be met.
    #[error("bad split: {0}")]
    BadSplit(String),
    /// The fixed-point data set was rejected by the model layer.
    #[error(transparent)]
    Model(#[from] zkagg_zk::model::ModelError),
}
