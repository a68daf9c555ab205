//! Hostile input against a running consortium of processes (coordinator,
//! two aggregators, three providers over mutual TLS on loopback). The
//! attacker holds the certificate and signing key of a fourth provider
//! that the test never starts as a service. While the rounds run it sends
//! the coordinator and an aggregator a malformed frame of every type, posts
//! and deliveries that are wrong in every way the services check, a 2^32 - 1
//! length prefix, a flood of oversize frames and 500 idle half-open TCP
//! connections each; aggregator 1 and the coordinator, whose certificates
//! the aggregator admits for the status answer, each try to deliver a
//! share in a provider's name. Every refusal the protocol answers is
//! compared with `==`; where it answers none the connection must be
//! closed; each service stays up, names every rejection in its log, keeps
//! its peak memory bounded, and the consortium releases the models of the
//! in-process simulation (the attacker absent) with a bulletin that passes
//! the audit.

mod common;

use common::procs::{audit, loopback_ports, released, simulated_release, Group};
use common::temp_dir;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zkagg::aggregation::bulletin::{Bulletin, Entry};
use zkagg::aggregation::config::SharingConfig;
use zkagg::aggregation::error::Fault;
use zkagg::aggregation::msgs::{
    decode_delivery, PublicMessage, RoundHeader, ShareDelivery, ValidityMessage,
};
use zkagg::aggregation::provider::Provider;
use zkagg::aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg::mpc::sharing::additive::Additive;
use zkagg_node::config::{build_setup, generate, AnySetup, Deadlines, GenerateParams, Member};
use zkagg_node::frame::{encode_payload, Control, FrameCaps, Kind, PostRefusal, WireMessage};
use zkagg_node::transport::{Client, ClientConn, Limits, TransportError};

const D: usize = 4;
const BITS: u32 = 16;
const SEED: u64 = 5;
const ROUNDS: u64 = 2;
/// Providers in the config; the last one is the attacker's.
const PROVIDERS: u32 = 4;
const ATTACKER: ProviderId = ProviderId(3);
const AGG0: PartyId = PartyId::Aggregator(AggregatorId(0));
/// Idle half-open TCP connections opened to each of the two services.
const HALF_OPEN: usize = 500;
/// Connections of the oversize flood, to each service.
const FLOOD: usize = 40;
/// The bound on a service's peak resident memory under attack.
const MAX_RSS_KIB: u64 = 200 * 1024;

/// The attacker: provider 3's certificate and key, its own view of the
/// bulletin, and the services' addresses.
struct Attacker {
    client: Client,
    member: Member,
    coordinator: SocketAddr,
    aggregator: SocketAddr,
    follow: ClientConn,
    view: Bulletin,
}

fn limits() -> Limits {
    Limits {
        handshake_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(10),
        max_connections: 16,
        max_per_peer: 16,
    }
}

impl Attacker {
    async fn connect(&self, to: PartyId) -> ClientConn {
        let addr = if to == PartyId::Coordinator {
            self.coordinator
        } else {
            self.aggregator
        };
        self.client.connect(addr, to).await.unwrap()
    }

    /// Reads followed entries (checking each) until `until` holds.
    async fn follow_until(&mut self, until: impl Fn(&Bulletin) -> bool) {
        let bound = tokio::time::Instant::now() + Duration::from_secs(30);
        while !until(&self.view) {
            let got = tokio::time::timeout_at(bound, self.follow.recv()).await;
            match got.expect("the bulletin did not move").unwrap() {
                Some(WireMessage::Entry(e)) => {
                    self.view.append(e).unwrap();
                }
                Some(WireMessage::Control(Control::Heartbeat { .. })) => {}
                other => panic!("unexpected from the coordinator: {other:?}"),
            }
        }
    }

    /// Sends one message on a fresh connection and returns the answer
    /// (the connection is then closed).
    async fn ask(&self, to: PartyId, msg: &WireMessage) -> Control {
        let mut conn = self.connect(to).await;
        conn.send(msg).await.unwrap();
        let answer = conn.recv().await;
        conn.close().await;
        match answer {
            Ok(Some(WireMessage::Control(c))) => c,
            other => panic!("{to} answered {other:?}"),
        }
    }

