"""Duplicates within and across corpora, and the split leakage they cause.

Kinds of evidence (``kind``):

* ``text``: the same normalised text. Normalising fixes Windows-1252 leftovers and mojibake
  (ftfy: ``company\\x92s`` -> ``company's``), applies NFKC, case-folds, and turns every run of
  punctuation or spaces into one space. Texts shorter than ``min_words`` words ("Okay.",
  "Oh my God!") recur everywhere; they are counted apart (``short_phrases`` in the summary),
  never grouped or flagged as leakage.
* ``image`` / ``frame``: a 64-bit perceptual hash (imagehash pHash) of each image, or of the
  middle frame of each video or segment; near-duplicates within ``image_distance`` bits.
* ``audio``: Chromaprint fingerprints (``fpcalc -raw``); clips that share sub-fingerprints are
  compared bit by bit at the best alignment; a duplicate when ``audio_similarity`` of the bits agree.
* ``embedding``: near-duplicates by cosine similarity (>= ``embedding_similarity``) in the
  ``derived/embeddings`` tables the pipelines write, per model.

Nothing compares all pairs: every kind goes through an on-disk DuckDB index (exact keys are
grouped by SQL; near-duplicates are candidates that share a hash band, then verified), so
memory stays bounded by DuckDB's ``memory_limit`` plus one batch.

Output (:func:`find_duplicates`): ``<out>/duplicates.parquet`` (one row per sample in a
duplicate group: ``group, id, corpus, split, kind, score``) and ``<out>/summary.json`` with
``pairs`` (``corpus_a, split_a, corpus_b, split_b, kind, n, leakage``: ``n`` samples of a have a
duplicate in b; leakage when a test or validation split meets a train split).
"""
from __future__ import annotations

import io
import json
import multiprocessing
import shutil
import subprocess
import unicodedata
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import store
from ..components import Components
from ..root import derived_parts, media_dir, replace_dir

KINDS = ("text", "image", "frame", "audio", "embedding")
TRAIN_SPLITS = {"train"}
EVAL_SPLITS = {"test", "validation", "dev", "val", "valid"}
READ = ["id", "corpus", "split", "text", "image_path", "video_path", "audio_path", "start", "end"]
EMBED_TABLES = 16          # LSH tables of 16 random hyperplanes each (embeddings)
EMBED_BITS = 16


class DuplicateError(Exception):
    pass


# -- text ------------------------------------------------------------------------------------------

def _fix(s: str) -> str:
    import ftfy
    return unicodedata.normalize("NFKC", ftfy.fix_text(s, uncurl_quotes=True)).casefold()


def normalise_text(texts: pa.Array | Sequence[str | None]) -> pa.Array:
    """Normalised texts (vectorised; only non-ASCII texts go through ftfy + NFKC + casefold)."""
    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(texts, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.string())
    ascii_ = pc.fill_null(pc.string_is_ascii(arr), True).to_numpy(zero_copy_only=False)
    if not ascii_.all():
        values = arr.to_pylist()
        for i in np.flatnonzero(~ascii_):
            values[i] = _fix(values[i])
        arr = pa.array(values, pa.string())
    arr = pc.utf8_lower(arr)
    arr = pc.replace_substring_regex(arr, pattern=r"[^\p{L}\p{M}\p{N}]+", replacement=" ")   # marks stay (Devanagari, Arabic)
    return pc.utf8_trim_whitespace(arr)


def word_counts(norm: pa.Array) -> pa.Array:
    """Words in normalised texts (single spaces between words)."""
    spaces = pc.count_substring(norm, " ")
    return pc.if_else(pc.equal(pc.utf8_length(norm), 0), 0, pc.add(spaces, 1))


# -- media hashes ------------------------------------------------------------------------------------

def _phash(img) -> int:
    import imagehash
    return int(str(imagehash.phash(img)), 16)


def _image_hash(path: str) -> int | None:
    from PIL import Image
    try:
        with Image.open(path) as img:
            return _phash(img.convert("L"))
    except (OSError, ValueError):
        return None


