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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ideal_selects_and_checks_lengths() {
        let msgs = [[Block(1), Block(2)], [Block(3), Block(4)]];
        assert_eq!(
            transfer_chosen(&msgs, &[true, false]).unwrap(),
            vec![Block(2), Block(3)]
        );
        let err = transfer_chosen(&msgs, &[true]).unwrap_err();
        assert!(!err.is_peer_misbehaviour());
    }
}
