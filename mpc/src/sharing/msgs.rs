//! What goes on the wire: the share types of each scheme and their canonical
//! encoding.
//!
//! Encoding: postcard. A scalar is its 32-byte little-endian canonical
//! encoding (a value `>= l` is rejected, never reduced); a vector of scalars
//! is a varint element count followed by the scalars; an enum is a varint
//! variant index followed by the variant's fields. [`decode_share`] also
//! rejects trailing bytes and any encoding that does not re-encode to the
//! same bytes (overlong varints), so every share has exactly one encoding.
//!
//! Decoding never panics and never allocates more than a constant factor of
//! the input length. It does not check the *length* of the decoded vector
//! or whether the form suits the receiving party: the scheme does that
//! ([`SecretSharing::decode_share`](super::SecretSharing::decode_share)),
//! because only it knows what to expect.
//!
//! `Debug` on shares prints only their form and length, never their content;
//! shares are zeroized on drop (the encoding is unchanged).

use super::error::{Misuse, ShareFault, SharingError};
use core::fmt;
use curve25519_dalek::scalar::Scalar;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A share of additive sharing ([`Additive`](super::additive::Additive)),
/// as dealt to one party.
///
/// Parties `0..S-1` receive a [`AdditiveShare::Seed`], the last party
/// receives the [`AdditiveShare::Explicit`] correction vector.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub enum AdditiveShare {
    /// A 32-byte seed; the share is its PRG expansion
    /// ([`Additive::expand_seed`](super::additive::Additive::expand_seed)).
    /// Wire tag 0.
    Seed([u8; 32]),
    /// The share written out: `v - sum of the seed expansions`. Wire tag 1.
    Explicit(#[serde(with = "scalar_vec")] Vec<Scalar>),
}

impl AdditiveShare {
    /// `"seed"` or `"explicit"`, for errors.
    pub fn form(&self) -> &'static str {
        match self {
            AdditiveShare::Seed(_) => "seed",
            AdditiveShare::Explicit(_) => "explicit",
        }
    }
}

impl fmt::Debug for AdditiveShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdditiveShare::Seed(_) => f.write_str("AdditiveShare::Seed(<redacted>)"),
            AdditiveShare::Explicit(v) => {
                write!(f, "AdditiveShare::Explicit(<{} scalars>)", v.len())
            }
        }
    }
}

/// A share of Shamir sharing ([`Shamir`](super::shamir::Shamir)) as dealt to
/// one party: the dealer's polynomials evaluated at that party's point, one
/// field element per coordinate of the secret vector.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ShamirShare(#[serde(with = "scalar_vec")] pub Vec<Scalar>);

impl fmt::Debug for ShamirShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShamirShare(<{} scalars>)", self.0.len())
    }
}

/// Canonical encoding of a share (postcard, see the module docs).
pub fn encode_share<T: Serialize>(share: &T) -> Result<Vec<u8>, SharingError> {
    postcard::to_allocvec(share).map_err(|_| SharingError::Misuse(Misuse::Encoding))
}

/// Decodes a share dealt to party `party`, accepting only the canonical
/// encoding: no truncation, no trailing bytes, canonical scalars, minimal
/// varints. Failures are [`SharingError::InvalidShare`] for `party`.
pub fn decode_share<T: Serialize + DeserializeOwned>(
    party: usize,
    bytes: &[u8],
) -> Result<T, SharingError> {
    let malformed = |reason| SharingError::InvalidShare {
        party,
        fault: ShareFault::Malformed { reason },
    };
    let (share, rest): (T, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| malformed(describe(&e)))?;
    if !rest.is_empty() {
        return Err(malformed("trailing bytes"));
    }
    // Re-encoding catches what postcard accepts leniently (overlong varints).
    match postcard::to_allocvec(&share) {
        Ok(again) if again == bytes => Ok(share),
        _ => Err(malformed("non-canonical encoding")),
    }
}

fn describe(e: &postcard::Error) -> &'static str {
    match e {
        postcard::Error::DeserializeUnexpectedEnd => "truncated",
        postcard::Error::DeserializeBadVarint => "bad varint",
        postcard::Error::DeserializeBadEnum => "bad tag",
        postcard::Error::SerdeDeCustom => "invalid value (unknown tag or non-canonical scalar)",
        _ => "invalid encoding",
    }
}

/// Decodes 32 bytes as a canonical scalar (`< l`); `None` otherwise.
pub(crate) fn scalar_from_canonical(bytes: [u8; 32]) -> Option<Scalar> {
    Option::from(Scalar::from_canonical_bytes(bytes))
}

/// Serde adapter: a vector of scalars as a sequence of 32-byte canonical
/// encodings. Deserialisation rejects non-canonical scalars.
pub(crate) mod scalar_vec {
    use super::scalar_from_canonical;
    use curve25519_dalek::scalar::Scalar;
    use serde::de::{Error as _, SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Cap on the capacity reserved from an untrusted length prefix.
    const MAX_PREALLOC: usize = 1 << 12;

    pub(crate) fn serialize<S: Serializer>(xs: &[Scalar], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(xs.iter().map(|x| x.to_bytes()))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Scalar>, D::Error> {
        d.deserialize_seq(ScalarVecVisitor)
    }

    struct Canonical(Scalar);

    impl<'de> Deserialize<'de> for Canonical {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let bytes = <[u8; 32]>::deserialize(d)?;
            scalar_from_canonical(bytes)
                .map(Canonical)
                .ok_or_else(|| D::Error::custom("non-canonical scalar"))
        }
    }

    struct ScalarVecVisitor;

    impl<'de> Visitor<'de> for ScalarVecVisitor {
        type Value = Vec<Scalar>;

        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a sequence of canonical 32-byte scalars")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Scalar>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_PREALLOC));
            while let Some(Canonical(x)) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
    }
}
