//! # zkagg-aggregation
//!
//! Roles (provider, aggregator, coordinator/bulletin, auditor), the validity
//! relation trait, data loading, and the in-process protocol driver. The role
//! cores are sans-IO: the caller moves messages. Protocol: SPEC.md section 8.
//!
//! Threat model: providers and aggregators may be malicious for correctness
//! (every cheat is detected and attributed from the bulletin); privacy needs
//! one honest aggregator. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(non_snake_case)]

pub mod aggregator;
pub mod auditor;
pub mod bulletin;
pub mod config;
pub mod coordinator;
pub mod driver;
pub mod error;
pub mod msgs;
pub mod provider;
pub mod relation;
pub mod setup;

pub use error::AggError;
