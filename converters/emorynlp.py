"""Multimodal EmoryNLP (Zahiri & Choi 2018; clips released with MELD): Friends scenes,
7 emotions (Willcox's wheel: Neutral, Joyful, Peaceful, Powerful, Scared, Mad, Sad).

Native layout (``data/emorynlp/`` of the MELD repository, or the root):
``emorynlp_{train,dev,test}_final.csv`` with columns Utterance, Speaker (a Python list
literal, e.g. ``['Rachel Green']``; a few utterances have several speakers), Emotion,
Scene_ID, Utterance_ID (1-based), Season, Episode, Start_Time, End_Time
(``hh:mm:ss.mmm`` within the episode). The clip of a row is
``sea{Season}_ep{Episode}_sc{Scene_ID}_utt{Utterance_ID}.mp4`` (``video_path``, relative
to the corpus root). The first speaker is ``speaker_id``; the other columns (all
speakers verbatim, episode times) go to ``extra``. Dialogue = scene:
``<split>/s<season>e<episode>c<scene>``.
"""
from __future__ import annotations

import ast

import polars as pl

from emodata.columnar import int_rule, ints, repr_message
from emodata.layouts import TableConverter


class EmoryNlp(TableConverter):
    name = "emorynlp"
    split_files = {split: (f"emorynlp_{stem}_final.csv", f"data/emorynlp/emorynlp_{stem}_final.csv")
                   for split, stem in (("train", "train"), ("validation", "dev"), ("test", "test"))}
    columns = {"text": "Utterance", "native_label": "Emotion"}
    label_map = {"Neutral": "neutral", "Joyful": "joy", "Peaceful": "calm", "Powerful": "powerful",
                 "Scared": "fear", "Mad": "anger", "Sad": "sadness"}
    defaults = {"language": "en", "modalities": ["text", "audio", "video"], "perspective": "perceived",
                "elicitation": "acted"}

    reads = ("Speaker", "Season", "Episode", "Scene_ID", "Utterance_ID")

    def rules(self, split):
        return [(_first_speaker().is_null(),
                 repr_message("Speaker {!r} is not a list literal of names like \"['Rachel Green']\"", "Speaker")),
                *(int_rule(k) for k in ("Season", "Episode", "Scene_ID", "Utterance_ID"))]

    def fields(self, split):
        season, episode, scene, utt = (ints(k) for k in ("Season", "Episode", "Scene_ID", "Utterance_ID"))
        clip = pl.format("sea{}_ep{}_sc{}_utt{}", season, episode, scene, utt)
        return {"native_id": pl.concat_str([pl.lit(f"{split}/"), clip]),
                "dialogue_id": pl.format(f"{split}/s{{}}e{{}}c{{}}", season, episode, scene),
                "turn_index": utt - 1, "speaker_id": _first_speaker(),
                "video_path": pl.concat_str([clip, pl.lit(".mp4")])}


def _first_speaker() -> pl.Expr:
    """The first name of the Speaker list literal; null when it is not a non-empty list of names."""
    def first(text: str) -> str | None:
        try:
            speakers = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        ok = isinstance(speakers, list) and speakers and all(isinstance(s, str) for s in speakers)
        return speakers[0] if ok else None
    return pl.col("Speaker").map_elements(first, return_dtype=pl.String)


CONVERTER = EmoryNlp()
