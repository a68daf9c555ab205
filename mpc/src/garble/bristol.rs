//! Importer for circuits in the Bristol Fashion format.
//!
//! Format (University of Bristol / KU Leuven "'Bristol Fashion' MPC
//! Circuits"): line 1 `gates wires`; line 2 the number of inputs then each
//! input's width; line 3 the same for outputs; then one gate per line,
//! `#in #out in_wires... out_wires... OP` with OP one of `XOR`, `AND`, `INV`,
//! `EQ` (out = the constant 0/1 written as the input), `EQW` (wire copy) and
//! `MAND` (`2n n a_1..a_n b_1..b_n o_1..o_n`: n ANDs). Inputs occupy the first
//! wires in order, outputs the last wires.
//!
//! Parsing never panics and validates everything evaluation relies on: counts
//! are capped before allocating, every wire index is bounds-checked, every gate
//! reads only wires that are inputs or already assigned, no wire is assigned
//! twice, the gate count matches the header, and every output wire is
//! assigned. A parsed [`BristolCircuit`] then evaluates on any [`Fancy`]
//! backend, or compiles to a flat [`Circuit`] for fast garbling.
//!
//! Bit order: in the shared circuits (and the Bristol Fashion set they come
//! from) an input or output value's bytes are read as one big-endian integer,
//! and wire `i` of the value carries bit `i` of that integer (least significant
//! first). [`bits_from_be_bytes`] and [`be_bytes_from_bits`] convert; this was
//! checked against the FIPS-197 AES-128 and SHA-256 known answers.
//!
//! Threat model: the file is untrusted input to the parser (errors, never
//! panics, bounded allocation); the circuit's meaning is trusted by both
//! parties. Not audited.

use super::circuit::{Circuit, CircuitBuilder};
use super::error::{BristolError, GarbleError};
use super::fancy::Fancy;

/// Largest wire count accepted (guards the wire table allocation).
pub const MAX_WIRES: u64 = 1 << 26;
/// Largest gate count accepted.
pub const MAX_GATES: u64 = 1 << 26;
/// Largest number of inputs or outputs (values, not bits).
pub const MAX_VALUES: u64 = 1 << 16;
/// Largest MAND arity.
pub const MAX_MAND: u64 = 1 << 20;

/// Wire values of a byte string in Bristol order: the bytes as one
/// big-endian integer, bit `i` of it on wire `i`.
pub fn bits_from_be_bytes(bytes: &[u8]) -> Vec<bool> {
    let n = bytes.len();
    (0..8 * n)
        .map(|i| (bytes[n - 1 - i / 8] >> (i % 8)) & 1 == 1)
        .collect()
}

/// Inverse of [`bits_from_be_bytes`] (the bit count is rounded up to bytes,
/// missing high bits are 0).
pub fn be_bytes_from_bits(bits: &[bool]) -> Vec<u8> {
    let n = bits.len().div_ceil(8);
    let mut out = vec![0u8; n];
    for (i, &b) in bits.iter().enumerate() {
        out[n - 1 - i / 8] |= u8::from(b) << (i % 8);
    }
    out
}

/// A gate of a parsed Bristol circuit (MAND is expanded into ANDs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BristolGate {
    /// `out = a xor b`.
    Xor(u32, u32, u32),
    /// `out = a and b`.
    And(u32, u32, u32),
    /// `out = not a`.
    Inv(u32, u32),
    /// `out = constant`.
    Eq(bool, u32),
    /// `out = a`.
    Eqw(u32, u32),
}

/// A parsed and validated Bristol Fashion circuit.
#[derive(Clone, Debug)]
pub struct BristolCircuit {
    n_wires: usize,
    input_widths: Vec<usize>,
    output_widths: Vec<usize>,
    gates: Vec<BristolGate>,
}

struct Lines<'a> {
    inner: core::iter::Enumerate<core::str::Lines<'a>>,
}

