"""FindingEmo (Mertens et al., NeurIPS 2024 D&B): 25k social scenes, Plutchik emotion + valence/arousal.

Native layout: ``data/annotations_single.ann`` (as in the findingemo-light package; also
``annotations_single.ann`` at the root), a CSV with header ``user, image_path, reject, age,
valence, arousal, emotion, dec_factors, ambiguity, fmri_candidate, datetime`` (older files
call ``age`` ``tag``). Images are not distributed: ``image_path`` is the path the download
script saves to (leading ``/`` removed).

One row per image; each annotation line becomes a rating by ``user`` (24 Plutchik emotions,
valence -3..3, arousal 0..6, each rescaled from its own scale to [-1, 1]). Rejected images (``reject`` = 1) keep their line
with no label. Row VAD is the mean over annotators; ``native_label`` is set when the
annotators agree. Per-annotation fields (age group, decisive factors, ambiguity, ...) go to
``extra.annotations``. No official split (``all``).
"""
from emodata.aggregate import mean
from emodata.convert import ConversionError, Converter

PLUTCHIK = {
    "Joy": "joy", "Serenity": "serenity", "Ecstasy": "joy", "Trust": "trust", "Acceptance": "approval",
    "Admiration": "admiration", "Fear": "fear", "Apprehension": "anxiety", "Terror": "terror",
    "Surprise": "surprise", "Distraction": "surprise", "Amazement": "awe", "Sadness": "sadness",
    "Pensiveness": "pensiveness", "Grief": "grief", "Disgust": "disgust", "Boredom": "boredom", "Loathing": "disgust",
    "Anger": "anger", "Annoyance": "annoyance", "Rage": "rage", "Anticipation": "anticipation",
    "Interest": "interest", "Vigilance": "vigilance",
}
REQUIRED = ["user", "image_path", "reject", "valence", "arousal", "emotion"]


def bounded_int(text: str, lo: int, hi: int, what: str) -> int:
    value = float(text)
    if value != int(value) or not lo <= value <= hi:
        raise ConversionError(f"{what} {text!r} is not an integer in {lo}..{hi}")
    return int(value)


class FindingEmo(Converter):
    name = "findingemo"
    label_map = PLUTCHIK
    vad_scale = {"valence": "-3..3", "arousal": "0-6"}
    defaults = {"modalities": ["image"], "perspective": "perceived", "elicitation": "natural"}

    def samples(self, ctx):
        path = ctx.find("data/annotations_single.ann", "annotations_single.ann",
                        expect="FindingEmo's annotations_single.ann (CSV)")
        rel = path.relative_to(ctx.src).as_posix()
        images: dict[str, list[tuple[dict, dict, int | None, int | None]]] = {}
        for line, r in ctx.csv_rows(rel, columns=REQUIRED):
            with ctx.at(path, line):
                rejected = r["reject"].strip() in ("1", "True", "true")
                emotion = r["emotion"].strip()
                if emotion and emotion not in PLUTCHIK:
                    raise ConversionError(f"unknown emotion {emotion!r}; expected one of Plutchik's 24 "
                                          f"{sorted(PLUTCHIK)}")
                valence = arousal = None
                if not rejected or r["valence"].strip():
                    valence = bounded_int(r["valence"], -3, 3, "valence")
                    arousal = bounded_int(r["arousal"], 0, 6, "arousal")
                rating = ctx.rating(r["user"], labels=[emotion] if emotion and not rejected else None,
                                    native=emotion or ("reject" if rejected else None), valence=valence,
                                    arousal=arousal, comment=r.get("dec_factors") or None)
                info = {k: v for k, v in r.items() if k not in ("image_path", "valence", "arousal", "emotion")}
                info["line"] = line
                images.setdefault(r["image_path"].lstrip("/"), []).append((rating, info, valence, arousal))
        for image, annotations in images.items():
            ratings = [a[0] for a in annotations]
            natives = {r["native"] for r in ratings if r["labels"]}
            yield ctx.row(image, "all", ratings=ratings, native_label=natives.pop() if len(natives) == 1 else None,
                          valence=mean(a[2] for a in annotations), arousal=mean(a[3] for a in annotations),
                          image_path=image, extra={"annotations": [a[1] for a in annotations]})


CONVERTER = FindingEmo()
