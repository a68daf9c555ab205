//! The update commitment h and the bounded-update relation.
//!
//! A provider's update is v = (Delta_0..Delta_{d-1}, beta): d signed
//! `bits`-bit values and a uniform mask beta. It binds v before any challenge
//! with h = Poseidon-hash("zkagg/update/v2", pack(Delta) || beta || salt),
//! where pack puts floor(252 / bits) values (each offset by 2^(bits-1)) into
//! one field element (SPEC.md section 6) and the hash is the fixed-length
//! Poseidon hash of section 4 at width 9 (rate 8). Width 9 absorbs twice as
//! many elements per permutation as width 5 for 437 instead of 325
//! constraints, which brings the relation at d = 100,000 16-bit values
//! (about 20.7 constraints per value) under 2^21 constraints.
//!
//! [`BoundedUpdateCircuit`] is the validity relation without training:
//! public (h, rho, y), witness (Delta, beta, salt), with every Delta_j in
//! [-2^(bits-1), 2^(bits-1)), h as above and y = sum_j v_j rho^j (Horner).
//! It is the relation the aggregation bench measures; R_train extends it
//! with the training step. Not audited.

use crate::error::SynthesisError;
use crate::field::{from_i64, Fr};
use crate::gadgets::{horner, pack, poseidon as poseidon_gadget, range};
use crate::poseidon;
use crate::r1cs::{namespaced, Circuit, ConstraintSystem, LinearCombination};

/// Poseidon label of the update hash (v1 was the same hash at width 5).
pub const UPDATE_LABEL: &[u8] = b"zkagg/update/v2";

/// Poseidon width of the update hash (rate 8).
pub const UPDATE_WIDTH: usize = 9;

/// The hash input: packed Delta, then beta, then salt.
fn native_input(delta: &[i64], bits: usize, beta: &Fr, salt: &Fr) -> Vec<Fr> {
    let per = pack::per_element(bits);
    let mut msg: Vec<Fr> = delta
        .chunks(per)
        .map(|c| pack::pack_signed_native(c, bits))
        .collect();
    msg.push(*beta);
    msg.push(*salt);
    msg
}

/// h = Poseidon(UPDATE_LABEL, pack(Delta) || beta || salt), natively.
pub fn update_hash(delta: &[i64], bits: usize, beta: &Fr, salt: &Fr) -> Fr {
    poseidon::hash_with::<UPDATE_WIDTH>(UPDATE_LABEL, &native_input(delta, bits, beta, salt))
}

/// The vector v = (Delta, beta) in F^(d+1).
pub fn update_vector(delta: &[i64], beta: &Fr) -> Vec<Fr> {
    delta
        .iter()
        .map(|&x| from_i64(x))
        .chain(core::iter::once(*beta))
        .collect()
}

/// In-circuit update hash over range-checked `delta` (the caller range-checks).
pub fn update_hash_gadget<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    delta: &[LinearCombination],
    bits: usize,
    beta: LinearCombination,
    salt: LinearCombination,
) -> Result<LinearCombination, SynthesisError> {
    let per = pack::per_element(bits);
    let mut msg = delta
        .chunks(per)
        .map(|c| pack::pack_signed(c, bits))
        .collect::<Result<Vec<_>, _>>()?;
    msg.push(beta);
    msg.push(salt);
    poseidon_gadget::hash_with::<_, UPDATE_WIDTH>(cs, UPDATE_LABEL, &msg)
}

/// The witness of [`BoundedUpdateCircuit`].
#[derive(Clone, Debug)]
pub struct BoundedUpdateWitness {
    /// The update Delta.
    pub delta: Vec<i64>,
    /// The mask beta.
    pub beta: Fr,
    /// The hash salt.
    pub salt: Fr,
}

/// Public inputs of [`BoundedUpdateCircuit`], in allocation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BoundedUpdatePublic {
    /// The update hash h.
    pub h: Fr,
    /// The challenge point rho.
    pub rho: Fr,
    /// y = sum v_j rho^j.
    pub y: Fr,
}

impl BoundedUpdatePublic {
    /// The public inputs as a vector (h, rho, y).
    pub fn to_vec(&self) -> Vec<Fr> {
        vec![self.h, self.rho, self.y]
    }
}

/// The bounded-update relation (see the module documentation).
#[derive(Clone, Debug)]
pub struct BoundedUpdateCircuit {
    /// Dimension d.
    pub d: usize,
    /// Signed bit width of each coordinate.
    pub bits: usize,
    /// Public inputs and witness, or `None` for shape synthesis.
    pub assignment: Option<(BoundedUpdatePublic, BoundedUpdateWitness)>,
}

impl BoundedUpdateCircuit {
    /// The shape-only circuit.
    pub fn shape(d: usize, bits: usize) -> Self {
        BoundedUpdateCircuit {
            d,
            bits,
            assignment: None,
        }
    }

