//! Semi-honest two-party validity check between two aggregators (Yao's
//! protocol with half-gates garbling).
//!
//! **Relation.** Aggregator 1 (garbler) holds `x_1 in M^d`, aggregator 2
//! (evaluator) holds `x_2 in M^d`, additive shares of a client vector
//! `x = x_1 + x_2` with signed coordinates embedded as `v mod m`. Both learn
//! the single bit `valid = AND_j [ x_j in [lo, hi] ]` and nothing else, for a
//! public interval [`BoundRange`] with `hi - lo < m` (e.g. the ZK path's
//! signed `b`-bit range, [`BoundRange::signed_bits`]). Two sharings:
//! - over `F = Z_l` (ristretto255 scalars, the ZK path's field): [`FieldSharing`];
//! - over `Z_2^64` (wrapping `u64`): [`Ring64Sharing`].
//!
//! **Circuit.** `x_j in [lo, hi]  iff  (x_1j - lo + x_2j) mod m <= hi - lo`; the
//! garbler adds `-lo` to its share in the clear, so per coordinate the circuit is one
//! modular addition and one comparison with a public constant (see
//! [`predicate`]), then an AND tree over the `d` bits.
//!
//! **Protocol.** (1) OT: the evaluator obtains the labels of its input bits as
//! OT receiver ([`crate::ot::transfer_chosen`]: Chou-Orlandi base OT, KOS
//! extension); (2) in the same flow as the OT's last sender message, the
//! garbler sends [`GarbledCircuitMsg`] (tables, its own input labels, the
//! decoding bit); (3) the evaluator evaluates, learns the bit and returns the
//! output label ([`OutputLabelMsg`]) so the garbler learns it too. Rounds =
//! OT flows + 1.
//!
//! **References.** Yao (FOCS 1986); Lindell-Pinkas, "A Proof of Security of
//! Yao's Protocol for Two-Party Computation" (J. Cryptology 2009);
//! Zahur-Rosulek-Evans half gates (EUROCRYPT 2015); see [`crate::garble`] and
//! [`crate::ot`].
//!
//! **Threat model.** Semi-honest aggregators; the two aggregators do not
//! collude. A malicious garbler could garble a different predicate; a
//! malicious evaluator could lie about the output bit only by forging a label,
//! which the garbler detects. Not secure against malicious parties in general.
//!
//! **Not audited.**
//!
//! Two interfaces:
//! - [`session::TwoPcParty`]: a message-driven party for a *batch* of
//!   vectors (one verdict each, one OT-extension setup per batch) that
//!   exchanges encoded bytes only; this is what two networked aggregators
//!   run. [`check_bound_field`] and [`check_bound_u64`] run a one-vector
//!   session in process and report its cost.
//! - The lower-level typestates ([`GarblerInit`] / [`EvaluatorInit`]) with a
//!   pluggable OT ([`ChosenOt`]), driven in process by [`check_bound`].

pub mod error;
pub mod evaluator;
pub mod garbler;
pub mod msgs;
pub mod predicate;
pub mod session;

pub use error::{Role, TwoPcError};
pub use evaluator::EvaluatorInit;
pub use garbler::{GarblerAwaitingOutput, GarblerInit, OtSenderInput};
pub use msgs::{GarbledCircuitMsg, OutputLabelMsg};
pub use predicate::{BoundRange, BoundSharing, FieldSharing, Ring64Sharing};

use crate::garble::{Circuit, CircuitBuilder, Fancy, GarbleError};
use crate::ot::{OtCost, OtError, SessionId};
use crate::Block;
use curve25519_dalek::Scalar;
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// Cost of one run of the bound check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoPcCost {
    /// Bytes garbler -> evaluator (garbled circuit message + OT sender flows).
    pub bytes_garbler_to_evaluator: u64,
    /// Bytes evaluator -> garbler (OT receiver flows + output label).
    pub bytes_evaluator_to_garbler: u64,
    /// One-way flows (network latencies): OT flows + 1.
    pub rounds: u32,
    /// AND gates garbled (32 bytes of table each).
    pub and_gates: u64,
    /// Number of OTs (evaluator input bits).
    pub ots: u64,
    /// The OT part of the cost, as reported by the OT.
    pub ot: OtCost,
}

