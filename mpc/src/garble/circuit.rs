//! Flat compiled circuits and the batched garbling/evaluation engine.
//!
//! [`CircuitBuilder`] is a [`Fancy`] backend that records gates; [`Circuit`]
//! is the result: a flat gate array, re-ordered by AND depth so that the AND
//! gates of one level form a contiguous *run* of mutually independent gates.
//! The engine ([`Circuit::garble`], [`Circuit::evaluate`]) then walks the
//! array with no allocation and no dynamic dispatch, hashing all the AND gates
//! of a run (times the number of *lanes*) with batched fixed-key-AES calls.
//!
//! Lanes run `k` independent instances of the same circuit side by side (with
//! distinct gate indices), which batches circuits whose AND gates form a long
//! chain (adders, comparators) across instances.
//!
//! Scheduling: level(input) = 0; level(XOR/NOT/const) = max level of inputs;
//! level(AND) = 1 + max level of inputs. Gates are stably sorted by (level,
//! AND before linear). An AND of level `L` reads wires of level < `L` only; a
//! linear gate of level `L` reads wires of level <= `L`, all earlier in the
//! order; so the order is topological and each level's ANDs are independent.
//!
//! Tables are produced in engine order (run by run, gate by gate, lane by
//! lane), which the evaluator mirrors; they are not interchangeable with the
//! streaming backends' order for the same circuit.
//!
//! Threat model: semi-honest, as [`super::garbler`]. Not audited.

use super::error::GarbleError;
use super::evaluator::{eval_half_gates, Evaluator};
use super::fancy::Fancy;
use super::garbler::{half_gates, Garbler};
use crate::Block;

/// Gate operations of a compiled circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Op {
    Xor,
    And,
    Not,
    Const,
}

/// One recorded gate: `out = op(a, b)`; for `Const`, `a` is the bit.
#[derive(Clone, Copy, Debug)]
struct Gate {
    op: Op,
    a: u32,
    b: u32,
    out: u32,
}

/// A compiled gate. In an AND run: `out = a and b`. In a linear run, every
/// gate is branch-free `out = a xor b xor neg` (on labels: `xor neg*delta`):
/// NOT reads the all-zero wire as `b` with `neg = 1`, a constant reads the
/// constant wire and the zero wire with `neg` = the bit.
#[derive(Clone, Copy, Debug)]
struct CGate {
    a: u32,
    b: u32,
    out: u32,
    neg: u32,
}

/// A contiguous range of the gate array: all ANDs (independent) or all linear.
#[derive(Clone, Copy, Debug)]
struct Run {
    and: bool,
    start: u32,
    end: u32,
}

/// A wire of a [`CircuitBuilder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire(u32);

/// Records a circuit through the [`Fancy`] interface.
#[derive(Clone, Debug, Default)]
pub struct CircuitBuilder {
    n_wires: u32,
    inputs: Vec<u32>,
    outputs: Vec<u32>,
    gates: Vec<Gate>,
}

