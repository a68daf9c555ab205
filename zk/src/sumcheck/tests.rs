use super::sigma::{ProductStatement, ProductWitness};
use super::*;
use crate::hyrax::{decode, encode, mle, BatchCheck, SerialCheck};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn gens() -> Generators {
    Generators::new(b"zkagg/test-sc", 4, MAX_DEGREE + 1)
}

/// G(x) = prod_i f_i(x) for multilinear f_i given by tables.
#[derive(Clone)]
struct Product {
    tables: Vec<Vec<Fr>>,
    /// Added to g(2) in the given round (a consistent but wrong prover).
    cheat_round: Option<usize>,
    round: usize,
}

impl RoundOracle for Product {
    fn degree(&self) -> usize {
        self.tables.len()
    }
    fn round_evals(&self) -> Vec<Fr> {
        let half = self.tables[0].len() / 2;
        let deg = self.degree();
        let mut out = vec![Fr::ZERO; deg];
        for i in 0..half {
            for (slot, t) in std::iter::once(0u64).chain(2..=deg as u64).enumerate() {
                let t = Fr::from(t);
                out[slot] += self
                    .tables
                    .iter()
                    .map(|f| f[i] + t * (f[i + half] - f[i]))
                    .product::<Fr>();
            }
        }
        if self.cheat_round == Some(self.round) && deg >= 2 {
            out[1] += Fr::ONE;
        }
        out
    }
    fn bind(&mut self, r: &Fr) {
        for f in self.tables.iter_mut() {
            let half = f.len() / 2;
            for i in 0..half {
                f[i] = f[i] + *r * (f[i + half] - f[i]);
            }
            f.truncate(half);
        }
        self.round += 1;
    }
}

struct Instance {
    tables: Vec<Vec<Fr>>,
    n: usize,
    comm_claim: Pt,
}

struct Proven {
    proof: SumcheckProof,
    final_eq: EqualityProof,
}

fn instance(n: usize, deg: usize, seed: u64) -> (Instance, Fr, Fr) {
    let mut r = rng(seed);
    let tables: Vec<Vec<Fr>> = (0..deg)
        .map(|_| (0..1 << n).map(|_| Fr::random(&mut r)).collect())
        .collect();
    let claim: Fr = (0..1 << n)
        .map(|i| tables.iter().map(|t| t[i]).product::<Fr>())
        .sum();
    let blind = Fr::random(&mut r);
    let comm_claim = Pt::new(gens().commit_scalar(&claim, &blind));
    (
        Instance {
            tables,
            n,
            comm_claim,
        },
        claim,
        blind,
    )
}

fn prove(g: &Generators, inst: &Instance, claim: Fr, blind: Fr, cheat: Option<usize>) -> Proven {
    let mut t = Transcript::new(b"sc-test");
    t.append_message(b"claim", inst.comm_claim.as_bytes());
    let mut oracle = Product {
        tables: inst.tables.clone(),
        cheat_round: cheat,
        round: 0,
    };
    let mut r = rng(1234);
    let (proof, out) =
        SumcheckProof::prove(g, &mut oracle, inst.n, claim, blind, &mut t, &mut r).unwrap();
    // The final claim is checked against the public polynomial: C_n - G(r) G_val = blind H.
    let final_eq = EqualityProof::prove(g, &mut t, &out.blind, &mut r).unwrap();
    Proven { proof, final_eq }
}

fn verify<S: Sink>(
    g: &Generators,
    inst: &Instance,
    p: &Proven,
    deg: usize,
    sink: &mut S,
) -> Result<(), SumcheckError> {
    let mut t = Transcript::new(b"sc-test");
    t.append_message(b"claim", inst.comm_claim.as_bytes());
    let (point, last) = p.proof.verify(
        inst.n,
        deg,
        &[(Fr::ONE, *inst.comm_claim.point())],
        &mut t,
        sink,
    )?;
    let value: Fr = inst
        .tables
        .iter()
        .map(|f| mle::evaluate(f, &point))
        .product();
    let c = p.final_eq.challenge(&mut t)?;
    p.final_eq
        .equations(&c, &[(Fr::ONE, *last.point()), (-value, *g.g())], sink);
    Ok(())
}

/// (batched verdict, serial verdict).
fn verdicts(g: &Generators, inst: &Instance, p: &Proven, deg: usize) -> (bool, bool) {
    let mut b = BatchCheck::new(g, rng(77));
    let bv = verify(g, inst, p, deg, &mut b).is_ok() && b.verify();
    let mut s = SerialCheck::new(g);
    let sv = verify(g, inst, p, deg, &mut s).is_ok() && s.verify();
    (bv, sv)
}

#[test]
fn interpolation_roundtrips() {
    let mut r = rng(3);
    for n in 1..=MAX_DEGREE + 1 {
        let coeffs: Vec<Fr> = (0..n).map(|_| Fr::random(&mut r)).collect();
        let evals: Vec<Fr> = (0..n as u64)
            .map(|x| eval_poly(&coeffs, &Fr::from(x)))
            .collect();
        assert_eq!(interpolate(&evals), coeffs, "n={n}");
    }
}

