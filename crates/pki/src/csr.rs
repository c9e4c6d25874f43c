//! csr (being written).
