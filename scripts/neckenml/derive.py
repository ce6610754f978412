"""Runs NeckenML 0.3.1's compute_derived_features on exported raw_artifacts JSON files.

    python derive.py FILE.json...   -> one JSON object per file on stdout

The style classifier is replaced by a stub (the original's default head needs a model file
that is not part of neckenml-core); every other step is the original's code.
"""
import json
import sys

from neckenml.core.reanalysis import compute_derived_features


class NoHead:
    def predict(self, vector):
        return "unknown", 0.0


for path in sys.argv[1:]:
    with open(path) as f:
        raw = json.load(f)
    d = compute_derived_features(raw, new_classifier=NoHead())
    print(json.dumps({
        "file": path,
        "tempo_bpm": d["tempo_bpm"],
        "meter": d["meter"],
        "swing_ratio": d["swing_ratio"],
        "bpm_stability": d["bpm_stability"],
        "articulation": d["articulation"],
        "bounciness": d["bounciness"],
        "ternary_confidence": d["ternary_confidence"],
        "voice_probability": d["voice_probability"],
        "vector": d["embedding"],
    }))
