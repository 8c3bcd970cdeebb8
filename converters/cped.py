"""CPED (Chen et al. 2022): Chinese personalised and emotional dialogues from 40 TV series,
13 emotions, sentiment, dialogue acts, speaker gender/age/Big-Five; the public release is
the label tables, the media are not distributed (features on request).

Native layout (``data/CPED/`` of the GitHub repository, or the root):
``train_split.csv``, ``valid_split.csv``, ``test_split.csv`` with columns TV_ID,
Dialogue_ID, Utterance_ID, Speaker, Gender, Age, Neuroticism, Extraversion, Openness,
Agreeableness, Conscientiousness, Scene, FacePosition_LU, FacePosition_RD, Sentiment,
Emotion, DA, Utterance. Optional feature files ``features/<kind>/<Utterance_ID>.<ext>``
(e.g. audio/visual embeddings) are listed in ``extra.features`` (path per kind, null for a
kind the utterance lacks); no media
paths are set. Speakers are characters of one series: ``speaker_id`` is
``<TV_ID>/<Speaker>``, null for the grouped speakers (其他 / unknown / other). Age is a
band (young, middle-aged, ...) and stays in ``extra``; ``turn_index`` is the position of the
utterance within its dialogue (the last part of Utterance_ID).
"""
from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from emodata.columnar import int_rule, ints
from emodata.layouts import TableConverter

GROUPED_SPEAKERS = {"其他", "unknown", "other", ""}


class Cped(TableConverter):
    name = "cped"
    split_files = {split: (f"{stem}_split.csv", f"data/CPED/{stem}_split.csv")
                   for split, stem in (("train", "train"), ("validation", "valid"), ("test", "test"))}
    columns = {"native_id": "Utterance_ID", "text": "Utterance", "native_label": "Emotion",
               "dialogue_id": "Dialogue_ID"}
    label_map = {"neutral": "neutral", "worried": "worry", "astonished": "surprise", "disgust": "disgust",
                 "happy": "happiness", "relaxed": "calm", "positive-other": "other", "negative-other": "other",
                 "depress": "depression", "anger": "anger", "fear": "fear", "sadness": "sadness",
                 "grateful": "gratitude"}
    defaults = {"language": "zh", "modalities": ["text", "audio", "video"], "perspective": "perceived",
                "elicitation": "acted"}
    reads = ("TV_ID", "Speaker", "Gender")
    _features: pl.DataFrame | None = None

    def features(self, root: Path) -> pl.DataFrame | None:
        """Utterance_ID -> ``features``, {kind: relative path} from ``features/<kind>/`` (a struct:
        a kind the utterance lacks is null); None without feature files."""
        index: dict[str, dict[str, str]] = {}
        base = root / "features"
        if base.is_dir():
            for kind in sorted(os.scandir(base), key=lambda e: e.name):
                if kind.is_dir():
                    for f in os.scandir(kind.path):
                        index.setdefault(f.name.split(".")[0], {})[kind.name] = f"features/{kind.name}/{f.name}"
        if not index:
            return None
        kinds = sorted({k for paths in index.values() for k in paths})
        return pl.DataFrame([{"Utterance_ID": u, **{k: paths.get(k) for k in kinds}} for u, paths in index.items()],
                            schema={"Utterance_ID": pl.String, **dict.fromkeys(kinds, pl.String)}
                            ).select("Utterance_ID", features=pl.struct(kinds))

    def samples(self, ctx):
        self._features = self.features(ctx.src)
        yield from super().samples(ctx)

    def rules(self, split):
        utt, dia = pl.col("Utterance_ID"), pl.col("Dialogue_ID")
        return [(~utt.str.starts_with(pl.concat_str([dia, pl.lit("_")])), pl.struct(utt, dia).map_elements(
                    lambda r: f"Utterance_ID {r['Utterance_ID']!r} does not extend Dialogue_ID {r['Dialogue_ID']!r}",
                    return_dtype=pl.String)),
                int_rule(_turn())]

    def fields(self, split):
        speaker, gender = pl.col("Speaker").str.strip_chars(), pl.col("Gender").str.strip_chars().str.to_lowercase()
        fields = {"speaker_id": pl.when(~speaker.is_in(GROUPED_SPEAKERS)).then(
                      pl.concat_str([pl.col("TV_ID"), pl.lit("/"), speaker])),
                  "speaker_gender": pl.when(gender.is_in(("female", "male"))).then(gender),
                  "turn_index": ints(_turn())}
        if self._features is not None:
            fields["extra"] = pl.struct(features=pl.col("Utterance_ID").replace_strict(
                self._features["Utterance_ID"], self._features["features"], default=None))
        return fields


def _turn() -> pl.Expr:
    """The last part of Utterance_ID: the utterance's position in its dialogue."""
    return pl.col("Utterance_ID").str.extract(r"_([^_]*)$")


CONVERTER = Cped()
