#!/usr/bin/env python3
"""Per-clip scores with style and rendering facts, worst first (diagnostics).
usage: scripts/per_clip.py PRED_DIR [STYLE...]"""
import csv, json, os, subprocess, sys, tempfile
here = os.path.dirname(os.path.abspath(__file__))
dev = os.path.normpath(os.path.join(here, "..", "..", "shared", "corpus", "dev"))
with tempfile.TemporaryDirectory() as t:
    subprocess.run([sys.executable, os.path.join(dev, "..", "..", "eval", "score_beats.py"), sys.argv[1], dev, "--json", t + "/s.json"], check=True, stdout=subprocess.DEVNULL)
    s = json.load(open(t + "/s.json"))["per_clip"]
lab = {r["clip"]: r for r in csv.DictReader(open(os.path.join(dev, "labels.csv")))}
want = set(sys.argv[2:])
for c, v in sorted(s.items(), key=lambda x: (lab[x[0]]["style"], x[1]["F"])):
    l = lab[c]
    if want and l["style"] not in want:
        continue
    print(f"{l['style'][:8]:8s} {c} F={v['F']:.2f} DbF={v.get('DbF',0):.2f} est={v['est_tempo'] or 0:.1f} ref={v['ref_tempo']:.1f} "
          f"m={v.get('meter_est')}/{v.get('meter_ref')} {l['ensemble']} {l['beat_pattern']} snr={l['snr_db']} rt={l['reverb_rt60']}")
