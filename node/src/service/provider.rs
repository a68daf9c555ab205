//! The provider service: registers if the relation commits to data, then
//! for each round follows the header, computes its update, proves, posts
//! its contribution and delivers share s to aggregator s (each delivery
//! retried, bounded, until the aggregator acknowledges that it stored it).

use super::{next_entry, spawn_follower, Context, Poster, ServiceError};
use crate::frame::{Control, WireMessage};
use crate::store::Store;
use crate::transport::Client;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::time::Instant;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::msgs::{
    decode_delivery, decode_public, Contribution, PublicMessage, RoundHeader, ShareDelivery,
};
use zkagg_aggregation::provider::Provider;
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_zk::encoding;

/// Test and demo faults a provider can be told to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProviderFaults {
    /// Post contributions but never deliver the shares.
    pub withhold_shares: bool,
    /// Exit the process at this point of this round, as a crash would
    /// (no destructor runs, connections are dropped by the system), with
    /// [`CRASH_EXIT`].
    pub crash: Option<(CrashPoint, u64)>,
    /// Cheat this way in this round (the other rounds are honest). The
    /// cheating contribution and shares are stored and sent like honest
    /// ones: a restart sends them again.
    pub cheat: Option<(Cheat, u64)>,
}

/// How a provider told to cheat does it. Each is caught by every honest
/// aggregator (and, where the record shows it, by the auditor), and each
/// leaves the provider out of the round's accepted set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cheat {
    /// Commits, shares and links the negation of the round's update (a
    /// poisoning provider's gradient ascent: for R_train not the training
    /// step) and posts the pi_zk of the honest update: a valid proof of
    /// another statement. The shares open their commitments and pi_link
    /// verifies; pi_zk does not ([`RejectReason::ProofRejected`], which the
    /// auditor confirms). Needs the ZK validity mode.
    ///
    /// [`RejectReason::ProofRejected`]: zkagg_aggregation::msgs::RejectReason::ProofRejected
    NegatedUpdate,
    /// One bit of pi_zk flipped, in the middle of its bytes
    /// ([`RejectReason::ProofRejected`], confirmed by the auditor). Needs
    /// the ZK validity mode.
    ///
    /// [`RejectReason::ProofRejected`]: zkagg_aggregation::msgs::RejectReason::ProofRejected
    CorruptProof,
    /// The share for aggregator 0 has its blind off by one, so it does not
    /// open the posted commitment C_0; the other aggregators get honest
    /// shares. Aggregator 0 rejects it
    /// ([`RejectReason::ShareDoesNotOpen`], which only it can see), the
    /// others accept.
    ///
    /// [`RejectReason::ShareDoesNotOpen`]: zkagg_aggregation::msgs::RejectReason::ShareDoesNotOpen
    BadShare,
}

impl Cheat {
    /// Whether the cheat is about pi_zk, which the MPC validity mode has not.
    fn needs_proof(self) -> bool {
        matches!(self, Cheat::NegatedUpdate | Cheat::CorruptProof)
    }
}

/// The round's contribution and share deliveries: honest, or as `cheat` says.
fn contribute<Rel: UpdateRelation, S: SharingScheme>(
    provider: &Provider<Rel, S>,
    header: &RoundHeader,
    x: &Rel::ProverInput,
    cheat: Option<Cheat>,
    rng: &mut ChaCha20Rng,
) -> Result<(Contribution, Vec<ShareDelivery>), zkagg_aggregation::AggError> {
    let honest = provider.start_round(header).commit(x, rng)?;
    match cheat {
        None => honest.prove(rng),
        Some(Cheat::NegatedUpdate) => {
            let negated: Vec<i64> = honest.delta().iter().map(|v| v.saturating_neg()).collect();
            let (proved, _) = honest.prove(rng)?;
            provider
                .start_round(header)
                .commit_to(x, negated, rng)?
                .prove_with(proved.proof, rng)
        }
        Some(Cheat::CorruptProof) => {
            let (mut c, d) = honest.prove(rng)?;
            let middle = c.proof.len() / 2;
            if let Some(b) = c.proof.get_mut(middle) {
                *b ^= 1;
            }
            Ok((c, d))
        }
        Some(Cheat::BadShare) => {
            let (c, mut d) = honest.prove(rng)?;
            if let Some(first) = d.first_mut() {
                first.blind += zkagg_zk::Fr::ONE;
            }
            Ok((c, d))
        }
    }
}

