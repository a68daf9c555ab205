//! Diabetes (Efron, Hastie, Johnstone and Tibshirani, "Least Angle
//! Regression", 2004), 442 rows x 10 features, as shipped by `smartcore`
//! (feature `datasets`): age, sex, body mass index, blood pressure and six
//! blood serum measurements, already mean-centred and scaled by smartcore;
//! the label is a continuous disease-progression score one year after
//! baseline (25..346), a regression target.

use super::real::RealDataset;
use super::scaling::Scaling;

/// Number of rows.
pub const ROWS: usize = 442;
/// Number of features.
pub const FEATURES: usize = 10;

/// Loads the data set (feature values as shipped, the progression score as
/// the label).
pub fn load() -> RealDataset {
    let ds = smartcore::dataset::diabetes::load_dataset();
    RealDataset::from_smartcore(&ds)
}

/// The bundled schema (`data/schemas/diabetes.csv`): each feature's and the
/// target's [min, max] over the full public data set, rounded outward, and
/// their means and population standard deviations over the same rows.
pub const SCHEMA_CSV: &str = include_str!("../schemas/diabetes.csv");

/// The bundled schema as a [`Scaling`]: x' = (x - mean) / (2 std) for each
/// feature and the target ([`crate::scaling::STD_MULTIPLE`]). In
/// `TrainConfig::diabetes`'s Q1.6, one value of the public data set
/// saturates (S2's maximum, 4.2 standard deviations above its mean). The file is checked by the tests, so this
/// does not fail.
pub fn schema() -> Scaling {
    Scaling::from_schema_csv(SCHEMA_CSV).expect("the bundled diabetes schema parses")
}
