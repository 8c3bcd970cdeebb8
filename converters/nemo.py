"""nEMO (Christop, LREC-COLING 2024): Polish emotional speech, 9 actors, six states.

Native layout (GitHub / Hugging Face release): ``data.tsv`` (tab-separated, header
``file_id emotion raw_text normalized_text speaker_id gender age``) and ``samples/<file_id>``
where ``file_id`` is ``<speaker>_<emotion>_<sentence>.wav``. No official splits.
``normalized_text`` goes to ``extra``. ``speaker_id`` is left-padded with spaces in the release
(``        KS0``) and is stripped.
"""
import csv

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

    def fields(self, rec, split):
        file_id = rec["file_id"]
        return {"native_id": file_id.removesuffix(".wav"), "audio_path": f"samples/{file_id}",
                "speaker_id": rec["speaker_id"].strip() or None,
                "speaker_gender": rec["gender"].strip().lower() or None,
                "speaker_age": float(rec["age"]) if rec["age"].strip() else None}


CONVERTER = Nemo()
