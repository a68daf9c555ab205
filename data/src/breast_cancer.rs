//! Breast Cancer Wisconsin (Diagnostic), 569 rows x 30 features, as shipped
//! by `smartcore` (feature `datasets`). Labels: 0 = malignant, 1 = benign.

use super::real::RealDataset;

/// Number of rows.
pub const ROWS: usize = 569;
/// Number of features.
pub const FEATURES: usize = 30;

/// Loads the data set (raw feature values, labels 0/1).
pub fn load() -> RealDataset {
    let ds = smartcore::dataset::breast_cancer::load_dataset();
    let f = ds.num_features;
    RealDataset {
        feature_names: ds.feature_names.clone(),
        rows: ds
            .data
            .chunks(f)
            .take(ds.num_samples)
            .map(|r| r.iter().map(|&x| x as f64).collect())
            .collect(),
        labels: ds.target.iter().map(|&y| y as f64).collect(),
    }
}
