#!/usr/bin/env bash
# Install the Debian packages the integration tests need: Open vSwitch, an
# SSH server, ping and tcpdump for the switch lab
# (tests/integration/switchlab), shellcheck for the devstack plugin,
# systemd-analyze for the example units, Chromium with its WebDriver for
# the dashboard's browser test, and nginx (the documented buffering proxy
# in front of gunicorn). Does
# nothing unless it runs as root with apt-get and one of the binaries is
# missing; quiet and idempotent. Exits non-zero only when an install was tried and failed.
set -euo pipefail

PACKAGES=(openvswitch-switch openssh-server iputils-ping tcpdump
          shellcheck systemd chromium chromium-driver nginx)
BINARIES=(ovs-vsctl ovs-vswitchd /usr/sbin/sshd ping tcpdump
          shellcheck systemd-analyze chromium chromedriver nginx)

missing=0
for binary in "${BINARIES[@]}"; do
    if ! command -v "$binary" >/dev/null 2>&1; then
        missing=1
        break
    fi
done
if [ "$missing" -eq 0 ] || [ "$(id -u)" -ne 0 ] \
        || ! command -v apt-get >/dev/null 2>&1; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
install() {
    apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" \
        >/dev/null
}
if ! install 2>/dev/null; then
    apt-get update -qq >/dev/null
    install
fi
