//! Errors of the garbled-circuit layer.
//!
//! Errors caused by a peer's message (a truncated or padded garbled table, a
//! wrong number of labels) are kept apart from local misuse and from malformed
//! circuit files. None of these paths panics: every length is checked first.

use thiserror::Error;

/// Errors from garbling, evaluating or decoding a garbled circuit.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GarbleError {
    /// The garbled tables ended before every AND gate had its two ciphertexts
    /// (peer misbehaviour: truncated message).
    #[error("garbled tables truncated: AND gate {gate} needs 2 more blocks, {remaining} left")]
    TruncatedTables {
        /// Index (in evaluation order) of the AND gate that found no table.
        gate: u64,
        /// Blocks left in the table stream.
        remaining: usize,
    },
    /// Blocks were left over after the last AND gate (peer misbehaviour).
    #[error("garbled tables too long: {extra} unused blocks after the last AND gate")]
    ExtraTables {
        /// Number of unused blocks.
        extra: usize,
    },
    /// A label vector had the wrong length (peer misbehaviour when the labels
    /// come from the peer, misuse otherwise).
    #[error("wrong number of {what}: expected {expected}, got {got}")]
    WrongLabelCount {
        /// Which labels (input labels, decoding bits, output labels...).
        what: &'static str,
        /// Expected count.
        expected: usize,
        /// Received count.
        got: usize,
    },
    /// The caller supplied the wrong number of input values (local misuse).
    #[error("wrong input width for input {input}: expected {expected} bits, got {got}")]
    WrongInputWidth {
        /// Which input of the circuit.
        input: usize,
        /// Expected width in bits.
        expected: usize,
        /// Width given.
        got: usize,
    },
    /// Bit vectors of different widths were combined in a gadget (local misuse).
    #[error("width mismatch in {gadget}: {left} vs {right} bits")]
    WidthMismatch {
        /// Gadget name.
        gadget: &'static str,
        /// Width of the first operand.
        left: usize,
        /// Width of the second operand.
        right: usize,
    },
    /// An output label was neither of the two labels of its wire
    /// (peer misbehaviour, or a corrupted table).
    #[error("output label {index} is not a valid label of its wire")]
    InvalidOutputLabel {
        /// Index of the output.
        index: usize,
    },
    /// An operation was called on a wire of another circuit builder, or a
    /// similar local misuse of a backend.
    #[error("invalid wire {wire} (circuit has {wires} wires)")]
    InvalidWire {
        /// The offending wire id.
        wire: u64,
        /// Number of wires defined so far.
        wires: u64,
    },
}

/// Errors from parsing a Bristol Fashion circuit file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BristolError {
    /// The file ended before the header or the announced gates.
    #[error("unexpected end of file: {0}")]
    UnexpectedEof(&'static str),
    /// A token that should be a number was not one.
    #[error("line {line}: expected a number, found {token:?}")]
    BadNumber {
        /// 1-based line number.
        line: usize,
        /// The token found (truncated to 32 characters).
        token: String,
    },
    /// A count exceeds the importer's limits (guards allocations).
    #[error("line {line}: {what} = {value} exceeds the limit {limit}")]
    TooLarge {
        /// 1-based line number.
        line: usize,
        /// Which count.
        what: &'static str,
        /// Value found.
        value: u64,
        /// Limit.
        limit: u64,
    },
    /// The header is inconsistent (widths do not fit in the wire count...).
    #[error("bad header: {0}")]
    BadHeader(String),
    /// A gate line is malformed.
    #[error("line {line}: {reason}")]
    BadGate {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A gate reads a wire that is out of range or not yet assigned.
    #[error("line {line}: wire {wire} is {reason}")]
    BadWire {
        /// 1-based line number.
        line: usize,
        /// The wire index.
        wire: u64,
        /// "out of range", "read before it is assigned", "assigned twice".
        reason: &'static str,
    },
    /// The number of gate lines differs from the header.
    #[error("header announces {announced} gates, file has {found}")]
    GateCount {
        /// Gates in the header.
        announced: u64,
        /// Gate lines found.
        found: u64,
    },
    /// An output wire is never assigned.
    #[error("output wire {0} is never assigned")]
    UnassignedOutput(u64),
}
