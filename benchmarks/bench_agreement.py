"""Agreement speed against the best use of the `krippendorff` package, in one run.

The reference is what a user would write without emodata, from the same long-format inputs
(string sample ids, string labels; Python lists, as read from a CSV): ``pandas.factorize`` of
sample ids and labels, ``numpy.bincount`` into value counts, then
``krippendorff.alpha(value_counts=...)`` (one call per label for per-class alpha).  The dense
reliability-matrix path of the package is a second line only.

1. CREMA-D shape: 7,442 clips, ~28.5 anonymous votes each, 6 categories, nominal alpha (the
   real votes of tabulatedVotes.csv, pooled over conditions as the issue's shape, when
   ../shared/data/formats/CREMA-D is there; else synthetic votes of that shape).
2. GoEmotions shape: 58k items, 82 raters, ~211k multi-label ratings, binary alpha for each
   of 28 labels (one pass in emodata, 28 package calls in the reference); plus the same from
   Arrow dictionary columns (as the store hands them over) against the reference on the same
   columns' codes, and the dense path once.
3. 1,000-resample item-bootstrap CIs for all 28 labels at GoEmotions scale.
4. `emodata agreement` end to end from stored Parquet (child process, default 1,000 resamples):
   GoEmotions scale (converted with `emodata convert goemotions` from the raw release format of
   benchmarks/bench_convert.py) and the real CREMA-D votes; wall time, CPU time, peak RSS.

Engine timings alternate emodata and the reference (paired, ``--repeats`` each) and report
medians of wall time and of CPU time (the machine is shared: CPU time is the steadier figure).
BLAS runs single-threaded, as in `emodata agreement` (docs/agreement.md).

    python benchmarks/bench_agreement.py [--repeats 7] [--no-e2e]
"""
from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")   # as `emodata agreement` runs (docs/agreement.md); set it to override

import argparse
import csv
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from itertools import chain
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pyarrow as pa

from emodata.annotation import agreement as ag

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("EMODATA_SHARED", HERE.parent.parent / "shared")) / "data" / "formats"
EMOTIONS = ("admiration amusement anger annoyance approval caring confusion curiosity desire disappointment "
            "disapproval disgust embarrassment excitement fear gratitude grief joy love nervousness optimism "
            "pride realization relief remorse sadness surprise neutral").split()
CREMA = {"A": "anger", "D": "disgust", "F": "fear", "H": "happiness", "N": "neutral", "S": "sadness"}


# --------------------------------------------------------------------------------------------
# inputs

def cremad_votes(seed: int = 0) -> tuple[list[str], list[str], str]:
    """(clip id, label) per vote, in shuffled order: the real CREMA-D votes when available."""
    rng = np.random.default_rng(seed)
    path = SHARED / "CREMA-D" / "tabulatedVotes.csv"
    if path.exists():
        item, value = [], []
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                for code, name in CREMA.items():
                    item += [r["fileName"]] * int(r[code])
                    value += [name] * int(r[code])
        source = "real CREMA-D votes (tabulatedVotes.csv)"
    else:
        per = rng.poisson(28.5, 7442)
        item = [f"{1001 + i % 91}_CLIP_{i:05d}" for i in np.repeat(np.arange(7442), per)]
        value = list(np.array(list(CREMA.values()))[rng.integers(0, 6, len(item))])
        source = "synthetic votes of CREMA-D's shape"
    order = rng.permutation(len(item))      # votes in response order
    return [str(item[k]) for k in order], [str(value[k]) for k in order], source


def goemotions_ratings(items: int, raters: int, labels: int, ratings: int, seed: int = 0):
    """Multi-label ratings of GoEmotions' shape: (item ids, rater ids, label lists), one rating per (item, rater)."""
    rng = np.random.default_rng(seed)
    per_item = np.minimum(rng.poisson(ratings / items - 2, items) + 2, raters)   # >= 2 raters per item
    item = np.repeat(np.arange(items), per_item)
    weights = rng.pareto(1.2, raters) + 1                                    # a few raters do most of the work
    keys = np.log(weights) + rng.gumbel(size=(items, raters))                # distinct raters by weight
    rater = np.argsort(-keys, axis=1)[item, np.arange(len(item)) - np.repeat(np.cumsum(per_item) - per_item, per_item)]
    prevalence = rng.dirichlet(np.full(labels, 0.6))
    truth = rng.choice(labels, size=items, p=prevalence)
    first = np.where(rng.random(len(item)) < 0.55, truth[item], rng.choice(labels, size=len(item), p=prevalence))
    second = np.where(rng.random(len(item)) < 0.25, rng.choice(labels, size=len(item), p=prevalence), -1)
    names = EMOTIONS[:labels] + [f"label{k}" for k in range(len(EMOTIONS), labels)]
    order = rng.permutation(len(item))      # rows in file order; Python objects made in that order, as a reader does
    item, rater, first, second = item[order], rater[order], first[order], second[order]
    sets = [[names[a]] if b < 0 or b == a else [names[a], names[b]] for a, b in zip(first.tolist(), second.tolist())]
    return [f"e{x:06x}" for x in item.tolist()], [f"r{x}" for x in rater.tolist()], sets


