//! Variables and linear combinations.

use crate::field::Fr;
use core::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// A variable of the constraint system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variable {
    /// The constant 1.
    One,
    /// The i-th public input.
    Input(usize),
    /// The i-th private witness variable.
    Witness(usize),
}

/// A linear combination `sum c_i * v_i` of variables.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinearCombination(Vec<(Variable, Fr)>);

impl LinearCombination {
    /// The empty combination (zero).
    pub fn zero() -> Self {
        LinearCombination(Vec::new())
    }

    /// The constant 1.
    pub fn one() -> Self {
        LinearCombination(vec![(Variable::One, Fr::ONE)])
    }

    /// The constant `c`.
    pub fn constant(c: Fr) -> Self {
        LinearCombination(vec![(Variable::One, c)])
    }

    /// A combination with room for `n` terms.
    pub fn with_capacity(n: usize) -> Self {
        LinearCombination(Vec::with_capacity(n))
    }

    /// Adds the term `c * v`.
    pub fn push(&mut self, v: Variable, c: Fr) {
        self.0.push((v, c));
    }

    /// The terms (possibly with repeated variables).
    pub fn terms(&self) -> &[(Variable, Fr)] {
        &self.0
    }

    /// Merges repeated variables and drops zero coefficients.
    pub fn simplify(&self) -> Self {
        let mut t = self.0.clone();
        t.sort_by_key(|(v, _)| *v);
        let mut out: Vec<(Variable, Fr)> = Vec::with_capacity(t.len());
        for (v, c) in t {
            match out.last_mut() {
                Some((lv, lc)) if *lv == v => *lc += c,
                _ => out.push((v, c)),
            }
        }
        out.retain(|(_, c)| *c != Fr::ZERO);
        LinearCombination(out)
    }
}

impl From<Variable> for LinearCombination {
    fn from(v: Variable) -> Self {
        LinearCombination(vec![(v, Fr::ONE)])
    }
}

impl From<Fr> for LinearCombination {
    fn from(c: Fr) -> Self {
        LinearCombination::constant(c)
    }
}

impl Add<LinearCombination> for LinearCombination {
    type Output = LinearCombination;
    fn add(mut self, rhs: LinearCombination) -> LinearCombination {
        self.0.extend(rhs.0);
        self
    }
}

impl Add<Variable> for LinearCombination {
    type Output = LinearCombination;
    fn add(mut self, rhs: Variable) -> LinearCombination {
        self.0.push((rhs, Fr::ONE));
        self
    }
}

impl Add<(Fr, Variable)> for LinearCombination {
    type Output = LinearCombination;
    fn add(mut self, (c, v): (Fr, Variable)) -> LinearCombination {
        self.0.push((v, c));
        self
    }
}

impl Add<Fr> for LinearCombination {
    type Output = LinearCombination;
    fn add(mut self, c: Fr) -> LinearCombination {
        self.0.push((Variable::One, c));
        self
    }
}

impl Sub<LinearCombination> for LinearCombination {
    type Output = LinearCombination;
    fn sub(mut self, rhs: LinearCombination) -> LinearCombination {
        self.0.extend(rhs.0.into_iter().map(|(v, c)| (v, -c)));
        self
    }
}

impl Sub<Variable> for LinearCombination {
    type Output = LinearCombination;
    fn sub(mut self, rhs: Variable) -> LinearCombination {
        self.0.push((rhs, -Fr::ONE));
        self
    }
}

impl Sub<Fr> for LinearCombination {
    type Output = LinearCombination;
    fn sub(mut self, c: Fr) -> LinearCombination {
        self.0.push((Variable::One, -c));
        self
    }
}

impl AddAssign<LinearCombination> for LinearCombination {
    fn add_assign(&mut self, rhs: LinearCombination) {
        self.0.extend(rhs.0);
    }
}

impl AddAssign<(Fr, Variable)> for LinearCombination {
    fn add_assign(&mut self, (c, v): (Fr, Variable)) {
        self.0.push((v, c));
    }
}

impl SubAssign<LinearCombination> for LinearCombination {
    fn sub_assign(&mut self, rhs: LinearCombination) {
        self.0.extend(rhs.0.into_iter().map(|(v, c)| (v, -c)));
    }
}

impl Mul<Fr> for LinearCombination {
    type Output = LinearCombination;
    fn mul(mut self, k: Fr) -> LinearCombination {
        for (_, c) in self.0.iter_mut() {
            *c *= k;
        }
        self
    }
}

impl Neg for LinearCombination {
    type Output = LinearCombination;
    fn neg(mut self) -> LinearCombination {
        for (_, c) in self.0.iter_mut() {
            *c = -*c;
        }
        self
    }
}
