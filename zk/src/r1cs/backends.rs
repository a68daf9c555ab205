//! The three constraint-system backends.

use super::{ConstraintSystem, LinearCombination, Variable};
use crate::error::SynthesisError;
use crate::field::Fr;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Witness-generating backend: assigns every variable. With checking on (the
/// default) it evaluates every constraint as it is enforced and remembers the
/// first one that fails, with its gadget path.
#[derive(Debug)]
pub struct WitnessGenerator {
    inputs: Vec<Fr>,
    witness: Vec<Fr>,
    num_constraints: usize,
    check: bool,
    first_failure: Option<(usize, String)>,
    namespace: Vec<&'static str>,
}

impl Default for WitnessGenerator {
    fn default() -> Self {
        Self::new()
    }
}

impl WitnessGenerator {
    /// A generator that checks each constraint as it is enforced.
    pub fn new() -> Self {
        WitnessGenerator {
            inputs: Vec::new(),
            witness: Vec::new(),
            num_constraints: 0,
            check: true,
            first_failure: None,
            namespace: Vec::new(),
        }
    }

    /// A generator that does not check constraints (faster; use when the
    /// caller checks satisfaction another way).
    pub fn unchecked() -> Self {
        WitnessGenerator {
            check: false,
            ..Self::new()
        }
    }

    /// The public inputs, in allocation order.
    pub fn inputs(&self) -> &[Fr] {
        &self.inputs
    }

    /// The private witness, in allocation order.
    pub fn witness(&self) -> &[Fr] {
        &self.witness
    }

    /// Consumes the generator, returning (witness, inputs).
    pub fn into_assignment(self) -> (Vec<Fr>, Vec<Fr>) {
        (self.witness, self.inputs)
    }

    /// Number of constraints enforced.
    pub fn num_constraints(&self) -> usize {
        self.num_constraints
    }

    /// The first unsatisfied constraint (index and gadget path), if checking
    /// was on and one failed.
    pub fn first_failure(&self) -> Option<&(usize, String)> {
        self.first_failure.as_ref()
    }

    /// Whether every constraint enforced so far held (only meaningful with checking on).
    pub fn is_satisfied(&self) -> bool {
        self.first_failure.is_none()
    }
}

impl ConstraintSystem for WitnessGenerator {
    fn alloc(&mut self, value: Option<Fr>) -> Result<Variable, SynthesisError> {
        let v = value.ok_or(SynthesisError::AssignmentMissing)?;
        self.witness.push(v);
        Ok(Variable::Witness(self.witness.len() - 1))
    }

    fn alloc_input(&mut self, value: Option<Fr>) -> Result<Variable, SynthesisError> {
        let v = value.ok_or(SynthesisError::AssignmentMissing)?;
        self.inputs.push(v);
        Ok(Variable::Input(self.inputs.len() - 1))
    }

    fn enforce(&mut self, a: LinearCombination, b: LinearCombination, c: LinearCombination) {
        if self.check && self.first_failure.is_none() {
            let ok = match (self.eval(&a), self.eval(&b), self.eval(&c)) {
                (Some(a), Some(b), Some(c)) => a * b == c,
                _ => false,
            };
            if !ok {
                self.first_failure = Some((self.num_constraints, self.namespace.join("/")));
            }
        }
        self.num_constraints += 1;
    }

    fn value(&self, v: Variable) -> Option<Fr> {
        match v {
            Variable::One => Some(Fr::ONE),
            Variable::Input(i) => self.inputs.get(i).copied(),
            Variable::Witness(i) => self.witness.get(i).copied(),
        }
    }

    fn has_values(&self) -> bool {
        true
    }

    fn push_namespace(&mut self, name: &'static str) {
        if self.check {
            self.namespace.push(name);
        }
    }

    fn pop_namespace(&mut self) {
        if self.check {
            self.namespace.pop();
        }
    }
}

/// One sparse matrix entry: (row, column, value). Columns index
/// z = (witness_0..witness_{n-1}, 1, input_0..input_{m-1}).
pub type Entry = (usize, usize, Fr);

/// The shape of a circuit: sizes and the sparse matrices A, B, C.
#[derive(Clone, Debug, Default)]
pub struct R1csShape {
    /// Number of constraints.
    pub num_cons: usize,
    /// Number of private witness variables.
    pub num_vars: usize,
    /// Number of public inputs.
    pub num_inputs: usize,
    /// Matrix A.
    pub a: Vec<Entry>,
    /// Matrix B.
    pub b: Vec<Entry>,
    /// Matrix C.
    pub c: Vec<Entry>,
}

impl R1csShape {
    /// The largest number of non-zero entries in A, B or C.
    pub fn max_nnz(&self) -> usize {
        self.a.len().max(self.b.len()).max(self.c.len())
    }

    /// A SHA-256 digest of the whole shape (sizes and matrices), used to key
    /// preprocessing caches and to check that keys match a circuit.
    pub fn digest(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"zkagg/r1cs-shape/v1");
        for n in [self.num_cons, self.num_vars, self.num_inputs] {
            h.update((n as u64).to_le_bytes());
        }
        for m in [&self.a, &self.b, &self.c] {
            h.update((m.len() as u64).to_le_bytes());
            for (r, col, v) in m.iter() {
                h.update((*r as u64).to_le_bytes());
                h.update((*col as u64).to_le_bytes());
                h.update(v.as_bytes());
            }
        }
        h.finalize().into()
    }

    /// Checks an assignment against the shape (slow; for tests and debugging).
    /// Returns the index of the first unsatisfied constraint.
    pub fn first_unsatisfied(&self, witness: &[Fr], inputs: &[Fr]) -> Option<usize> {
        let z = |col: usize| -> Fr {
            if col < self.num_vars {
                witness[col]
            } else if col == self.num_vars {
                Fr::ONE
            } else {
                inputs[col - self.num_vars - 1]
            }
        };
        let mut va = vec![Fr::ZERO; self.num_cons];
        let mut vb = vec![Fr::ZERO; self.num_cons];
        let mut vc = vec![Fr::ZERO; self.num_cons];
        for (m, out) in [(&self.a, &mut va), (&self.b, &mut vb), (&self.c, &mut vc)] {
            for (r, col, v) in m.iter() {
                out[*r] += v * z(*col);
            }
        }
        (0..self.num_cons).find(|&i| va[i] * vb[i] != vc[i])
    }
}

