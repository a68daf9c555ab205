//! Verification equations and the two ways of checking them.
//!
//! Every Sigma-protocol check in this crate is an equation sum_i s_i P_i = 0
//! over the fixed generators and points taken from proofs. Verifiers push
//! equations into a [`Sink`]:
//! - [`BatchCheck`] multiplies each equation by a fresh non-zero weight from
//!   the verifier's own RNG (never from the transcript, which the prover
//!   controls) and adds it to one accumulated multiscalar multiplication,
//!   checked once, variable time (verification handles no secrets). A set of
//!   equations of which one fails passes with probability at most 1/l.
//!   The coefficients of the fixed generators are merged, so the MSM has one
//!   term per generator however many equations use it.
//! - [`SerialCheck`], the slow reference: every equation on its own, by plain
//!   scalar multiplications and additions, no weights and no MSM.

use super::Generators;
use crate::field::Fr;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::{Identity, IsIdentity, VartimeMultiscalarMul};
use rand_core::{CryptoRng, RngCore};

/// The base of one term of an equation.
#[derive(Clone, Copy, Debug)]
pub enum Base {
    /// Column generator i (Hyrax rows).
    Col(usize),
    /// Coefficient generator i (sum-check round polynomials).
    Coeff(usize),
    /// The value generator G_val.
    G,
    /// The blinding generator H.
    H,
    /// A point from a proof or a commitment.
    Point(RistrettoPoint),
}

/// One verification equation sum_i s_i B_i = 0.
#[derive(Clone, Debug, Default)]
pub struct Equation {
    terms: Vec<(Fr, Base)>,
}

impl Equation {
    /// An empty equation (trivially true).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty equation with room for `n` terms.
    pub fn with_capacity(n: usize) -> Self {
        Equation {
            terms: Vec::with_capacity(n),
        }
    }

    /// Adds the term s * B.
    pub fn add(&mut self, s: Fr, b: Base) -> &mut Self {
        self.terms.push((s, b));
        self
    }

    /// Adds s * P.
    pub fn point(&mut self, s: Fr, p: &RistrettoPoint) -> &mut Self {
        self.terms.push((s, Base::Point(*p)));
        self
    }

    /// Adds s * (sum_j c_j P_j) for a linear combination of points.
    pub fn lin_comb(&mut self, s: Fr, lc: &[(Fr, RistrettoPoint)]) -> &mut Self {
        for (c, p) in lc {
            self.terms.push((s * c, Base::Point(*p)));
        }
        self
    }

    /// The terms.
    pub fn terms(&self) -> &[(Fr, Base)] {
        &self.terms
    }
}

/// Where verifiers put their equations.
pub trait Sink {
    /// Takes one equation that must hold.
    fn push(&mut self, eq: Equation);
}

/// One random linear combination of all equations in one vartime MSM.
pub struct BatchCheck<'g, R> {
    gens: &'g Generators,
    rng: R,
    cols: Vec<Fr>,
    coeffs: Vec<Fr>,
    g: Fr,
    h: Fr,
    scalars: Vec<Fr>,
    points: Vec<RistrettoPoint>,
    out_of_range: bool,
    equations: usize,
}

impl<'g, R: RngCore + CryptoRng> BatchCheck<'g, R> {
    /// An empty batch over `gens`, with weights drawn from `rng`.
    pub fn new(gens: &'g Generators, rng: R) -> Self {
        BatchCheck {
            gens,
            rng,
            cols: vec![Fr::ZERO; gens.cols().len()],
            coeffs: vec![Fr::ZERO; gens.coeffs().len()],
            g: Fr::ZERO,
            h: Fr::ZERO,
            scalars: Vec::new(),
            points: Vec::new(),
            out_of_range: false,
            equations: 0,
        }
    }

    /// Number of equations pushed.
    pub fn len(&self) -> usize {
        self.equations
    }

    /// Whether no equation was pushed.
    pub fn is_empty(&self) -> bool {
        self.equations == 0
    }

    /// Checks all equations at once: true iff the combined MSM is the identity
    /// (and no equation named a generator that does not exist).
    pub fn verify(self) -> bool {
        if self.out_of_range {
            return false;
        }
        let scalars = self
            .cols
            .iter()
            .chain(self.coeffs.iter())
            .chain([&self.g, &self.h])
            .chain(self.scalars.iter());
        let points = self
            .gens
            .cols()
            .iter()
            .chain(self.gens.coeffs().iter())
            .chain([self.gens.g(), self.gens.h()])
            .chain(self.points.iter());
        RistrettoPoint::vartime_multiscalar_mul(scalars, points).is_identity()
    }
}

impl<R: RngCore + CryptoRng> Sink for BatchCheck<'_, R> {
    fn push(&mut self, eq: Equation) {
        self.equations += 1;
        let w = loop {
            let w = Fr::random(&mut self.rng);
            if w != Fr::ZERO {
                break w;
            }
        };
        for (s, b) in eq.terms {
            let s = w * s;
            match b {
                Base::Col(i) => match self.cols.get_mut(i) {
                    Some(x) => *x += s,
                    None => self.out_of_range = true,
                },
                Base::Coeff(i) => match self.coeffs.get_mut(i) {
                    Some(x) => *x += s,
                    None => self.out_of_range = true,
                },
                Base::G => self.g += s,
                Base::H => self.h += s,
                Base::Point(p) => {
                    self.scalars.push(s);
                    self.points.push(p);
                }
            }
        }
    }
}

/// The slow reference: each equation evaluated alone with plain scalar
/// multiplications; remembers the index of the first that fails.
pub struct SerialCheck<'g> {
    gens: &'g Generators,
    first_failure: Option<usize>,
    equations: usize,
}

impl<'g> SerialCheck<'g> {
    /// An empty checker over `gens`.
    pub fn new(gens: &'g Generators) -> Self {
        SerialCheck {
            gens,
            first_failure: None,
            equations: 0,
        }
    }

    /// Number of equations pushed.
    pub fn len(&self) -> usize {
        self.equations
    }

    /// Whether no equation was pushed.
    pub fn is_empty(&self) -> bool {
        self.equations == 0
    }

    /// Index of the first equation that failed, if any.
    pub fn first_failure(&self) -> Option<usize> {
        self.first_failure
    }

    /// True iff every equation held.
    pub fn verify(self) -> bool {
        self.first_failure.is_none()
    }
}

impl Sink for SerialCheck<'_> {
    fn push(&mut self, eq: Equation) {
        let mut acc = RistrettoPoint::identity();
        let mut ok = true;
        for (s, b) in eq.terms {
            let p = match b {
                Base::Col(i) => self.gens.cols().get(i).copied(),
                Base::Coeff(i) => self.gens.coeffs().get(i).copied(),
                Base::G => Some(*self.gens.g()),
                Base::H => Some(*self.gens.h()),
                Base::Point(p) => Some(p),
            };
            match p {
                Some(p) => acc += s * p,
                None => ok = false,
            }
        }
        if (!ok || !acc.is_identity()) && self.first_failure.is_none() {
            self.first_failure = Some(self.equations);
        }
        self.equations += 1;
    }
}
