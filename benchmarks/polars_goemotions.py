"""The hand-written polars script a user would write instead of `emodata convert goemotions`.

Reads the three raw rating files, groups every comment's (rater, labels) ratings into a list,
computes the 28-label mean, joins the split TSVs and writes one Parquet file. It is the
reference of benchmarks/bench_convert.py: the fastest of the variants we tried (lazy scan and
sink, `concat_list` of 28 `when/then` for the labels, eager reads with `unpivot`), and it does
none of emodata's work (no checks, provenance, taxonomy, soft labels or VAD).
Usage: python benchmarks/polars_goemotions.py SRC OUT.parquet
"""
import sys

import polars as pl

EMOTIONS = ("admiration amusement anger annoyance approval caring confusion curiosity desire "
            "disappointment disapproval disgust embarrassment excitement fear gratitude grief joy "
            "love nervousness optimism pride realization relief remorse sadness surprise neutral").split()
META = ["text", "author", "subreddit", "link_id", "parent_id", "created_utc"]

src, out = sys.argv[1], sys.argv[2]
raw = pl.concat([pl.read_csv(f"{src}/full_dataset/goemotions_{i}.csv", schema_overrides={"id": pl.String,
                                                                                            "rater_id": pl.String})
                 for i in (1, 2, 3)]).with_row_index("row")
chosen = (raw.select("row", *EMOTIONS).unpivot(index="row", variable_name="label").filter(pl.col("value") == 1)
          .group_by("row").agg(labels=pl.col("label")))
comments = (raw.join(chosen, on="row", how="left")
            .group_by("id").agg(pl.col(META).first(), ratings=pl.struct("rater_id", "labels"),
                                **{e: pl.col(e).mean() for e in EMOTIONS}))
splits = pl.concat([pl.read_csv(f"{src}/{name}", separator="\t", has_header=False, quote_char=None,
                                new_columns=["split_text", "label_ids", "id"], schema_overrides={"label_ids": pl.String})
                    .with_columns(split=pl.lit(split))
                    for split, name in (("train", "train.tsv"), ("validation", "dev.tsv"), ("test", "test.tsv"))])
comments.join(splits.select("id", "split", "label_ids"), on="id", how="left").write_parquet(out)
