"""SemEval-2025 Task 11 / BRIGHTER (Muhammad et al. 2025): perceived emotions in 30+ languages.

Native layout (the task repo, its ``semeval-2025-task11-dataset/`` or any folder above it):
``track_{a,b,c}/{train,dev,test}/<lang>.csv`` with ``id,text,<emotion columns>``. Track A and C
are multi-label (0/1, all-zero = neutral), track B intensity per emotion (0 none .. 3 high); test
files have empty label cells (no gold). Emotion columns differ per language and may be
capitalised and reordered (``ron``), so they are read from each header; the language comes from
the id prefix; a record id seen twice (the same test file shipped again under another name)
keeps its first occurrence. One row per track record (``extra.track``). Other CSV files in a
track folder are read too, with ``extra.file`` (``track_a/train/ron_track1_test.csv``: ids
``ron_test_track1_<n>``, an older labelled Romanian set; its split is its folder's); zip files
there repeat the ``<lang>.csv`` files and are not read.

Per-annotator files (``individual_labels/<lang>/*.csv`` or ``*.csv.zip``; older snapshots put
``<lang>_*.csv`` or ``<Language>_*.csv`` directly in ``individual_labels/``; ``.xlsx`` copies are
not read) come in two long layouts, one line per text and emotion:

* wide: ``[text_id,]text|text_content,emotion,<annotator columns>`` with ``Annotator-k`` or
  ``annotator_k`` columns (numbers may have gaps: ron ``annotator_1,2,3,5,6,8,9``); an unnamed
  pandas index column and ``majority_vote`` (afr) are ignored;
* per annotator: ``id,text,emotion,annotator,intensity`` (deu, ptbr: one line per text, emotion
  and annotator).

A cell is a vote (``0``/``1`` or an intensity ``0``-``3``, also written ``0.0``..``3.0``) or empty:
the annotator did not rate that text. Emotion names may be English in any case (``Joy``,
``Sad``, ``happy``), or in the file's language (Romanian ``bucurie, tristete, furie, frica,
surpriza, dezgust``); afr offers ``neutral`` as an emotion of its own. Each (text, annotator) with
at least one filled cell is one rating: ``labels`` = the emotions with a vote above 0, so an
annotator who marked none is ``labels=[]`` (a vote for no emotion, kept apart from an annotator
who did not rate: no rating). ``native`` lists every emotion's cell (``anger:2,fear:0,...``;
an empty cell among filled ones as ``sadness:``). Identical duplicate lines (hin train-dev)
count once; conflicting duplicates are an error. Rater ids are ``<lang>/annotator_<k>`` (or
``<lang>/<annotator>``), shared by the files of one language.

Item identity: one annotated text is one item. Texts are items per file and text id (per file
and text where there is no id column), so identical texts with different ids stay apart. Track
rows with the same text in tracks a, b and c are one item (rows with identical text inside one
track stay apart, paired across tracks by split and number). Each per-annotator item is linked
to at most one track item by its text, first normalised (Unicode NFC, URLs and ``##URL##``
masked alike, ``@user``/``<username>`` masked alike, whitespace and line breaks collapsed),
then, for what is left, also ignoring punctuation, symbols and case (ron track files drop
punctuation); equal keys pair in file and id order. The ratings sit on exactly one row of the
item (track a before b before c), whose ``extra.individual`` names the per-annotator file and
text id; the other rows carry no ratings and name that row in ``extra.ratings_on``. A
per-annotator text found in no track file becomes a row of split ``unassigned``
(``<lang>_individual_<n>``, n = its position among the language's per-annotator texts). So every judgment of the release is stored exactly once.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

from emodata.convert import ConversionContext, ConversionError, Converter

EMOTIONS = {"anger": "anger", "disgust": "disgust", "fear": "fear", "joy": "joy", "sadness": "sadness",
            "surprise": "surprise", "neutral": "neutral", "happy": "happiness", "sad": "sadness",
            # Romanian (ron per-annotator file), with and without diacritics
            "bucurie": "joy", "tristete": "sadness", "tristețe": "sadness", "furie": "anger", "frica": "fear",
            "frică": "fear", "surpriza": "surprise", "surpriză": "surprise", "dezgust": "disgust"}
LANGUAGES = {"afr": "af", "amh": "am", "arq": "arq", "ary": "ary", "chn": "zh", "deu": "de", "eng": "en",
             "esp": "es", "hau": "ha", "hin": "hi", "ibo": "ig", "ind": "id", "jav": "jv", "kin": "rw",
             "mar": "mr", "orm": "om", "pcm": "pcm", "ptbr": "pt-BR", "ptmz": "pt-MZ", "ron": "ro", "rus": "ru",
             "som": "so", "sun": "su", "swa": "sw", "swe": "sv", "tat": "tt", "tir": "ti", "ukr": "uk",
             "vmw": "vmw", "yor": "yo", "xho": "xh", "zul": "zu"}
LANGUAGE_NAMES = {"afrikaans": "afr", "algerian": "arq", "chinese": "chn", "english": "eng", "german": "deu",
                  "hindi": "hin", "marathi": "mar", "romanian": "ron", "spanish": "esp",
                  "swedish": "swe", "ukrainian": "ukr"}   # file names of older snapshots (Marathi_all_test_...)
SPLITS = {"train": "train", "dev": "validation", "test": "test"}
ID_RE = re.compile(r"(?P<lang>[a-z]+)_(?P<split>train|dev|test)_track_?(?P<track>[abc1-3])_(?P<n>\d+)")
RATER_RE = re.compile(r"annotator[-_ ]?(\d+)", re.I)
VOTES = {f"{v}{z}": v for v in range(4) for z in ("", ".0")}
URL_RE = re.compile(r"##URL##|(?:https?://|www\.)\S+", re.I)
USER_RE = re.compile(r"@?<username>|@\w+(?:\.\w+)*")
NON_WORD_RE = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    """Linking key: NFC, URLs and user names masked the way the track files mask them, whitespace collapsed."""
    text = URL_RE.sub(" \x01 ", unicodedata.normalize("NFC", text))
    return " ".join(USER_RE.sub(" \x02 ", text).split())


def loose_key(text: str) -> str:
    """:func:`text_key` without punctuation, symbols and case (second linking pass)."""
    return " ".join(NON_WORD_RE.sub(" ", text_key(text)).casefold().split())


class Item:
    """One annotated text of a per-annotator file: its votes per rater and emotion."""

    def __init__(self, lang: str, rel: str, text_id: str | None, text: str, line: int):
        self.lang, self.rel, self.text_id, self.text, self.line = lang, rel, text_id, text, line
        self.emotions: list[str] = []                    # native emotion names, in file order
        self.votes: dict[str, dict[str, int | None]] = {}  # rater -> emotion -> vote (None: empty cell)
        self.seen: dict[tuple[str, str], int] = {}        # (rater, emotion) -> line of the cell

    def ref(self) -> str:
        """The per-annotator file and text id (or the line the text first appears on)."""
        return f"{self.rel}#{self.text_id}" if self.text_id is not None else f"{self.rel}:{self.line}"


class SemEval2025Task11(Converter):
    name = "semeval2025task11"
    version = "2"
    label_map = EMOTIONS
    intensity_scale = "0-3"
    defaults = {"modalities": ["text"], "perspective": "perceived", "elicitation": "natural"}

    # -- per-annotator files ----------------------------------------------------------------
    def _language(self, ctx: ConversionContext, path: Path) -> str | None:
        """The folder's language code, else the first code or language name in the file name."""
        for token in (path.parent.name, *re.split(r"[_\-.\s]", path.name)):
            code = LANGUAGE_NAMES.get(token.lower(), token.lower())
            if code in LANGUAGES:
                return code
        ctx.fail("cannot tell the language; expected individual_labels/<lang>/<file> or a file named like "
                 "<lang>_individuals.csv", path)
        return None

    def _records(self, ctx: ConversionContext, path: Path):
        """(name for messages, line, header, fields) of a per-annotator CSV, plain or zipped."""
        ctx.record(path)
        if path.name.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                for member in sorted(n for n in z.namelist() if n.endswith(".csv") and "__MACOSX" not in n):
                    with z.open(member) as raw:
                        yield from self._read(ctx, f"{path}/{member}", io.TextIOWrapper(raw, "utf-8", newline=""))
        else:
            with open(path, encoding="utf-8", newline="") as f:
                yield from self._read(ctx, str(path), f)

    def _read(self, ctx: ConversionContext, name: str, f):
        with ctx.decoding(name, "utf-8"):
            reader = csv.reader(f)
            header = [h.strip() for h in next(reader, [])]
            if header:
                header[0] = header[0].lstrip("\ufeff")
            for fields in reader:
                if not fields:
                    continue
                if len(fields) != len(header):
                    ctx.fail(f"expected {len(header)} fields ({', '.join(header)}), found {len(fields)}", name,
                             reader.line_num)
                    continue
                yield name, reader.line_num, header, fields

    def _individuals(self, ctx: ConversionContext) -> list[Item]:
        """Every annotated text of every per-annotator file, in file and line order."""
        items: dict[tuple[str, str], Item] = {}
        paths = sorted({p for pattern in ("**/individual_labels/**/*.csv", "**/individual_labels/**/*.csv.zip")
                        for p in ctx.src.glob(pattern) if p.is_file()})
        for path in paths:
            lang = self._language(ctx, path)
            if lang is None:
                continue
            rel = path.relative_to(ctx.src).as_posix()
            layouts: dict[str, dict | bool] = {}
            for name, line, header, fields in self._records(ctx, path):
                if name not in layouts:
                    layouts[name] = self._layout(ctx, name, header)
                if layouts[name]:
                    with ctx.at(name, line):
                        self._line(ctx, items, lang, rel, layouts[name], line, dict(zip(header, fields)))
        return list(items.values())

    def _layout(self, ctx: ConversionContext, name: str, header: list[str]) -> dict | bool:
        """Which columns hold the text id, text, emotion and votes; ``False`` for an unknown layout."""
        lower = {h.lower(): h for h in header}
        text = lower.get("text") or lower.get("text_content")
        layout = {"text": text, "emotion": lower.get("emotion"),
                  "id": lower.get("text_id") or lower.get("id")}
        if "annotator" in lower and "intensity" in lower:
            layout.update(rater=lower["annotator"], value=lower["intensity"])
        else:
            cols = sorted((h for h in header if RATER_RE.fullmatch(h)), key=lambda h: int(RATER_RE.fullmatch(h)[1]))
            layout["columns"] = {h: f"annotator_{RATER_RE.fullmatch(h)[1]}" for h in cols}
        if text is None or layout["emotion"] is None or not (layout.get("rater") or layout.get("columns")):
            ctx.fail(f"unsupported per-annotator layout {header}; expected text (or text_content), emotion and "
                     "Annotator-<k>/annotator_<k> columns, or annotator and intensity columns", name, 1)
            return False
        return layout

    def _line(self, ctx: ConversionContext, items: dict, lang: str, rel: str, layout: dict, line: int,
              rec: dict[str, str]) -> None:
        """Check one line whole, then record its votes (a bad line leaves nothing behind)."""
        emotion = rec[layout["emotion"]].strip()
        self.map_label(emotion.lower())
        if "rater" in layout:
            cells = {f"{lang}/{rec[layout['rater']].strip()}": (layout["value"], rec[layout["value"]])}
        else:
            cells = {f"{lang}/{rater}": (col, rec[col]) for col, rater in layout["columns"].items()}
        votes = {}
        for rater, (col, cell) in cells.items():
            cell = cell.strip()
            if cell and cell not in VOTES:
                raise ConversionError(f"{col} = {cell!r}; expected empty (not rated), 0/1 or an intensity 0-3")
            votes[rater] = VOTES[cell] if cell else None
        text_id = rec[layout["id"]].strip() if layout["id"] else None
        text = rec[layout["text"]]
        key = (rel, text_id if text_id is not None else text)
        item = items.get(key)
        if item is not None and item.text != text:
            raise ConversionError(f"text id {text_id!r} has another text than on line {item.line}")
        for rater, vote in votes.items():
            old = item and item.seen.get((rater, emotion))
            if old and item.votes[rater][emotion] != vote:
                raise ConversionError(f"{rater} {emotion} = {vote} contradicts line {old} "
                                      f"({item.votes[rater][emotion]}) for the same text")
        if item is None:
            item = items[key] = Item(lang, rel, text_id, text, line)
        if emotion not in item.emotions:
            item.emotions.append(emotion)
        for rater, vote in votes.items():
            item.seen.setdefault((rater, emotion), line)
            item.votes.setdefault(rater, {})[emotion] = vote

    def _ratings(self, ctx: ConversionContext, item: Item) -> list[dict]:
        """One rating per annotator with at least one filled cell; none for an annotator who did not rate."""
        out = []
        for rater, votes in item.votes.items():
            if all(v is None for v in votes.values()):
                continue
            chosen = sorted((e.lower() for e in item.emotions if (votes.get(e) or 0) > 0), key=EMOTIONS.get)
            native = ",".join(f"{e.lower()}:{'' if votes.get(e) is None else votes[e]}" for e in item.emotions)
            out.append(ctx.rating(rater, labels=chosen, native=native))
        return out

    # -- track files ------------------------------------------------------------------------
    def _tracks(self, ctx: ConversionContext) -> list[dict]:
        """Every track record (first occurrence of each id) with its path and line."""
        files = sorted(p for p in ctx.src.glob("**/track_[abc]/*/*.csv") if p.parent.name in SPLITS)
        if not files:
            raise ConversionError("no track files; expected track_{a,b,c}/{train,dev,test}/<lang>.csv", ctx.src)
        records, seen = [], set()
        for path in files:
            rel = path.relative_to(ctx.src).as_posix()
            for line, rec in ctx.csv_rows(rel, columns=["id", "text"]):
                with ctx.at(path, line):
                    m = ID_RE.fullmatch(rec["id"])
                    if not m:
                        raise ConversionError(f"id {rec['id']!r} is not <lang>_<split>_track_<x>_<n>")
                    if rec["id"] in seen:
                        continue
                    values = {k.strip().lower(): v.strip() for k, v in rec.items() if k not in ("id", "text")}
                    for k in values:
                        self.map_label(k)
                    track = path.parent.parent.name[-1]
                    if any(values.values()):
                        allowed = ("0", "1") if track != "b" else ("0", "1", "2", "3")
                        bad = {k: v for k, v in values.items() if v not in allowed}
                        if bad:
                            raise ConversionError(f"label cells {bad}; expected one of {allowed}")
                    seen.add(rec["id"])
                    records.append({"id": rec["id"], "text": rec["text"], "lang": m["lang"], "track": track,
                                    "split": path.parent.name, "n": m["n"], "values": values, "path": path,
                                    "line": line, "file": None if path.stem == m["lang"] else path.name,
                                    "key": text_key(rec["text"])})
        return records

    @staticmethod
    def _track_items(records: list[dict]) -> list[list[dict]]:
        """Rows of one text across tracks a, b, c = one item; identical texts inside a track stay apart."""
        groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in records:
            groups[(r["lang"], r["key"])].append(r)
        items = []
        for rows in groups.values():
            if len({r["track"] for r in rows}) == len(rows):  # the common case: at most one row per track
                items.append(sorted(rows, key=lambda r: r["track"]))
                continue
            group: list[list[dict]] = []
            for r in sorted(rows, key=lambda r: (r["track"], r["file"] is not None, r["id"])):
                def fit(g, r=r):  # the same split and number first (a <-> b), then the same split (a <-> c)
                    return (any(x["split"] == r["split"] and x["n"] == r["n"] for x in g),
                            any(x["split"] == r["split"] for x in g))
                free = [g for g in group if all(x["track"] != r["track"] for x in g)]
                best = max(free, key=fit, default=None)
                if best is None:
                    group.append([r])
                else:
                    best.append(r)
            items += group
        return items

    @staticmethod
    def _link(individuals: list[Item], track_items: list[list[dict]]) -> dict[int, Item]:
        """Track item index -> its per-annotator item: normalised text, then loose text; one to one."""
        linked: dict[int, Item] = {}
        left = individuals
        for key in (text_key, loose_key):
            langs = {item.lang for item in left}
            free: dict[tuple[str, str], list[int]] = defaultdict(list)
            for i, rows in enumerate(track_items):
                if i not in linked and rows[0]["lang"] in langs:
                    free[(rows[0]["lang"], rows[0]["key"] if key is text_key else key(rows[0]["text"]))].append(i)
            rest = []
            for item in left:
                candidates = free.get((item.lang, key(item.text)))
                if candidates:
                    linked[candidates.pop(0)] = item
                else:
                    rest.append(item)
            left = rest
        return linked

    # -- rows -------------------------------------------------------------------------------
    def samples(self, ctx: ConversionContext):
        records = self._tracks(ctx)
        individuals = self._individuals(ctx)
        track_items = self._track_items(records)
        linked = self._link(individuals, track_items)
        carrier: dict[str, tuple[str, Item | None]] = {}
        for i, rows in enumerate(track_items):
            for r in rows:
                carrier[r["id"]] = (rows[0]["id"], linked.get(i))
        for r in records:
            with ctx.at(r["path"], r["line"]):
                first, item = carrier[r["id"]]
                yield self._track_row(ctx, r, item if first == r["id"] else None,
                                      first if item is not None and first != r["id"] else None)
        used = {id(item) for item in linked.values()}
        n = defaultdict(int)
        for item in individuals:
            n[item.lang] += 1
            if id(item) not in used:
                with ctx.at(item.rel, item.line):
                    yield ctx.row(f"{item.lang}_individual_{n[item.lang] - 1:05d}", "unassigned",
                                  ratings=self._ratings(ctx, item), text=item.text,
                                  language=LANGUAGES.get(item.lang, item.lang),
                                  extra={"lang": item.lang, "individual": item.ref()})

    def _track_row(self, ctx: ConversionContext, r: dict, item: Item | None, ratings_on: str | None) -> dict:
        values, track = r["values"], r["track"]
        extra = {"track": track, "lang": r["lang"], **({"file": r["file"]} if r["file"] else {})}
        fields = {"language": LANGUAGES.get(r["lang"], r["lang"]), "text": r["text"]}
        if item is not None:
            extra["individual"] = item.ref()
            fields["ratings"] = self._ratings(ctx, item)
        if ratings_on is not None:
            extra["ratings_on"] = ratings_on
        if any(values.values()):
            present = [k for k, v in values.items() if v != "0"]
            if track == "b":
                fields["intensity"] = max(float(v) for v in values.values())
                extra["intensities"] = {k: int(v) for k, v in values.items()}
            fields.update(native_labels=present or None,
                          native_label=present[0] if len(present) == 1 else (None if present else "neutral"))
        return ctx.row(r["id"], SPLITS[r["split"]], extra=extra, **fields)


CONVERTER = SemEval2025Task11()
