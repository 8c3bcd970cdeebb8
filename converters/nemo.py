"""nEMO (Christop, LREC-COLING 2024): Polish emotional speech, 9 actors, six states.

Native layout (GitHub / Hugging Face release): ``data.tsv`` (tab-separated, header
``file_id emotion raw_text normalized_text speaker_id gender age``) and ``samples/<file_id>``
where ``file_id`` is ``<speaker>_<emotion>_<sentence>.wav``. No official splits.
``normalized_text`` goes to ``extra``. ``speaker_id`` is left-padded with spaces in the release
(``        KS0``) and is stripped.
"""
import csv

import polars as pl

from emodata.columnar import float_rule, floats
from emodata.layouts import TableConverter


class Nemo(TableConverter):
    name = "nemo"
    split_files = {"all": "data.tsv"}
    delimiter = "\t"
    quoting = csv.QUOTE_NONE
    columns = {"native_id": "file_id", "native_label": "emotion", "text": "raw_text", "speaker_id": "speaker_id",
               "speaker_gender": "gender", "speaker_age": "age"}
    label_map = {"anger": "anger", "fear": "fear", "happiness": "happiness", "sadness": "sadness",
                 "surprised": "surprise", "neutral": "neutral"}
    defaults = {"language": "pl", "modalities": ["audio"], "perspective": "expressed", "elicitation": "acted"}

    def rules(self, split):
        age = pl.col("age")
        bad, message = float_rule(age)
        return [((age.str.strip_chars().str.len_chars() > 0) & bad, message)]

    def fields(self, split):
        file_id, age = pl.col("file_id"), pl.col("age")
        return {"native_id": file_id.str.strip_suffix(".wav"),
                "audio_path": pl.concat_str([pl.lit("samples/"), file_id]),
                "speaker_id": _text_or_null(pl.col("speaker_id").str.strip_chars()),
                "speaker_gender": _text_or_null(pl.col("gender").str.strip_chars().str.to_lowercase()),
                "speaker_age": pl.when(age.str.strip_chars().str.len_chars() > 0).then(floats(age))}


def _text_or_null(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.len_chars() > 0).then(text)


CONVERTER = Nemo()
