"""Schema v1: one row per sample (utterance, clip, image, text or segment).

The pyarrow schema below is the single definition; ``schemas/schema_v1.md`` is generated
from it (``python -m emodata.schema``) and a test keeps the two in sync.
"""
from __future__ import annotations

import json

import pyarrow as pa

SCHEMA_VERSION = "1.0"
METADATA_KEY = b"emodata"

PERSPECTIVES = ("expressed", "perceived", "self-reported", "evoked")
ELICITATIONS = ("acted", "induced", "natural", "synthetic")
RATER_KINDS = ("human", "llm", "model", "self")
VAD_SOURCES = ("annotated", "mapped")


def _f(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


SOFT_LABEL_TYPE = pa.list_(
    pa.struct([
        _f("label", pa.string(), "canonical taxonomy term", nullable=False),
        _f("prob", pa.float32(), "probability; the list sums to 1", nullable=False),
    ])
)

RATING_TYPE = pa.struct([
    _f("rater_id", pa.string(), "rater identifier, unique within the corpus; null for anonymous votes"),
    _f("rater_kind", pa.string(), "human | llm | model | self", nullable=False),
    _f("perspective", pa.string(), "perspective of this rating when it differs from the sample's (e.g. EmoBank reader vs writer)"),
    _f("condition", pa.string(), "presentation condition (e.g. CREMA-D audio | video | audiovisual)"),
    _f("native", pa.string(), "the raw rating verbatim as the corpus gives it"),
    _f("labels", pa.list_(pa.string()), "canonical label(s) chosen by this rater (one element for single-choice); "
       "[] = saw the item and chose none of the offered labels (a vote); null = no categorical judgment"),
    _f("valence", pa.float32(), "valence on [-1, 1]"),
    _f("arousal", pa.float32(), "arousal on [-1, 1]"),
    _f("dominance", pa.float32(), "dominance on [-1, 1]"),
    _f("intensity", pa.float32(), "intensity on [0, 1]"),
    _f("confidence", pa.float32(), "rater confidence on [0, 1]"),
    _f("comment", pa.string(), "free-text comment or rationale"),
    _f("ref", pa.string(), "external reference (Label Studio annotation id, LLM cache key, ...)"),
])

SCHEMA = pa.schema([
    _f("id", pa.string(), "stable sample id: '<corpus>/<native_id>'", nullable=False),
    _f("corpus", pa.string(), "corpus name as in catalog.yaml", nullable=False),
    _f("split", pa.string(), "official split (train | validation | test | ...) or 'all'", nullable=False),
    _f("native_id", pa.string(), "the corpus's own id for the sample", nullable=False),
    _f("modalities", pa.list_(pa.string()), "modalities of the media: text | audio | video | image"),
    _f("text", pa.string(), "text or transcript"),
    _f("audio_path", pa.string(), "audio file, relative to the corpus root"),
    _f("video_path", pa.string(), "video file, relative to the corpus root"),
    _f("image_path", pa.string(), "image file, relative to the corpus root"),
    _f("start", pa.float64(), "segment start in seconds within the media file"),
    _f("end", pa.float64(), "segment end in seconds within the media file"),
    _f("fps", pa.float32(), "frame rate of per-frame labels or video"),
    _f("language", pa.string(), "BCP-47 language tag"),
    _f("speaker_id", pa.string(), "speaker / subject id, unique within the corpus"),
    _f("speaker_gender", pa.string(), "female | male | other, as given"),
    _f("speaker_age", pa.float32(), "age in years"),
    _f("dialogue_id", pa.string(), "dialogue, session or conversation id"),
    _f("turn_index", pa.int32(), "0-based turn index within the dialogue"),
    _f("perspective", pa.string(), "expressed | perceived | self-reported | evoked"),
    _f("elicitation", pa.string(), "acted | induced | natural | synthetic"),
    _f("native_label", pa.string(), "the corpus's gold label verbatim"),
    _f("native_labels", pa.list_(pa.string()), "multi-label gold verbatim"),
    _f("label", pa.string(), "canonical label (taxonomy term)"),
    _f("labels", pa.list_(pa.string()), "canonical multi-label set"),
    _f("soft_label", SOFT_LABEL_TYPE, "label distribution over canonical terms"),
    _f("valence", pa.float32(), "valence on [-1, 1]"),
    _f("arousal", pa.float32(), "arousal on [-1, 1]"),
    _f("dominance", pa.float32(), "dominance on [-1, 1]"),
    _f("vad_source", pa.string(), "annotated | mapped (from the categorical label via the taxonomy)"),
    _f("vad_scale", pa.string(), "native VAD scale, e.g. '1-5', '1-9', '-1..1'"),
    _f("intensity", pa.float32(), "emotion intensity on [0, 1]"),
    _f("ratings", pa.list_(RATING_TYPE), "every raw rating"),
    _f("extra", pa.string(), "JSON object with every corpus field that has no column"),
])

COLUMNS = tuple(SCHEMA.names)
RATING_FIELDS = tuple(f.name for f in RATING_TYPE)


def rating(rater_id: str | None, rater_kind: str, *, labels: list[str] | None = None, perspective: str | None = None,
           condition: str | None = None, native: str | None = None, valence: float | None = None,
           arousal: float | None = None, dominance: float | None = None, intensity: float | None = None,
           confidence: float | None = None, comment: str | None = None, ref: str | None = None) -> dict:
    """One ``ratings`` element (:data:`RATING_TYPE`), every field present: the one constructor that
    converters (:meth:`emodata.convert.ConversionContext.rating`, after mapping and rescaling),
    Label Studio pull and self-ask use. ``labels``: canonical terms (``[]`` = none of the offered
    labels, ``None`` = no categorical judgment); VAD on [-1, 1]; intensity and confidence on [0, 1].
    A ``ValueError`` names the field of an unknown rater kind, perspective or term, or a value off its range."""
    from .taxonomy import get_taxonomy
    if rater_kind not in RATER_KINDS:
        raise ValueError(f"rater kind {rater_kind!r} is not one of {RATER_KINDS}")
    if perspective is not None and perspective not in PERSPECTIVES:
        raise ValueError(f"perspective {perspective!r} is not one of {PERSPECTIVES}")
    terms = get_taxonomy().terms
    if labels is not None and any(t not in terms for t in labels):
        raise ValueError(f"rating labels {[t for t in labels if t not in terms]} are not canonical terms "
                         "(see schemas/taxonomy.yaml)")
    values = {"valence": valence, "arousal": arousal, "dominance": dominance, "intensity": intensity,
              "confidence": confidence}
    for name, v in values.items():
        low = -1.0 if name in ("valence", "arousal", "dominance") else 0.0
        if v is not None and not low - 1e-6 <= v <= 1.0 + 1e-6:
            raise ValueError(f"rating {name} {v!r} is outside [{low:g}, 1]")
    return {"rater_id": rater_id, "rater_kind": rater_kind, "perspective": perspective, "condition": condition,
            "native": native, "labels": None if labels is None else list(labels), **values,
            "comment": comment, "ref": ref}


def file_metadata(corpus: str, provenance: dict) -> dict[bytes, bytes]:
    """Parquet key-value metadata: schema version and provenance."""
    return {METADATA_KEY: json.dumps({"schema_version": SCHEMA_VERSION, "corpus": corpus,
                                       **provenance}, sort_keys=True).encode()}


def read_metadata(meta) -> dict:
    """Provenance stored by :func:`file_metadata` (from a Parquet FileMetaData or schema), or ``{}``."""
    raw = (meta.metadata or {}).get(METADATA_KEY)
    return json.loads(raw) if raw else {}


def _doc(f: pa.Field) -> str:
    return f.metadata[b"doc"].decode().replace(" | ", ", ")


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"list<{_type_name(t.value_type)}>"
    if pa.types.is_struct(t):
        return "struct"
    return str(t)


def describe() -> str:
    """Markdown description of the schema (the content of schemas/schema_v1.md)."""
    lines = [f"# emodata schema v{SCHEMA_VERSION}", "",
             "Generated by `python -m emodata.schema > schemas/schema_v1.md`; do not edit by hand.", "",
             "One row per sample. Parquet key-value metadata `emodata` holds the schema version",
             "and provenance (converter, version, source files with SHA-256).", "",
             "| column | type | null | meaning |", "|---|---|---|---|"]
    for f in SCHEMA:
        lines.append(f"| `{f.name}` | {_type_name(f.type)} | {'yes' if f.nullable else 'no'} | {_doc(f)} |")
    for title, struct in (("soft_label element", SOFT_LABEL_TYPE.value_type), ("ratings element", RATING_TYPE)):
        lines += ["", f"## {title}", "", "| field | type | null | meaning |", "|---|---|---|---|"]
        for f in struct:
            lines.append(f"| `{f.name}` | {_type_name(f.type)} | {'yes' if f.nullable else 'no'} | {_doc(f)} |")
    lines += ["", "### What a rating means", "",
              "One `ratings` element is one judgment of one rater on one sample. A rater who did not rate the",
              "sample has no element (absent, never a placeholder). `labels` = `[]` is a vote: the rater saw the",
              "item and chose none of the offered labels (per-class agreement counts it as \"not chosen\" for",
              "every class; single-label corpora use their own \"no emotion\"/neutral term instead). `labels` =",
              "null: the rating makes no categorical judgment (a dimensional-only rating, an item flagged as",
              "unclear, a choice that is no emotion term such as FER+ `unknown`/`NF`; `native` keeps it).",
              "One annotated item is one sample: where a release ships the same item in several",
              "files (SemEval-2025 Task 11 tracks a, b, c), its ratings sit on one sample and the other rows",
              "name that sample in `extra.ratings_on`, so every judgment is stored once."]
    lines += ["", "Vocabularies: perspective " + ", ".join(PERSPECTIVES) + "; elicitation " + ", ".join(ELICITATIONS)
              + "; rater_kind " + ", ".join(RATER_KINDS) + "; vad_source " + ", ".join(VAD_SOURCES) + ".", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(describe(), end="")