impl TwoPcCost {
    /// Bytes in both directions.
    pub fn total_bytes(&self) -> u64 {
        self.bytes_garbler_to_evaluator + self.bytes_evaluator_to_garbler
    }
}

/// A chosen-message OT used to deliver the evaluator's input labels: the
/// extension point for swapping the OT (real, ideal, or a networked one).
pub trait ChosenOt {
    /// Transfers `msgs[i][choices[i]]` to the receiver; returns the received
    /// blocks and the cost. The OT's last flow must be sender -> receiver (the
    /// garbled circuit rides along).
    fn transfer<R: RngCore + CryptoRng>(
        &mut self,
        msgs: &[[Block; 2]],
        choices: &[bool],
        rng_sender: &mut R,
        rng_receiver: &mut R,
    ) -> Result<(Vec<Block>, OtCost), OtError>;
}

/// The real OT: Chou-Orlandi base OTs and KOS extension ([`crate::ot::transfer_chosen`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct KosOt;

impl ChosenOt for KosOt {
    fn transfer<R: RngCore + CryptoRng>(
        &mut self,
        msgs: &[[Block; 2]],
        choices: &[bool],
        rng_sender: &mut R,
        rng_receiver: &mut R,
    ) -> Result<(Vec<Block>, OtCost), OtError> {
        crate::ot::transfer_chosen(msgs, choices, rng_sender, rng_receiver)
    }
}

/// The ideal OT functionality ([`crate::ot::ideal`]): no security, zero
/// cost. For tests of the composition only.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdealOt;

impl ChosenOt for IdealOt {
    fn transfer<R: RngCore + CryptoRng>(
        &mut self,
        msgs: &[[Block; 2]],
        choices: &[bool],
        _rng_sender: &mut R,
        _rng_receiver: &mut R,
    ) -> Result<(Vec<Block>, OtCost), OtError> {
        Ok((
            crate::ot::ideal::transfer_chosen(msgs, choices)?,
            OtCost::default(),
        ))
    }
}

/// Coordinates garbled side by side (AES batching across coordinates).
pub(crate) const LANES: usize = 8;

/// Checks that the range is narrow enough for the sharing (`hi - lo < m`).
pub(crate) fn check_range<S: BoundSharing>(range: &BoundRange) -> Result<(), TwoPcError> {
    if range.width() > S::MAX_WIDTH {
        Err(TwoPcError::RangeTooWide {
            width: range.width(),
            max: S::MAX_WIDTH,
        })
    } else {
        Ok(())
    }
}

/// The per-coordinate circuit: inputs `S::BITS` garbler bits then `S::BITS`
/// evaluator bits, one output.
pub fn coordinate_circuit<S: BoundSharing>(range: &BoundRange) -> Result<Circuit, GarbleError> {
    let mut b = CircuitBuilder::new();
    let g = b.inputs(S::BITS)?;
    let e = b.inputs(S::BITS)?;
    let ok = S::in_range(&mut b, &g, &e, range)?;
    b.output(&ok)?;
    Ok(b.build())
}

