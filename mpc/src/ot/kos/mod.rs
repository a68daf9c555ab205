//! KOS OT extension (to be filled).

/// Largest number of OTs in one extension batch.
pub const MAX_BATCH: usize = 1 << 24;
