//! A message-driven two-party session: the whole bound check of a batch of
//! vectors (base OT, KOS extension, garbled circuit, output labels) run by
//! exchanging bytes only.
//!
//! **Relation.** For a batch of `n` vectors of length `d`, the garbler holds
//! `x_1^(i) in M^d` and the evaluator `x_2^(i) in M^d` (additive shares over
//! the sharing `S`, by default [`FieldSharing`]); both learn the `n` bits
//! `valid_i = AND_j [ x_1j^(i) + x_2j^(i) in [lo, hi] ]` and nothing else.
//! The public parameters (session id, `n`, `d`, range, sharing) must be
//! agreed out of band; each party hashes them into a digest that it sends in
//! its first message and checks in the peer's.
//!
//! **Protocol** (5 one-way flows, one OT-extension setup per batch):
//!
//! 1. E -> G [`SessionMsg::BaseOtSetup`]: digest, Chou-Orlandi setup point
//!    (the evaluator is the KOS receiver, hence the base-OT sender).
//! 2. G -> E [`SessionMsg::BaseOtChoices`]: digest, the 128 base-OT points.
//! 3. E -> G [`SessionMsg::Extension`]: one KOS batch of `n d BITS` random OTs
//!    and the corrections that derandomise it to the evaluator's share bits.
//! 4. G -> E [`SessionMsg::Garbled`]: the evaluator's input labels masked by
//!    the OT pads, and the garbled circuit of the whole batch (tables, the
//!    garbler's input labels, one decoding bit per vector). The garbler
//!    garbles at [`TwoPcParty::start`], while it waits for flow 1.
//! 5. E -> G [`SessionMsg::OutputLabels`]: one output label per vector; the
//!    garbler checks each is a genuine label of its wire and decodes it.
//!
//! The OT session id is derived from the parameter digest, which includes
//! the caller's [`SessionId`], so OTs of different sessions are domain
//! separated. A batch with no OTs (`n = 0` or `d = 0`) needs no messages:
//! both parties are done at `start`, every vector (if any) valid.
//!
//! **State machine.** Each party is an enum state machine driven by
//! [`TwoPcParty::start`] and [`TwoPcParty::handle`]; any error moves it to a
//! poisoned `Failed` state in which every later call fails with
//! [`TwoPcError::Poisoned`] and [`TwoPcParty::verdicts`] is `None`. A
//! message of the wrong kind for the current state (out of order, replayed,
//! after completion) is [`TwoPcError::UnexpectedMessage`]; bytes that do
//! not decode are [`TwoPcError::Malformed`]; both name the peer. Decoding
//! checks every length against the [`SessionShape`] before allocating.
//!
//! **Randomness.** All of a party's randomness comes from its 32-byte seed
//! (ChaCha20), so runs are reproducible in tests; in production the seed
//! must be fresh and secret.
//!
//! **Threat model.** Semi-honest, non-colluding aggregators (see
//! [`super`]): a malicious garbler could garble another predicate; a
//! malicious evaluator can only lie about a verdict by forging a label,
//! which the garbler detects. The KOS check protects against a malicious OT
//! receiver; the base OTs are semi-honest only. Secrets: the input bits and
//! the label pairs held by a party are zeroized on drop and never printed;
//! the states of the OT typestates and of the ChaCha20 generator are not
//! zeroized (their types do not support it).
//!
//! **Not audited.**

use super::error::Role;
use super::evaluator::evaluate_batch;
use super::garbler::{batch_and_gates, decode_outputs, garble_batch, GarbledBatch};
use super::msgs::{SessionMsg, SessionMsgKind, SessionShape};
use super::predicate::{BoundRange, BoundSharing, FieldSharing};
use super::{check_range, coordinate_circuit, TwoPcCost, TwoPcError};
use crate::garble::GarblerOutputs;
use crate::ot::kos;
use crate::ot::{OtCost, SessionId};
use core::marker::PhantomData;
use curve25519_dalek::Scalar;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The two roles, under the name the session API uses.
pub use super::error::Role as TwoPcRole;