def _frame_hash(job: tuple[str, float | None, float | None]) -> int | None:
    """pHash of the middle frame of a video (or of the segment start..end)."""
    from PIL import Image
    path, start, end = job
    if end is not None:
        t = ((start or 0.0) + end) / 2
    else:
        try:
            dur = float(subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                                        "default=nw=1:nk=1", path], capture_output=True, text=True,
                                       timeout=60).stdout.strip() or 0)
        except (ValueError, subprocess.TimeoutExpired):
            return None
        t = dur / 2
    try:
        png = subprocess.run(["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", path, "-frames:v", "1", "-f",
                              "image2pipe", "-vcodec", "png", "-"], capture_output=True, timeout=60).stdout
        with Image.open(io.BytesIO(png)) as img:
            return _phash(img.convert("L"))
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def _audio_fingerprint(job: tuple[str, float | None, float | None]) -> list[int] | None:
    """Chromaprint sub-fingerprints (``fpcalc -raw``) of a file or of its segment start..end."""
    path, start, end = job
    try:
        if start is None and end is None:
            res = subprocess.run(["fpcalc", "-raw", "-json", "-length", "120", path], capture_output=True,
                                 text=True, timeout=120)
        else:
            cut = ["-ss", f"{start or 0:.3f}"] + (["-to", f"{end:.3f}"] if end is not None else [])
            pcm = subprocess.run(["ffmpeg", "-v", "error", *cut, "-i", path, "-ac", "1", "-ar", "11025", "-f",
                                  "s16le", "-"], capture_output=True, timeout=120).stdout
            res = subprocess.run(["fpcalc", "-raw", "-json", "-format", "s16le", "-rate", "11025", "-channels",
                                  "1", "-"], input=pcm, capture_output=True, timeout=120)
        fp = json.loads(res.stdout or b"{}").get("fingerprint")
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return fp or None


