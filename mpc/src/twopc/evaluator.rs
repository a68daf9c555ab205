//! The evaluator's role in the two-party bound check (sans-IO typestates).
//!
//! [`EvaluatorInit`] (choice bits = its share bits, for the OT receiver)
//! --`evaluate`(garbler's [`GarbledCircuitMsg`], OT output labels)--> the
//! verdict and the [`OutputLabelMsg`] for the garbler. The batch form
//! (several vectors, one output bit each) is shared with
//! [`super::session`].
//!
//! The garbled message is untrusted: wrong label counts, truncated or padded
//! tables are reported as garbler misbehaviour, never a panic.
//!
//! Threat model: semi-honest. Not audited.

use super::error::{Role, TwoPcError};
use super::msgs::{GarbledCircuitMsg, OutputLabelMsg};
use super::predicate::{BoundRange, BoundSharing};
use super::{check_range, coordinate_circuit, LANES};
use crate::garble::gadgets::and_all;
use crate::garble::{decode, Evaluator, Fancy, GarbleError};
use crate::Block;
use core::marker::PhantomData;
use zeroize::Zeroizing;

/// An evaluator that holds its shares and waits for the garbled circuit.
#[derive(Clone)]
pub struct EvaluatorInit<S: BoundSharing> {
    /// The party's input bits (secret; wiped on drop).
    choices: Zeroizing<Vec<bool>>,
    d: usize,
    range: BoundRange,
    _sharing: PhantomData<S>,
}

impl<S: BoundSharing> core::fmt::Debug for EvaluatorInit<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EvaluatorInit")
            .field("d", &self.d)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

fn peer(source: GarbleError) -> TwoPcError {
    TwoPcError::PeerMisbehaved {
        party: Role::Garbler,
        source,
    }
}

/// Evaluates the batch circuit of `n` vectors of `d` coordinates with the
/// garbler's message and the labels obtained by OT (`n * d * S::BITS`, in
/// input order). Returns one verdict bit and one output label per vector.
pub(crate) fn evaluate_batch<S: BoundSharing>(
    n: usize,
    d: usize,
    range: &BoundRange,
    msg: GarbledCircuitMsg,
    ot_labels: &[Block],
) -> Result<(Vec<bool>, Vec<Block>), TwoPcError> {
    let (coords, w) = (n * d, S::BITS);
    if ot_labels.len() != coords * w {
        return Err(GarbleError::WrongLabelCount {
            what: "OT output labels",
            expected: coords * w,
            got: ot_labels.len(),
        }
        .into());
    }
    let g_labels = &msg.garbler_labels.labels;
    if g_labels.len() != coords * w {
        return Err(peer(GarbleError::WrongLabelCount {
            what: "garbler input labels",
            expected: coords * w,
            got: g_labels.len(),
        }));
    }
    if msg.decoding.bits.len() != n {
        return Err(peer(GarbleError::WrongLabelCount {
            what: "decoding bits",
            expected: n,
            got: msg.decoding.bits.len(),
        }));
    }
    let circ = coordinate_circuit::<S>(range)?;
    let mut ev = Evaluator::new(msg.tables);
    let mut oks = Vec::with_capacity(coords);
    let mut buf = Vec::with_capacity(LANES * 2 * w);
    for start in (0..coords).step_by(LANES) {
        let k = LANES.min(coords - start);
        buf.clear();
        for i in start..start + k {
            buf.extend_from_slice(&g_labels[i * w..(i + 1) * w]);
            buf.extend_from_slice(&ot_labels[i * w..(i + 1) * w]);
        }
        oks.extend(circ.evaluate(&mut ev, &buf, k).map_err(peer)?);
    }
    let mut outs = Vec::with_capacity(n);
    for v in 0..n {
        outs.push(and_all(&mut ev, &oks[v * d..(v + 1) * d]).map_err(peer)?);
    }
    for o in &outs {
        ev.output(o).map_err(peer)?;
    }
    let labels = ev.finish().map_err(peer)?;
    let bits = decode(&labels, &msg.decoding).map_err(peer)?;
    Ok((bits, labels))
}

impl<S: BoundSharing> EvaluatorInit<S> {
    /// Starts the evaluator with its shares `x_2` and the public range.
    pub fn new(shares: &[S::Share], range: BoundRange) -> Result<Self, TwoPcError> {
        check_range::<S>(&range)?;
        let mut choices = Zeroizing::new(Vec::with_capacity(shares.len() * S::BITS));
        for x in shares {
            S::push_evaluator_bits(x, &mut choices);
        }
        Ok(EvaluatorInit {
            choices,
            d: shares.len(),
            range,
            _sharing: PhantomData,
        })
    }

    /// The OT receiver's choice bits (the evaluator's input bits).
    pub fn ot_choices(&self) -> &[bool] {
        &self.choices
    }

    /// Evaluates the garbled circuit with the labels obtained by OT. Returns
    /// the verdict and the message that tells the garbler.
    pub fn evaluate(
        self,
        msg: GarbledCircuitMsg,
        ot_labels: &[Block],
    ) -> Result<(bool, OutputLabelMsg), TwoPcError> {
        let (bits, labels) = evaluate_batch::<S>(1, self.d, &self.range, msg, ot_labels)?;
        match (bits.first(), labels.first()) {
            (Some(&bit), Some(&label)) => Ok((bit, OutputLabelMsg { label })),
            _ => Err(peer(GarbleError::WrongLabelCount {
                what: "decoding bits",
                expected: 1,
                got: bits.len(),
            })),
        }
    }
}