    /// Posts the entry `sign` makes at the attacker's head, on fresh
    /// connections, until the answer is not a stale head (the honest
    /// parties move the head too); returns that answer.
    async fn post_at_head(&mut self, sign: impl Fn(&Bulletin) -> Entry) -> Control {
        for _ in 0..20 {
            let entry = sign(&self.view);
            match self
                .ask(PartyId::Coordinator, &WireMessage::Entry(entry))
                .await
            {
                Control::Refused(PostRefusal::StaleHead { len }) => {
                    self.follow_until(|b| b.len() >= len).await;
                }
                answer => return answer,
            }
        }
        panic!("the head never held still");
    }

    /// Writes raw application bytes on a fresh authenticated connection
    /// (ending the stream after them if `end`) and checks that the service
    /// closes it without answering.
    async fn send_raw(&self, to: PartyId, bytes: &[u8], end: bool) {
        let mut conn = self.connect(to).await;
        let raw = conn.get_mut();
        // The service may close while a long write is in flight.
        let _ = raw.write_all(bytes).await;
        let _ = raw.flush().await;
        if end {
            let _ = raw.shutdown().await;
        }
        closed_without_answer(conn, to).await;
    }
}

/// Checks that `to` closes `conn` without answering what was sent on it.
async fn closed_without_answer(mut conn: ClientConn, to: PartyId) {
    match conn.recv().await {
        Ok(None) => {}
        Err(TransportError::Timeout) => panic!("{to} kept a bad connection open"),
        Err(_) => {}
        Ok(Some(m)) => panic!("{to} answered with {m:?}"),
    }
}

/// A frame: 4-byte big-endian length (tag included), tag, payload.
fn frame(tag: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = ((payload.len() + 1) as u32).to_be_bytes().to_vec();
    f.push(tag);
    f.extend_from_slice(payload);
    f
}

/// The same payload with its first varint (a field or a variant index
/// below 128) re-encoded with a redundant continuation byte.
fn redundant_varint(payload: &[u8]) -> Vec<u8> {
    assert!(payload[0] < 0x80);
    let mut p = vec![payload[0] | 0x80, 0];
    p.extend_from_slice(&payload[1..]);
    p
}

/// The malformed variants of a well-formed message: cut short, a redundant
/// varint byte, a trailing byte, and a frame the stream ends inside.
async fn malformed_variants(a: &Attacker, to: PartyId, msg: &WireMessage) {
    let tag = msg.kind().tag();
    let p = encode_payload(msg).unwrap();
    a.send_raw(to, &frame(tag, &p[..p.len() - 1]), false).await;
    a.send_raw(to, &frame(tag, &redundant_varint(&p)), false)
        .await;
    let mut trailing = p.clone();
    trailing.push(0);
    a.send_raw(to, &frame(tag, &trailing), false).await;
    let whole = frame(tag, &p);
    a.send_raw(to, &whole[..whole.len() - 1], true).await;
}

/// A contribution and its deliveries from the attacker for `round` (the
/// header it proves against need not be on the bulletin).
fn contribution(
    provider: &Provider<zkagg::aggregation::relation::BoundedVectorRelation, Additive>,
    round: u64,
    rng: &mut ChaCha20Rng,
) -> (PublicMessage, Vec<ShareDelivery>) {
    let header = RoundHeader {
        round,
        model: vec![0; D],
    };
    let x = vec![1i64; D];
    let (c, ds) = provider
        .start_round(&header)
        .commit(&x, rng)
        .and_then(|c| c.prove(rng))
        .unwrap();
    (PublicMessage::Contribution(c), ds)
}

/// Opens `n` TCP connections to `addr` that never finish (or never start)
/// a TLS handshake: every other one sends the first bytes of a record.
async fn half_open(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let mut s = TcpStream::connect(addr).await.unwrap();
        if i % 2 == 1 {
            s.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
        }
        v.push(s);
    }
    v
}

