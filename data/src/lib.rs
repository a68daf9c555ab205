//! # zkagg-data
//!
//! Data sets for the providers: the Breast Cancer Wisconsin and diabetes
//! data sets with bundled public schemas, a fixed feature [`Scaling`] (from
//! public per-feature means and standard deviations, or ranges, carried in
//! the consortium's configuration),
//! standardisation (statistics of the training split, for the centralised
//! baseline only), quantisation to the consortium's fixed-point format, a
//! seeded test split and provider shards (possibly unequal), the one shard
//! rule for the bundled data sets by name ([`bundled`]), a CSV loader with
//! typed, line-numbered errors and row caps for a provider's own file
//! ([`parse_provider_csv`]), float64 centralised
//! baselines (logistic regression, ordinary least squares) and a plaintext
//! FedSGD driver over the native training step of [`zkagg_zk::model`].
//!
//! Scaling without pooling data: a consortium cannot standardise on the
//! union of everyone's rows, so the protocol path scales with a [`Scaling`]
//! fixed up front ([`prepare_scaled`], [`breast_cancer::schema`],
//! [`diabetes::schema`]); [`prepare`] and [`Standardizer`] fit on the
//! training split and serve the centralised baseline only.
//!
//! What a provider commits to at registration (c_D, PROTOCOL.md
//! "Registration") is the quantised [`zkagg_zk::model::Dataset`] produced
//! here. Quantisation: x_q = round(x * 2^F_x) in the B_x-bit signed range;
//! the built-in pipelines ([`prepare_scaled`], [`prepare`]) saturate scaled
//! values beyond the range (and count them), the CSV loader
//! ([`parse_csv_fixed`]) rejects them with [`DataError::OutOfRange`].
//!
//! Threat model: the data is the provider's own; nothing here handles peer
//! input. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
pub mod breast_cancer;
pub mod bundled;
pub mod csv;
pub mod diabetes;
mod error;
pub mod fedsgd;
mod real;
pub mod scaling;
pub mod split;

pub use baseline::{r_squared, LinearBaseline, LogisticBaseline};
pub use bundled::{provider_shards, Bundled};
pub use csv::{
    load_csv_file, parse_csv, parse_csv_capped, parse_csv_fixed, parse_csv_fixed_with,
    parse_provider_csv, to_csv, CsvSchema,
};
pub use error::DataError;
pub use fedsgd::{accuracy, predictions, PlaintextFedSgd};
pub use real::{quantise, Overflow, RealDataset, Standardizer};
pub use scaling::{Scaling, Schema, SchemaEntry};
pub use split::{
    prepare, prepare_scaled, shard, shuffled_indices, train_test_split, Prepared, ScaledPrepared,
    ShardSizes, SplitOptions,
};
