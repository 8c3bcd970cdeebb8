"""GoEmotions (Demszky et al., ACL 2020): 58k Reddit comments, 27 emotions + neutral.

Native layout (``src``):
  train.tsv, dev.tsv, test.tsv              split files: text, label ids, comment id (no header)
  full_dataset/goemotions_{1,2,3}.csv       raw per-rater annotations (optional)

With the raw files every comment becomes a row holding each rater's labels (multi-label);
comments absent from the split files (no label kept by >= 2 raters) get split
``unassigned``. Without them, rows come from the split files with their gold labels.
Split-file quirk: texts were written with CSV quoting inside a TSV, so a text that starts
with a double quote is CSV-unquoted here.
"""
from __future__ import annotations

import csv

import polars as pl

from emodata.columnar import LOC, Columns, multi_hot
from emodata.convert import ConversionContext, ConversionError, Converter

EMOTIONS = ("admiration amusement anger annoyance approval caring confusion curiosity desire "
            "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy "
            "love nervousness optimism pride realization relief remorse sadness surprise neutral").split()
SPLITS = {"train": "train.tsv", "validation": "dev.tsv", "test": "test.tsv"}
RAW_FILES = [f"full_dataset/goemotions_{i}.csv" for i in (1, 2, 3)]
META = ("author", "subreddit", "link_id", "parent_id", "created_utc")
UNCLEAR = "example_very_unclear"


def unquote_tsv_text(text: str) -> str:
    """Undo the CSV quoting GoEmotions' TSV files carry (``\"\"\"x\"\" y\"`` -> ``\"x\" y``)."""
    if text.startswith('"'):
        return next(csv.reader([text]))[0]
    return text


class GoEmotions(Converter):
    name = "goemotions"
    label_map = {e: e for e in EMOTIONS}
    defaults = {"language": "en", "modalities": ["text"], "perspective": "perceived", "elicitation": "natural"}

    def _split_files(self, cols: Columns) -> pl.DataFrame:
        """One row per comment id of the TSV split files present: split, gold label names, text."""
        frames = []
        for split, rel in SPLITS.items():
            if (cols.ctx.src / rel).exists():
                frame = cols.read(rel, fieldnames=["text", "label ids", "native_id"], delimiter="\t",
                                  quoting=csv.QUOTE_NONE)
                frames.append(frame.with_columns(split=pl.lit(split)))
        if not frames:
            return pl.DataFrame(schema={"native_id": pl.String, "split": pl.String, "native_labels": pl.List(pl.String),
                                        "text": pl.String, LOC: pl.Int64})
        gold = pl.concat(frames)
        ids = gold.select(LOC, pl.col("label ids").str.split(",").alias("i")).explode("i")
        number = ids["i"].str.strip_chars().str.extract(r"^([+-]?\d+)$").cast(pl.Int64)
        ids = ids.with_columns(number=number)
        errors = ids.filter(pl.col("number").is_null() | (pl.col("number") >= len(EMOTIONS))
                            | (pl.col("number") < -len(EMOTIONS))).unique(LOC, keep="first", maintain_order=True)
        if errors.height:
            cols.fail(errors[LOC].to_list(), [
                f"ValueError: invalid literal for int() with base 10: {i!r}" if n is None else
                "IndexError: list index out of range" for i, n in zip(errors["i"].to_list(), errors["number"].to_list())])
            gold = gold.filter(~pl.col(LOC).is_in(errors[LOC].implode()))
            ids = ids.filter(~pl.col(LOC).is_in(errors[LOC].implode()))
        names = (ids.with_columns(pl.col("number").replace_strict(
            {i: EMOTIONS[i] for i in range(-len(EMOTIONS), len(EMOTIONS))}, return_dtype=pl.String).alias("name"))
            .group_by(LOC, maintain_order=True).agg(native_labels=pl.col("name")))
        text = gold["text"]
        quoted = text.str.starts_with('"')
        if quoted.any():
            text = text.scatter(quoted.arg_true(), [unquote_tsv_text(t) for t in text.filter(quoted).to_list()])
        gold = gold.with_columns(text=text).join(names, on=LOC, maintain_order="left")
        # a comment id listed twice keeps its first place and its last entry, as a dict does
        return gold.group_by("native_id", maintain_order=True).agg(pl.col("split", "native_labels", "text", LOC).last())

    def samples(self, ctx: ConversionContext):
        raw = [rel for rel in RAW_FILES if (ctx.src / rel).exists()]
        if not raw and not any((ctx.src / rel).exists() for rel in SPLITS.values()):
            raise ConversionError(f"expected {', '.join(SPLITS.values())} and/or {', '.join(RAW_FILES)}", ctx.src)
        cols = Columns(ctx)
        gold = self._split_files(cols).with_columns(
            native_label=pl.when(pl.col("native_labels").list.len() == 1).then(pl.col("native_labels").list.first()))
        if not raw:
            yield cols.rows(gold)
            return
        ratings = cols.read(*raw, columns=["text", "id", "rater_id", UNCLEAR], flags=EMOTIONS)
        unclear = pl.col(UNCLEAR)
        ratings = cols.check(ratings, (~unclear.is_in(["True", "False"]),
                                       unclear.map_elements(lambda v: f"KeyError: {v!r}", return_dtype=pl.String)))
        chosen, joined = multi_hot(ratings, EMOTIONS)
        meta = [k for k in META if k in ratings.columns]
        ratings = ratings.with_columns(chosen=chosen, joined=joined).select(
            pl.col("id").alias("native_id"), "rater_id", "text", *meta, LOC,
            labels=pl.when(unclear == "True").then(None).otherwise("chosen"),
            native=pl.when(unclear == "True").then(pl.lit(UNCLEAR)).otherwise("joined"))
        comments = (ratings.group_by("native_id", maintain_order=True).agg(pl.col("text", *meta).first())
                    .join(gold.drop("text", LOC), on="native_id", how="left", maintain_order="left")
                    .with_columns(pl.col("split").fill_null("unassigned"),
                                  speaker_id=pl.col("author") if "author" in meta else pl.lit(None, pl.String),
                                  dialogue_id=pl.col("link_id") if "link_id" in meta else pl.lit(None, pl.String),
                                  extra=pl.struct(meta) if meta else pl.lit(None)))
        yield cols.rows(gold.join(comments.select("native_id"), on="native_id", how="anti", maintain_order="left"))
        yield cols.rows(comments.drop(meta).sort("split", maintain_order=True),    # the store slices it per split
                        ratings.select("native_id", "rater_id", "labels", "native", LOC), drop_null_extra=True)


CONVERTER = GoEmotions()