/// Where a provider told to crash exits in its round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashPoint {
    /// Proved, before posting the contribution.
    BeforePost,
    /// The contribution is posted, no share delivered.
    AfterPost,
    /// The first aggregator acknowledged its share; the second gets half
    /// a frame, then the connection drops.
    MidDelivery,
}

/// The exit code of a provider that crashed on purpose.
pub const CRASH_EXIT: i32 = 86;

fn crash_here(point: CrashPoint, round: u64) -> ! {
    tracing::warn!(?point, round, "crashing (fault injection)");
    std::process::exit(CRASH_EXIT)
}

/// The provider's store, in its member folder: each round's contribution
/// and shares, written before the contribution is posted.
pub const PROVIDER_DB: &str = "provider.sqlite";

/// The outbox kinds of a round's contribution and shares, bound to the
/// round's header (its SHA-256): a store from another bulletin (a new run
/// over the same member folder) is never posted on this one.
fn kinds(header: &RoundHeader) -> Result<(String, String), ServiceError> {
    use sha2::Digest;
    let bytes =
        encoding::to_bytes(header).map_err(|e| ServiceError::Protocol(format!("encoding: {e}")))?;
    let h: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((format!("contribution/{h}"), format!("share/{h}")))
}

/// Writes the round's shares, then its contribution (so a stored
/// contribution has its shares), before anything is sent: a restart sends
/// the same bytes again and never a second contribution for the round
/// (a different one is refused by the store).
async fn store_contribution(
    store: &Store,
    header: &RoundHeader,
    c: &Contribution,
    deliveries: &[ShareDelivery],
) -> Result<(), ServiceError> {
    let round = header.round;
    let (contribution, share) = kinds(header)?;
    let enc = |e: Result<Vec<u8>, zkagg_zk::EncodingError>| {
        e.map_err(|e| ServiceError::Protocol(format!("encoding: {e}")))
    };
    for d in deliveries {
        let to = PartyId::Aggregator(d.aggregator);
        store
            .put_outbox(round, &share, to, &enc(encoding::to_bytes(d))?)
            .await?;
    }
    let msg = PublicMessage::Contribution(c.clone());
    store
        .put_outbox(
            round,
            &contribution,
            PartyId::Coordinator,
            &enc(encoding::to_bytes(&msg))?,
        )
        .await?;
    Ok(())
}

/// The round's stored contribution and shares, if any.
async fn stored_contribution(
    store: &Store,
    header: &RoundHeader,
    nagg: usize,
) -> Result<Option<(Contribution, Vec<ShareDelivery>)>, ServiceError> {
    let round = header.round;
    let (contribution, share) = kinds(header)?;
    let bad = |what: &str| ServiceError::Protocol(format!("stored {what} of round {round}"));
    let Some(bytes) = store
        .outbox_message(round, &contribution, PartyId::Coordinator)
        .await?
    else {
        return Ok(None);
    };
    let Ok(PublicMessage::Contribution(c)) = decode_public(&bytes) else {
        return Err(bad("contribution"));
    };
    let mut deliveries = Vec::with_capacity(nagg);
    for s in (0..nagg as u32).map(AggregatorId) {
        let b = store
            .outbox_message(round, &share, PartyId::Aggregator(s))
            .await?
            .ok_or_else(|| bad("share"))?;
        deliveries.push(decode_delivery(&b).map_err(|_| bad("share"))?);
    }
    Ok(Some((c, deliveries)))
}

/// Why one delivery attempt did not end in an acknowledgement.
#[derive(Debug)]
enum DeliveryError {
    /// The aggregator refused the share: final.
    Refused(zkagg_aggregation::error::Fault),
    /// Unreachable, a lost connection, no answer: retried.
    Transient(String),
}