# --------------------------------------------------------------------------------------------
# the reference (best use of the krippendorff package)

def ref_nominal(item, value) -> float:
    u, _ = pd.factorize(np.asarray(item, dtype=object))
    c, cats = pd.factorize(np.asarray(value, dtype=object))
    counts = np.bincount(u * len(cats) + c, minlength=(u.max() + 1) * len(cats)).reshape(-1, len(cats))
    return krippendorff.alpha(value_counts=counts, level_of_measurement="nominal")


def ref_per_class(item, sets) -> dict[str, float]:
    u, _ = pd.factorize(np.asarray(item, dtype=object))
    return _ref_classes(u, np.fromiter(map(len, sets), np.int64, len(sets)),
                        *pd.factorize(np.asarray(list(chain.from_iterable(sets)), dtype=object)))


def ref_per_class_columns(item: pa.DictionaryArray, sets: pa.ListArray) -> dict[str, float]:
    """The reference on Arrow dictionary columns: their codes are the factorisation."""
    flat = sets.flatten()
    lens = np.diff(np.asarray(sets.offsets))
    return _ref_classes(np.asarray(item.indices).astype(np.int64), lens, np.asarray(flat.indices).astype(np.int64),
                        flat.dictionary.to_pylist())


def _ref_classes(u, lens, lab, names) -> dict[str, float]:
    n, q = u.max() + 1, len(names)
    m = np.bincount(u, minlength=n)
    chosen = np.bincount(np.repeat(u, lens) * q + lab, minlength=n * q).reshape(n, q)
    return {names[j]: krippendorff.alpha(value_counts=np.stack([m - chosen[:, j], chosen[:, j]], axis=1),
                                         level_of_measurement="nominal") for j in range(q)}


def dense_per_class(item, rater, sets) -> dict[str, float]:
    """The package's dense input: one raters x items matrix per label (NaN = not rated)."""
    u, _ = pd.factorize(np.asarray(item, dtype=object))
    r, _ = pd.factorize(np.asarray(rater, dtype=object))
    rated = np.full((r.max() + 1, u.max() + 1), np.nan)
    rated[r, u] = 0.0
    out = {}
    for lab in sorted({x for s in sets for x in s}):
        m = rated.copy()
        hit = np.fromiter((lab in s for s in sets), bool, len(sets))
        m[r[hit], u[hit]] = 1.0
        out[lab] = krippendorff.alpha(reliability_data=m, level_of_measurement="nominal")
    return out


# --------------------------------------------------------------------------------------------
# timing

def clock(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def paired(ours, ref, repeats: int):
    """Alternate the two (after one warm-up each); medians of wall and CPU seconds, and the results."""
    r_ours, r_ref = ours(), ref()
    t = {"ours": ([], []), "ref": ([], [])}
    for _ in range(repeats):
        for key, fn in (("ref", ref), ("ours", ours)):
            _, wall, cpu = clock(fn)
            t[key][0].append(wall)
            t[key][1].append(cpu)
    med = {k: (float(np.median(w)), float(np.median(c))) for k, (w, c) in t.items()}
    return med, r_ours, r_ref


def row(name, wall, cpu, note=""):
    print(f"| {name} | {wall * 1000:,.0f} | {cpu * 1000:,.0f} | {note} |")


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in subprocess.run(
        ["lscpu"], capture_output=True, text=True).stdout.splitlines() if line.startswith("Model name")), "?")
    return (f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
            f"pyarrow {pa.__version__}, pandas {pd.__version__}, krippendorff {version('krippendorff')}, "
            f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}")


