//! # zkagg
//!
//! Privacy-preserving, verifiable collaborative machine learning. This facade
//! re-exports the workspace crates:
//! - [`zk`]: field and encodings, Poseidon, Pedersen, R1CS builder and gadgets,
//!   hardened Spartan backend;
//! - [`mpc`]: oblivious transfer, garbled circuits, two-party validity check;
//! - [`aggregation`]: roles (provider, aggregator, coordinator), the signed
//!   bulletin and the auditor, all sans-IO, and an in-process simulation;
//! - [`data`]: data sets, scaling, quantisation, splits, CSV and baselines;
//! - [`node`]: the services (mutual TLS, SQLite, config files): the only
//!   crate that does I/O.
//!
//! [`demo`] runs a whole consortium as separate processes and watches it
//! (the `zkagg demo` subcommand is a thin wrapper).
//!
//! See SPEC.md for the protocol. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use zkagg_aggregation as aggregation;
pub use zkagg_data as data;
pub use zkagg_mpc as mpc;
pub use zkagg_node as node;
pub use zkagg_zk as zk;

pub mod demo;
