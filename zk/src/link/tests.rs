use super::*;
use crate::pedersen::Commitment;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn t(i: u64) -> Transcript {
    let mut t = Transcript::new(b"zkagg/test-link");
    t.append_u64(b"provider", i);
    t
}

use merlin::Transcript;

fn setup(d1: usize, seed: u64) -> (LinkGens, Vec<Fr>, Fr, RistrettoPoint, Fr) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let gens = LinkGens::new(b"cfg", d1);
    let v: Vec<Fr> = (0..d1).map(|_| Fr::random(&mut rng)).collect();
    let r = Fr::random(&mut rng);
    let C = gens.pedersen.commit(&v, &r).unwrap().0;
    let rho = Fr::random(&mut rng);
    (gens, v, r, C, rho)
}

#[test]
fn honest_proofs_verify_for_many_lengths() {
    for d1 in [1usize, 2, 3, 8, 17, 100] {
        let (gens, v, r, C, rho) = setup(d1, d1 as u64);
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let (proof, y) = prove(
            &gens,
            &mut t(1),
            &LinkInstance { C: &C, rho: &rho },
            &LinkWitness { v: &v, r },
            &mut rng,
        )
        .unwrap();
        assert_eq!(y, crate::gadgets::horner::horner_native(&v, &rho));
        let st = LinkStatement {
            C: &C,
            rho: &rho,
            y: &y,
            len: d1,
        };
        verify(&gens, &mut t(1), &st, &proof).unwrap();
        // Encoding round trip.
        let bytes = proof.to_bytes();
        assert_eq!(LinkProof::from_bytes(&bytes).unwrap(), proof);
        assert_eq!(
            bytes.len(),
            32 * (2 * gens.n().trailing_zeros() as usize + 1) + 96 + 2
        );
    }
}

#[test]
fn wrong_statements_are_rejected() {
    let (gens, v, r, C, rho) = setup(20, 1);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (proof, y) = prove(
        &gens,
        &mut t(1),
        &LinkInstance { C: &C, rho: &rho },
        &LinkWitness { v: &v, r },
        &mut rng,
    )
    .unwrap();
    let y1 = y + Fr::ONE;
    let rho1 = rho + Fr::ONE;
    let C1 = C + gens.pedersen.G[0];
    for st in [
        LinkStatement {
            C: &C,
            rho: &rho,
            y: &y1,
            len: 20,
        },
        LinkStatement {
            C: &C,
            rho: &rho1,
            y: &y,
            len: 20,
        },
        LinkStatement {
            C: &C1,
            rho: &rho,
            y: &y,
            len: 20,
        },
        LinkStatement {
            C: &C,
            rho: &rho,
            y: &y,
            len: 19,
        },
    ] {
        assert!(verify(&gens, &mut t(1), &st, &proof).is_err());
    }
    // Another provider's transcript (a copied proof).
    let st = LinkStatement {
        C: &C,
        rho: &rho,
        y: &y,
        len: 20,
    };
    assert_eq!(
        verify(&gens, &mut t(2), &st, &proof),
        Err(LinkError::Rejected { index: 0 })
    );
}

#[test]
fn a_commitment_to_a_different_vector_cannot_be_linked() {
    // The prover commits to v but claims y for v' (one coordinate changed):
    // it proves honestly for v, and the verifier holds y' = <v', b>.
    let (gens, mut v, r, C, rho) = setup(16, 3);
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    v[5] += Fr::ONE;
    let (proof, y_claimed) = prove(
        &gens,
        &mut t(1),
        &LinkInstance { C: &C, rho: &rho },
        &LinkWitness { v: &v, r },
        &mut rng,
    )
    .unwrap();
    let st = LinkStatement {
        C: &C,
        rho: &rho,
        y: &y_claimed,
        len: 16,
    };
    assert!(verify(&gens, &mut t(1), &st, &proof).is_err());
}

#[test]
fn every_byte_flip_of_a_proof_is_rejected() {
    let (gens, v, r, C, rho) = setup(8, 5);
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let (proof, y) = prove(
        &gens,
        &mut t(1),
        &LinkInstance { C: &C, rho: &rho },
        &LinkWitness { v: &v, r },
        &mut rng,
    )
    .unwrap();
    let bytes = proof.to_bytes();
    let st = LinkStatement {
        C: &C,
        rho: &rho,
        y: &y,
        len: 8,
    };
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut m = bytes.clone();
            m[i] ^= 1 << bit;
            let ok = LinkProof::from_bytes(&m)
                .map(|p| verify(&gens, &mut t(1), &st, &p).is_ok())
                .unwrap_or(false);
            assert!(!ok, "bit {bit} of byte {i} accepted");
        }
    }
    assert!(LinkProof::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    let mut ext = bytes.clone();
    ext.push(0);
    assert!(LinkProof::from_bytes(&ext).is_err());
}

