//! The provider service: registers if the relation commits to data, then
//! for each round follows the header, computes its update, proves, posts
//! its contribution and delivers share s to aggregator s (each delivery
//! retried, bounded, until the aggregator acknowledges that it stored it).

use super::{next_entry, spawn_follower, Context, Poster, ServiceError};
use crate::frame::{Control, WireMessage};
use crate::transport::Client;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use zkagg_aggregation::msgs::{PublicMessage, ShareDelivery};
use zkagg_aggregation::provider::Provider;
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::{PartyId, ProviderId};

/// Test and demo faults a provider can be told to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProviderFaults {
    /// Post contributions but never deliver the shares.
    pub withhold_shares: bool,
}

/// Delivers one share, retrying until it is acknowledged or `deadline`.
async fn deliver(
    client: &Client,
    addr: SocketAddr,
    d: &ShareDelivery,
    deadline: Instant,
) -> Result<(), ServiceError> {
    let to = PartyId::Aggregator(d.aggregator);
    let msg = WireMessage::Delivery(d.clone());
    let mut backoff = Duration::from_millis(50);
    loop {
        let attempt = async {
            let mut conn = client.connect(addr, to).await?;
            conn.send(&msg).await?;
            let r = conn.recv().await?;
            conn.close().await;
            Ok::<_, crate::transport::TransportError>(r)
        };
        match attempt.await {
            Ok(Some(WireMessage::Control(Control::Stored | Control::AlreadyStored))) => {
                return Ok(())
            }
            Ok(Some(WireMessage::Control(Control::DeliveryRefused(f)))) => {
                return Err(ServiceError::Protocol(format!(
                    "{to} refused the share: {f}"
                )));
            }
            Ok(_) => tracing::debug!(%to, "no acknowledgement"),
            Err(e) => tracing::debug!(%e, %to, "delivery failed"),
        }
        if Instant::now() + backoff > deadline {
            return Err(ServiceError::Network(format!("{to} unreachable")));
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
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
    let provider = Arc::new(Provider::new(me, ctx.member.signing.clone(), setup.clone()));
    let mut view = super::View::new(&setup)?;
    let client = ctx.client();
    let mut entries = spawn_follower(ctx.client(), ops.coordinator);
    let mut poster = Poster::new(ctx.client(), ops.coordinator);
    let mut shutdown = ctx.shutdown.clone();
    let mut rng = ChaCha20Rng::from_entropy();
    let party = PartyId::Provider(me);
    let registered =
        |v: &super::View<Rel, S>, me: ProviderId| v.ledger.registrations().contains_key(&me);
    let mut registration_done = false;
    // The commitment of this provider's data; the registered one must be it.
    let mine = setup.relation().data_commitment(&input(0));
    let mut contributed: Option<u64> = None;
    // Set when a post moved the view (it catches up on a stale head), so
    // the state is looked at again before waiting for another entry: after
    // a restart the whole bulletin may already be in the view.
    let mut moved = false;
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
        if contributed == Some(round) || open.contributions().contains_key(&me) {
            continue;
        }
        let header = open.header().clone();
        let x = input(round);
        // Proving takes seconds: off the async threads, so that this
        // provider's follower, its heartbeats and any other task on the
        // runtime are served meanwhile (a starved follower misses its
        // handshake and read timeouts and gives up on the coordinator).
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let prover = provider.clone();
        let (c, deliveries) = tokio::task::spawn_blocking(move || {
            let mut rng = ChaCha20Rng::from_seed(seed);
            prover
                .start_round(&header)
                .commit(&x, &mut rng)
                .and_then(|committed| committed.prove(&mut rng))
        })
        .await
        .map_err(|e| ServiceError::Protocol(format!("the prover task failed: {e}")))??;
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
        if faults.withhold_shares {
            tracing::warn!(round, "withholding shares (fault injection)");
            continue;
        }
        let deadline =
            Instant::now() + crate::config::Deadlines::ms(ops.deadlines.contributions_ms);
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