#[test]
fn honest_proofs_verify_for_degrees_one_to_three() {
    let g = gens();
    for deg in 1..=3 {
        for n in [1usize, 2, 5] {
            let (inst, claim, blind) = instance(n, deg, (deg * 10 + n) as u64);
            let p = prove(&g, &inst, claim, blind, None);
            assert_eq!(
                verdicts(&g, &inst, &p, deg),
                (true, true),
                "deg={deg} n={n}"
            );
        }
    }
}

#[test]
fn wrong_claim_and_wrong_but_consistent_round_polynomials_are_rejected() {
    let g = gens();
    let (inst, claim, blind) = instance(4, 3, 5);
    // A false claim, committed honestly.
    let p = prove(&g, &inst, claim + Fr::ONE, blind, None);
    let lie = Instance {
        comm_claim: Pt::new(g.commit_scalar(&(claim + Fr::ONE), &blind)),
        tables: inst.tables.clone(),
        n: inst.n,
    };
    assert_eq!(verdicts(&g, &lie, &p, 3), (false, false));
    // g(0) + g(1) = claim holds in every round but g_j is not the true round polynomial.
    for round in 0..4 {
        let p = prove(&g, &inst, claim, blind, Some(round));
        assert_eq!(verdicts(&g, &inst, &p, 3), (false, false), "round {round}");
    }
}

#[test]
fn wrong_degree_and_missing_or_extra_rounds_are_errors() {
    let g = gens();
    let (inst, claim, blind) = instance(3, 3, 6);
    let p = prove(&g, &inst, claim, blind, None);
    // A degree-3 proof where degree 2 is expected (the verifier's vectors are shorter).
    let mut s = SerialCheck::new(&g);
    assert!(matches!(
        verify(&g, &inst, &p, 2, &mut s),
        Err(SumcheckError::Hyrax(
            crate::hyrax::HyraxError::WrongLength { .. }
        ))
    ));
    // A round polynomial with one coefficient too many.
    let mut q = Proven {
        proof: p.proof.clone(),
        final_eq: p.final_eq.clone(),
    };
    q.proof.rounds[1].dot.z.push(Fr::ONE);
    assert!(verify(&g, &inst, &q, 3, &mut SerialCheck::new(&g)).is_err());
    let mut q = Proven {
        proof: p.proof.clone(),
        final_eq: p.final_eq.clone(),
    };
    q.proof.rounds.pop();
    assert!(matches!(
        verify(&g, &inst, &q, 3, &mut SerialCheck::new(&g)),
        Err(SumcheckError::WrongRounds {
            expected: 3,
            got: 2
        })
    ));
    q.proof.rounds.push(p.proof.rounds[2].clone());
    q.proof.rounds.push(p.proof.rounds[2].clone());
    assert!(matches!(
        verify(&g, &inst, &q, 3, &mut SerialCheck::new(&g)),
        Err(SumcheckError::WrongRounds {
            expected: 3,
            got: 4
        })
    ));
}

#[test]
fn replayed_proof_under_another_statement_is_rejected() {
    let g = gens();
    let (inst, claim, blind) = instance(3, 2, 7);
    let p = prove(&g, &inst, claim, blind, None);
    assert_eq!(verdicts(&g, &inst, &p, 2), (true, true));
    // Another polynomial with the same claim commitment.
    let (other, _, _) = instance(3, 2, 8);
    let replay = Instance {
        comm_claim: inst.comm_claim,
        ..other
    };
    assert_eq!(verdicts(&g, &replay, &p, 2), (false, false));
}

#[test]
fn batched_and_serial_verifiers_agree_on_every_field_mutation() {
    let g = gens();
    let (inst, claim, blind) = instance(2, 3, 9);
    let p = prove(&g, &inst, claim, blind, None);
    let bytes = encode(&p.proof);
    let mut mutants = 0;
    for i in 0..bytes.len() {
        let mut m = bytes.clone();
        m[i] ^= 1 << (i % 8);
        let Ok(proof) = decode::<SumcheckProof>(&m, 1 << 16) else {
            continue;
        };
        mutants += 1;
        let q = Proven {
            proof,
            final_eq: p.final_eq.clone(),
        };
        let (b, s) = verdicts(&g, &inst, &q, 3);
        assert_eq!(b, s, "byte {i}");
        assert!(!b, "flip of byte {i} accepted");
    }
    assert!(mutants > 0);
    for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
        assert!(decode::<SumcheckProof>(&bytes[..cut], 1 << 16).is_err());
    }
}

