//! Poseidon in R1CS: the permutation, the fixed-length hash and the sponge of
//! [`crate::poseidon`], computed in-circuit over [`LinearCombination`] inputs.
//! The functions are the same as the native ones (same constants, domain
//! tags and padding), so a circuit's output equals the native hash.
//!
//! # Cost
//!
//! Each S-box y = x^5 costs 3 constraints and 3 witnesses (x2 = x*x,
//! x4 = x2*x2, y = x4*x), with x the round's linear combination. Constant
//! additions and MDS products cost nothing: the state is kept as linear
//! combinations. An S-box whose input is a constant (the capacity in a
//! hash's first permutation) is evaluated natively and costs nothing.
//!
//! **Linear-combination growth.** After a full round every state element is a
//! combination of the T fresh S-box outputs. In the partial rounds only
//! element 0 gets a fresh variable per round, so after k partial rounds each
//! element is a combination of T + k variables plus a constant (terms are
//! merged, so the growth is linear, not exponential), and the next full
//! round starts again from T variables. An S-box input appears three times in
//! its constraints (twice in x*x, once in x4*x), so long inputs dominate the
//! matrix non-zeros, which the Spartan verifier pays for one by one. A
//! partial-round input of more than [`MATERIALISE_ABOVE`] = 40 terms is
//! therefore first copied into its own variable (x * 1 = v): one more
//! constraint, 2n - 5 fewer non-zeros for n terms.
//!
//! Measured with [`crate::r1cs::ShapeBuilder`] (test
//! `non_zeros_per_permutation`), per permutation:
//!
//! | T | constraints | = 3 (T R_F + R_P) + materialised | non-zeros (A, B, C) |
//! |---|---|---|---|
//! | 3 | 263 | 243 + 20 | (2,267, 2,291, 263) |
//! | 5 | 325 | 300 + 25 | (2,875, 2,825, 325) |
//! | 9 | 437 | 405 + 32 | (4,100, 4,211, 437) |
//!
//! Without materialising, T = 5 had 300 constraints and (2,850, 5,400, 300)
//! non-zeros. A fixed-length hash of L elements at width T costs
//! ceil(L / (T - 1)) permutations, less 3 constraints for the constant
//! capacity S-box of the first. The partial rounds are synthesised in the
//! sparse form of [`crate::poseidon::Params::permute`], which keeps
//! synthesis at O(T (T + R_P)) field operations per round.
//!
//! **Soundness.** Every S-box output is tied to its input by the three
//! constraints, and the linear layers are exact linear combinations, so a
//! satisfying assignment forces the outputs to be the permutation of the
//! inputs.
//!
//! Not audited.

use crate::error::SynthesisError;
use crate::field::Fr;
use crate::poseidon::{domain_tag, params, InputLength, Instance, Width, WIDTH};
use crate::r1cs::{namespaced, ConstraintSystem, LinearCombination, Variable};

/// An affine form sum_k coeffs\[k\] * basis\[k\] + constant over a local basis
/// of S-box outputs (coefficients past the end are zero).
#[derive(Clone, Debug)]
struct Affine {
    coeffs: Vec<Fr>,
    constant: Fr,
}

impl Affine {
    fn constant(c: Fr) -> Self {
        Affine {
            coeffs: Vec::new(),
            constant: c,
        }
    }

    fn unit(k: usize) -> Self {
        let mut coeffs = vec![Fr::ZERO; k + 1];
        coeffs[k] = Fr::ONE;
        Affine {
            coeffs,
            constant: Fr::ZERO,
        }
    }

    /// self += k * other.
    fn add_scaled(&mut self, other: &Affine, k: Fr) {
        if self.coeffs.len() < other.coeffs.len() {
            self.coeffs.resize(other.coeffs.len(), Fr::ZERO);
        }
        for (acc, c) in self.coeffs.iter_mut().zip(&other.coeffs) {
            if *c != Fr::ZERO {
                *acc += k * c;
            }
        }
        self.constant += k * other.constant;
    }

