//! PKCS#12 import and export (being written).
