//! Mutual-TLS transport: TLS 1.3 only, both sides authenticated by the
//! consortium CA, each peer mapped to the party its certificate names.
//!
//! A [`Server`] accepts a connection only if it is under the total cap,
//! completes the handshake within the handshake timeout with a client
//! certificate the consortium CA issued, names a party of the config, that
//! party is allowed on this endpoint and it is under the per-peer cap.
//! Otherwise the connection is dropped before any application byte is read
//! and the reason is kept as data ([`Refusal`]). A [`Client`] checks that
//! the server's certificate chains to the CA and names the party it meant
//! to reach ([`PartyVerifier`]). An established [`Conn`] moves
//! [`WireMessage`]s with read and idle timeouts. Not audited.

use crate::frame::{decode_frame, FrameCaps, FrameCodec, FrameError, WireMessage};
use crate::metrics::Metered;
use crate::pki::{peer_party, Identity, PkiError};
use futures_util::{SinkExt, StreamExt};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::{ParsedCertificate, WebPkiClientVerifier};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use thiserror::Error;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::timeout;
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tokio_util::codec::Framed;
use zkagg_aggregation::config::ConsortiumConfig;
use zkagg_aggregation::PartyId;

/// The server name a client puts in its handshake (SNI is off; the server
/// is identified by the party its certificate names, not by a DNS name).
const SERVER_NAME: &str = "zkagg.invalid";

/// Timeouts and caps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// TCP connect plus TLS handshake.
    pub handshake_timeout: Duration,
    /// Receiving the rest of a frame once its first bytes are buffered, and
    /// sending a frame.
    pub read_timeout: Duration,
    /// Waiting for the next frame with nothing buffered.
    pub idle_timeout: Duration,
    /// Connections open at once, handshakes included.
    pub max_connections: usize,
    /// Authenticated connections open at once per party.
    pub max_per_peer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            handshake_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 1024,
            max_per_peer: 4,
        }
    }
}

/// Why a TLS handshake failed, as far as the server can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// The client presented no certificate.
    NoCertificate,
    /// The client certificate was not issued by the consortium CA.
    UnknownIssuer,
    /// The client certificate has expired.
    Expired,
    /// The client certificate is not yet valid.
    NotYetValid,
    /// Another problem with the client certificate.
    BadCertificate,
    /// The peer did not speak TLS 1.3 (plaintext, garbage, an old version).
    NotTls,
    /// The connection closed or failed during the handshake.
    Io,
    /// Another TLS error.
    Other,
}

impl HandshakeFailure {
    fn classify(e: &std::io::Error) -> HandshakeFailure {
        let Some(tls) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) else {
            return HandshakeFailure::Io;
        };
        match tls {
            rustls::Error::NoCertificatesPresented => HandshakeFailure::NoCertificate,
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::UnknownIssuer => HandshakeFailure::UnknownIssuer,
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    HandshakeFailure::Expired
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    HandshakeFailure::NotYetValid
                }
                _ => HandshakeFailure::BadCertificate,
            },
            rustls::Error::InvalidMessage(_)
            | rustls::Error::InappropriateMessage { .. }
            | rustls::Error::InappropriateHandshakeMessage { .. }
            | rustls::Error::PeerIncompatible(_) => HandshakeFailure::NotTls,
            _ => HandshakeFailure::Other,
        }
    }
}

/// Why a server dropped a connection before serving it (data).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The total connection cap was reached.
    OverCapacity,
    /// The handshake did not complete in time.
    HandshakeTimeout,
    /// The handshake failed.
    Handshake(HandshakeFailure),
    /// The verified certificate does not name a party.
    Identity(PkiError),
    /// The certificate names a party the config does not have.
    UnknownParty(PartyId),
    /// The party is not allowed on this endpoint.
    RoleNotAllowed(PartyId),
    /// The party already has its cap of open connections.
    PeerLimit(PartyId),
}

