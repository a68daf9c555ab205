//! Oblivious transfer (to be filled).
