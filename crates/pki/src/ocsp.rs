//! ocsp (being written).
