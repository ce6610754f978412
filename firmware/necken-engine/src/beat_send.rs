//! Beat events leave when their beat is about to sound, not when the pulse that found them
//! was computed.
//!
//! The streaming tracker predicts each beat some frames ahead, and the engine hears of it only
//! when the beat network's pulse holding that frame has run: with 4-frame pulses a predicted
//! beat left anywhere from 0 to 40 ms earlier than the next, so a light show that flashes on
//! receipt flickered by up to a pulse. Held until a fixed time before it sounds, every
//! predicted beat leaves within one 10 ms block of that moment whatever the pulse, and longer
//! pulses (fewer network calls, fewer wake-ups) no longer move the beats. A beat the tracker
//! found late (it had not predicted it) leaves at once.

use std::collections::VecDeque;

use super::{BeatInfo, EngineEvent};

/// Beats waiting for their time.
pub(crate) struct BeatSender {
    /// How long before its time a beat leaves; `None` sends every beat at once.
    ahead_s: Option<f64>,
    /// Held beats, earliest first (the tracker finds them in time order).
    held: VecDeque<BeatInfo>,
}

impl BeatSender {
    /// A sender that holds beats until `ahead_s` before their time (`None`: no holding).
    pub(crate) fn new(ahead_s: Option<f64>) -> BeatSender {
        BeatSender {
            ahead_s,
            held: VecDeque::with_capacity(4),
        }
    }

    /// The audio time at which a beat may leave (`None`: whenever it is found).
    fn due_s(&self, beat: &BeatInfo) -> Option<f64> {
        self.ahead_s.map(|a| beat.time_s - a)
    }

    /// Takes a beat the tracker found when `now_s` seconds of audio had arrived: sent at once
    /// when it is due (or nothing is held back), held otherwise.
    pub(crate) fn take(&mut self, beat: BeatInfo, now_s: f64, emit: &mut dyn FnMut(EngineEvent)) {
        match self.due_s(&beat) {
            Some(due) if due > now_s || !self.held.is_empty() => self.held.push_back(beat),
            _ => emit(EngineEvent::Beat(beat)),
        }
        self.release(now_s, emit);
    }

    /// Sends the held beats that are due when `now_s` seconds of audio have arrived.
    pub(crate) fn release(&mut self, now_s: f64, emit: &mut dyn FnMut(EngineEvent)) {
        while let Some(beat) = self.held.front() {
            if self.due_s(beat).is_some_and(|due| due > now_s) {
                break;
            }
            if let Some(beat) = self.held.pop_front() {
                emit(EngineEvent::Beat(beat));
            }
        }
    }

    /// Audio time at which the next held beat is due, if one is held.
    pub(crate) fn next_due_s(&self) -> Option<f64> {
        self.held.front().and_then(|b| self.due_s(b))
    }

    /// Sends every held beat (the source ended: nothing more will arrive to wait for).
    pub(crate) fn flush(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        for beat in self.held.drain(..) {
            emit(EngineEvent::Beat(beat));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(time_s: f64) -> BeatInfo {
        BeatInfo {
            time_s,
            number: 1,
            beats_per_bar: 3,
            bar: 1,
            tempo_bpm: 120.0,
        }
    }

    fn times(events: &[EngineEvent]) -> Vec<f64> {
        events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::Beat(b) => Some(b.time_s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn predicted_beats_wait_for_their_time_and_late_ones_leave_at_once() {
        let mut sender = BeatSender::new(Some(0.02));
        let mut out = Vec::new();
        // Found 80 ms ahead: held until 20 ms before it.
        sender.take(beat(1.0), 0.92, &mut |e| out.push(e));
        assert!(out.is_empty());
        assert_eq!(sender.next_due_s(), Some(0.98));
        sender.release(0.97, &mut |e| out.push(e));
        assert!(out.is_empty());
        sender.release(0.98, &mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0]);
        // Found 10 ms after it sounded: sent at once.
        sender.take(beat(1.5), 1.51, &mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0, 1.5]);
        assert_eq!(sender.next_due_s(), None);
    }

    #[test]
    fn beats_leave_in_order_and_the_end_sends_what_is_held() {
        let mut sender = BeatSender::new(Some(0.02));
        let mut out = Vec::new();
        sender.take(beat(1.0), 0.90, &mut |e| out.push(e));
        sender.take(beat(1.05), 0.95, &mut |e| out.push(e));
        sender.release(1.0, &mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0]);
        sender.release(1.03, &mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0, 1.05]);
        sender.take(beat(2.0), 1.9, &mut |e| out.push(e));
        sender.flush(&mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0, 1.05, 2.0]);
    }

    #[test]
    fn without_holding_every_beat_leaves_when_found() {
        let mut sender = BeatSender::new(None);
        let mut out = Vec::new();
        sender.take(beat(1.0), 0.5, &mut |e| out.push(e));
        assert_eq!(times(&out), vec![1.0]);
        assert_eq!(sender.next_due_s(), None);
    }
}
