//! The extension sender (Chou-Orlandi receiver of the base OTs).

use super::aes::{AesBlock, CrHash, Prg};
use super::gf128::{self, CheckAccumulator};
use super::transpose::transpose_128;
use super::{
    base_session_id, bit_mask, padded_rows, ChiTranscript, ChoiceCorrectionsMsg,
    ExtensionMatrixMsg, MaskedPairsMsg, CHUNK_BLOCKS, KAPPA, MAX_BATCH,
};
use crate::block::Block;
use crate::ot::chou_orlandi;
use crate::ot::msgs::{packed_bit, ChoicePointsMsg, SetupPointMsg};
use crate::ot::{Misuse, OtError, Party, PeerFault, SessionId};
use rand_core::{CryptoRng, RngCore};

/// Entry point of the extension sender.
#[derive(Debug)]
pub struct Sender;

impl Sender {
    /// Starts a sender: samples the global correlation `Delta`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<R: RngCore + CryptoRng + ?Sized>(
        session_id: SessionId,
        rng: &mut R,
    ) -> SenderAwaitingBaseSetup {
        let mut d = [0u8; 16];
        rng.fill_bytes(&mut d);
        SenderAwaitingBaseSetup {
            session_id,
            delta: u128::from_le_bytes(d),
        }
    }
}

/// Sender waiting for the receiver's base-OT setup point.
pub struct SenderAwaitingBaseSetup {
    session_id: SessionId,
    delta: u128,
}

impl core::fmt::Debug for SenderAwaitingBaseSetup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SenderAwaitingBaseSetup")
            .finish_non_exhaustive()
    }
}

impl SenderAwaitingBaseSetup {
    /// Runs the base OTs as Chou-Orlandi receiver with the bits of `Delta`
    /// as choices; returns the ready sender and the base-OT points.
    ///
    /// Errors: an invalid setup point (blaming the extension receiver).
    pub fn receive_base_setup<R: RngCore + CryptoRng + ?Sized>(
        self,
        msg: &SetupPointMsg,
        rng: &mut R,
    ) -> Result<(SenderReady, ChoicePointsMsg), OtError> {
        let choices = (0..KAPPA).map(|j| (self.delta >> j) & 1 == 1).collect();
        let (keys, points) =
            chou_orlandi::Receiver::new(base_session_id(&self.session_id), choices)
                .receive_setup(msg, rng)
                .map_err(OtError::roles_reversed)?;
        let prg = keys.into_random().iter().map(|k| Prg::new(k.0)).collect();
        Ok((
            SenderReady {
                session_id: self.session_id,
                delta: self.delta,
                prg,
                hash: CrHash::new(),
                batch: 0,
                counter: 0,
                ot_index: 0,
                max_batch: MAX_BATCH,
            },
            points,
        ))
    }
}

/// Sender after setup, ready to answer extension batches.
///
/// Every batch consumes the state and returns it only on success: after any
/// error (in particular a failed consistency check) the session is over.
pub struct SenderReady {
    session_id: SessionId,
    delta: u128,
    prg: Vec<Prg>,
    hash: CrHash,
    batch: u64,
    counter: u64,
    ot_index: u64,
    max_batch: usize,
}

impl core::fmt::Debug for SenderReady {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SenderReady")
            .field("batch", &self.batch)
            .field("ot_index", &self.ot_index)
            .field("max_batch", &self.max_batch)
            .finish_non_exhaustive()
    }
}

impl SenderReady {
    /// Lowers the largest batch the sender accepts (default and upper bound
    /// [`MAX_BATCH`], which is also the receiver's limit).
    pub fn with_max_batch(mut self, max_batch: usize) -> Self {
        self.max_batch = max_batch.min(MAX_BATCH);
        self
    }

    /// Index of the next batch.
    pub fn next_batch(&self) -> u64 {
        self.batch
    }

