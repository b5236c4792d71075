#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon against the TensorFlow C library shipped inside a
# `tensorflow-cpu` Python wheel, so that the `tensorflow` backend works without the download that
# tfjs-node's own install script makes (storage.googleapis.com), e.g. on air-gapped machines.
#
# Usage: scripts/setup-tfjs-node-offline.sh [project_dir]            (default: the current directory)
# Environment (all optional):
#   WHEEL=<path to tensorflow_cpu-*.whl>   use this wheel instead of `pip download`
#   TF_LIB_DIR=<dir>                       an unpacked wheel's `tensorflow/` dir (has libtensorflow_cc.so.2, include/)
#   TF_VERSION=2.21.0                      the tensorflow-cpu version to fetch with pip
#   TFJS_NODE_VERSION=4.22.0               the @tensorflow/tfjs-node version to install when it is missing
#   IMPALA_CACHE=~/.cache/impala-rl        where the wheel and the unpacked libraries are cached
#   FORCE=1                                rebuild the addon even when lib/napi-v*/tfjs_binding.node exists
# Exit status: 0 = built and checked; 2 = a prerequisite is unavailable (no wheel, no pip, no compiler:
# callers such as CI may skip); 1 = anything else failed (a real error).
set -euo pipefail

PROJ=$(cd "${1:-.}" && pwd)
TF_VERSION=${TF_VERSION:-2.21.0}
TFJS_NODE_VERSION=${TFJS_NODE_VERSION:-4.22.0}
CACHE_ROOT=${IMPALA_CACHE:-$HOME/.cache/impala-rl}
CACHE="$CACHE_ROOT/libtensorflow-$TF_VERSION"
PKG="$PROJ/node_modules/@tensorflow/tfjs-node"
log() { echo "setup-tfjs-node-offline: $*" >&2; }
unavailable() { log "UNAVAILABLE: $*"; exit 2; }

for tool in g++ make python3 unzip; do
  command -v "$tool" >/dev/null 2>&1 || unavailable "'$tool' is not installed (node-gyp needs a C++ toolchain and python3)"
done

# 1. The JS package, without its install script (which would try to download libtensorflow).
#    --save-peer: where tfjs-node is an optional peer dependency of the project (as in impala-rl),
#    a plain `npm install --no-save` reports "up to date" and installs nothing.
installed() { [ -f "$PKG/package.json" ] && { [ -d "$PROJ/node_modules/@mapbox/node-pre-gyp" ] || [ -d "$PKG/node_modules/@mapbox/node-pre-gyp" ]; }; }
if ! installed; then
  log "installing @tensorflow/tfjs-node@$TFJS_NODE_VERSION (--no-save --ignore-scripts)"
  (cd "$PROJ" && npm install --no-save --save-peer --ignore-scripts --no-audit --no-fund "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" >&2)
  installed || { log "FAILED: npm did not install @tensorflow/tfjs-node@$TFJS_NODE_VERSION into $PROJ/node_modules"; exit 1; }
fi