impl CircuitBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn fresh(&mut self) -> Result<u32, GarbleError> {
        // Keep two ids free for the compiled circuit's zero and constant wires.
        let w = self.n_wires;
        if w >= u32::MAX - 2 {
            return Err(GarbleError::InvalidWire {
                wire: u64::from(w),
                wires: u64::from(w),
            });
        }
        self.n_wires = w + 1;
        Ok(w)
    }

    fn check(&self, w: Wire) -> Result<u32, GarbleError> {
        if w.0 < self.n_wires {
            Ok(w.0)
        } else {
            Err(GarbleError::InvalidWire {
                wire: u64::from(w.0),
                wires: u64::from(self.n_wires),
            })
        }
    }

    /// A new circuit input wire (inputs are numbered in creation order).
    pub fn input(&mut self) -> Result<Wire, GarbleError> {
        let w = self.fresh()?;
        self.inputs.push(w);
        Ok(Wire(w))
    }

    /// `n` new input wires.
    pub fn inputs(&mut self, n: usize) -> Result<Vec<Wire>, GarbleError> {
        (0..n).map(|_| self.input()).collect()
    }

    fn gate(&mut self, op: Op, a: u32, b: u32) -> Result<Wire, GarbleError> {
        let out = self.fresh()?;
        self.gates.push(Gate { op, a, b, out });
        Ok(Wire(out))
    }

    /// Schedules the recorded gates into a [`Circuit`] and assigns storage slots.
    pub fn build(self) -> Circuit {
        let n = self.n_wires as usize;
        let mut level = vec![0u32; n];
        let mut keyed: Vec<(u32, bool, Gate)> = Vec::with_capacity(self.gates.len());
        for g in &self.gates {
            let l = match g.op {
                Op::Xor => level[g.a as usize].max(level[g.b as usize]),
                Op::And => level[g.a as usize].max(level[g.b as usize]) + 1,
                Op::Not => level[g.a as usize],
                Op::Const => 0,
            };
            level[g.out as usize] = l;
            keyed.push((l, g.op != Op::And, *g));
        }
        keyed.sort_by_key(|&(l, linear, _)| (l, linear));
        // Two extra wires after the recorded ones: all-zero, and the constant wire.
        let zero = self.n_wires;
        let cst = self.n_wires + 1;
        let gates: Vec<CGate> = keyed
            .iter()
            .map(|&(_, _, g)| match g.op {
                Op::Xor | Op::And => CGate {
                    a: g.a,
                    b: g.b,
                    out: g.out,
                    neg: 0,
                },
                Op::Not => CGate {
                    a: g.a,
                    b: zero,
                    out: g.out,
                    neg: 1,
                },
                Op::Const => CGate {
                    a: cst,
                    b: zero,
                    out: g.out,
                    neg: g.a,
                },
            })
            .collect();
        let mut runs: Vec<Run> = Vec::new();
        for (i, &(l, linear, _)) in keyed.iter().enumerate() {
            let i = i as u32;
            let same = i > 0 && {
                let (pl, plin, _) = keyed[i as usize - 1];
                // Linear gates may share a run across levels; AND runs stop at a
                // level boundary (the next level's ANDs depend on this one).
                plin == linear && (linear || pl == l)
            };
            match runs.last_mut() {
                Some(r) if same => r.end = i + 1,
                _ => runs.push(Run {
                    and: !linear,
                    start: i,
                    end: i + 1,
                }),
            }
        }
        let and_count = keyed.iter().filter(|k| k.2.op == Op::And).count();
        let depth = keyed.iter().map(|k| k.0).max().unwrap_or(0);
        let (n_slots, gates, inputs, outputs) =
            allocate_slots(n + 2, gates, &self.inputs, &self.outputs, zero, cst);
        Circuit {
            n_wires: n_slots,
            inputs,
            outputs,
            gates,
            runs,
            and_count,
            and_depth: depth as usize,
        }
    }
}

/// Register allocation: maps wires to storage slots, reusing the slot of a
/// wire after its last read, so the working set of a large circuit stays in
/// L1/L2. Slot 0 is the zero wire, slot 1 the constant wire; inputs follow.
///
/// Safe with batched AND runs: a gate's inputs are read when its batch is
/// gathered, before any output of the batch is written, and a slot is only
/// reused after the last read of its previous wire.
fn allocate_slots(
    n_wires: usize,
    mut gates: Vec<CGate>,
    inputs: &[u32],
    outputs: &[u32],
    zero: u32,
    cst: u32,
) -> (usize, Vec<CGate>, Vec<u32>, Vec<u32>) {
    const NEVER: u32 = u32::MAX;
    const FOREVER: u32 = u32::MAX - 1;
    let mut last = vec![NEVER; n_wires];
    for (i, g) in gates.iter().enumerate() {
        last[g.a as usize] = i as u32;
        last[g.b as usize] = i as u32;
    }
    for &o in outputs {
        last[o as usize] = FOREVER;
    }
    last[zero as usize] = FOREVER;
    last[cst as usize] = FOREVER;
    let mut slot = vec![u32::MAX; n_wires];
    let mut free: Vec<u32> = Vec::new();
    let mut next = 0u32;
    let mut alloc = |free: &mut Vec<u32>| {
        free.pop().unwrap_or_else(|| {
            next += 1;
            next - 1
        })
    };
    slot[zero as usize] = alloc(&mut free);
    slot[cst as usize] = alloc(&mut free);
    let mut new_inputs = Vec::with_capacity(inputs.len());
    for &i in inputs {
        if slot[i as usize] == u32::MAX {
            slot[i as usize] = alloc(&mut free);
        }
        new_inputs.push(slot[i as usize]);
    }
    // Inputs that are never read can be recycled at once (not if outputs).
    for &i in inputs {
        if last[i as usize] == NEVER {
            free.push(slot[i as usize]);
            last[i as usize] = FOREVER; // do not free twice
        }
    }
    for (idx, g) in gates.iter_mut().enumerate() {
        let idx = idx as u32;
        let (a, b) = (g.a as usize, g.b as usize);
        let (sa, sb) = (slot[a], slot[b]);
        if last[a] == idx {
            free.push(sa);
            last[a] = FOREVER;
        }
        if b != a && last[b] == idx {
            free.push(sb);
            last[b] = FOREVER;
        }
        let so = alloc(&mut free);
        slot[g.out as usize] = so;
        if last[g.out as usize] == NEVER {
            free.push(so);
        }
        *g = CGate {
            a: sa,
            b: sb,
            out: so,
            neg: g.neg,
        };
    }
    let new_outputs = outputs.iter().map(|&o| slot[o as usize]).collect();
    (next as usize, gates, new_inputs, new_outputs)
}

