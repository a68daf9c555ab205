//! # zkagg-aggregation
//!
//! Roles (provider, aggregator, coordinator), the signed bulletin and its
//! sequence rules, the auditor, and the relation trait a new proof system
//! or validity predicate implements. Every core is sans-IO: the caller
//! moves messages (as the in-process [`sim`] does, through their
//! encodings). Protocol: SPEC.md section 8.
//!
//! Threat model: providers and aggregators may be malicious for correctness
//! (every cheat is detected and attributed from the bulletin in the ZK
//! validity mode); privacy needs one honest aggregator. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(non_snake_case)]

pub mod aggregator;
pub mod auditor;
pub mod bulletin;
pub mod config;
pub mod coordinator;
pub mod equivocation;
pub mod error;
pub mod ledger;
pub mod msgs;
pub mod party;
pub mod provider;
pub mod relation;
pub mod setup;
pub mod sim;
pub mod validity;

pub use error::AggError;
pub use party::{AggregatorId, PartyId, ProviderId};
