"""emodata.columnar is the vectorised twin of ConversionContext.csv_rows / row(): same values, same errors."""
from __future__ import annotations

import csv
import json
import random

import polars as pl
import pyarrow as pa
import pytest

from emodata import columnar
from emodata.columnar import LOC, Columns, json_objects, json_records, multi_hot
from emodata.convert import ConversionContext, ConversionError, Converter
from emodata.layouts import TableConverter
from emodata.schema import SCHEMA


class Toy(Converter):
    name = "toy"
    label_map = {"ang": "anger", "hap": "happiness", "happy": "happiness", "sad": "sadness", "neu": "neutral",
                 "joy": "joy", "oth": "other", "bitter": ("anger", "sadness"), "none": None}
    vad_scale = {"valence": "1-5", "arousal": "1-9", "dominance": "-3..3"}
    intensity_scale = "0-100"
    defaults = {"language": "en", "modalities": ["text"], "perspective": "perceived", "elicitation": "natural"}


NATIVES = list(Toy.label_map)


def random_samples(rng: random.Random, n: int):
    """row() keyword arguments covering every branch of the label rule, plus the same as frames."""
    def maybe(p, value):
        return value if rng.random() < p else None

    samples, ratings = [], []
    for i in range(n):
        nid = f"s{i:04d}"
        native_labels = rng.choice([None, None, [], rng.choices(NATIVES, k=rng.randint(1, 4))])
        sample = {"native_id": nid, "split": rng.choice(["train", "test"]), "text": maybe(0.8, f"text é \"{i}\"\n"),
                  "native_label": maybe(0.4, rng.choice(NATIVES)), "native_labels": native_labels,
                  "valence": maybe(0.2, rng.uniform(1, 5)), "arousal": maybe(0.2, rng.uniform(1, 9)),
                  "dominance": None, "intensity": maybe(0.3, float(rng.randint(0, 100))),
                  "speaker_id": maybe(0.5, f"spk{i % 7}"),
                  "extra": maybe(0.7, {"n": maybe(0.9, rng.randint(-5, 5)), "x": maybe(0.9, rng.random()),
                                       "s": maybe(0.9, rng.choice(["a", "b\\c", "tab\there", "\x01"])),
                                       "flag": maybe(0.9, rng.random() < 0.5), "box": maybe(0.5, [1, 2, 3])})}
        samples.append(sample)
        for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 5])):
            ratings.append({"native_id": nid, "rater_id": maybe(0.9, f"r{rng.randint(1, 9)}"),
                            "rater_kind": rng.choice(["human", "human", "human", "model", "self"]),
                            "labels": rng.choice([None, [], *(rng.choices(NATIVES, k=k) for k in (1, 1, 1, 2, 3))]),
                            "native": maybe(0.5, "raw"), "valence": maybe(0.3, float(rng.randint(1, 5))),
                            "arousal": maybe(0.3, float(rng.randint(1, 9))), "dominance": maybe(0.3, rng.uniform(-3, 3)),
                            "intensity": maybe(0.3, 50.0), "confidence": maybe(0.3, 0.5),
                            "perspective": maybe(0.2, "evoked"), "condition": maybe(0.2, "audio")})
    return samples, ratings


