#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: the ALSA headers (cpal builds against
# them), mosquitto (the daemon tests start their own brokers), and numpy/scipy/mir_eval for
# the shared beat scorer. Uses sudo when not root.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
pkg-config --exists alsa 2>/dev/null || need+=(libasound2-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
if [ ${#need[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The Debian package starts a broker on the default port 1883; the tests do not use it.
python3 -c "import mir_eval" 2>/dev/null ||
    python3 -m pip install --quiet --disable-pip-version-check numpy scipy mir_eval
