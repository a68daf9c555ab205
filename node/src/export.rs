//! The public bulletin as a file, for auditors.
//!
//! Two ways to get it, both writing [`Bulletin::to_bytes`] atomically
//! ([`write_atomic`]: a temporary file in the same folder, synced, then
//! renamed over the target, so a reader never sees half a file):
//! - the coordinator writes `operations.bulletin_file` (if set) after each
//!   round close and at the end;
//! - any provider or aggregator fetches the whole bulletin from the
//!   coordinator over mutual TLS ([`fetch`]), checking every entry as a
//!   follower does (chain, strict signature, sender's role, then the
//!   ledger's sequence rules, stray entries kept but not applied): what it
//!   writes is what the coordinator showed it, and a coordinator that
//!   serves a bad entry is named at that entry.
//!
//! Neither file is trusted by the auditor: it re-checks everything.

use crate::config::{build_setup, Member, NodeConfig, SetupVisitor};
use crate::frame::{Control, WireMessage};
use crate::service::{service_limits, ServiceError, View};
use crate::transport::Client;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::Setup;
use zkagg_aggregation::PartyId;

/// Writes `bytes` to `path` atomically: a temporary file beside it
/// (`<name>.tmp`), written and synced, then renamed over `path`, and the
/// folder synced (on Unix).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// [`write_atomic`] on the blocking pool (the file I/O stays off the async
/// threads); an error names the path.
pub async fn write_atomic_async(path: &Path, bytes: Vec<u8>) -> Result<(), ServiceError> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || write_atomic(&p, &bytes))
        .await
        .map_err(|e| ServiceError::Network(format!("{}: {e}", path.display())))?
        .map_err(|e| ServiceError::Network(format!("{}: {e}", path.display())))
}

/// Fetches the coordinator's whole bulletin as the member in `member_dir`
/// (a provider or an aggregator), checking every entry, within `bound`.
/// The fetch ends at the first heartbeat that reports no entry beyond the
/// ones received (the coordinator sends one as soon as a follower is
/// caught up).
pub async fn fetch(
    config_file: &Path,
    member_dir: &Path,
    bound: Duration,
) -> Result<Bulletin, ServiceError> {
    let config = NodeConfig::load(config_file)?;
    let member = Member::load(member_dir, &config.consortium)?;
    if member.party == PartyId::Coordinator {
        return Err(ServiceError::WrongRole(member.party));
    }
    let client = Client::new(
        &config.consortium,
        member.ca.clone(),
        member.identity.clone(),
        service_limits(),
        crate::frame::FrameCaps::for_config(&config.consortium),
    );
    let addr = config.operations.coordinator;
    let run = async {
        build_setup(&config.consortium)?
            .visit(FollowAll {
                client: &client,
                addr,
            })
            .await
    };
    tokio::time::timeout(bound, run).await.map_err(|_| {
        ServiceError::Network(format!("the bulletin did not arrive within {bound:?}"))
    })?
}

/// Follows the bulletin to its end with the config's setup.
struct FollowAll<'a> {
    client: &'a Client,
    addr: std::net::SocketAddr,
}

impl<'a> SetupVisitor for FollowAll<'a> {
    type Output = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Bulletin, ServiceError>> + Send + 'a>,
    >;

    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: crate::input::NodeRelation,
        S: zkagg_aggregation::setup::SharingScheme + Send + Sync + 'static,
    {
        Box::pin(follow_all(self.client, self.addr, Arc::new(setup)))
    }
}

async fn follow_all<Rel: UpdateRelation, S>(
    client: &Client,
    addr: std::net::SocketAddr,
    setup: Arc<Setup<Rel, S>>,
) -> Result<Bulletin, ServiceError> {
    let mut view = View::new(&setup)?;
    let mut conn = client.connect(addr, PartyId::Coordinator).await?;
    conn.send(&WireMessage::Control(Control::Follow { from_seq: 0 }))
        .await?;
    loop {
        match conn.recv().await? {
            Some(WireMessage::Entry(e)) => {
                let seq = e.seq;
                view.apply(e).map_err(|err| {
                    ServiceError::Protocol(format!("entry {seq} from the coordinator: {err}"))
                })?;
            }
            Some(WireMessage::Control(Control::Heartbeat { len })) => {
                if len <= view.bulletin.len() {
                    conn.close().await;
                    return Ok(view.bulletin);
                }
            }
            Some(_) => {
                return Err(ServiceError::Protocol(
                    "unexpected message from the coordinator".into(),
                ))
            }
            None => {
                return Err(ServiceError::Network(
                    "the coordinator closed the connection".into(),
                ))
            }
        }
    }
}