    /// Processes the receiver's matrix of one batch, verifies the KOS check
    /// and returns the sender's random pairs.
    ///
    /// Errors (blaming the receiver): batch out of order, batch too large,
    /// wrong matrix size, failed consistency check. Local misuse: the
    /// session's index space is exhausted.
    pub fn extend_random(
        self,
        msg: &ExtensionMatrixMsg,
    ) -> Result<(SenderReady, RandomOtSenderOutput), OtError> {
        let mut out = RandomOtSenderOutput::default();
        let next = self.extend_random_into(msg, &mut out)?;
        Ok((next, out))
    }

    /// [`SenderReady::extend_random`] writing into an existing output, whose
    /// allocation is reused. On error `out` is emptied.
    pub fn extend_random_into(
        self,
        msg: &ExtensionMatrixMsg,
        out: &mut RandomOtSenderOutput,
    ) -> Result<SenderReady, OtError> {
        let result = self.extend_inner(msg, out);
        if result.is_err() {
            out.pairs.clear();
        }
        result
    }

    fn extend_inner(
        self,
        msg: &ExtensionMatrixMsg,
        out: &mut RandomOtSenderOutput,
    ) -> Result<SenderReady, OtError> {
        let blame = |fault| OtError::peer(Party::Receiver, fault);
        if msg.batch != self.batch {
            return Err(blame(PeerFault::UnexpectedBatch {
                expected: self.batch,
                actual: msg.batch,
            }));
        }
        let count = match usize::try_from(msg.count) {
            Ok(c) if c <= self.max_batch => c,
            _ => {
                return Err(blame(PeerFault::BatchTooLarge {
                    requested: msg.count,
                    max: self.max_batch as u64,
                }))
            }
        };
        let rows = padded_rows(count);
        if msg.columns.len() != rows {
            return Err(blame(PeerFault::WrongLength {
                what: "ExtensionMatrixMsg.columns",
                expected: rows,
                actual: msg.columns.len(),
            }));
        }
        let nblocks = rows / 128;
        let next_counter = self.counter.checked_add(nblocks as u64);
        let next_index = self.ot_index.checked_add(count as u64);
        let (Some(next_counter), Some(next_index)) = (next_counter, next_index) else {
            return Err(Misuse::IndexSpaceExhausted.into());
        };

        let mut transcript = ChiTranscript::new(&self.session_id, self.batch, msg.count);
        transcript.absorb(msg.columns.iter().map(|b| b.0));
        let chi_prg = Prg::new(transcript.finish());

        let delta_masks: [u128; KAPPA] = core::array::from_fn(|j| bit_mask(self.delta, j));
        // Every pair is overwritten, so resizing suffices.
        let pairs = &mut out.pairs;
        pairs.resize(count, [Block::ZERO; 2]);
        let mut acc = CheckAccumulator::new();
        let mut q = vec![Block::ZERO; CHUNK_BLOCKS * 128];
        let mut chi = vec![0u128; CHUNK_BLOCKS * 128];
        // PRG output of the chunk, per column: g[j * CHUNK_BLOCKS + b].
        let mut g = vec![0u128; CHUNK_BLOCKS * 128];
        let mut scratch = vec![AesBlock::default(); CHUNK_BLOCKS * 128];
        for b0 in (0..nblocks).step_by(CHUNK_BLOCKS) {
            let n = CHUNK_BLOCKS.min(nblocks - b0);
            let u_chunk = &msg.columns[b0 * 128..(b0 + n) * 128];
            for (prg, gj) in self.prg.iter().zip(g.chunks_exact_mut(CHUNK_BLOCKS)) {
                prg.fill(self.counter + b0 as u64, &mut gj[..n], &mut scratch);
            }
            // Columns q^j = G(k_j^{Delta_j}) ^ Delta_j * u^j, reading u in order.
            for (b, (qb, ub)) in q
                .chunks_exact_mut(128)
                .zip(u_chunk.chunks_exact(128))
                .enumerate()
            {
                for (j, ((qv, uv), dm)) in qb.iter_mut().zip(ub).zip(&delta_masks).enumerate() {
                    qv.0 = g[j * CHUNK_BLOCKS + b] ^ (uv.0 & dm);
                }
            }
            chi_prg.fill((b0 * 128) as u64, &mut chi[..n * 128], &mut scratch);
            for (cols, chi_b) in q[..n * 128]
                .chunks_exact_mut(128)
                .zip(chi.chunks_exact(128))
            {
                let cols: &mut [Block; 128] = cols.try_into().expect("chunk of 128");
                let chi_b: &[u128; 128] = chi_b.try_into().expect("chunk of 128");
                acc.absorb(cols, chi_b);
                transpose_128(cols);
            }
            let first = b0 * 128;
            let end = ((b0 + n) * 128).min(count);
            if end > first {
                self.hash.hash_pairs(
                    self.ot_index + first as u64,
                    &q[..end - first],
                    self.delta,
                    &mut pairs[first..end],
                );
            }
        }
        if acc.finish() != msg.check_t.0 ^ gf128::mul(msg.check_x.0, self.delta) {
            return Err(blame(PeerFault::ConsistencyCheckFailed));
        }
        out.batch = self.batch;
        Ok(SenderReady {
            batch: self.batch + 1,
            counter: next_counter,
            ot_index: next_index,
            ..self
        })
    }
}

