"""Aff-Wild2 / ABAW (Kollias et al. 2019-2025): in-the-wild videos with per-frame
valence-arousal, 8 expressions and 12 action units.

Native layout (3rd-8th ABAW; the 1st ABAW names in brackets)::

    Annotations/VA_Estimation_Challenge/{Train_Set,Validation_Set}/<video>.txt      [annotations/VA_Set/Training_Set/...]
    Annotations/EXPR_Recognition_Challenge/...   (or EXPR_Classification_Challenge) [EXPR_Set]
    Annotations/AU_Detection_Challenge/...                                          [AU_Set]
    cropped_aligned/<video>/00001.jpg ...      optional face crops, frame k = 0000k.jpg
    videos/<video>.mp4 (or raw_videos/, batch1/, batch2/)   optional; give the frame rate

Each txt: a header line naming the columns, then one line per frame (line k+1 = frame k):
VA ``valence,arousal`` on [-1, 1] (-5 = frame not annotated), EXPR one class index in
header order (-1 = not annotated), AU 0/1 per AU (-1 = not annotated). Video names ending
in ``_left``/``_right`` are two subjects of one video.

Per-frame labels become segment rows: consecutive frames with the same value (VA pair,
expression or AU vector) form one row, ids ``<task>/<video>/<first>-<last>`` (1-based
frames). Unannotated frames become segments too, with no label and
``extra.annotated = false``, so nothing is dropped. ``start``/``end`` seconds and ``fps``
come from the video when it is present (ffprobe); without it they are null and the frame
range in ``extra`` locates the segment.
"""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from emodata.columnar import LOC, Columns
from emodata.convert import ConversionContext, ConversionError, Converter
from emodata.converters._video_common import find_video, video_fps

TASK_DIRS = {
    "VA": ("VA_Estimation_Challenge", "VA_Set"),
    "EXPR": ("EXPR_Recognition_Challenge", "EXPR_Classification_Challenge", "EXPR_Set"),
    "AU": ("AU_Detection_Challenge", "AU_Set"),
}
SPLIT_DIRS = {"Train_Set": "train", "Training_Set": "train", "Validation_Set": "validation", "Test_Set": "test"}
ANNOTATION_ROOTS = ("Annotations", "annotations", "")
VIDEO_DIRS = ("videos", "raw_videos", "batch1", "batch2", "videos/batch1", "videos/batch2", "")
BATCH_SEGMENTS = 50_000       # segment rows built at once


def parse_va(text: str, header: list[str]):
    fields = text.split(",")
    if len(fields) != 2:
        raise ConversionError(f"expected 'valence,arousal', found {text!r}")
    v, a = float(fields[0]), float(fields[1])
    if v == -5 or a == -5:
        return None
    if not (-1 <= v <= 1 and -1 <= a <= 1):
        raise ConversionError(f"valence/arousal {v}, {a} outside [-1, 1] (and not the -5 marker)")
    return (v, a)


def parse_expr(text: str, header: list[str]):
    idx = int(text.strip())
    if idx == -1:
        return None
    if not 0 <= idx < len(header):
        raise ConversionError(f"expression index {idx} outside 0..{len(header) - 1} ({', '.join(header)}) "
                              "and not the -1 marker")
    return header[idx]


def parse_au(text: str, header: list[str]):
    values = [int(x) for x in text.split(",")]
    if len(values) != len(header):
        raise ConversionError(f"expected {len(header)} AU values ({', '.join(header)}), found {len(values)}")
    if -1 in values:
        return None
    if set(values) - {0, 1}:
        raise ConversionError(f"AU values must be 0, 1 or -1, found {text!r}")
    return tuple(values)


PARSERS = {"VA": parse_va, "EXPR": parse_expr, "AU": parse_au}