/// blake3 key-derivation context for the session parameter digest.
pub const DST_PARAMS: &str = "zkagg-mpc 2026 twopc session params v1";
/// blake3 key-derivation context for the OT session id.
pub const DST_OT_SESSION: &str = "zkagg-mpc 2026 twopc session ot v1";

/// Where a party is in the protocol.
enum State {
    /// Constructed; `start` not called yet. Holds the party's input bits.
    Ready { bits: Zeroizing<Vec<bool>> },
    /// Garbler: garbled, waiting for flow 1.
    GarblerAwaitSetup {
        kos: kos::SenderAwaitingBaseSetup,
        batch: GarbledBatch,
    },
    /// Garbler: base OTs done, waiting for flow 3.
    GarblerAwaitExtension {
        kos: Box<kos::SenderReady>,
        batch: GarbledBatch,
    },
    /// Garbler: garbled circuit sent, waiting for flow 5.
    GarblerAwaitOutputs { keep: GarblerOutputs },
    /// Evaluator: flow 1 sent, waiting for flow 2.
    EvaluatorAwaitChoices {
        kos: kos::ReceiverAwaitingBaseChoices,
        choices: Zeroizing<Vec<bool>>,
    },
    /// Evaluator: flow 3 sent, waiting for flow 4.
    EvaluatorAwaitGarbled { kos: kos::ReceiverAwaitingPairs },
    /// Both verdict bits known.
    Done { verdicts: Vec<bool> },
    /// An error happened; every call fails.
    Failed,
}

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::Ready { .. } => "not started",
            State::GarblerAwaitSetup { .. } => "awaiting the base-OT setup",
            State::GarblerAwaitExtension { .. } => "awaiting the OT extension",
            State::GarblerAwaitOutputs { .. } => "awaiting the output labels",
            State::EvaluatorAwaitChoices { .. } => "awaiting the base-OT choices",
            State::EvaluatorAwaitGarbled { .. } => "awaiting the garbled circuit",
            State::Done { .. } => "done",
            State::Failed => "failed",
        }
    }

    /// The message kind the state waits for.
    fn expects(&self) -> Option<SessionMsgKind> {
        match self {
            State::GarblerAwaitSetup { .. } => Some(SessionMsgKind::BaseOtSetup),
            State::GarblerAwaitExtension { .. } => Some(SessionMsgKind::Extension),
            State::GarblerAwaitOutputs { .. } => Some(SessionMsgKind::OutputLabels),
            State::EvaluatorAwaitChoices { .. } => Some(SessionMsgKind::BaseOtChoices),
            State::EvaluatorAwaitGarbled { .. } => Some(SessionMsgKind::Garbled),
            State::Ready { .. } | State::Done { .. } | State::Failed => None,
        }
    }
}

/// One party of a two-party bound-check session over the sharing `S`
/// (default [`FieldSharing`], built with [`TwoPcParty::new`]; any sharing
/// with [`TwoPcParty::with_sharing`]).
///
/// Sans-IO: [`start`](TwoPcParty::start) and [`handle`](TwoPcParty::handle)
/// return the encoded messages to deliver to the peer, in order.
pub struct TwoPcParty<S: BoundSharing = FieldSharing> {
    role: Role,
    n: usize,
    d: usize,
    range: BoundRange,
    params: [u8; 32],
    ot_session: SessionId,
    shape: SessionShape,
    rng: ChaCha20Rng,
    state: State,
    cost: TwoPcCost,
    /// Sender of the last message seen (sent or received), for counting flows.
    last_flow: Option<Role>,
    /// Sender of the last OT message seen, for counting OT flows.
    last_ot_flow: Option<Role>,
    _sharing: PhantomData<S>,
}

impl<S: BoundSharing> core::fmt::Debug for TwoPcParty<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TwoPcParty")
            .field("sharing", &S::NAME)
            .field("role", &self.role)
            .field("vectors", &self.n)
            .field("length", &self.d)
            .field("range", &self.range)
            .field("state", &self.state.name())
            .field("cost", &self.cost)
            .finish_non_exhaustive()
    }
}