/// The sender's output of a random-OT batch: one random pair per OT.
///
/// `Default` is an empty output, to be filled by
/// [`SenderReady::extend_random_into`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RandomOtSenderOutput {
    batch: u64,
    pairs: Vec<[Block; 2]>,
}

impl RandomOtSenderOutput {
    /// Index of the batch.
    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// The random pairs.
    pub fn pairs(&self) -> &[[Block; 2]] {
        &self.pairs
    }

    /// The random pairs, for use as random OT.
    pub fn into_pairs(self) -> Vec<[Block; 2]> {
        self.pairs
    }

    /// Derandomises the batch: masks the chosen pairs `msgs` with the random
    /// pads, swapped by the receiver's corrections.
    ///
    /// Errors: corrections for another batch or of the wrong length (blaming
    /// the receiver); `msgs` not one pair per OT (local misuse).
    pub fn derandomize(
        self,
        corrections: &ChoiceCorrectionsMsg,
        msgs: &[[Block; 2]],
    ) -> Result<MaskedPairsMsg, OtError> {
        let blame = |fault| OtError::peer(Party::Receiver, fault);
        if corrections.batch != self.batch {
            return Err(blame(PeerFault::UnexpectedBatch {
                expected: self.batch,
                actual: corrections.batch,
            }));
        }
        let n = self.pairs.len();
        if corrections.count != n as u64 {
            return Err(blame(PeerFault::WrongLength {
                what: "ChoiceCorrectionsMsg.count",
                expected: n,
                actual: usize::try_from(corrections.count).unwrap_or(usize::MAX),
            }));
        }
        if corrections.bits.len() != n.div_ceil(8) {
            return Err(blame(PeerFault::Malformed {
                message: "ChoiceCorrectionsMsg",
                reason: "bit vector length does not match count",
            }));
        }
        if msgs.len() != n {
            return Err(Misuse::LengthMismatch {
                what: "message pairs (one per OT of the batch)",
                expected: n,
                actual: msgs.len(),
            }
            .into());
        }
        let pairs = self
            .pairs
            .iter()
            .zip(msgs)
            .enumerate()
            .map(|(i, ([k0, k1], [m0, m1]))| {
                let d = packed_bit(&corrections.bits, i);
                // Swap the pads when d = 1, branch-free.
                let swap = (*k0 ^ *k1).select(d);
                [*m0 ^ *k0 ^ swap, *m1 ^ *k1 ^ swap]
            })
            .collect();
        Ok(MaskedPairsMsg {
            batch: self.batch,
            pairs,
        })
    }
}
