"""Benchmark: `emodata convert goemotions` beside the hand-written polars script, at GoEmotions scale.

Generates the raw per-rater files (full_dataset/goemotions_{1,2,3}.csv: ~211k ratings of
~58k comments by 82 raters over 28 labels, rows shuffled as in the release) plus the split
TSVs, in the real format (texts and metadata cycled from the bundled real excerpt). Then, paired
in each round (order alternating), it runs `python -m emodata.cli convert goemotions` and
benchmarks/polars_goemotions.py (what a user would write with polars) in child processes and
reports the median wall time, CPU time and peak resident memory (``wait4``) of each, their
ratio and the machine. Finally it re-aggregates the converted ratings (soft labels, EWE).
Usage: python benchmarks/bench_convert.py [--comments 58011] [--rounds 3]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMOTIONS = ("admiration amusement anger annoyance approval caring confusion curiosity desire "
            "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy "
            "love nervousness optimism pride realization relief remorse sadness surprise neutral").split()


def generate(src: Path, comments: int, raters: int = 82, seed: int = 0) -> int:
    rng = random.Random(seed)
    demo = resources.files("emodata") / "demo" / "goemotions" / "full_dataset" / "goemotions_1.csv"
    with resources.as_file(demo) as p, open(p, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        templates = list(reader)
    weights = [1.0 / (i + 1) for i in range(len(EMOTIONS))]
    rows, splits = [], {"train.tsv": [], "dev.tsv": [], "test.tsv": []}
    for c in range(comments):
        cid = f"c{c:07d}"
        base = templates[c % len(templates)]
        n_raters = 3 if rng.random() < 0.58 else rng.choice((4, 5))   # ~3.6 raters per comment, as released
        chosen = []
        for rater in rng.sample(range(1, raters + 1), n_raters):
            labels = set(rng.choices(range(len(EMOTIONS)), weights, k=rng.choice((1, 1, 1, 2))))
            chosen.append(labels)
            rows.append([base[0], cid, *base[2:7], str(rater), "False",
                         *("1" if i in labels else "0" for i in range(len(EMOTIONS)))])
        agreed = sorted({l for s in chosen for l in s if sum(l in t for t in chosen) >= 2})
        if agreed:
            split = rng.choices(list(splits), (0.8, 0.1, 0.1))[0]
            splits[split].append(f"{base[0]}\t{','.join(map(str, agreed))}\t{cid}\n")
    rng.shuffle(rows)
    (src / "full_dataset").mkdir(parents=True)
    third = len(rows) // 3 + 1
    for i in range(3):
        with open(src / "full_dataset" / f"goemotions_{i + 1}.csv", "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows[i * third:(i + 1) * third])
    for name, lines in splits.items():
        (src / name).write_text("".join(lines))
    return len(rows)


def aggregate_benchmark(table) -> dict:
    """Re-aggregate the converted ratings: soft/majority/plurality/all-inclusive per item, and EWE."""
    from emodata.aggregate import aggregate, ewe
    ratings = table["ratings"].to_pylist()
    t = time.perf_counter()
    for item in ratings:
        aggregate([r["labels"] for r in item])
    soft_s = time.perf_counter() - t
    rng = random.Random(1)
    items, raters, values = [], [], []
    for i, item in enumerate(ratings):
        for r in item:
            items.append(i)
            raters.append(r["rater_id"])
            values.append(rng.uniform(1, 5))
    t = time.perf_counter()
    ewe(items, raters, values)
    ewe_s = time.perf_counter() - t
    return {"aggregate_items_per_s": round(len(ratings) / soft_s), "ewe_ratings": len(values),
            "ewe_s": round(ewe_s, 2)}


def run(cmd: list[str]) -> dict:
    """Wall time, CPU time (user + system) and peak resident memory of one child process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{err.read().decode(errors='replace')}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return f"{model}, {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--comments", type=int, default=58011)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, out, ref = Path(tmp) / "goemotions", Path(tmp) / "out", Path(tmp) / "polars.parquet"
        ratings = generate(src, args.comments)
        commands = {"emodata": [sys.executable, "-m", "emodata.cli", "convert", "goemotions", str(src), "--out", str(out)],
                    "polars": [sys.executable, str(HERE / "polars_goemotions.py"), str(src), str(ref)]}
        runs: dict[str, list[dict]] = {"emodata": [], "polars": []}
        for i in range(args.rounds):
            for name in (("polars", "emodata") if i % 2 == 0 else ("emodata", "polars")):
                if name == "emodata":
                    shutil.rmtree(out, ignore_errors=True)
                else:
                    ref.unlink(missing_ok=True)
                runs[name].append(run(commands[name]))
        import polars as pl

        from emodata.store import read_table
        assert pl.scan_parquet(ref).select(pl.len()).collect().item() == args.comments
        out_table = read_table(out, "goemotions", columns=["id", "ratings"])
        assert out_table.num_rows == args.comments
        size_mb = sum(p.stat().st_size for p in (out / "data").rglob("*.parquet")) / 2**20
        src_mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 2**20
        agg = aggregate_benchmark(out_table)
    median = {name: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for name, rs in runs.items()}
    result = {
        "comments": args.comments, "ratings": ratings, "raters": 82, "labels": len(EMOTIONS),
        "source_mb": round(src_mb, 1), "parquet_mb": round(size_mb, 1), "rounds": args.rounds,
        "median": median,
        "ratio_wall": round(median["emodata"]["wall_s"] / median["polars"]["wall_s"], 2),
        "ratio_cpu": round(median["emodata"]["cpu_s"] / median["polars"]["cpu_s"], 2),
        "pair_ratios_wall": [round(e["wall_s"] / p["wall_s"], 2) for e, p in zip(runs["emodata"], runs["polars"])],
        "rows_per_s": round(args.comments / median["emodata"]["wall_s"]),
        "ratings_per_s": round(ratings / median["emodata"]["wall_s"]),
        **agg, "machine": machine(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
