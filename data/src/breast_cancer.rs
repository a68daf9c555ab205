//! Breast Cancer Wisconsin (Diagnostic), 569 rows x 30 features, as shipped
//! by `smartcore` (feature `datasets`). Labels: 0 = malignant, 1 = benign.

use super::real::RealDataset;
use super::scaling::Scaling;

/// Number of rows.
pub const ROWS: usize = 569;
/// Number of features.
pub const FEATURES: usize = 30;

/// Loads the data set (raw feature values, labels 0/1).
pub fn load() -> RealDataset {
    let ds = smartcore::dataset::breast_cancer::load_dataset();
    RealDataset::from_smartcore(&ds)
}

/// The bundled schema (`data/schemas/breast_cancer.csv`): each feature's
/// [min, max] over the full public data set, rounded outward, and its mean
/// and population standard deviation over the same rows.
pub const SCHEMA_CSV: &str = include_str!("../schemas/breast_cancer.csv");

/// The bundled schema as a [`Scaling`]: x' = (x - mean) / (2 std) per
/// feature ([`crate::scaling::STD_MULTIPLE`]; no value of the public data
/// set saturates in `TrainConfig::breast_cancer`'s Q4.4); the label, 0/1,
/// is not scaled. The file is checked by the
/// tests, so this does not fail.
pub fn schema() -> Scaling {
    Scaling::from_schema_csv(SCHEMA_CSV).expect("the bundled breast cancer schema parses")
}
