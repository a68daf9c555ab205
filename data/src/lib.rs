//! # zkagg-data
//!
//! Data sets for the providers: the Breast Cancer Wisconsin data set,
//! standardisation (statistics of the training split), quantisation to the
//! consortium's fixed-point format, a seeded test split and provider shards
//! (possibly unequal), a CSV loader with typed errors for a provider's own
//! file, a float64 centralised logistic-regression baseline and a plaintext
//! FedSGD driver over the native training step of [`zkagg_zk::model`].
//!
//! What a provider commits to at registration (c_D, PROTOCOL.md
//! "Registration") is the quantised [`zkagg_zk::model::Dataset`] produced
//! here. Quantisation: x_q = round(x * 2^F_x) in the B_x-bit signed range;
//! the built-in pipeline ([`prepare`]) saturates standardised values beyond
//! the range (and counts them), the CSV loader ([`parse_csv_fixed`]) rejects
//! them with [`DataError::OutOfRange`].
//!
//! Threat model: the data is the provider's own; nothing here handles peer
//! input. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
pub mod breast_cancer;
pub mod csv;
mod error;
pub mod fedsgd;
mod real;
pub mod split;

pub use baseline::LogisticBaseline;
pub use csv::{load_csv_file, parse_csv, parse_csv_fixed, parse_csv_fixed_with, to_csv, CsvSchema};
pub use error::DataError;
pub use fedsgd::{accuracy, PlaintextFedSgd};
pub use real::{quantise, Overflow, RealDataset, Standardizer};
pub use split::{
    prepare, shard, shuffled_indices, train_test_split, Prepared, ShardSizes, SplitOptions,
};
