//! The beat network's place in the frame flow: with a network each frame waits (at most the
//! network's pulse) for its probabilities; a network that fails leaves the rest DSP-only.

use std::time::Instant;

use necken_rhythm::frontend::FrameFeatures;

use crate::{Engine, EngineEvent};

impl Engine {
    /// Without a network a frame goes straight on; with one it waits (at most the network's
    /// pulse) for its probabilities.
    pub(crate) fn route_frame(&mut self, f: FrameFeatures, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(net) = &mut self.net else {
            return self.process_frame(f, None, emit);
        };
        // The frame keeps its bands until it is recorded: the segment's offline network reads
        // them there, and the segment keeps the frame without them (71 floats each).
        let mut out = std::mem::take(&mut self.net_out);
        let t = Instant::now();
        let pushed = f.bands.as_deref().map(|b| net.push(b, &mut out));
        self.net_time += t.elapsed();
        let failed = match pushed {
            Some(Ok(())) => None,
            Some(Err(e)) => Some(e),
            None => Some("the front end gave a frame without bands".to_string()),
        };
        self.held.push_back(f);
        self.release_held(out, emit);
        if let Some(e) = failed {
            self.note_failure(format!(
                "beat network failed, DSP activations only from here on: {e}"
            ));
            self.net = None;
            self.flush_held(emit);
        }
    }

    /// Sends on the held frames whose probabilities are in `out`, oldest first.
    pub(crate) fn release_held(
        &mut self,
        mut out: Vec<[f32; 2]>,
        emit: &mut dyn FnMut(EngineEvent),
    ) {
        for a in out.drain(..) {
            if let Some(f) = self.held.pop_front() {
                self.process_frame(f, Some(a), emit);
            }
        }
        self.net_out = out;
    }

    /// At the end of the source, gets the network's output for the frames it still holds.
    pub(crate) fn drain_net(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        let Some(net) = &mut self.net else { return };
        let mut out = std::mem::take(&mut self.net_out);
        let t = Instant::now();
        let finished = net.finish(&mut out);
        self.net_time += t.elapsed();
        if let Err(e) = finished {
            self.note_failure(format!("beat network failed at the end: {e}"));
        }
        self.release_held(out, emit);
    }

    /// Logs what failed, and tells the open segment's record.
    pub(crate) fn note_failure(&mut self, what: String) {
        match &mut self.segment {
            Some(seg) => seg.note_failure(&self.source.name, what),
            None => log::error!("{}: {what}", self.source.name),
        }
    }

    /// Frames still waiting for the network (the end of the source) go on without it.
    pub(crate) fn flush_held(&mut self, emit: &mut dyn FnMut(EngineEvent)) {
        while let Some(f) = self.held.pop_front() {
            self.process_frame(f, None, emit);
        }
    }
}
