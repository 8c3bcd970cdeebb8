"""Label Studio labeling config generated from the taxonomy, and the mapping both ways
between Label Studio results and emodata ratings.

A :class:`Form` describes what raters see and answer; it is saved in the launch manifest so
that ``pull`` reads results back with exactly the controls the project was created with.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from xml.sax.saxutils import quoteattr

from ..taxonomy import get_taxonomy, rescale

MEDIA = ("audio", "video", "image", "text")
VAD_STYLES = ("sam", "slider", "none")
VAD_SCALE = "1-9"          # SAM: 9-point Self-Assessment Manikin scale
LIKERT = 5                 # intensity and confidence: 1..5 stars -> [0, 1]


@dataclass
class Form:
    """The questions of a project; ``labels`` are canonical taxonomy terms."""
    labels: list[str]
    media: str = "audio"
    multi: bool = False
    vad: str = "sam"
    dominance: bool = True
    intensity: bool = True
    confidence: bool = True
    rationale: bool = True
    show_text: bool = True
    context: bool = False
    instructions: str = "How does the speaker / person / writer feel?"
    dims: list[str] = field(init=False)

    def __post_init__(self):
        if self.media not in MEDIA:
            raise ValueError(f"media must be one of {MEDIA}, got {self.media!r}")
        if self.vad not in VAD_STYLES:
            raise ValueError(f"vad must be one of {VAD_STYLES}, got {self.vad!r}")
        self.labels = get_taxonomy().label_set(self.labels)
        self.dims = [] if self.vad == "none" else ["valence", "arousal"] + (["dominance"] if self.dominance else [])

    @property
    def target(self) -> str:
        """Name of the object tag the controls point at."""
        return self.media

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("dims")
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Form":
        return cls(**d)


_DIM_HINTS = {"valence": "1 = very unpleasant, 9 = very pleasant",
              "arousal": "1 = calm, sleepy, 9 = excited, activated",
              "dominance": "1 = controlled, submissive, 9 = in control, dominant"}


def labeling_config(form: Form) -> str:
    """The Label Studio XML for ``form``."""
    t = form.target
    out = ["<View>", f"  <Header value={quoteattr(form.instructions)}/>"]
    if form.context:
        out += ['  <Header value="Previous turns" size="6"/>',
                '  <Paragraphs name="context" value="$context" layout="dialogue" nameKey="speaker" textKey="text"/>']
    if form.media != "text":
        tag = form.media.capitalize()
        out.append(f'  <{tag} name="{form.media}" value="${form.media}"/>')
        out.append('  <Text name="segment" value="$segment"/>')
    if form.media == "text" or form.show_text:
        out.append('  <Text name="text" value="$text"/>')
    choice = "multiple" if form.multi else "single-radio"
    out.append(f'  <Header value="{"Emotions (all that apply)" if form.multi else "Emotion"}"/>')
    out.append(f'  <Choices name="emotion" toName="{t}" choice="{choice}" showInline="true" required="true">')
    out += [f"    <Choice value={quoteattr(term)}/>" for term in form.labels]
    out.append("  </Choices>")
    for dim in form.dims:
        out.append(f'  <Header value={quoteattr(f"{dim.capitalize()} ({_DIM_HINTS[dim]})")}/>')
        if form.vad == "sam":
            out.append(f'  <Rating name="{dim}" toName="{t}" maxRating="9" icon="star" size="medium"/>')
        else:
            out.append(f'  <Number name="{dim}" toName="{t}" min="1" max="9" step="1" slider="true"/>')
    for name, hint in (("intensity", "Intensity (1 = very weak, 5 = very strong)"),
                       ("confidence", "Your confidence (1 = guessing, 5 = certain)")):
        if getattr(form, name):
            out.append(f'  <Header value="{hint}"/>')
            out.append(f'  <Rating name="{name}" toName="{t}" maxRating="{LIKERT}" icon="star" size="small"/>')
    if form.rationale:
        out += ['  <Header value="Why? (optional)"/>',
                f'  <TextArea name="rationale" toName="{t}" rows="2" maxSubmissions="1" editable="true"/>']
    out.append("</View>")
    return "\n".join(out) + "\n"


def _result(form: Form, name: str, type_: str, value: dict) -> dict:
    return {"from_name": name, "to_name": form.target, "type": type_, "value": value}


def _to_points(x: float | None, scale: str) -> int | None:
    """A value in the schema range back onto the form's integer scale."""
    return None if x is None else int(round(rescale(x, "-1..1" if scale == VAD_SCALE else "0..1", scale)))


def results_from_rating(form: Form, rating: dict) -> list[dict]:
    """Label Studio result list (for a prediction) from an emodata rating."""
    out = []
    labels = [lab for lab in rating.get("labels") or [] if lab in form.labels]
    if labels:
        out.append(_result(form, "emotion", "choices", {"choices": labels if form.multi else labels[:1]}))
    for dim in form.dims:
        v = _to_points(rating.get(dim), VAD_SCALE)
        if v is not None:
            kind = "rating" if form.vad == "sam" else "number"
            out.append(_result(form, dim, kind, {kind: v}))
    for name in ("intensity", "confidence"):
        v = _to_points(rating.get(name), f"1-{LIKERT}") if getattr(form, name) else None
        if v is not None:
            out.append(_result(form, name, "rating", {"rating": v}))
    if form.rationale and rating.get("comment"):
        out.append(_result(form, "rationale", "textarea", {"text": [rating["comment"]]}))
    return out


def rating_from_results(form: Form, results: list[dict], where: str, provenance: dict | None = None) -> dict:
    """An emodata rating (without rater/ref fields) from a Label Studio annotation result.

    ``where`` names the annotation in error messages. ``native`` holds the result verbatim
    (``result``, by control name) and ``provenance`` (``labelstudio``: study, blind, prefill...)."""
    by_name = {r.get("from_name"): r.get("value", {}) for r in results}
    rating: dict = {"labels": None, "valence": None, "arousal": None, "dominance": None,
                    "intensity": None, "confidence": None, "comment": None}
    choices = by_name.get("emotion", {}).get("choices")
    if choices:
        unknown = [c for c in choices if c not in form.labels]
        if unknown:
            raise ValueError(f"{where}: choice(s) {unknown} are not in the project's label set {form.labels}")
        rating["labels"] = list(choices)
    for dim in form.dims:
        v = by_name.get(dim, {})
        points = v.get("rating", v.get("number"))
        rating[dim] = rescale(points, VAD_SCALE) if points is not None else None
    for name in ("intensity", "confidence"):
        points = by_name.get(name, {}).get("rating")
        rating[name] = rescale(points, f"1-{LIKERT}", "0..1") if points is not None else None
    text = by_name.get("rationale", {}).get("text")
    if text:
        rating["comment"] = "\n".join(text) if isinstance(text, list) else str(text)
    rating["native"] = json.dumps({"result": {k: by_name[k] for k in by_name if k},
                                   "labelstudio": provenance or {}}, sort_keys=True, ensure_ascii=False)
    return rating
