//! # zkagg-aggregation
//!
//! Roles (provider, aggregator, coordinator/bulletin, auditor), the protocol
//! driver, networking and storage. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod data;
