//! Garbled circuits (to be filled).
