//! Canonical byte encodings for values that cross a trust boundary.
//!
//! - Scalars: 32 bytes little-endian, canonical (< l) only.
//! - Points: 32-byte compressed ristretto255, must decompress.
//! - Messages: postcard, with a size cap checked before decoding, no trailing
//!   bytes, and re-encoding must reproduce the input (this rejects overlong
//!   varints and non-canonical scalars hidden inside nested types).

use crate::error::EncodingError;
use crate::field::Fr;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use serde::{de::DeserializeOwned, Serialize};

/// Decodes a canonical scalar from exactly 32 bytes.
pub fn scalar_from_bytes(bytes: &[u8]) -> Result<Fr, EncodingError> {
    let arr: [u8; 32] = bytes.try_into().map_err(|_| EncodingError::WrongLength {
        expected: 32,
        got: bytes.len(),
    })?;
    Option::<Fr>::from(Fr::from_canonical_bytes(arr)).ok_or(EncodingError::NonCanonicalScalar)
}

/// Decodes a ristretto255 point from exactly 32 bytes (canonical encodings only:
/// the ristretto decoder rejects non-canonical ones).
pub fn point_from_bytes(bytes: &[u8]) -> Result<RistrettoPoint, EncodingError> {
    let c = CompressedRistretto::from_slice(bytes).map_err(|_| EncodingError::WrongLength {
        expected: 32,
        got: bytes.len(),
    })?;
    c.decompress().ok_or(EncodingError::InvalidPoint)
}

/// Serialises a message with postcard.
pub fn to_bytes<T: Serialize>(msg: &T) -> Result<Vec<u8>, EncodingError> {
    postcard::to_allocvec(msg).map_err(|e| EncodingError::Malformed(e.to_string()))
}

/// Decodes a postcard message of at most `cap` bytes, rejecting trailing bytes
/// and non-canonical encodings (decode then re-encode must give the input).
pub fn from_bytes_capped<T: Serialize + DeserializeOwned>(
    bytes: &[u8],
    cap: usize,
) -> Result<T, EncodingError> {
    if bytes.len() > cap {
        return Err(EncodingError::TooLarge {
            cap,
            got: bytes.len(),
        });
    }
    let (msg, rest): (T, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| EncodingError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(EncodingError::TrailingBytes(rest.len()));
    }
    if to_bytes(&msg)? != bytes {
        return Err(EncodingError::NonCanonical);
    }
    Ok(msg)
}

/// Serde adapters for [`Fr`] as 32 canonical bytes, for our own message types.
pub mod serde_scalar {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Serialises a scalar as 32 bytes.
    pub fn serialize<S: Serializer>(x: &Fr, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&x.to_bytes(), s)
    }

    /// Deserialises a canonical scalar.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let b: [u8; 32] = serde::Deserialize::deserialize(d)?;
        scalar_from_bytes(&b).map_err(serde::de::Error::custom)
    }
}

/// Serde adapters for vectors of [`Fr`].
pub mod serde_scalar_vec {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Serialises scalars as a sequence of 32-byte arrays.
    pub fn serialize<S: Serializer>(xs: &[Fr], s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<[u8; 32]> = xs.iter().map(|x| x.to_bytes()).collect();
        serde::Serialize::serialize(&v, s)
    }

    /// Deserialises canonical scalars.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Fr>, D::Error> {
        let v: Vec<[u8; 32]> = serde::Deserialize::deserialize(d)?;
        v.iter()
            .map(|b| scalar_from_bytes(b).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// Serde adapters for a compressed ristretto point that must decompress.
pub mod serde_point {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Serialises a point compressed.
    pub fn serialize<S: Serializer>(p: &RistrettoPoint, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&p.compress().to_bytes(), s)
    }

    /// Deserialises and validates a point.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<RistrettoPoint, D::Error> {
        let b: [u8; 32] = serde::Deserialize::deserialize(d)?;
        point_from_bytes(&b).map_err(serde::de::Error::custom)
    }
}

/// Serde adapters for vectors of points.
pub mod serde_point_vec {
    use super::*;
    use serde::{Deserializer, Serializer};

    /// Serialises points compressed.
    pub fn serialize<S: Serializer>(ps: &[RistrettoPoint], s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<[u8; 32]> = ps.iter().map(|p| p.compress().to_bytes()).collect();
        serde::Serialize::serialize(&v, s)
    }

    /// Deserialises and validates points.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RistrettoPoint>, D::Error> {
        let v: Vec<[u8; 32]> = serde::Deserialize::deserialize(d)?;
        v.iter()
            .map(|b| point_from_bytes(b).map_err(serde::de::Error::custom))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Msg {
        #[serde(with = "serde_scalar")]
        x: Fr,
        #[serde(with = "serde_point")]
        p: RistrettoPoint,
        v: Vec<u8>,
    }

    #[test]
    fn rejects_non_canonical_scalars() {
        // l itself, little-endian: non-canonical.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        assert_eq!(
            scalar_from_bytes(&l),
            Err(EncodingError::NonCanonicalScalar)
        );
        assert!(scalar_from_bytes(&[0u8; 31]).is_err());
        let mut lm1 = l;
        lm1[0] -= 1;
        assert_eq!(scalar_from_bytes(&lm1).unwrap(), -Fr::ONE);
    }

    #[test]
    fn rejects_bad_points() {
        assert!(point_from_bytes(&[0xffu8; 32]).is_err());
        assert!(point_from_bytes(&[0u8; 33]).is_err());
        let b = RISTRETTO_BASEPOINT_POINT.compress().to_bytes();
        assert_eq!(point_from_bytes(&b).unwrap(), RISTRETTO_BASEPOINT_POINT);
    }

    #[test]
    fn message_caps_trailing_and_canonicity() {
        let m = Msg {
            x: Fr::from(7u8),
            p: RISTRETTO_BASEPOINT_POINT,
            v: vec![1, 2, 3],
        };
        let bytes = to_bytes(&m).unwrap();
        assert_eq!(from_bytes_capped::<Msg>(&bytes, 1024).unwrap(), m);
        assert!(matches!(
            from_bytes_capped::<Msg>(&bytes, 10),
            Err(EncodingError::TooLarge { .. })
        ));
        let mut extended = bytes.clone();
        extended.push(0);
        assert_eq!(
            from_bytes_capped::<Msg>(&extended, 1024),
            Err(EncodingError::TrailingBytes(1))
        );
        for cut in 0..bytes.len() {
            assert!(from_bytes_capped::<Msg>(&bytes[..cut], 1024).is_err());
        }
        // An overlong varint for the vector length (3 encoded as 0x83 0x00) is rejected.
        let mut overlong = bytes[..64].to_vec();
        overlong.extend_from_slice(&[0x83, 0x00, 1, 2, 3]);
        assert!(from_bytes_capped::<Msg>(&overlong, 1024).is_err());
    }
}