impl Fancy for CircuitBuilder {
    type Item = Wire;
    type Error = GarbleError;

    fn constant(&mut self, bit: bool) -> Result<Wire, GarbleError> {
        self.gate(Op::Const, u32::from(bit), 0)
    }
    fn xor(&mut self, a: &Wire, b: &Wire) -> Result<Wire, GarbleError> {
        let (a, b) = (self.check(*a)?, self.check(*b)?);
        self.gate(Op::Xor, a, b)
    }
    fn and(&mut self, a: &Wire, b: &Wire) -> Result<Wire, GarbleError> {
        let (a, b) = (self.check(*a)?, self.check(*b)?);
        self.gate(Op::And, a, b)
    }
    fn not(&mut self, a: &Wire) -> Result<Wire, GarbleError> {
        let a = self.check(*a)?;
        self.gate(Op::Not, a, 0)
    }
    fn output(&mut self, a: &Wire) -> Result<Option<bool>, GarbleError> {
        let a = self.check(*a)?;
        self.outputs.push(a);
        Ok(None)
    }
}

/// A compiled, scheduled boolean circuit.
#[derive(Clone, Debug)]
pub struct Circuit {
    n_wires: usize,
    inputs: Vec<u32>,
    outputs: Vec<u32>,
    gates: Vec<CGate>,
    runs: Vec<Run>,
    and_count: usize,
    and_depth: usize,
}

/// Storage slot of the constant wire (slot 0 is the all-zero wire).
const CONST_SLOT: usize = 1;

/// (gate, lane) pairs per hash batch: 8 pairs = 32 AES blocks for the garbler.
const G_BATCH: usize = 8;
/// (gate, lane) pairs per hash batch for the evaluator: 16 pairs = 32 blocks.
const E_BATCH: usize = 16;

fn check_len(what: &'static str, expected: usize, got: usize) -> Result<(), GarbleError> {
    if expected == got {
        Ok(())
    } else {
        Err(GarbleError::WrongLabelCount {
            what,
            expected,
            got,
        })
    }
}

