"""Store, loading with pyarrow / polars / DuckDB / datasets, Hub export and push, CLI commands."""
import json
import os
from pathlib import Path
import subprocess
import sys

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import emodata
from emodata.aggregate import derive
from emodata.cli import main
from emodata.convert import get_converter
from emodata.hub import PushRefused, push_folder
from emodata.root import export_folder
from emodata.schema import RATING_FIELDS, read_metadata
from emodata.store import corpus_metadata, delete_ratings, read_table, upsert_ratings, write_corpus
from corpus_fixtures import REPO, link_tree
from hubserver import FakeHub


def row_of(root, corpus, sid):
    return next(r for r in read_table(root, corpus).to_pylist() if r["id"] == sid)


def store_metadata(path):
    return read_metadata(pq.read_metadata(path))


@pytest.fixture(scope="module")
def root(formats, tmp_path_factory):
    base = tmp_path_factory.mktemp("store")
    meld = link_tree(formats / "MELD", base / "meld", {"dev_sent_emo.csv": "dev_sent_emo.csv"})
    iem = link_tree(formats / "IEMOCAP", base / "iemocap",
                    {"Session2/dialog/EmoEvaluation/Ses02F_impro01.txt": "EmoEvaluation_excerpt.txt"})
    out = base / "out"
    write_corpus(get_converter("meld"), meld, out)
    write_corpus(get_converter("iemocap"), iem, out)
    return out


def test_readers_agree_on_counts(root):
    files = [str(p) for p in (root / "data").glob("*/*/*.parquet")]
    assert len(files) == 2
    assert pa.concat_tables([read_table(root, "meld"), read_table(root, "iemocap")]).num_rows == 1109 + 19
    assert pl.scan_parquet(files).select(pl.len()).collect().item() == 1128
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet({files!r})").fetchall()[0][0] == 1128
    assert emodata.load(root, corpus="meld", format="polars").height == 1109
    assert emodata.load(root, corpus="iemocap", format="arrow").num_rows == 19
    ds = emodata.load(root, corpus="meld", split="validation")
    assert len(ds) == 1109 and ds.features["ratings"] is not None
    with pytest.raises(FileNotFoundError, match="corpus=nope"):
        emodata.load(root, corpus="nope")


