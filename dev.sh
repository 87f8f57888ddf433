#!/usr/bin/env bash
# dev.sh — set up, build, run and test PaliTune on Debian 12.
#
#   ./dev.sh run      install what is missing, build, launch the app
#   ./dev.sh test     install what is missing, build, run every test suite
#   ./dev.sh setup    install the system packages only
#   ./dev.sh build    configure and build only
#
# Idempotent: packages already present are not reinstalled, an existing build
# directory is reused. PT_WERROR=1 turns warnings into errors (CI).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libjson-glib-dev libgdk-pixbuf-2.0-dev libcairo2-dev
  libgtk-4-dev libadwaita-1-dev
  libopenblas-dev libsentencepiece-dev sentencepiece libdnnl-dev
  libsnappy-dev libzstd-dev zlib1g-dev
  webp-pixbuf-loader librsvg2-common adwaita-icon-theme fonts-cantarell
  desktop-file-utils appstream-util
  xvfb xauth dbus
  libopenmpi-dev openmpi-bin
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

setup() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

configure() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    log "Configuring $dir"
    meson setup "$dir" "$@" >/dev/null
  fi
}

build() {
  local werror=false
  [ "${PT_WERROR:-0}" = 1 ] && werror=true
  configure build -Dwerror=$werror
  meson configure build -Dwerror=$werror >/dev/null
  log "Building"
  ninja -C build
}

run_app() {
  export GSETTINGS_SCHEMA_DIR="$PWD/build/data"
  export PALITUNE_LOCALEDIR="$PWD/build/po"   # the translations, uninstalled
  log "Launching PaliTune"
  exec ./build/app/palitune "$@"
}

run_tests() {
  local status=0
  build
  log "Running the test suites (engine, gpu, ui, data)"
  xvfb-run -a -s "-screen 0 1600x1000x24" dbus-run-session -- \
    meson test -C build --print-errorlogs --num-processes 2 || status=1

  # The engine (and the CUDA kernels on the CPU emulator) again under
  # AddressSanitizer + UndefinedBehaviorSanitizer.
  configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled \
    -Dcuda=disabled -Dbuildtype=debug -Dwerror=false
  log "Building the engine with ASan + UBSan"
  ninja -C build-asan
  log "Running the engine suite under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs --num-processes 2 --suite engine --suite fuzz --suite gpu-emu \
    || status=1

  python3 tools/test-summary.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
    || status=1
  return $status
}

cmd=${1:-}
shift || true
case "$cmd" in
  setup) setup ;;
  build) setup; build ;;
  run)   setup; build; run_app "$@" ;;
  test)  setup; run_tests ;;
  *) echo "usage: $0 run|test|setup|build" >&2; exit 2 ;;
esac