impl Circuit {
    /// Number of input wires.
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }
    /// Number of output wires.
    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }
    /// Number of AND gates (each costs 32 bytes of table per instance).
    pub fn and_count(&self) -> usize {
        self.and_count
    }
    /// Total number of gates.
    pub fn gate_count(&self) -> usize {
        self.gates.len()
    }
    /// Storage slots used by one instance (after slot reuse).
    pub fn num_slots(&self) -> usize {
        self.n_wires
    }
    /// AND depth (number of AND levels).
    pub fn and_depth(&self) -> usize {
        self.and_depth
    }

    /// Evaluates in the clear.
    pub fn eval_plain(&self, inputs: &[bool]) -> Result<Vec<bool>, GarbleError> {
        check_len("input bits", self.inputs.len(), inputs.len())?;
        let mut w = vec![false; self.n_wires];
        for (&i, &v) in self.inputs.iter().zip(inputs) {
            w[i as usize] = v;
        }
        // The zero and constant wires are `false` in the clear.
        for run in &self.runs {
            for g in &self.gates[run.start as usize..run.end as usize] {
                let (a, b) = (w[g.a as usize], w[g.b as usize]);
                w[g.out as usize] = if run.and { a & b } else { a ^ b ^ (g.neg != 0) };
            }
        }
        Ok(self.outputs.iter().map(|&o| w[o as usize]).collect())
    }

    /// Garbles `lanes` instances of the circuit side by side.
    ///
    /// `input_zero_labels` holds each instance's input zero-labels
    /// contiguously (instance-major: `lanes * num_inputs` blocks). Appends the
    /// tables to `gb` and returns the output zero-labels (instance-major); the
    /// caller marks the ones it reveals with [`Fancy::output`].
    pub fn garble(
        &self,
        gb: &mut Garbler,
        input_zero_labels: &[Block],
        lanes: usize,
    ) -> Result<Vec<Block>, GarbleError> {
        let k = lanes;
        check_len(
            "input labels",
            k * self.inputs.len(),
            input_zero_labels.len(),
        )?;
        let mut w = vec![Block::ZERO; self.n_wires * k];
        for lane in 0..k {
            for (i, &iw) in self.inputs.iter().enumerate() {
                w[iw as usize * k + lane] = input_zero_labels[lane * self.inputs.len() + i];
            }
        }
        gb.reserve_and_gates(self.and_count * k);
        let delta = gb.delta;
        let cst = CONST_SLOT * k;
        for lane in 0..k {
            w[cst + lane] = gb.constant;
        }
        // Batch buffers (on the stack).
        let mut h = [Block::ZERO; 4 * G_BATCH];
        let mut tw = [0u128; 4 * G_BATCH];
        let mut pend = [(Block::ZERO, Block::ZERO, 0usize); G_BATCH];
        for run in &self.runs {
            let gates = &self.gates[run.start as usize..run.end as usize];
            if !run.and {
                linear_garble(gates, &mut w, k, delta);
                continue;
            }
            let mut n = 0usize;
            for g in gates {
                let (a, b, o) = (g.a as usize * k, g.b as usize * k, g.out as usize * k);
                for lane in 0..k {
                    let a0 = w[a + lane];
                    let b0 = w[b + lane];
                    let j = gb.gate_id as u128;
                    gb.gate_id += 1;
                    h[4 * n] = a0;
                    h[4 * n + 1] = a0 ^ delta;
                    h[4 * n + 2] = b0;
                    h[4 * n + 3] = b0 ^ delta;
                    tw[4 * n] = 2 * j;
                    tw[4 * n + 1] = 2 * j;
                    tw[4 * n + 2] = 2 * j + 1;
                    tw[4 * n + 3] = 2 * j + 1;
                    pend[n] = (a0, b0, o + lane);
                    n += 1;
                    if n == G_BATCH {
                        flush_garble(gb, &mut h, &tw, &pend, n, &mut w, delta);
                        n = 0;
                    }
                }
            }
            if n > 0 {
                flush_garble(gb, &mut h, &tw, &pend, n, &mut w, delta);
            }
        }
        let mut out = Vec::with_capacity(k * self.outputs.len());
        for lane in 0..k {
            for &o in &self.outputs {
                out.push(w[o as usize * k + lane]);
            }
        }
        Ok(out)
    }

    /// Evaluates `lanes` garbled instances side by side, mirroring
    /// [`Circuit::garble`]. `input_labels` are the active input labels
    /// (instance-major). Consumes tables from `ev` and returns the active
    /// output labels (instance-major).
    pub fn evaluate(
        &self,
        ev: &mut Evaluator,
        input_labels: &[Block],
        lanes: usize,
    ) -> Result<Vec<Block>, GarbleError> {
        let k = lanes;
        check_len("input labels", k * self.inputs.len(), input_labels.len())?;
        // Check the whole table length up front: a truncated stream fails
        // before any work, at the first gate without a table.
        let total = self.and_count * k;
        let avail = (ev.tables.len() - ev.pos) / 2;
        if avail < total {
            return Err(GarbleError::TruncatedTables {
                gate: ev.gate_id + avail as u64,
                remaining: (ev.tables.len() - ev.pos) % 2,
            });
        }
        let mut w = vec![Block::ZERO; self.n_wires * k];
        for lane in 0..k {
            for (i, &iw) in self.inputs.iter().enumerate() {
                w[iw as usize * k + lane] = input_labels[lane * self.inputs.len() + i];
            }
        }
        let cst = CONST_SLOT * k;
        for lane in 0..k {
            w[cst + lane] = ev.constant;
        }
        let mut h = [Block::ZERO; 2 * E_BATCH];
        let mut tw = [0u128; 2 * E_BATCH];
        let mut pend = [(Block::ZERO, Block::ZERO, 0usize); E_BATCH];
        for run in &self.runs {
            let gates = &self.gates[run.start as usize..run.end as usize];
            if !run.and {
                linear_eval(gates, &mut w, k);
                continue;
            }
            let mut n = 0usize;
            for g in gates {
                let (a, b, o) = (g.a as usize * k, g.b as usize * k, g.out as usize * k);
                for lane in 0..k {
                    let la = w[a + lane];
                    let lb = w[b + lane];
                    let j = ev.gate_id as u128;
                    ev.gate_id += 1;
                    h[2 * n] = la;
                    h[2 * n + 1] = lb;
                    tw[2 * n] = 2 * j;
                    tw[2 * n + 1] = 2 * j + 1;
                    pend[n] = (la, lb, o + lane);
                    n += 1;
                    if n == E_BATCH {
                        flush_eval(ev, &mut h, &tw, &pend, n, &mut w)?;
                        n = 0;
                    }
                }
            }
            if n > 0 {
                flush_eval(ev, &mut h, &tw, &pend, n, &mut w)?;
            }
        }
        let mut out = Vec::with_capacity(k * self.outputs.len());
        for lane in 0..k {
            for &o in &self.outputs {
                out.push(w[o as usize * k + lane]);
            }
        }
        Ok(out)
    }
}

