#!/usr/bin/env bash
# Score the analyzer on the dev corpus (report only; tune on generated clips with eval_dir.sh).
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/scripts/eval_dir.sh" "$here/../shared/corpus/dev" "${1:-/tmp/necken-eval}" "${@:2}"