/// Runs both roles in process over the sharing `S` and the OT `ot`.
pub fn check_bound<S: BoundSharing, O: ChosenOt, R: RngCore + CryptoRng>(
    shares_1: &[S::Share],
    shares_2: &[S::Share],
    range: BoundRange,
    ot: &mut O,
    rng_garbler: &mut R,
    rng_evaluator: &mut R,
) -> Result<(bool, TwoPcCost), TwoPcError> {
    if shares_1.len() != shares_2.len() {
        return Err(TwoPcError::LengthMismatch {
            garbler: shares_1.len(),
            evaluator: shares_2.len(),
        });
    }
    let garbler = GarblerInit::<S>::new(shares_1, range)?;
    let evaluator = EvaluatorInit::<S>::new(shares_2, range)?;
    let (garbler, gc_msg, ot_input) = garbler.garble(rng_garbler)?;
    let (labels, ot_cost) = ot.transfer(
        &ot_input.pairs,
        evaluator.ot_choices(),
        rng_garbler,
        rng_evaluator,
    )?;
    let gc_bytes = gc_msg.byte_len();
    let (verdict_e, out_msg) = evaluator.evaluate(gc_msg, &labels)?;
    let out_bytes = out_msg.byte_len();
    let and_gates = garbler.and_gates();
    let verdict_g = garbler.finish(out_msg)?;
    // Both learn the same bit (the garbler checked the label is genuine).
    debug_assert_eq!(verdict_e, verdict_g);
    let cost = TwoPcCost {
        bytes_garbler_to_evaluator: gc_bytes + ot_cost.bytes_sender_to_receiver,
        bytes_evaluator_to_garbler: out_bytes + ot_cost.bytes_receiver_to_sender,
        // The garbled circuit joins the OT's last (sender -> receiver) flow,
        // or is a flow of its own when the OT has none; then the output label.
        rounds: ot_cost.rounds.max(1) + 1,
        and_gates,
        ots: ot_input.pairs.len() as u64,
        ot: ot_cost,
    };
    Ok((verdict_g, cost))
}

/// Runs a one-vector [`session`] in process with seeds and a session id
/// drawn from the two generators.
fn check_bound_session<S: BoundSharing, R: RngCore + CryptoRng>(
    shares_1: &[S::Share],
    shares_2: &[S::Share],
    range: BoundRange,
    rng_garbler: &mut R,
    rng_evaluator: &mut R,
) -> Result<(bool, TwoPcCost), TwoPcError>
where
    S::Share: Clone,
{
    if shares_1.len() != shares_2.len() {
        return Err(TwoPcError::LengthMismatch {
            garbler: shares_1.len(),
            evaluator: shares_2.len(),
        });
    }
    let session_id = SessionId::random(rng_garbler);
    let mut seed_g = [0u8; 32];
    rng_garbler.fill_bytes(&mut seed_g);
    let mut seed_e = [0u8; 32];
    rng_evaluator.fill_bytes(&mut seed_e);
    let (verdicts, cost) = session::run_in_process::<S>(
        session_id,
        range,
        vec![shares_1.to_vec()],
        vec![shares_2.to_vec()],
        seed_g,
        seed_e,
    )?;
    Ok((verdicts.first().copied().unwrap_or(false), cost))
}

/// Bound check over `Z_l` shares with the real OT: is every coordinate of
/// `shares_1 + shares_2` (as a signed value) in `range`? A one-vector
/// [`session::TwoPcParty`] run in process (session id and seeds drawn from
/// the generators).
pub fn check_bound_field<R: RngCore + CryptoRng>(
    shares_1: &[Scalar],
    shares_2: &[Scalar],
    range: BoundRange,
    rng_garbler: &mut R,
    rng_evaluator: &mut R,
) -> Result<(bool, TwoPcCost), TwoPcError> {
    check_bound_session::<FieldSharing, _>(shares_1, shares_2, range, rng_garbler, rng_evaluator)
}

/// Bound check over `Z_2^64` shares (wrapping add, two's complement) with the
/// real OT: is every coordinate of `shares_1 + shares_2` (as a signed
/// value) in `range`? A one-vector session run in process, as
/// [`check_bound_field`].
pub fn check_bound_u64<R: RngCore + CryptoRng>(
    shares_1: &[u64],
    shares_2: &[u64],
    range: BoundRange,
    rng_garbler: &mut R,
    rng_evaluator: &mut R,
) -> Result<(bool, TwoPcCost), TwoPcError> {
    check_bound_session::<Ring64Sharing, _>(shares_1, shares_2, range, rng_garbler, rng_evaluator)
}

#[cfg(test)]
mod tests;
