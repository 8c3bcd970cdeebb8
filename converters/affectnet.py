"""AffectNet (Mollahosseini et al., IEEE TAC 2017): faces in the wild, 8 expressions plus valence/arousal.

Native layout: ``Manually_Annotated_file_lists/{training,validation}.csv`` with header
``subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,expression,valence,arousal``
(images under ``Manually_Annotated_Images/``) and optionally
``Automatically_annotated_file_list/automatically_annotated.csv`` (same columns, images under
``Automatically_Annotated_Images/``; labels from the authors' model, kept as a ``model`` rating).

Splits: training -> ``train``, validation -> ``validation`` (the usual test set: official test
labels were never released), automatic -> ``automatic``. Expression codes 0-7 are emotions;
8 None, 9 Uncertain and 10 No-Face are kept verbatim with no canonical label. Valence and
arousal are on [-1, 1]; -2 marks "not annotated" and becomes null. Face box and the 68
landmarks (kept verbatim) go to ``extra``.
"""
import polars as pl

from emodata.columnar import LOC, Columns, float_rule, floats, repr_message
from emodata.convert import ConversionError, Converter

EXPRESSIONS = {"0": "Neutral", "1": "Happiness", "2": "Sadness", "3": "Surprise", "4": "Fear", "5": "Disgust",
               "6": "Anger", "7": "Contempt", "8": "None", "9": "Uncertain", "10": "No-Face"}
FILES = {
    "train": ("Manually_Annotated_file_lists/training.csv", "Manually_Annotated_Images", "human"),
    "validation": ("Manually_Annotated_file_lists/validation.csv", "Manually_Annotated_Images", "human"),
    "automatic": ("Automatically_annotated_file_list/automatically_annotated.csv",
                  "Automatically_Annotated_Images", "model"),
}
BOX = ("face_x", "face_y", "face_width", "face_height")
COLUMNS = ["subDirectory_filePath", *BOX, "facial_landmarks", "expression", "valence", "arousal"]
NOT_ANNOTATED = -2.0


class AffectNet(Converter):
    name = "affectnet"
    label_map = {"Neutral": "neutral", "Happiness": "happiness", "Sadness": "sadness", "Surprise": "surprise",
                 "Fear": "fear", "Disgust": "disgust", "Anger": "anger", "Contempt": "contempt",
                 "None": None, "Uncertain": None, "No-Face": None}
    vad_scale = "-1..1"
    defaults = {"modalities": ["image"], "perspective": "perceived", "elicitation": "natural"}

    def samples(self, ctx):
        present = {split: spec for split, spec in FILES.items() if (ctx.src / spec[0]).exists()}
        if not present:
            raise ConversionError(f"no AffectNet file list found; expected any of {[s[0] for s in FILES.values()]}",
                                  ctx.src)
        cols = Columns(ctx)
        for split, (rel, image_dir, kind) in present.items():
            for frame in cols.read_batches(rel, columns=COLUMNS):     # the lists hold up to a million faces
                yield self._rows(cols, frame, split, image_dir, kind)

    def _rows(self, cols: Columns, frame: pl.DataFrame, split: str, image_dir: str, kind: str):
        rules = [(~pl.col("expression").is_in(list(EXPRESSIONS)),
                  repr_message("unknown expression code {!r}; expected 0-10", "expression"))]
        for c in ("valence", "arousal"):      # a float on [-1, 1], or the -2 "not annotated" marker
            v = floats(c)
            rules += [float_rule(c), ((v != NOT_ANNOTATED) & (v.is_nan() | (v < -1) | (v > 1)), repr_message(
                "valence/arousal {!r} outside [-1, 1] (and not the -2 marker)", c))]
        rules += [float_rule(k) for k in BOX]
        rules += [(~floats(k).is_finite(), repr_message("ValueError: cannot convert float {} to integer", k))
                  for k in BOX]
        frame = cols.check(frame, *rules)
        native = pl.col("expression").replace_strict(EXPRESSIONS, return_dtype=pl.String)
        va = {c: pl.when(floats(c) != NOT_ANNOTATED).then(floats(c)) for c in ("valence", "arousal")}
        path = pl.col("subDirectory_filePath")
        extra = {"expression_code": pl.col("expression").cast(pl.Int64),
                 "face_box_xywh": pl.concat_list([floats(k).cast(pl.Int64) for k in BOX]),
                 "facial_landmarks": pl.col("facial_landmarks")}
        if kind == "human":
            samples = frame.select(path.alias("native_id"), LOC, native_label=native, **va,
                                   image_path=pl.lit(f"{image_dir}/") + path, extra=pl.struct(**extra))
            return cols.rows(samples.with_columns(split=pl.lit(split)))
        # the authors' model labelled these: its label and values are a model rating, not the sample's
        native_id = pl.lit("auto/") + path
        samples = frame.select(native_id.alias("native_id"), LOC, image_path=pl.lit(f"{image_dir}/") + path,
                               extra=pl.struct(**extra, model_label=native))
        ratings = frame.select(native_id.alias("native_id"), LOC, rater_id=pl.lit("affectnet-auto"),
                               rater_kind=pl.lit("model"), labels=pl.concat_list(native),
                               native=pl.col("expression"), **va)
        return cols.rows(samples.with_columns(split=pl.lit(split)), ratings)


CONVERTER = AffectNet()
