//! Ready-made circuits used by benches and by the aggregation layer.

use crate::error::SynthesisError;
use crate::field::from_i64;
use crate::gadgets::range;
use crate::r1cs::{Circuit, ConstraintSystem};

/// d signed values, each range-checked to `bits` bits
/// (x in [-2^(bits-1), 2^(bits-1))): `bits` constraints per value.
/// `values = None` gives the shape only.
#[derive(Clone, Debug)]
pub struct RangeCheckCircuit {
    /// Number of values.
    pub d: usize,
    /// Signed bit width of each value.
    pub bits: usize,
    /// The values (witness), or `None` for shape synthesis.
    pub values: Option<Vec<i64>>,
}

impl RangeCheckCircuit {
    /// The shape-only circuit.
    pub fn shape(d: usize, bits: usize) -> Self {
        RangeCheckCircuit {
            d,
            bits,
            values: None,
        }
    }
}

impl Circuit for RangeCheckCircuit {
    fn synthesize<CS: ConstraintSystem>(&self, cs: &mut CS) -> Result<(), SynthesisError> {
        if let Some(v) = &self.values {
            if v.len() != self.d {
                return Err(SynthesisError::InvalidParameter(format!(
                    "{} values for d = {}",
                    v.len(),
                    self.d
                )));
            }
        }
        for i in 0..self.d {
            let x = cs.alloc(self.values.as_ref().map(|v| from_i64(v[i])))?;
            range::signed(cs, x.into(), self.bits)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::r1cs::ConstraintCounter;

    #[test]
    fn at_most_17_constraints_per_16_bit_value() {
        let mut c = ConstraintCounter::new();
        RangeCheckCircuit::shape(1000, 16)
            .synthesize(&mut c)
            .unwrap();
        assert!(c.num_constraints() <= 17 * 1000, "{}", c.report());
        assert_eq!(c.num_constraints(), 16 * 1000);
    }
}
