"""``emodata merge``: a multi-corpus training mix projected onto one target label set.

Every row's soft label is projected with :meth:`Taxonomy.project`: fine terms move to their
basic parent, mass with no place in the target set is dropped and the rest renormalised.
Rows whose whole mass is dropped (or that have no label) are left out and counted. With the
target ``va`` only rows with valence and arousal are kept and the categorical fields are
cleared. Native labels, ratings and ids are kept; the pre-merge canonical label, labels, soft
label and the dropped mass go to ``extra["premerge"]``, the source provenance and merge
settings to the Parquet metadata. The mix is a new dataset root (``data/<corpus>/<split>/``,
written to a temporary folder and renamed into place) with a report of what maps where
(``reports/merge.json``, ``reports/merge.md``).
"""
from __future__ import annotations

import functools
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from . import aggregate, store
from . import root as root_paths
from .schema import SCHEMA, file_metadata
from .taxonomy import get_taxonomy

VA = "va"
DROPPED = "(dropped)"


class MergeError(Exception):
    pass


def _target_labels(target: str) -> list[str] | None:
    """Labels of a named set or comma list; ``None`` for ``va``."""
    if target == VA:
        return None
    tax = get_taxonomy()
    try:
        return tax.label_set(target.split(",") if "," in target else target)
    except KeyError as e:
        raise MergeError(str(e.args[0])) from None


@functools.cache
def _destination(term: str, target: tuple[str, ...]) -> str | None:
    """Where one canonical term lands in the target set (itself, its basic parent, or nowhere)."""
    projected, _ = get_taxonomy().project({term: 1.0}, list(target))
    return next(iter(projected), None)


class _CorpusReport:
    def __init__(self):
        self.rows_in = self.rows_out = 0
        self.excluded: Counter = Counter()
        self.mass_in = self.mass_dropped = 0.0
        self.mapping: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
        self.labels_out: Counter = Counter()
        self.splits_out: Counter = Counter()

    def as_dict(self) -> dict:
        return {"rows_in": self.rows_in, "rows_out": self.rows_out, "excluded": dict(self.excluded),
                "mass_in": round(self.mass_in, 6), "mass_dropped": round(self.mass_dropped, 6),
                "mass_dropped_fraction": round(self.mass_dropped / self.mass_in, 6) if self.mass_in else 0.0,
                "mapping": [{"source": s, "target": t, "rows": int(n), "mass": round(m, 6)}
                            for (s, t), (n, m) in sorted(self.mapping.items())],
                "labels_out": dict(self.labels_out.most_common()), "splits_out": dict(sorted(self.splits_out.items()))}


