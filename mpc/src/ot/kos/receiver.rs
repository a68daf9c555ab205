//! The extension receiver (Chou-Orlandi sender of the base OTs).

use super::aes::{AesBlock, CrHash, Prg};
use super::gf128::CheckAccumulator;
use super::transpose::transpose_128;
use super::{
    base_session_id, padded_rows, ChiTranscript, ChoiceCorrectionsMsg, ExtensionMatrixMsg,
    MaskedPairsMsg, CHUNK_BLOCKS, KAPPA, MAX_BATCH,
};
use crate::block::Block;
use crate::ot::chou_orlandi;
use crate::ot::msgs::{pack_bits, ChoicePointsMsg, SetupPointMsg};
use crate::ot::{Misuse, OtError, Party, PeerFault, SessionId};
use rand_core::{CryptoRng, RngCore};

/// Entry point of the extension receiver.
#[derive(Debug)]
pub struct Receiver;

impl Receiver {
    /// Starts the base-OT setup (as Chou-Orlandi sender of 128 OTs) and
    /// returns the first message.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<R: RngCore + CryptoRng + ?Sized>(
        session_id: SessionId,
        rng: &mut R,
    ) -> (ReceiverAwaitingBaseChoices, SetupPointMsg) {
        let (base, msg) = chou_orlandi::Sender::new(base_session_id(&session_id), KAPPA, rng);
        (ReceiverAwaitingBaseChoices { session_id, base }, msg)
    }
}

/// Receiver waiting for the sender's base-OT points.
#[derive(Debug)]
pub struct ReceiverAwaitingBaseChoices {
    session_id: SessionId,
    base: chou_orlandi::SenderAwaitingChoices,
}

impl ReceiverAwaitingBaseChoices {
    /// Completes the base OTs: the receiver now holds both seeds of every
    /// column and can run extension batches.
    ///
    /// Errors: an invalid base-OT message (blaming the extension sender).
    pub fn receive_base_choices(self, msg: &ChoicePointsMsg) -> Result<ReceiverReady, OtError> {
        let keys = self
            .base
            .receive_choices(msg)
            .map_err(OtError::roles_reversed)?
            .into_random();
        let (prg0, prg1) = keys
            .iter()
            .map(|[k0, k1]| (Prg::new(k0.0), Prg::new(k1.0)))
            .unzip();
        Ok(ReceiverReady {
            session_id: self.session_id,
            prg0,
            prg1,
            hash: CrHash::new(),
            batch: 0,
            counter: 0,
            ot_index: 0,
        })
    }
}

/// Receiver after setup, ready to run extension batches.
pub struct ReceiverReady {
    session_id: SessionId,
    prg0: Vec<Prg>,
    prg1: Vec<Prg>,
    hash: CrHash,
    /// Index of the next batch.
    batch: u64,
    /// PRG stream position (in 128-bit blocks) of the next batch.
    counter: u64,
    /// Global index of the next OT (the hash tweak).
    ot_index: u64,
}

impl core::fmt::Debug for ReceiverReady {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReceiverReady")
            .field("batch", &self.batch)
            .field("ot_index", &self.ot_index)
            .finish_non_exhaustive()
    }
}

impl ReceiverReady {
    /// Index of the next batch.
    pub fn next_batch(&self) -> u64 {
        self.batch
    }

