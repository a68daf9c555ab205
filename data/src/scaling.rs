//! Feature scaling fixed up front, without pooling data.
//!
//! A consortium cannot standardise on the union of its members' data: the
//! means and deviations of the union are a statistic of everyone's private
//! rows. So the scaling is fixed before training, from public facts (the
//! published mean and standard deviation of each attribute, or its
//! documented range), and carried in the public
//! configuration: a [`Scaling`] is per-feature x' = (x - offset) / scale and,
//! for regression, y' = (y - target_offset) / target_scale on the label.
//! Every provider applies the same [`Scaling`] to its own rows before
//! quantising them ([`crate::prepare_scaled`]); predictions map back with
//! [`Scaling::unscale_target`].
//!
//! The protocol path must use [`Scaling`]. [`crate::Standardizer`] (fitted
//! on a training split) is for the centralised float64 baseline only.
//!
//! # Schema files
//!
//! [`Scaling::from_schema_csv`] reads a small CSV ([`Schema::parse`]):
//! lines starting with `#` are comments, blank lines are skipped, the header
//! is `feature,min,max`, optionally followed by `mean,std`, optionally
//! followed by `role` (so `feature,min,max`, `feature,min,max,role`,
//! `feature,min,max,mean,std` or `feature,min,max,mean,std,role`), then one
//! row per feature in the model's column order. The optional `role` is
//! `feature` (the default) or `target`; at most one `target` row scales the
//! label.
//!
//! Each row's scaling: when the row gives a public `mean` and `std` (the
//! data set's location and population standard deviation, both published),
//! offset = mean and scale = [`STD_MULTIPLE`] · std, so a value within two
//! standard deviations of the mean maps into [-1, 1] and the scaled column
//! has mean 0 and spread 1/2; otherwise (no such columns, or both cells of
//! the row empty) the range [min, max] is mapped to [-1, 1]
//! ([`Scaling::from_ranges`]). Centred features of comparable spread make
//! gradient descent converge much faster than a range scaling, which leaves
//! skewed features with small spread and non-zero means. [min, max] stays
//! required either way: it documents what the public data covers.
//!
//! Errors are typed and carry the 1-based line: a row of the wrong width
//! ([`DataError::WrongWidth`]), a number that is not finite (NaN and
//! infinities included, [`DataError::NonNumeric`]), min >= max
//! ([`DataError::BadRange`]), a repeated name
//! ([`DataError::DuplicateFeature`]), a bad name or role, only one of mean
//! and std, or a mean and std no data within [min, max] can have (mean
//! outside [min, max], std <= 0 or std > (max - min) / 2)
//! ([`DataError::SchemaRow`]); the text is capped at [`MAX_SCHEMA_BYTES`]
//! bytes and [`MAX_SCHEMA_FEATURES`] features ([`DataError::TooLarge`]).

use super::csv::{number, row_cells};
use super::error::DataError;
use super::real::RealDataset;
use serde::{Deserialize, Serialize};

/// Largest schema text [`Scaling::from_schema_csv`] accepts, in bytes.
pub const MAX_SCHEMA_BYTES: usize = 1 << 20;
/// Most features a schema may define (the model layer's own cap).
pub const MAX_SCHEMA_FEATURES: usize = 1 << 12;
/// Longest feature name in a schema, in bytes.
pub const MAX_NAME_BYTES: usize = 256;
/// k in scale = k · std for a schema row with a public mean and std:
/// x' = (x - mean) / (2 std). With k = 2 the bundled data sets fit their
/// fixed-point formats: Breast Cancer's most extreme value is 12.1 standard
/// deviations from its mean, 6.0 scaled, inside Q4.4's [-8, 8)
/// (`TrainConfig::breast_cancer`); diabetes's are within 4.2 standard
/// deviations, 2.1 scaled, so Q1.6's [-2, 2) saturates one value of the
/// 442 x 11 (`TrainConfig::diabetes`). k = 1 would saturate 8 Breast Cancer
/// values and 180 diabetes values.
pub const STD_MULTIPLE: f64 = 2.0;

/// One row of a parsed [`Schema`].
#[derive(Clone, Debug, PartialEq)]
pub struct SchemaEntry {
    /// The feature's (or target's) name.
    pub name: String,
    /// The documented minimum.
    pub min: f64,
    /// The documented maximum (> min).
    pub max: f64,
    /// The public mean and standard deviation, if the row gives them.
    pub mean_std: Option<(f64, f64)>,
    /// Whether this row scales the label (role `target`).
    pub target: bool,
    /// The offset the row's scaling uses (the mean, or the range's midpoint).
    pub offset: f64,
    /// The scale the row's scaling uses ([`STD_MULTIPLE`] · std, or half the
    /// range's width); finite and > 0.
    pub scale: f64,
}

