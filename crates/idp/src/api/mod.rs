//! The REST API of the identity provider, one module per part, each with
//! its axum `Router` constructor and its OpenAPI 3.1 `paths` fragment
//! (`podpis serve` mounts the routers and merges the fragments into
//! `/api/openapi.json`).

pub mod esig;
