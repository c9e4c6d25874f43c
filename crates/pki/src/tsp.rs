//! tsp (being written).