def row_wise(ctx, samples, ratings):
    by_sample = {}
    for r in ratings:
        by_sample.setdefault(r["native_id"], []).append(
            ctx.rating(r["rater_id"], r["rater_kind"], **{k: v for k, v in r.items()
                                                           if k not in ("native_id", "rater_id", "rater_kind")}))
    rows = [ctx.row(s["native_id"], s["split"], ratings=by_sample.get(s["native_id"], ()),
                    **{k: v for k, v in s.items() if k not in ("native_id", "split")}) for s in samples]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def assert_same(new: pa.Table, old: pa.Table):
    assert new.schema.equals(SCHEMA)
    for name in SCHEMA.names:
        a, b = new[name].to_pylist(), old[name].to_pylist()
        assert a == b, (name, next((i, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y))


@pytest.mark.parametrize("seed", range(4))
def test_rows_equal_row_by_row(tmp_path, seed):
    samples, ratings = random_samples(random.Random(seed), 400)
    ctx = ConversionContext(Toy(), tmp_path)
    old = row_wise(ctx, samples, ratings)
    extra_type = pl.Struct({"box": pl.List(pl.Int64), "flag": pl.Boolean, "n": pl.Int64, "s": pl.String, "x": pl.Float64})
    frame = pl.DataFrame(samples, schema_overrides={"extra": extra_type, "native_labels": pl.List(pl.String),
                                                    "native_label": pl.String, "dominance": pl.Float64})
    long = pl.DataFrame(ratings, schema_overrides={"labels": pl.List(pl.String), "rater_id": pl.String,
                                                   "native": pl.String, "perspective": pl.String, "condition": pl.String})
    new = Columns(ConversionContext(Toy(), tmp_path)).rows(frame, long)
    assert_same(new, old)
    assert any(r["soft_label"] and len(r["soft_label"]) > 2 for r in old.to_pylist())   # the fixture exercises ties


def test_rows_without_ratings_or_optional_columns(tmp_path):
    ctx = ConversionContext(Toy(), tmp_path)
    old = pa.Table.from_pylist([ctx.row("a", "all", native_label="bitter"), ctx.row("b", "all", native_label="none"),
                                ctx.row("c", "all")], schema=SCHEMA)
    new = Columns(ctx).rows(pl.DataFrame({"native_id": ["a", "b", "c"], "split": ["all"] * 3,
                                          "native_label": ["bitter", "none", None]}))
    assert_same(new, old)
    assert new["labels"].to_pylist()[0] == ["anger", "sadness"] and new["label"].to_pylist() == [None] * 3


def test_json_objects_match_json_dumps():
    values = [{"b": 'q"\\\n\x1f', "a": 1, "c": None, "d": 1e-05, "e": [{"z": 2, "y": None}]},
              {"b": None, "a": None, "c": None, "d": None, "e": None}, None]
    import json
    expected = [json.dumps(v, ensure_ascii=False, sort_keys=True) if v else None for v in values]
    assert json_objects(pl.Series(values)).to_pylist() == expected
    assert json_objects(pl.Series(values), drop_nulls=True).to_pylist()[1:] == [None, None]


@pytest.mark.parametrize("records", [
    [{"b": 'q"\\\n\x1f é', "a": 1, "c": None, "d": 1e-05, "e": True}, {"a": -2, "b": "x", "c": None, "d": 2.0, "e": False}],
    [{"a": 1}, {"a": "1"}],                        # one key, two types: record by record
    [{"a": 1, "b": {"z": 1}}, {"a": 2, "b": {"y": None}}],     # nested objects: record by record
    [{"a": 1}, {"b": 1}],                          # different keys: record by record
])
def test_json_records_match_json_dumps(records):
    import json
    expected = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records]
    assert json_records(records).to_list() == expected


def test_multi_hot():
    frame = pl.DataFrame({"a": [True, False, True, None], "b": [True, False, False, True]})
    lists, joined = multi_hot(frame, ["a", "b"])
    assert lists.to_list() == [["a", "b"], [], ["a"], ["b"]] and joined.to_list() == ["a,b", "", "a", "b"]


TRICKY = ('\ufeffid,label,text\n1,ang,plain\n\n2,"hap","quoted ""x"" text"\n3,sad,x"y\n4,neu\n'
          '5,joy,"multi\nline"\n6,ang,a,b\n7,oth,"ab"cd\r\n8,sad,last')


@pytest.mark.parametrize("strict", [True, False])
def test_read_matches_csv_rows(tmp_path, strict):
    (tmp_path / "t.csv").write_text(TRICKY, encoding="utf-8")
    ctx, ctx2 = ConversionContext(Toy(), tmp_path, strict=strict), ConversionContext(Toy(), tmp_path, strict=strict)
    try:
        old = [(line, rec) for line, rec in ctx.csv_rows("t.csv", columns=["id", "label"])]
    except ConversionError as e:
        with pytest.raises(ConversionError) as err:
            Columns(ctx2).read("t.csv", columns=["id", "label"])
        assert str(err.value) == str(e) and e.line == 6
        return
    cols = Columns(ctx2)
    frame = cols.read("t.csv", columns=["id", "label"])
    assert [(cols.where(loc)[1], {k: v for k, v in rec.items() if k != LOC})
            for loc, rec in zip(frame[LOC], frame.to_dicts())] == old
    assert [s.__dict__ for s in ctx2.skipped] == [s.__dict__ for s in ctx.skipped] and len(ctx.skipped) == 2
    assert ctx2.sources == ctx.sources


def test_read_header_errors(tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "h.csv").write_text("a,b\n1,2\n")
    cols = Columns(ConversionContext(Toy(), tmp_path))
    with pytest.raises(ConversionError, match="empty file; expected a header row"):
        cols.read("empty.csv")
    with pytest.raises(ConversionError, match=r"header lacks column\(s\) \['c'\]"):
        cols.read("h.csv", columns=["c"])
    assert cols.read("h.csv", fieldnames=["x", "y"]).drop(LOC).to_dicts() == [{"x": "a", "y": "b"}, {"x": "1", "y": "2"}]


