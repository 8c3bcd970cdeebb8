"""EmotionLines (Hsu et al., LREC 2018) and its EmotionX 2018/2019 releases: Friends + EmotionPush.

Native layout: JSON files ``[dialogue, ...]`` with ``dialogue = [{"speaker", "utterance",
"emotion", "annotation"}, ...]`` — ``Friends/friends_{train,dev,test}.json``,
``EmotionPush/emotionpush_{train,dev,test}.json`` (EmotionLines), or ``friends.json``,
``emotionpush.json`` and the ``*.augmented.json`` files (EmotionX 2019; no split: ``all``).
``annotation`` holds the 5 annotators' vote counts in the order neutral, joy, sadness, fear,
anger, surprise, disgust; they become 5 anonymous ratings. ``emotion`` is the gold label:
the majority (>= 3 votes) or ``non-neutral`` (no canonical label; the soft label comes
from the votes). Augmented files add back-translations (``utterance_de/_fr/_it``, kept in
``extra``) and are ASCII-normalised; they are read only when the original file of the
same source is absent. The original files hold Windows-1252 punctuation as C1 control
characters (``\u0092`` for a right quote, ``\u0085`` for an ellipsis, U+0080-U+009F); texts and
speaker names are re-decoded as Windows-1252 (``’``, ``…``).
"""
from __future__ import annotations

import re

from emodata.convert import ConversionContext, ConversionError, Converter

ORDER = ("neutral", "joy", "sadness", "fear", "anger", "surprise", "disgust")
NAME_RE = re.compile(r"(?P<source>friends|emotionpush)(?:_(?P<split>train|dev|test))?(?P<aug>\.augmented)?\.json",
                     re.I)
SPLITS = {"train": "train", "dev": "validation", "test": "test", None: "all"}
SOURCES = {"friends": ("Friends TV scripts", "acted"), "emotionpush": ("EmotionPush Facebook chats", "natural")}
C1_RE = re.compile("[\x80-\x9f]")


def fix_c1(text: str) -> str:
    """Windows-1252 characters stored as C1 controls -> the characters meant (bytes cp1252 leaves undefined stay)."""
    return C1_RE.sub(lambda m: m[0].encode("latin-1").decode("cp1252", errors="ignore") or m[0], text)


class EmotionLines(Converter):
    name = "emotionlines"
    label_map = {**{e: e for e in ORDER}, "non-neutral": None}
    defaults = {"language": "en", "modalities": ["text"], "perspective": "perceived"}

    def _files(self, ctx: ConversionContext) -> list[tuple[str, re.Match]]:
        found = {}
        for p in sorted(ctx.src.rglob("*.json")):
            m = NAME_RE.fullmatch(p.name)
            if m:
                found.setdefault((m["source"].lower(), m["split"], bool(m["aug"])), (str(p.relative_to(ctx.src)), m))
        chosen = [v for (src, split, aug), v in sorted(found.items()) if not aug or (src, split, False) not in found]
        if not chosen:
            raise ConversionError("no EmotionLines JSON; expected friends_train.json, emotionpush.json, ...", ctx.src)
        return chosen

    def samples(self, ctx: ConversionContext):
        for rel, m in self._files(ctx):
            source, split = m["source"].lower(), SPLITS[m["split"].lower() if m["split"] else None]
            path = ctx.path(rel)
            dialogues = ctx.json(rel)
            for d, dialogue in enumerate(dialogues):
                for t, line in enumerate(dialogue):
                    with ctx.at(path):
                        votes = line["annotation"]
                        if not re.fullmatch(r"\d{7}", votes):
                            raise ConversionError(f"dialogue {d} line {t}: annotation {votes!r} is not 7 vote digits")
                        ratings = [ctx.rating(None, labels=[e], native=e)
                                   for e, n in zip(ORDER, votes) for _ in range(int(n))]
                        dialogue_id = f"{source}/{split}/{d:04d}"
                        extra = {"source": SOURCES[source][0], "annotation": votes,
                                 **{k: fix_c1(v) for k, v in line.items() if k.startswith("utterance_")}}
                        yield ctx.row(f"{dialogue_id}_{t:02d}", split, text=fix_c1(line["utterance"]),
                                      native_label=line["emotion"], ratings=ratings,
                                      speaker_id=f"{source}/{fix_c1(line['speaker'])}", dialogue_id=dialogue_id,
                                      turn_index=t,
                                      elicitation=SOURCES[source][1], extra=extra)


CONVERTER = EmotionLines()
