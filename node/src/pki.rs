//! The consortium PKI: a CA and member certificates that name a party.
//!
//! Every member certificate carries exactly one URI subject alternative
//! name `zkagg:<config id, 64 hex digits>/<role>/<index>` with role
//! `coordinator` (index 0), `aggregator` or `provider`. A TLS peer is the
//! party its verified certificate names ([`peer_party`]); the services then
//! check that party against the config on every connection.
//!
//! The TLS key is an ECDSA P-256 key of its own: the ed25519 key in the
//! config stays the signing identity on the bulletin, and losing a TLS key
//! does not let anyone sign bulletin entries. Keys come from the system RNG
//! (through ring); certificates are not part of any transcript, so they
//! have no seeded twin. Not audited.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::fmt;
use std::time::{Duration, SystemTime};
use thiserror::Error;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};

/// The URI scheme of a member name.
pub const URI_SCHEME: &str = "zkagg:";

/// Errors of the PKI.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The peer presented no certificate.
    #[error("no certificate presented")]
    NoCertificate,
    /// The certificate does not parse as X.509.
    #[error("certificate does not parse")]
    Unparsable,
    /// The certificate has no `zkagg:` URI subject alternative name.
    #[error("no zkagg URI subject alternative name")]
    MissingSan,
    /// The certificate has more than one `zkagg:` URI name.
    #[error("more than one zkagg URI subject alternative name")]
    AmbiguousSan,
    /// The name is for another consortium config.
    #[error("certificate names another config id")]
    WrongConfigId,
    /// The name does not have the form `zkagg:<id>/<role>/<index>`.
    #[error("malformed zkagg name")]
    MalformedName,
    /// A PEM input did not decode.
    #[error("bad PEM: {0}")]
    Pem(String),
    /// Certificate generation failed.
    #[error("certificate generation: {0}")]
    Generate(String),
    /// The private key is not the key of the certificate.
    #[error("the TLS key is not the key of the certificate (tls.key and tls.crt must come from the same member folder)")]
    KeyMismatch,
    /// The certificate is not issued by the CA given, or is not valid now.
    #[error("the certificate does not verify against the CA certificate ca.crt ({0}): both must come from this consortium's `zkagg init`")]
    NotIssuedByCa(String),
}

impl From<rcgen::Error> for PkiError {
    fn from(e: rcgen::Error) -> Self {
        PkiError::Generate(e.to_string())
    }
}

/// A validity period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// Not valid before.
    pub not_before: SystemTime,
    /// Not valid after.
    pub not_after: SystemTime,
}

impl Validity {
    /// From one hour ago (clock skew) to `days` days from now.
    pub fn days_from_now(days: u64) -> Validity {
        let now = SystemTime::now();
        Validity {
            not_before: now - Duration::from_secs(3600),
            not_after: now + Duration::from_secs(days * 86_400),
        }
    }

    /// A period that ended `ago` in the past (for tests of expiry).
    pub fn expired(ago: Duration) -> Validity {
        let now = SystemTime::now();
        Validity {
            not_before: now - ago - Duration::from_secs(86_400),
            not_after: now - ago,
        }
    }
}

fn to_offset(t: SystemTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from(t)
}

/// The name of `party` in config `config_id`, e.g.
/// `zkagg:<hex>/aggregator/2`.
pub fn party_name(config_id: &[u8; 32], party: PartyId) -> String {
    let (role, index) = match party {
        PartyId::Coordinator => ("coordinator", 0),
        PartyId::Aggregator(s) => ("aggregator", s.0),
        PartyId::Provider(i) => ("provider", i.0),
    };
    format!("{URI_SCHEME}{}/{role}/{index}", hex(config_id))
}