#[test]
fn batch_verification_names_the_bad_proof() {
    let gens = LinkGens::new(b"cfg", 32);
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut data = Vec::new();
    for i in 0..5u64 {
        let v: Vec<Fr> = (0..30).map(|_| Fr::random(&mut rng)).collect();
        let r = Fr::random(&mut rng);
        let C = gens.pedersen.commit(&v, &r).unwrap().0;
        let rho = Fr::random(&mut rng);
        let (proof, y) = prove(
            &gens,
            &mut t(i),
            &LinkInstance { C: &C, rho: &rho },
            &LinkWitness { v: &v, r },
            &mut rng,
        )
        .unwrap();
        data.push((C, rho, y, proof));
    }
    fn mk<'a>(
        data: &'a [(RistrettoPoint, Fr, Fr, LinkProof)],
        ys: &'a [Fr],
    ) -> Vec<(Transcript, LinkStatement<'a>, &'a LinkProof)> {
        let mut items: Vec<(Transcript, LinkStatement, &LinkProof)> = Vec::new();
        for (i, (C, rho, _, p)) in data.iter().enumerate() {
            let st = LinkStatement {
                C,
                rho,
                y: &ys[i],
                len: 30,
            };
            items.push((t(i as u64), st, p));
        }
        items
    }
    let ys: Vec<Fr> = data.iter().map(|d| d.2).collect();
    let mut items = mk(&data, &ys);
    batch_verify(&gens, &mut items, &mut rng).unwrap();
    let mut bad = ys.clone();
    bad[3] += Fr::ONE;
    let mut items = mk(&data, &bad);
    assert_eq!(
        batch_verify(&gens, &mut items, &mut rng),
        Err(LinkError::Rejected { index: 3 })
    );

    // The combined check of links and openings: each false term alone fails it.
    let shares: Vec<(Commitment, Vec<Fr>, Fr)> = (0..4)
        .map(|_| {
            let v: Vec<Fr> = (0..31).map(|_| Fr::random(&mut rng)).collect();
            let r = Fr::random(&mut rng);
            (gens.pedersen.commit(&v, &r).unwrap(), v, r)
        })
        .collect();
    let openings =
        |sh: &[(Commitment, Vec<Fr>, Fr)]| -> Vec<(Commitment, Vec<Fr>, Fr)> { sh.to_vec() };
    let check = |ys: &[Fr], sh: &[(Commitment, Vec<Fr>, Fr)], rng: &mut ChaCha20Rng| {
        let mut items = mk(&data, ys);
        let o: Vec<(Commitment, &[Fr], Fr)> =
            sh.iter().map(|(c, v, r)| (*c, v.as_slice(), *r)).collect();
        batch_verify_with_openings(&gens, &mut items, &o, rng)
    };
    assert_eq!(check(&ys, &shares, &mut rng), Ok(true));
    assert_eq!(check(&bad, &shares, &mut rng), Ok(false));
    for k in 0..shares.len() {
        let mut sh = openings(&shares);
        sh[k].1[k] += Fr::ONE;
        assert_eq!(check(&ys, &sh, &mut rng), Ok(false), "value of opening {k}");
        let mut sh = openings(&shares);
        sh[k].2 += Fr::ONE;
        assert_eq!(check(&ys, &sh, &mut rng), Ok(false), "blind of opening {k}");
    }
    let mut long = openings(&shares);
    long[0].1.resize(33, Fr::ZERO);
    assert_eq!(
        check(&ys, &long, &mut rng),
        Err(LinkError::TooLong { max: 32, got: 33 })
    );
}

#[test]
fn share_commitments_sum_to_the_linked_commitment() {
    // Three additive shares, committed separately; the sum of the commitments
    // is what the linking proof is about.
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let gens = LinkGens::new(b"cfg", 10);
    let v: Vec<Fr> = (0..10).map(|_| Fr::random(&mut rng)).collect();
    let s1: Vec<Fr> = (0..10).map(|_| Fr::random(&mut rng)).collect();
    let s2: Vec<Fr> = (0..10).map(|_| Fr::random(&mut rng)).collect();
    let s3: Vec<Fr> = (0..10).map(|i| v[i] - s1[i] - s2[i]).collect();
    let rs: Vec<Fr> = (0..3).map(|_| Fr::random(&mut rng)).collect();
    let cs: Vec<Commitment> = [&s1, &s2, &s3]
        .iter()
        .zip(&rs)
        .map(|(s, r)| gens.pedersen.commit(s, r).unwrap())
        .collect();
    let C: Commitment = cs.into_iter().sum();
    let rho = Fr::random(&mut rng);
    let r: Fr = rs.iter().sum();
    let (proof, y) = prove(
        &gens,
        &mut t(0),
        &LinkInstance { C: &C.0, rho: &rho },
        &LinkWitness { v: &v, r },
        &mut rng,
    )
    .unwrap();
    verify(
        &gens,
        &mut t(0),
        &LinkStatement {
            C: &C.0,
            rho: &rho,
            y: &y,
            len: 10,
        },
        &proof,
    )
    .unwrap();
}