impl<'a> Lines<'a> {
    /// The next non-empty line as (1-based number, tokens).
    fn next_tokens(&mut self) -> Option<(usize, Vec<&'a str>)> {
        for (i, l) in self.inner.by_ref() {
            let t: Vec<&str> = l.split_whitespace().collect();
            if !t.is_empty() {
                return Some((i + 1, t));
            }
        }
        None
    }
}

fn num(line: usize, tok: &str) -> Result<u64, BristolError> {
    tok.parse::<u64>().map_err(|_| BristolError::BadNumber {
        line,
        token: tok.chars().take(32).collect(),
    })
}

fn capped(line: usize, what: &'static str, value: u64, limit: u64) -> Result<u64, BristolError> {
    if value > limit {
        Err(BristolError::TooLarge {
            line,
            what,
            value,
            limit,
        })
    } else {
        Ok(value)
    }
}

fn widths(
    lines: &mut Lines<'_>,
    what: &'static str,
    n_wires: u64,
) -> Result<Vec<usize>, BristolError> {
    let (line, t) = lines
        .next_tokens()
        .ok_or(BristolError::UnexpectedEof(what))?;
    let count = capped(line, what, num(line, t[0])?, MAX_VALUES)? as usize;
    if t.len() != count + 1 {
        return Err(BristolError::BadHeader(format!(
            "line {line}: {count} {what} announced, {} widths given",
            t.len() - 1
        )));
    }
    t[1..]
        .iter()
        .map(|tok| Ok(capped(line, "width", num(line, tok)?, n_wires)? as usize))
        .collect()
}

impl BristolCircuit {
    /// Parses and validates a Bristol Fashion circuit.
    pub fn parse(text: &str) -> Result<Self, BristolError> {
        let mut lines = Lines {
            inner: text.lines().enumerate(),
        };
        let (line, t) = lines
            .next_tokens()
            .ok_or(BristolError::UnexpectedEof("header"))?;
        if t.len() != 2 {
            return Err(BristolError::BadHeader(format!(
                "line {line}: expected `gates wires`"
            )));
        }
        let n_gates = capped(line, "gates", num(line, t[0])?, MAX_GATES)?;
        let n_wires = capped(line, "wires", num(line, t[1])?, MAX_WIRES)?;
        let input_widths = widths(&mut lines, "inputs", n_wires)?;
        let output_widths = widths(&mut lines, "outputs", n_wires)?;
        let n_in: u64 = input_widths.iter().map(|&w| w as u64).sum();
        let n_out: u64 = output_widths.iter().map(|&w| w as u64).sum();
        if n_in > n_wires || n_out > n_wires {
            return Err(BristolError::BadHeader(format!(
                "{n_in} input and {n_out} output bits do not fit in {n_wires} wires"
            )));
        }
        let mut assigned = vec![false; n_wires as usize];
        for a in assigned.iter_mut().take(n_in as usize) {
            *a = true;
        }
        // The header count is capped, but a lying header must not reserve much.
        let mut gates = Vec::with_capacity(n_gates.min(1 << 16) as usize);
        let mut found = 0u64;
        while let Some((line, t)) = lines.next_tokens() {
            found += 1;
            if found > n_gates {
                // Count the rest for the error message, without storing them.
                let rest = core::iter::from_fn(|| lines.next_tokens()).count() as u64;
                return Err(BristolError::GateCount {
                    announced: n_gates,
                    found: found + rest,
                });
            }
            parse_gate(line, &t, n_wires, &mut assigned, &mut gates)?;
        }
        if found != n_gates {
            return Err(BristolError::GateCount {
                announced: n_gates,
                found,
            });
        }
        for w in (n_wires - n_out)..n_wires {
            if !assigned[w as usize] {
                return Err(BristolError::UnassignedOutput(w));
            }
        }
        Ok(BristolCircuit {
            n_wires: n_wires as usize,
            input_widths,
            output_widths,
            gates,
        })
    }