/// Parses a member name and checks its config id.
pub fn parse_party_name(name: &str, config_id: &[u8; 32]) -> Result<PartyId, PkiError> {
    let rest = name
        .strip_prefix(URI_SCHEME)
        .ok_or(PkiError::MalformedName)?;
    let mut parts = rest.split('/');
    let (Some(id), Some(role), Some(index), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(PkiError::MalformedName);
    };
    if id.len() != 64 || !id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(PkiError::MalformedName);
    }
    // Canonical decimal only: no sign, no leading zero, fits u32.
    if index.is_empty()
        || !index.bytes().all(|b| b.is_ascii_digit())
        || (index.len() > 1 && index.starts_with('0'))
    {
        return Err(PkiError::MalformedName);
    }
    let index: u32 = index.parse().map_err(|_| PkiError::MalformedName)?;
    let party = match role {
        "coordinator" if index == 0 => PartyId::Coordinator,
        "aggregator" => PartyId::Aggregator(AggregatorId(index)),
        "provider" => PartyId::Provider(ProviderId(index)),
        _ => return Err(PkiError::MalformedName),
    };
    if id != hex(config_id) {
        return Err(PkiError::WrongConfigId);
    }
    Ok(party)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The party a peer's certificate chain names (its end-entity certificate,
/// the first of the chain). Call only on a chain the TLS layer verified.
pub fn peer_party(chain: &[CertificateDer<'_>], config_id: &[u8; 32]) -> Result<PartyId, PkiError> {
    let leaf = chain.first().ok_or(PkiError::NoCertificate)?;
    let (rest, cert) =
        x509_parser::parse_x509_certificate(leaf).map_err(|_| PkiError::Unparsable)?;
    if !rest.is_empty() {
        return Err(PkiError::Unparsable);
    }
    let san = cert
        .subject_alternative_name()
        .map_err(|_| PkiError::Unparsable)?
        .ok_or(PkiError::MissingSan)?;
    let mut names = san.value.general_names.iter().filter_map(|n| match n {
        x509_parser::extensions::GeneralName::URI(u) if u.starts_with(URI_SCHEME) => Some(*u),
        _ => None,
    });
    let name = names.next().ok_or(PkiError::MissingSan)?;
    if names.next().is_some() {
        return Err(PkiError::AmbiguousSan);
    }
    parse_party_name(name, config_id)
}

/// A TLS identity: certificate chain (leaf first) and private key.
pub struct Identity {
    /// The certificate chain, leaf first (the CA is not included).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
}

impl Clone for Identity {
    fn clone(&self) -> Self {
        Identity {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field(
                "chain",
                &format_args!("<{} certificates>", self.chain.len()),
            )
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Identity {
    /// Reads a certificate chain and a key from PEM.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Identity, PkiError> {
        let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PkiError::Pem(e.to_string()))?;
        if chain.is_empty() {
            return Err(PkiError::Pem("no certificate".into()));
        }
        Ok(Identity {
            chain,
            key: key_from_pem(key_pem)?,
        })
    }

    /// The chain as PEM.
    pub fn cert_pem(&self) -> String {
        self.chain.iter().map(|c| pem("CERTIFICATE", c)).collect()
    }

    /// The key as PEM (PKCS#8). Secret.
    pub fn key_pem(&self) -> String {
        pem("PRIVATE KEY", self.key.secret_der())
    }
}

/// Checks a member's own identity before it is used: its private key is
/// the key of its certificate ([`PkiError::KeyMismatch`]) and the
/// certificate chains to `ca` and is valid now ([`PkiError::NotIssuedByCa`]),
/// as every peer will check it. A folder mixing two members' or two
/// consortia's files is refused here, by name, rather than by a failed
/// handshake at the first connection.
pub fn check_identity(identity: &Identity, ca: &CertificateDer<'static>) -> Result<(), PkiError> {
    let provider = rustls::crypto::ring::default_provider();
    let key = provider
        .key_provider
        .load_private_key(identity.key.clone_key())
        .map_err(|e| PkiError::Pem(format!("not a usable TLS private key: {e}")))?;
    let certified = rustls::sign::CertifiedKey::new(identity.chain.clone(), key);
    match certified.keys_match() {
        Ok(()) => {}
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            return Err(PkiError::KeyMismatch)
        }
        Err(e) => return Err(PkiError::NotIssuedByCa(e.to_string())),
    }
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(ca.clone())
        .map_err(|e| PkiError::NotIssuedByCa(format!("the CA certificate: {e}")))?;
    let leaf = identity.chain.first().ok_or(PkiError::NoCertificate)?;
    let cert =
        rustls::server::ParsedCertificate::try_from(leaf).map_err(|_| PkiError::Unparsable)?;
    rustls::client::verify_server_cert_signed_by_trust_anchor(
        &cert,
        &roots,
        identity.chain.get(1..).unwrap_or_default(),
        rustls_pki_types::UnixTime::now(),
        provider.signature_verification_algorithms.all,
    )
    .map_err(|e| PkiError::NotIssuedByCa(e.to_string()))
}

/// The error of PEM text that did not decode as a `what`.
fn pem_error(what: &str, e: rustls_pki_types::pem::Error) -> PkiError {
    match e {
        rustls_pki_types::pem::Error::NoItemsFound => PkiError::Pem(format!(
            "no {what} in it (a PEM block -----BEGIN ...----- was expected)"
        )),
        e => PkiError::Pem(e.to_string()),
    }
}

/// Reads a private key from PEM.
pub fn key_from_pem(pem: &str) -> Result<PrivateKeyDer<'static>, PkiError> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| pem_error("private key", e))
}