    fn to_lc(&self, basis: &[Variable]) -> LinearCombination {
        let mut lc = LinearCombination::with_capacity(self.coeffs.len() + 1);
        for (c, v) in self.coeffs.iter().zip(basis) {
            if *c != Fr::ZERO {
                lc.push(*v, *c);
            }
        }
        if self.constant != Fr::ZERO {
            lc.push(Variable::One, self.constant);
        }
        lc
    }
}

/// new_i = sum_j M\[i\]\[j\] state_j.
fn mds_mul<const T: usize>(m: &[[Fr; T]; T], state: &[Affine; T]) -> [Affine; T] {
    let len = state.iter().map(|a| a.coeffs.len()).max().unwrap_or(0);
    std::array::from_fn(|i| {
        let mut coeffs = vec![Fr::ZERO; len];
        let mut constant = Fr::ZERO;
        for (mij, a) in m[i].iter().zip(state) {
            if *mij == Fr::ZERO {
                continue;
            }
            for (acc, c) in coeffs.iter_mut().zip(&a.coeffs) {
                if *c != Fr::ZERO {
                    *acc += mij * c;
                }
            }
            if a.constant != Fr::ZERO {
                constant += mij * a.constant;
            }
        }
        Affine { coeffs, constant }
    })
}

/// The constant value of `lc`, if it has no variable other than `One`.
fn as_constant(lc: &LinearCombination) -> Option<Fr> {
    let mut acc = Fr::ZERO;
    for (v, c) in lc.terms() {
        if *v != Variable::One {
            return None;
        }
        acc += c;
    }
    Some(acc)
}

/// A partial-round S-box input with more terms than this gets its own
/// variable (one more constraint, x * 1 = v) before the S-box, so its
/// combination is written into the matrices once instead of three times.
/// Each such constraint saves 2 n - 5 >= 77 non-zeros for an input of n
/// terms. At T = 9 the inputs of the last 32 of the 63 partial rounds
/// qualify, at T = 5 the last 25 of 60 and at T = 3 the last 20 of 57.
pub const MATERIALISE_ABOVE: usize = 40;

/// A fresh variable v with the constraint x * 1 = v.
fn materialise<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    x: LinearCombination,
) -> Result<LinearCombination, SynthesisError> {
    let value = cs.eval(&x);
    let v = cs.alloc(value)?;
    cs.enforce(x, LinearCombination::one(), v.into());
    Ok(v.into())
}

/// y = x^5 in 3 constraints (none if x is a constant); a fresh output
/// variable is appended to `basis`.
fn sbox<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    x: LinearCombination,
    basis: &mut Vec<Variable>,
) -> Result<Affine, SynthesisError> {
    if let Some(c) = as_constant(&x) {
        let c2 = c * c;
        return Ok(Affine::constant(c2 * c2 * c));
    }
    let xv = cs.eval(&x);
    let x2v = xv.map(|v| v * v);
    let x2 = cs.alloc(x2v)?;
    cs.enforce(x.clone(), x.clone(), x2.into());
    let x4v = x2v.map(|v| v * v);
    let x4 = cs.alloc(x4v)?;
    cs.enforce(x2.into(), x2.into(), x4.into());
    let yv = x4v.zip(xv).map(|(a, b)| a * b);
    let y = cs.alloc(yv)?;
    cs.enforce(x4.into(), x, y.into());
    basis.push(y);
    Ok(Affine::unit(basis.len() - 1))
}

/// The width-`T` Poseidon permutation of `state`, in-circuit; returns the
/// output state as linear combinations (each over the last round's T S-box
/// outputs). 3 (T R_F + R_P) constraints.
pub fn permute<CS, const T: usize>(
    cs: &mut CS,
    state: [LinearCombination; T],
) -> Result<[LinearCombination; T], SynthesisError>
where
    CS: ConstraintSystem + ?Sized,
    Width<T>: Instance<T>,
{
    namespaced(cs, "poseidon", |cs| permute_inner(cs, state))
}

