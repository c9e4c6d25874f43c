//! The podpis file container (being written).
