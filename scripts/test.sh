#!/usr/bin/env bash
# The test command: installs missing test dependencies (scripts/test_deps.sh), then runs every
# test in the workspace. The accuracy tests read ../shared/corpus/dev.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/test_deps.sh
cargo test --workspace "$@"