fn permute_inner<CS, const T: usize>(
    cs: &mut CS,
    input: [LinearCombination; T],
) -> Result<[LinearCombination; T], SynthesisError>
where
    CS: ConstraintSystem + ?Sized,
    Width<T>: Instance<T>,
{
    let p = params::<T>();
    let rcs = p.round_constants();
    let m = p.mds();
    let half = p.full_rounds() / 2;
    let partial_end = half + p.partial_rounds();

    // Round 0 is a full round (R_F >= 2) on arbitrary input combinations.
    let mut basis: Vec<Variable> = Vec::new();
    let mut outs: [Affine; T] = std::array::from_fn(|_| Affine::constant(Fr::ZERO));
    for (i, (x, c)) in input.into_iter().zip(rcs[0].iter()).enumerate() {
        outs[i] = sbox(cs, x + *c, &mut basis)?;
    }
    let mut state = mds_mul(m, &outs);

    let full_round = |cs: &mut CS,
                      state: &mut [Affine; T],
                      basis: &mut Vec<Variable>,
                      rc: &[Fr; T]|
     -> Result<(), SynthesisError> {
        let mut fresh = Vec::with_capacity(T);
        let mut outs: [Affine; T] = std::array::from_fn(|_| Affine::constant(Fr::ZERO));
        for ((o, s), c) in outs.iter_mut().zip(state.iter_mut()).zip(rc.iter()) {
            s.constant += c;
            *o = sbox(cs, s.to_lc(basis), &mut fresh)?;
        }
        *basis = fresh;
        *state = mds_mul(m, &outs);
        Ok(())
    };

    for rc in &rcs[1..half] {
        full_round(cs, &mut state, &mut basis, rc)?;
    }
    // Partial rounds in the sparse form of `crate::poseidon::Params::permute`:
    // per round one S-box and 2T - 1 scalings of affine forms, instead of T^2.
    // The S-box inputs are the same linear functions of the same variables as
    // in the round-by-round definition, so the constraints are identical.
    let sp = p.sparse();
    for round in &sp.rounds {
        for (s, c) in state.iter_mut().zip(round.constants.iter()) {
            s.constant += c;
        }
        let mut x = state[0].to_lc(&basis);
        if x.terms().len() > MATERIALISE_ABOVE {
            x = materialise(cs, x)?;
        }
        let y = sbox(cs, x, &mut basis)?;
        let mut new0 = Affine::constant(Fr::ZERO);
        new0.add_scaled(&y, round.row[0]);
        for ((s, r), c) in state.iter_mut().zip(&round.row).zip(&round.col).skip(1) {
            new0.add_scaled(s, *r);
            s.add_scaled(&y, *c);
        }
        state[0] = new0;
    }
    if !sp.rounds.is_empty() {
        state = mds_mul(&sp.exit, &state);
    }
    for rc in &rcs[partial_end..] {
        full_round(cs, &mut state, &mut basis, rc)?;
    }
    Ok(std::array::from_fn(|i| state[i].to_lc(&basis)))
}

/// Fixed-length hash with the width-`T` permutation, in-circuit: the same
/// function as [`crate::poseidon::hash_with`] (capacity = fixed-length domain
/// tag of `label` and `msg.len()`, zero padding, output element 1).
pub fn hash_with<CS, const T: usize>(
    cs: &mut CS,
    label: &[u8],
    msg: &[LinearCombination],
) -> Result<LinearCombination, SynthesisError>
where
    CS: ConstraintSystem + ?Sized,
    Width<T>: Instance<T>,
{
    namespaced(cs, "poseidon_hash", |cs| {
        let mut state: [LinearCombination; T] = std::array::from_fn(|_| LinearCombination::zero());
        state[0] = LinearCombination::constant(domain_tag::<T>(
            label,
            InputLength::Fixed(msg.len() as u64),
        ));
        if msg.is_empty() {
            state = permute(cs, state)?;
        }
        for block in msg.chunks(T - 1) {
            for (s, x) in state[1..].iter_mut().zip(block) {
                *s += x.clone();
            }
            state = permute(cs, state)?;
        }
        Ok(state[1].clone())
    })
}

/// Fixed-length hash with the default width ([`WIDTH`] = 5), in-circuit; the
/// same function as [`crate::poseidon::hash`].
pub fn hash<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    label: &[u8],
    msg: &[LinearCombination],
) -> Result<LinearCombination, SynthesisError> {
    hash_with::<CS, WIDTH>(cs, label, msg)
}

