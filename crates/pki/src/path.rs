//! path (being written).