    /// Widths of the inputs, in bits.
    pub fn input_widths(&self) -> &[usize] {
        &self.input_widths
    }
    /// Widths of the outputs, in bits.
    pub fn output_widths(&self) -> &[usize] {
        &self.output_widths
    }
    /// Gates (MAND expanded).
    pub fn gates(&self) -> &[BristolGate] {
        &self.gates
    }
    /// Number of AND gates (MAND counted per AND).
    pub fn and_count(&self) -> usize {
        self.gates
            .iter()
            .filter(|g| matches!(g, BristolGate::And(..)))
            .count()
    }

    /// Evaluates on any backend. `inputs[i]` holds input `i`'s wires (bit
    /// order as in the file: wire `k` of input `i` is its `k`-th bit).
    /// Returns one wire vector per output.
    pub fn eval<F: Fancy>(
        &self,
        f: &mut F,
        inputs: &[Vec<F::Item>],
    ) -> Result<Vec<Vec<F::Item>>, F::Error> {
        if inputs.len() != self.input_widths.len() {
            return Err(GarbleError::WrongLabelCount {
                what: "circuit inputs",
                expected: self.input_widths.len(),
                got: inputs.len(),
            }
            .into());
        }
        let mut w: Vec<Option<F::Item>> = vec![None; self.n_wires];
        let mut next = 0usize;
        for (i, (x, &width)) in inputs.iter().zip(&self.input_widths).enumerate() {
            if x.len() != width {
                return Err(GarbleError::WrongInputWidth {
                    input: i,
                    expected: width,
                    got: x.len(),
                }
                .into());
            }
            for v in x {
                w[next] = Some(v.clone());
                next += 1;
            }
        }
        // Parsing guarantees every read wire is assigned; keep a typed error
        // instead of a panic anyway.
        fn get<T: Clone>(w: &[Option<T>], i: u32) -> Result<T, GarbleError> {
            w.get(i as usize)
                .and_then(|x| x.clone())
                .ok_or(GarbleError::InvalidWire {
                    wire: u64::from(i),
                    wires: w.len() as u64,
                })
        }
        for g in &self.gates {
            match *g {
                BristolGate::Xor(a, b, o) => {
                    let (x, y) = (get(&w, a)?, get(&w, b)?);
                    w[o as usize] = Some(f.xor(&x, &y)?);
                }
                BristolGate::And(a, b, o) => {
                    let (x, y) = (get(&w, a)?, get(&w, b)?);
                    w[o as usize] = Some(f.and(&x, &y)?);
                }
                BristolGate::Inv(a, o) => {
                    let x = get(&w, a)?;
                    w[o as usize] = Some(f.not(&x)?);
                }
                BristolGate::Eq(bit, o) => w[o as usize] = Some(f.constant(bit)?),
                BristolGate::Eqw(a, o) => w[o as usize] = Some(get(&w, a)?),
            }
        }
        let mut out = Vec::with_capacity(self.output_widths.len());
        let mut pos = self.n_wires - self.output_widths.iter().sum::<usize>();
        for &width in &self.output_widths {
            let mut v = Vec::with_capacity(width);
            for _ in 0..width {
                v.push(get(&w, pos as u32)?);
                pos += 1;
            }
            out.push(v);
        }
        Ok(out)
    }

    /// Evaluates in the clear on bit vectors.
    pub fn eval_plain(&self, inputs: &[Vec<bool>]) -> Result<Vec<Vec<bool>>, GarbleError> {
        self.eval(&mut super::fancy::Plaintext::new(), inputs)
    }

    /// Compiles into a flat scheduled [`Circuit`] whose inputs are the
    /// concatenated input bits and whose outputs are the concatenated output bits.
    pub fn to_circuit(&self) -> Result<Circuit, GarbleError> {
        let mut b = CircuitBuilder::new();
        let inputs = self
            .input_widths
            .iter()
            .map(|&w| b.inputs(w))
            .collect::<Result<Vec<_>, _>>()?;
        let outs = self.eval(&mut b, &inputs)?;
        for o in outs.iter().flatten() {
            b.output(o)?;
        }
        Ok(b.build())
    }
}