def frame_values(task: str, header: list[str], frames: pl.DataFrame, ctx: ConversionContext, path: Path) -> pl.DataFrame:
    """The value of every frame line (column ``text``): canonical lines (plain numbers, as the
    ABAW files are written) are read at once, any other line goes through the parser above
    (its message when it fails: an error, or when lenient an unannotated frame). Adds the
    value columns and ``key``, equal for equal values (null: unannotated)."""
    text = pl.col("text")
    if task == "VA":
        number = r"-?[0-9]+(?:\.[0-9]+)?"
        parts = text.str.split_exact(",", 1)
        v, a = (parts.struct.field(f"field_{i}").cast(pl.Float64, strict=False) for i in (0, 1))
        marker = (v == -5) | (a == -5)
        fast = text.str.contains(f"^{number},{number}$") & (marker | ((v >= -1) & (v <= 1) & (a >= -1) & (a <= 1)))
        columns = {"valence": pl.when(fast & ~marker).then(v), "arousal": pl.when(fast & ~marker).then(a)}
    elif task == "EXPR":
        idx = text.cast(pl.Int64, strict=False)
        fast = text.str.contains(r"^-?[0-9]+$") & ((idx == -1) | ((idx >= 0) & (idx < len(header))))
        columns = {"native_label": pl.when(fast).then(idx.replace_strict(dict(enumerate(header)), default=None,
                                                                          return_dtype=pl.String))}
    else:
        fast = text.str.contains(f"^(?:-1|0|1)(?:,(?:-1|0|1)){{{len(header) - 1}}}$")
        columns = {"key": pl.when(fast & ~text.str.contains("-1", literal=True)).then(text)}
    frames = frames.with_columns(fast=fast, **columns)
    slow = frames.with_row_index("i").filter(~pl.col("fast")).select("i", "line", "text")
    if slow.height:
        values: dict[str, list] = {name: frames[name].to_list() for name in columns}
        for i, line, line_text in slow.iter_rows():
            try:
                value = PARSERS[task](line_text, header)
            except (ConversionError, ValueError, IndexError) as e:
                ctx.fail(e.message if isinstance(e, ConversionError) else f"{type(e).__name__}: {e}", path, line)
                value = None                 # lenient: the frame stays, unannotated
            if task == "VA":
                values["valence"][i], values["arousal"][i] = value or (None, None)
            elif task == "EXPR":
                values["native_label"][i] = value
            else:
                values["key"][i] = None if value is None else ",".join(map(str, value))
        frames = frames.with_columns(pl.Series(name, v, dtype=frames.schema[name]) for name, v in values.items())
    if task == "VA":                          # -0.0 == 0.0, as Python compares the pairs
        v, a = (pl.when(pl.col(c) == 0).then(0.0).otherwise(pl.col(c)) for c in ("valence", "arousal"))
        return frames.with_columns(key=pl.format("{},{}", v, a))
    if task == "EXPR":
        return frames.with_columns(key=pl.col("native_label"))
    return frames


