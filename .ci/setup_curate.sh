#!/usr/bin/env bash
# Curation (emodata[curate]): crowd-kit rater models, cleanlab label quality, ftfy + imagehash for
# duplicates, and Chromaprint's fpcalc (audio fingerprints; ffmpeg comes from setup_core.sh).
# transformers and scikit-learn pinned as in setup_pipelines.sh (crowd-kit pulls transformers).
# Idempotent; runs as root on a fresh Debian machine.
set -euo pipefail
if ! command -v fpcalc >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libchromaprint-tools >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check crowd-kit==1.4.2 cleanlab==2.9.0 scikit-learn==1.9.1 \
  transformers==5.23.0 ftfy==6.3.1 imagehash==4.3.2
