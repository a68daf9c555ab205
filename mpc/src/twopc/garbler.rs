//! The garbler's role in the two-party bound check (sans-IO typestates).
//!
//! [`GarblerInit`] --`garble`--> ([`GarblerAwaitingOutput`],
//! [`GarbledCircuitMsg`] for the evaluator, [`OtSenderInput`] for the OT
//! sender) --`finish`(evaluator's [`OutputLabelMsg`])--> verdict.
//!
//! The garbler holds `x_1`, adds `-lo` in the clear, garbles `d` copies of
//! the per-coordinate predicate (eight at a time in lanes, so AES calls batch
//! across coordinates) and an AND tree over the `d` predicate bits. The
//! batch form (several vectors, one output bit each) is shared with
//! [`super::session`].
//!
//! Threat model: semi-honest. Not audited.

use super::error::{Role, TwoPcError};
use super::msgs::{GarbledCircuitMsg, OutputLabelMsg};
use super::predicate::{BoundRange, BoundSharing};
use super::{check_range, coordinate_circuit, LANES};
use crate::garble::gadgets::and_all;
use crate::garble::{Fancy, GarbleError, Garbler, GarblerOutputs, InputLabels};
use crate::Block;
use core::marker::PhantomData;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

/// The OT sender's input: both labels of every evaluator input wire, in
/// coordinate order. Not a message: it is handed to the OT sender.
#[derive(Clone)]
pub struct OtSenderInput {
    /// `[W0, W1]` per evaluator input bit.
    pub pairs: Vec<[Block; 2]>,
}

impl core::fmt::Debug for OtSenderInput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OtSenderInput")
            .field("pairs", &self.pairs.len())
            .finish_non_exhaustive()
    }
}

/// A garbler that holds its shares and has not garbled yet.
#[derive(Clone)]
pub struct GarblerInit<S: BoundSharing> {
    /// The party's input bits (secret; wiped on drop).
    bits: Zeroizing<Vec<bool>>,
    d: usize,
    range: BoundRange,
    _sharing: PhantomData<S>,
}

impl<S: BoundSharing> core::fmt::Debug for GarblerInit<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GarblerInit")
            .field("d", &self.d)
            .field("range", &self.range)
            .finish_non_exhaustive()
    }
}

/// A garbler that has sent its garbled circuit and waits for the output label.
#[derive(Clone)]
pub struct GarblerAwaitingOutput {
    keep: GarblerOutputs,
    and_gates: u64,
}

impl core::fmt::Debug for GarblerAwaitingOutput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GarblerAwaitingOutput")
            .field("and_gates", &self.and_gates)
            .finish_non_exhaustive()
    }
}

/// Everything garbling a batch produces.
pub(crate) struct GarbledBatch {
    /// The message for the evaluator.
    pub(crate) msg: GarbledCircuitMsg,
    /// Both labels of every evaluator input wire (the OT sender's input;
    /// they reveal the global offset, hence wiped on drop).
    pub(crate) pairs: Zeroizing<Vec<[Block; 2]>>,
    /// What the garbler keeps to decode the output labels.
    pub(crate) keep: GarblerOutputs,
    /// AND gates garbled.
    pub(crate) and_gates: u64,
}

/// AND gates of the batch circuit: `n * d` coordinate predicates and one AND
/// tree of `d - 1` gates per vector.
pub(crate) fn batch_and_gates(per_coordinate: usize, n: usize, d: usize) -> Option<u64> {
    let coords = n.checked_mul(d)?;
    let trees = n.checked_mul(d.saturating_sub(1))?;
    let gates = coords.checked_mul(per_coordinate)?.checked_add(trees)?;
    u64::try_from(gates).ok()
}