/// The party's secrets (input bits, label pairs) sit in `Zeroizing`
/// wrappers and are wiped when it is dropped.
impl<S: BoundSharing> ZeroizeOnDrop for TwoPcParty<S> {}

impl TwoPcParty<FieldSharing> {
    /// A party over `Z_l` shares (the sharing of the aggregation layer).
    /// See [`TwoPcParty::with_sharing`].
    pub fn new(
        role: TwoPcRole,
        session_id: SessionId,
        range: BoundRange,
        vectors: Vec<Vec<Scalar>>,
        seed: [u8; 32],
    ) -> Result<Self, TwoPcError> {
        Self::with_sharing(role, session_id, range, vectors, seed)
    }
}

/// The exact message sizes of a session of `n` vectors of length `d` over
/// the sharing `S` for `range`, from the public parameters alone (so a
/// transport can cap its frames before any session exists). Errors as
/// [`TwoPcParty::with_sharing`] does for a range too wide for `S` or more
/// OTs than one KOS batch allows.
pub fn session_shape<S: BoundSharing>(
    n: usize,
    d: usize,
    range: &BoundRange,
) -> Result<SessionShape, TwoPcError> {
    check_range::<S>(range)?;
    let too_large = || TwoPcError::BatchTooLarge {
        ots: (n as u64)
            .saturating_mul(d as u64)
            .saturating_mul(S::BITS as u64),
        max: kos::MAX_BATCH as u64,
    };
    let ots = n
        .checked_mul(d)
        .and_then(|c| c.checked_mul(S::BITS))
        .filter(|&o| o <= kos::MAX_BATCH)
        .ok_or_else(too_large)?;
    let per_coordinate = coordinate_circuit::<S>(range)?.and_count();
    let and_gates = batch_and_gates(per_coordinate, n, d)
        .and_then(|g| usize::try_from(g).ok())
        .ok_or_else(too_large)?;
    Ok(SessionShape {
        ots,
        and_gates,
        outputs: n,
    })
}

/// Digest of the public session parameters.
fn params_digest<S: BoundSharing>(
    session_id: &SessionId,
    n: usize,
    d: usize,
    range: &BoundRange,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new_derive_key(DST_PARAMS);
    h.update(&session_id.0);
    h.update(&(S::NAME.len() as u64).to_le_bytes());
    h.update(S::NAME.as_bytes());
    h.update(&(n as u64).to_le_bytes());
    h.update(&(d as u64).to_le_bytes());
    h.update(&range.lo().to_le_bytes());
    h.update(&range.hi().to_le_bytes());
    *h.finalize().as_bytes()
}

impl<S: BoundSharing> TwoPcParty<S> {
    /// A party of role `role` holding `vectors` (its shares: `n` vectors of
    /// the same length `d`), for the public `range` and `session_id`; all
    /// its randomness comes from `seed`. The shares are converted to circuit
    /// input bits and wiped.
    ///
    /// Errors (local misuse): vectors of different lengths
    /// ([`TwoPcError::RaggedBatch`]), a range too wide for `S`, more OTs
    /// than one KOS batch allows.
    pub fn with_sharing(
        role: TwoPcRole,
        session_id: SessionId,
        range: BoundRange,
        mut vectors: Vec<Vec<S::Share>>,
        seed: [u8; 32],
    ) -> Result<Self, TwoPcError> {
        let result = Self::build(role, session_id, range, &vectors, seed);
        for v in vectors.iter_mut() {
            v.zeroize();
        }
        result
    }

