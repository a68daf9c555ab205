//! The NIZK prover.

use super::{labels, NizkError, NizkProof, ProvingKey};
use crate::fe::{Fe, SecretTable};
use crate::field::Fr;
use crate::hyrax::{mle, nonzero_challenge, OpeningProof, PolyCommitment, Pt};
use crate::sumcheck::sigma::{ProductStatement, ProductWitness};
use crate::sumcheck::{EqualityProof, KnowledgeProof, ProductProof, RoundOracle, SumcheckProof};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;
use zeroize::Zeroizing;

/// Halves a table by fixing its first variable to r.
fn bind_table(t: &mut Vec<Fe>, r: &Fe) {
    let half = t.len() / 2;
    let (lo, hi) = t.split_at_mut(half);
    lo.par_iter_mut()
        .with_min_len(1024)
        .zip(hi.par_iter())
        .for_each(|(l, h)| *l += *r * (*h - *l));
    t.truncate(half);
}

/// eq(tau, x) (A(x) B(x) - C(x)): evaluations at 0, 2, 3.
///
/// The eq factor is never tabulated or bound. In round j (variables r_<j
/// fixed) the round polynomial is g_j(X) = E_j e_j(X) q_j(X) with
/// E_j = prod_{i<j} eq(tau_i, r_i), e_j(X) = (1 - tau_j)(1 - X) + tau_j X and
/// q_j(X) = sum_{x'} eq(tau_{>j}, x') (A B - C)(r_<j, X, x'), of degree 2.
/// The prover computes q_j(0) and q_j(2) (eq(tau_{>j}, .) as two half tables,
/// one multiplication per entry), q_j(1) from the running claim
/// c_j = (1 - tau_j) q_j(0) + tau_j q_j(1) (tau_j is non-zero), and
/// q_j(3) by extrapolation; then c_{j+1} = q_j(r_j). The round polynomials
/// are the same as with a bound eq table (Gruen's observation, as used for
/// Spartan's outer sum-check in later work).
///
/// In the first round every point with t = 0 is on the hypercube, where a
/// satisfying assignment has A B - C = 0, so q_1(0) = 0 is not computed. An
/// unsatisfying assignment then gives a wrong round polynomial, i.e. a
/// proof that does not verify, which is what it gets anyway.
///
/// Az, Bz and Cz are the prover's secret evaluations: wiped on drop (bound
/// halves stay in the vectors' capacity, which is wiped too).
struct Outer {
    a: SecretTable,
    b: SecretTable,
    c: SecretTable,
    tau: Vec<Fr>,
    /// eq(tau, .) over the last `lo_vars` variables.
    lo: Vec<Fe>,
    lo_vars: usize,
    round: usize,
    /// E_j.
    prefix: Fe,
    /// c_j.
    claim: Fe,
    /// q_j(0), q_j(1), q_j(2) of the last round computed.
    q: core::cell::Cell<[Fe; 3]>,
}

impl Outer {
    fn new(a: SecretTable, b: SecretTable, c: SecretTable, tau: Vec<Fr>) -> Self {
        let lo_vars = tau.len() / 2;
        let lo = mle::eq_table_fe(&tau[tau.len() - lo_vars..]);
        Outer {
            a,
            b,
            c,
            tau,
            lo,
            lo_vars,
            round: 0,
            prefix: Fe::ONE,
            claim: Fe::ZERO,
            q: core::cell::Cell::new([Fe::ZERO; 3]),
        }
    }

    /// e_j at X for tau_j = t.
    fn e(t: Fe, x: Fe) -> Fe {
        (Fe::ONE - t) * (Fe::ONE - x) + t * x
    }
}

impl RoundOracle for Outer {
    fn degree(&self) -> usize {
        3
    }

