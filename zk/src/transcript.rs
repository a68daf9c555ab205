//! Fiat-Shamir transcripts: a merlin extension trait with versioned domain
//! separators. The application creates the [`merlin::Transcript`]; library
//! code appends to it through [`TranscriptProtocol`].

use crate::field::Fr;
use curve25519_dalek::ristretto::RistrettoPoint;
use merlin::Transcript;

/// Domain separators and labels, versioned.
pub mod labels {
    /// Top-level protocol label for a zkagg transcript.
    pub const PROTOCOL: &[u8] = b"zkagg/v1";
    /// Domain separator of a Spartan proof over an R1CS shape.
    pub const DS_SPARTAN: &[u8] = b"zkagg/spartan/v1";
    /// Domain separator of the linking proof.
    pub const DS_LINK: &[u8] = b"zkagg/link/v1";
    /// Domain separator of a Pedersen batch-opening check.
    pub const DS_PEDERSEN_BATCH: &[u8] = b"zkagg/pedersen-batch/v1";
    /// Label: domain separator.
    pub const DOM_SEP: &[u8] = b"dom-sep";
    /// Label: an R1CS shape digest.
    pub const SHAPE: &[u8] = b"r1cs-shape";
    /// Label: a public input.
    pub const PUBLIC_INPUT: &[u8] = b"public-input";
    /// Label: a length prefix.
    pub const LEN: &[u8] = b"len";
}

/// Extension trait over merlin's transcript for zkagg's messages.
pub trait TranscriptProtocol {
    /// Appends a versioned domain separator.
    fn domain_sep(&mut self, ds: &'static [u8]);
    /// Appends a u64 under `label`.
    fn append_u64_le(&mut self, label: &'static [u8], x: u64);
    /// Appends a scalar under `label`.
    fn append_scalar(&mut self, label: &'static [u8], x: &Fr);
    /// Appends a length-prefixed slice of scalars under `label`.
    fn append_scalars(&mut self, label: &'static [u8], xs: &[Fr]);
    /// Appends a point (compressed) under `label`.
    fn append_point(&mut self, label: &'static [u8], p: &RistrettoPoint);
    /// Appends a length-prefixed slice of points under `label`.
    fn append_points(&mut self, label: &'static [u8], ps: &[RistrettoPoint]);
    /// Derives a challenge scalar (wide reduction of 64 bytes).
    fn challenge_scalar(&mut self, label: &'static [u8]) -> Fr;
}

impl TranscriptProtocol for Transcript {
    fn domain_sep(&mut self, ds: &'static [u8]) {
        self.append_message(labels::DOM_SEP, ds);
    }

    fn append_u64_le(&mut self, label: &'static [u8], x: u64) {
        self.append_u64(label, x);
    }

    fn append_scalar(&mut self, label: &'static [u8], x: &Fr) {
        self.append_message(label, x.as_bytes());
    }

    fn append_scalars(&mut self, label: &'static [u8], xs: &[Fr]) {
        self.append_u64(labels::LEN, xs.len() as u64);
        for x in xs {
            self.append_message(label, x.as_bytes());
        }
    }

    fn append_point(&mut self, label: &'static [u8], p: &RistrettoPoint) {
        self.append_message(label, p.compress().as_bytes());
    }

    fn append_points(&mut self, label: &'static [u8], ps: &[RistrettoPoint]) {
        self.append_u64(labels::LEN, ps.len() as u64);
        for p in ps {
            self.append_message(label, p.compress().as_bytes());
        }
    }

    fn challenge_scalar(&mut self, label: &'static [u8]) -> Fr {
        let mut buf = [0u8; 64];
        self.challenge_bytes(label, &mut buf);
        Fr::from_bytes_mod_order_wide(&buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_depend_on_every_append() {
        let mut t1 = Transcript::new(labels::PROTOCOL);
        let mut t2 = Transcript::new(labels::PROTOCOL);
        t1.domain_sep(labels::DS_LINK);
        t2.domain_sep(labels::DS_LINK);
        t1.append_scalars(b"x", &[Fr::ONE, Fr::ZERO]);
        t2.append_scalars(b"x", &[Fr::ONE]);
        assert_ne!(t1.challenge_scalar(b"c"), t2.challenge_scalar(b"c"));
        let mut t3 = Transcript::new(labels::PROTOCOL);
        let mut t4 = Transcript::new(labels::PROTOCOL);
        assert_eq!(t3.challenge_scalar(b"c"), t4.challenge_scalar(b"c"));
    }
}
