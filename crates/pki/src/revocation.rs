//! revocation (being written).