def run_cli(args: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of one `emodata ...` child process."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "emodata.cli", *args], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"emodata {' '.join(args)} failed ({status})")
    return time.perf_counter() - t, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


# --------------------------------------------------------------------------------------------

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--items", type=int, default=58_000)
    p.add_argument("--raters", type=int, default=82)
    p.add_argument("--ratings", type=int, default=211_000)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--no-e2e", action="store_true", help="skip the end-to-end `emodata agreement` runs")
    a = p.parse_args()
    print(f"# machine: {machine()}")
    print(f"# load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    print("| measurement | wall ms | CPU ms | note |\n|---|---|---|---|")

    item, value, source = cremad_votes()
    med, ours, ref = paired(lambda: ag.krippendorff_alpha(item, value).value, lambda: ref_nominal(item, value),
                            a.repeats)
    ratio_c = med["ours"][0] / med["ref"][0]
    row("CREMA-D shape, reference (factorize + bincount + krippendorff value_counts)", *med["ref"],
        f"{len(set(item)):,} clips, {len(item):,} votes, {source}")
    row("CREMA-D shape, emodata krippendorff_alpha", *med["ours"],
        f"ratio {ratio_c:.2f} wall, {med['ours'][1] / med['ref'][1]:.2f} CPU; |diff| {abs(ours - ref):.1e}")

    gi, gr, gs = goemotions_ratings(a.items, a.raters, len(EMOTIONS), a.ratings)
    med, ours, ref = paired(lambda: ag.alpha_per_class(gi, gs), lambda: ref_per_class(gi, gs), a.repeats)
    diff = max(abs(ours[k].value - v) for k, v in ref.items())
    ratio_g = med["ours"][0] / med["ref"][0]
    row("GoEmotions shape, reference (factorize + bincount + 28 krippendorff value_counts calls)", *med["ref"],
        f"{len(set(gi)):,} items, {len(set(gr))} raters, {len(gi):,} ratings, "
        f"{sum(map(len, gs)):,} chosen labels")
    row("GoEmotions shape, emodata alpha_per_class (28 labels, one pass)", *med["ours"],
        f"ratio {ratio_g:.2f} wall, {med['ours'][1] / med['ref'][1]:.2f} CPU; max |diff| {diff:.1e}")

    col_item = pa.array(gi).dictionary_encode()
    col_sets = pa.array(gs, type=pa.list_(pa.dictionary(pa.int32(), pa.string())))
    med, ours, ref = paired(lambda: ag.alpha_per_class(col_item, col_sets),
                            lambda: ref_per_class_columns(col_item, col_sets), a.repeats)
    row("same, reference on Arrow dictionary columns (their codes as factorisation)", *med["ref"])
    row("same, emodata on Arrow dictionary columns", *med["ours"],
        f"ratio {med['ours'][0] / med['ref'][0]:.2f} wall; max |diff| "
        f"{max(abs(ours[k].value - v) for k, v in ref.items()):.1e}")

    dense, wall, cpu = clock(lambda: dense_per_class(gi, gr, gs))
    row("second line: krippendorff dense path (82 x 58k matrix per label + reliability_data)", wall, cpu,
        f"max |diff| {max(abs(ours[k].value - v) for k, v in dense.items()):.1e}")

    boot, wall, cpu = clock(lambda: ag.alpha_per_class(gi, gs, n_boot=a.n_boot, seed=1))
    widths = [e.high - e.low for e in boot.values() if e.defined]
    row(f"emodata alpha_per_class + {a.n_boot:,}-resample CIs, 28 labels", wall, cpu,
        f"mean CI width {np.mean(widths):.4f}")
    print(f"\n# ratios: CREMA-D {ratio_c:.2f} (target <= 1.0), GoEmotions per-class {ratio_g:.2f} (target <= 0.25)")

    if not a.no_e2e:
        end_to_end(a)
    print(f"\n# load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def end_to_end(a):
    sys.path.insert(0, str(HERE))
    from bench_convert import generate_goemotions as generate
    print("\n| `emodata agreement` end to end (1,000 resamples) | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "go", 58011)
        subprocess.run([sys.executable, "-m", "emodata.cli", "convert", "goemotions", str(tmp / "go"), "--out",
                        str(tmp / "root")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs = {"GoEmotions scale (58,011 comments, 82 raters, raw release format)": ["--corpus", "goemotions"]}
        crema = SHARED / "CREMA-D"
        if crema.exists():
            src = tmp / "crema"
            (src / "processedResults").mkdir(parents=True)
            for name, rel in (("SentenceFilenames.csv", "SentenceFilenames.csv"),
                              ("VideoDemographics.csv", "VideoDemographics.csv"),
                              ("tabulatedVotes.csv", "processedResults/tabulatedVotes.csv")):
                (src / rel).symlink_to(crema / name)
            subprocess.run([sys.executable, "-m", "emodata.cli", "convert", "cremad", str(src), "--out",
                            str(tmp / "root")], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs["CREMA-D (real votes, 7,442 clips, 3 condition sections)"] = ["--corpus", "cremad"]
        for name, args in runs.items():
            results = [run_cli(["agreement", str(tmp / "root"), *args, "--report", str(tmp / "rep.html")])
                       for _ in range(3)]
            wall, cpu, rss = (float(np.median([r[k] for r in results])) for k in range(3))
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