/// Delivers one share, retrying with bounded jittered exponential backoff
/// ([`super::reconnect_backoff`]) until it is acknowledged or `deadline`.
async fn deliver(
    client: &Client,
    addr: SocketAddr,
    d: &ShareDelivery,
    deadline: Instant,
) -> Result<(), ServiceError> {
    use backon::Retryable;
    let to = PartyId::Aggregator(d.aggregator);
    let msg = WireMessage::Delivery(d.clone());
    let attempt = || async {
        let r = async {
            let mut conn = client.connect(addr, to).await?;
            conn.send(&msg).await?;
            let r = conn.recv().await?;
            conn.close().await;
            Ok::<_, crate::transport::TransportError>(r)
        };
        match tokio::time::timeout_at(deadline, r).await {
            Ok(Ok(Some(WireMessage::Control(Control::Stored | Control::AlreadyStored)))) => Ok(()),
            Ok(Ok(Some(WireMessage::Control(Control::DeliveryRefused(f))))) => {
                Err(DeliveryError::Refused(f))
            }
            Ok(Ok(_)) => Err(DeliveryError::Transient("no acknowledgement".into())),
            Ok(Err(e)) => Err(DeliveryError::Transient(e.to_string())),
            Err(_) => Err(DeliveryError::Transient("deadline".into())),
        }
    };
    let budget = deadline.saturating_duration_since(Instant::now());
    attempt
        .retry(super::reconnect_backoff(budget))
        .when(|e| matches!(e, DeliveryError::Transient(_)))
        .notify(|e, wait| tracing::debug!(?e, %to, ?wait, "delivery failed; retrying"))
        .await
        .map_err(|e| match e {
            DeliveryError::Refused(f) => {
                ServiceError::Protocol(format!("{to} refused the share: {f}"))
            }
            DeliveryError::Transient(why) => {
                ServiceError::Network(format!("{to} unreachable ({why})"))
            }
        })
}

/// The [`CrashPoint::MidDelivery`] fault: opens a connection to the
/// aggregator, writes the first half of the delivery's frame and crashes.
async fn crash_mid_frame(client: &Client, addr: SocketAddr, d: &ShareDelivery, round: u64) -> ! {
    use tokio::io::AsyncWriteExt;
    let to = PartyId::Aggregator(d.aggregator);
    if let Ok(mut conn) = client.connect(addr, to).await {
        let msg = WireMessage::Delivery(d.clone());
        if let Ok(payload) = crate::frame::encode_payload(&msg) {
            let mut frame = ((payload.len() + 1) as u32).to_be_bytes().to_vec();
            frame.push(msg.kind().tag());
            frame.extend_from_slice(&payload);
            let half = frame.get(..frame.len() / 2).unwrap_or_default();
            let _ = conn.get_mut().write_all(half).await;
            let _ = conn.get_mut().flush().await;
        }
    }
    crash_here(CrashPoint::MidDelivery, round)
}

