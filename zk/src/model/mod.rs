//! Models with a native fixed-point face and a circuit face (being written).
