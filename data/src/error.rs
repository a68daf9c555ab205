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
    #[error("column `{name}` is missing from the header (the schema names it: add the column or rename yours)")]
    MissingColumn {
        /// The missing column.
        name: String,
    },
    /// A column name appears twice in the header.
    #[error("line {line}: column `{name}` appears more than once in the header")]
    DuplicateColumn {
        /// 1-based line of the header.
        line: usize,
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
    /// A line whose quoting is malformed (or with an over-long cell).
    #[error("line {line}: {reason}")]
    Quoting {
        /// 1-based line number.
        line: usize,
        /// What is wrong, and in which cell.
        reason: String,
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
    /// A value to be scaled is not finite (NaN or infinity).
    #[error("line {line}, column `{column}`: {value} is not finite")]
    NonFinite {
        /// 1-based line number (for in-memory data: row index + 2, as if a
        /// header were line 1).
        line: usize,
        /// Column name (`label` for the label).
        column: String,
        /// The value.
        value: f64,
    },
    /// A data set's feature names differ from the ones a [`crate::Scaling`]
    /// was written for (a wrong column order would silently mis-scale).
    #[error("feature {index}: the scaling expects `{expected}`, the data has `{got}`")]
    FeatureName {
        /// 0-based feature index.
        index: usize,
        /// The scaling's name.
        expected: String,
        /// The data set's name.
        got: String,
    },
    /// A range [min, max] that cannot be mapped to [-1, 1]: non-finite
    /// bounds, min > max, or zero width.
    #[error("{}feature `{feature}`: range [{min}, {max}] needs finite min < max", at_line(.line))]
    BadRange {
        /// 1-based line of the schema file, if the range came from one.
        line: Option<usize>,
        /// Feature name (or index, for unnamed ranges).
        feature: String,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// A scaling coefficient that is not finite, or a scale that is not
    /// positive.
    #[error("{what}: offset {offset} and scale {scale} must be finite with scale > 0")]
    BadScaling {
        /// Which coefficient (`feature 3 (`BMI`)` or `target`).
        what: String,
        /// The offset.
        offset: f64,
        /// The scale.
        scale: f64,
    },
    /// The schema file's header is not `feature,min,max` (optionally
    /// followed by `,mean,std`, then optionally by `,role`).
    #[error("line {line}: schema header must be `feature,min,max`, `feature,min,max,role`, `feature,min,max,mean,std` or `feature,min,max,mean,std,role`, found `{found}`")]
    SchemaHeader {
        /// 1-based line number.
        line: usize,
        /// The header as found.
        found: String,
    },
    /// A schema row with an unusable name or role.
    #[error("line {line}: {reason}")]
    SchemaRow {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A feature named twice in a schema.
    #[error("line {line}: feature `{name}` is already defined on line {first}")]
    DuplicateFeature {
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first definition.
        first: usize,
        /// The name.
        name: String,
    },
    /// An input beyond a size cap.
    #[error("{what}: {got} exceeds the limit of {limit}")]
    TooLarge {
        /// What is capped.
        what: &'static str,
        /// The cap.
        limit: usize,
        /// The size found.
        got: usize,
    },
    /// A CSV file with more data rows than allowed (the consortium's
    /// `max_samples`), found at the first row past the cap.
    #[error("line {line}: more than {max} data rows (the configuration's maximum)")]
    TooManyRows {
        /// 1-based line of the first row past the cap.
        line: usize,
        /// The cap.
        max: usize,
    },
    /// A least-squares fit whose normal equations are singular (collinear
    /// features or fewer rows than weights).
    #[error("the normal equations are singular")]
    Singular,
    /// The fixed-point data set was rejected by the model layer.
    #[error(transparent)]
    Model(#[from] zkagg_zk::model::ModelError),
}

/// `line N: ` for a known line, nothing otherwise.
fn at_line(line: &Option<usize>) -> String {
    line.map(|l| format!("line {l}: ")).unwrap_or_default()
}