/// Errors of the transport.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A TLS configuration could not be built (local).
    #[error("tls configuration: {0}")]
    Config(String),
    /// Connecting or the handshake timed out.
    #[error("handshake timed out")]
    HandshakeTimeout,
    /// The handshake failed.
    #[error("handshake: {0}")]
    Handshake(std::io::Error),
    /// No frame within the idle timeout, or the rest of one within the
    /// read timeout, or a send that did not complete in time.
    #[error("timed out")]
    Timeout,
    /// A bad frame (the connection is closed).
    #[error("frame: {0}")]
    Frame(#[from] FrameError),
    /// The peer's certificate does not name a party.
    #[error("peer identity: {0}")]
    Identity(#[from] PkiError),
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca: &CertificateDer<'static>) -> Result<Arc<RootCertStore>, TransportError> {
    let mut roots = RootCertStore::empty();
    roots
        .add(ca.clone())
        .map_err(|e| TransportError::Config(e.to_string()))?;
    Ok(Arc::new(roots))
}

fn cfg_err(e: impl std::fmt::Display) -> TransportError {
    TransportError::Config(e.to_string())
}

/// The client's check of the server: its chain must lead to the consortium
/// CA and its certificate must name `expected` in config `config_id`.
#[derive(Debug)]
pub struct PartyVerifier {
    roots: Arc<RootCertStore>,
    algs: WebPkiSupportedAlgorithms,
    config_id: [u8; 32],
    expected: PartyId,
}

impl PartyVerifier {
    /// A verifier for a server that must be `expected`.
    pub fn new(
        ca: &CertificateDer<'static>,
        config_id: [u8; 32],
        expected: PartyId,
    ) -> Result<PartyVerifier, TransportError> {
        Ok(PartyVerifier {
            roots: roots(ca)?,
            algs: provider().signature_verification_algorithms,
            config_id,
            expected,
        })
    }
}

impl ServerCertVerifier for PartyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.algs.all,
        )?;
        match peer_party(std::slice::from_ref(end_entity), &self.config_id) {
            Ok(p) if p == self.expected => Ok(ServerCertVerified::assertion()),
            _ => Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// A connection a [`Server`] accepted (bytes counted in
/// [`crate::metrics::COUNTERS`]).
pub type ServerConn = Conn<tokio_rustls::server::TlsStream<Metered<TcpStream>>>;

/// A connection a [`Client`] opened (bytes counted likewise).
pub type ClientConn = Conn<tokio_rustls::client::TlsStream<Metered<TcpStream>>>;

/// An established, authenticated connection carrying [`WireMessage`]s.
pub struct Conn<S> {
    peer: PartyId,
    framed: Framed<S, FrameCodec>,
    limits: Limits,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    fn new(peer: PartyId, stream: S, caps: FrameCaps, limits: Limits) -> Self {
        Conn {
            peer,
            framed: Framed::new(stream, FrameCodec::new(caps)),
            limits,
        }
    }

    /// The authenticated peer.
    pub fn peer(&self) -> PartyId {
        self.peer
    }

    /// The next message; `Ok(None)` when the peer closed cleanly between
    /// frames. Any error means the connection must be dropped.
    pub async fn recv(&mut self) -> Result<Option<WireMessage>, TransportError> {
        let wait = if self.framed.read_buffer().is_empty() {
            self.limits.idle_timeout
        } else {
            self.limits.read_timeout
        };
        match timeout(wait, self.framed.next()).await {
            Err(_) => Err(TransportError::Timeout),
            Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(e.into()),
            Ok(Some(Ok(frame))) => Ok(Some(decode_frame(&frame, self.framed.codec().caps())?)),
        }
    }

    /// Sends a message (and flushes it).
    pub async fn send(&mut self, msg: &WireMessage) -> Result<(), TransportError> {
        match timeout(self.limits.read_timeout, self.framed.send(msg)).await {
            Err(_) => Err(TransportError::Timeout),
            Ok(r) => Ok(r?),
        }
    }

    /// Closes the connection cleanly (TLS close_notify), bounded by the
    /// read timeout.
    pub async fn close(mut self) {
        let _ = timeout(self.limits.read_timeout, self.framed.get_mut().shutdown()).await;
    }

    /// The underlying stream (tests write raw bytes through it).
    pub fn get_mut(&mut self) -> &mut S {
        self.framed.get_mut()
    }
}

/// Counters and the recent refusals of a server.
#[derive(Debug, Default)]
pub struct ServerStats {
    served: AtomicU64,
    refusals: Mutex<VecDeque<Refusal>>,
    refused: AtomicU64,
}

/// How many refusals a server remembers.
const KEPT_REFUSALS: usize = 1024;

impl ServerStats {
    /// Connections handed to the handler so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }

    /// Connections refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// The most recent refusals, oldest first.
    pub fn refusals(&self) -> Vec<Refusal> {
        self.refusals
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn refuse(&self, r: Refusal) {
        tracing::debug!(?r, "connection refused");
        if let Ok(mut q) = self.refusals.lock() {
            if q.len() == KEPT_REFUSALS {
                q.pop_front();
            }
            q.push_back(r);
        }
        self.refused.fetch_add(1, Ordering::SeqCst);
    }
}

type Allowed = Arc<dyn Fn(PartyId) -> bool + Send + Sync>;

/// Decrements a party's open-connection count when the connection ends.
struct PeerSlot {
    counts: Arc<Mutex<HashMap<PartyId, usize>>>,
    peer: PartyId,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        if let Ok(mut c) = self.counts.lock() {
            if let Some(n) = c.get_mut(&self.peer) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    c.remove(&self.peer);
                }
            }
        }
    }
}