fn parse_gate(
    line: usize,
    t: &[&str],
    n_wires: u64,
    assigned: &mut [bool],
    gates: &mut Vec<BristolGate>,
) -> Result<(), BristolError> {
    let bad = |reason: String| BristolError::BadGate { line, reason };
    if t.len() < 3 {
        return Err(bad("too few tokens".into()));
    }
    let nin = capped(line, "gate inputs", num(line, t[0])?, 2 * MAX_MAND)?;
    let nout = capped(line, "gate outputs", num(line, t[1])?, MAX_MAND)?;
    let op = t[t.len() - 1];
    let expected = 2 + nin + nout + 1;
    if t.len() as u64 != expected {
        return Err(bad(format!(
            "{} tokens for {nin} inputs and {nout} outputs",
            t.len()
        )));
    }
    let ins = &t[2..2 + nin as usize];
    let outs = &t[2 + nin as usize..t.len() - 1];
    let read = |tok: &str, assigned: &[bool]| -> Result<u32, BristolError> {
        let w = num(line, tok)?;
        if w >= n_wires {
            return Err(BristolError::BadWire {
                line,
                wire: w,
                reason: "out of range",
            });
        }
        if !assigned[w as usize] {
            return Err(BristolError::BadWire {
                line,
                wire: w,
                reason: "read before it is assigned",
            });
        }
        Ok(w as u32)
    };
    let write = |tok: &str, assigned: &mut [bool]| -> Result<u32, BristolError> {
        let w = num(line, tok)?;
        if w >= n_wires {
            return Err(BristolError::BadWire {
                line,
                wire: w,
                reason: "out of range",
            });
        }
        if assigned[w as usize] {
            return Err(BristolError::BadWire {
                line,
                wire: w,
                reason: "assigned twice",
            });
        }
        assigned[w as usize] = true;
        Ok(w as u32)
    };
    let arity = |i: u64, o: u64| -> Result<(), BristolError> {
        if nin == i && nout == o {
            Ok(())
        } else {
            Err(bad(format!(
                "{op} takes {i} inputs and {o} outputs, got {nin} and {nout}"
            )))
        }
    };
    match op {
        "XOR" | "AND" => {
            arity(2, 1)?;
            let a = read(ins[0], assigned)?;
            let b = read(ins[1], assigned)?;
            let o = write(outs[0], assigned)?;
            gates.push(if op == "XOR" {
                BristolGate::Xor(a, b, o)
            } else {
                BristolGate::And(a, b, o)
            });
        }
        "INV" | "EQW" => {
            arity(1, 1)?;
            let a = read(ins[0], assigned)?;
            let o = write(outs[0], assigned)?;
            gates.push(if op == "INV" {
                BristolGate::Inv(a, o)
            } else {
                BristolGate::Eqw(a, o)
            });
        }
        "EQ" => {
            arity(1, 1)?;
            let bit = match ins[0] {
                "0" => false,
                "1" => true,
                other => {
                    return Err(bad(format!(
                        "EQ constant must be 0 or 1, got {:?}",
                        other.chars().take(32).collect::<String>()
                    )))
                }
            };
            let o = write(outs[0], assigned)?;
            gates.push(BristolGate::Eq(bit, o));
        }
        "MAND" => {
            if nin == 0 || nin != 2 * nout {
                return Err(bad(format!(
                    "MAND takes 2n inputs and n outputs, got {nin} and {nout}"
                )));
            }
            let n = nout as usize;
            // Read all inputs before assigning outputs (the ANDs are parallel).
            let a: Vec<u32> = ins[..n]
                .iter()
                .map(|x| read(x, assigned))
                .collect::<Result<_, _>>()?;
            let b: Vec<u32> = ins[n..]
                .iter()
                .map(|x| read(x, assigned))
                .collect::<Result<_, _>>()?;
            for i in 0..n {
                let o = write(outs[i], assigned)?;
                gates.push(BristolGate::And(a[i], b[i], o));
            }
        }
        other => {
            return Err(bad(format!(
                "unknown gate {:?}",
                other.chars().take(32).collect::<String>()
            )))
        }
    }
    Ok(())
}