    fn build(
        role: TwoPcRole,
        session_id: SessionId,
        range: BoundRange,
        vectors: &[Vec<S::Share>],
        seed: [u8; 32],
    ) -> Result<Self, TwoPcError> {
        let n = vectors.len();
        let d = vectors.first().map_or(0, Vec::len);
        if let Some((index, v)) = vectors.iter().enumerate().find(|(_, v)| v.len() != d) {
            return Err(TwoPcError::RaggedBatch {
                index,
                expected: d,
                got: v.len(),
            });
        }
        let shape = session_shape::<S>(n, d, &range)?;
        let (ots, and_gates) = (shape.ots, shape.and_gates);
        let mut bits = Zeroizing::new(Vec::with_capacity(ots));
        for x in vectors.iter().flatten() {
            match role {
                Role::Garbler => S::push_garbler_bits(x, &range, &mut bits),
                Role::Evaluator => S::push_evaluator_bits(x, &mut bits),
            }
        }
        let params = params_digest::<S>(&session_id, n, d, &range);
        let mut h = blake3::Hasher::new_derive_key(DST_OT_SESSION);
        h.update(&params);
        let ot_session = SessionId(*h.finalize().as_bytes());
        Ok(TwoPcParty {
            role,
            n,
            d,
            range,
            params,
            ot_session,
            shape,
            rng: ChaCha20Rng::from_seed(seed),
            state: State::Ready { bits },
            cost: TwoPcCost {
                and_gates: and_gates as u64,
                ots: ots as u64,
                ..TwoPcCost::default()
            },
            last_flow: None,
            last_ot_flow: None,
            _sharing: PhantomData,
        })
    }

    /// This party's role.
    pub fn role(&self) -> TwoPcRole {
        self.role
    }

    /// The public range.
    pub fn range(&self) -> BoundRange {
        self.range
    }

    /// Number of vectors in the batch.
    pub fn vectors(&self) -> usize {
        self.n
    }

    /// Length of every vector.
    pub fn vector_len(&self) -> usize {
        self.d
    }

    /// The exact message sizes of this session.
    pub fn shape(&self) -> SessionShape {
        self.shape
    }

    /// The digest of the public parameters (session id, sharing, `n`, `d`,
    /// range) both parties must share.
    pub fn params_digest(&self) -> [u8; 32] {
        self.params
    }

