//! # zkagg-mpc
//!
//! Multi-party computation building blocks for zkagg: oblivious transfer
//! (Chou-Orlandi base OT, IKNP/KOS extension), garbled circuits (half-gates,
//! free-XOR, fixed-key AES) and a semi-honest two-party validity check between
//! two aggregators.
//!
//! Every protocol core is sans-IO: a step function from (state, inbound
//! message) to (next state, outbound message). Sockets live in
//! `zkagg-aggregation`.
//!
//! **Not audited.** Semi-honest security only unless a module says otherwise.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod block;
pub mod garble;
pub mod ot;
pub mod sharing;
pub mod twopc;

pub use block::Block;