@pytest.mark.parametrize("strict", [True, False])
def test_unknown_labels_name_file_and_line_like_row(tmp_path, strict):
    text = "id\tlabel\n1\tang\n2\tmeh\n3\tsad\n4\tmeh2\n"
    (tmp_path / "l.tsv").write_text(text)
    ctx = ConversionContext(Toy(), tmp_path, strict=strict)
    cols = Columns(ctx)
    frame = cols.read("l.tsv", delimiter="\t", quoting=csv.QUOTE_NONE).rename({"id": "native_id", "label": "native_label"})
    if strict:
        with pytest.raises(ConversionError) as err:
            cols.rows(frame.with_columns(split=pl.lit("all")))
        assert err.value.line == 3 and str(err.value).endswith(
            "l.tsv:3: unknown label 'meh'; expected one of " + str(sorted(Toy.label_map)))
        return
    table = cols.rows(frame.with_columns(split=pl.lit("all")))
    assert table["native_id"].to_pylist() == ["1", "3"]
    assert [(s.line, s.reason.split(";")[0]) for s in ctx.skipped] == [(3, "unknown label 'meh'"),
                                                                       (5, "unknown label 'meh2'")]


def test_read_flags_are_booleans_and_bad_cells_are_named(tmp_path):
    (tmp_path / "f.csv").write_text("id,a,b\n1,1,0\n2,0,x\n3,1\n4, 1,\n5,0,1\n")
    ctx = ConversionContext(Toy(), tmp_path, strict=False)
    frame = Columns(ctx).read("f.csv", columns=["id"], flags=["a", "b"])
    assert frame.drop(LOC).to_dicts() == [{"id": "1", "a": True, "b": False}, {"id": "5", "a": False, "b": True}]
    assert [(s.line, s.reason) for s in ctx.skipped] == [
        (3, "columns ['b'] must be 0 or 1"), (4, "expected 3 fields (id, a, b), found 2"),
        (5, "columns ['a', 'b'] must be 0 or 1")]
    with pytest.raises(ConversionError, match=r"f.csv:3: columns \['b'\] must be 0 or 1"):
        Columns(ConversionContext(Toy(), tmp_path)).read("f.csv", flags=["a", "b"])


def test_read_undecodable_file_like_csv_rows(tmp_path):
    (tmp_path / "u.csv").write_bytes(b"id,label\n1,ang\n2,\xff\xfe\n")
    with pytest.raises(ConversionError) as old:
        list(ConversionContext(Toy(), tmp_path).csv_rows("u.csv"))
    with pytest.raises(ConversionError) as new:
        Columns(ConversionContext(Toy(), tmp_path)).read("u.csv")
    assert str(new.value) == str(old.value) and "not utf-8 text (byte 0xff" in str(new.value)


def test_rating_checks_like_ctx_rating(tmp_path):
    (tmp_path / "r.csv").write_text("id,rater,kind,valence\na,r1,human,5\na,r2,robot,3\na,r3,human,6\n")
    ctx = ConversionContext(Toy(), tmp_path, strict=False)
    cols = Columns(ctx)
    long = cols.read("r.csv").rename({"id": "native_id", "rater": "rater_id", "kind": "rater_kind"})
    table = cols.rows(pl.DataFrame({"native_id": ["a"], "split": ["all"]}), long)
    assert [r["rater_id"] for r in table["ratings"].to_pylist()[0]] == ["r1"]
    expected = []
    for kind, valence in (("robot", 3.0), ("human", 6.0)):
        with pytest.raises(ConversionError) as err:
            ctx.rating("r", kind, valence=valence)
        expected.append(err.value.message)
    assert [(s.line, s.reason) for s in ctx.skipped] == [(3, expected[0]), (4, expected[1])]
    assert expected[1] == "rating valence 1.5 is outside [-1, 1]"


