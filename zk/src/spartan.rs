//! Spartan (to be filled).
