//! The evaluator's role in the two-party bound check (sans-IO typestates).
//!
//! [`EvaluatorInit`] (choice bits = its share bits, for the OT receiver)
//! --`evaluate`(garbler's [`GarbledCircuitMsg`], OT output labels)--> the
//! verdict and the [`OutputLabelMsg`] for the garbler.
//!
//! The garbled message is untrusted: wrong label counts, truncated or padded
//! tables are reported as garbler misbehaviour, never a panic.
//!
//! Threat model: semi-honest. Not audited.

use super::error::{Role, TwoPcError};
use super::msgs::{GarbledCircuitMsg, OutputLabelMsg};
use super::predicate::BoundSharing;
use super::{check_bound_value, coordinate_circuit, LANES};
use crate::garble::gadgets::and_all;
use crate::garble::{decode, Evaluator, Fancy, GarbleError};
use crate::Block;
use core::marker::PhantomData;

/// An evaluator that holds its shares and waits for the garbled circuit.
#[derive(Clone, Debug)]
pub struct EvaluatorInit<S: BoundSharing> {
    choices: Vec<bool>,
    d: usize,
    bound: u64,
    _sharing: PhantomData<S>,
}

fn peer(source: GarbleError) -> TwoPcError {
    TwoPcError::PeerMisbehaved {
        party: Role::Garbler,
        source,
    }
}

impl<S: BoundSharing> EvaluatorInit<S> {
    /// Starts the evaluator with its shares `x_2` and the public bound `B`.
    pub fn new(shares: &[S::Share], bound: u64) -> Result<Self, TwoPcError> {
        check_bound_value::<S>(bound)?;
        let mut choices = Vec::with_capacity(shares.len() * S::BITS);
        for x in shares {
            S::push_evaluator_bits(x, &mut choices);
        }
        Ok(EvaluatorInit {
            choices,
            d: shares.len(),
            bound,
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
        let (d, n) = (self.d, S::BITS);
        if ot_labels.len() != d * n {
            return Err(GarbleError::WrongLabelCount {
                what: "OT output labels",
                expected: d * n,
                got: ot_labels.len(),
            }
            .into());
        }
        let g_labels = &msg.garbler_labels.labels;
        if g_labels.len() != d * n {
            return Err(peer(GarbleError::WrongLabelCount {
                what: "garbler input labels",
                expected: d * n,
                got: g_labels.len(),
            }));
        }
        if msg.decoding.bits.len() != 1 {
            return Err(peer(GarbleError::WrongLabelCount {
                what: "decoding bits",
                expected: 1,
                got: msg.decoding.bits.len(),
            }));
        }
        let circ = coordinate_circuit::<S>(self.bound)?;
        let mut ev = Evaluator::new(msg.tables);
        let mut oks = Vec::with_capacity(d);
        let mut buf = Vec::with_capacity(LANES * 2 * n);
        for start in (0..d).step_by(LANES) {
            let k = LANES.min(d - start);
            buf.clear();
            for i in start..start + k {
                buf.extend_from_slice(&g_labels[i * n..(i + 1) * n]);
                buf.extend_from_slice(&ot_labels[i * n..(i + 1) * n]);
            }
            oks.extend(circ.evaluate(&mut ev, &buf, k).map_err(peer)?);
        }
        let all = and_all(&mut ev, &oks).map_err(peer)?;
        ev.output(&all).map_err(peer)?;
        let labels = ev.finish().map_err(peer)?;
        let bits = decode(&labels, &msg.decoding).map_err(peer)?;
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
