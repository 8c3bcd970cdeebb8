"""Benchmark: `emodata convert` beside the hand-written polars script a user would write instead.

``--corpus goemotions`` (default): the raw per-rater files (full_dataset/goemotions_{1,2,3}.csv:
~211k ratings of ~58k comments by 82 raters over 28 labels, rows shuffled as in the release) plus
the split TSVs, in the real format (texts and metadata cycled from the bundled real excerpt);
reference benchmarks/polars_goemotions.py.
``--corpus mspodcast``: Labels/labels_consensus.csv and Labels/labels_detailed.json of an
MSP-Podcast release in the documented layout (150,000 segments, 5-9 raters each, ~1M ratings,
as in release 1.11); reference benchmarks/polars_mspodcast.py.

Paired in each round (order alternating), it runs `python -m emodata.cli convert` and the
reference in child processes (bytecode compiled first, as an installed package has it) and
reports the median wall time, CPU time and peak resident memory (``wait4``) of each, their
ratio and the machine. For GoEmotions it finally re-aggregates the converted ratings (soft
labels, EWE).
Usage: python benchmarks/bench_convert.py [--corpus goemotions|mspodcast] [--size N] [--rounds N]
"""
from __future__ import annotations

import argparse
import compileall
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


def generate_goemotions(src: Path, comments: int, raters: int = 82, seed: int = 0) -> int:
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


def generate_mspodcast(src: Path, segments: int, seed: int = 0) -> int:
    """labels_consensus.csv and labels_detailed.json (5-9 raters per segment, 1-7 integer values)."""
    rng = random.Random(seed)
    majors = ["Angry", "Happy", "Sad", "Neutral", "Surprise", "Fear", "Disgust", "Contempt", "Other-Bored",
              "Other-Sarcastic"]
    splits = ["Train"] * 6 + ["Development", "Test1", "Test2"]
    lines, detailed, ratings = ["FileName,EmoClass,EmoAct,EmoVal,EmoDom,SpkrID,Gender,Split_Set"], {}, 0
    for s in range(segments):
        name = f"MSP-PODCAST_{s // 40:04d}_{s % 40:04d}.wav"
        speaker = rng.choice(["Unknown", str(rng.randint(1, 1500))])
        gender = "Unknown" if speaker == "Unknown" else rng.choice(["Male", "Female"])
        raters = {f"WORKER{w:05d}": {"EmoClass_Major": rng.choice(majors),
                                     "EmoClass_Second": rng.choice(["", "Frustrated", "Amused"]),
                                     "EmoAct": rng.randint(1, 7), "EmoVal": rng.randint(1, 7), "EmoDom": rng.randint(1, 7)}
                  for w in rng.sample(range(1, 12000), rng.randint(5, 9))}
        detailed[name] = raters
        ratings += len(raters)
        mean = {k: sum(r[k] for r in raters.values()) / len(raters) for k in ("EmoAct", "EmoVal", "EmoDom")}
        lines.append(f"{name},{rng.choice('AHSNUFDCOX')},{mean['EmoAct']:.6g},{mean['EmoVal']:.6g},"
                     f"{mean['EmoDom']:.6g},{speaker},{gender},{rng.choice(splits)}")
    (src / "Labels").mkdir(parents=True)
    (src / "Labels" / "labels_consensus.csv").write_text("\n".join(lines) + "\n")
    (src / "Labels" / "labels_detailed.json").write_text(json.dumps(detailed))
    return ratings


CORPORA = {   # name -> (generator, default size, reference script, default paired rounds)
    "goemotions": (generate_goemotions, 58011, "polars_goemotions.py", 7),
    "mspodcast": (generate_mspodcast, 150000, "polars_mspodcast.py", 3),
}


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
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="goemotions")
    ap.add_argument("--size", type=int, help="comments (goemotions) or segments (mspodcast)")
    ap.add_argument("--rounds", type=int, help="paired rounds (default 7 for goemotions, 3 for mspodcast)")
    args = ap.parse_args()
    generate, default_size, reference, default_rounds = CORPORA[args.corpus]
    size, rounds = args.size or default_size, args.rounds or default_rounds
    import emodata
    package = Path(emodata.__file__).parent            # and the folders it links to, as pip compiles them
    for folder in {package, *(p.resolve() for p in package.iterdir() if p.is_symlink() and p.is_dir())}:
        compileall.compile_dir(folder, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        src, out, ref = Path(tmp) / args.corpus, Path(tmp) / "out", Path(tmp) / "reference.parquet"
        ratings = generate(src, size)
        commands = {"emodata": [sys.executable, "-m", "emodata.cli", "convert", args.corpus, str(src), "--out", str(out)],
                    "polars": [sys.executable, str(HERE / reference), str(src), str(ref)]}
        runs: dict[str, list[dict]] = {"emodata": [], "polars": []}
        for i in range(rounds):
            for name in (("polars", "emodata") if i % 2 == 0 else ("emodata", "polars")):
                if name == "emodata":
                    shutil.rmtree(out, ignore_errors=True)
                else:
                    ref.unlink(missing_ok=True)
                runs[name].append(run(commands[name]))
        import polars as pl

        from emodata.store import read_table
        assert pl.scan_parquet(ref).select(pl.len()).collect().item() == size
        out_table = read_table(out, args.corpus, columns=["id", "ratings"])
        assert out_table.num_rows == size
        assert sum(len(r) for r in out_table["ratings"].to_pylist()) == ratings
        size_mb = sum(p.stat().st_size for p in (out / "data").rglob("*.parquet")) / 2**20
        src_mb = sum(p.stat().st_size for p in src.rglob("*") if p.is_file()) / 2**20
        agg = aggregate_benchmark(out_table) if args.corpus == "goemotions" else {}
    median = {name: {k: round(statistics.median(r[k] for r in rs), 2) for k in rs[0]} for name, rs in runs.items()}
    result = {
        "corpus": args.corpus, "samples": size, "ratings": ratings,
        "source_mb": round(src_mb, 1), "parquet_mb": round(size_mb, 1), "rounds": rounds,
        "median": median,
        "ratio_wall": round(median["emodata"]["wall_s"] / median["polars"]["wall_s"], 2),
        "ratio_cpu": round(median["emodata"]["cpu_s"] / median["polars"]["cpu_s"], 2),
        "pair_ratios_wall": [round(e["wall_s"] / p["wall_s"], 2) for e, p in zip(runs["emodata"], runs["polars"])],
        "rows_per_s": round(size / median["emodata"]["wall_s"]),
        "ratings_per_s": round(ratings / median["emodata"]["wall_s"]),
        **agg, "machine": machine(), "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
