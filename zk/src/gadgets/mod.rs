//! Gadgets (to be filled).