def audio_similarity(a: Sequence[int], b: Sequence[int], max_shift: int = 8) -> float:
    """Share of fingerprint bits that agree at the best alignment (shifts up to ``max_shift``)."""
    x, y = np.asarray(a, np.uint32), np.asarray(b, np.uint32)
    best = 0.0
    for shift in range(-max_shift, max_shift + 1):
        xa, ya = (x[shift:], y) if shift >= 0 else (x, y[-shift:])
        n = min(len(xa), len(ya))
        if n < max(1, min(len(x), len(y)) // 2):
            continue
        diff = np.unpackbits((xa[:n] ^ ya[:n]).view(np.uint8)).sum()
        best = max(best, 1.0 - diff / (32.0 * n))
    return best


# -- the index ---------------------------------------------------------------------------------------

class _Index:
    """On-disk DuckDB tables of samples, text keys, hashes and finally duplicate members."""

    def __init__(self, path: Path, memory_limit: str, threads: int):
        import duckdb
        self.con = duckdb.connect(str(path))
        self.con.execute(f"SET memory_limit='{memory_limit}'; SET threads={int(threads)}; "
                         f"SET temp_directory='{path.parent / 'spill'}'; SET preserve_insertion_order=false")
        self.con.execute("CREATE TABLE samples(sid BIGINT, id VARCHAR, corpus VARCHAR, split VARCHAR)")
        self.con.execute("CREATE TABLE texts(sid BIGINT, norm VARCHAR, words INTEGER)")
        self.con.execute("CREATE TABLE hashes(kind VARCHAR, sid BIGINT, hash UBIGINT)")
        self.con.execute("CREATE TABLE members(grp VARCHAR, sid BIGINT, kind VARCHAR, score DOUBLE)")
        self.n = 0

    def insert(self, name: str, table: pa.Table) -> None:
        self.con.register("_batch", table)
        self.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _batch")
        self.con.unregister("_batch")

    def add_samples(self, batch: pa.Table) -> np.ndarray:
        sids = np.arange(self.n, self.n + batch.num_rows, dtype=np.int64)
        self.n += batch.num_rows
        self.insert("samples", pa.table({"sid": sids, "id": batch["id"], "corpus": batch["corpus"],
                                         "split": batch["split"]}))
        return sids


def _text_groups(ix: _Index, min_words: int) -> None:
    ix.con.execute(f"""
        INSERT INTO members
        SELECT 'text:' || substr(md5(norm), 1, 16), sid, 'text', 1.0 FROM texts
        WHERE words >= {int(min_words)} AND norm IN (
            SELECT norm FROM texts WHERE words >= {int(min_words)} GROUP BY norm HAVING count(*) > 1)""")


def _band_pairs(ix: _Index, bands: pa.Table, max_distance: int | None = None) -> pa.Table:
    """Pairs of keys (``key`` column) that share a band value (``band``, ``val``), as columns
    ``a, b`` (and ``d``, the Hamming distance of their ``hash`` column, when ``max_distance`` is
    given: only pairs within it are returned). Computed by DuckDB, never in Python."""
    with_hash = "hash" in bands.column_names
    ix.con.execute("DROP TABLE IF EXISTS bands; CREATE TABLE bands(key BIGINT, band INTEGER, val UBIGINT"
                   + (", hash UBIGINT)" if with_hash else ")"))
    ix.insert("bands", bands)
    if max_distance is None:
        return ix.con.execute("SELECT DISTINCT a.key AS a, b.key AS b FROM bands a JOIN bands b "
                              "ON a.band = b.band AND a.val = b.val AND a.key < b.key").to_arrow_table()
    return ix.con.execute(f"""
        SELECT DISTINCT a.key AS a, b.key AS b, bit_count(xor(a.hash, b.hash)) AS d
        FROM bands a JOIN bands b ON a.band = b.band AND a.val = b.val AND a.key < b.key
        WHERE bit_count(xor(a.hash, b.hash)) <= {int(max_distance)}""").to_arrow_table()


HASH_BANDS = 4          # 16-bit quarters of a 64-bit perceptual hash


def _hash_groups(ix: _Index, kind: str, max_distance: int) -> None:
    """Exact and near-duplicate (Hamming distance <= max_distance) 64-bit hashes of ``kind``.

    Distinct hashes are cut into four 16-bit quarters; only hashes that agree on a quarter are
    compared (in SQL). Every pair within 3 bits agrees on one (pigeonhole); a pair 4-8 bits apart
    almost always does (docs/curation.md gives the measured recall)."""
    distinct = ix.con.execute("SELECT hash, count(*) FROM hashes WHERE kind = ? GROUP BY hash", [kind]).to_arrow_table()
    if distinct.num_rows == 0:
        return
    hashes = distinct.column(0).to_numpy().astype(np.uint64)
    keys = np.arange(len(hashes), dtype=np.int64)
    bands = pa.table({
        "key": np.tile(keys, HASH_BANDS), "band": np.repeat(np.arange(HASH_BANDS, dtype=np.int32), len(hashes)),
        "val": np.concatenate([(hashes >> np.uint64(16 * b)) & np.uint64(0xFFFF) for b in range(HASH_BANDS)]),
        "hash": np.tile(hashes, HASH_BANDS)})
    pairs = _band_pairs(ix, bands, max_distance)
    close = list(zip(pairs["a"].to_pylist(), pairs["b"].to_pylist(), pairs["d"].to_pylist()))
    counts = distinct.column(1).to_numpy()
    comp = Components.of_pairs([(a, b) for a, b, _ in close])
    nearest = {k: 0 for k in np.flatnonzero(counts > 1).tolist()}
    for a, b, d in close:
        for k in (a, b):
            nearest[k] = min(nearest.get(k, 64), d)
    rows = [(int(hashes[k]), f"{kind}:{int(hashes[comp.get(k, k)]):016x}", 1.0 - d / 64.0)
            for k, d in nearest.items()]
    if rows:
        h, g, s = zip(*rows)
        ix.con.register("_g", pa.table({"hash": pa.array(h, pa.uint64()), "grp": g, "score": s}))
        ix.con.execute("INSERT INTO members SELECT g.grp, h.sid, ?, g.score FROM hashes h JOIN _g g USING (hash) "
                       "WHERE h.kind = ?", [kind, kind])
        ix.con.unregister("_g")


def _audio_groups(ix: _Index, prints: dict[int, list[int]], similarity: float) -> None:
    """Clips sharing >= 3 sub-fingerprints (ignoring values in more than 1% of clips) are compared."""
    if len(prints) < 2:
        return
    sids = np.fromiter(prints, np.int64, len(prints))
    vals = [np.unique(np.asarray(prints[s], np.uint32)) for s in sids]
    table = pa.table({"key": np.repeat(sids, [len(v) for v in vals]),
                      "val": np.concatenate(vals).astype(np.uint64)})
    ix.con.execute("DROP TABLE IF EXISTS fp; CREATE TABLE fp(key BIGINT, val UBIGINT)")
    ix.insert("fp", table)
    common = max(50, len(prints) // 100)
    pairs = ix.con.execute(f"""
        WITH v AS (SELECT * FROM fp WHERE val IN (SELECT val FROM fp GROUP BY val HAVING count(*) <= {common}))
        SELECT a.key, b.key FROM v a JOIN v b ON a.val = b.val AND a.key < b.key
        GROUP BY ALL HAVING count(*) >= 3""").fetchall()
    scored = [(a, b, audio_similarity(prints[a], prints[b])) for a, b in pairs]
    close = [(a, b, s) for a, b, s in scored if s >= similarity]
    _insert_pair_groups(ix, "audio", close)


def _insert_pair_groups(ix: _Index, kind: str, close: list[tuple[int, int, float]]) -> None:
    """Groups = connected components of verified pairs (sample ids); score = best similarity."""
    comp = Components.of_pairs([(a, b) for a, b, _ in close])
    best: dict[int, float] = {}
    for a, b, s in close:
        for k in (a, b):
            best[k] = max(best.get(k, 0.0), s)
    if best:
        ix.insert("members", pa.table({"grp": [f"{kind}:{comp[k]}" for k in best],
                                       "sid": pa.array(list(best), pa.int64()), "kind": [kind] * len(best),
                                       "score": pa.array([float(v) for v in best.values()], pa.float64())}))


def _embedding_groups(ix: _Index, sources: dict[str, Path], similarity: float, seed: int = 0) -> None:
    """Near-duplicates per embedding model: random-hyperplane LSH candidates, verified by cosine."""
    files = [f for c, root in sources.items() for f in derived_parts(root, "embeddings", c)]
    if not files:
        return
    ix.con.read_parquet([str(f) for f in files], union_by_name=True).create_view("emb_parts", replace=True)
    ix.con.execute("CREATE OR REPLACE TEMP VIEW emb AS SELECT e.model, s.sid, e.vector FROM emb_parts e "
                   "JOIN samples s ON s.id = e.id")
    models = [m for (m,) in ix.con.execute("SELECT DISTINCT model FROM emb ORDER BY 1").fetchall()]
    for model in models:
        sids, vectors = [], []
        bands = []
        planes = None
        reader = ix.con.execute("SELECT sid, vector FROM emb WHERE model = ?", [model]).to_arrow_reader(50_000)
        for batch in reader:
            vec = np.array(batch.column(1).flatten().to_numpy(), np.float32).reshape(batch.num_rows, -1)
            vec /= np.maximum(np.linalg.norm(vec, axis=1, keepdims=True), 1e-12)
            if planes is None:
                planes = np.random.default_rng(seed).standard_normal((vec.shape[1], EMBED_TABLES * EMBED_BITS)
                                                                     ).astype(np.float32)
            bits = (vec @ planes > 0).reshape(len(vec), EMBED_TABLES, EMBED_BITS)
            codes = (bits * (1 << np.arange(EMBED_BITS))).sum(axis=2).astype(np.uint64)
            sid = batch.column(0).to_numpy()
            bands.append(pa.table({"key": np.repeat(sid, EMBED_TABLES),
                                   "band": np.tile(np.arange(EMBED_TABLES, dtype=np.int32), len(sid)),
                                   "val": codes.ravel()}))
            sids.append(sid)
            vectors.append(vec)
        if not sids:
            continue
        sid = np.concatenate(sids)
        vec = np.concatenate(vectors)
        pos = {int(s): i for i, s in enumerate(sid)}
        found = _band_pairs(ix, pa.concat_tables(bands))
        pairs = np.stack([found["a"].to_numpy(), found["b"].to_numpy()], axis=1).astype(np.int64).reshape(-1, 2)
        close = []
        for chunk in np.array_split(pairs, max(1, len(pairs) // 200_000)):
            if not len(chunk):
                continue
            ia = np.array([pos[int(a)] for a in chunk[:, 0]])
            ib = np.array([pos[int(b)] for b in chunk[:, 1]])
            cos = np.einsum("ij,ij->i", vec[ia], vec[ib])
            keep = cos >= similarity
            close += list(zip(chunk[keep, 0].tolist(), chunk[keep, 1].tolist(), cos[keep].tolist()))
        _insert_pair_groups(ix, "embedding", close)


# -- the run -----------------------------------------------------------------------------------------

def _require(kind: str) -> None:
    """The tools a media kind needs, or one line saying what to install (or which --kind to drop)."""
    import importlib.util
    missing = []
    if kind in ("image", "frame") and importlib.util.find_spec("imagehash") is None:
        missing.append("imagehash (pip install 'emodata[curate]')")
    for tool, needed_by, package in (("ffmpeg", ("frame",), "ffmpeg"), ("ffprobe", ("frame",), "ffmpeg"),
                                     ("fpcalc", ("audio",), "libchromaprint-tools")):
        if kind in needed_by and shutil.which(tool) is None:
            missing.append(f"{tool} (apt install {package})")
    if missing:
        raise DuplicateError(f"{kind} duplicates need {', '.join(missing)}; or leave out this kind with --kind")


def _paths(batch: pa.Table, column: str, base: Path | None) -> list[tuple[int, str]]:
    if base is None or column not in batch.column_names:
        return []
    return [(i, str(base / p)) for i, p in enumerate(batch[column].to_pylist()) if p and (base / p).is_file()]


def find_duplicates(root: str | Path | Mapping[str, str | Path], out: str | Path, *, corpora: Sequence[str] | None = None,
                    kinds: Sequence[str] = KINDS, min_words: int = 4, image_distance: int = 6,
                    audio_similarity: float = 0.9, embedding_similarity: float = 0.97,
                    media: dict[str, str | Path] | None = None, workers: int = 2,
                    memory_limit: str = "1GB", batch_size: int = 50_000, top_phrases: int = 20) -> dict:
    """Find duplicates in ``corpora`` (default: all) of ``root``; write ``out`` and return the summary.

    ``root`` may also map each corpus to its dataset root (corpora from several roots, as merge
    has them). ``media`` maps a corpus to its media folder when it moved since conversion."""
    out = Path(out)
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise DuplicateError(f"unknown kind(s) {sorted(unknown)}; choose from {', '.join(KINDS)}")
    if isinstance(root, Mapping):
        sources = {c: Path(r) for c, r in root.items()}
    else:
        root = Path(root)
        names = list(corpora) if corpora else store.corpora(root)
        missing = [c for c in names if c not in store.corpora(root)]
        if missing or not names:
            raise DuplicateError(f"corpora not in {root}: {missing or 'none converted'}")
        sources = {c: root for c in names}
    names = list(sources)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    (tmp / "spill").mkdir(parents=True)
    ix = _Index(tmp / "index.duckdb", memory_limit, workers)
    prints: dict[int, list[int]] = {}
    try:
        # spawned workers (none start unless media is hashed): no fork of the process holding DuckDB
        with ProcessPoolExecutor(max(1, workers), mp_context=multiprocessing.get_context("spawn")) as pool:
            for corpus in names:
                base = media_dir(sources[corpus], corpus, (media or {}).get(corpus))
                for rb in store.iter_batches(sources[corpus], corpus, batch_size=batch_size,
                                             columns=[c for c in READ if c in store.SCHEMA.names]):
                    batch = pa.Table.from_batches([rb])
                    sids = ix.add_samples(batch)
                    if "text" in kinds:
                        norm = normalise_text(batch["text"])
                        keep = pc.invert(pc.is_null(norm))
                        ix.insert("texts", pa.table({"sid": sids, "norm": norm, "words": word_counts(norm)}
                                                    ).filter(keep))
                    jobs = []
                    if "image" in kinds:
                        jobs += [("image", i, p) for i, p in _paths(batch, "image_path", base)]
                    if "frame" in kinds:
                        has_image = set(i for i, _ in _paths(batch, "image_path", base))
                        jobs += [("frame", i, (p, batch["start"][i].as_py(), batch["end"][i].as_py()))
                                 for i, p in _paths(batch, "video_path", base) if i not in has_image]
                    for kind, fn in (("image", _image_hash), ("frame", _frame_hash)):
                        todo = [(i, arg) for k, i, arg in jobs if k == kind]
                        if todo:
                            _require(kind)
                        found = [(int(sids[i]), h) for (i, _), h in
                                 zip(todo, pool.map(fn, [a for _, a in todo], chunksize=64)) if h is not None]
                        if found:
                            ix.insert("hashes", pa.table({"kind": [kind] * len(found),
                                                          "sid": pa.array([s for s, _ in found], pa.int64()),
                                                          "hash": pa.array([h for _, h in found], pa.uint64())}))
                    if "audio" in kinds:
                        todo = [(i, (p, batch["start"][i].as_py(), batch["end"][i].as_py()))
                                for i, p in _paths(batch, "audio_path", base)]
                        if todo:
                            _require("audio")
                        for (i, _), fp in zip(todo, pool.map(_audio_fingerprint, [a for _, a in todo], chunksize=16)):
                            if fp:
                                prints[int(sids[i])] = fp
        if "text" in kinds:
            _text_groups(ix, min_words)
        for kind in ("image", "frame"):
            if kind in kinds:
                _hash_groups(ix, kind, image_distance)
        if "audio" in kinds:
            _audio_groups(ix, prints, audio_similarity)
        if "embedding" in kinds:
            _embedding_groups(ix, sources, embedding_similarity)
        summary = _summarise(ix, names, kinds, min_words, top_phrases,
                             {"image_distance": image_distance, "audio_similarity": audio_similarity,
                              "embedding_similarity": embedding_similarity})
        result = tmp / "result"
        result.mkdir()
        ix.con.execute(f"COPY (SELECT m.grp AS \"group\", s.id, s.corpus, s.split, m.kind, m.score "
                       f"FROM members m JOIN samples s USING (sid) ORDER BY m.kind, m.grp, s.corpus, s.split, s.id) "
                       f"TO '{result / 'duplicates.parquet'}' (FORMAT parquet)")
        (result / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        ix.con.close()
        replace_dir(result, out)
    finally:
        ix.con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return summary


def is_leakage(split_a: str, split_b: str) -> bool:
    """A test or validation split meeting a train split."""
    return {split_a, split_b} & TRAIN_SPLITS != set() and {split_a, split_b} & EVAL_SPLITS != set()


def _pairs(con, members: str) -> list[dict]:
    rows = con.execute(f"""
        WITH m AS (SELECT m.grp, m.kind, s.corpus, s.split FROM {members} m JOIN samples s USING (sid)),
             c AS (SELECT grp, kind, corpus, split, count(*) AS k FROM m GROUP BY ALL)
        SELECT a.corpus, a.split, b.corpus, b.split, a.kind, sum(a.k)::BIGINT AS n
        FROM c a JOIN c b ON a.grp = b.grp AND a.kind = b.kind
             AND (a.corpus <> b.corpus OR a.split <> b.split OR a.k > 1)
        GROUP BY ALL ORDER BY ALL""").fetchall()
    return [{"corpus_a": ca, "split_a": sa, "corpus_b": cb, "split_b": sb, "kind": k, "n": int(n),
             "leakage": is_leakage(sa, sb)} for ca, sa, cb, sb, k, n in rows]


def _summarise(ix: _Index, corpora: list[str], kinds, min_words: int, top: int, settings: dict) -> dict:
    con = ix.con
    con.execute(f"""CREATE TABLE shorts AS SELECT 'short:' || substr(md5(norm), 1, 16) AS grp, sid, 'short_text' AS kind
                    FROM texts WHERE words BETWEEN 1 AND {int(min_words) - 1} AND norm IN (
                    SELECT norm FROM texts WHERE words BETWEEN 1 AND {int(min_words) - 1}
                    GROUP BY norm HAVING count(*) > 1)""")
    groups = con.execute("SELECT kind, count(DISTINCT grp), count(*) FROM members GROUP BY kind ORDER BY kind").fetchall()
    phrases = con.execute(f"""SELECT t.norm, count(*) AS n, count(DISTINCT s.corpus || '/' || s.split) AS places
                              FROM shorts JOIN texts t USING (sid) JOIN samples s USING (sid)
                              GROUP BY t.norm ORDER BY n DESC, t.norm LIMIT {int(top)}""").fetchall()
    n_short = con.execute("SELECT count(DISTINCT grp), count(*) FROM shorts").fetchone()
    pairs = _pairs(con, "members")
    return {
        "corpora": corpora, "kinds": list(kinds), "min_words": min_words, **settings,
        "samples": ix.n,
        "groups": {k: {"groups": int(g), "samples": int(n)} for k, g, n in groups},
        "pairs": pairs,
        "leakage": [p for p in pairs if p["leakage"]],
        "short_phrases": {"min_words": min_words, "groups": int(n_short[0]), "samples": int(n_short[1]),
                          "pairs": [{k: v for k, v in p.items() if k != "leakage"} for p in _pairs(con, "shorts")],
                          "top": [{"text": t, "n": int(n), "places": int(p)} for t, n, p in phrases]},
    }


def read_duplicates(out: str | Path) -> pa.Table:
    """The ``duplicates.parquet`` table written by :func:`find_duplicates`."""
    return pq.read_table(Path(out) / "duplicates.parquet")


MERGE_ACTIONS = ("report", "drop", "group", "off")


class MergeDuplicates:
    """Duplicate groups that span two or more corpora of a merge, and what the merge does with them:
    ``report`` (counts in the merge report), ``drop`` (keep one row per group: a test or validation
    row before a train row, so no copy of an evaluation row stays in training data; then by corpus
    and id) or ``group`` (``extra.duplicate_group`` on every member)."""

    def __init__(self, sources: Mapping[str, Path], out: Path, action: str = "report",
                 kinds: Sequence[str] = ("text",), min_words: int = 4):
        self.action = action
        summary = find_duplicates(sources, out, kinds=kinds, min_words=min_words)
        rows = read_duplicates(out).to_pylist()
        members: dict[str, list[dict]] = {}
        for r in rows:
            members.setdefault(r["group"], []).append(r)
        cross = {g: m for g, m in members.items() if len({r["corpus"] for r in m}) > 1}
        self.group = {r["id"]: g for g, m in cross.items() for r in m}
        self.drop = set()
        for m in cross.values():
            keep = min(m, key=lambda r: (r["split"] not in EVAL_SPLITS, r["corpus"], r["id"]))
            self.drop |= {r["id"] for r in m if r["id"] != keep["id"]}
        pairs = [p for p in summary["pairs"] if p["corpus_a"] != p["corpus_b"]]
        self.summary = {"action": action, "kinds": list(kinds), "min_words": min_words, "groups": len(cross),
                        "rows": len(self.group), "pairs": pairs,
                        "leakage": [p for p in pairs if p["leakage"]], "dropped": 0}

    def apply(self, table: pa.Table) -> pa.Table:
        """The merged batch after the action (rows dropped or tagged)."""
        if self.action == "drop":
            keep = pc.invert(pc.is_in(table["id"], value_set=pa.array(sorted(self.drop), pa.string())))
            self.summary["dropped"] += table.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
            return table.filter(keep)
        if self.action == "group":
            ids, extras = table["id"].to_pylist(), table["extra"].to_pylist()
            for i, sid in enumerate(ids):
                if sid in self.group:
                    extra = json.loads(extras[i]) if extras[i] else {}
                    extra["duplicate_group"] = self.group[sid]
                    extras[i] = json.dumps(extra, ensure_ascii=False, sort_keys=True)
            col = table.schema.get_field_index("extra")
            return table.set_column(col, table.schema.field(col), pa.array(extras, pa.string()))
        return table