/// Waits (bounded) until the service has closed every half-open
/// connection: a read gives end of stream or a reset, never data.
async fn all_closed(conns: Vec<TcpStream>, bound: Duration) {
    let end = tokio::time::Instant::now() + bound;
    for mut s in conns {
        let mut buf = [0u8; 64];
        match tokio::time::timeout_at(end, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {}
            Ok(Ok(n)) => panic!("a half-open connection got {n} bytes"),
            Err(_) => panic!("a half-open connection is still open after {bound:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_is_refused_by_name_and_the_rounds_release_the_sim_models() {
    // 2 x 500 half-open connections in this process, and as many accepted
    // sockets in each service: well under the usual descriptor limits, but
    // say so if this machine's is lower.
    let dir = temp_dir("hostile");
    let addrs = loopback_ports(3);
    let g = generate(
        &dir.join("consortium"),
        &GenerateParams {
            name: "hostile".into(),
            aggregators: 2,
            providers: PROVIDERS as usize,
            dim: D as u32,
            relation: zkagg::aggregation::config::RelationConfig::BoundedVector { bits: BITS },
            data: None,
            initial_model: None,
            sharing: SharingConfig::Additive,
            backend: zkagg::zk::proof_system::Backend::Libspartan,
            min_batch: 2,
            coordinator: addrs[0],
            aggregator_addrs: addrs[1..].to_vec(),
            deadlines: Deadlines {
                start_ms: 20_000,
                // The attacker never contributes: each round waits this long.
                contributions_ms: 4_000,
                accepted_sets_ms: 4_000,
                partial_sums_ms: 4_000,
                linger_ms: 300,
            },
            rounds: ROUNDS,
            seed: SEED,
        },
    )
    .unwrap();
    let cfg = g.config_file.to_str().unwrap();
    let metrics = |name: &str| dir.join(format!("{name}.metrics.json"));
    let mut group = Group::new(&dir);
    let member = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let services = ["coordinator", "aggregator-0", "aggregator-1"];
    let folders = [&g.coordinator, &g.aggregators[0], &g.aggregators[1]];
    for (name, folder) in services.iter().zip(folders) {
        let role = name.split('-').next().unwrap();
        let (m, out) = (member(folder), metrics(name));
        let args = [role, "--config", cfg, "--member", &m, "--metrics"];
        group.start(name, &[&args[..], &[out.to_str().unwrap()]].concat());
    }
    for (i, folder) in g.providers.iter().take(3).enumerate() {
        let m = member(folder);
        group.start(
            &format!("provider-{i}"),
            &["provider", "--config", cfg, "--member", &m],
        );
    }
    group.await_log(
        "coordinator",
        "coordinator listening",
        Duration::from_secs(30),
    );
    group.await_log(
        "aggregator-0",
        "aggregator listening",
        Duration::from_secs(30),
    );

    let consortium = &g.config.consortium;
    let attacker_member = Member::load(&g.providers[ATTACKER.index()], consortium).unwrap();
    let caps = FrameCaps::for_config(consortium);
    let client = Client::new(
        consortium,
        attacker_member.ca.clone(),
        attacker_member.identity.clone(),
        limits(),
        caps,
    );
    let mut follow = client
        .connect(addrs[0], PartyId::Coordinator)
        .await
        .unwrap();
    follow
        .send(&WireMessage::Control(Control::Follow { from_seq: 0 }))
        .await
        .unwrap();
    let mut a = Attacker {
        client,
        member: attacker_member,
        coordinator: addrs[0],
        aggregator: addrs[1],
        follow,
        view: Bulletin::new(consortium.clone()).unwrap(),
    };

    // Hold 500 half-open connections at each service while the rest goes on.
    let held_c = half_open(a.coordinator, HALF_OPEN).await;
    let held_a = half_open(a.aggregator, HALF_OPEN).await;

    // Round 0 is open once the header is on the bulletin.
    let round_open = |b: &Bulletin| {
        b.messages()
            .any(|(_, m)| matches!(m, PublicMessage::RoundHeader(h) if h.round == 0))
    };
    a.follow_until(round_open).await;

    let AnySetup::BoundedAdditive(setup) = build_setup(consortium).unwrap() else {
        panic!("additive config");
    };
    let provider = Provider::new(ATTACKER, a.member.signing.clone(), Arc::new(setup));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (round0, _) = contribution(&provider, 0, &mut rng);
    let (round7, deliveries7) = contribution(&provider, 7, &mut rng);
    let (_, deliveries1) = contribution(&provider, 1, &mut rng);
    let (_, other1) = contribution(&provider, 1, &mut rng);
    let me = PartyId::Provider(ATTACKER);
    let key = Member::load(&g.providers[ATTACKER.index()], consortium).unwrap();
    // Another party's real key.
    let stranger = Member::load(&g.providers[0], consortium).unwrap();

    // Posts, each on its own connection: refused by name.
    let sign = |b: &Bulletin, sender, key: &Member, msg: &PublicMessage| {
        Entry::sign(&b.config_id(), b.len(), b.head(), sender, &key.signing, msg).unwrap()
    };
    let p0 = PartyId::Provider(ProviderId(0));
    let fault = |f| Control::Refused(PostRefusal::Fault(f));
    assert_eq!(
        a.post_at_head(|b| sign(b, p0, &key, &round0)).await,
        Control::Refused(PostRefusal::SenderNotPeer),
        "in another provider's name"
    );
    assert_eq!(
        a.post_at_head(|b| sign(b, me, &stranger, &round0)).await,
        fault(Fault::BadSignature),
        "signed by the wrong key"
    );
    assert_eq!(
        a.post_at_head(|b| sign(b, me, &key, &round7)).await,
        fault(Fault::WrongRound),
        "a contribution for another round"
    );
    let header = PublicMessage::RoundHeader(RoundHeader {
        round: 1,
        model: vec![0; D],
    });
    assert_eq!(
        a.post_at_head(|b| sign(b, me, &key, &header)).await,
        fault(Fault::WrongSender),
        "a provider posting a round header"
    );
    // At a stale head: the genesis head, long gone.
    let id = consortium.id();
    let stale = Entry::sign(&id, 0, id, me, &key.signing, &round0).unwrap();
    let known = a.view.len();
    match a
        .ask(PartyId::Coordinator, &WireMessage::Entry(stale))
        .await
    {
        Control::Refused(PostRefusal::StaleHead { len }) if len >= known => {}
        other => panic!("a stale head: {other:?}"),
    }
    // Replayed: an entry already on the bulletin, sent again by the attacker.
    let replay = a.view.entries()[0].clone();
    assert_eq!(
        a.ask(PartyId::Coordinator, &WireMessage::Entry(replay.clone()))
            .await,
        Control::Refused(PostRefusal::SenderNotPeer),
        "a replayed entry"
    );

    // Deliveries to aggregator 0, each on its own connection.
    let to_agg0 = |ds: &[ShareDelivery]| {
        ds.iter()
            .find(|d| d.aggregator == AggregatorId(0))
            .unwrap()
            .clone()
    };
    let refused = Control::DeliveryRefused;
    let delivery = |d: ShareDelivery| WireMessage::Delivery(d);
    assert_eq!(
        a.ask(AGG0, &delivery(to_agg0(&deliveries7))).await,
        refused(Fault::WrongRound)
    );
    let for_agg1 = deliveries1
        .iter()
        .find(|d| d.aggregator == AggregatorId(1))
        .unwrap()
        .clone();
    assert_eq!(
        a.ask(AGG0, &delivery(for_agg1)).await,
        refused(Fault::WrongRecipient)
    );
    let mut in_p0_name = to_agg0(&deliveries1);
    in_p0_name.provider = ProviderId(0);
    assert_eq!(
        a.ask(AGG0, &delivery(in_p0_name.clone())).await,
        refused(Fault::SenderMismatch)
    );
    // The endpoint admits every member (each may ask for the status), but
    // only providers deliver: the same share in provider 0's name, for
    // round 1 (before provider 0 can send its own), sent with aggregator
    // 1's and with the coordinator's certificate, gets no answer and the
    // connection is closed. Nothing is stored: provider 0's own round-1
    // share is (checked after the run), and the rounds release the
    // simulation's models, provider 0 counted.
    let member_client = |folder: &std::path::Path| {
        let m = Member::load(folder, consortium).unwrap();
        Client::new(consortium, m.ca.clone(), m.identity.clone(), limits(), caps)
    };
    for folder in [&g.aggregators[1], &g.coordinator] {
        let client = member_client(folder);
        let mut conn = client.connect(a.aggregator, AGG0).await.unwrap();
        conn.send(&WireMessage::Control(Control::Status))
            .await
            .unwrap();
        assert!(
            matches!(
                conn.recv().await,
                Ok(Some(WireMessage::Control(Control::StatusReport(_))))
            ),
            "no status for {}",
            folder.display()
        );
        conn.send(&delivery(in_p0_name.clone())).await.unwrap();
        closed_without_answer(conn, AGG0).await;
    }
    let mine = delivery(to_agg0(&deliveries1));
    assert_eq!(a.ask(AGG0, &mine).await, Control::Stored);
    assert_eq!(a.ask(AGG0, &mine).await, Control::AlreadyStored);
    assert_eq!(
        a.ask(AGG0, &delivery(to_agg0(&other1))).await,
        refused(Fault::TooManyDeliveries),
        "a different delivery for the same slot"
    );

    // Malformed frames of every type to both services; well-formed ones of
    // a type the endpoint does not take. Each closes the connection.
    let validity = WireMessage::Validity(ValidityMessage {
        round: 0,
        session: [0u8; 32],
        from: AggregatorId(0),
        to: AggregatorId(1),
        payload: vec![],
    });
    let samples = [
        WireMessage::Entry(replay),
        mine.clone(),
        validity,
        WireMessage::Control(Control::Follow { from_seq: 300 }),
    ];
    for to in [PartyId::Coordinator, AGG0] {
        for msg in &samples {
            malformed_variants(&a, to, msg).await;
        }
        a.send_raw(to, &frame(9, &[0, 0]), false).await;
        a.send_raw(to, &[0, 0, 0, 0], false).await;
    }
    for msg in &samples[1..3] {
        let bytes = frame(msg.kind().tag(), &encode_payload(msg).unwrap());
        a.send_raw(PartyId::Coordinator, &bytes, false).await;
    }
    for msg in [&samples[0], &samples[2], &samples[3]] {
        let bytes = frame(msg.kind().tag(), &encode_payload(msg).unwrap());
        a.send_raw(AGG0, &bytes, false).await;
    }

    // A 2^32 - 1 prefix, then a flood of oversize frames with junk behind.
    let junk = vec![0x5a; 16 * 1024];
    let mut over_cap = ((caps.delivery + 2) as u32).to_be_bytes().to_vec();
    over_cap.push(Kind::Delivery.tag());
    over_cap.extend_from_slice(&junk);
    let mut over_max = (u32::MAX - 1).to_be_bytes().to_vec();
    over_max.extend_from_slice(&junk);
    for to in [PartyId::Coordinator, AGG0] {
        a.send_raw(to, &[0xff, 0xff, 0xff, 0xff, Kind::Delivery.tag()], false)
            .await;
        for i in 0..FLOOD {
            let bytes = if i % 2 == 0 { &over_cap } else { &over_max };
            a.send_raw(to, bytes, false).await;
        }
    }
    for name in services {
        assert!(group.running(name), "{name} died\n{}", group.tails(20));
    }

    // Aggregator 1 (its certificate) sends aggregator 0 "evidence": the
    // round header with another model under the real signature. It is
    // refused by name (the signature does not verify) and answered with
    // aggregator 0's own entry; nothing is stored.
    let peer = member_client(&g.aggregators[1]);
    let header = a
        .view
        .entries()
        .iter()
        .find(|e| e.sender == PartyId::Coordinator)
        .unwrap()
        .clone();
    let mut forged = header.clone();
    forged.payload = zkagg::zk::encoding::to_bytes(&PublicMessage::RoundHeader(RoundHeader {
        round: 0,
        model: vec![1; D],
    }))
    .unwrap();
    let mut conn = peer.connect(a.aggregator, AGG0).await.unwrap();
    conn.send(&WireMessage::Entry(forged)).await.unwrap();
    match conn.recv().await {
        Ok(Some(WireMessage::Entry(e))) => assert_eq!(e, header),
        other => panic!("aggregator 0 answered {other:?}"),
    }
    conn.close().await;

    // The services drop the half-open connections at their handshake
    // timeout (5 s) at the latest.
    all_closed(held_c, Duration::from_secs(15)).await;
    all_closed(held_a, Duration::from_secs(15)).await;
    drop(a);

    let statuses = tokio::task::spawn_blocking(move || {
        let s = group.finish(Duration::from_secs(60));
        (group, s)
    })
    .await
    .unwrap();
    let (group, statuses) = statuses;
    for (name, status) in &statuses {
        assert!(
            status.is_some_and(|s| s.success()),
            "{name}: {status:?}\n{}",
            group.tails(20)
        );
    }

    // The refused evidence was stored nowhere.
    let store = zkagg_node::store::Store::open(&g.config.operations.aggregator_dbs[0])
        .await
        .unwrap();
    assert!(store.evidence().await.unwrap().is_empty());
    // Provider 0's round-1 share is its own, not the one the aggregator and
    // the coordinator tried to deliver in its name.
    let stored = store.received(1, ProviderId(0), "share").await.unwrap();
    let stored = decode_delivery(&stored.expect("provider 0's round-1 share")).unwrap();
    assert_eq!(stored.provider, ProviderId(0));
    assert_ne!(stored, in_p0_name);
    store.close().await;

    // Every rejection is named in the log of the service that made it.
    let refusals: &[&[&str]] = &[
        &["post refused", "SenderNotPeer"],
        &["post refused", "BadSignature"],
        &["post refused", "WrongRound"],
        &["post refused", "WrongSender"],
        &["post refused", "StaleHead"],
        &["unexpected message kind", "Delivery"],
        &["unexpected message kind", "Validity"],
        &["bad frame", "UnknownTag(9)"],
        &["bad frame", "Empty"],
        &["bad frame", "Oversize { len: 4294967295"],
        &["bad frame", "OverCap { kind: Delivery"],
        &["connection refused", "HandshakeTimeout"],
    ];
    let deliveries: &[&[&str]] = &[
        &["delivery refused: only providers deliver", "aggregator 1"],
        &["delivery refused: only providers deliver", "coordinator"],
        &["delivery refused", "WrongRound"],
        &["delivery refused", "WrongRecipient"],
        &["delivery refused", "SenderMismatch"],
        &["delivery refused", "TooManyDeliveries"],
        &["delivery already stored"],
        &["evidence refused", "a signature does not verify"],
        &["unexpected message kind", "Entry"],
        &["unexpected message kind", "Validity"],
        &["unexpected message kind", "Control"],
        &["bad frame", "UnknownTag(9)"],
        &["bad frame", "Empty"],
        &["bad frame", "Oversize { len: 4294967295"],
        &["bad frame", "OverCap { kind: Delivery"],
        &["connection refused", "HandshakeTimeout"],
    ];
    let malformed: Vec<Vec<String>> = ["Entry", "Delivery", "Validity", "Control"]
        .iter()
        .flat_map(|k| {
            ["Malformed", "NonCanonical", "TrailingBytes(1)", "Truncated"].map(|e| {
                let kind = format!("kind: {k}");
                match e {
                    "Truncated" => vec!["bad frame".into(), e.into()],
                    _ => vec!["bad frame".into(), kind, e.into()],
                }
            })
        })
        .collect();
    for (name, own) in [("coordinator", refusals), ("aggregator-0", deliveries)] {
        let log = group.log(name);
        let named = |what: &[&str]| log.lines().any(|l| what.iter().all(|w| l.contains(w)));
        for what in own {
            assert!(named(what), "{name} log names no {what:?}");
        }
        for what in &malformed {
            let what: Vec<&str> = what.iter().map(String::as_str).collect();
            assert!(named(&what), "{name} log names no {what:?}");
        }
    }

    // Peak memory stayed bounded.
    for name in services {
        let text = std::fs::read_to_string(metrics(name)).unwrap();
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rss = m["max_rss_kib"].as_u64().unwrap();
        eprintln!("{name}: max_rss_kib {rss}");
        assert!(rss < MAX_RSS_KIB, "{name} peaked at {rss} KiB");
    }

    // The honest rounds released what the simulation releases without the
    // attacker, and nothing of the attacker's is on the bulletin.
    let path = g.config.operations.bulletin_file.clone().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let bulletin = Bulletin::from_bytes(&bytes).unwrap();
    assert!(bulletin.entries().iter().all(|e| e.sender != me));
    let want = simulated_release(
        Additive::new(2).unwrap(),
        (D, BITS, SEED),
        PROVIDERS,
        &[ATTACKER.0],
        ROUNDS,
    );
    assert!(want.iter().all(Option::is_some));
    assert_eq!(released(&bulletin), want);
    assert_eq!(audit(consortium, &bytes), Ok(ROUNDS as usize));
    let _ = std::fs::remove_dir_all(&dir);
}