    /// Runs one batch of `count` random OTs: returns the receiver's random
    /// choices and blocks, and the matrix message for the sender.
    ///
    /// Errors (local misuse): `count > MAX_BATCH`, or the session's index
    /// space is exhausted.
    pub fn extend_random<R: RngCore + CryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
    ) -> Result<(RandomOtReceiverOutput, ExtensionMatrixMsg), OtError> {
        let mut out = RandomOtReceiverOutput::default();
        let mut msg = ExtensionMatrixMsg::default();
        self.extend_with_error(count, rng, &mut out, &mut msg, |_, _| 0)?;
        Ok((out, msg))
    }

    /// [`ReceiverReady::extend_random`] writing into existing buffers: the
    /// allocations of `out` and `msg.columns` are reused (their contents are
    /// overwritten), so that a stream of batches allocates no fresh memory.
    pub fn extend_random_into<R: RngCore + CryptoRng + ?Sized>(
        &mut self,
        count: usize,
        rng: &mut R,
        out: &mut RandomOtReceiverOutput,
        msg: &mut ExtensionMatrixMsg,
    ) -> Result<(), OtError> {
        self.extend_with_error(count, rng, out, msg, |_, _| 0)
    }

    /// The batch, with `error(b, j)` xored into the words of `u` (row block
    /// `b`, column `j`) before hashing: an honest receiver passes zero; tests
    /// pass nonzero errors to play a receiver whose choice bits differ
    /// between columns.
    pub(super) fn extend_with_error<R, F>(
        &mut self,
        count: usize,
        rng: &mut R,
        out: &mut RandomOtReceiverOutput,
        msg: &mut ExtensionMatrixMsg,
        mut error: F,
    ) -> Result<(), OtError>
    where
        R: RngCore + CryptoRng + ?Sized,
        F: FnMut(usize, usize) -> u128,
    {
        if count > MAX_BATCH {
            return Err(Misuse::BatchTooLarge {
                requested: count as u64,
                max: MAX_BATCH as u64,
            }
            .into());
        }
        let rows = padded_rows(count);
        let nblocks = rows / 128;
        let next_counter = self.counter.checked_add(nblocks as u64);
        let next_index = self.ot_index.checked_add(count as u64);
        let (Some(next_counter), Some(next_index)) = (next_counter, next_index) else {
            return Err(Misuse::IndexSpaceExhausted.into());
        };

        // Random choice bits, one u128 per 128-row block.
        let r: Vec<u128> = (0..nblocks)
            .map(|_| {
                let mut b = [0u8; 16];
                rng.fill_bytes(&mut b);
                u128::from_le_bytes(b)
            })
            .collect();

        // Pass 1: columns t^j = G(k_j^0) and u^j = t^j ^ G(k_j^1) ^ r, laid out
        // per 128-row block, absorbing u into the Fiat-Shamir transcript.
        // Every element of t and u is overwritten, so resizing suffices.
        let t = &mut out.blocks;
        t.resize(rows, Block::ZERO);
        let u = &mut msg.columns;
        u.resize(rows, Block::ZERO);
        let mut transcript = ChiTranscript::new(&self.session_id, self.batch, count as u64);
        // PRG outputs of a chunk, per column: g[j * CHUNK_BLOCKS + b].
        let mut g0 = vec![0u128; CHUNK_BLOCKS * KAPPA];
        let mut g1 = vec![0u128; CHUNK_BLOCKS * KAPPA];
        let mut scratch = vec![AesBlock::default(); CHUNK_BLOCKS * 128];
        for b0 in (0..nblocks).step_by(CHUNK_BLOCKS) {
            let n = CHUNK_BLOCKS.min(nblocks - b0);
            let ctr = self.counter + b0 as u64;
            for (j, (g0j, g1j)) in g0
                .chunks_exact_mut(CHUNK_BLOCKS)
                .zip(g1.chunks_exact_mut(CHUNK_BLOCKS))
                .enumerate()
            {
                self.prg0[j].fill(ctr, &mut g0j[..n], &mut scratch);
                self.prg1[j].fill(ctr, &mut g1j[..n], &mut scratch);
            }
            let t_chunk = &mut t[b0 * 128..(b0 + n) * 128];
            let u_chunk = &mut u[b0 * 128..(b0 + n) * 128];
            for (b, (tb, ub)) in t_chunk
                .chunks_exact_mut(128)
                .zip(u_chunk.chunks_exact_mut(128))
                .enumerate()
            {
                let rb = r[b0 + b];
                for (j, (tv, uv)) in tb.iter_mut().zip(ub.iter_mut()).enumerate() {
                    let x0 = g0[j * CHUNK_BLOCKS + b];
                    tv.0 = x0;
                    uv.0 = x0 ^ g1[j * CHUNK_BLOCKS + b] ^ rb ^ error(b0 + b, j);
                }
            }
            transcript.absorb(u_chunk.iter().map(|b| b.0));
        }
        let chi_prg = Prg::new(transcript.finish());

        // Pass 2: check values, transposition into rows t_i, hashing.
        let mut acc = CheckAccumulator::new();
        let mut check_x = 0u128;
        let mut chi = vec![0u128; CHUNK_BLOCKS * 128];
        for b0 in (0..nblocks).step_by(CHUNK_BLOCKS) {
            let n = CHUNK_BLOCKS.min(nblocks - b0);
            chi_prg.fill((b0 * 128) as u64, &mut chi[..n * 128], &mut scratch);
            let t_chunk = &mut t[b0 * 128..(b0 + n) * 128];
            for (b, (cols, chi_b)) in t_chunk
                .chunks_exact_mut(128)
                .zip(chi.chunks_exact(128))
                .enumerate()
            {
                let cols: &mut [Block; 128] = cols.try_into().expect("chunk of 128");
                let chi_b: &[u128; 128] = chi_b.try_into().expect("chunk of 128");
                acc.absorb(cols, chi_b);
                // x += sum_k r_k chi_k, on u64 halves to keep shifts cheap.
                let rb = r[b0 + b];
                for (half, chis) in [rb as u64, (rb >> 64) as u64]
                    .iter()
                    .zip(chi_b.chunks_exact(64))
                {
                    let mut bits = *half;
                    for c in chis {
                        check_x ^= c & 0u128.wrapping_sub((bits & 1) as u128);
                        bits >>= 1;
                    }
                }
                transpose_128(cols);
            }
            let first = b0 * 128;
            let end = ((b0 + n) * 128).min(count);
            if end > first {
                self.hash
                    .hash_in_place(self.ot_index + first as u64, &mut t[first..end]);
            }
        }
        t.truncate(count);
        out.choices.clear();
        out.choices
            .extend((0..count).map(|i| (r[i / 128] >> (i % 128)) & 1 == 1));
        out.batch = self.batch;
        msg.batch = self.batch;
        msg.count = count as u64;
        msg.check_x = Block(check_x);
        msg.check_t = Block(acc.finish());

        self.batch += 1;
        self.counter = next_counter;
        self.ot_index = next_index;
        Ok(())
    }
}

