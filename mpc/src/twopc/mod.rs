//! Two-party validity check (to be filled).
