#!/usr/bin/env bash
# Fails with a clear message when sox cannot read mp3. make_hall.py reads its clips with sox
# (dev and make_train.py folders hold mp3 clips): without the mp3 handler it stops half-way at
# the first mp3 clip, with no labels.csv written. Called just before make_hall.py runs.
sox -h 2>/dev/null | grep -qw mp3 && exit 0
echo "sox cannot read mp3 (make_hall.py needs it for the mp3 clips): install libsox-fmt-mp3" >&2
exit 1
