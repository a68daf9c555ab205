//! A serde `Serializer` that encodes nothing and inspects a Spartan proof:
//! it checks that every Spartan `Scalar` (serialised by serde as its raw
//! Montgomery limbs) is below the modulus, and records the lengths of the
//! sequences under a named field, so that a verifier can reject proofs whose
//! claimed point lengths would make it allocate exponentially.

use serde::ser::{self, Serialize};
use std::fmt;

/// l in four little-endian 64-bit limbs.
const MODULUS: [u64; 4] = [
    0x5812631a5cf5d3ed,
    0x14def9dea2f79cd6,
    0,
    0x1000000000000000,
];

#[derive(Debug)]
pub(crate) struct InspectError(pub String);

impl fmt::Display for InspectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InspectError {}

impl ser::Error for InspectError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        InspectError(msg.to_string())
    }
}

/// What the inspection found.
#[derive(Default, Debug)]
pub(crate) struct Inspector {
    /// Field names from the root to the current position.
    path: Vec<&'static str>,
    /// Collecting the limbs of a scalar.
    limbs: Option<Vec<u64>>,
    /// Number of scalars seen.
    pub scalars: usize,
    /// (field path, length) of every sequence seen.
    pub seqs: Vec<(String, usize)>,
    /// First non-canonical scalar, if any.
    pub non_canonical: bool,
}

fn lt_modulus(l: &[u64]) -> bool {
    for i in (0..4).rev() {
        if l[i] != MODULUS[i] {
            return l[i] < MODULUS[i];
        }
    }
    false
}

impl Inspector {
    fn u64(&mut self, v: u64) {
        if let Some(l) = self.limbs.as_mut() {
            l.push(v);
        }
    }
}

type R = Result<(), InspectError>;

impl ser::Serializer for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, _: bool) -> R {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> R {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> R {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> R {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> R {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> R {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> R {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> R {
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> R {
        self.u64(v);
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> R {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> R {
        Ok(())
    }
    fn serialize_char(self, _: char) -> R {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> R {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> R {
        Ok(())
    }
    fn serialize_none(self) -> R {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, name: &'static str, v: &T) -> R {
        if name == "Scalar" && self.limbs.is_none() {
            self.limbs = Some(Vec::with_capacity(4));
            v.serialize(&mut *self)?;
            let limbs = self.limbs.take().unwrap_or_default();
            self.scalars += 1;
            if limbs.len() != 4 || !lt_modulus(&limbs) {
                self.non_canonical = true;
            }
            Ok(())
        } else {
            v.serialize(self)
        }
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> R {
        v.serialize(self)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self, InspectError> {
        self.seqs.push((self.path.join("."), len.unwrap_or(0)));
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, InspectError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, InspectError> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, InspectError> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, InspectError> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, InspectError> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, InspectError> {
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeTuple for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeMap for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> R {
        self.path.push(key);
        let r = v.serialize(&mut **self);
        self.path.pop();
        r
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut Inspector {
    type Ok = ();
    type Error = InspectError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> R {
        self.path.push(key);
        let r = v.serialize(&mut **self);
        self.path.pop();
        r
    }
    fn end(self) -> R {
        Ok(())
    }
}

/// Inspects a serialisable value.
pub(crate) fn inspect<T: Serialize>(v: &T) -> Result<Inspector, InspectError> {
    let mut i = Inspector::default();
    v.serialize(&mut i)?;
    Ok(i)
}
