"""MSP-Podcast (Lotfian & Busso 2019): natural podcast speech, consensus and per-rater labels.

Native layout (licensed release)::

    Audios/<FileName>                     MSP-PODCAST_<podcast>_<segment>.wav
    Labels/labels_consensus.csv           FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set
                                          (older releases: the misspelt labels_concensus.csv)
    Labels/labels_detailed.json           per rater: {"<FileName>": {"<WorkerID>": {"EmoClass_Major",
                                          "EmoClass_Second", "EmoAct", "EmoVal", "EmoDom"}}}  (optional)

Consensus code X (no agreement) keeps the row with no canonical label; the soft label then
comes from the raters. Arousal/valence/dominance are 1-7 means; each rater's values are kept on
the same scale. ``Unknown`` speaker/gender become null. Split names vary by release: Train,
Development/Validation, Test1, Test2, Test3 -> train, validation, test1, test2, test3.
A rater's "Other-<free text>" primary emotion maps to ``other`` with the text kept verbatim.
A segment listed twice in the consensus file is a data error. Converted column-wise, in chunks
of 25,000 segments; the raters' JSON is parsed whole (the standard library cannot stream it).
"""
from __future__ import annotations

import polars as pl
import pyarrow as pa

from emodata.columnar import LOC, Columns, float_rule, floats, json_records, repr_message
from emodata.convert import ConversionContext, ConversionError, Converter, gc_paused

CONSENSUS = ("Labels/labels_consensus.csv", "Labels/labels_concensus.csv", "labels_consensus.csv",
             "labels_concensus.csv")
DETAILED = ("Labels/labels_detailed.json", "labels_detailed.json")
COLUMNS = ["FileName", "EmoClass", "EmoAct", "EmoVal", "EmoDom", "SpkrID", "Gender", "Split_Set"]
SPLITS = {"Train": "train", "Development": "validation", "Validation": "validation", "Test1": "test1",
          "Test2": "test2", "Test3": "test3"}
CODES = {"A": "anger", "H": "happiness", "S": "sadness", "N": "neutral", "U": "surprise", "F": "fear",
         "D": "disgust", "C": "contempt", "O": "other", "X": None}
WORDS = {"angry": "anger", "anger": "anger", "happy": "happiness", "happiness": "happiness", "sad": "sadness",
         "sadness": "sadness", "neutral": "neutral", "surprise": "surprise", "surprised": "surprise",
         "fear": "fear", "fearful": "fear", "disgust": "disgust", "disgusted": "disgust",
         "contempt": "contempt", "contemptuous": "contempt", "other": "other"}
MISSING = ("", "Unknown", "NaN")
NO_VALUE = (None, *MISSING)
CHUNK_SEGMENTS = 25_000
RATING_COLUMNS = ("native_id", "rater_id", "word", "native", "valence", "arousal", "dominance", "_problem")


def _float(value: str | float | None) -> float | None:
    """``float()`` of a rater's value; the missing markers and NaN are None (as rescaling makes NaN)."""
    number = None if value in NO_VALUE else float(value)
    return None if number is None or number != number else number


def _off_scale(value: float | None) -> bool:
    return value is not None and not 1 <= value <= 7


def _number(column: str) -> pl.Expr:
    return pl.when(pl.col(column).is_in(MISSING)).then(None).otherwise(floats(column))