/// A parsed schema file (format in the [module docs](self)): its rows in
/// order, features and the optional target alike.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    entries: Vec<SchemaEntry>,
}

/// A fixed per-feature affine scaling x' = (x - offset) / scale, and the
/// label's y' = (y - target_offset) / target_scale (identity for
/// classification). Public: it is part of the consortium's configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Feature names in column order, or empty for an unnamed scaling. When
    /// present, [`Scaling::apply`] checks the data set's names against them.
    pub features: Vec<String>,
    /// Per-feature offsets.
    pub offset: Vec<f64>,
    /// Per-feature scales (finite, > 0).
    pub scale: Vec<f64>,
    /// The label's offset (0 for classification).
    pub target_offset: f64,
    /// The label's scale (1 for classification; finite, > 0).
    pub target_scale: f64,
}

/// offset and scale mapping [lo, hi] to [-1, 1], or `None` if that is
/// impossible (non-finite bounds, lo >= hi, or a width that underflows).
/// Halves before subtracting so that wide finite ranges cannot overflow.
fn range_coefficients(lo: f64, hi: f64) -> Option<(f64, f64)> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return None;
    }
    let (offset, scale) = (lo / 2.0 + hi / 2.0, hi / 2.0 - lo / 2.0);
    (scale > 0.0 && scale.is_finite() && offset.is_finite()).then_some((offset, scale))
}

