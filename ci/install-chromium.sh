#!/usr/bin/env bash
# Installs Debian's Chromium, which the runner's browser test uses to look at the
# pictures the runner draws (ci/tests/runner/browser.rs). Does nothing when it is
# already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing chromium (Debian package) for the browser test"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