    fn round_evals(&self) -> Vec<Fr> {
        let half = self.a.len() / 2;
        let n = self.tau.len();
        let j = self.round.min(n.saturating_sub(1));
        let rest = &self.tau[(j + 1).min(n)..];
        // eq(tau_{>j}, i) = hi[i >> k] lo[i & (2^k - 1)].
        let owned;
        let (hi, lo, k) = if rest.len() > self.lo_vars {
            (
                mle::eq_table_fe(&rest[..rest.len() - self.lo_vars]),
                &self.lo[..],
                self.lo_vars,
            )
        } else {
            owned = mle::eq_table_fe(rest);
            (vec![Fe::ONE], &owned[..], rest.len())
        };
        let first = self.round == 0;
        let (ta, tb, tc) = (&*self.a, &*self.b, &*self.c);
        let (q0, q2) = hi
            .par_iter()
            .enumerate()
            .map(|(h, eh)| {
                let base = h << k;
                let (mut s0, mut s2) = (Fe::ZERO, Fe::ZERO);
                for (l, el) in lo.iter().enumerate() {
                    let i = base + l;
                    if i >= half {
                        break;
                    }
                    let lin = |t: &Vec<Fe>| {
                        let lo = t[i];
                        (lo, t[i + half].double() - lo)
                    };
                    let (a0, a2) = lin(ta);
                    let (b0, b2) = lin(tb);
                    let (c0, c2) = lin(tc);
                    if !first {
                        s0 += *el * (a0 * b0 - c0);
                    }
                    s2 += *el * (a2 * b2 - c2);
                }
                (*eh * s0, *eh * s2)
            })
            .reduce(|| (Fe::ZERO, Fe::ZERO), |x, y| (x.0 + y.0, x.1 + y.1));
        let t = self.tau.get(j).map_or(Fe::ONE, Fe::from_fr);
        // tau_j is a non-zero challenge; its inverse exists.
        let t_inv = Fe::from_fr(&t.to_fr().invert());
        let q1 = (self.claim - (Fe::ONE - t) * q0) * t_inv;
        let q3 = q0 + (q2 - q1).double() + (q2 - q1);
        self.q.set([q0, q1, q2]);
        let two = Fe::ONE.double();
        let three = two + Fe::ONE;
        vec![
            (self.prefix * (Fe::ONE - t) * q0).to_fr(),
            (self.prefix * Self::e(t, two) * q2).to_fr(),
            (self.prefix * Self::e(t, three) * q3).to_fr(),
        ]
    }

    fn bind(&mut self, r: &Fr) {
        let r = Fe::from_fr(r);
        let [q0, q1, q2] = self.q.get();
        // q(r) for the quadratic through (0, q0), (1, q1), (2, q2).
        let d1 = q1 - q0;
        let d2 = q2 - q1.double() + q0;
        let inv2 = Fr::from(2u8).invert();
        let half_r_rm1 = Fe::from_fr(&((r * (r - Fe::ONE)).to_fr() * inv2));
        self.claim = q0 + r * d1 + half_r_rm1 * d2;
        let t = self.tau.get(self.round).map_or(Fe::ONE, Fe::from_fr);
        self.prefix *= Self::e(t, r);
        self.round += 1;
        for t in [&mut self.a, &mut self.b, &mut self.c] {
            bind_table(t, &r);
        }
    }
}

/// M(rx, y) z(y): evaluations at 0 and 2. M(rx, .) is public; z (the
/// witness) is wiped on drop.
struct Inner {
    m: Vec<Fe>,
    z: SecretTable,
}

impl RoundOracle for Inner {
    fn degree(&self) -> usize {
        2
    }

    fn round_evals(&self) -> Vec<Fr> {
        let half = self.m.len() / 2;
        let (g0, g2) = (0..half)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let (m0, m1) = (self.m[i], self.m[i + half]);
                let (z0, z1) = (self.z[i], self.z[i + half]);
                let p = m0 * z0;
                if m1.is_zero() && z1.is_zero() {
                    // (-m0)(-z0): the first round's upper half (the io part
                    // of z) is almost all zero.
                    (p, p)
                } else {
                    (p, (m1.double() - m0) * (z1.double() - z0))
                }
            })
            .reduce(|| (Fe::ZERO, Fe::ZERO), |x, y| (x.0 + y.0, x.1 + y.1));
        vec![g0.to_fr(), g2.to_fr()]
    }

    fn bind(&mut self, r: &Fr) {
        let r = Fe::from_fr(r);
        bind_table(&mut self.m, &r);
        bind_table(&mut self.z, &r);
    }
}

