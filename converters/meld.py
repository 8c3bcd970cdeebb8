"""MELD (Poria et al., ACL 2019): multi-party dialogues from Friends, 7 emotions + sentiment.

Native layout (MELD.Raw): ``{train,dev,test}_sent_emo.csv`` (also found under ``data/MELD/``
as in the GitHub repo) and the clips ``train_splits/``, ``dev_splits_complete/``,
``output_repeated_splits_test/`` named ``dia{Dialogue_ID}_utt{Utterance_ID}.mp4``.
Dialogue ids restart per split, so ``dialogue_id`` is prefixed with the split.
"""
import polars as pl

from emodata.layouts import TableConverter

CLIP_DIRS = {"train": "train_splits", "validation": "dev_splits_complete", "test": "output_repeated_splits_test"}


class Meld(TableConverter):
    name = "meld"
    split_files = {split: (f"{stem}_sent_emo.csv", f"data/MELD/{stem}_sent_emo.csv")
                   for split, stem in (("train", "train"), ("validation", "dev"), ("test", "test"))}
    columns = {"text": "Utterance", "speaker_id": "Speaker", "native_label": "Emotion",
               "turn_index": "Utterance_ID"}
    label_map = {"neutral": "neutral", "joy": "joy", "sadness": "sadness", "anger": "anger",
                 "surprise": "surprise", "fear": "fear", "disgust": "disgust"}
    defaults = {"language": "en", "modalities": ["text", "audio", "video"], "perspective": "perceived",
                "elicitation": "acted"}

    reads = ("Dialogue_ID",)

    def fields(self, split):
        dia, utt = pl.col("Dialogue_ID"), pl.col("Utterance_ID")
        clip = pl.concat_str([pl.lit(f"{CLIP_DIRS[split]}/dia"), dia, pl.lit("_utt"), utt, pl.lit(".mp4")])
        return {"native_id": pl.concat_str([pl.lit(f"{split}/dia"), dia, pl.lit("_utt"), utt]),
                "dialogue_id": pl.concat_str([pl.lit(f"{split}/dia"), dia]), "video_path": clip, "audio_path": clip}


CONVERTER = Meld()