/// Runs provider i until the last round is closed or the shutdown flag is
/// set. `input` gives the provider's private input for a round.
pub async fn run<Rel, S>(
    ctx: Context,
    setup: Arc<Setup<Rel, S>>,
    input: impl Fn(u64) -> Rel::ProverInput,
    faults: ProviderFaults,
) -> Result<(), ServiceError>
where
    Rel: UpdateRelation<ProverInput: Send + 'static> + Send + Sync + 'static,
    S: SharingScheme + Send + Sync + 'static,
{
    let PartyId::Provider(me) = ctx.member.party else {
        return Err(ServiceError::WrongRole(ctx.member.party));
    };
    let ops = &ctx.config.operations;
    if let Some((cheat, _)) = faults.cheat {
        if cheat.needs_proof() && setup.config().validity == ValidityMode::Mpc2pc {
            return Err(ServiceError::Protocol(format!(
                "the {cheat:?} fault needs the ZK validity mode (no pi_zk in the MPC mode)"
            )));
        }
    }
    let provider = Arc::new(Provider::new(me, ctx.member.signing.clone(), setup.clone()));
    let mut view = super::View::new(&setup)?;
    let client = ctx.client();
    let mut entries = spawn_follower(ctx.client(), ops.coordinator);
    let mut poster = Poster::new(ctx.client(), ops.coordinator);
    let mut shutdown = ctx.shutdown.clone();
    let mut rng = ChaCha20Rng::from_entropy();
    let party = PartyId::Provider(me);
    let store = Store::open(ctx.member_dir.join(PROVIDER_DB)).await?;
    let nagg = setup.config().num_aggregators();
    let registered =
        |v: &super::View<Rel, S>, me: ProviderId| v.ledger.registrations().contains_key(&me);
    let mut registration_done = false;
    // The commitment of this provider's data; the registered one must be it.
    let mine = setup.relation().data_commitment(&input(0));
    let mut contributed: Option<u64> = None;
    // Set when a post moved the view (it catches up on a stale head), so
    // the state is looked at again before waiting for another entry: after
    // a restart the whole bulletin may already be in the view. Set at the
    // start too: on an empty bulletin no entry comes before the first
    // round's header, which the coordinator posts only once every provider
    // has registered (or at `start_ms`), so a provider that waited for an
    // entry before registering would hold round 0 back until then.
    let mut moved = true;
    loop {
        if !std::mem::take(&mut moved)
            && next_entry(&mut view, &mut entries, &mut shutdown, None)
                .await?
                .is_none()
        {
            return Ok(());
        }
        if view.ledger.next_round() >= ops.rounds && view.ledger.open_round().is_none() {
            tracing::info!("every round closed");
            return Ok(());
        }
        if !registration_done {
            if let Some(msg) = provider.registration(&input(0)) {
                poster
                    .post(
                        &mut view,
                        &mut entries,
                        &ctx.member.signing,
                        party,
                        &msg,
                        |v| registered(v, me),
                    )
                    .await?;
            }
            registration_done = true;
        }
        // Contribute only once the view has this provider's registration
        // (the first one on the bulletin stands), and only if it is the
        // commitment of the data given.
        if let Some(mine) = mine {
            match view.ledger.registrations().get(&me) {
                None => continue,
                Some(registered) if *registered != mine => {
                    return Err(crate::input::InputError::DataChanged.into());
                }
                Some(_) => {}
            }
        }
        let Some(open) = view.ledger.open_round() else {
            continue;
        };
        let round = open.round();
        if contributed == Some(round) {
            continue;
        }
        let on_bulletin = open.contributions().contains_key(&me);
        let header = open.header().clone();
        let (c, deliveries) = match stored_contribution(&store, &header, nagg).await? {
            // A restart: the same bytes again, posted if they are not on
            // the bulletin yet, and every share delivered again.
            Some(stored) => {
                tracing::info!(round, on_bulletin, "resuming the stored contribution");
                stored
            }
            None if on_bulletin => {
                // Posted without this store (it was removed): left out.
                tracing::warn!(
                    round,
                    "contribution on the bulletin but not stored; left out"
                );
                contributed = Some(round);
                continue;
            }
            None => {
                let x = input(round);
                // Proving takes seconds: off the async threads, so that
                // this provider's follower, its heartbeats and any other
                // task on the runtime are served meanwhile (a starved
                // follower misses its handshake and read timeouts and
                // gives up on the coordinator).
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                let (prover, h) = (provider.clone(), header.clone());
                let cheat = faults.cheat.and_then(|(k, t)| (t == round).then_some(k));
                if let Some(cheat) = cheat {
                    tracing::warn!(round, ?cheat, "cheating (fault injection)");
                }
                let (c, deliveries) = tokio::task::spawn_blocking(move || {
                    let mut rng = ChaCha20Rng::from_seed(seed);
                    contribute(&prover, &h, &x, cheat, &mut rng)
                })
                .await
                .map_err(|e| ServiceError::Protocol(format!("the prover task failed: {e}")))??;
                store_contribution(&store, &header, &c, &deliveries).await?;
                (c, deliveries)
            }
        };
        let crash = |p: CrashPoint| faults.crash == Some((p, round));
        if crash(CrashPoint::BeforePost) {
            crash_here(CrashPoint::BeforePost, round);
        }
        let msg = PublicMessage::Contribution(c);
        poster
            .post(
                &mut view,
                &mut entries,
                &ctx.member.signing,
                party,
                &msg,
                |v| {
                    v.ledger
                        .open_round()
                        .is_none_or(|o| o.round() != round || o.contributions().contains_key(&me))
                },
            )
            .await?;
        contributed = Some(round);
        moved = true;
        if view.ledger.open_round().is_none_or(|o| o.round() != round) {
            // The view had lagged: the round closed before the post.
            tracing::info!(round, "round closed before the contribution; not posted");
            continue;
        }
        tracing::info!(round, "contribution posted");
        if crash(CrashPoint::AfterPost) {
            crash_here(CrashPoint::AfterPost, round);
        }
        if faults.withhold_shares {
            tracing::warn!(round, "withholding shares (fault injection)");
            continue;
        }
        let deadline =
            Instant::now() + crate::config::Deadlines::ms(ops.deadlines.contributions_ms);
        if crash(CrashPoint::MidDelivery) {
            let addr = |d: &ShareDelivery| ctx.config.aggregator_addr(d.aggregator);
            if let [first, second, ..] = deliveries.as_slice() {
                if let (Some(a0), Some(a1)) = (addr(first), addr(second)) {
                    deliver(&client, a0, first, deadline).await?;
                    crash_mid_frame(&client, a1, second, round).await;
                }
            }
            crash_here(CrashPoint::MidDelivery, round);
        }
        // Concurrently: an unreachable aggregator must not delay the others.
        let sends = deliveries.iter().filter_map(|d| {
            let addr = ctx.config.aggregator_addr(d.aggregator)?;
            Some(deliver(&client, addr, d, deadline))
        });
        for r in futures_util::future::join_all(sends).await {
            if let Err(e) = r {
                // A lost aggregator: only its share is missing.
                tracing::warn!(%e, round, "share not delivered");
            }
        }
        tracing::info!(round, "shares delivered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkagg_aggregation::relation::BoundedVectorRelation;
    use zkagg_aggregation::sim::ConsortiumBuilder;
    use zkagg_mpc::sharing::additive::Additive;
    use zkagg_mpc::sharing::SecretSharing;
    use zkagg_zk::field::from_i64;
    use zkagg_zk::Fr;

    const D: usize = 4;

    /// Provider 0's round-0 contribution in a bounded-vector consortium
    /// with the update `x`, as `cheat` says; then the first d coordinates
    /// of what its shares reconstruct, and for each share whether it opens
    /// its posted commitment.
    fn contribution(
        cheat: Option<Cheat>,
        x: &Vec<i64>,
        seed: u64,
    ) -> (Contribution, Vec<Fr>, Vec<bool>) {
        let rel = BoundedVectorRelation::new(D, 16).unwrap();
        let sim = ConsortiumBuilder::new(rel, Additive::new(2).unwrap())
            .providers(2)
            .build()
            .unwrap();
        let setup = sim.setup();
        let header = RoundHeader {
            round: 0,
            model: vec![0; D],
        };
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (c, ds) = contribute(&sim.providers()[0], &header, x, cheat, &mut rng).unwrap();
        let len = setup.vec_len();
        let mut sum = vec![Fr::ZERO; len];
        let mut opens = Vec::new();
        for (s, d) in ds.iter().enumerate() {
            let share = setup.sharing().decode_share(s, &d.share, len).unwrap();
            let v = setup.sharing().expand(s, &share, len).unwrap();
            let pedersen = &setup.gens().pedersen;
            opens.push(
                pedersen
                    .verify_opening(&c.share_commitments[s], &v, &d.blind)
                    .is_ok(),
            );
            sum.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
        }
        sum.truncate(D);
        (c, sum, opens)
    }

    fn field(x: &[i64]) -> Vec<Fr> {
        x.iter().map(|v| from_i64(*v)).collect()
    }

    #[test]
    fn the_negated_update_is_what_the_shares_carry_and_they_open_their_commitments() {
        let x = vec![5, -7, 300, 0];
        let (honest, sum, opens) = contribution(None, &x, 1);
        assert_eq!((sum, opens), (field(&x), vec![true, true]));
        let (cheat, sum, opens) = contribution(Some(Cheat::NegatedUpdate), &x, 2);
        let negated: Vec<i64> = x.iter().map(|v| -v).collect();
        assert_eq!((sum, opens), (field(&negated), vec![true, true]));
        // A pi_zk is posted (the honest statement's), with other commitments.
        assert!(!cheat.proof.is_empty());
        assert_ne!(cheat.share_commitments, honest.share_commitments);
    }

    #[test]
    fn a_bad_share_opens_no_commitment_at_aggregator_0_only() {
        let x = vec![1, 2, 3, 4];
        let (_, sum, opens) = contribution(Some(Cheat::BadShare), &x, 3);
        assert_eq!((sum, opens), (field(&x), vec![false, true]));
    }

    #[test]
    fn a_corrupt_proof_still_decodes_and_keeps_the_shares_honest() {
        let x = vec![1, 2, 3, 4];
        for seed in 0..8 {
            let (c, sum, opens) = contribution(Some(Cheat::CorruptProof), &x, seed);
            assert_eq!((sum, opens), (field(&x), vec![true, true]));
            let decoded = zkagg_zk::spartan::NizkProof::from_bytes(&c.proof);
            assert!(decoded.is_ok(), "seed {seed}, {} bytes", c.proof.len());
        }
    }
}