class AffWild2(Converter):
    name = "affwild2"
    label_map = {"Neutral": "neutral", "Anger": "anger", "Disgust": "disgust", "Fear": "fear",
                 "Happiness": "happiness", "Sadness": "sadness", "Surprise": "surprise", "Other": "other"}
    vad_scale = "-1..1"
    defaults = {"modalities": ["audio", "video"], "perspective": "perceived", "elicitation": "natural"}

    def annotation_files(self, ctx: ConversionContext):
        """(task, split, path) of every annotation txt file, sorted."""
        found = []
        for root in ANNOTATION_ROOTS:
            base = ctx.src / root if root else ctx.src
            for task, dirs in TASK_DIRS.items():
                for d in dirs:
                    for split_dir, split in SPLIT_DIRS.items():
                        folder = base / d / split_dir
                        if folder.is_dir():
                            found += [(task, split, p) for p in sorted(folder.glob("*.txt"))]
            if found:
                return found
        raise ConversionError("no annotation files found; expected Annotations/VA_Estimation_Challenge/Train_Set/"
                              "<video>.txt (or EXPR_*/AU_* folders, or the 1st ABAW annotations/VA_Set/Training_Set/)",
                              ctx.src)

    def samples(self, ctx: ConversionContext):
        cols = Columns(ctx)
        batch: list[pl.DataFrame] = []
        for task, split, path in self.annotation_files(ctx):
            segments = self.segments(ctx, cols, task, split, path)
            if batch and (segments.schema != batch[0].schema or sum(map(len, batch)) >= BATCH_SEGMENTS):
                yield cols.rows(pl.concat(batch), drop_null_extra=True)
                batch = []
            batch.append(segments)
        if batch:
            yield cols.rows(pl.concat(batch), drop_null_extra=True)

    def segments(self, ctx: ConversionContext, cols: Columns, task: str, split: str, path: Path) -> pl.DataFrame:
        """One file's segment rows: runs of equal values on consecutive frames (line k+1 = frame k)."""
        rel = str(path.relative_to(ctx.src))
        text = self.text(ctx, rel)
        lines = re.split(r"\r\n|\r|\n", text)
        if text.endswith(("\n", "\r")):
            lines.pop()
        if not lines:
            raise ConversionError("empty file; expected a header line, then one line per frame", path, 1)
        header = [h.strip() for h in lines[0].split(",")]
        frames = (pl.DataFrame({"text": lines[1:]}, schema={"text": pl.String}).with_row_index("line", offset=2)
                  .filter(pl.col("text").str.strip_chars() != ""))
        frames = frame_values(task, header, frames, ctx, path)
        # a new segment where a frame is missing or the value changes (unannotated frames form segments too)
        frame = pl.col("line") - 1
        start = (frame != frame.shift(1) + 1).fill_null(True) | pl.col("key").ne_missing(pl.col("key").shift(1))
        value = {"VA": ["valence", "arousal"], "EXPR": ["native_label"], "AU": ["key"]}[task]
        runs = (frames.with_columns(run=start.cum_sum())
                .group_by("run", maintain_order=True)
                .agg(first=frame.first(), last=frame.last(), first_line=pl.col("line").first(),
                     last_line=pl.col("line").last(), *(pl.col(name).first() for name in value)))
        if task == "AU":
            runs = runs.with_columns(aus=pl.col("key").str.split(",").cast(pl.List(pl.Int64)))
        return self.describe(ctx, cols, runs, task, split, path, header)

    def text(self, ctx: ConversionContext, rel: str) -> str:
        p = ctx.path(rel)
        ctx.record(p)
        try:
            return p.read_bytes().decode("utf-8")
        except UnicodeDecodeError:        # the line-by-line reader names the line
            for _ in ctx.lines(rel):
                pass
            raise

    def describe(self, ctx: ConversionContext, cols: Columns, runs: pl.DataFrame, task: str, split: str, path: Path,
                 header: list[str]) -> pl.DataFrame:
        """Schema fields of the segments: ids, media, times, and the frame range in ``extra``."""
        video = path.stem
        source = find_video(ctx, video.removesuffix("_left").removesuffix("_right"), VIDEO_DIRS)
        fps = None
        if source is not None:
            with ctx.at(source):
                fps = video_fps(source)
        first, last = pl.col("first"), pl.col("last")
        annotated = (pl.col("valence").is_not_null() if task == "VA" else
                     pl.col("native_label").is_not_null() if task == "EXPR" else pl.col("aus").is_not_null())
        extra = {"task": pl.lit(task), "first_frame": first, "last_frame": last, "frames": last - first + 1,
                 "annotated": annotated, "lines": pl.format("{}-{}", "first_line", "last_line")}
        if (ctx.src / "cropped_aligned" / video).is_dir():
            extra["frames_dir"] = pl.lit(f"cropped_aligned/{video}")
        if task == "AU":
            extra["aus"] = pl.when(pl.col("aus").is_not_null()).then(
                pl.struct(pl.col("aus").list.get(i).alias(h) for i, h in enumerate(header)))
            extra["active_aus"] = pl.col("aus").list.eval(pl.element().cast(pl.Boolean)).list.eval(
                pl.element().arg_true()).list.eval(pl.element().replace_strict(dict(enumerate(header)),
                                                                               return_dtype=pl.String))
        fields = {"valence": pl.col("valence"), "arousal": pl.col("arousal")} if task == "VA" else (
            {"native_label": pl.col("native_label")} if task == "EXPR" else {})
        return runs.select(
            pl.format(f"{task}/{video}/{{}}-{{}}", first.cast(pl.String).str.zfill(5),
                      last.cast(pl.String).str.zfill(5)).alias("native_id"),
            split=pl.lit(split), speaker_id=pl.lit(video), dialogue_id=pl.lit(video),
            video_path=pl.lit(str(source.relative_to(ctx.src)) if source else None, pl.String),
            start=((first - 1) / fps) if fps else pl.lit(None, pl.Float64),
            end=(last / fps) if fps else pl.lit(None, pl.Float64), fps=pl.lit(fps, pl.Float64),
            extra=pl.struct(**extra), **fields).with_columns(cols.locate(path, runs["first_line"]).alias(LOC))


CONVERTER = AffWild2()