class MspPodcast(Converter):
    name = "mspodcast"
    label_map = {**CODES, **WORDS}
    vad_scale = "1-7"
    defaults = {"language": "en", "modalities": ["audio"], "perspective": "perceived", "elicitation": "natural"}

    def rater_ratings(self, ctx: ConversionContext, stems: list[str], detailed: dict, det: str) -> pl.DataFrame:
        """One row per rater of each segment, in segment and rater order: the major emotion as a
        word, the rater's record as JSON, VAD on 1-7, and the first problem with the rater's record
        (the message row-by-row conversion gives it; the segment is then a data error)."""
        columns: dict[str, list] = {c: [] for c in RATING_COLUMNS if c != "native"}
        records = []     # each rater's record, kept verbatim as JSON (native)
        append = [column.append for column in columns.values()]
        with gc_paused():     # a tuple per rating would start collections that scan the parsed file
            for stem in stems:
                raters = detailed.get(f"{stem}.wav", detailed.get(stem)) or {}
                for worker, r in raters.items() if isinstance(raters, dict) else [("?", raters)]:
                    word, values, problem = self._rater(ctx, det, worker, r)
                    for add, value in zip(append, (stem, worker, word, *values, problem)):
                        add(value)
                    records.append({} if problem else r)
        return pl.DataFrame({c: pl.Series(values, dtype=pl.Float64 if c in ("valence", "arousal", "dominance")
                                          else pl.String) for c, values in columns.items()}).with_columns(
            native=json_records(records))

    @staticmethod
    def _rater(ctx: ConversionContext, det: str, worker: str, r) -> tuple[str | None, tuple, str | None]:
        """A rater's major emotion word, (valence, arousal, dominance) on 1-7 and first problem."""
        if not isinstance(r, dict):
            return None, (None, None, None), (f"{det}, rater {worker}: expected an object of EmoClass_Major, "
                                              "EmoAct, EmoVal and EmoDom")
        major = str(r.get("EmoClass_Major", "")).strip()
        word = "other" if major.lower().startswith("other") else major.lower()
        try:
            if word not in WORDS:
                raise ConversionError(f"{det}, rater {worker}: unknown EmoClass_Major {major!r}; "
                                      f"expected one of {sorted(WORDS)} or Other-<text>")
            values = (_float(r.get("EmoVal")), _float(r.get("EmoAct")), _float(r.get("EmoDom")))
            if _off_scale(values[0]) or _off_scale(values[1]) or _off_scale(values[2]):   # the message rating() gives
                ctx.rating(worker, labels=[word], valence=values[0], arousal=values[1], dominance=values[2])
        except ConversionError as e:
            return word, (None, None, None), e.message
        except (ValueError, TypeError) as e:
            return word, (None, None, None), f"{type(e).__name__}: {e}"
        return word, values, None

    def samples(self, ctx: ConversionContext):
        consensus = ctx.find(*CONSENSUS, expect="Labels/labels_consensus.csv")
        det = ctx.first(*DETAILED)
        cols = Columns(ctx)
        rec = cols.read(str(consensus.relative_to(ctx.src)), columns=COLUMNS)
        name = pl.col("FileName")
        stem = pl.when(name.str.ends_with(".wav")).then(name.str.slice(0, name.str.len_chars() - 4)).otherwise(name)
        rec = rec.with_columns(stem.alias("_stem")).with_columns(_repeat=~pl.col("_stem").is_first_distinct())
        detailed = ctx.json(det) if det else None
        if detailed is not None and not isinstance(detailed, dict):
            raise ConversionError("expected an object of segments, each an object of raters", ctx.src / det)
        for start in range(0, rec.height, CHUNK_SEGMENTS):      # the raters' rows and records in bounded memory
            yield self._rows(cols, rec.slice(start, CHUNK_SEGMENTS), detailed, det)

    def _rows(self, cols: Columns, rec: pl.DataFrame, detailed: dict | None, det: str) -> pa.Table:
        """Schema rows of a chunk of consensus rows and their raters, checked in the order row-by-row
        conversion checked a segment: split, raters, consensus values, repetition, label."""
        ratings = None
        if detailed is not None:    # a segment's first rater problem, in the order row-by-row conversion meets it
            ratings = self.rater_ratings(cols.ctx, rec["_stem"].unique(maintain_order=True).to_list(), detailed, det)
            first = (ratings.filter(pl.col("_problem").is_not_null())
                     .unique("native_id", keep="first", maintain_order=True))
            rec = rec.join(first.select(pl.col("native_id").alias("_stem"), "_problem"), on="_stem", how="left",
                           maintain_order="left")
        rec = cols.check(rec, (~pl.col("Split_Set").is_in(list(SPLITS)), repr_message(
                             f"unknown Split_Set {{!r}}; expected one of {sorted(SPLITS)}", "Split_Set")),
                         *([(pl.col("_problem").is_not_null(), pl.col("_problem"))] if ratings is not None else []),
                         *(((~pl.col(c).is_in(MISSING)) & float_rule(c)[0], float_rule(c)[1])
                           for c in ("EmoVal", "EmoAct", "EmoDom")),
                         (pl.col("_repeat"), pl.format("segment {} is listed twice", "_stem")),
                         *filter(None, [cols.label_rule(rec, "EmoClass")]))
        stem, speaker, gender = pl.col("_stem"), pl.col("SpkrID"), pl.col("Gender")
        other = [c for c in rec.columns if c not in (*COLUMNS, "_stem", "_repeat", "_problem", LOC)]
        samples = rec.select(
            stem.alias("native_id"), LOC, split=pl.col("Split_Set").replace_strict(SPLITS, return_dtype=pl.String),
            native_label="EmoClass", valence=_number("EmoVal"), arousal=_number("EmoAct"), dominance=_number("EmoDom"),
            audio_path=pl.concat_str([pl.lit("Audios/"), stem, pl.lit(".wav")]),
            speaker_id=pl.when(speaker.is_in(("", "Unknown"))).then(None).otherwise(speaker),
            speaker_gender=pl.when(gender.is_in(("", "Unknown"))).then(None).otherwise(gender.str.to_lowercase()),
            dialogue_id=stem.str.replace(r"_[^_]*$", ""), **({"extra": pl.struct(other)} if other else {}))
        if ratings is not None:     # the raters of the segments kept (lenient conversion drops bad ones whole)
            ratings = ratings.join(samples.select("native_id", LOC), on="native_id", how="inner", maintain_order="left"
                                   ).select("native_id", "rater_id", "native", "valence", "arousal", "dominance", LOC,
                                            labels=pl.concat_list("word"))
        return cols.rows(samples.sort("split", maintain_order=True), ratings)    # the store slices it per split


CONVERTER = MspPodcast()