/// Shape-only backend: records the matrices, ignores values.
#[derive(Debug, Default)]
pub struct ShapeBuilder {
    num_inputs: usize,
    num_vars: usize,
    a: Vec<(usize, Variable, Fr)>,
    b: Vec<(usize, Variable, Fr)>,
    c: Vec<(usize, Variable, Fr)>,
    num_cons: usize,
}

impl ShapeBuilder {
    /// A new, empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Finishes the shape: resolves columns and pads to at least two
    /// constraints (Spartan's minimum).
    pub fn finish(self) -> R1csShape {
        let nv = self.num_vars;
        let col = |v: Variable| match v {
            Variable::Witness(i) => i,
            Variable::One => nv,
            Variable::Input(i) => nv + 1 + i,
        };
        let conv = |m: Vec<(usize, Variable, Fr)>| -> Vec<Entry> {
            m.into_iter().map(|(r, v, c)| (r, col(v), c)).collect()
        };
        R1csShape {
            num_cons: self.num_cons.max(2),
            num_vars: self.num_vars,
            num_inputs: self.num_inputs,
            a: conv(self.a),
            b: conv(self.b),
            c: conv(self.c),
        }
    }
}

fn push_row(m: &mut Vec<(usize, Variable, Fr)>, row: usize, lc: &LinearCombination) {
    let lc = if lc.terms().len() > 1 {
        lc.simplify()
    } else {
        lc.clone()
    };
    for (v, c) in lc.terms() {
        if *c != Fr::ZERO {
            m.push((row, *v, *c));
        }
    }
}

impl ConstraintSystem for ShapeBuilder {
    fn alloc(&mut self, _value: Option<Fr>) -> Result<Variable, SynthesisError> {
        self.num_vars += 1;
        Ok(Variable::Witness(self.num_vars - 1))
    }

