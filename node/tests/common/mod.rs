//! Test harness: a small config, a consortium PKI and a recording server.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use zkagg_aggregation::config::{
    ConsortiumConfig, RelationConfig, SharingConfig, ValidityMode, CONFIG_VERSION,
};
use zkagg_aggregation::sim::demo_keys;
use zkagg_aggregation::PartyId;
use zkagg_node::frame::{Control, FrameCaps, WireMessage};
use zkagg_node::pki::{ConsortiumCa, Identity, Validity};
use zkagg_node::transport::{Client, Limits, Server, ServerStats, TransportError};

/// What the test server's handler saw.
pub type Event = (PartyId, Result<WireMessage, TransportError>);

pub fn config() -> Arc<ConsortiumConfig> {
    let key = |label, n| {
        demo_keys(11, label, n)
            .iter()
            .map(|k| k.verifying_key().to_bytes())
            .collect::<Vec<_>>()
    };
    Arc::new(ConsortiumConfig {
        version: CONFIG_VERSION,
        name: "node-test".into(),
        dim: 4,
        relation: RelationConfig::BoundedVector { bits: 16 },
        proof_system: Default::default(),
        sharing: SharingConfig::Additive,
        validity: ValidityMode::ZkProof,
        min_batch: 1,
        initial_model: vec![0; 4],
        data: None,
        coordinator_key: key(0, 1)[0],
        aggregator_keys: key(1, 2),
        provider_keys: key(2, 3),
    })
}

pub struct Pki {
    pub config: Arc<ConsortiumConfig>,
    pub ca: ConsortiumCa,
    pub id: [u8; 32],
}

impl Pki {
    pub fn new() -> Pki {
        let config = config();
        config.validate().unwrap();
        let id = config.id();
        Pki {
            config,
            ca: ConsortiumCa::generate("node-test", Validity::days_from_now(1)).unwrap(),
            id,
        }
    }

    pub fn identity(&self, party: PartyId) -> Identity {
        self.ca
            .issue(&self.id, party, Validity::days_from_now(1))
            .unwrap()
    }

    pub fn caps(&self) -> FrameCaps {
        FrameCaps::for_config(&self.config)
    }

    pub fn client(&self, party: PartyId, limits: Limits) -> Client {
        Client::new(
            &self.config,
            self.ca.cert().clone(),
            self.identity(party),
            limits,
            self.caps(),
        )
    }
}

pub fn fast_limits() -> Limits {
    Limits {
        handshake_timeout: Duration::from_millis(2000),
        read_timeout: Duration::from_millis(2000),
        idle_timeout: Duration::from_millis(3000),
        max_connections: 512,
        max_per_peer: 8,
    }
}

pub struct Running {
    pub addr: SocketAddr,
    pub stats: Arc<ServerStats>,
    pub events: mpsc::UnboundedReceiver<Event>,
    _stop: oneshot::Sender<()>,
}

/// Starts an endpoint as `me` that records every message (replying
/// `Stored`) and every error its handler sees.
pub async fn start(
    pki: &Pki,
    me: PartyId,
    allowed: fn(PartyId) -> bool,
    limits: Limits,
) -> Running {
    let server = Server::new(
        pki.config.clone(),
        pki.ca.cert(),
        pki.identity(me),
        allowed,
        limits,
        pki.caps(),
    )
    .unwrap();
    let stats = server.stats();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve(
        listener,
        move |mut conn| {
            let tx = tx.clone();
            async move {
                // Bounded: a test connection carries few messages.
                for _ in 0..1000 {
                    match conn.recv().await {
                        Ok(Some(m)) => {
                            let _ = tx.send((conn.peer(), Ok(m)));
                            let reply = WireMessage::Control(Control::Stored);
                            if conn.send(&reply).await.is_err() {
                                return;
                            }
                        }
                        Ok(None) => return,
                        Err(e) => {
                            let _ = tx.send((conn.peer(), Err(e)));
                            return;
                        }
                    }
                }
            }
        },
        async {
            let _ = stopped.await;
        },
    ));
    Running {
        addr,
        stats,
        events,
        _stop: stop,
    }
}

/// Waits (bounded) until `cond` holds.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..400 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// An honest round trip: `party` sends a control message and gets `Stored`.
pub async fn honest_round_trip(pki: &Pki, run: &mut Running, me: PartyId, party: PartyId) {
    let client = pki.client(party, fast_limits());
    let mut conn = client.connect(run.addr, me).await.unwrap();
    let msg = WireMessage::Control(Control::Follow { from_seq: 7 });
    conn.send(&msg).await.unwrap();
    let reply = conn.recv().await.unwrap();
    assert_eq!(reply, Some(WireMessage::Control(Control::Stored)));
    conn.close().await;
    let (peer, got) = tokio::time::timeout(Duration::from_secs(5), run.events.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(peer, party);
    assert_eq!(got.unwrap(), msg);
}
