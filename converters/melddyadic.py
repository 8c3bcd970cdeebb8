"""MELD Dyadic (Poria et al. 2019): the two-speaker subset of MELD, re-indexed.

Native layout (``data/MELD_Dyadic/`` of the MELD repository, or the root):
``{train,dev,test}_sent_emo_dya.csv`` with columns Utterance, Speaker, Emotion, Sentiment,
Dialogue_ID, Utterance_ID, Old_Dialogue_ID, Old_Utterance_ID, Season, Episode,
StartTime, EndTime. The clip is the MELD clip of the old ids
(``<clip dir>/dia{Old_Dialogue_ID}_utt{Old_Utterance_ID}.mp4`` in the MELD.Raw folders).
"""
import polars as pl

from emodata.converters.meld import CLIP_DIRS, Meld


class MeldDyadic(Meld):
    name = "melddyadic"
    split_files = {split: (f"{stem}_sent_emo_dya.csv", f"data/MELD_Dyadic/{stem}_sent_emo_dya.csv")
                   for split, stem in (("train", "train"), ("validation", "dev"), ("test", "test"))}

    reads = ("Dialogue_ID", "Old_Dialogue_ID", "Old_Utterance_ID")

    def fields(self, split):
        clip = pl.concat_str([pl.lit(f"{CLIP_DIRS[split]}/dia"), pl.col("Old_Dialogue_ID"), pl.lit("_utt"),
                              pl.col("Old_Utterance_ID"), pl.lit(".mp4")])
        return {**super().fields(split), "video_path": clip, "audio_path": clip}


CONVERTER = MeldDyadic()
