"""FER+ (Barsoum et al. 2016): FER2013 faces re-labelled by 10 crowd taggers each.

Native layout (the microsoft/FERPlus repo after ``generate_training_data.py``):
``fer2013new.csv`` (Usage, Image name, 10 vote columns) and, when generated, the images
``data/FER2013{Train,Valid,Test}/ferNNNNNNN.png`` with their ``label.csv`` (face box and
votes). Every row of fer2013new.csv is kept: the 173 rows with an empty image name
(judged not usable) keep their votes with ``image_path`` empty. Votes become anonymous
ratings; ``unknown`` and ``NF`` (not a face) votes are kept but carry no emotion label.
The native id ``ferNNNNNNN`` is the 0-based row of fer2013new.csv, which is the row of the
original fer2013.csv (the ``fer2013`` converter uses the same ids, so the two join). Quirk: the
image names are *not* that row number after the first unusable row, and four names occur on
two rows each (fer0006953, fer0008403, fer0011785, fer0033120); names are kept verbatim.
"""
import polars as pl

from emodata.columnar import LOC, Columns, int_rule, ints, repr_message
from emodata.convert import Converter

VOTES = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF")
USAGE = {"Training": ("train", "FER2013Train"), "PublicTest": ("validation", "FER2013Valid"),
         "PrivateTest": ("test", "FER2013Test")}


class FerPlus(Converter):
    name = "ferplus"
    label_map = {"neutral": "neutral", "happiness": "happiness", "surprise": "surprise", "sadness": "sadness",
                 "anger": "anger", "disgust": "disgust", "fear": "fear", "contempt": "contempt",
                 "unknown": None, "NF": None}
    defaults = {"modalities": ["image"], "perspective": "perceived", "elicitation": "natural"}

    def samples(self, ctx):
        cols = Columns(ctx)
        labels = [f"data/{folder}/label.csv" for _, folder in USAGE.values()]
        present = [rel for rel in labels if (ctx.src / rel).exists()]
        # face boxes by image name; a name listed twice keeps its last box, as a dict does
        boxes = (cols.read(*present, fieldnames=["image", "box", *VOTES]).select("image", "box")
                 .unique("image", keep="last") if present else pl.DataFrame(schema={"image": pl.String, "box": pl.String}))
        frame = cols.read("fer2013new.csv", columns=["Usage", "Image name", *VOTES],
                          expect="FER+ votes file from the FERPlus repo")
        frame = cols.check(frame, (~pl.col("Usage").is_in(list(USAGE)),
                                   repr_message(f"Usage {{!r}} is not one of {sorted(USAGE)}", "Usage")),
                           *(int_rule(v) for v in VOTES),
                           (pl.any_horizontal(ints(v) < 0 for v in VOTES), "vote counts must be non-negative integers"))
        image = pl.col("Image name")
        frame = (frame.with_columns(*(ints(v).alias(v) for v in VOTES), row=cols.lines(frame[LOC]) - 2)
                 .join(boxes, left_on="Image name", right_on="image", how="left", maintain_order="left"))
        native_id = pl.format("fer{}", pl.col("row").cast(pl.String).str.zfill(7))   # row of the original fer2013.csv
        samples = frame.select(
            native_id.alias("native_id"), LOC, split=pl.col("Usage").replace_strict({k: v[0] for k, v in USAGE.items()}),
            image_path=pl.when(image != "").then(pl.format("data/{}/{}", pl.col("Usage").replace_strict(
                {k: v[1] for k, v in USAGE.items()}), image)),
            extra=pl.struct(fer2013_row="row", usable=image != "", votes=pl.struct(VOTES), face_box="box"))
        # every vote an anonymous rating, in the order of the columns
        ratings = (frame.select(native_id.alias("native_id"), LOC, *VOTES).with_row_index("_r")
                   .unpivot(on=list(VOTES), index=["_r", "native_id", LOC], variable_name="native", value_name="n")
                   .with_columns(order=pl.col("native").replace_strict({v: i for i, v in enumerate(VOTES)}))
                   .sort("_r", "order").filter(pl.col("n") > 0)
                   .with_columns(pl.int_ranges("n").alias("n")).explode("n")
                   .select("native_id", LOC, "native", labels=pl.concat_list("native")))
        yield cols.rows(samples, ratings, drop_null_extra=True)


CONVERTER = FerPlus()
