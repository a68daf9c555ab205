//! Errors of the Poseidon module.

use thiserror::Error;

/// Errors generating Poseidon parameters from a [`super::ParamsSpec`]
/// (local misuse or an instance this generator does not support).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsError {
    /// The width is outside 2..=4095 (the Grain seed holds t in 12 bits).
    #[error("unsupported width t = {0}")]
    BadWidth(usize),
    /// R_F must be even and at least 2; R_F and R_P must fit the Grain seed
    /// (10 bits each).
    #[error("bad round numbers R_F = {full}, R_P = {partial}")]
    BadRounds {
        /// Full rounds.
        full: usize,
        /// Partial rounds.
        partial: usize,
    },
    /// The field size n must be the bit length of l (253): samples are n-bit
    /// integers.
    #[error("field size n = {0} bits is not the bit length of l (253)")]
    BadFieldBits(u16),
    /// The S-box code is 4 bits in the Grain seed.
    #[error("S-box code {0} does not fit in 4 bits")]
    BadSboxCode(u8),
    /// The first MDS candidate sampled from the LFSR failed the reference
    /// script's subspace-trail checks (in the stronger form we implement), so
    /// the reference would have sampled another one and this generator cannot
    /// promise to agree with it.
    #[error("MDS candidate rejected: {0}")]
    MdsRejected(&'static str),
}