@pytest.mark.parametrize("strict", [True, False])
def test_read_batches_match_read(tmp_path, strict, monkeypatch):
    monkeypatch.setattr(columnar, "STREAM_BLOCK", 256)
    (tmp_path / "t.csv").write_text(TRICKY + "\n" + "\n".join(f"{i},ang,row {i}" for i in range(9, 400)) + "\n4,neu\n",
                                    encoding="utf-8")
    ctx, ctx2 = ConversionContext(Toy(), tmp_path, strict=strict), ConversionContext(Toy(), tmp_path, strict=strict)
    cols, cols2 = Columns(ctx), Columns(ctx2)
    try:
        whole = cols.read("t.csv", columns=["id", "label"])
    except ConversionError as e:
        with pytest.raises(ConversionError) as err:
            list(cols2.read_batches("t.csv", columns=["id", "label"], batch_bytes=2048))
        assert str(err.value) == str(e)
        return
    frames = list(cols2.read_batches("t.csv", columns=["id", "label"], batch_bytes=2048))
    assert len(frames) > 3 and pl.concat(frames).equals(whole)
    assert [cols2.where(loc) for loc in whole[LOC]] == [cols.where(loc) for loc in whole[LOC]]
    assert [s.__dict__ for s in ctx2.skipped] == [s.__dict__ for s in ctx.skipped] and len(ctx.skipped) == 3


class ToyTable(TableConverter):
    name = "toy"
    split_files = {"train": "t.csv"}
    columns = {"native_label": "emo", "valence": "val", "turn_index": "turn", "text": "txt"}
    reads = ("who",)
    label_map = {"ang": "anger", "hap": "happiness"}
    vad_scale = "1-5"
    defaults = {"language": "en", "modalities": ["text"], "perspective": "perceived", "elicitation": "natural"}

    def rules(self, split):
        return [(pl.col("who") == "", pl.lit("who is empty"))]

    def fields(self, split):
        return {"speaker_id": pl.col("who").str.to_uppercase()}


TABLE = 'emo,val,turn,txt,who,note\nang,5,0,"two\nlines",a,x\nhap,,1,plain,b,\nang,1,2,t,c,y\n'


@pytest.mark.parametrize("strict", [True, False])
def test_table_converter_numbers_lines_extra_and_rule_order(tmp_path, strict):
    """TableConverter's columnar rows: line-numbered ids, float()/int() cells, unmapped columns in
    extra, reads checked in the header; a row's first error is the one row-by-row code met first."""
    (tmp_path / "t.csv").write_text(TABLE, encoding="utf-8")
    rows = pa.Table.from_batches([], SCHEMA)
    for batch in ToyTable().samples(ConversionContext(ToyTable(), tmp_path, strict=strict)):
        rows = pa.concat_tables([rows, batch])
    got = {r["native_id"]: r for r in rows.to_pylist()}
    assert list(got) == ["train-3", "train-4", "train-5"]     # a record's last line, as Python's csv counts
    assert got["train-3"]["valence"] == pytest.approx(1.0) and got["train-3"]["text"] == "two\nlines"
    assert got["train-4"]["vad_source"] == "mapped" and got["train-3"]["vad_source"] == "annotated"   # empty: no value
    assert [r["turn_index"] for r in got.values()] == [0, 1, 2] and got["train-5"]["speaker_id"] == "C"
    assert json.loads(got["train-3"]["extra"]) == {"note": "x", "who": "a"}      # every column not in `columns`
    assert json.loads(got["train-4"]["extra"]) == {"note": "", "who": "b"}
    bad = TABLE.replace("hap,,1,plain,b,", "joy,x,1,plain,,").replace("ang,1,2,", "joy,1,z,")
    (tmp_path / "t.csv").write_text(bad, encoding="utf-8")
    ctx = ConversionContext(ToyTable(), tmp_path, strict=strict)
    if strict:     # line 4: the number first (then the rule, then the label); line 5 is not reached
        with pytest.raises(ConversionError, match=r"t.csv:4: ValueError: could not convert string to float: 'x'"):
            list(ToyTable().samples(ctx))
    else:
        assert sum(b.num_rows for b in ToyTable().samples(ctx)) == 1
        assert [(s.line, s.reason) for s in ctx.skipped] == [
            (4, "ValueError: could not convert string to float: 'x'"),
            (5, "ValueError: invalid literal for int() with base 10: 'z'")]
    class WithIds(ToyTable):
        columns = {**ToyTable.columns, "native_id": "note"}
    (tmp_path / "t.csv").write_text(TABLE, encoding="utf-8")
    ids = [i for b in WithIds().samples(ConversionContext(WithIds(), tmp_path)) for i in b["native_id"].to_pylist()]
    assert ids == ["x", "train-4", "y"]                       # an empty id falls back to the line
    (tmp_path / "t.csv").write_text(TABLE.replace(",who,", ",whom,"), encoding="utf-8")
    with pytest.raises(ConversionError, match=r"t.csv:1: header lacks column\(s\) \['who'\]"):
        list(ToyTable().samples(ConversionContext(ToyTable(), tmp_path)))
