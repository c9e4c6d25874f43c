//! name (being written).
