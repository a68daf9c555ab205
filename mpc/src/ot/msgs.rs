//! Messages of the OT protocols: plain serde structs named by what they carry.
