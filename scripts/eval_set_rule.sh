#!/usr/bin/env bash
# The rule live-style changes are chosen by (docs/accuracy.md, "Windows hurried ..."): the
# generated dance sets t9, t9-hall and t9-hall2 (make_train.py --seed 9 --per-style 10, never
# trained on, and that folder through make_hall.py --seed 19 and --seed 29; made here when
# missing) joined with gaps of 0 and 3 s (scripts/eval_sets.py: 312 tune changes, 156 starts).
# Prints each run's summary and the score: tunes whose style is right within 12 s minus twice
# the tunes with a wrong style published first, changes and starts together. (The rule's
# second half, single clips not right less nor wrong more, is scripts/eval_stream_styles.py on
# the same three folders.) Never run it on dev or dev-hall.
#
#   [NECKEND_BIN=BINARY] scripts/eval_set_rule.sh WORK_DIR LABEL [NECKEND_ARGS...]
#   NECKEND_ARGS default to --config boards/pi-4b.toml; GEN_PYTHON as for the training scripts.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$1 label=$2
shift 2
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--config boards/pi-4b.toml)
gen=${GEN_PYTHON:-python3}
tools="$here/../shared/corpus/tools"
. "$here/scripts/models/render_steps.sh"
render t9 --per-style 10 --seed 9
hall t9 t9-hall 19
hall t9 t9-hall2 29
out="$work/rule-$label"
mkdir -p "$out"
for d in t9 t9-hall t9-hall2; do
    for g in 0 3; do
        "$gen" "$here/scripts/eval_sets.py" "$work/$d" --gap "$g" --out "$out/sets-$d-g$g" \
            --json "$out/$d-g$g.json" -- "${args[@]}" > "$out/$d-g$g.log" 2>&1
    done
done
"$gen" - "$out" "$label" <<'PY'
import json, sys
out, label = sys.argv[1:]
within = wrong = 0
for d in ("t9", "t9-hall", "t9-hall2"):
    for g in (0, 3):
        s = json.load(open(f"{out}/{d}-g{g}.json"))["summary"]
        c, st = s["change"], s["start"]
        print(f"{d:9} gap {g}: after a change beats {c['beats_median_s']:.1f} s, style "
              f"{c['style_median_s']:.1f} s, within 12 s {c['style_within_12s']} of {c['n']}, "
              f"wrong first {c['with_wrong_style']}; starts within 12 s {st['style_within_12s']} "
              f"of {st['n']}, wrong first {st['with_wrong_style']}")
        within += c["style_within_12s"] + st["style_within_12s"]
        wrong += c["with_wrong_style"] + st["with_wrong_style"]
print(f"{label}: within 12 s {within}, wrong first {wrong}, score {within - 2 * wrong}")
PY
