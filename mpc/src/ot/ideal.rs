//! Ideal oblivious-transfer functionality, for testing protocols that use OT
//! (e.g. garbled-circuit input labels) without running a real OT.
//!
//! It takes both parties' inputs and hands the receiver its output directly.
//! It offers no security at all: use it only in tests. **Not audited.**

use super::{Misuse, OtError};
use crate::block::Block;

/// Ideal chosen-message OT: returns `msgs[i][choices[i] as usize]` for each `i`.
///
/// Errors with [`Misuse::LengthMismatch`] if the inputs differ in length.
pub fn transfer_chosen(msgs: &[[Block; 2]], choices: &[bool]) -> Result<Vec<Block>, OtError> {
    if msgs.len() != choices.len() {
        return Err(Misuse::LengthMismatch {
            what: "choices (one per message pair)",
            expected: msgs.len(),
            actual: choices.len(),
        }
        .into());
    }
    Ok(msgs
        .iter()
        .zip(choices)
        .map(|(pair, &c)| pair[c as usize])
        .collect())
}
