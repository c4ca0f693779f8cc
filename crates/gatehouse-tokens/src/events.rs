//! Events the services emit, and a small registry of observers that receive them.
//!
//! The reference dispatches `customer_login` after a successful customer token login; other
//! parts of a shop (carts, logs) listen to it. Gatehouse does the same through [`EventBus`].

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use gatehouse_domain::Customer;

/// Something that happened, for observers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A customer obtained a token with their email and password (`customer_login`).
    CustomerLogin(Customer),
}

impl Event {
    /// The reference's event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::CustomerLogin(_) => "customer_login",
        }
    }
}

/// Receives events.
///
/// Observers are called synchronously on the thread that emits, in registration order, after
/// the action succeeded; they must return quickly and must not panic. They cannot veto the
/// action.
pub trait Observer: Send + Sync {
    /// Called once per emitted event.
    fn on_event(&self, event: &Event);
}

/// The registered observers.
#[derive(Default)]
pub struct EventBus {
    observers: RwLock<Vec<Arc<dyn Observer>>>,
}

impl EventBus {
    /// A bus without observers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an observer; it receives every event emitted from now on.
    pub fn register(&self, observer: Arc<dyn Observer>) {
        self.observers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(observer);
    }

    /// Hands `event` to every observer, in registration order.
    pub fn emit(&self, event: &Event) {
        // Observers are cloned out so one that registers another does not deadlock the bus.
        let observers: Vec<Arc<dyn Observer>> = self
            .observers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for observer in observers {
            observer.on_event(event);
        }
    }

    /// How many observers are registered.
    pub fn len(&self) -> usize {
        self.observers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no observer is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for EventBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventBus")
            .field("observers", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use gatehouse_domain::CustomerId;

    use super::*;

    #[derive(Default)]
    struct Recorder {
        seen: Mutex<Vec<String>>,
        label: &'static str,
    }

    impl Observer for Recorder {
        fn on_event(&self, event: &Event) {
            let Event::CustomerLogin(customer) = event;
            self.seen.lock().unwrap().push(format!(
                "{} {} {}",
                self.label,
                event.name(),
                customer.email
            ));
        }
    }

    fn customer() -> Customer {
        Customer {
            id: CustomerId(3),
            email: "ann@example.com".into(),
            firstname: "Ann".into(),
            lastname: "Lee".into(),
            password_hash: String::new(),
            is_active: true,
            created_at: 0,
        }
    }

    #[test]
    fn every_observer_receives_each_event_in_order() {
        let bus = EventBus::new();
        let first = Arc::new(Recorder {
            label: "first",
            ..Recorder::default()
        });
        let second = Arc::new(Recorder {
            label: "second",
            ..Recorder::default()
        });
        bus.register(first.clone());
        bus.register(second.clone());

        bus.emit(&Event::CustomerLogin(customer()));

        assert_eq!(bus.len(), 2);
        assert_eq!(
            *first.seen.lock().unwrap(),
            vec!["first customer_login ann@example.com"]
        );
        assert_eq!(
            *second.seen.lock().unwrap(),
            vec!["second customer_login ann@example.com"]
        );
    }

    #[test]
    fn emitting_without_observers_does_nothing() {
        let bus = EventBus::new();
        assert!(bus.is_empty());
        bus.emit(&Event::CustomerLogin(customer()));
    }
}
