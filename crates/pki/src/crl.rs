//! crl (being written).
