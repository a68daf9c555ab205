//! A rank-1 constraint system written once and run by several backends.
//!
//! A circuit is a set of constraints `<a_i, z> * <b_i, z> = <c_i, z>` over
//! z = (witness, 1, public inputs). Circuits and gadgets are written against the
//! [`ConstraintSystem`] trait; the backends are
//! - [`WitnessGenerator`]: assigns every variable (and, by default, checks every
//!   constraint as it is enforced, naming the gadget of the first failure);
//! - [`ShapeBuilder`]: records the sparse matrices A, B, C without values;
//! - [`ConstraintCounter`]: counts constraints and variables per named gadget.
//!
//! Witness values are passed as `Option<Fr>`: witness-generating backends
//! require `Some`, shape-only backends ignore them. Gadgets therefore compute
//! values with `Option` combinators, which costs nothing when values are absent.
//!
//! Not audited.

mod backends;
mod lc;

pub use backends::{ConstraintCounter, GadgetCount, R1csShape, ShapeBuilder, WitnessGenerator};
pub use lc::{LinearCombination, Variable};

use crate::error::SynthesisError;
use crate::field::Fr;

/// The interface every circuit and gadget is written against.
pub trait ConstraintSystem {
    /// Allocates a private witness variable with the given value.
    fn alloc(&mut self, value: Option<Fr>) -> Result<Variable, SynthesisError>;

    /// Allocates a public input variable with the given value. Public inputs
    /// are numbered in allocation order.
    fn alloc_input(&mut self, value: Option<Fr>) -> Result<Variable, SynthesisError>;

    /// Adds the constraint `a * b = c`.
    fn enforce(&mut self, a: LinearCombination, b: LinearCombination, c: LinearCombination);

    /// The value of a variable, if this backend knows values.
    fn value(&self, v: Variable) -> Option<Fr>;

    /// Whether this backend assigns values (so gadgets must supply them).
    fn has_values(&self) -> bool;

    /// Enters a named gadget scope (used for per-gadget counts and error messages).
    fn push_namespace(&mut self, _name: &'static str) {}

    /// Leaves the innermost gadget scope.
    fn pop_namespace(&mut self) {}

    /// Evaluates a linear combination, if values are known.
    fn eval(&self, lc: &LinearCombination) -> Option<Fr> {
        if !self.has_values() {
            return None;
        }
        let mut acc = Fr::ZERO;
        for (v, c) in lc.terms() {
            acc += self.value(*v)? * c;
        }
        Some(acc)
    }

    /// Allocates a witness equal to `lc` (one constraint), returning it as a variable.
    fn alloc_lc(&mut self, lc: LinearCombination) -> Result<Variable, SynthesisError> {
        let value = self.eval(&lc);
        let v = self.alloc(value)?;
        self.enforce(LinearCombination::from(v), LinearCombination::one(), lc);
        Ok(v)
    }
}

/// Runs `f` inside the named gadget scope `name`.
pub fn namespaced<CS: ConstraintSystem + ?Sized, T>(
    cs: &mut CS,
    name: &'static str,
    f: impl FnOnce(&mut CS) -> T,
) -> T {
    cs.push_namespace(name);
    let out = f(cs);
    cs.pop_namespace();
    out
}

/// A circuit: synthesises its constraints on any backend.
///
/// Implementations must allocate the same variables and constraints in the same
/// order whatever the backend (values present or not), so that the shape from
/// [`ShapeBuilder`] matches the witness from [`WitnessGenerator`].
pub trait Circuit {
    /// Synthesises the circuit.
    fn synthesize<CS: ConstraintSystem>(&self, cs: &mut CS) -> Result<(), SynthesisError>;
}