    /// Whether the party knows the verdicts.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done { .. })
    }

    /// Whether the party failed (and refuses every call).
    pub fn is_failed(&self) -> bool {
        matches!(self.state, State::Failed)
    }

    /// One verdict per vector (every coordinate of `x_1 + x_2` in range),
    /// once done; `None` before, and after a failure.
    pub fn verdicts(&self) -> Option<&[bool]> {
        match &self.state {
            State::Done { verdicts } => Some(verdicts),
            _ => None,
        }
    }

    /// Communication so far: bytes of the encoded messages each way, one-way
    /// flows, and the circuit size. Both parties report the same cost at the
    /// end of an honest run.
    pub fn cost(&self) -> TwoPcCost {
        self.cost
    }

    /// Starts the party: returns the messages for the peer (flow 1 for the
    /// evaluator, none for the garbler, which garbles now). Errors if called
    /// twice or on a failed party; the party is then poisoned.
    pub fn start(&mut self) -> Result<Vec<Vec<u8>>, TwoPcError> {
        let state = core::mem::replace(&mut self.state, State::Failed);
        let bits = match state {
            State::Ready { bits } => bits,
            State::Failed => return Err(TwoPcError::Poisoned),
            other => {
                return Err(TwoPcError::OutOfOrderCall {
                    call: "start",
                    state: other.name(),
                })
            }
        };
        if self.shape.ots == 0 {
            self.state = State::Done {
                verdicts: vec![true; self.n],
            };
            return Ok(Vec::new());
        }
        match self.role {
            Role::Garbler => {
                let kos = kos::Sender::new(self.ot_session, &mut self.rng);
                let batch =
                    garble_batch::<S, _>(&bits, self.n, self.d, &self.range, &mut self.rng)?;
                if batch.and_gates != self.shape.and_gates as u64 {
                    return Err(TwoPcError::Local(
                        crate::garble::GarbleError::WrongLabelCount {
                            what: "AND gates of the batch circuit",
                            expected: self.shape.and_gates,
                            got: usize::try_from(batch.and_gates).unwrap_or(usize::MAX),
                        },
                    ));
                }
                self.state = State::GarblerAwaitSetup { kos, batch };
                Ok(Vec::new())
            }
            Role::Evaluator => {
                let (kos, setup) = kos::Receiver::new(self.ot_session, &mut self.rng);
                let out = self.send(SessionMsg::BaseOtSetup {
                    params: self.params,
                    setup,
                });
                self.state = State::EvaluatorAwaitChoices { kos, choices: bits };
                Ok(vec![out])
            }
        }
    }

    /// Processes one message from the peer; returns the messages to send
    /// back (possibly none). Any error poisons the party.
    pub fn handle(&mut self, bytes: &[u8]) -> Result<Vec<Vec<u8>>, TwoPcError> {
        // Leaves `Failed` behind unless the step succeeds.
        let state = core::mem::replace(&mut self.state, State::Failed);
        let peer = self.role.other();
        let Some(expected) = state.expects() else {
            return Err(match state {
                State::Failed => TwoPcError::Poisoned,
                State::Ready { .. } => TwoPcError::OutOfOrderCall {
                    call: "handle",
                    state: state.name(),
                },
                _ => TwoPcError::UnexpectedMessage {
                    party: peer,
                    got: SessionMsgKind::of_bytes(bytes).map_or("message", SessionMsgKind::name),
                    state: state.name(),
                },
            });
        };
        match SessionMsgKind::of_bytes(bytes) {
            Some(kind) if kind == expected => {}
            Some(kind) => {
                return Err(TwoPcError::UnexpectedMessage {
                    party: peer,
                    got: kind.name(),
                    state: state.name(),
                })
            }
            // Unknown tag or empty: let the decoder name the fault.
            None => {}
        }
        let msg = SessionMsg::decode(bytes, peer, &self.shape)?;
        self.record(peer, bytes.len() as u64, msg.ot_bytes());
        let (next, out) = self.step(state, msg)?;
        self.state = next;
        Ok(out.into_iter().map(|m| self.send(m)).collect())
    }

    /// The transition for a decoded message of the expected kind.
    fn step(
        &mut self,
        state: State,
        msg: SessionMsg,
    ) -> Result<(State, Option<SessionMsg>), TwoPcError> {
        match (state, msg) {
            (
                State::GarblerAwaitSetup { kos, batch },
                SessionMsg::BaseOtSetup { params, setup },
            ) => {
                self.check_params(&params)?;
                let (kos, choices) = kos.receive_base_setup(&setup, &mut self.rng)?;
                Ok((
                    State::GarblerAwaitExtension {
                        kos: Box::new(kos),
                        batch,
                    },
                    Some(SessionMsg::BaseOtChoices {
                        params: self.params,
                        choices,
                    }),
                ))
            }
            (
                State::EvaluatorAwaitChoices { kos, choices },
                SessionMsg::BaseOtChoices {
                    params,
                    choices: points,
                },
            ) => {
                self.check_params(&params)?;
                let mut ready = kos.receive_base_choices(&points)?;
                let (random, matrix) = ready.extend_random(self.shape.ots, &mut self.rng)?;
                let (kos, corrections) = random.derandomize(&choices)?;
                Ok((
                    State::EvaluatorAwaitGarbled { kos },
                    Some(SessionMsg::Extension {
                        matrix,
                        corrections,
                    }),
                ))
            }
            (
                State::GarblerAwaitExtension { kos, batch },
                SessionMsg::Extension {
                    matrix,
                    corrections,
                },
            ) => {
                let (_, random) = kos.extend_random(&matrix)?;
                let pairs = random.derandomize(&corrections, &batch.pairs)?;
                Ok((
                    State::GarblerAwaitOutputs { keep: batch.keep },
                    Some(SessionMsg::Garbled {
                        pairs,
                        circuit: batch.msg,
                    }),
                ))
            }
            (State::EvaluatorAwaitGarbled { kos }, SessionMsg::Garbled { pairs, circuit }) => {
                let labels = kos.receive_pairs(&pairs)?;
                let (verdicts, labels) =
                    evaluate_batch::<S>(self.n, self.d, &self.range, circuit, &labels)?;
                Ok((
                    State::Done { verdicts },
                    Some(SessionMsg::OutputLabels { labels }),
                ))
            }
            (State::GarblerAwaitOutputs { keep }, SessionMsg::OutputLabels { labels }) => {
                let verdicts = decode_outputs(&keep, &labels)?;
                Ok((State::Done { verdicts }, None))
            }
            // `handle` only passes a message of the kind the state expects.
            (state, msg) => Err(TwoPcError::UnexpectedMessage {
                party: self.role.other(),
                got: msg.kind().name(),
                state: state.name(),
            }),
        }
    }

    fn check_params(&self, params: &[u8; 32]) -> Result<(), TwoPcError> {
        if params != &self.params {
            return Err(TwoPcError::SessionMismatch {
                party: self.role.other(),
            });
        }
        Ok(())
    }

    /// Encodes an outgoing message and counts it.
    fn send(&mut self, msg: SessionMsg) -> Vec<u8> {
        let bytes = msg.encode();
        self.record(self.role, bytes.len() as u64, msg.ot_bytes());
        bytes
    }

    /// Counts a message of `len` bytes (`ot` of them OT payload) sent by
    /// `from`.
    fn record(&mut self, from: Role, len: u64, ot: u64) {
        match from {
            Role::Garbler => self.cost.bytes_garbler_to_evaluator += len,
            Role::Evaluator => self.cost.bytes_evaluator_to_garbler += len,
        }
        if self.last_flow != Some(from) {
            self.cost.rounds += 1;
            self.last_flow = Some(from);
        }
        if ot > 0 {
            let c: &mut OtCost = &mut self.cost.ot;
            match from {
                Role::Garbler => c.bytes_sender_to_receiver += ot,
                Role::Evaluator => c.bytes_receiver_to_sender += ot,
            }
            if self.last_ot_flow != Some(from) {
                c.rounds += 1;
                self.last_ot_flow = Some(from);
            }
        }
    }
}

