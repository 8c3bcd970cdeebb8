"""The script a user would write instead of `emodata convert mspodcast`, with polars and json.

Reads labels_consensus.csv, flattens labels_detailed.json into one row per rating (a list
comprehension of tuples: as fast as appending to column lists, and shorter), groups each
segment's ratings into a list of structs, joins them to the consensus rows and writes one
Parquet file. It does none of emodata's work (no checks with file:line errors, no provenance,
taxonomy, soft labels, rescaled VAD or raw rater records).
Usage: python benchmarks/polars_mspodcast.py SRC OUT.parquet
"""
import json
import sys

import polars as pl

src, out = sys.argv[1], sys.argv[2]
consensus = pl.read_csv(f"{src}/Labels/labels_consensus.csv", null_values=["Unknown"],
                        schema_overrides={"SpkrID": pl.String})
with open(f"{src}/Labels/labels_detailed.json", encoding="utf-8") as f:
    detailed = json.load(f)
rows = [(name, worker, r["EmoClass_Major"], r["EmoAct"], r["EmoVal"], r["EmoDom"])
        for name, raters in detailed.items() for worker, r in raters.items()]
ratings = (pl.DataFrame(rows, schema=["FileName", "rater", "major", "act", "val", "dom"], orient="row")
           .group_by("FileName").agg(ratings=pl.struct("rater", "major", "act", "val", "dom")))
consensus.join(ratings, on="FileName", how="left").write_parquet(out)
