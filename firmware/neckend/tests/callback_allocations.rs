#![cfg(feature = "live")]
//! The audio callback must not touch the heap: a counting global allocator proves that the
//! callback built for the capture stream allocates nothing per call, for f32 and i16 input,
//! with the ring filling up (overrun path) as well as draining.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use neckend::capture::{mono_into_ring, CaptureCounters};

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn the_capture_callback_never_allocates() {
    // Stereo 48 kHz periods of 1024 frames into a ring of 8192 mono samples.
    let (producer, mut consumer) = rtrb::RingBuffer::<f32>::new(8192);
    let counters = Arc::new(CaptureCounters::default());
    let mut callback = mono_into_ring::<f32>(producer, 2, counters.clone());
    let period: Vec<f32> = (0..2048)
        .map(|i| ((i / 2) as f32 * 0.01).sin() * 0.5)
        .collect();
    let (producer16, _consumer16) = rtrb::RingBuffer::<f32>::new(4096);
    let mut callback16 = mono_into_ring::<i16>(producer16, 1, counters.clone());
    let period16: Vec<i16> = (0..1024).map(|i| (i * 31 % 2000) as i16).collect();
    let mut drained = vec![0f32; 1024];

    COUNTING.store(true, Ordering::SeqCst);
    for round in 0..200 {
        callback(&period);
        callback16(&period16);
        // Drain only every other round, so the ring also overruns.
        if round % 2 == 0 {
            if let Ok(chunk) = consumer.read_chunk(1024) {
                let (a, b) = chunk.as_slices();
                drained[..a.len()].copy_from_slice(a);
                drained[a.len()..a.len() + b.len()].copy_from_slice(b);
                chunk.commit_all();
            }
        }
    }
    COUNTING.store(false, Ordering::SeqCst);

    assert_eq!(
        ALLOCATIONS.load(Ordering::SeqCst),
        0,
        "allocations in the audio callback"
    );
    assert_eq!(counters.callbacks.load(Ordering::Relaxed), 400);
    assert!(
        counters.dropped.load(Ordering::Relaxed) > 0,
        "the overrun path was not exercised"
    );
    // The mono mix is the mean of the two (equal) channels.
    let expected = (512.0f32 * 0.01).sin() * 0.5;
    assert!(drained.iter().any(|&s| (s - expected).abs() < 1e-6));
}