impl ProvingKey {
    /// Proves for an assignment (not checked: an unsatisfying one yields a
    /// proof that does not verify), with the caller's randomness.
    pub fn prove_with_rng<R: RngCore + CryptoRng>(
        &self,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
        rng: &mut R,
    ) -> Result<NizkProof, NizkError> {
        let vk = &self.vk;
        let size = vk.size;
        let gens = &*vk.gens;
        if witness.len() != size.num_vars {
            return Err(NizkError::WrongWitnessLength {
                expected: size.num_vars,
                got: witness.len(),
            });
        }
        if inputs.len() != size.num_inputs {
            return Err(NizkError::WrongInputCount {
                expected: size.num_inputs,
                got: inputs.len(),
            });
        }
        vk.bind(transcript, inputs);
        // The witness in its columns (the key's witness layout).
        let placed = vk.place_witness(witness);
        let witness: &[Fr] = &placed;
        let nw = size.witness_len();
        // Every copy of the witness, every table derived from it and every
        // blind is wiped when the prover returns (Zeroizing, ZeroizeOnDrop).
        let mut z = SecretTable(vec![Fe::ZERO; 2 * nw]);
        z[..witness.len()]
            .par_iter_mut()
            .with_min_len(4096)
            .zip(witness.par_iter())
            .for_each(|(o, w)| *o = Fe::from_fr_bits(w));
        z[nw] = Fe::ONE;
        for (o, x) in z[nw + 1..nw + 1 + inputs.len()].iter_mut().zip(inputs) {
            *o = Fe::from_fr(x);
        }

        // Witness commitment.
        let layout = size.layout();
        let (comm_w, blinds_w) = PolyCommitment::commit(gens, layout, witness, rng)?;
        crate::hyrax::append_pts(transcript, labels::COMM_W, &comm_w.rows);

        // Outer sum-check.
        let tau = (0..size.s_x)
            .map(|_| nonzero_challenge(transcript, labels::TAU))
            .collect::<Result<Vec<_>, _>>()?;
        let m = size.num_rows();
        let [ma, mb, mc] = &vk.eval.mats;
        let (a, (b, c)) = rayon::join(
            || SecretTable(ma.mul_vec(&z, m)),
            || {
                rayon::join(
                    || SecretTable(mb.mul_vec(&z, m)),
                    || SecretTable(mc.mul_vec(&z, m)),
                )
            },
        );
        let mut outer = Outer::new(a, b, c, tau.clone());
        let (outer_proof, ox) = SumcheckProof::prove(
            gens,
            &mut outer,
            size.s_x,
            Fr::ZERO,
            Fr::ZERO,
            transcript,
            rng,
        )?;
        let rx = ox.point.clone();
        let e = outer.prefix.to_fr();
        // vA, vB, vC, vA vB.
        let vals = Zeroizing::new({
            let (va, vb) = (outer.a[0].to_fr(), outer.b[0].to_fr());
            [va, vb, outer.c[0].to_fr(), va * vb]
        });
        drop(outer);
        let [va, vb, vc, vab] = *vals;
        let blinds: Zeroizing<[Fr; 4]> = Zeroizing::new(core::array::from_fn(|_| Fr::random(rng)));
        let comm_abc: [Pt; 4] = [
            Pt::new(gens.commit_scalar(&va, &blinds[0])),
            Pt::new(gens.commit_scalar(&vb, &blinds[1])),
            Pt::new(gens.commit_scalar(&vc, &blinds[2])),
            Pt::new(gens.commit_scalar(&vab, &blinds[3])),
        ];
        crate::hyrax::append_pts(transcript, labels::COMM_ABC, &comm_abc);
        let pok_c = KnowledgeProof::prove(gens, transcript, &vc, &blinds[2], rng)?;
        let prod = ProductProof::prove(
            gens,
            transcript,
            ProductStatement {
                x: comm_abc[0].point(),
                y: comm_abc[1].point(),
                z: comm_abc[3].point(),
            },
            &Zeroizing::new(ProductWitness {
                x: va,
                r_x: blinds[0],
                y: vb,
                r_y: blinds[1],
                r_z: blinds[3],
            }),
            rng,
        )?;
        // C_ex - e C_AB + e C_C = (r_ex - e r_AB + e r_C) H.
        let eq_outer = EqualityProof::prove(
            gens,
            transcript,
            &(ox.blind - e * blinds[3] + e * blinds[2]),
            rng,
        )?;

        // Inner sum-check.
        let r_abc: [Fr; 3] = [
            nonzero_challenge(transcript, labels::R_ABC)?,
            nonzero_challenge(transcript, labels::R_ABC)?,
            nonzero_challenge(transcript, labels::R_ABC)?,
        ];
        let claim = Zeroizing::new(r_abc[0] * va + r_abc[1] * vb + r_abc[2] * vc);
        let blind =
            Zeroizing::new(r_abc[0] * blinds[0] + r_abc[1] * blinds[1] + r_abc[2] * blinds[2]);
        let eq_rx = mle::eq_table_fe(&rx);
        let r_fe = r_abc.map(|r| Fe::from_fr(&r));
        let [ta, tb, tc] = &*self.transposed;
        // M(rx, y) for every y: column y of r_A A + r_B B + r_C C against
        // eq(rx, .), one multiplication per matrix with entries in the column.
        let mvec: Vec<Fe> = (0..2 * nw)
            .into_par_iter()
            .with_min_len(1024)
            .map(|y| {
                let mut acc = Fe::ZERO;
                for (t, r) in [ta, tb, tc].into_iter().zip(&r_fe) {
                    if t.row_nnz(y) != 0 {
                        acc += *r * t.row_dot(y, &eq_rx);
                    }
                }
                acc
            })
            .collect();
        drop(eq_rx);
        // The witness half of z, kept for w~(ry[1..]) after the inner sum-check.
        let inner_z_w = SecretTable(z[..nw].to_vec());
        let mut inner = Inner { m: mvec, z };
        let (inner_proof, oy) = SumcheckProof::prove(
            gens,
            &mut inner,
            size.s_w + 1,
            *claim,
            *blind,
            transcript,
            rng,
        )?;
        let ry = oy.point.clone();
        let m_eval = inner.m[0].to_fr();
        drop(inner);

        // Witness opening at ry[1..].
        let ry_w = &ry[1..];
        let v_w = Zeroizing::new(mle::evaluate_fe(&inner_z_w, ry_w));
        drop(inner_z_w);
        let r_vw = Zeroizing::new(Fr::random(rng));
        let comm_w_eval = Pt::new(gens.commit_scalar(&v_w, &r_vw));
        transcript.append_message(labels::COMM_W_EVAL, comm_w_eval.as_bytes());
        let open_w = OpeningProof::prove(
            gens,
            layout,
            &comm_w,
            witness,
            &blinds_w,
            ry_w,
            &comm_w_eval,
            &r_vw,
            transcript,
            rng,
        )?;
        // C_ey - M (1 - ry_0) C_w - M ry_0 io~ G_val = (r_ey - M (1 - ry_0) r_w) H.
        let eq_inner = EqualityProof::prove(
            gens,
            transcript,
            &(oy.blind - m_eval * (Fr::ONE - ry[0]) * *r_vw),
            rng,
        )?;
        Ok(NizkProof {
            comm_w,
            outer: outer_proof,
            comm_abc,
            pok_c,
            prod,
            eq_outer,
            inner: inner_proof,
            comm_w_eval,
            open_w,
            eq_inner,
        })
    }
}