/// A mutual-TLS endpoint.
pub struct Server {
    acceptor: TlsAcceptor,
    config: Arc<ConsortiumConfig>,
    config_id: [u8; 32],
    allowed: Allowed,
    limits: Limits,
    caps: FrameCaps,
    stats: Arc<ServerStats>,
    total: Arc<Semaphore>,
    per_peer: Arc<Mutex<HashMap<PartyId, usize>>>,
}

impl Server {
    /// An endpoint presenting `identity`, accepting clients certified by
    /// `ca` that name a party of `config` for which `allowed` holds.
    pub fn new(
        config: Arc<ConsortiumConfig>,
        ca: &CertificateDer<'static>,
        identity: Identity,
        allowed: impl Fn(PartyId) -> bool + Send + Sync + 'static,
        limits: Limits,
        caps: FrameCaps,
    ) -> Result<Server, TransportError> {
        let provider = provider();
        let verifier = WebPkiClientVerifier::builder_with_provider(roots(ca)?, provider.clone())
            .build()
            .map_err(cfg_err)?;
        let tls = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(cfg_err)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(identity.chain, identity.key)
            .map_err(cfg_err)?;
        let config_id = config.id();
        Ok(Server {
            acceptor: TlsAcceptor::from(Arc::new(tls)),
            config,
            config_id,
            allowed: Arc::new(allowed),
            limits,
            caps,
            stats: Arc::default(),
            total: Arc::new(Semaphore::new(limits.max_connections)),
            per_peer: Arc::default(),
        })
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<ServerStats> {
        self.stats.clone()
    }

    /// Accepts connections until `shutdown` completes; each authenticated
    /// connection runs `handler` on a task of its own.
    pub async fn serve<H, F>(
        self,
        listener: TcpListener,
        handler: H,
        shutdown: impl Future<Output = ()>,
    ) where
        H: Fn(ServerConn) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let this = Arc::new(self);
        let handler = Arc::new(handler);
        tokio::pin!(shutdown);
        loop {
            let (tcp, addr) = tokio::select! {
                _ = &mut shutdown => return,
                r = listener.accept() => match r {
                    Ok(x) => x,
                    Err(e) => {
                        // Out of descriptors and the like: back off briefly.
                        tracing::warn!(%e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            let Ok(permit) = this.total.clone().try_acquire_owned() else {
                this.stats.refuse(Refusal::OverCapacity);
                drop(tcp);
                continue;
            };
            let this = this.clone();
            let handler = handler.clone();
            tokio::spawn(async move {
                let _permit = permit;
                if let Some((conn, _slot)) = this.authenticate(tcp, addr).await {
                    this.stats.served.fetch_add(1, Ordering::SeqCst);
                    handler(conn).await;
                }
            });
        }
    }

    async fn authenticate(
        &self,
        tcp: TcpStream,
        addr: SocketAddr,
    ) -> Option<(ServerConn, PeerSlot)> {
        let _ = tcp.set_nodelay(true);
        let tls = match timeout(
            self.limits.handshake_timeout,
            self.acceptor.accept(Metered::new(tcp)),
        )
        .await
        {
            Err(_) => {
                self.stats.refuse(Refusal::HandshakeTimeout);
                return None;
            }
            Ok(Err(e)) => {
                tracing::debug!(%addr, %e, "handshake failed");
                self.stats
                    .refuse(Refusal::Handshake(HandshakeFailure::classify(&e)));
                return None;
            }
            Ok(Ok(tls)) => tls,
        };
        let certs = tls.get_ref().1.peer_certificates().unwrap_or(&[]);
        let party = match peer_party(certs, &self.config_id) {
            Ok(p) => p,
            Err(e) => {
                self.stats.refuse(Refusal::Identity(e));
                return None;
            }
        };
        if !self.config.has_party(party) {
            self.stats.refuse(Refusal::UnknownParty(party));
            return None;
        }
        if !(self.allowed)(party) {
            self.stats.refuse(Refusal::RoleNotAllowed(party));
            return None;
        }
        let slot = {
            let Ok(mut counts) = self.per_peer.lock() else {
                return None;
            };
            let n = counts.entry(party).or_insert(0);
            if *n >= self.limits.max_per_peer {
                drop(counts);
                self.stats.refuse(Refusal::PeerLimit(party));
                return None;
            }
            *n += 1;
            PeerSlot {
                counts: self.per_peer.clone(),
                peer: party,
            }
        };
        tracing::debug!(%addr, %party, "connection authenticated");
        Some((Conn::new(party, tls, self.caps, self.limits), slot))
    }
}

/// A mutual-TLS client presenting one identity.
pub struct Client {
    ca: CertificateDer<'static>,
    identity: Identity,
    config_id: [u8; 32],
    limits: Limits,
    caps: FrameCaps,
}

impl Client {
    /// A client presenting `identity` to servers certified by `ca`.
    pub fn new(
        config: &ConsortiumConfig,
        ca: CertificateDer<'static>,
        identity: Identity,
        limits: Limits,
        caps: FrameCaps,
    ) -> Client {
        Client {
            ca,
            identity,
            config_id: config.id(),
            limits,
            caps,
        }
    }

    /// The rustls configuration for reaching `expected`.
    pub fn tls_config(&self, expected: PartyId) -> Result<Arc<ClientConfig>, TransportError> {
        let verifier = PartyVerifier::new(&self.ca, self.config_id, expected)?;
        let mut cfg = ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(cfg_err)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(self.identity.chain.clone(), self.identity.key.clone_key())
            .map_err(cfg_err)?;
        cfg.enable_sni = false;
        Ok(Arc::new(cfg))
    }

    /// Connects to `addr`, which must be `expected`.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        expected: PartyId,
    ) -> Result<ClientConn, TransportError> {
        let cfg = self.tls_config(expected)?;
        connect_with(cfg, addr, expected, self.limits, self.caps).await
    }
}

/// Connects with a given rustls configuration (whose verifier must check
/// that the server is `expected`, as [`PartyVerifier`] does).
pub async fn connect_with(
    cfg: Arc<ClientConfig>,
    addr: SocketAddr,
    expected: PartyId,
    limits: Limits,
    caps: FrameCaps,
) -> Result<ClientConn, TransportError> {
    let name = ServerName::try_from(SERVER_NAME).map_err(cfg_err)?;
    let fut = async {
        let tcp = TcpStream::connect(addr)
            .await
            .map_err(TransportError::Handshake)?;
        let _ = tcp.set_nodelay(true);
        TlsConnector::from(cfg)
            .connect(name, Metered::new(tcp))
            .await
            .map_err(TransportError::Handshake)
    };
    let tls = timeout(limits.handshake_timeout, fut)
        .await
        .map_err(|_| TransportError::HandshakeTimeout)??;
    Ok(Conn::new(expected, tls, caps, limits))
}