/// Garbles the check of `n` vectors of `d` coordinates each; `bits` are the
/// garbler's input bits, vector by vector and coordinate by coordinate
/// (`S::BITS` per coordinate, already shifted by `-lo`). One output per
/// vector.
pub(crate) fn garble_batch<S: BoundSharing, R: RngCore + CryptoRng>(
    bits: &[bool],
    n: usize,
    d: usize,
    range: &BoundRange,
    rng: &mut R,
) -> Result<GarbledBatch, TwoPcError> {
    let circ = coordinate_circuit::<S>(range)?;
    let w = S::BITS;
    let coords = n * d;
    if bits.len() != coords * w {
        return Err(GarbleError::WrongInputWidth {
            input: 0,
            expected: coords * w,
            got: bits.len(),
        }
        .into());
    }
    let mut gb = Garbler::new(rng);
    gb.reserve_and_gates(circ.and_count() * coords + coords);
    let g_zero = gb.new_inputs(coords * w, rng);
    let e_zero = gb.new_inputs(coords * w, rng);
    let garbler_labels = g_zero
        .iter()
        .zip(bits)
        .map(|(&z, &b)| gb.encode(z, b))
        .collect();
    let pairs = Zeroizing::new(e_zero.iter().map(|&z| gb.label_pair(z)).collect());
    let mut oks = Vec::with_capacity(coords);
    let mut buf = Vec::with_capacity(LANES * 2 * w);
    for start in (0..coords).step_by(LANES) {
        let k = LANES.min(coords - start);
        buf.clear();
        for i in start..start + k {
            buf.extend_from_slice(&g_zero[i * w..(i + 1) * w]);
            buf.extend_from_slice(&e_zero[i * w..(i + 1) * w]);
        }
        oks.extend(circ.garble(&mut gb, &buf, k)?);
    }
    let mut outs = Vec::with_capacity(n);
    for v in 0..n {
        outs.push(and_all(&mut gb, &oks[v * d..(v + 1) * d])?);
    }
    for o in &outs {
        gb.output(o)?;
    }
    let and_gates = gb.and_gates();
    let (tables, decoding, keep) = gb.finish();
    Ok(GarbledBatch {
        msg: GarbledCircuitMsg {
            tables,
            garbler_labels: InputLabels {
                labels: garbler_labels,
            },
            decoding,
        },
        pairs,
        keep,
        and_gates,
    })
}

/// Decodes the evaluator's output labels (one per vector); a label that is
/// neither label of its wire is evaluator misbehaviour.
pub(crate) fn decode_outputs(
    keep: &GarblerOutputs,
    labels: &[Block],
) -> Result<Vec<bool>, TwoPcError> {
    keep.decode(labels)
        .map_err(|source| TwoPcError::PeerMisbehaved {
            party: Role::Evaluator,
            source,
        })
}

impl<S: BoundSharing> GarblerInit<S> {
    /// Starts the garbler with its shares `x_1` and the public range.
    pub fn new(shares: &[S::Share], range: BoundRange) -> Result<Self, TwoPcError> {
        check_range::<S>(&range)?;
        let mut bits = Zeroizing::new(Vec::with_capacity(shares.len() * S::BITS));
        for x in shares {
            S::push_garbler_bits(x, &range, &mut bits);
        }
        Ok(GarblerInit {
            bits,
            d: shares.len(),
            range,
            _sharing: PhantomData,
        })
    }

    /// Garbles the validity circuit.
    pub fn garble<R: RngCore + CryptoRng>(
        self,
        rng: &mut R,
    ) -> Result<(GarblerAwaitingOutput, GarbledCircuitMsg, OtSenderInput), TwoPcError> {
        let mut batch = garble_batch::<S, R>(&self.bits, 1, self.d, &self.range, rng)?;
        let pairs = core::mem::take(&mut *batch.pairs);
        Ok((
            GarblerAwaitingOutput {
                keep: batch.keep,
                and_gates: batch.and_gates,
            },
            batch.msg,
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
    /// coordinate in range"). A label that is neither label of the output
    /// wire is peer misbehaviour.
    pub fn finish(self, msg: OutputLabelMsg) -> Result<bool, TwoPcError> {
        let bits = decode_outputs(&self.keep, &[msg.label])?;
        bits.first().copied().ok_or(TwoPcError::PeerMisbehaved {
            party: Role::Evaluator,
            source: GarbleError::WrongLabelCount {
                what: "output labels",
                expected: 1,
                got: 0,
            },
        })
    }
}
