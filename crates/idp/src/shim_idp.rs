//! TEMPORARY shim of part A's `idp::Idp` (issue 6).
#![allow(missing_docs)]

use std::sync::Arc;

use store::Store;

use crate::Clock;

#[derive(Clone, Debug)]
pub struct Idp {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Idp {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Idp {
        Idp { store, clock }
    }
    pub fn store(&self) -> &Store {
        &self.store
    }
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }
}
