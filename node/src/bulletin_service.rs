//! A minimal bulletin service: the coordinator keeps the bulletin in a
//! [`Store`] and serves `post(entry)` and `follow(from_seq)` over the
//! mutual-TLS transport.
//!
//! A posted entry is checked against the bulletin ([`Bulletin::check`]:
//! chain, signature, payload, sender), its sender must be the
//! authenticated peer, it is stored durably and only then appended and
//! announced. A refusal is data ([`PostRefusal`]). A follower receives
//! every entry from its `from_seq` on, then each new one, and verifies
//! each itself ([`follow`]). The ledger's sequence rules are not applied
//! here: the coordinator process uses
//! [`crate::service::coordinator::CoordinatorService`], which posts through
//! `Coordinator::submit` and sends heartbeats to idle followers. Not audited.

use crate::frame::{Control, PostRefusal, WireMessage};
use crate::store::{Store, StoreError};
use crate::transport::{Conn, TransportError};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{watch, Mutex};
use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::config::ConsortiumConfig;
use zkagg_aggregation::{AggError, PartyId};

/// Entries sent to a follower per store read.
const FOLLOW_PAGE: usize = 64;

/// The coordinator's bulletin, durable and shared by its connections.
pub struct BulletinService {
    bulletin: Mutex<Bulletin>,
    store: Store,
    len: watch::Sender<u64>,
}

impl BulletinService {
    /// Loads (and re-checks) the stored bulletin.
    pub async fn open(
        config: ConsortiumConfig,
        store: Store,
    ) -> Result<Arc<BulletinService>, StoreError> {
        let bulletin = store.load_bulletin(config).await?;
        let (len, _) = watch::channel(bulletin.len());
        Ok(Arc::new(BulletinService {
            bulletin: Mutex::new(bulletin),
            store,
            len,
        }))
    }

    /// The number of entries.
    pub async fn len(&self) -> u64 {
        self.bulletin.lock().await.len()
    }

    /// Whether the bulletin is empty.
    pub async fn is_empty(&self) -> bool {
        self.len().await == 0
    }

    /// Posts `entry` on behalf of the authenticated `peer`.
    pub async fn post(&self, peer: PartyId, entry: Entry) -> Result<u64, PostRefusal> {
        if entry.sender != peer {
            return Err(PostRefusal::SenderNotPeer);
        }
        let mut b = self.bulletin.lock().await;
        if entry.seq != b.len() || entry.prev != b.head() {
            return Err(PostRefusal::StaleHead { len: b.len() });
        }
        match b.check(&entry) {
            Ok(_) => {}
            Err(AggError::Peer { fault, .. }) => return Err(PostRefusal::Fault(fault)),
            Err(_) => return Err(PostRefusal::Unavailable),
        }
        if let Err(e) = self.store.append_entry(&entry).await {
            tracing::error!(%e, "bulletin store append failed");
            return Err(PostRefusal::Unavailable);
        }
        let seq = entry.seq;
        // Checked above under the same lock: this cannot fail.
        if b.append(entry).is_err() {
            return Err(PostRefusal::Unavailable);
        }
        self.len.send_replace(b.len());
        Ok(seq)
    }

    /// Serves one connection: posts are answered with `Posted` or
    /// `Refused`; after `Follow` the peer is sent entries as they come.
    pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(self: Arc<Self>, mut conn: Conn<S>) {
        let mut next: Option<u64> = None;
        let mut len = self.len.subscribe();
        loop {
            if let Some(from) = next {
                if from < *len.borrow_and_update() {
                    let Ok(page) = self.store.entries(from, FOLLOW_PAGE).await else {
                        return;
                    };
                    for e in page {
                        next = Some(e.seq + 1);
                        if conn.send(&WireMessage::Entry(e)).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
            }
            let msg = tokio::select! {
                m = conn.recv() => m,
                c = len.changed(), if next.is_some() => {
                    if c.is_err() {
                        return;
                    }
                    continue;
                }
            };
            let reply = match msg {
                Ok(Some(WireMessage::Entry(e))) => match self.post(conn.peer(), e).await {
                    Ok(seq) => Control::Posted { seq },
                    Err(r) => Control::Refused(r),
                },
                Ok(Some(WireMessage::Control(Control::Follow { from_seq }))) => {
                    next = Some(from_seq);
                    continue;
                }
                Ok(None) => return,
                Ok(Some(_)) | Err(_) => {
                    // A message this endpoint does not take, or a bad
                    // frame: close.
                    return;
                }
            };
            if conn.send(&WireMessage::Control(reply)).await.is_err() {
                return;
            }
        }
    }
}

/// Errors of a bulletin client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FollowError {
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] TransportError),
    /// The coordinator sent an entry that does not verify.
    #[error("bad entry from the coordinator: {0}")]
    BadEntry(AggError),
    /// The coordinator sent something other than what was asked.
    #[error("unexpected message")]
    Unexpected,
    /// The connection closed.
    #[error("connection closed")]
    Closed,
}

/// Posts an entry and returns the coordinator's answer.
pub async fn post<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    entry: Entry,
) -> Result<Result<u64, PostRefusal>, FollowError> {
    conn.send(&WireMessage::Entry(entry)).await?;
    match conn.recv().await? {
        Some(WireMessage::Control(Control::Posted { seq })) => Ok(Ok(seq)),
        Some(WireMessage::Control(Control::Refused(r))) => Ok(Err(r)),
        Some(_) => Err(FollowError::Unexpected),
        None => Err(FollowError::Closed),
    }
}

/// Asks to follow from the bulletin's current length on.
pub async fn start_follow<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    bulletin: &Bulletin,
) -> Result<(), FollowError> {
    let from_seq = bulletin.len();
    conn.send(&WireMessage::Control(Control::Follow { from_seq }))
        .await?;
    Ok(())
}

/// Receives the next followed entry and appends it to `bulletin` after
/// checking it (chain, signature, payload, sender).
pub async fn follow<S: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<S>,
    bulletin: &mut Bulletin,
) -> Result<u64, FollowError> {
    match conn.recv().await? {
        Some(WireMessage::Entry(e)) => {
            let seq = e.seq;
            bulletin.append(e).map_err(FollowError::BadEntry)?;
            Ok(seq)
        }
        Some(_) => Err(FollowError::Unexpected),
        None => Err(FollowError::Closed),
    }
}