impl Schema {
    /// Parses a schema CSV (format and errors in the [module docs](self)).
    pub fn parse(text: &str) -> Result<Self, DataError> {
        if text.len() > MAX_SCHEMA_BYTES {
            return Err(DataError::TooLarge {
                what: "schema bytes",
                limit: MAX_SCHEMA_BYTES,
                got: text.len(),
            });
        }
        // A byte-order mark (as spreadsheet programs write) is not part of the header.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let (header_line, header) = lines.next().ok_or(DataError::EmptyInput)?;
        // Six cells at the most (`feature,min,max,mean,std,role`).
        let header = row_cells(header_line, header, header.matches(',').count() + 1)
            .ok()
            .filter(|h| h.len() <= 6)
            .ok_or_else(|| DataError::SchemaHeader {
                line: header_line,
                found: header.chars().take(80).collect(),
            })?;
        let (with_stats, with_role) = match header.iter().map(String::as_str).collect::<Vec<_>>()[..]
        {
            ["feature", "min", "max"] => (false, false),
            ["feature", "min", "max", "role"] => (false, true),
            ["feature", "min", "max", "mean", "std"] => (true, false),
            ["feature", "min", "max", "mean", "std", "role"] => (true, true),
            _ => {
                return Err(DataError::SchemaHeader {
                    line: header_line,
                    found: header.join(","),
                })
            }
        };
        let mut entries: Vec<SchemaEntry> = Vec::new();
        let mut features = 0;
        // (name, line) of every row so far, features and target alike.
        let mut seen: Vec<(String, usize)> = Vec::new();
        let mut target_seen = false;
        for (line, row) in lines {
            let cells = row_cells(line, row, header.len())?;
            let name = cells[0].clone();
            if name.is_empty() {
                return Err(DataError::SchemaRow {
                    line,
                    reason: "empty feature name".into(),
                });
            }
            if name.len() > MAX_NAME_BYTES {
                return Err(DataError::SchemaRow {
                    line,
                    reason: format!(
                        "feature name of {} bytes exceeds {MAX_NAME_BYTES}",
                        name.len()
                    ),
                });
            }
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                return Err(DataError::DuplicateFeature {
                    line,
                    first: *first,
                    name,
                });
            }
            let num = |i: usize, column: &str| number(line, column, &cells[i]);
            let (lo, hi) = (num(1, "min")?, num(2, "max")?);
            let (mut offset, mut scale) =
                range_coefficients(lo, hi).ok_or_else(|| DataError::BadRange {
                    line: Some(line),
                    feature: name.clone(),
                    min: lo,
                    max: hi,
                })?;
            let row_error = |reason: String| DataError::SchemaRow { line, reason };
            let mean_std = match (with_stats, cells.get(3), cells.get(4)) {
                (true, Some(m), Some(d)) if m.is_empty() && d.is_empty() => None,
                (true, Some(m), Some(d)) if m.is_empty() || d.is_empty() => {
                    return Err(row_error("give both `mean` and `std`, or neither".into()))
                }
                (true, ..) => Some((num(3, "mean")?, num(4, "std")?)),
                (false, ..) => None,
            };
            if let Some((mean, std)) = mean_std {
                if !(lo..=hi).contains(&mean) {
                    return Err(row_error(format!("mean {mean} is outside [{lo}, {hi}]")));
                }
                // Popoviciu: data within [lo, hi] has std <= (hi - lo) / 2.
                if !(std > 0.0 && std <= hi / 2.0 - lo / 2.0 && (STD_MULTIPLE * std).is_finite()) {
                    return Err(row_error(format!(
                        "std {std} is not in (0, (max - min) / 2] for [{lo}, {hi}]"
                    )));
                }
                (offset, scale) = (mean, STD_MULTIPLE * std);
            }
            let role = if with_role {
                Some(cells[if with_stats { 5 } else { 3 }].as_str())
            } else {
                None
            };
            let target = match role {
                None | Some("feature") => false,
                Some("target") => true,
                Some(r) => {
                    return Err(row_error(format!(
                        "role `{r}` is neither `feature` nor `target`"
                    )))
                }
            };
            if target {
                if target_seen {
                    return Err(row_error("a second `target` row".into()));
                }
                target_seen = true;
            } else {
                if features == MAX_SCHEMA_FEATURES {
                    return Err(DataError::TooLarge {
                        what: "schema features",
                        limit: MAX_SCHEMA_FEATURES,
                        got: MAX_SCHEMA_FEATURES + 1,
                    });
                }
                features += 1;
            }
            seen.push((name.clone(), line));
            entries.push(SchemaEntry {
                name,
                min: lo,
                max: hi,
                mean_std,
                target,
                offset,
                scale,
            });
        }
        if features == 0 {
            return Err(DataError::SchemaRow {
                line: header_line,
                reason: "the schema defines no features".into(),
            });
        }
        Ok(Schema { entries })
    }

    /// The rows in file order (features and the optional target).
    pub fn entries(&self) -> &[SchemaEntry] {
        &self.entries
    }

    /// The feature rows in column order (the target row left out).
    pub fn features(&self) -> impl Iterator<Item = &SchemaEntry> {
        self.entries.iter().filter(|e| !e.target)
    }

    /// The target row, if any.
    pub fn target(&self) -> Option<&SchemaEntry> {
        self.entries.iter().find(|e| e.target)
    }

    /// The named [`Scaling`] the schema fixes: each row's offset and scale
    /// (mean and [`STD_MULTIPLE`] · std where given, the range otherwise),
    /// the target row's for the label (identity without one).
    pub fn scaling(&self) -> Scaling {
        let mut s = Scaling::identity(0);
        for e in self.features() {
            s.features.push(e.name.clone());
            s.offset.push(e.offset);
            s.scale.push(e.scale);
        }
        if let Some(t) = self.target() {
            s.target_offset = t.offset;
            s.target_scale = t.scale;
        }
        s
    }
}

impl Scaling {
    /// The identity scaling of `f` unnamed features (and of the label).
    pub fn identity(f: usize) -> Self {
        Scaling {
            features: Vec::new(),
            offset: vec![0.0; f],
            scale: vec![1.0; f],
            target_offset: 0.0,
            target_scale: 1.0,
        }
    }

    /// Maps each feature's [lo, hi] to [-1, 1]: offset = (lo + hi) / 2,
    /// scale = (hi - lo) / 2. Unnamed; the label is left unscaled. A range
    /// that is not finite, inverted or of zero width is
    /// [`DataError::BadRange`] (with the feature's index as its name).
    pub fn from_ranges(ranges: &[(f64, f64)]) -> Result<Self, DataError> {
        if ranges.len() > MAX_SCHEMA_FEATURES {
            return Err(DataError::TooLarge {
                what: "features",
                limit: MAX_SCHEMA_FEATURES,
                got: ranges.len(),
            });
        }
        let mut s = Scaling::identity(0);
        for (i, &(lo, hi)) in ranges.iter().enumerate() {
            let (o, c) = range_coefficients(lo, hi).ok_or(DataError::BadRange {
                line: None,
                feature: i.to_string(),
                min: lo,
                max: hi,
            })?;
            s.offset.push(o);
            s.scale.push(c);
        }
        Ok(s)
    }

    /// The same scaling with the label's range [lo, hi] mapped to [-1, 1]
    /// (for regression).
    pub fn with_target_range(mut self, lo: f64, hi: f64) -> Result<Self, DataError> {
        let (o, c) = range_coefficients(lo, hi).ok_or(DataError::BadRange {
            line: None,
            feature: "target".into(),
            min: lo,
            max: hi,
        })?;
        self.target_offset = o;
        self.target_scale = c;
        Ok(self)
    }