    /// An honest instance: computes h and y from the witness.
    pub fn honest(bits: usize, w: BoundedUpdateWitness, rho: Fr) -> Self {
        let h = update_hash(&w.delta, bits, &w.beta, &w.salt);
        let y = horner::horner_native(&update_vector(&w.delta, &w.beta), &rho);
        BoundedUpdateCircuit {
            d: w.delta.len(),
            bits,
            assignment: Some((BoundedUpdatePublic { h, rho, y }, w)),
        }
    }
}

impl Circuit for BoundedUpdateCircuit {
    fn synthesize<CS: ConstraintSystem>(&self, cs: &mut CS) -> Result<(), SynthesisError> {
        if let Some((_, w)) = &self.assignment {
            if w.delta.len() != self.d {
                return Err(SynthesisError::InvalidParameter(format!(
                    "{} values for d = {}",
                    w.delta.len(),
                    self.d
                )));
            }
        }
        let public = self.assignment.as_ref().map(|(p, _)| *p);
        let wit = self.assignment.as_ref().map(|(_, w)| w);
        let h = cs.alloc_input(public.map(|p| p.h))?;
        let rho = cs.alloc_input(public.map(|p| p.rho))?;
        let y = cs.alloc_input(public.map(|p| p.y))?;
        let mut delta = Vec::with_capacity(self.d + 1);
        for j in 0..self.d {
            let x = cs.alloc(wit.map(|w| from_i64(w.delta[j])))?;
            range::signed(cs, x.into(), self.bits)?;
            delta.push(LinearCombination::from(x));
        }
        let beta = LinearCombination::from(cs.alloc(wit.map(|w| w.beta))?);
        let salt = LinearCombination::from(cs.alloc(wit.map(|w| w.salt))?);
        let h_calc = namespaced(cs, "update_hash", |cs| {
            update_hash_gadget(cs, &delta, self.bits, beta.clone(), salt)
        })?;
        cs.enforce(h_calc, LinearCombination::one(), h.into());
        delta.push(beta);
        let y_calc = horner::horner(cs, &delta, rho.into())?;
        cs.enforce(y_calc, LinearCombination::one(), y.into());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::{ConstraintCounter, WitnessGenerator};
    use crate::spartan::NizkParams;
    use merlin::Transcript;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    fn witness(d: usize, seed: u64) -> BoundedUpdateWitness {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        BoundedUpdateWitness {
            delta: (0..d).map(|_| rng.gen_range(-32768..32768)).collect(),
            beta: Fr::random(&mut rng),
            salt: Fr::random(&mut rng),
        }
    }

    fn sat(c: &BoundedUpdateCircuit) -> bool {
        let mut wg = WitnessGenerator::new();
        c.synthesize(&mut wg).unwrap();
        wg.is_satisfied()
    }

    #[test]
    fn honest_instance_satisfies_and_costs_about_17_per_value() {
        let c = BoundedUpdateCircuit::honest(16, witness(100, 1), Fr::from(7u8));
        assert!(sat(&c));
        let mut cc = ConstraintCounter::new();
        BoundedUpdateCircuit::shape(1000, 16)
            .synthesize(&mut cc)
            .unwrap();
        // 16 range + 1 Horner per value, plus the width-9 hash of 67 + 2 elements (9 permutations).
        assert!(
            cc.num_constraints() < 1000 * 17 + 437 * 9,
            "{}",
            cc.report()
        );
    }

    #[test]
    fn each_wrong_public_input_or_out_of_range_value_is_unsatisfied() {
        let c = BoundedUpdateCircuit::honest(16, witness(40, 2), Fr::from(11u8));
        let (p, w) = c.assignment.clone().unwrap();
        for bad in [
            BoundedUpdatePublic {
                h: p.h + Fr::ONE,
                ..p
            },
            BoundedUpdatePublic {
                y: p.y + Fr::ONE,
                ..p
            },
            BoundedUpdatePublic {
                rho: p.rho + Fr::ONE,
                ..p
            },
        ] {
            assert!(!sat(&BoundedUpdateCircuit {
                assignment: Some((bad, w.clone())),
                ..c.clone()
            }));
        }
        let mut w2 = w.clone();
        w2.delta[5] = 32768;
        assert!(!sat(&BoundedUpdateCircuit::honest(16, w2, p.rho)));
        let mut w3 = w.clone();
        w3.delta[0] += 1; // h and y no longer match
        assert!(!sat(&BoundedUpdateCircuit {
            assignment: Some((p, w3)),
            ..c.clone()
        }));
    }

    #[test]
    fn proves_and_verifies_with_spartan() {
        let c = BoundedUpdateCircuit::honest(16, witness(50, 3), Fr::from(5u8));
        let params = NizkParams::setup(&BoundedUpdateCircuit::shape(50, 16)).unwrap();
        let (proof, x) = params.prove(&c, &mut Transcript::new(b"t")).unwrap();
        assert_eq!(x, c.assignment.as_ref().unwrap().0.to_vec());
        params
            .verify(&proof, &x, &mut Transcript::new(b"t"))
            .unwrap();
    }
}
