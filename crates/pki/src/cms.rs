//! cms (being written).