# 2. The TensorFlow C library and headers, from the wheel (cached after the first run).
if [ -z "${TF_LIB_DIR:-}" ]; then
  if [ ! -f "$CACHE/tensorflow/libtensorflow_cc.so.2" ]; then
    if [ -z "${WHEEL:-}" ]; then
      command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1 || unavailable "pip is not installed and WHEEL= is not set"
      PIP=$(command -v pip || command -v pip3)
      mkdir -p "$CACHE_ROOT/wheels"
      WHEEL=$(ls "$CACHE_ROOT"/wheels/tensorflow_cpu-"$TF_VERSION"-*.whl 2>/dev/null | head -1 || true)
      if [ -z "$WHEEL" ]; then
        log "fetching tensorflow-cpu==$TF_VERSION with pip download (no dependencies)"
        "$PIP" download --no-deps --retries 1 -q -d "$CACHE_ROOT/wheels" "tensorflow-cpu==$TF_VERSION" >&2 \
          || unavailable "pip could not download tensorflow-cpu==$TF_VERSION (no local mirror or index?); set WHEEL=<path>"
        WHEEL=$(ls "$CACHE_ROOT"/wheels/tensorflow_cpu-"$TF_VERSION"-*.whl 2>/dev/null | head -1 || true)
      fi
    fi
    [ -n "$WHEEL" ] && [ -f "$WHEEL" ] || unavailable "no tensorflow_cpu-$TF_VERSION wheel found (set WHEEL=<path>)"
    log "unpacking the C library and headers from $(basename "$WHEEL") into $CACHE"
    rm -rf "$CACHE.partial" && mkdir -p "$CACHE.partial"
    unzip -q -o "$WHEEL" 'tensorflow/libtensorflow_cc.so.2' 'tensorflow/libtensorflow_framework.so.2' \
      'tensorflow/include/tensorflow/c/*' 'tensorflow/include/tensorflow/core/platform/*' \
      'tensorflow/include/tsl/*' 'tensorflow/include/xla/tsl/*' -d "$CACHE.partial"
    rm -rf "$CACHE" && mv "$CACHE.partial" "$CACHE"   # never leave a half-unpacked cache behind
  fi
  TF_LIB_DIR="$CACHE/tensorflow"
fi
[ -f "$TF_LIB_DIR/libtensorflow_cc.so.2" ] && [ -f "$TF_LIB_DIR/include/tensorflow/c/c_api.h" ] \
  || unavailable "$TF_LIB_DIR lacks libtensorflow_cc.so.2 or include/tensorflow/c/c_api.h"

# 3. Lay the library out the way binding.gyp expects: deps/include and deps/lib/libtensorflow{,_framework}.so.
#    Linking -ltensorflow against libtensorflow_cc.so.2 works: it exports the C API (the tensor and
#    status functions come from libtensorflow_framework.so.2, also linked).
mkdir -p "$PKG/deps/lib"
ln -sfn "$TF_LIB_DIR/include" "$PKG/deps/include"
(
  cd "$PKG/deps/lib"
  ln -sf "$TF_LIB_DIR/libtensorflow_cc.so.2" libtensorflow_cc.so.2
  ln -sf "$TF_LIB_DIR/libtensorflow_framework.so.2" libtensorflow_framework.so.2
  ln -sf libtensorflow_cc.so.2 libtensorflow.so
  ln -sf libtensorflow_cc.so.2 libtensorflow.so.2
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so
)

# 4. Build the addon from source. node-gyp needs Node's headers: use the local ones when present,
#    so that nothing is downloaded from nodejs.org.
NODEDIR_ARG=()
NODE_PREFIX=$(cd "$(dirname "$(command -v node)")/.." && pwd)
if [ -f "$NODE_PREFIX/include/node/node_api.h" ]; then NODEDIR_ARG=(--nodedir="$NODE_PREFIX"); fi
if [ -z "${FORCE:-}" ] && ls "$PKG"/lib/napi-v*/tfjs_binding.node >/dev/null 2>&1; then
  log "the native addon is already built (set FORCE=1 to rebuild)"
else
  log "building the native addon (node-pre-gyp --build-from-source; about 20 s)"
  (cd "$PKG" && npx --no-install node-pre-gyp install --build-from-source "${NODEDIR_ARG[@]}" >"$PKG/build-offline.log" 2>&1) \
    || { tail -30 "$PKG/build-offline.log" >&2; log "FAILED: build error (full log: $PKG/build-offline.log)"; exit 1; }
fi

# 5. Check: the backend loads, is the native one, and computes a gradient.
(cd "$PROJ" && TF_CPP_MIN_LOG_LEVEL=2 node -e "
const tf = require('@tensorflow/tfjs-node');
const g = tf.grad((x) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3])).arraySync();
if (tf.getBackend() !== 'tensorflow' || g.join() !== '2,4,6') { console.error('unexpected', tf.getBackend(), g); process.exit(1); }
console.log('tfjs-node OK: backend', tf.getBackend(), 'libtensorflow', tf.backend().binding.TF_Version);
") || { log "FAILED: the built addon does not work"; exit 1; }