def test_hub_ready_folder_opens_offline_with_datasets(root, tmp_path):
    folder = export_folder(root, tmp_path / "hub")
    card = (folder / "README.md").read_text()
    assert "config_name: meld" in card and "path: data/iemocap/all/*.parquet" in card
    assert "Busso" in card and "license: other" in card
    code = ("import datasets, sys; ds = datasets.load_dataset(sys.argv[1], sys.argv[2], split=sys.argv[3]); "
            "print(len(ds), ds[0]['corpus'])")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    res = subprocess.run([sys.executable, "-c", code, str(folder), "meld", "validation"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.split()[-2:] == ["1109", "meld"]
    with pytest.raises(FileExistsError):
        export_folder(root, folder)


def test_export_carries_no_local_path_or_user_name(formats, tmp_path, monkeypatch):
    import getpass
    from emodata.merge import merge
    home = tmp_path / "home" / "zq-alice-7"                    # a user whose name appears nowhere else
    monkeypatch.setenv("HOME", str(home))
    for var in ("USER", "LOGNAME", "USERNAME"):
        monkeypatch.setenv(var, "zq-alice-7")
    assert getpass.getuser() == "zq-alice-7"
    src = link_tree(formats / "MELD", home / "corpora" / "MELD", {"dev_sent_emo.csv": "dev_sent_emo.csv"})
    local = home / "work" / "emo"
    write_corpus(get_converter("meld"), src, local)
    assert corpus_metadata(local, "meld")["source_root"] == str(src.resolve())   # kept locally: pipelines use it
    merged = home / "work" / "mix"
    merge([local], merged, "ekman7")
    for root, name in ((local, "export"), (merged, "export-mix")):
        folder = export_folder(root, tmp_path / name)
        files = [f for f in folder.rglob("*") if f.is_file()]
        assert {f.name for f in files} == {"README.md", "part-00000.parquet"}
        for f in files:
            data = f.read_bytes()
            for secret in ("zq-alice-7", str(tmp_path), str(home)):
                assert secret.encode() not in data, (f, secret)
        part = next(f for f in files if f.suffix == ".parquet")
        meta = store_metadata(part)
        assert meta["converter"] == "meld" and meta["sources"] == corpus_metadata(local, "meld")["sources"]
        assert meta["source_root"] is None
        text = json.dumps([meta, pq.read_table(part).to_pylist()], default=str)
        assert "zq-alice-7" not in text and str(tmp_path) not in text
        assert pq.read_table(part).equals(read_table(root, "meld"))   # rows unchanged
    assert store_metadata(part)["merge"]["source_dataset"] is None


@pytest.mark.parametrize("corpus, batch", [("meld", "ROW_GROUP_ROWS"),     # columnar batches
                                            ("armanemo", "BATCH_ROWS")])      # row dicts
def test_large_splits_are_sharded_and_reports_do_not_go_stale(formats, tmp_path, monkeypatch, corpus, batch):
    import emodata.store as store
    monkeypatch.setattr(store, "SHARD_ROWS", 400)
    monkeypatch.setattr(store, batch, 100)
    if corpus == "meld":
        src, split, rows = link_tree(formats / "MELD", tmp_path / "meld", {"dev_sent_emo.csv": "dev_sent_emo.csv"}), \
            "validation", 1109
    else:
        src, split, rows = link_tree(formats / "ArmanEmo", tmp_path / "arman", {"dataset/test.tsv": "dataset/test.tsv"}), \
            "test", 1151
    out = tmp_path / "out"
    write_corpus(get_converter(corpus), src, out)
    parts = sorted(p.name for p in (out / "data" / corpus / split).iterdir())
    assert parts == [f"part-{i:05d}.parquet" for i in range(-(-rows // 400))]
    assert read_table(out, corpus).num_rows == rows
    assert all(store.read_metadata(pq.read_metadata(out / "data" / corpus / split / p))["converter"] == corpus
               for p in parts)
    ds = emodata.load(out, corpus=corpus)
    assert len(ds) == rows and len(set(ds["id"])) == rows
    report = out / "reports" / f"{corpus}-skipped.jsonl"
    report.parent.mkdir()
    report.write_text('{"stale": true}\n')
    write_corpus(get_converter(corpus), src, out)          # a clean run removes an old skip report
    assert not report.exists()


def test_columnar_batches_are_grouped_by_split_in_row_groups_and_shards(tmp_path, monkeypatch):
    """A columnar batch with its splits interleaved lands in each split's files in its own order,
    in row groups of ROW_GROUP_ROWS and shards of about SHARD_ROWS."""
    import emodata.store as store
    from emodata.columnar import Columns
    from emodata.convert import Converter

    class Interleaved(Converter):
        name = "toy"
        label_map = {"joy": "joy"}
        defaults = {"language": "en", "modalities": ["text"], "perspective": "perceived", "elicitation": "natural"}

        def samples(self, ctx):
            yield Columns(ctx).rows(pl.DataFrame({"native_id": [f"s{i:03d}" for i in range(400)],
                                                  "split": [("train", "test", "train", "validation")[i % 4] for i in range(400)],
                                                  "native_label": ["joy"] * 400}))

    monkeypatch.setattr(store, "SHARD_ROWS", 150)
    monkeypatch.setattr(store, "ROW_GROUP_ROWS", 40)
    (tmp_path / "src").mkdir()
    summary = write_corpus(Interleaved(), tmp_path / "src", tmp_path / "out")
    assert summary["splits"] == {"test": 100, "train": 200, "validation": 100}
    for split, first in (("train", 0), ("test", 1), ("validation", 3)):
        files = sorted((tmp_path / "out" / "data" / "toy" / split).glob("*.parquet"))
        ids = [i for f in files for i in pq.read_table(f, columns=["id"])["id"].to_pylist()]
        assert ids == [f"toy/s{i:03d}" for i in range(first, 400, 4 if split != "train" else 2)]
        groups = [pq.ParquetFile(f).metadata.row_group(g).num_rows for f in files for g in range(pq.ParquetFile(f).num_row_groups)]
        assert max(groups) == 40 and len(files) == (2 if split == "train" else 1)


def test_upsert_is_idempotent_and_updates_in_place(root, tmp_path):
    import shutil
    work = tmp_path / "w"
    shutil.copytree(root, work)
    sid = "meld/validation/dia0_utt0"
    rating = {"id": sid, "rater_id": "ls:ann@example.org", "rater_kind": "human", "labels": ["anger"], "ref": "7"}
    provenance = corpus_metadata(work, "meld")
    assert upsert_ratings(work, "meld", [rating]) == {"added": 1, "updated": 0, "unchanged": 0}
    assert corpus_metadata(work, "meld") == provenance          # provenance survives the rewrite
    assert upsert_ratings(work, "meld", [rating]) == {"added": 0, "updated": 0, "unchanged": 1}
    assert upsert_ratings(work, "meld", [{**rating, "labels": ["joy"]}]) == {"added": 0, "updated": 1, "unchanged": 0}
    row = [r for r in read_table(work, "meld").to_pylist() if r["id"] == sid][0]
    assert [(r["rater_id"], r["labels"]) for r in row["ratings"]] == [("ls:ann@example.org", ["joy"])]
    assert read_table(work, "meld").num_rows == 1109
    with pytest.raises(KeyError, match="not in corpus 'meld'"):
        upsert_ratings(work, "meld", [{**rating, "id": "meld/validation/nope"}])
    assert delete_ratings(work, "meld", [(sid, "ls:ann@example.org", None)]) == 1
    row = [r for r in read_table(work, "meld").to_pylist() if r["id"] == sid][0]
    assert row["ratings"] == []


def test_upserts_are_pending_parts_every_reader_applies_until_compaction(root, tmp_path):
    import shutil
    from emodata import store
    work = tmp_path / "w"
    shutil.copytree(root, work)
    files = {f: f.stat().st_mtime_ns for f in (work / "data").rglob("*.parquet")}
    sid, other = "meld/validation/dia0_utt0", "meld/validation/dia1_utt0"
    original = row_of(work, "meld", sid)["ratings"]
    assert upsert_ratings(work, "meld", [
        {"id": sid, "rater_id": "ls:a", "rater_kind": "human", "labels": ["fear"], "valence": 0.1},
        {"id": other, "rater_id": "ls:a", "rater_kind": "human", "labels": ["joy"]}]) == \
        {"added": 2, "updated": 0, "unchanged": 0}
    assert upsert_ratings(work, "meld", [{"id": sid, "rater_id": "ls:b", "rater_kind": "human", "labels": ["anger"]},
                                         {"id": sid, "rater_id": "ls:a", "rater_kind": "human", "labels": ["fear"],
                                          "valence": 0.1}]) == {"added": 1, "updated": 0, "unchanged": 1}
    assert delete_ratings(work, "meld", [(other, "ls:a", None)]) == 1
    assert {f: f.stat().st_mtime_ns for f in files} == files            # no data file was rewritten
    assert store.has_pending(work, "meld")
    blank = dict.fromkeys(RATING_FIELDS)
    expected = original + [{**blank, "rater_id": "ls:a", "rater_kind": "human", "labels": ["fear"],
                            "valence": pytest.approx(0.1)},
                           {**blank, "rater_id": "ls:b", "rater_kind": "human", "labels": ["anger"]}]
    arrow = read_table(work, "meld")
    assert row_of(work, "meld", sid)["ratings"] == expected
    assert row_of(work, "meld", other)["ratings"] == []
    batches = [r for b in store.iter_batches(work, "meld", columns=["id", "ratings"]) for r in b.to_pylist()]
    assert next(r for r in batches if r["id"] == sid)["ratings"] == expected
    ds = emodata.load(work, corpus="meld")
    assert len(ds) == 1109 and ds.filter(lambda r: r["id"] == sid)[0]["ratings"] == expected
    assert emodata.load(work, corpus="meld", format="polars").filter(pl.col("id") == sid)["ratings"].to_list()[0] == expected
    with store.connect(work) as con:
        assert con.execute("SELECT count(*) FROM samples").fetchone()[0] == 1128
        assert con.execute(f"SELECT list(rater_id ORDER BY rater_id) FROM ratings WHERE id = '{sid}' AND "
                           "rater_id LIKE 'ls:%'").fetchone()[0] == ["ls:a", "ls:b"]
        assert con.execute(f"SELECT len(ratings) FROM samples WHERE id = '{other}'").fetchone()[0] == 0
    hub = export_folder(work, tmp_path / "hub", ["meld"])
    assert read_table(hub, "meld").equals(arrow)                       # export folds the pending ratings in
    res = CliRunner().invoke(main, ["compact", str(work)])
    assert res.exit_code == 0 and "meld: 2 sample(s)" in res.output and "iemocap: 0" in res.output, res.output
    assert not store.has_pending(work, "meld")
    assert read_table(work, "meld").equals(arrow)
    assert corpus_metadata(work, "meld")["converter"] == "meld"
    write_corpus(get_converter("meld"), Path(corpus_metadata(work, "meld")["source_root"]), work)
    upsert_ratings(work, "meld", [{"id": sid, "rater_id": "ls:c", "rater_kind": "human", "labels": ["joy"]}])
    write_corpus(get_converter("meld"), Path(corpus_metadata(work, "meld")["source_root"]), work)
    assert not store.has_pending(work, "meld")                         # a new conversion starts clean
    assert row_of(work, "meld", sid)["ratings"] == original


def test_pull_style_upsert_relabels_only_the_changed_samples(root, tmp_path):
    import shutil
    from emodata import store
    work = tmp_path / "w"
    shutil.copytree(root, work)
    sid = "meld/validation/dia0_utt1"
    before = read_table(work, "meld")
    upsert_ratings(work, "meld", [{"id": sid, "rater_id": f"ls:{k}", "rater_kind": "human", "labels": ["joy"]}
                                  for k in "ab"], relabel=("human",))
    row = row_of(work, "meld", sid)
    assert [s["label"] for s in row["soft_label"]] == ["joy"] and row["label"] == "surprise"   # gold label stays
    assert row["valence"] == pytest.approx(derive(soft={"joy": 1.0}).vad[0], abs=1e-6)
    after = read_table(work, "meld")
    assert after.filter(pc.field("id") != sid).equals(before.filter(pc.field("id") != sid))
    assert store.recompute_soft_labels(work, "meld") == 0                 # the pull already relabelled it


def test_one_dialogue_context_for_label_studio_and_selfask(root):
    """Both read the previous turns from the whole corpus, not only from the rows asked about."""
    from emodata import store
    from emodata.annotation.labelstudio import dialogue_context
    from emodata.annotation.selfask import dialogue_text
    rows = read_table(root, "meld", columns=["id", "dialogue_id", "turn_index", "speaker_id", "text"]).to_pylist()
    dialogue = sorted((r for r in rows if r["dialogue_id"] == "validation/dia1"), key=lambda r: r["turn_index"])
    asked = [dialogue[4], dialogue[0]]                                   # turns 1-3 are not among the rows asked about
    turns = store.dialogue_context(root, "meld", asked, 3)
    assert turns == {dialogue[4]["id"]: [{"speaker": r["speaker_id"], "text": r["text"]} for r in dialogue[1:4]],
                     dialogue[0]["id"]: []}
    assert dialogue_context(root, "meld", asked, 3) == {
        dialogue[4]["id"]: turns[dialogue[4]["id"]], dialogue[0]["id"]: [{"speaker": "", "text": "(first turn of the dialogue)"}]}
    assert dialogue_text(root, "meld", asked, 3) == {
        dialogue[4]["id"]: "Previous turns:\n" + "".join(f"{r['speaker_id']}: {r['text']}\n" for r in dialogue[1:4])}
    assert store.dialogue_context(root, "meld", asked, 0) == {}


@pytest.fixture
def online(monkeypatch):
    """huggingface_hub reads HF_HUB_OFFLINE once, at import: make sure this test is online."""
    from huggingface_hub import constants
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    return constants


def test_relabel_recomputes_soft_labels_from_pulled_ratings(root, tmp_path):
    import shutil
    work = tmp_path / "w"
    shutil.copytree(root, work)
    sid = "meld/validation/dia0_utt1"
    votes = [("ls:a", ["joy"]), ("ls:b", ["joy"]), ("ls:c", ["anger"]), ("llm:m|t@1", ["fear"])]
    upsert_ratings(work, "meld", [{"id": sid, "rater_id": r, "rater_kind": "llm" if r.startswith("llm") else "human",
                                   "labels": labels} for r, labels in votes])
    res = CliRunner().invoke(main, ["relabel", str(work), "--corpus", "meld"])
    assert res.exit_code == 0 and "1 row(s) changed" in res.output, res.output
    row = [r for r in read_table(work, "meld").to_pylist() if r["id"] == sid][0]
    assert {s["label"]: s["prob"] for s in row["soft_label"]} == pytest.approx({"joy": 2 / 3, "anger": 1 / 3})
    assert row["label"] == "surprise"                      # MELD's gold label is kept
    res = CliRunner().invoke(main, ["relabel", str(work), "--corpus", "meld"])
    assert "0 row(s) changed" in res.output                # idempotent
    res = CliRunner().invoke(main, ["relabel", str(work), "--corpus", "meld", "--raters", "llm"])
    row = [r for r in read_table(work, "meld").to_pylist() if r["id"] == sid][0]
    assert [s["label"] for s in row["soft_label"]] == ["fear"]
    assert corpus_metadata(work, "meld")["converter"] == "meld"


def test_relabel_gives_what_a_fresh_conversion_of_the_same_ratings_gives(tmp_path):
    """FER+ image 0 (votes neutral 4, sadness 1, anger 3, disgust 2) gets 4 more sadness votes:
    relabel must give the label, soft label and mapped VAD of a conversion with sadness 5."""
    from emodata.store import recompute_soft_labels
    demo = REPO / "emodata" / "demo" / "ferplus"
    work = tmp_path / "w"
    write_corpus(get_converter("ferplus"), demo, work)
    sid = "ferplus/fer0000000"
    before = row_of(work, "ferplus", sid)
    assert before["label"] == "neutral" and before["vad_source"] == "mapped"
    upsert_ratings(work, "ferplus", [{"id": sid, "rater_id": f"ls:{k}", "rater_kind": "human", "labels": ["sadness"]}
                                     for k in "abcd"])
    assert recompute_soft_labels(work, "ferplus") == 1
    relabelled = row_of(work, "ferplus", sid)
    lines = (demo / "fer2013new.csv").read_text().splitlines()
    assert lines[1] == "Training,fer0000000.png,4,0,0,1,3,2,0,0,0,0"
    lines[1] = "Training,fer0000000.png,4,0,0,5,3,2,0,0,0,0"
    src = tmp_path / "ferplus"
    src.mkdir()
    (src / "fer2013new.csv").write_text("\n".join(lines) + "\n")
    write_corpus(get_converter("ferplus"), src, tmp_path / "fresh")
    fresh = row_of(tmp_path / "fresh", "ferplus", sid)
    columns = ("label", "labels", "soft_label", "valence", "arousal", "dominance", "vad_source", "vad_scale")
    assert {c: relabelled[c] for c in columns} == {c: fresh[c] for c in columns}
    assert relabelled["label"] == "sadness"
    assert (relabelled["valence"], relabelled["arousal"]) != pytest.approx((before["valence"], before["arousal"]))
    assert recompute_soft_labels(work, "ferplus") == 0                # idempotent


def test_relabel_keeps_annotated_vad(root, tmp_path):
    import shutil
    from emodata.store import recompute_soft_labels
    work = tmp_path / "w"
    shutil.copytree(root, work)
    before = read_table(work, "iemocap").to_pylist()
    annotated = next(r for r in before if r["vad_source"] == "annotated" and r["label"] != "anger")
    upsert_ratings(work, "iemocap", [{"id": annotated["id"], "rater_id": f"ls:{k}", "rater_kind": "human",
                                      "labels": ["anger"]} for k in "abcdefghij"])
    recompute_soft_labels(work, "iemocap")
    after = row_of(work, "iemocap", annotated["id"])
    assert after["soft_label"][0]["label"] == "anger"
    assert [after[k] for k in ("valence", "arousal", "dominance", "vad_source", "vad_scale")] == \
        [annotated[k] for k in ("valence", "arousal", "dominance", "vad_source", "vad_scale")]


def test_push_round_trip_through_a_local_hub(root, tmp_path, monkeypatch, online):
    hub = FakeHub()
    try:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
        folder = export_folder(root, tmp_path / "hub", ["meld"])
        monkeypatch.delenv("HF_TOKEN", raising=False)
        with pytest.raises(PushRefused, match="set HF_TOKEN"):
            push_folder(folder, "lab/meld-emodata")
        monkeypatch.setenv("HF_TOKEN", "hf_secret_test_token")
        res = CliRunner().invoke(main, ["push", str(folder), "lab/meld-emodata"])
        assert res.exit_code == 0, res.output
        assert "hf_secret_test_token" not in res.output
        files = hub.repos["lab/meld-emodata"]["files"]
        assert set(files) == {"README.md", "data/meld/validation/part-00000.parquet"}
        assert set(hub.tokens) == {"Bearer hf_secret_test_token"}
        ds = emodata.load("lab/meld-emodata", corpus="meld", split="validation")
        assert len(ds) == 1109
        # the Hub path works offline once cached: the server is gone and offline mode is on
        hub.close()
        monkeypatch.setattr(online, "HF_HUB_OFFLINE", True)
        assert emodata.load("lab/meld-emodata", corpus="meld", format="polars").height == 1109
    finally:
        hub.close()


def test_push_refuses_restricted_corpora_unless_private(root, tmp_path, monkeypatch, online):
    hub = FakeHub()
    try:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_TOKEN", "hf_x")
        folder = export_folder(root, tmp_path / "hub")          # contains IEMOCAP (EULA)
        res = CliRunner().invoke(main, ["push", str(folder), "lab/mix"])
        assert res.exit_code == 1 and "iemocap: licence does not allow redistribution" in res.output
        assert hub.repos == {}
        res = CliRunner().invoke(main, ["push", str(folder), "lab/mix", "--private"])
        assert res.exit_code == 0, res.output
        assert hub.repos["lab/mix"]["private"] is True
    finally:
        hub.close()


def test_cli_stats_query_catalog(root, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["stats", str(root), "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.output)
    assert {"corpus": "meld", "split": "validation", "samples": 1109, "speakers": 47} in stats["splits"]
    raters = {(r["corpus"], r["rater_kind"]): r for r in stats["raters"]}
    assert raters[("iemocap", "self")]["raters"] == 2 and raters[("iemocap", "human")]["raters"] == 5   # E1 E2 E3 E4 E6
    out = tmp_path / "q.csv"
    res = runner.invoke(main, ["query", str(root), "SELECT rater_kind, count(*) AS n FROM ratings GROUP BY 1 ORDER BY 1",
                               "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().splitlines()[0] == "rater_kind,n"
    res = runner.invoke(main, ["query", str(root), "SELEC nonsense"])
    assert res.exit_code == 1 and "SQL error" in res.output
    res = runner.invoke(main, ["catalog", "--json"])
    catalog = json.loads(res.output)
    assert catalog["meld"]["status"] == "converted"


def test_cli_handles_quotes_in_paths(root, tmp_path):
    import shutil
    odd = tmp_path / "o'brien's data"
    shutil.copytree(root, odd)
    out = odd / "q'.csv"
    res = CliRunner().invoke(main, ["query", str(odd), "SELECT count(*) AS n FROM samples", "--output", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text().split() == ["n", "1128"]
