//! The NIZK verifier: replays the transcript, pushes every Sigma equation
//! into one sink, evaluates the matrices at (rx, ry) and the public inputs at
//! ry[1..].

use super::{labels, Challenges, NizkError, NizkProof, VerifyingKey};
use crate::field::Fr;
use crate::hyrax::{mle, nonzero_challenge, BatchCheck, HyraxError, Sink};
use crate::sumcheck::sigma::ProductStatement;
use merlin::Transcript;
use rand_core::{CryptoRng, OsRng, RngCore};

impl VerifyingKey {
    /// Checks `proof` against `inputs`, pushing its equations into `sink`;
    /// the proof is valid iff this returns `Ok` and the sink verifies. Returns
    /// the verifier's main challenges (for known-answer tests).
    pub fn verify_into<S: Sink + ?Sized>(
        &self,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
        sink: &mut S,
    ) -> Result<Challenges, NizkError> {
        let size = self.size;
        if inputs.len() != size.num_inputs {
            return Err(NizkError::WrongInputCount {
                expected: size.num_inputs,
                got: inputs.len(),
            });
        }
        let layout = size.layout();
        if proof.comm_w.rows.len() != layout.num_rows() {
            return Err(HyraxError::WrongLength {
                what: "witness row commitments",
                expected: layout.num_rows(),
                got: proof.comm_w.rows.len(),
            }
            .into());
        }
        self.bind(transcript, inputs);
        crate::hyrax::append_pts(transcript, labels::COMM_W, &proof.comm_w.rows);

        // Outer sum-check, claim zero (the empty combination).
        let tau = (0..size.s_x)
            .map(|_| nonzero_challenge(transcript, labels::TAU))
            .collect::<Result<Vec<_>, _>>()?;
        let (rx, c_ex) = proof.outer.verify(size.s_x, 3, &[], transcript, sink)?;
        crate::hyrax::append_pts(transcript, labels::COMM_ABC, &proof.comm_abc);
        let [ca, cb, cc, cab] = proof.comm_abc.map(|p| *p.point());
        let c = proof.pok_c.challenge(transcript)?;
        proof.pok_c.equations(&c, &[(Fr::ONE, cc)], sink);
        let st = ProductStatement {
            x: &ca,
            y: &cb,
            z: &cab,
        };
        let c = proof.prod.challenge(transcript)?;
        proof.prod.equations(&c, st, sink);
        let e = mle::eq_eval(&tau, &rx);
        let c = proof.eq_outer.challenge(transcript)?;
        proof
            .eq_outer
            .equations(&c, &[(Fr::ONE, *c_ex.point()), (-e, cab), (e, cc)], sink);

        // Inner sum-check.
        let r_abc: [Fr; 3] = [
            nonzero_challenge(transcript, labels::R_ABC)?,
            nonzero_challenge(transcript, labels::R_ABC)?,
            nonzero_challenge(transcript, labels::R_ABC)?,
        ];
        let claim = [(r_abc[0], ca), (r_abc[1], cb), (r_abc[2], cc)];
        let (ry, c_ey) = proof
            .inner
            .verify(size.s_w + 1, 2, &claim, transcript, sink)?;
        let (ry0, ry_w) = match ry.split_first() {
            Some((first, rest)) => (*first, rest),
            None => return Err(NizkError::Rejected),
        };

        // Witness opening.
        transcript.append_message(labels::COMM_W_EVAL, proof.comm_w_eval.as_bytes());
        proof.open_w.verify(
            layout,
            &proof.comm_w,
            ry_w,
            &proof.comm_w_eval,
            transcript,
            sink,
        )?;

        // M(rx, ry) and io~(ry[1..]) by the verifier.
        let [va, vb, vc] = self
            .matrix_evaluator()
            .evaluate(&rx, &ry)
            .ok_or(NizkError::Rejected)?;
        let m_eval = r_abc[0] * va + r_abc[1] * vb + r_abc[2] * vc;
        // io = (1, x, 0..): nw >= k + 1 by construction of the sizes.
        let io_eval = mle::eq_at(ry_w, 0)
            + inputs
                .iter()
                .enumerate()
                .map(|(i, x)| *x * mle::eq_at(ry_w, i + 1))
                .sum::<Fr>();
        let c = proof.eq_inner.challenge(transcript)?;
        proof.eq_inner.equations(
            &c,
            &[
                (Fr::ONE, *c_ey.point()),
                (-m_eval * (Fr::ONE - ry0), *proof.comm_w_eval.point()),
                (-m_eval * ry0 * io_eval, *self.gens.g()),
            ],
            sink,
        );
        Ok(Challenges {
            tau,
            rx,
            ry,
            r_abc: r_abc.to_vec(),
        })
    }

    /// Verifies a proof with one batched MSM, weights from `rng`.
    pub fn verify_with_rng<R: RngCore + CryptoRng>(
        &self,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
        rng: R,
    ) -> Result<(), NizkError> {
        let mut batch = BatchCheck::new(&self.gens, rng);
        let _ = self.verify_into(proof, inputs, transcript, &mut batch)?;
        if batch.verify() {
            Ok(())
        } else {
            Err(NizkError::Rejected)
        }
    }

    /// Verifies many proofs for this key in one MSM (weights from `rng`):
    /// `Ok` iff every proof is valid. On `Err(Rejected)` the caller verifies
    /// one by one to find the bad ones; a structural error names the first
    /// proof that has one, by its index.
    pub fn verify_batch_with_rng<R: RngCore + CryptoRng>(
        &self,
        items: &mut [(&NizkProof, &[Fr], &mut Transcript)],
        rng: R,
    ) -> Result<(), (usize, NizkError)> {
        let mut batch = BatchCheck::new(&self.gens, rng);
        for (i, (proof, inputs, transcript)) in items.iter_mut().enumerate() {
            let _ = self
                .verify_into(proof, inputs, transcript, &mut batch)
                .map_err(|e| (i, e))?;
        }
        if batch.verify() {
            Ok(())
        } else {
            Err((items.len(), NizkError::Rejected))
        }
    }

    /// Verifies a proof (weights from the operating system's RNG).
    pub fn verify(
        &self,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), NizkError> {
        self.verify_with_rng(proof, inputs, transcript, OsRng)
    }

    /// Decodes and verifies proof bytes.
    pub fn verify_bytes(
        &self,
        bytes: &[u8],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), NizkError> {
        self.verify(&NizkProof::from_bytes(bytes, self)?, inputs, transcript)
    }
}