#[inline]
fn linear_garble(gates: &[CGate], w: &mut [Block], k: usize, delta: Block) {
    // `delta` is picked from a table rather than masked: a masked u128 is
    // computed in general-purpose registers and stored as two halves, and the
    // next gate's 128-bit load of it then misses store forwarding.
    let dm = [Block::ZERO, delta];
    if k == 1 {
        for g in gates {
            w[g.out as usize] = w[g.a as usize] ^ w[g.b as usize] ^ dm[(g.neg & 1) as usize];
        }
        return;
    }
    for g in gates {
        let (a, b, o) = (g.a as usize * k, g.b as usize * k, g.out as usize * k);
        let d = dm[(g.neg & 1) as usize];
        for lane in 0..k {
            w[o + lane] = w[a + lane] ^ w[b + lane] ^ d;
        }
    }
}

#[inline]
fn linear_eval(gates: &[CGate], w: &mut [Block], k: usize) {
    if k == 1 {
        for g in gates {
            w[g.out as usize] = w[g.a as usize] ^ w[g.b as usize];
        }
        return;
    }
    for g in gates {
        let (a, b, o) = (g.a as usize * k, g.b as usize * k, g.out as usize * k);
        for lane in 0..k {
            w[o + lane] = w[a + lane] ^ w[b + lane];
        }
    }
}

#[inline]
fn flush_garble(
    gb: &mut Garbler,
    h: &mut [Block; 4 * G_BATCH],
    tw: &[u128; 4 * G_BATCH],
    pend: &[(Block, Block, usize); G_BATCH],
    n: usize,
    w: &mut [Block],
    delta: Block,
) {
    gb.hash.hash_many(&mut h[..4 * n], &tw[..4 * n]);
    for (i, &(a0, b0, o)) in pend[..n].iter().enumerate() {
        let (c0, tg, te) = half_gates(
            delta,
            a0,
            b0,
            [h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]],
        );
        gb.tables.push(tg);
        gb.tables.push(te);
        w[o] = c0;
    }
}

#[inline]
fn flush_eval(
    ev: &mut Evaluator,
    h: &mut [Block; 2 * E_BATCH],
    tw: &[u128; 2 * E_BATCH],
    pend: &[(Block, Block, usize); E_BATCH],
    n: usize,
    w: &mut [Block],
) -> Result<(), GarbleError> {
    ev.hash.hash_many(&mut h[..2 * n], &tw[..2 * n]);
    let start = ev.take_tables(n)?;
    let t = &ev.tables[start..start + 2 * n];
    for (i, &(la, lb, o)) in pend[..n].iter().enumerate() {
        w[o] = eval_half_gates(la, lb, [h[2 * i], h[2 * i + 1]], t[2 * i], t[2 * i + 1]);
    }
    Ok(())
}
