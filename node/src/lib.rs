//! # zkagg-node
//!
//! The only zkagg crate that does I/O: the consortium PKI, mutual-TLS
//! transport, capped framing and SQLite storage, and the services built on
//! them. The protocol cores (`zkagg-aggregation`, `zkagg-zk`, `zkagg-mpc`)
//! stay sans-IO; this crate moves their messages. Design: DEPLOY.md.
//!
//! Threat model: any network peer may be hostile. Nothing is read from a
//! connection before its TLS client certificate has been verified against
//! the consortium CA and mapped to a party of the config allowed on that
//! endpoint; every frame is capped by its type before its buffer is
//! allocated and decoded canonically. Not audited.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod config;
pub mod export;
pub mod frame;
pub mod input;
pub mod metrics;
pub mod pki;
pub mod service;
pub mod store;
pub mod transport;