/// Runs both parties of a session in process, delivering every message,
/// and returns the verdicts (one per vector) and the cost. Errors are those
/// of the parties; [`TwoPcError::OutOfOrderCall`] if the run stalls (which
/// an honest run never does).
pub fn run_in_process<S: BoundSharing>(
    session_id: SessionId,
    range: BoundRange,
    garbler_vectors: Vec<Vec<S::Share>>,
    evaluator_vectors: Vec<Vec<S::Share>>,
    seed_garbler: [u8; 32],
    seed_evaluator: [u8; 32],
) -> Result<(Vec<bool>, TwoPcCost), TwoPcError> {
    let mut g = TwoPcParty::<S>::with_sharing(
        Role::Garbler,
        session_id,
        range,
        garbler_vectors,
        seed_garbler,
    )?;
    let mut e = TwoPcParty::<S>::with_sharing(
        Role::Evaluator,
        session_id,
        range,
        evaluator_vectors,
        seed_evaluator,
    )?;
    let mut to_e = g.start()?;
    let mut to_g = e.start()?;
    while !(g.is_done() && e.is_done()) {
        if to_e.is_empty() && to_g.is_empty() {
            return Err(TwoPcError::OutOfOrderCall {
                call: "run_in_process",
                state: "stalled",
            });
        }
        for m in core::mem::take(&mut to_g) {
            to_e.extend(g.handle(&m)?);
        }
        for m in core::mem::take(&mut to_e) {
            to_g.extend(e.handle(&m)?);
        }
    }
    let verdicts = g.verdicts().map(<[bool]>::to_vec).unwrap_or_default();
    debug_assert_eq!(g.verdicts(), e.verdicts());
    debug_assert_eq!(g.cost(), e.cost());
    Ok((verdicts, g.cost()))
}

#[cfg(test)]
mod tests;
