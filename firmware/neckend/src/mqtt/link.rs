//! The network side of the MQTT connection: one thread that only drives rumqttc's event loop
//! with a blocking `recv`, forwarding every event to the worker.
//!
//! Why a thread of its own: rumqttc's sync `Connection::recv_timeout` drops the event loop's
//! future when the timeout fires, and a connect (TCP, TLS handshake, CONNECT/CONNACK) that has
//! not finished by then is cancelled and started again on the next call. Across a network with
//! more than ~20 ms round trip, or with TLS, the daemon then never got connected. Here nothing
//! ever interrupts the event loop; the worker waits on its own channel instead.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{Connection, ConnectionError, Event, Outgoing, Packet};

/// What the network thread tells the worker.
pub(crate) enum LinkEvent {
    /// An event of the connection (connected, acknowledgements, incoming publishes...).
    Event(Event),
    /// The connection failed or could not be made; the thread retries after `retry_in`.
    Failed {
        /// What went wrong, as rumqttc says it.
        error: String,
        /// Consecutive failed attempts, this one included.
        attempts: u32,
        /// When the next attempt starts.
        retry_in: Duration,
    },
}

/// Reconnect delays: exponential from `first`, doubling up to `max`, with up to ±20 % jitter
/// so that many boards that lost the same broker do not come back in lockstep.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// Delay after the first failure.
    pub first: Duration,
    /// Longest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before attempt `attempts + 1`, after `attempts` consecutive failures (≥ 1).
    pub fn delay(&self, attempts: u32, jitter_seed: u64) -> Duration {
        let doublings = attempts.saturating_sub(1).min(20);
        let base = self
            .first
            .saturating_mul(1u32 << doublings.min(16))
            .min(self.max);
        // A cheap, well-mixed number in [0, 1) from the seed (SplitMix64's finaliser).
        let mut z = jitter_seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let unit = ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64;
        base.mul_f64(0.8 + 0.4 * unit)
    }
}

/// Starts the network thread. It ends when the worker is gone (its channel closed), after the
/// client's DISCONNECT went out, when every client handle was dropped, or when `stop` is set
/// (checked between attempts).
pub(crate) fn spawn<T: Send + 'static>(
    mut connection: Connection,
    to_worker: SyncSender<T>,
    wrap: fn(LinkEvent) -> T,
    backoff: Backoff,
    stop: Arc<AtomicBool>,
) -> JoinHandle<()> {
    std::thread::Builder::new()
        .name("mqtt-net".into())
        .spawn(move || {
            let mut attempts = 0u32;
            let seed = u64::from(std::process::id()) << 32;
            while !stop.load(Ordering::Relaxed) {
                match connection.recv() {
                    Ok(Ok(event)) => {
                        if matches!(event, Event::Incoming(Packet::ConnAck(_))) {
                            attempts = 0;
                        }
                        let disconnected = matches!(event, Event::Outgoing(Outgoing::Disconnect));
                        if to_worker.send(wrap(LinkEvent::Event(event))).is_err() || disconnected {
                            return;
                        }
                    }
                    Ok(Err(e)) => {
                        if matches!(e, ConnectionError::RequestsDone) {
                            return;
                        }
                        attempts = attempts.saturating_add(1);
                        let retry_in = backoff.delay(attempts, seed ^ u64::from(attempts));
                        let failed = LinkEvent::Failed {
                            error: e.to_string(),
                            attempts,
                            retry_in,
                        };
                        if to_worker.send(wrap(failed)).is_err() {
                            return;
                        }
                        let until = Instant::now() + retry_in;
                        while !stop.load(Ordering::Relaxed) && Instant::now() < until {
                            std::thread::sleep(
                                (until - Instant::now()).min(Duration::from_millis(50)),
                            );
                        }
                    }
                    Err(_) => return,
                }
            }
        })
        .expect("spawning a thread")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_with_bounded_jitter() {
        let b = Backoff {
            first: Duration::from_millis(500),
            max: Duration::from_secs(10),
        };
        for seed in 0..50u64 {
            let d1 = b.delay(1, seed).as_secs_f64();
            assert!((0.4..=0.6).contains(&d1), "{d1}");
            let d3 = b.delay(3, seed).as_secs_f64();
            assert!((1.6..=2.4).contains(&d3), "{d3}");
            let d30 = b.delay(30, seed).as_secs_f64();
            assert!((8.0..=12.0).contains(&d30), "{d30}");
        }
        let spread: Vec<u128> = (0..20).map(|s| b.delay(2, s).as_millis()).collect();
        assert!(
            spread.iter().any(|&d| d != spread[0]),
            "no jitter: {spread:?}"
        );
    }
}