/// Reads one certificate from PEM (e.g. the CA certificate).
pub fn cert_from_pem(pem: &str) -> Result<CertificateDer<'static>, PkiError> {
    CertificateDer::from_pem_slice(pem.as_bytes()).map_err(|e| pem_error("certificate", e))
}

/// Encodes DER as PEM with the given label.
pub fn pem(label: &str, der: &[u8]) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                b64.push(B64[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The consortium certificate authority.
pub struct ConsortiumCa {
    cert: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for ConsortiumCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsortiumCa")
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ConsortiumCa {
    /// A new CA for the consortium named `name`.
    pub fn generate(name: &str, validity: Validity) -> Result<ConsortiumCa, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, format!("zkagg consortium CA {name}"));
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = to_offset(validity.not_before);
        params.not_after = to_offset(validity.not_after);
        let cert = params.self_signed(&key)?.der().clone();
        Ok(ConsortiumCa {
            cert,
            issuer: Issuer::new(params, key),
        })
    }

    /// Reloads a CA from its certificate and key (PEM).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<ConsortiumCa, PkiError> {
        let cert = cert_from_pem(cert_pem)?;
        let key = KeyPair::from_pem(key_pem)?;
        let issuer = Issuer::from_ca_cert_der(&cert, key)?;
        Ok(ConsortiumCa { cert, issuer })
    }

    /// The CA certificate (the only trust anchor of the consortium).
    pub fn cert(&self) -> &CertificateDer<'static> {
        &self.cert
    }

    /// The CA certificate as PEM.
    pub fn cert_pem(&self) -> String {
        pem("CERTIFICATE", &self.cert)
    }

    /// The CA key as PEM. Secret.
    pub fn key_pem(&self) -> String {
        self.issuer.key().serialize_pem()
    }

    /// Issues a member certificate naming `party` of config `config_id`,
    /// with a fresh P-256 key.
    pub fn issue(
        &self,
        config_id: &[u8; 32],
        party: PartyId,
        validity: Validity,
    ) -> Result<Identity, PkiError> {
        let name = party_name(config_id, party);
        self.issue_with_names(&name, vec![name.clone()], validity)
    }

    /// Issues a certificate with the given common name and URI names,
    /// checked by nothing (tests build malformed certificates with it).
    pub fn issue_with_names(
        &self,
        common_name: &str,
        uris: Vec<String>,
        validity: Validity,
    ) -> Result<Identity, PkiError> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, common_name);
        params.distinguished_name = dn;
        params.subject_alt_names = uris
            .into_iter()
            .map(|u| Ok(SanType::URI(u.try_into()?)))
            .collect::<Result<Vec<_>, rcgen::Error>>()?;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![
            ExtendedKeyUsagePurpose::ServerAuth,
            ExtendedKeyUsagePurpose::ClientAuth,
        ];
        params.not_before = to_offset(validity.not_before);
        params.not_after = to_offset(validity.not_after);
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Identity {
            chain: vec![cert.der().clone()],
            key: PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: [u8; 32] = [7u8; 32];

    #[test]
    fn names_round_trip() {
        for p in [
            PartyId::Coordinator,
            PartyId::Aggregator(AggregatorId(2)),
            PartyId::Provider(ProviderId(4_000_000_000)),
        ] {
            assert_eq!(parse_party_name(&party_name(&ID, p), &ID), Ok(p));
        }
    }

    #[test]
    fn malformed_names_are_refused() {
        let good = party_name(&ID, PartyId::Aggregator(AggregatorId(1)));
        let prefix = good.trim_end_matches("/aggregator/1");
        for bad in [
            format!("{prefix}/aggregator/01"),
            format!("{prefix}/aggregator/-1"),
            format!("{prefix}/aggregator/4294967296"),
            format!("{prefix}/coordinator/1"),
            format!("{prefix}/auditor/0"),
            format!("{prefix}/aggregator/1/x"),
            format!("{prefix}/aggregator"),
            good.to_uppercase(),
            good.replace("zkagg:", "http:"),
        ] {
            assert_eq!(
                parse_party_name(&bad, &ID),
                Err(PkiError::MalformedName),
                "{bad}"
            );
        }
        assert_eq!(
            parse_party_name(&good, &[8u8; 32]),
            Err(PkiError::WrongConfigId)
        );
    }

    #[test]
    fn certificates_name_their_party_and_round_trip_pem() {
        let ca = ConsortiumCa::generate("t", Validity::days_from_now(1)).unwrap();
        let p = PartyId::Provider(ProviderId(3));
        let id = ca.issue(&ID, p, Validity::days_from_now(1)).unwrap();
        assert_eq!(peer_party(&id.chain, &ID), Ok(p));
        assert_eq!(
            peer_party(&id.chain, &[1u8; 32]),
            Err(PkiError::WrongConfigId)
        );
        let back = Identity::from_pem(&id.cert_pem(), &id.key_pem()).unwrap();
        assert_eq!(back.chain, id.chain);
        assert_eq!(back.key.secret_der(), id.key.secret_der());
        let ca2 = ConsortiumCa::from_pem(&ca.cert_pem(), &ca.key_pem()).unwrap();
        assert_eq!(ca2.cert(), ca.cert());
        let id2 = ca2.issue(&ID, p, Validity::days_from_now(1)).unwrap();
        assert_eq!(peer_party(&id2.chain, &ID), Ok(p));
        let none = ca
            .issue_with_names("x", vec![], Validity::days_from_now(1))
            .unwrap();
        assert_eq!(peer_party(&none.chain, &ID), Err(PkiError::MissingSan));
        let two = ca
            .issue_with_names(
                "x",
                vec![party_name(&ID, p), party_name(&ID, PartyId::Coordinator)],
                Validity::days_from_now(1),
            )
            .unwrap();
        assert_eq!(peer_party(&two.chain, &ID), Err(PkiError::AmbiguousSan));
        assert_eq!(peer_party(&[], &ID), Err(PkiError::NoCertificate));
        assert_eq!(
            peer_party(&[CertificateDer::from(vec![1u8, 2, 3])], &ID),
            Err(PkiError::Unparsable)
        );
    }
}
