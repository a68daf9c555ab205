//! Messages of the two-party validity check: plain serde structs named by
//! what they carry. Byte counts are the raw sizes (16 bytes per block, bits
//! packed), without serialization framing. Untrusted on receipt: the
//! evaluator checks every length. Not audited.

use crate::garble::{DecodingInfo, GarbledTables, InputLabels};
use crate::Block;
use serde::{Deserialize, Serialize};

/// Garbler -> evaluator: the garbled validity circuit, the garbler's own
/// input labels and the decoding bit of the single output. Sent in the same
/// flow as the last OT message (OT sender -> receiver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarbledCircuitMsg {
    /// Half-gates tables (two blocks per AND gate) and the constant label.
    pub tables: GarbledTables,
    /// Active labels of the garbler's input bits, coordinate by coordinate.
    pub garbler_labels: InputLabels,
    /// Decoding information of the output bit.
    pub decoding: DecodingInfo,
}

impl GarbledCircuitMsg {
    /// Size in bytes.
    pub fn byte_len(&self) -> u64 {
        (self.tables.byte_len() + 16 * self.garbler_labels.labels.len() + self.decoding.byte_len())
            as u64
    }
}

/// Evaluator -> garbler: the active label of the output wire, so the garbler
/// learns the verdict too (and can check the label is genuine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLabelMsg {
    /// The evaluator's active output label.
    pub label: Block,
}

impl OutputLabelMsg {
    /// Size in bytes.
    pub fn byte_len(&self) -> u64 {
        16
    }
}
