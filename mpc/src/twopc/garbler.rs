//! The garbler's role in the two-party bound check (sans-IO typestates).
//!
//! [`GarblerInit`] --`garble`--> ([`GarblerAwaitingOutput`],
//! [`GarbledCircuitMsg`] for the evaluator, [`OtSenderInput`] for the OT
//! sender) --`finish`(evaluator's [`OutputLabelMsg`])--> verdict.
//!
//! The garbler holds `x_1`, adds `B` in the clear, garbles `d` copies of the
//! per-coordinate predicate (eight at a time in lanes, so AES calls batch
//! across coordinates) and an AND tree over the `d` predicate bits.
//!
//! Threat model: semi-honest. Not audited.

use super::error::{Role, TwoPcError};
use super::msgs::{GarbledCircuitMsg, OutputLabelMsg};
use super::predicate::BoundSharing;
use super::{check_bound_value, coordinate_circuit, LANES};
use crate::garble::gadgets::and_all;
use crate::garble::{Fancy, Garbler, GarblerOutputs, InputLabels};
use crate::Block;
use core::marker::PhantomData;
use rand_core::{CryptoRng, RngCore};

/// The OT sender's input: both labels of every evaluator input wire, in
/// coordinate order. Not a message: it is handed to the OT sender.
#[derive(Clone, Debug)]
pub struct OtSenderInput {
    /// `[W0, W1]` per evaluator input bit.
    pub pairs: Vec<[Block; 2]>,
}

/// A garbler that holds its shares and has not garbled yet.
#[derive(Clone, Debug)]
pub struct GarblerInit<S: BoundSharing> {
    bits: Vec<bool>,
    d: usize,
    bound: u64,
    _sharing: PhantomData<S>,
}

/// A garbler that has sent its garbled circuit and waits for the output label.
#[derive(Clone, Debug)]
pub struct GarblerAwaitingOutput {
    keep: GarblerOutputs,
    and_gates: u64,
}

impl<S: BoundSharing> GarblerInit<S> {
    /// Starts the garbler with its shares `x_1` and the public bound `B`.
    pub fn new(shares: &[S::Share], bound: u64) -> Result<Self, TwoPcError> {
        check_bound_value::<S>(bound)?;
        let mut bits = Vec::with_capacity(shares.len() * S::BITS);
        for x in shares {
            S::push_garbler_bits(x, bound, &mut bits);
        }
        Ok(GarblerInit {
            bits,
            d: shares.len(),
            bound,
            _sharing: PhantomData,
        })
    }

    /// Garbles the validity circuit.
    pub fn garble<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<(GarblerAwaitingOutput, GarbledCircuitMsg, OtSenderInput), TwoPcError> {
        let circ = coordinate_circuit::<S>(self.bound)?;
        let (d, n) = (self.d, S::BITS);
        let mut gb = Garbler::new(rng);
        gb.reserve_and_gates(circ.and_count() * d + d);
        let g_zero = gb.new_inputs(d * n, rng);
        let e_zero = gb.new_inputs(d * n, rng);
        let garbler_labels = g_zero
            .iter()
            .zip(&self.bits)
            .map(|(&z, &b)| gb.encode(z, b))
            .collect();
        let pairs = e_zero.iter().map(|&z| gb.label_pair(z)).collect();
        let mut oks = Vec::with_capacity(d);
        let mut buf = Vec::with_capacity(LANES * 2 * n);
        for start in (0..d).step_by(LANES) {
            let k = LANES.min(d - start);
            buf.clear();
            for i in start..start + k {
                buf.extend_from_slice(&g_zero[i * n..(i + 1) * n]);
                buf.extend_from_slice(&e_zero[i * n..(i + 1) * n]);
            }
            oks.extend(circ.garble(&mut gb, &buf, k)?);
        }
        let all = and_all(&mut gb, &oks)?;
        gb.output(&all)?;
        let and_gates = gb.and_gates();
        let (tables, decoding, keep) = gb.finish();
        Ok((
            GarblerAwaitingOutput { keep, and_gates },
            GarbledCircuitMsg {
                tables,
                garbler_labels: InputLabels {
                    labels: garbler_labels,
                },
                decoding,
            },
            OtSenderInput { pairs },
        ))
    }
}

impl GarblerAwaitingOutput {
    /// AND gates garbled (tables sent: 32 bytes each).
    pub fn and_gates(&self) -> u64 {
        self.and_gates
    }

    /// Decodes the evaluator's output label into the verdict ("every
    /// coordinate in bound"). A label that is neither label of the output wire
    /// is peer misbehaviour.
    pub fn finish(self, msg: OutputLabelMsg) -> Result<bool, TwoPcError> {
        let peer = |source| TwoPcError::PeerMisbehaved {
            party: Role::Evaluator,
            source,
        };
        let bits = self.keep.decode(&[msg.label]).map_err(peer)?;
        bits.first().copied().ok_or_else(|| {
            peer(crate::garble::GarbleError::WrongLabelCount {
                what: "output labels",
                expected: 1,
                got: 0,
            })
        })
    }
}