/// The receiver's output of a random-OT batch: random choice bits `r_i` and
/// blocks `H(i, t_i)`, which equal the sender's `pairs[i][r_i]`.
///
/// `Default` is an empty output, to be filled by
/// [`ReceiverReady::extend_random_into`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RandomOtReceiverOutput {
    batch: u64,
    choices: Vec<bool>,
    blocks: Vec<Block>,
}

impl RandomOtReceiverOutput {
    /// Index of the batch.
    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// The random choice bits.
    pub fn choices(&self) -> &[bool] {
        &self.choices
    }

    /// The received blocks.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// Choice bits and blocks, for use as random OT.
    pub fn into_parts(self) -> (Vec<bool>, Vec<Block>) {
        (self.choices, self.blocks)
    }

    /// Derandomises the batch into chosen-message OT with the given choices;
    /// returns the state awaiting the masked pairs and the corrections for
    /// the sender.
    ///
    /// Errors (local misuse) unless there is one choice per OT of the batch.
    pub fn derandomize(
        self,
        choices: &[bool],
    ) -> Result<(ReceiverAwaitingPairs, ChoiceCorrectionsMsg), OtError> {
        if choices.len() != self.choices.len() {
            return Err(Misuse::LengthMismatch {
                what: "choices (one per OT of the batch)",
                expected: self.choices.len(),
                actual: choices.len(),
            }
            .into());
        }
        let bits = pack_bits(choices.iter().zip(&self.choices).map(|(c, r)| c ^ r));
        let msg = ChoiceCorrectionsMsg {
            batch: self.batch,
            count: choices.len() as u64,
            bits,
        };
        Ok((
            ReceiverAwaitingPairs {
                batch: self.batch,
                choices: choices.to_vec(),
                pads: self.blocks,
            },
            msg,
        ))
    }
}

/// Receiver of a derandomised batch, waiting for the masked pairs.
#[derive(Debug)]
pub struct ReceiverAwaitingPairs {
    batch: u64,
    choices: Vec<bool>,
    pads: Vec<Block>,
}

impl ReceiverAwaitingPairs {
    /// Unmasks `m_i^{c_i}` for every OT of the batch.
    ///
    /// Errors (blaming the sender): wrong batch index or number of pairs.
    pub fn receive_pairs(self, msg: &MaskedPairsMsg) -> Result<Vec<Block>, OtError> {
        if msg.batch != self.batch {
            return Err(OtError::peer(
                Party::Sender,
                PeerFault::UnexpectedBatch {
                    expected: self.batch,
                    actual: msg.batch,
                },
            ));
        }
        if msg.pairs.len() != self.pads.len() {
            return Err(OtError::peer(
                Party::Sender,
                PeerFault::WrongLength {
                    what: "MaskedPairsMsg.pairs",
                    expected: self.pads.len(),
                    actual: msg.pairs.len(),
                },
            ));
        }
        Ok(msg
            .pairs
            .iter()
            .zip(&self.choices)
            .zip(&self.pads)
            .map(|(([y0, y1], &c), pad)| (*y0).select(!c) ^ (*y1).select(c) ^ *pad)
            .collect())
    }
}