#[test]
fn sigma_proofs_complete_sound_and_simulatable() {
    let g = gens();
    let mut r = rng(11);
    let x = Fr::random(&mut r);
    let y = Fr::random(&mut r);
    let (rx, ry, rz) = (Fr::random(&mut r), Fr::random(&mut r), Fr::random(&mut r));
    let cx = g.commit_scalar(&x, &rx);
    let cy = g.commit_scalar(&y, &ry);
    let cz = g.commit_scalar(&(x * y), &rz);
    let st = ProductStatement {
        x: &cx,
        y: &cy,
        z: &cz,
    };
    let w = ProductWitness {
        x,
        r_x: rx,
        y,
        r_y: ry,
        r_z: rz,
    };
    let check = |f: &dyn Fn(&mut SerialCheck)| {
        let mut s = SerialCheck::new(&g);
        f(&mut s);
        s.verify()
    };
    // Knowledge.
    let mut t = Transcript::new(b"s");
    let kp = KnowledgeProof::prove(&g, &mut t, &x, &rx, &mut r).unwrap();
    let c = kp.challenge(&mut Transcript::new(b"s")).unwrap();
    assert!(check(&|s| kp.equations(&c, &[(Fr::ONE, cx)], s)));
    assert!(!check(&|s| kp.equations(&c, &[(Fr::ONE, cy)], s)));
    let c = Fr::random(&mut r);
    let sim = KnowledgeProof::simulate(&g, &c, &[(Fr::ONE, cx)], &mut r);
    assert!(check(&|s| sim.equations(&c, &[(Fr::ONE, cx)], s)));
    // Product.
    let pp = ProductProof::prove(&g, &mut Transcript::new(b"s"), st, &w, &mut r).unwrap();
    let c = pp.challenge(&mut Transcript::new(b"s")).unwrap();
    assert!(check(&|s| pp.equations(&c, st, s)));
    let bad_z = g.commit_scalar(&(x * y + Fr::ONE), &rz);
    let bad = ProductStatement { z: &bad_z, ..st };
    assert!(!check(&|s| pp.equations(&c, bad, s)));
    let c = Fr::random(&mut r);
    // The simulator works even for a false statement (it needs no witness).
    let sim = ProductProof::simulate(&g, &c, bad, &mut r);
    assert!(check(&|s| sim.equations(&c, bad, s)));
    assert!(!check(&|s| sim.equations(&(c + Fr::ONE), bad, s)));
    // Equality: cx - x G_val = rx H.
    let d = [(Fr::ONE, cx), (-x, *g.g())];
    let ep = EqualityProof::prove(&g, &mut Transcript::new(b"s"), &rx, &mut r).unwrap();
    let c = ep.challenge(&mut Transcript::new(b"s")).unwrap();
    assert!(check(&|s| ep.equations(&c, &d, s)));
    let d_bad = [(Fr::ONE, cx), (-y, *g.g())];
    assert!(!check(&|s| ep.equations(&c, &d_bad, s)));
    let c = Fr::random(&mut r);
    let sim = EqualityProof::simulate(&g, &c, &d_bad, &mut r);
    assert!(check(&|s| sim.equations(&c, &d_bad, s)));
    // Round-trip encodings.
    assert_eq!(decode::<ProductProof>(&encode(&pp), 1024).unwrap(), pp);
    assert_eq!(decode::<KnowledgeProof>(&encode(&kp), 1024).unwrap(), kp);
    assert_eq!(decode::<EqualityProof>(&encode(&ep), 1024).unwrap(), ep);
}

#[test]
fn round_simulator_passes_verification() {
    // A round's dot-product proof can be simulated for any commitments and
    // challenge: the round transcript reveals nothing about g_j.
    let g = gens();
    let mut r = rng(12);
    let deg = 3;
    let (rj, w, c) = (Fr::random(&mut r), Fr::random(&mut r), Fr::random(&mut r));
    let a = round_vector(deg, &rj, &w);
    let comm_poly = RistrettoPoint::random(&mut r);
    let prev = RistrettoPoint::random(&mut r);
    let next = RistrettoPoint::random(&mut r);
    let target = prev + w * next;
    let sim = DotProductProof::simulate(&g, Basis::Coeffs, &c, &comm_poly, &target, &a, &mut r);
    let mut s = SerialCheck::new(&g);
    sim.equations(
        Basis::Coeffs,
        &c,
        &[(Fr::ONE, comm_poly)],
        &[(Fr::ONE, prev), (w, next)],
        &a,
        &mut s,
    )
    .unwrap();
    assert!(s.verify());
}

#[test]
fn unsupported_degrees_are_errors_not_panics() {
    struct Constant;
    impl RoundOracle for Constant {
        fn degree(&self) -> usize {
            0
        }
        fn round_evals(&self) -> Vec<Fr> {
            Vec::new()
        }
        fn bind(&mut self, _r: &Fr) {}
    }
    let g = gens();
    let r = SumcheckProof::prove(
        &g,
        &mut Constant,
        2,
        Fr::ZERO,
        Fr::ZERO,
        &mut Transcript::new(b"t"),
        &mut rng(1),
    );
    assert!(matches!(r, Err(SumcheckError::UnsupportedDegree(0))));
}
