# Rendering steps the style-head training scripts share; sourced, with $work (the work folder),
# $gen (a Python with ../shared/corpus/tools/requirements.txt), $tools (that folder) and $here
# (the repository) set. Each step skips a folder that has its labels.csv (a folder a failed run
# left half-made is made again).
# render NAME MAKE_TRAIN_ARGS...: make_train.py clips into $work/NAME.
render() { [ -f "$work/$1/labels.csv" ] || "$gen" "$tools/make_train.py" --out "$work/$1" "${@:2}" --jobs 2; }
# aug SRC DST SEED: SRC through scripts/models/augment_hall.py.
aug() { [ -f "$work/$2/labels.csv" ] || "$gen" "$here/scripts/models/augment_hall.py" "$work/$1" "$work/$2" --seed "$3"; }
# hall SRC DST SEED: SRC through make_hall.py (which needs sox's mp3 handler).
hall() {
    if [ ! -f "$work/$2/labels.csv" ]; then
        "$here/scripts/need_sox_mp3.sh"
        "$gen" "$tools/make_hall.py" "$work/$1" "$work/$2" --seed "$3"
    fi
}
