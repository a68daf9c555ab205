//! The status answer of a service: any authenticated member may send
//! [`Control::Status`](crate::frame::Control::Status) to the coordinator or
//! to an aggregator's delivery endpoint (and an operator may, with the
//! member's own certificate, ask its own service: `zkagg status`); the
//! answer is [`Control::StatusReport`](crate::frame::Control::StatusReport)
//! with the service's role, its view of the rounds and the bulletin, and
//! its uptime. It is public data only (what the bulletin shows), so it is
//! answered to every member alike.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;
use std::time::Instant;
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::ledger::Ledger;
use zkagg_aggregation::PartyId;

/// Where a service is in the round schedule, by its copy of the bulletin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// No round open, more to run.
    BetweenRounds,
    /// A round is open; not every accepted set is in.
    Contributions,
    /// Every accepted set is in (or the coordinator closed the set phase):
    /// the partial sums are awaited.
    PartialSums,
    /// Every round is closed.
    Done,
}

/// A service's answer to a status request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// Who answers.
    pub party: PartyId,
    /// The open round, if any.
    pub open_round: Option<u64>,
    /// The next round to open.
    pub next_round: u64,
    /// The phase of the schedule.
    pub phase: Phase,
    /// The length of the service's verified copy of the bulletin.
    pub bulletin_len: u64,
    /// Its head (the hash of its last entry).
    pub head: [u8; 32],
    /// Milliseconds since the service started.
    pub uptime_ms: u64,
}

/// The status of a view of the bulletin (the coordinator's own, or a
/// follower's), `rounds` being the rounds to run.
pub fn snapshot<Rel: zkagg_aggregation::relation::UpdateRelation, S>(
    party: PartyId,
    started: Instant,
    bulletin: &Bulletin,
    ledger: &Ledger<Rel, S>,
    (nagg, rounds): (usize, u64),
) -> ServiceStatus {
    let open = ledger.open_round();
    let phase = match open {
        None if ledger.next_round() >= rounds => Phase::Done,
        None => Phase::BetweenRounds,
        Some(o) if o.sets_closed().is_some() || o.accepted_sets().len() >= nagg => {
            Phase::PartialSums
        }
        Some(_) => Phase::Contributions,
    };
    ServiceStatus {
        party,
        open_round: open.map(|o| o.round()),
        next_round: ledger.next_round(),
        phase,
        bulletin_len: bulletin.len(),
        head: bulletin.head(),
        uptime_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// The latest status of a service whose view lives on another task (an
/// aggregator's drive loop), read by its endpoint's connections.
#[derive(Debug)]
pub struct StatusBoard {
    started: Instant,
    latest: Mutex<ServiceStatus>,
}

impl StatusBoard {
    /// A board for `party`, with an empty view.
    pub fn new(party: PartyId) -> StatusBoard {
        let started = Instant::now();
        StatusBoard {
            started,
            latest: Mutex::new(ServiceStatus {
                party,
                open_round: None,
                next_round: 0,
                phase: Phase::BetweenRounds,
                bulletin_len: 0,
                head: [0; 32],
                uptime_ms: 0,
            }),
        }
    }

    /// Records the status of the view.
    pub fn update<Rel: zkagg_aggregation::relation::UpdateRelation, S>(
        &self,
        bulletin: &Bulletin,
        ledger: &Ledger<Rel, S>,
        shape: (usize, u64),
    ) {
        if let Ok(mut l) = self.latest.lock() {
            *l = snapshot(l.party, self.started, bulletin, ledger, shape);
        }
    }

    /// The status now (the uptime is current).
    pub fn report(&self) -> Option<ServiceStatus> {
        let mut s = self.latest.lock().ok()?.clone();
        s.uptime_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Some(s)
    }
}

/// Asks the service of `target` for its status as the member in
/// `member_dir`: by default the member's own service (the coordinator or
/// an aggregator), or the coordinator for a provider (which serves
/// nothing). Bounded by `bound`.
pub async fn ask(
    config_file: &std::path::Path,
    member_dir: &std::path::Path,
    target: Option<PartyId>,
    bound: std::time::Duration,
) -> Result<ServiceStatus, super::ServiceError> {
    use super::ServiceError;
    use crate::frame::{Control, WireMessage};
    let config = crate::config::NodeConfig::load(config_file)?;
    let member = crate::config::Member::load(member_dir, &config.consortium)?;
    let target = target.unwrap_or(match member.party {
        PartyId::Provider(_) => PartyId::Coordinator,
        own => own,
    });
    let addr = match target {
        PartyId::Coordinator => Some(config.operations.coordinator),
        PartyId::Aggregator(s) => config.aggregator_addr(s),
        PartyId::Provider(_) => None,
    }
    .ok_or_else(|| ServiceError::Protocol(format!("{target} serves no status")))?;
    let client = crate::transport::Client::new(
        &config.consortium,
        member.ca.clone(),
        member.identity.clone(),
        super::service_limits(),
        crate::frame::FrameCaps::for_config(&config.consortium),
    );
    let exchange = async {
        let mut conn = client.connect(addr, target).await?;
        conn.send(&WireMessage::Control(Control::Status)).await?;
        let answer = conn.recv().await?;
        conn.close().await;
        Ok::<_, crate::transport::TransportError>(answer)
    };
    match tokio::time::timeout(bound, exchange).await {
        Err(_) => Err(ServiceError::Network(format!(
            "{target}: no answer in time"
        ))),
        Ok(Err(e)) => Err(e.into()),
        Ok(Ok(Some(WireMessage::Control(Control::StatusReport(s))))) if s.party == target => Ok(s),
        Ok(Ok(other)) => Err(ServiceError::Protocol(format!(
            "{target} answered the status request with {other:?}"
        ))),
    }
}