    fn alloc_input(&mut self, _value: Option<Fr>) -> Result<Variable, SynthesisError> {
        self.num_inputs += 1;
        Ok(Variable::Input(self.num_inputs - 1))
    }

    fn enforce(&mut self, a: LinearCombination, b: LinearCombination, c: LinearCombination) {
        let row = self.num_cons;
        push_row(&mut self.a, row, &a);
        push_row(&mut self.b, row, &b);
        push_row(&mut self.c, row, &c);
        self.num_cons += 1;
    }

    fn value(&self, _v: Variable) -> Option<Fr> {
        None
    }

    fn has_values(&self) -> bool {
        false
    }
}

/// Constraints and variables attributed to one gadget path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GadgetCount {
    /// Constraints enforced directly in this scope (not in nested scopes).
    pub constraints: usize,
    /// Witness variables allocated directly in this scope.
    pub witnesses: usize,
}

/// Counting backend: reports constraints and variables per named gadget path.
#[derive(Debug, Default)]
pub struct ConstraintCounter {
    path: Vec<&'static str>,
    counts: BTreeMap<String, GadgetCount>,
    total: GadgetCount,
    inputs: usize,
}

impl ConstraintCounter {
    /// A new counter.
    pub fn new() -> Self {
        Self::default()
    }

    fn entry(&mut self) -> &mut GadgetCount {
        let key = if self.path.is_empty() {
            "<root>".to_string()
        } else {
            self.path.join("/")
        };
        self.counts.entry(key).or_default()
    }

    /// Counts per gadget path (exclusive of nested scopes).
    pub fn by_gadget(&self) -> &BTreeMap<String, GadgetCount> {
        &self.counts
    }

    /// Counts aggregated by the innermost gadget name (e.g. all `range` scopes together).
    pub fn by_leaf_name(&self) -> BTreeMap<String, GadgetCount> {
        let mut out: BTreeMap<String, GadgetCount> = BTreeMap::new();
        for (k, v) in &self.counts {
            let leaf = k.rsplit('/').next().unwrap_or(k).to_string();
            let e = out.entry(leaf).or_default();
            e.constraints += v.constraints;
            e.witnesses += v.witnesses;
        }
        out
    }

    /// Total constraints.
    pub fn num_constraints(&self) -> usize {
        self.total.constraints
    }

    /// Total witness variables.
    pub fn num_witnesses(&self) -> usize {
        self.total.witnesses
    }

    /// Total public inputs.
    pub fn num_inputs(&self) -> usize {
        self.inputs
    }

    /// A human-readable report, one gadget path per line.
    pub fn report(&self) -> String {
        let mut s = format!(
            "total: {} constraints, {} witnesses, {} public inputs\n",
            self.total.constraints, self.total.witnesses, self.inputs
        );
        for (k, v) in &self.counts {
            s.push_str(&format!(
                "  {k}: {} constraints, {} witnesses\n",
                v.constraints, v.witnesses
            ));
        }
        s
    }
}

impl ConstraintSystem for ConstraintCounter {
    fn alloc(&mut self, _value: Option<Fr>) -> Result<Variable, SynthesisError> {
        self.total.witnesses += 1;
        self.entry().witnesses += 1;
        Ok(Variable::Witness(self.total.witnesses - 1))
    }

    fn alloc_input(&mut self, _value: Option<Fr>) -> Result<Variable, SynthesisError> {
        self.inputs += 1;
        Ok(Variable::Input(self.inputs - 1))
    }

    fn enforce(&mut self, _a: LinearCombination, _b: LinearCombination, _c: LinearCombination) {
        self.total.constraints += 1;
        self.entry().constraints += 1;
    }

    fn value(&self, _v: Variable) -> Option<Fr> {
        None
    }

    fn has_values(&self) -> bool {
        false
    }

    fn push_namespace(&mut self, name: &'static str) {
        self.path.push(name);
    }

    fn pop_namespace(&mut self) {
        self.path.pop();
    }
}
