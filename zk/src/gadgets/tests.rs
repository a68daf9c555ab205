//! Gadget-vs-native property tests, boundaries, and wrong-witness tests.

use super::*;
use crate::field::{from_i64, to_i64};
use crate::r1cs::{R1csShape, ShapeBuilder, WitnessGenerator};
use proptest::prelude::*;

type Body<'a> = &'a dyn Fn(&mut dyn ConstraintSystem) -> Result<LinearCombination, SynthesisError>;

/// Runs `body` on the witness and shape backends, exposes its output as a
/// public input, and returns (output value, satisfied?, shape, witness, inputs).
fn run(body: Body) -> (Option<Fr>, bool, R1csShape, Vec<Fr>, Vec<Fr>) {
    fn synth(cs: &mut dyn ConstraintSystem, body: Body) -> Result<Option<Fr>, SynthesisError> {
        let out = body(cs)?;
        let v = cs.eval(&out);
        let pub_out = cs.alloc_input(v)?;
        cs.enforce(out, LinearCombination::one(), pub_out.into());
        Ok(v)
    }
    let mut wg = WitnessGenerator::new();
    let v = synth(&mut wg, body).expect("synthesis");
    let mut sb = ShapeBuilder::new();
    synth(&mut sb, body).expect("shape");
    let sat = wg.is_satisfied();
    let shape = sb.finish();
    let (w, i) = wg.into_assignment();
    assert_eq!(shape.num_vars, w.len());
    assert_eq!(
        shape.first_unsatisfied(&w, &i).is_none(),
        sat,
        "backends disagree on satisfaction"
    );
    (v, sat, shape, w, i)
}

/// Asserts that changing the public output by one makes the system unsatisfied.
fn assert_output_bound(shape: &R1csShape, w: &[Fr], i: &[Fr]) {
    let mut bad = i.to_vec();
    let last = bad.len() - 1;
    bad[last] += Fr::ONE;
    assert!(
        shape.first_unsatisfied(w, &bad).is_some(),
        "a wrong output still satisfies"
    );
}

fn lc_of(cs: &mut dyn ConstraintSystem, x: i64) -> Result<LinearCombination, SynthesisError> {
    Ok(cs
        .alloc(Some(from_i64(x)).filter(|_| cs.has_values()))?
        .into())
}

#[test]
fn range_boundaries() {
    for n in [1usize, 8, 16] {
        let lo = -(1i64 << (n - 1));
        let hi = (1i64 << (n - 1)) - 1;
        for (x, ok) in [
            (lo, true),
            (hi, true),
            (0, true),
            (lo - 1, false),
            (hi + 1, false),
        ] {
            let (_, sat, shape, ..) = run(&|cs| {
                let v = lc_of(cs, x)?;
                range::signed(cs, v, n)?;
                Ok(LinearCombination::zero())
            });
            assert_eq!(sat, ok, "signed n={n} x={x}");
            assert_eq!(
                shape.num_cons,
                n + 1,
                "n constraints plus the output binding"
            );
        }
        for (x, ok) in [
            (0i64, true),
            ((1i64 << n) - 1, true),
            (1i64 << n, false),
            (-1, false),
        ] {
            let (_, sat, ..) = run(&|cs| {
                let v = lc_of(cs, x)?;
                range::unsigned(cs, v, n)?;
                Ok(LinearCombination::zero())
            });
            assert_eq!(sat, ok, "unsigned n={n} x={x}");
        }
    }
}

#[test]
fn range_rejects_invalid_widths() {
    let mut wg = WitnessGenerator::new();
    let x = wg.alloc(Some(Fr::ONE)).unwrap();
    assert!(range::signed(&mut wg, x.into(), 0).is_err());
    assert!(range::unsigned(&mut wg, x.into(), 253).is_err());
}

#[test]
fn sixteen_bit_range_check_costs_sixteen_constraints() {
    let mut c = crate::r1cs::ConstraintCounter::new();
    let x = c.alloc(None).unwrap();
    range::signed(&mut c, x.into(), 16).unwrap();
    assert_eq!(c.num_constraints(), 16);
    assert_eq!(c.by_leaf_name()["bits"].constraints, 16);
}

#[test]
fn a_tampered_bit_is_caught() {
    let (_, sat, shape, w, i) = run(&|cs| {
        let v = lc_of(cs, 1234)?;
        range::signed(cs, v, 16)?;
        Ok(LinearCombination::zero())
    });
    assert!(sat);
    for k in 1..w.len() {
        let mut bad = w.clone();
        bad[k] += Fr::ONE;
        assert!(
            shape.first_unsatisfied(&bad, &i).is_some(),
            "tampering witness {k} went unnoticed"
        );
    }
}

