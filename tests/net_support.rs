//! A TCP proxy on loopback that delays every byte by a fixed one-way latency (and can cut all
//! its connections), to put the broker "across a network" the way venue Wi-Fi does.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Bytes waiting to be delivered, each chunk with the moment it is due.
type Pipe = Arc<(Mutex<(VecDeque<(Instant, Vec<u8>)>, bool)>, Condvar)>;

/// The proxy: listens on [`LatencyProxy::port`], forwards to `127.0.0.1:upstream`.
pub struct LatencyProxy {
    /// Port to connect to instead of the upstream.
    pub port: u16,
    open: Arc<Mutex<Vec<TcpStream>>>,
    accepted: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl LatencyProxy {
    /// Starts a proxy adding `one_way` in each direction (round trip = 2 × `one_way`).
    pub fn start(upstream: u16, one_way: Duration) -> LatencyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a proxy port");
        let port = listener.local_addr().unwrap().port();
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let accepted = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (o, a, s) = (open.clone(), accepted.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(client) = client else { continue };
                a.fetch_add(1, Ordering::Relaxed);
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                {
                    let mut o = o.lock().unwrap();
                    o.push(client.try_clone().unwrap());
                    o.push(server.try_clone().unwrap());
                }
                relay(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    one_way,
                );
                relay(server, client, one_way);
            }
        });
        LatencyProxy {
            port,
            open,
            accepted,
            stop,
        }
    }

    /// Connections accepted so far (a reconnect storm shows here).
    pub fn connections(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Cuts every open connection at once (a Wi-Fi drop); new ones are still accepted.
    pub fn cut(&self) {
        for s in self.open.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

impl Drop for LatencyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.cut();
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Copies `from` → `to`, each chunk delivered `delay` after it was read, in order.
fn relay(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let pipe: Pipe = Arc::default();
    let reader_pipe = pipe.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => 0,
                Ok(n) => n,
            };
            let (lock, cv) = &*reader_pipe;
            let mut q = lock.lock().unwrap();
            if n == 0 {
                q.1 = true;
                cv.notify_all();
                return;
            }
            q.0.push_back((Instant::now() + delay, buf[..n].to_vec()));
            cv.notify_all();
        }
    });
    std::thread::spawn(move || loop {
        let (lock, cv) = &*pipe;
        let mut q = lock.lock().unwrap();
        while q.0.is_empty() && !q.1 {
            q = cv.wait(q).unwrap();
        }
        let Some((due, bytes)) = q.0.pop_front() else {
            // Closed and drained.
            let _ = to.shutdown(Shutdown::Write);
            return;
        };
        drop(q);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        if to.write_all(&bytes).is_err() {
            let _ = to.shutdown(Shutdown::Both);
            return;
        }
    });
}
