//! The NIZK prover.

use super::{labels, NizkError, NizkProof, ProvingKey};
use crate::field::Fr;
use crate::hyrax::{mle, nonzero_challenge, OpeningProof, PolyCommitment, Pt};
use crate::sumcheck::sigma::{ProductStatement, ProductWitness};
use crate::sumcheck::{EqualityProof, KnowledgeProof, ProductProof, RoundOracle, SumcheckProof};
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use rayon::prelude::*;

/// Halves a table by fixing its first variable to r.
fn bind_table(t: &mut Vec<Fr>, r: &Fr) {
    let half = t.len() / 2;
    let (lo, hi) = t.split_at_mut(half);
    lo.par_iter_mut()
        .with_min_len(1024)
        .zip(hi.par_iter())
        .for_each(|(l, h)| *l += *r * (*h - *l));
    t.truncate(half);
}

/// eq(tau, x) (A(x) B(x) - C(x)): evaluations at 0, 2, 3.
struct Outer {
    eq: Vec<Fr>,
    a: Vec<Fr>,
    b: Vec<Fr>,
    c: Vec<Fr>,
}

impl RoundOracle for Outer {
    fn degree(&self) -> usize {
        3
    }

    fn round_evals(&self) -> Vec<Fr> {
        let half = self.eq.len() / 2;
        let (g0, g2, g3) = (0..half)
            .into_par_iter()
            .with_min_len(1024)
            .map(|i| {
                let lin = |t: &Vec<Fr>| {
                    let lo = t[i];
                    let d = t[i + half] - lo;
                    let t2 = t[i + half] + d;
                    (lo, t2, t2 + d)
                };
                let (e0, e2, e3) = lin(&self.eq);
                let (a0, a2, a3) = lin(&self.a);
                let (b0, b2, b3) = lin(&self.b);
                let (c0, c2, c3) = lin(&self.c);
                (
                    e0 * (a0 * b0 - c0),
                    e2 * (a2 * b2 - c2),
                    e3 * (a3 * b3 - c3),
                )
            })
            .reduce(
                || (Fr::ZERO, Fr::ZERO, Fr::ZERO),
                |x, y| (x.0 + y.0, x.1 + y.1, x.2 + y.2),
            );
        vec![g0, g2, g3]
    }

    fn bind(&mut self, r: &Fr) {
        for t in [&mut self.eq, &mut self.a, &mut self.b, &mut self.c] {
            bind_table(t, r);
        }
    }
}

/// M(rx, y) z(y): evaluations at 0 and 2.
struct Inner {
    m: Vec<Fr>,
    z: Vec<Fr>,
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
                (m0 * z0, (m1 + m1 - m0) * (z1 + z1 - z0))
            })
            .reduce(|| (Fr::ZERO, Fr::ZERO), |x, y| (x.0 + y.0, x.1 + y.1));
        vec![g0, g2]
    }

    fn bind(&mut self, r: &Fr) {
        bind_table(&mut self.m, r);
        bind_table(&mut self.z, r);
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
        let nw = size.witness_len();
        let mut z = vec![Fr::ZERO; 2 * nw];
        z[..witness.len()].copy_from_slice(witness);
        z[nw] = Fr::ONE;
        z[nw + 1..nw + 1 + inputs.len()].copy_from_slice(inputs);

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
            || ma.mul_vec(&z, m),
            || rayon::join(|| mb.mul_vec(&z, m), || mc.mul_vec(&z, m)),
        );
        let mut outer = Outer {
            eq: mle::eq_table(&tau),
            a,
            b,
            c,
        };
        let (outer_proof, ox) = SumcheckProof::prove(
            gens,
            &mut outer,
            size.s_x,
            Fr::ZERO,
            Fr::ZERO,
            transcript,
            rng,
        )?;
        let rx = ox.point;
        let (va, vb, vc, e) = (outer.a[0], outer.b[0], outer.c[0], outer.eq[0]);
        let vab = va * vb;
        let blinds: [Fr; 4] = core::array::from_fn(|_| Fr::random(rng));
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
            &ProductWitness {
                x: va,
                r_x: blinds[0],
                y: vb,
                r_y: blinds[1],
                r_z: blinds[3],
            },
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
        let claim = r_abc[0] * va + r_abc[1] * vb + r_abc[2] * vc;
        let blind = r_abc[0] * blinds[0] + r_abc[1] * blinds[1] + r_abc[2] * blinds[2];
        let eq_rx = mle::eq_table(&rx);
        let scaled = |k: usize| -> Vec<Fr> { eq_rx.iter().map(|e| r_abc[k] * e).collect() };
        let parts: Vec<Vec<Fr>> = [ma, mb, mc]
            .into_par_iter()
            .enumerate()
            .map(|(k, mat)| {
                let mut out = vec![Fr::ZERO; 2 * nw];
                mat.add_transposed(&scaled(k), &mut out);
                out
            })
            .collect();
        let mut mvec = vec![Fr::ZERO; 2 * nw];
        for p in &parts {
            mvec.par_iter_mut()
                .with_min_len(4096)
                .zip(p.par_iter())
                .for_each(|(o, x)| *o += x);
        }
        drop(parts);
        let mut inner = Inner { m: mvec, z };
        let (inner_proof, oy) = SumcheckProof::prove(
            gens,
            &mut inner,
            size.s_w + 1,
            claim,
            blind,
            transcript,
            rng,
        )?;
        let ry = oy.point;
        let m_eval = inner.m[0];

        // Witness opening at ry[1..].
        let ry_w = &ry[1..];
        let v_w = mle::evaluate(witness, ry_w);
        let r_vw = Fr::random(rng);
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
            &(oy.blind - m_eval * (Fr::ONE - ry[0]) * r_vw),
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