#[test]
fn fixed_mul_rejects_a_wrong_remainder() {
    let (v, sat, shape, mut w, i) = run(&|cs| {
        let a = lc_of(cs, -300)?;
        let b = lc_of(cs, 77)?;
        Ok(fixed::mul_trunc(cs, a, b, 8, 24)?.into())
    });
    assert!(sat);
    assert_eq!(
        to_i64(&v.unwrap()),
        Some(fixed::mul_trunc_native(-300, 77, 8) as i64)
    );
    // Shift the quotient down by one and the remainder up by 2^f: the
    // remainder range check must fail.
    // Witness layout: a, b, p, q, r, ...
    w[3] -= Fr::ONE;
    w[4] += pow2(8);
    assert!(shape.first_unsatisfied(&w, &i).is_some());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bits_match_native(x in any::<u32>()) {
        let (v, sat, shape, w, i) = run(&|cs| {
            let v = lc_of(cs, x as i64)?;
            let bits = bits::decompose(cs, v, 32)?;
            Ok(bits::recompose(&bits))
        });
        prop_assert!(sat);
        prop_assert_eq!(v, Some(Fr::from(x)));
        assert_output_bound(&shape, &w, &i);
    }

    #[test]
    fn signed_range_matches_native(x in -70000i64..70000) {
        let (_, sat, ..) = run(&|cs| {
            let v = lc_of(cs, x)?;
            range::signed(cs, v, 17)?;
            Ok(LinearCombination::zero())
        });
        prop_assert_eq!(sat, (-(1 << 16)..(1 << 16)).contains(&x));
    }

    #[test]
    fn less_than_matches_native(a in -32768i64..32768, b in -32768i64..32768) {
        let (v, sat, shape, w, i) = run(&|cs| {
            let x = lc_of(cs, a)?;
            let y = lc_of(cs, b)?;
            compare::less_than(cs, x, y, 16)
        });
        prop_assert!(sat);
        prop_assert_eq!(v, Some(if a < b { Fr::ONE } else { Fr::ZERO }));
        assert_output_bound(&shape, &w, &i);
    }

    #[test]
    fn fixed_mul_matches_native(a in -(1i64 << 20)..(1i64 << 20), b in -(1i64 << 20)..(1i64 << 20), f in 0usize..20) {
        let (v, sat, shape, w, i) = run(&|cs| {
            let x = lc_of(cs, a)?;
            let y = lc_of(cs, b)?;
            Ok(fixed::mul_trunc(cs, x, y, f, 42)?.into())
        });
        prop_assert!(sat);
        prop_assert_eq!(v.and_then(|v| to_i64(&v)), Some(fixed::mul_trunc_native(a, b, f as u32) as i64));
        assert_output_bound(&shape, &w, &i);
    }

    #[test]
    fn fixed_mul_overflowing_output_is_unsatisfied(a in (1i64 << 14)..(1i64 << 15), b in (1i64 << 14)..(1i64 << 15)) {
        // a*b >= 2^28; after truncating 4 bits >= 2^24, which does not fit 16 signed bits.
        let (_, sat, ..) = run(&|cs| {
            let x = lc_of(cs, a)?;
            let y = lc_of(cs, b)?;
            Ok(fixed::mul_trunc(cs, x, y, 4, 16)?.into())
        });
        prop_assert!(!sat);
    }

    #[test]
    fn clip_matches_native(x in -40000i64..40000, bound in 0u64..30000) {
        let (v, sat, shape, w, i) = run(&|cs| {
            let v = lc_of(cs, x)?;
            clip::clip(cs, v, bound, 17)
        });
        prop_assert!(sat);
        prop_assert_eq!(v.and_then(|v| to_i64(&v)), Some(clip::clip_native(x, bound)));
        assert_output_bound(&shape, &w, &i);
    }

    #[test]
    fn pack_matches_native(xs in proptest::collection::vec(-32768i64..32768, 1..15)) {
        let (v, sat, ..) = run(&|cs| {
            let lcs = xs.iter().map(|&x| lc_of(cs, x)).collect::<Result<Vec<_>, _>>()?;
            pack::pack_signed(&lcs, 16)
        });
        prop_assert!(sat);
        prop_assert_eq!(v, Some(pack::pack_signed_native(&xs, 16)));
    }

    #[test]
    fn horner_matches_native(xs in proptest::collection::vec(any::<u64>(), 1..20), r in any::<u64>()) {
        let coeffs: Vec<Fr> = xs.iter().map(|&x| Fr::from(x)).collect();
        let rho = Fr::from(r);
        let (v, sat, shape, w, i) = run(&|cs| {
            let lcs = coeffs.iter().map(|c| cs.alloc(Some(*c).filter(|_| cs.has_values())).map(LinearCombination::from)).collect::<Result<Vec<_>, _>>()?;
            let rv = cs.alloc_input(Some(rho).filter(|_| cs.has_values()))?;
            horner::horner(cs, &lcs, rv.into())
        });
        prop_assert!(sat);
        prop_assert_eq!(v, Some(horner::horner_native(&coeffs, &rho)));
        prop_assert_eq!(shape.num_cons, xs.len().max(2)); // d - 1 plus the output binding, padded to 2
        assert_output_bound(&shape, &w, &i);
    }

    #[test]
    fn boolean_rejects_non_bits(x in 2u64..1000) {
        let (_, sat, ..) = run(&|cs| {
            let v = cs.alloc(Some(Fr::from(x)).filter(|_| cs.has_values()))?;
            boolean::enforce_boolean(cs, v.into());
            Ok(LinearCombination::zero())
        });
        prop_assert!(!sat);
    }
}

#[test]
fn boolean_and_truth_table() {
    for a in [false, true] {
        for b in [false, true] {
            let (v, sat, ..) = run(&|cs| {
                let x = boolean::alloc_bit(cs, Some(a).filter(|_| cs.has_values()))?;
                let y = boolean::alloc_bit(cs, Some(b).filter(|_| cs.has_values()))?;
                Ok(boolean::and(cs, x.into(), y.into())?.into())
            });
            assert!(sat);
            assert_eq!(v, Some(Fr::from((a && b) as u8)));
        }
    }
}