def _project_row(row: dict, target: tuple[str, ...] | None, annotated_only: bool, rep: _CorpusReport) -> dict | None:
    """The merged row, or ``None`` (and the reason counted) when it is left out."""
    extra = json.loads(row["extra"]) if row["extra"] else {}
    if target is None:
        if row["valence"] is None or row["arousal"] is None:
            rep.excluded["no valence/arousal"] += 1
            return None
        if annotated_only and row["vad_source"] != "annotated":
            rep.excluded["valence/arousal mapped, not annotated"] += 1
            return None
        rep.mapping[(row["vad_source"] or "unknown", VA)][0] += 1
        extra["premerge"] = {"label": row["label"], "labels": row["labels"],
                             "soft_label": {e["label"]: e["prob"] for e in row["soft_label"] or []}}
        return {**row, "label": None, "labels": None, "soft_label": None,
                "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True)}
    soft = {e["label"]: e["prob"] for e in row["soft_label"] or [] if e["prob"] > 0}
    if not soft:
        rep.excluded["no label"] += 1
        return None
    rep.mass_in += sum(soft.values())
    for term, p in soft.items():
        cell = rep.mapping[(term, _destination(term, target) or DROPPED)]
        cell[0] += 1
        cell[1] += p
    projected, dropped = get_taxonomy().project(soft, list(target))
    rep.mass_dropped += dropped
    if not projected:
        rep.excluded["all mass dropped"] += 1
        return None
    derived = aggregate.derive(soft=projected)          # the label rule; VAD stays as converted
    labels = None
    if row["labels"]:
        labels = list(dict.fromkeys(d for t in row["labels"] if (d := _destination(t, target))))
    extra["premerge"] = {"label": row["label"], "labels": row["labels"], "soft_label": soft,
                         "dropped_mass": round(dropped, 6)}
    return {**row, "label": derived.label, "labels": labels or None,
            "soft_label": [{"label": k, "prob": v} for k, v in derived.soft.items()],
            "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True)}


EDITED = ("label", "labels", "soft_label", "extra")
READ = (*EDITED, "valence", "arousal", "vad_source")


def _project_batch(table: pa.Table, target: tuple[str, ...] | None, annotated_only: bool,
                   rep: _CorpusReport) -> pa.Table:
    """Project one batch; only the label columns and ``extra`` are rebuilt (ratings stay Arrow)."""
    rows = table.select(list(READ)).to_pylist()
    keep, new_cols = [], {c: [] for c in EDITED}
    for row in rows:
        rep.rows_in += 1
        new = _project_row(row, target, annotated_only, rep)
        keep.append(new is not None)
        if new is not None:
            rep.labels_out[new["label"] or ("(va)" if target is None else "(tie)")] += 1
            for c in EDITED:
                new_cols[c].append(new[c])
    table = table.filter(pa.array(keep, pa.bool_()))
    for c in EDITED:
        table = table.set_column(SCHEMA.get_field_index(c), SCHEMA.field(c),
                                 pa.array(new_cols[c], SCHEMA.field(c).type))
    return table


def merge(roots: Sequence[str | Path], dest: str | Path, target: str, *, corpora: Iterable[str] | None = None,
          splits: Iterable[str] | None = None, annotated_only: bool = False, overwrite: bool = False,
          duplicates: str = "report", duplicate_kinds: Sequence[str] = ("text",)) -> dict:
    """Write the mix of ``corpora`` (default: all) from ``roots`` to ``dest``; returns the report.

    ``duplicates``: what to do with rows that have a duplicate in another corpus
    (:class:`emodata.curate.duplicates.MergeDuplicates`: report, drop, group or off); the
    duplicate table goes to ``reports/duplicates/`` of the mix."""
    from .curate.duplicates import MERGE_ACTIONS, MergeDuplicates
    if duplicates not in MERGE_ACTIONS:
        raise MergeError(f"duplicates must be one of {', '.join(MERGE_ACTIONS)}, not {duplicates!r}")
    labels = _target_labels(target)
    target_key = tuple(labels) if labels is not None else None
    dest = Path(dest)
    if dest.exists() and not overwrite:
        raise MergeError(f"{dest} exists; choose another --out or pass --overwrite")
    wanted = set(corpora) if corpora else None
    sources: dict[str, Path] = {}
    for root in map(Path, roots):
        for corpus in store.corpora(root):
            if wanted is not None and corpus not in wanted:
                continue
            if corpus in sources:
                raise MergeError(f"corpus {corpus!r} is in both {sources[corpus]} and {root}")
            sources[corpus] = root
    missing = (wanted or set()) - set(sources)
    if missing or not sources:
        raise MergeError(f"corpora not found in {', '.join(map(str, roots))}: {sorted(missing) or 'none converted'}")
    split_filter = set(splits) if splits else None
    reports: dict[str, _CorpusReport] = {}
    with root_paths.atomic_dir(dest) as tmp:
        dup = None if duplicates == "off" else MergeDuplicates(
            sources, root_paths.reports_dir(tmp) / "duplicates", duplicates, duplicate_kinds)
        for corpus, root in sorted(sources.items()):
            rep = reports[corpus] = _CorpusReport()
            prov = store.corpus_metadata(root, corpus)
            meta = file_metadata(corpus, {**{k: v for k, v in prov.items() if k not in ("schema_version", "corpus")},
                                          "merge": {"target": target, "target_labels": labels,
                                                    "annotated_only": annotated_only,
                                                    "source_dataset": str(root.resolve())}})
            for split in store.splits(root, corpus):
                if split_filter is not None and split not in split_filter:
                    continue
                writer = None
                for batch in store.iter_batches(root, corpus, split):
                    table = pa.Table.from_batches([batch])
                    if dup is not None:
                        kept = dup.apply(table)
                        if kept.num_rows < table.num_rows:
                            rep.rows_in += table.num_rows - kept.num_rows
                            rep.excluded["duplicate in another corpus"] += table.num_rows - kept.num_rows
                        table = kept
                    table = _project_batch(table, target_key, annotated_only, rep)
                    if table.num_rows:
                        if writer is None:
                            part = root_paths.corpus_dir(tmp, corpus) / split / store.part_name(0)
                            part.parent.mkdir(parents=True)
                            writer = pq.ParquetWriter(part, SCHEMA, **store.WRITE_OPTIONS)
                        writer.write_table(table)
                        rep.rows_out += table.num_rows
                        rep.splits_out[split] += table.num_rows
                if writer is not None:
                    writer.add_key_value_metadata(meta)
                    writer.close()
        if not any(r.rows_out for r in reports.values()):
            raise MergeError(f"no row has a place in target {target!r}; nothing written")
        report = {"target": target, "target_labels": labels, "annotated_only": annotated_only,
                  "splits": sorted(split_filter) if split_filter else "all",
                  "sources": {c: str(r) for c, r in sorted(sources.items())},
                  "corpora": {c: r.as_dict() for c, r in reports.items()},
                  "duplicates": dup.summary if dup is not None else None}
        root_paths.atomic_write_text(root_paths.reports_dir(tmp) / "merge.json", json.dumps(report, indent=2))
        root_paths.atomic_write_text(root_paths.reports_dir(tmp) / "merge.md", report_markdown(report))
        root_paths.write_card(tmp)
    return report


def report_markdown(report: dict) -> str:
    labels = ", ".join(report["target_labels"] or ["valence", "arousal"])
    lines = [f"# Merge report: target `{report['target']}` ({labels})", "",
             "| corpus | rows in | rows out | excluded | mass dropped |", "|---|---|---|---|---|"]
    for corpus, r in report["corpora"].items():
        excl = ", ".join(f"{k} {v}" for k, v in r["excluded"].items()) or "0"
        lines.append(f"| {corpus} | {r['rows_in']} | {r['rows_out']} | {excl} | "
                     f"{r['mass_dropped']:.2f} ({100 * r['mass_dropped_fraction']:.1f}%) |")
    for corpus, r in report["corpora"].items():
        lines += ["", f"## {corpus}", "", "| source | target | rows | mass |", "|---|---|---|---|"]
        lines += [f"| {m['source']} | {m['target']} | {m['rows']} | {m['mass']:.2f} |" for m in r["mapping"]]
    dup = report.get("duplicates")
    if dup:
        lines += ["", f"## Duplicates across corpora ({', '.join(dup['kinds'])}; action: {dup['action']})", "",
                  f"{dup['rows']} rows in {dup['groups']} groups; {dup['dropped']} dropped.", "",
                  "| corpus a | split a | corpus b | split b | kind | n | leakage |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {p['corpus_a']} | {p['split_a']} | {p['corpus_b']} | {p['split_b']} | {p['kind']} | {p['n']} | "
                  f"{'yes' if p['leakage'] else ''} |" for p in dup["pairs"]]
    return "\n".join(lines) + "\n"
