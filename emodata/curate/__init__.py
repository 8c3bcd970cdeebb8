"""Curation: rater models (:mod:`.raters`), likely label errors (:mod:`.labels`), duplicates and
split leakage across corpora (:mod:`.duplicates`) and the HTML curation report (:mod:`.report`).

Rater models come from crowd-kit, label-quality scores from cleanlab (the ``curate`` extra);
duplicate finding needs only DuckDB (text) plus imagehash (images, frames) and Chromaprint's
``fpcalc`` (audio). See docs/curation.md.
"""