/// The variable-length sponge of [`crate::poseidon::Sponge`], in-circuit, in
/// its absorbing phase (same domain tag, 10* padding and output order).
#[derive(Clone, Debug)]
pub struct SpongeGadget<const T: usize> {
    state: [LinearCombination; T],
    pos: usize,
}

impl<const T: usize> SpongeGadget<T>
where
    Width<T>: Instance<T>,
{
    /// A sponge for messages under `label` (no constraints).
    pub fn new(label: &[u8]) -> Self {
        let mut state: [LinearCombination; T] = std::array::from_fn(|_| LinearCombination::zero());
        state[0] = LinearCombination::constant(domain_tag::<T>(label, InputLength::Variable));
        SpongeGadget { state, pos: 0 }
    }

    /// Absorbs one element (a permutation when a block is full).
    pub fn absorb<CS: ConstraintSystem + ?Sized>(
        &mut self,
        cs: &mut CS,
        x: LinearCombination,
    ) -> Result<(), SynthesisError> {
        if self.pos == T - 1 {
            self.permute(cs)?;
            self.pos = 0;
        }
        self.state[1 + self.pos] += x;
        self.pos += 1;
        Ok(())
    }

    /// Absorbs several elements, in order.
    pub fn absorb_slice<CS: ConstraintSystem + ?Sized>(
        &mut self,
        cs: &mut CS,
        xs: &[LinearCombination],
    ) -> Result<(), SynthesisError> {
        for x in xs {
            self.absorb(cs, x.clone())?;
        }
        Ok(())
    }

    /// Pads (10*) and permutes; returns the squeezing phase.
    pub fn finish<CS: ConstraintSystem + ?Sized>(
        mut self,
        cs: &mut CS,
    ) -> Result<SpongeGadgetOutput<T>, SynthesisError> {
        self.absorb(cs, LinearCombination::one())?;
        self.permute(cs)?;
        Ok(SpongeGadgetOutput {
            state: self.state,
            pos: 0,
        })
    }

    /// Shorthand for `finish` then one `squeeze`.
    pub fn squeeze<CS: ConstraintSystem + ?Sized>(
        self,
        cs: &mut CS,
    ) -> Result<LinearCombination, SynthesisError> {
        self.finish(cs)?.squeeze(cs)
    }

    fn permute<CS: ConstraintSystem + ?Sized>(
        &mut self,
        cs: &mut CS,
    ) -> Result<(), SynthesisError> {
        let state = std::mem::replace(
            &mut self.state,
            std::array::from_fn(|_| LinearCombination::zero()),
        );
        self.state = namespaced(cs, "poseidon_sponge", |cs| permute(cs, state))?;
        Ok(())
    }
}

/// The in-circuit sponge in its squeezing phase.
#[derive(Clone, Debug)]
pub struct SpongeGadgetOutput<const T: usize> {
    state: [LinearCombination; T],
    pos: usize,
}

