#!/usr/bin/env bash
# Label Studio for the annotation tests, in its own virtualenv (it pins pyarrow<25, so never
# in the main environment). Idempotent: an existing venv
# with label-studio is reused. Location: $EMODATA_LS_VENV (default ~/.cache/emodata-ls-venv).
set -euo pipefail

LS_VERSION="${EMODATA_LS_VERSION:-1.23.2}"
VENV="${EMODATA_LS_VENV:-$HOME/.cache/emodata-ls-venv}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"

if ! "$VENV/bin/python" -c "import label_studio" >/dev/null 2>&1; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --root-user-action=ignore "label-studio==$LS_VERSION"
fi
"$VENV/bin/python" -c "import label_studio; print('label-studio', label_studio.__version__, 'in $VENV')"
# the client, label-studio-sdk, goes into the main environment (the labelstudio extra; it does not
# pin pyarrow). The screenshot test's packages (websockets, pillow) and chromium come from
# .ci/setup_core.sh (the test extra).
SDK_VERSION="${EMODATA_LS_SDK_VERSION:-2.1.2}"
python3 -m pip install -q --disable-pip-version-check "label-studio-sdk==$SDK_VERSION"
python3 -c "import label_studio_sdk, importlib.metadata as m; print('label-studio-sdk', m.version('label-studio-sdk'))"
