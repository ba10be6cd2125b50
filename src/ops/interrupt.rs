//! Ctrl-C and SIGTERM during a change: the first signal stops new work from
//! being scheduled while the operations in flight finish, so nothing hmctl
//! meant to restart is left stopped. Later signals only repeat that it is
//! finishing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Notify;

/// Whether an interrupt arrived.
#[derive(Clone, Default)]
pub struct Interrupt {
    raised: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl Interrupt {
    /// Starts listening for SIGINT and SIGTERM; `on_signal` is told of each.
    pub fn install(on_signal: impl Fn(bool) + Send + 'static) -> Interrupt {
        let interrupt = Interrupt::default();
        let listener = interrupt.clone();
        let signals = (
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()),
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()),
        );
        if let (Ok(mut interrupt_signal), Ok(mut terminate_signal)) = signals {
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = interrupt_signal.recv() => {}
                        _ = terminate_signal.recv() => {}
                    }
                    let first = !listener.raised.swap(true, Ordering::SeqCst);
                    listener.notify.notify_waiters();
                    on_signal(first);
                }
            });
        }
        interrupt
    }

    #[cfg(test)]
    pub fn raise(&self) {
        self.raised.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// Resolves when an interrupt arrives (at once if one has).
    pub async fn raised(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_raised() {
                return;
            }
            notified.await;
        }
    }
}