impl<const T: usize> SpongeGadgetOutput<T>
where
    Width<T>: Instance<T>,
{
    /// The next output element (a permutation when the rate is used up).
    pub fn squeeze<CS: ConstraintSystem + ?Sized>(
        &mut self,
        cs: &mut CS,
    ) -> Result<LinearCombination, SynthesisError> {
        if self.pos == T - 1 {
            let state = std::mem::replace(
                &mut self.state,
                std::array::from_fn(|_| LinearCombination::zero()),
            );
            self.state = namespaced(cs, "poseidon_sponge", |cs| permute(cs, state))?;
            self.pos = 0;
        }
        self.pos += 1;
        Ok(self.state[self.pos].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poseidon;
    use crate::r1cs::{ConstraintCounter, ShapeBuilder, WitnessGenerator};
    use proptest::prelude::*;

    fn fr_strategy() -> impl Strategy<Value = Fr> {
        any::<[u8; 64]>().prop_map(|b| Fr::from_bytes_mod_order_wide(&b))
    }

    fn alloc_all(cs: &mut WitnessGenerator, xs: &[Fr]) -> Vec<LinearCombination> {
        xs.iter()
            .map(|x| LinearCombination::from(cs.alloc(Some(*x)).unwrap()))
            .collect()
    }

    /// Runs the permutation gadget on witnesses; checks satisfaction and the
    /// output against native, and that the shape matches the witness.
    fn check_permute<const T: usize>(input: [Fr; T])
    where
        Width<T>: Instance<T>,
    {
        let mut cs = WitnessGenerator::new();
        let lcs = alloc_all(&mut cs, &input);
        let out = permute(&mut cs, std::array::from_fn(|i| lcs[i].clone())).unwrap();
        let mut native = input;
        poseidon::permute(&mut native);
        for (o, n) in out.iter().zip(native.iter()) {
            assert_eq!(cs.eval(o), Some(*n));
        }
        assert!(cs.is_satisfied(), "{:?}", cs.first_failure());

        let mut sb = ShapeBuilder::new();
        let vars: Vec<LinearCombination> = (0..T)
            .map(|_| LinearCombination::from(sb.alloc(None).unwrap()))
            .collect();
        permute(&mut sb, std::array::from_fn(|i| vars[i].clone())).unwrap();
        let shape = sb.finish();
        assert_eq!(shape.num_cons, cs.num_constraints());
        let (w, x) = cs.into_assignment();
        assert_eq!(shape.first_unsatisfied(&w, &x), None);
    }

    fn count_permute<const T: usize>() -> usize
    where
        Width<T>: Instance<T>,
    {
        let mut cc = ConstraintCounter::new();
        let ins: [LinearCombination; T] =
            std::array::from_fn(|_| LinearCombination::from(cc.alloc(None).unwrap()));
        permute(&mut cc, ins).unwrap();
        cc.num_constraints()
    }

    fn shape_permute<const T: usize>() -> (usize, usize, usize, usize)
    where
        Width<T>: Instance<T>,
    {
        let mut sb = crate::r1cs::ShapeBuilder::new();
        let ins: [LinearCombination; T] =
            std::array::from_fn(|_| LinearCombination::from(sb.alloc(None).unwrap()));
        permute(&mut sb, ins).unwrap();
        let sh = sb.finish();
        (sh.num_cons, sh.a.len(), sh.b.len(), sh.c.len())
    }

    #[test]
    fn constraints_per_permutation() {
        // 3 (T R_F + R_P) for the S-boxes, plus one per materialised input.
        assert_eq!(count_permute::<3>(), 243 + 20);
        assert_eq!(count_permute::<5>(), 300 + 25);
        assert_eq!(count_permute::<9>(), 405 + 32);
    }

    #[test]
    fn non_zeros_per_permutation() {
        // (constraints, nnz A, nnz B, nnz C) as documented in the module.
        assert_eq!(shape_permute::<3>(), (263, 2267, 2291, 263));
        assert_eq!(shape_permute::<5>(), (325, 2875, 2825, 325));
        assert_eq!(shape_permute::<9>(), (437, 4100, 4211, 437));
    }

    #[test]
    fn constant_input_costs_nothing() {
        let mut cs = WitnessGenerator::new();
        let out = hash(&mut cs, b"empty", &[]).unwrap();
        assert_eq!(cs.num_constraints(), 0);
        assert_eq!(cs.eval(&out), Some(poseidon::hash(b"empty", &[])));
    }

    #[test]
    fn wrong_claimed_output_is_unsatisfied() {
        let msg: Vec<Fr> = (1..=6u64).map(Fr::from).collect();
        let native = poseidon::hash(b"claim", &msg);
        for (claimed, ok) in [(native, true), (native + Fr::ONE, false)] {
            let mut cs = WitnessGenerator::new();
            let lcs = alloc_all(&mut cs, &msg);
            let out = hash(&mut cs, b"claim", &lcs).unwrap();
            let pub_out = cs.alloc_input(Some(claimed)).unwrap();
            cs.enforce(out, LinearCombination::one(), pub_out.into());
            assert_eq!(cs.is_satisfied(), ok);
        }
        // A tampered S-box witness is caught too.
        let mut cs = WitnessGenerator::unchecked();
        let lcs = alloc_all(&mut cs, &msg);
        hash(&mut cs, b"claim", &lcs).unwrap();
        let mut sb = ShapeBuilder::new();
        let vars: Vec<LinearCombination> = (0..msg.len())
            .map(|_| LinearCombination::from(sb.alloc(None).unwrap()))
            .collect();
        hash(&mut sb, b"claim", &vars).unwrap();
        let shape = sb.finish();
        let (mut w, x) = cs.into_assignment();
        assert_eq!(shape.first_unsatisfied(&w, &x), None);
        let k = msg.len() + 10;
        w[k] += Fr::ONE;
        assert!(shape.first_unsatisfied(&w, &x).is_some());
    }

    #[test]
    fn hash_and_sponge_match_native_for_all_short_lengths() {
        for len in 0..=17u64 {
            let msg: Vec<Fr> = (0..len).map(|i| Fr::from(i * 7 + 1)).collect();
            let mut cs = WitnessGenerator::new();
            let lcs = alloc_all(&mut cs, &msg);
            let h5 = hash(&mut cs, b"len", &lcs).unwrap();
            let h3 = hash_with::<_, 3>(&mut cs, b"len", &lcs).unwrap();
            let h9 = hash_with::<_, 9>(&mut cs, b"len", &lcs).unwrap();
            assert_eq!(cs.eval(&h5), Some(poseidon::hash(b"len", &msg)));
            assert_eq!(cs.eval(&h3), Some(poseidon::hash_with::<3>(b"len", &msg)));
            assert_eq!(cs.eval(&h9), Some(poseidon::hash_with::<9>(b"len", &msg)));

            let mut sg = SpongeGadget::<3>::new(b"len");
            sg.absorb_slice(&mut cs, &lcs).unwrap();
            let mut so = sg.finish(&mut cs).unwrap();
            let mut sn = poseidon::Sponge::<3>::new(b"len");
            sn.absorb_slice(&msg);
            let mut no = sn.finish();
            for _ in 0..3 {
                let out = so.squeeze(&mut cs).unwrap();
                assert_eq!(cs.eval(&out), Some(no.squeeze()));
            }
            assert!(cs.is_satisfied(), "{:?}", cs.first_failure());
        }
    }

    #[test]
    fn hash_cost() {
        let mut cc = ConstraintCounter::new();
        let msg: Vec<LinearCombination> = (0..8)
            .map(|_| LinearCombination::from(cc.alloc(None).unwrap()))
            .collect();
        hash(&mut cc, b"cost", &msg).unwrap();
        // Two permutations, the first with a constant capacity S-box.
        assert_eq!(cc.num_constraints(), 2 * 325 - 3);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn permute_gadget_matches_native_t3(a in fr_strategy(), b in fr_strategy(), c in fr_strategy()) {
            check_permute::<3>([a, b, c]);
        }

        #[test]
        fn permute_gadget_matches_native_t5(xs in proptest::array::uniform5(fr_strategy())) {
            check_permute::<5>(xs);
        }

        #[test]
        fn permute_gadget_matches_native_t9(xs in proptest::array::uniform9(fr_strategy())) {
            check_permute::<9>(xs);
        }

        #[test]
        fn hash_gadget_on_composite_inputs(xs in proptest::collection::vec(fr_strategy(), 1..7), k in fr_strategy()) {
            // Inputs are combinations 2 x_i + x_0 + k, not bare variables.
            let mut cs = WitnessGenerator::new();
            let vars = alloc_all(&mut cs, &xs);
            let lcs: Vec<LinearCombination> = vars
                .iter()
                .map(|v| v.clone() * Fr::from(2u8) + vars[0].clone() + k)
                .collect();
            let vals: Vec<Fr> = xs.iter().map(|x| x * Fr::from(2u8) + xs[0] + k).collect();
            let h = hash(&mut cs, b"composite", &lcs).unwrap();
            prop_assert_eq!(cs.eval(&h), Some(poseidon::hash(b"composite", &vals)));
            prop_assert!(cs.is_satisfied());
        }
    }
}
