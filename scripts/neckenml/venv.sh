#!/usr/bin/env bash
# Makes (once) a virtual environment with the pinned NeckenML core from PyPI and prints its
# python. Used by the interop test (host/necken/tests/neckenml_interop.rs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${NECKENML_VENV:-$here/../../target/neckenml-venv}
if ! "$venv/bin/python" -c "import neckenml.core.reanalysis" 2>/dev/null; then
    python3 -m venv "$venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
fi
echo "$venv/bin/python"