    /// Parses a schema CSV (format in the [module docs](self)) into its
    /// scaling: [`Schema::parse`], then [`Schema::scaling`].
    pub fn from_schema_csv(text: &str) -> Result<Self, DataError> {
        Ok(Schema::parse(text)?.scaling())
    }

    /// Number of features.
    pub fn num_features(&self) -> usize {
        self.offset.len()
    }

    /// Checks the scaling: as many scales (and names, if named) as offsets,
    /// every offset and scale finite, every scale > 0, and the same for the
    /// label. (A deserialised scaling is unchecked until this runs;
    /// [`Scaling::apply`] runs it.)
    pub fn validate(&self) -> Result<(), DataError> {
        let f = self.offset.len();
        let names = if self.features.is_empty() {
            f
        } else {
            self.features.len()
        };
        for got in [self.scale.len(), names] {
            if got != f {
                return Err(DataError::FeatureCount { expected: f, got });
            }
        }
        let ok = |o: f64, s: f64| o.is_finite() && s.is_finite() && s > 0.0;
        for (i, (&o, &s)) in self.offset.iter().zip(&self.scale).enumerate() {
            if !ok(o, s) {
                let what = match self.features.get(i) {
                    Some(n) => format!("feature {i} (`{n}`)"),
                    None => format!("feature {i}"),
                };
                return Err(DataError::BadScaling {
                    what,
                    offset: o,
                    scale: s,
                });
            }
        }
        if !ok(self.target_offset, self.target_scale) {
            return Err(DataError::BadScaling {
                what: "target".into(),
                offset: self.target_offset,
                scale: self.target_scale,
            });
        }
        Ok(())
    }

    /// Scales a data set: every feature x' = (x - offset) / scale, every
    /// label y' = (y - target_offset) / target_scale (a no-op for the
    /// identity target of classification). Errors: an invalid scaling
    /// ([`Scaling::validate`]), a wrong feature count
    /// ([`DataError::FeatureCount`], also for a row of the wrong width), a
    /// feature name that differs from the scaling's
    /// ([`DataError::FeatureName`], named scalings only), a value that is
    /// not finite before or after scaling ([`DataError::NonFinite`], line =
    /// row index + 2).
    pub fn apply(&self, data: &RealDataset) -> Result<RealDataset, DataError> {
        self.validate()?;
        let f = self.num_features();
        if data.num_features() != f {
            return Err(DataError::FeatureCount {
                expected: f,
                got: data.num_features(),
            });
        }
        if !self.features.is_empty() {
            for (index, (e, g)) in self.features.iter().zip(&data.feature_names).enumerate() {
                if e != g {
                    return Err(DataError::FeatureName {
                        index,
                        expected: e.clone(),
                        got: g.clone(),
                    });
                }
            }
        }
        let map = |v: f64, o: f64, s: f64, line: usize, column: &str| {
            let x = (v - o) / s;
            if x.is_finite() {
                Ok(x)
            } else {
                Err(DataError::NonFinite {
                    line,
                    column: column.to_string(),
                    value: v,
                })
            }
        };
        let mut rows = Vec::with_capacity(data.len());
        let mut labels = Vec::with_capacity(data.len());
        for (i, (row, &y)) in data.rows.iter().zip(&data.labels).enumerate() {
            let line = i + 2;
            if row.len() != f {
                return Err(DataError::FeatureCount {
                    expected: f,
                    got: row.len(),
                });
            }
            rows.push(
                row.iter()
                    .zip(&data.feature_names)
                    .zip(self.offset.iter().zip(&self.scale))
                    .map(|((&x, name), (&o, &s))| map(x, o, s, line, name))
                    .collect::<Result<Vec<_>, _>>()?,
            );
            labels.push(map(
                y,
                self.target_offset,
                self.target_scale,
                line,
                "label",
            )?);
        }
        Ok(RealDataset {
            feature_names: data.feature_names.clone(),
            rows,
            labels,
        })
    }

    /// The label in scaled units: (y - target_offset) / target_scale.
    pub fn scale_target(&self, y: f64) -> f64 {
        (y - self.target_offset) / self.target_scale
    }

    /// A scaled prediction back in the label's units:
    /// y' * target_scale + target_offset.
    pub fn unscale_target(&self, y: f64) -> f64 {
        y * self.target_scale + self.target_offset
    }
}
