//! Open connections and whether each is handling a request, so that when every connection slot
//! is taken the oldest idle connection (keep-alive, or one that never sent a request) is closed
//! for a new client instead of the new client waiting behind it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// One open connection as the registry sees it.
struct Conn {
    /// Requests being handled on it now.
    active: Arc<AtomicUsize>,
    /// Signalled to ask the connection to close (gracefully: a request in flight finishes).
    close: Arc<Notify>,
}

#[derive(Default)]
pub struct Registry {
    next: AtomicU64,
    /// By id: the lowest id is the oldest connection.
    conns: Mutex<BTreeMap<u64, Conn>>,
}

/// A connection's handle: keeps it registered until dropped.
pub struct Handle {
    registry: Arc<Registry>,
    id: u64,
    pub active: Arc<AtomicUsize>,
    pub close: Arc<Notify>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.registry.conns.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

/// Counts a request as active on its connection while alive (also when the request is dropped
/// half-way).
pub struct Busy(Arc<AtomicUsize>);

impl Busy {
    pub fn new(active: &Arc<AtomicUsize>) -> Busy {
        active.fetch_add(1, Ordering::SeqCst);
        Busy(active.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Registry {
    pub fn register(self: &Arc<Self>) -> Handle {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (active, close) = (Arc::new(AtomicUsize::new(0)), Arc::new(Notify::new()));
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).insert(id, Conn { active: active.clone(), close: close.clone() });
        Handle { registry: self.clone(), id, active, close }
    }

    /// Ask the oldest connection that handles no request to close; false when every open
    /// connection is busy.
    pub fn close_oldest_idle(&self) -> bool {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        let Some(id) = conns.iter().find(|(_, c)| c.active.load(Ordering::SeqCst) == 0).map(|(id, _)| *id) else { return false };
        if let Some(c) = conns.remove(&id) {
            // notify_one stores a permit, so a connection task not yet waiting still sees it.
            c.close.notify_one();
        }
        true
    }
}
