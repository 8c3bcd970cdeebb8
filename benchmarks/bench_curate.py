"""Curation benchmarks (docs/curation.md), each part in its own process so peak memory is its own:

* ``texts``: duplicates over N texts (default 1,000,000; two corpora, train/test) with
  ``emodata.curate.duplicates.find_duplicates`` (on-disk DuckDB index, 2 threads, 1 GB memory
  limit) against the way a pandas user does it (lower-case, strip punctuation, ``duplicated``).
* ``images``: duplicates over N generated 48x48 greyscale images (default 100,000, 1 % planted
  near-copies rescaled and re-encoded as JPEG) against imagehash in a loop grouped by exact hash.
* ``raters``: rater models at GoEmotions scale (58,009 comments, 82 raters, ~211k multi-label
  ratings over 28 classes) against crowd-kit called directly on the string-labelled frame.

    python benchmarks/bench_curate.py [--texts 1000000] [--images 100000] [--parts texts,images,raters]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WORK = Path(tempfile.gettempdir()) / "emodata-bench-curate"
VOCAB = [f"w{i}" for i in range(5000)]


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_corpus(root: Path, corpus: str, split: str, columns: dict) -> None:
    from emodata.schema import SCHEMA, file_metadata
    n = len(columns["id"])
    d = root / "data" / corpus / split
    d.mkdir(parents=True, exist_ok=True)
    full = {f.name: columns.get(f.name, pa.nulls(n, f.type)) for f in SCHEMA}
    full.update(corpus=[corpus] * n, split=[split] * n, native_id=columns["id"])
    table = pa.table(full, schema=SCHEMA).replace_schema_metadata(
        file_metadata(corpus, {"converter": "bench", "source_root": str(root / "media")}))
    pq.write_table(table, d / "part-00000.parquet")


# -- texts -------------------------------------------------------------------------------------------

def make_texts(n: int) -> tuple[Path, int]:
    """N texts of 6-14 words; 2 % are copies of another text with case, punctuation or a Windows-1252
    apostrophe changed, half of them across the train/test boundary. Returns (root, planted copies)."""
    root = WORK / f"texts-{n}"
    if (root / "done").exists():
        return root, int((root / "done").read_text())
    rng = np.random.default_rng(0)
    lengths = rng.integers(6, 15, n)
    words = rng.integers(0, len(VOCAB), lengths.sum())
    texts, pos = [], 0
    for k in lengths:
        texts.append(" ".join(VOCAB[w] for w in words[pos:pos + k]))
        pos += k
    copies = rng.choice(n, n // 50, replace=False)
    sources = rng.integers(0, n, len(copies))
    for c, s in zip(copies, sources):
        t = texts[s]
        texts[c] = [t.upper(), t + "!", t.replace(" ", "\x92 ", 1), "  " + t.replace(" ", ", ", 2)][c % 4]
    split = np.where(rng.random(n) < 0.1, "test", "train")
    half = n // 2
    for corpus, lo, hi in (("a", 0, half), ("b", half, n)):
        for s in ("train", "test"):
            idx = [i for i in range(lo, hi) if split[i] == s]
            write_corpus(root, corpus, s, {"id": [f"{corpus}/{i}" for i in idx], "text": [texts[i] for i in idx]})
    (root / "done").write_text(str(len(copies)))
    return root, len(copies)


def bench_texts_emodata(n: int) -> dict:
    from emodata.curate.duplicates import find_duplicates
    root, planted = make_texts(n)
    t = time.perf_counter()
    summary = find_duplicates(root, WORK / f"texts-{n}-out", kinds=["text"], workers=2, memory_limit="1GB")
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "planted": planted,
            "samples_in_groups": summary["groups"].get("text", {}).get("samples", 0),
            "leaking_pairs": len(summary["leakage"])}


def bench_texts_pandas(n: int) -> dict:
    import pandas as pd
    root, planted = make_texts(n)
    t = time.perf_counter()
    df = pd.concat(pd.read_parquet(f, columns=["id", "corpus", "split", "text"])
                   for f in sorted(root.glob("data/*/*/*.parquet")))
    norm = df["text"].str.lower().str.replace(r"[^\w\s]+", " ", regex=True).str.split().str.join(" ")
    dup = df[norm.duplicated(keep=False) & (norm.str.count(" ") >= 3)]
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "planted": planted,
            "samples_in_groups": int(len(dup))}


# -- images ------------------------------------------------------------------------------------------

def make_images(n: int) -> tuple[Path, int]:
    root = WORK / f"images-{n}"
    if (root / "done").exists():
        return root, int((root / "done").read_text())
    media = root / "media"
    media.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    copies = set(rng.choice(n, n // 100, replace=False).tolist())
    names = []
    for i in range(n):
        if i in copies:
            src = int(rng.integers(0, n))
            while src in copies:
                src = int(rng.integers(0, n))
            img = _image(src).resize((40, 40)).resize((48, 48))
            name = f"{i:06d}.jpg"
            img.save(media / name, quality=85)
        else:
            name = f"{i:06d}.png"
            _image(i).save(media / name)
        names.append(name)
    idx = np.arange(n)
    for s, mask in (("train", idx % 10 != 0), ("test", idx % 10 == 0)):
        write_corpus(root, "faces", s, {"id": [f"faces/{i}" for i in idx[mask]],
                                        "image_path": [names[i] for i in idx[mask]]})
    (root / "copies.json").write_text(json.dumps(sorted(copies)))
    (root / "done").write_text(str(len(copies)))
    return root, len(copies)


def _image(seed: int):
    from PIL import Image
    rng = np.random.default_rng(seed + 10_000_000)
    return Image.fromarray(rng.integers(0, 255, (12, 12), dtype=np.uint8)).resize((48, 48), Image.BILINEAR)


def bench_images_emodata(n: int) -> dict:
    from emodata.curate.duplicates import find_duplicates
    root, planted = make_images(n)
    t = time.perf_counter()
    find_duplicates(root, WORK / f"images-{n}-out", kinds=["image"], workers=2, memory_limit="1GB")
    seconds, peak = time.perf_counter() - t, peak_mb()
    rows = pq.read_table(WORK / f"images-{n}-out" / "duplicates.parquet").to_pylist()
    groups: dict[str, list[int]] = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(int(r["id"].split("/")[1]))
    copies = set(json.loads((root / "copies.json").read_text()))
    return {"seconds": seconds, "peak_mb": peak, "planted": planted,
            "copies_found": sum(1 for g in groups.values() for i in g if i in copies),
            "groups_merging_two_originals": sum(1 for g in groups.values() if sum(i not in copies for i in g) > 1)}


def bench_images_imagehash(n: int) -> dict:
    import imagehash
    from PIL import Image
    root, planted = make_images(n)
    t = time.perf_counter()
    groups: dict[str, list[str]] = {}
    for f in sorted((root / "media").iterdir()):
        with Image.open(f) as img:
            groups.setdefault(str(imagehash.phash(img.convert("L"))), []).append(f.name)
    dup = [g for g in groups.values() if len(g) > 1]
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "planted": planted,
            "copies_found": sum(1 for g in dup for name in g if name.endswith(".jpg"))}


# -- raters ------------------------------------------------------------------------------------------

def goemotions_scale(seed: int = 0):
    """58,009 items x ~3.6 of 82 raters; 1-2 true labels of 28; rater r flips each label with p_r."""
    rng = np.random.default_rng(seed)
    classes = [f"c{k:02d}" for k in range(28)]
    prior = rng.dirichlet(np.ones(28) * 0.5)
    flip = rng.uniform(0.002, 0.05, 82)
    rows = []
    for i in range(58_009):
        true = set(rng.choice(28, rng.integers(1, 3), replace=False, p=prior).tolist())
        for r in rng.choice(82, 3 + int(rng.random() < 0.6), replace=False):
            noisy = rng.random(28) < flip[r]
            said = [classes[k] for k in range(28) if (k in true) != noisy[k]]
            if said:
                rows.append({"id": f"t{i}", "rater_id": f"r{r}", "labels": said})
    return rows


def bench_raters(method: str) -> dict:
    from emodata.curate import raters
    rows = goemotions_scale()
    t = time.perf_counter()
    model = raters.fit(rows, method)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "ratings": len(rows),
            "items": len(model.posteriors), "raters": len(model.raters)}


def bench_raters_crowdkit() -> dict:
    """What a user does without emodata: BinaryRelevance(DawidSkene) on the string-labelled frame."""
    import warnings

    import pandas as pd
    from crowdkit.aggregation import BinaryRelevance, DawidSkene
    rows = goemotions_scale()
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    df = pd.DataFrame({"task": [r["id"] for r in rows], "worker": [r["rater_id"] for r in rows],
                       "label": [r["labels"] for r in rows]})
    BinaryRelevance(DawidSkene(n_iter=100)).fit(df)
    return {"seconds": time.perf_counter() - t, "peak_mb": peak_mb(), "ratings": len(rows)}


PARTS = {
    "texts": lambda a: [("emodata find_duplicates (text)", "texts_emodata", a.texts),
                        ("pandas normalise + duplicated", "texts_pandas", a.texts)],
    "images": lambda a: [("emodata find_duplicates (image, 2 workers)", "images_emodata", a.images),
                         ("imagehash loop + exact-hash groups", "images_imagehash", a.images)],
    "raters": lambda a: [(f"emodata raters.fit {m}", f"raters:{m}", 0)
                         for m in ("soft", "majority", "one-coin", "dawid-skene", "mace", "glad")]
                        + [("crowd-kit BinaryRelevance(DawidSkene) directly", "raters_crowdkit", 0)],
}


def run_child(name: str, n: int) -> dict:
    if name.startswith("raters:"):
        return bench_raters(name.split(":", 1)[1])
    if name == "raters_crowdkit":
        return bench_raters_crowdkit()
    return globals()[f"bench_{name}"](n)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=1_000_000)
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--parts", default="texts,images,raters")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per measurement")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(run_child(a.child[0], int(a.child[1]))))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), "?")
    print(f"# {cpu}, {len(__import__('os').sched_getaffinity(0))} cores, Python {sys.version.split()[0]}")
    print("| benchmark | what | seconds | peak MB | result |")
    print("|---|---|---|---|---|")
    for part in a.parts.split(","):
        if part == "texts":
            make_texts(a.texts)
        if part == "images":
            make_images(a.images)
        for label, name, n in PARTS[part](a):
            try:
                res = subprocess.run([sys.executable, __file__, "--child", name, str(n)], capture_output=True,
                                     text=True, timeout=a.timeout)
                out = json.loads(res.stdout.strip().splitlines()[-1]) if res.returncode == 0 else {"error": res.stderr[-300:]}
            except subprocess.TimeoutExpired:
                out = {"error": f"over {a.timeout} s"}
            if "error" in out:
                print(f"| {part} | {label} | - | - | {out['error']!r} |", flush=True)
                continue
            rest = ", ".join(f"{k} {v:,}" for k, v in out.items() if k not in ("seconds", "peak_mb"))
            print(f"| {part} | {label} | {out['seconds']:.1f} | {out['peak_mb']:.0f} | {rest} |", flush=True)


if __name__ == "__main__":
    main()
