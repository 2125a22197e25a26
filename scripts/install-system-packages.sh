#!/usr/bin/env bash
# Install the Debian packages the app (run) or the test suite (test) needs, only when missing.
set -euo pipefail
RUN_PACKAGES=(fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fontconfig)
TEST_PACKAGES=("${RUN_PACKAGES[@]}" chromium chromium-driver postgresql redis-server poppler-utils zbar-tools)
# npm installs the browser tests' axe-core; a machine that already has Node.js and npm (e.g. from
# NodeSource) keeps them, Debian's packages otherwise.
if [[ "${1:-run}" == "test" ]] && ! command -v npm >/dev/null; then
  TEST_PACKAGES+=(nodejs npm)
fi

case "${1:-run}" in
  run) wanted=("${RUN_PACKAGES[@]}") ;;
  test) wanted=("${TEST_PACKAGES[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
[[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
