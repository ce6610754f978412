#!/usr/bin/env bash
# Installs neckend on a Raspberry Pi (64-bit Raspberry Pi OS / Debian) as a systemd service.
# Run on the Pi, as root, from an unpacked release or a checkout with a built binary:
#
#   sudo scripts/install_pi.sh BOARD [BINARY]
#
# BOARD is a profile name in boards/ (pi-zero-2w, pi-3b-plus, pi-4b, pi-5, x86-64-host).
# BINARY defaults to target/aarch64-unknown-linux-gnu/release/neckend (scripts/cross_pi.sh
# builds it on a desktop) or target/release/neckend when built on the Pi itself.
# Edit /etc/necken/board.toml afterwards ([mqtt] host, [audio] device), then
# `systemctl reload neckend`. Re-running the script upgrades and keeps the edited profile.
set -euo pipefail
cd "$(dirname "$0")/.."

BOARD=${1:?usage: install_pi.sh BOARD [BINARY]}
PROFILE="boards/$BOARD.toml"
[ -f "$PROFILE" ] || { echo "no board profile $PROFILE" >&2; exit 1; }
BIN=${2:-}
if [ -z "$BIN" ]; then
    for c in target/aarch64-unknown-linux-gnu/release/neckend target/release/neckend; do
        [ -x "$c" ] && { BIN=$c; break; }
    done
fi
[ -n "$BIN" ] && [ -x "$BIN" ] || { echo "no neckend binary; build it or pass its path" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

# Runtime needs: ALSA's library (the binary links libasound.so.2).
if ! ldconfig -p | grep -q libasound.so.2; then
    apt-get install -y libasound2
fi

id neckend >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin \
    --groups audio neckend

install -d -m 755 /opt/necken/bin /opt/necken/models /opt/necken/boards /etc/necken
install -m 755 "$BIN" /opt/necken/bin/neckend
install -m 644 models/* /opt/necken/models/
install -m 644 boards/*.toml /opt/necken/boards/
install -m 644 README.md /opt/necken/README.md
if [ ! -f /etc/necken/board.toml ]; then
    # The store lives in the service's state directory; the model is found under /opt/necken.
    sed -e 's|^path = .*|path = "/var/lib/neckend/store.sled"|' \
        -e 's|^style_model = .*|style_model = "/opt/necken/models/style-head-v17.nkhead"|' \
        -e 's|^beat_model = .*|beat_model = "/opt/necken/models/beat-tcn-v3.onnx"|' \
        -e 's|^embed_model = .*|embed_model = "/opt/necken/models/embed-cnn-v2.onnx"|' \
        "$PROFILE" > /etc/necken/board.toml
    echo "wrote /etc/necken/board.toml from $PROFILE: set [mqtt] host and [audio] device there"
fi
# The profile can hold the broker password: readable by root and the service user only.
chown root:neckend /etc/necken/board.toml
chmod 0640 /etc/necken/board.toml
# Check the models against their manifest before starting.
(cd /opt/necken/models && sha256sum --check --quiet SHA256SUMS)

install -m 644 scripts/systemd/neckend.service /etc/systemd/system/neckend.service
systemctl daemon-reload
systemctl enable neckend
systemctl restart neckend
systemctl --no-pager status neckend || true
echo "neckend installed; logs: journalctl -u neckend -f"
