"""Dataset card: README.md with YAML ``configs`` (one per corpus, one data_files entry per split)."""
from __future__ import annotations

import pyarrow.parquet as pq
import yaml

from . import store
from .catalog import load_catalog

LICENCE_IDS = {  # catalog licence -> Hub licence id
    "Apache-2.0": "apache-2.0", "MIT": "mit", "GPL-3.0": "gpl-3.0", "CC-BY-4.0": "cc-by-4.0",
    "CC-BY-SA-4.0": "cc-by-sa-4.0", "CC-BY-NC-4.0": "cc-by-nc-4.0", "CC-BY-NC-SA-4.0": "cc-by-nc-sa-4.0",
    "ODbL-1.0": "odbl", "CC0-1.0": "cc0-1.0",
}


def render(root) -> str:
    """The card of the dataset at ``root`` (every corpus under ``root/data``)."""
    catalog = load_catalog()
    names = store.corpora(root)
    configs, sections, licences = [], [], set()
    for i, corpus in enumerate(names):
        info = catalog.get(corpus, {})
        licences.add(LICENCE_IDS.get(info.get("licence"), "other"))
        counts = {s: sum(pq.read_metadata(f).num_rows for f in store.corpus_files(root, corpus, s))
                  for s in store.splits(root, corpus)}
        config = {"config_name": corpus,
                  "data_files": [{"split": s, "path": f"data/{corpus}/{s}/*.parquet"} for s in counts]}
        if i == 0:
            config["default"] = True
        configs.append(config)
        prov = store.corpus_metadata(root, corpus)
        sections.append("\n".join([
            f"## {info.get('title', corpus)} (`{corpus}`)", "",
            f"- Modalities: {', '.join(info.get('modalities', []))}; languages: {', '.join(info.get('languages', []))}",
            f"- Licence: {info.get('licence', 'unknown')} ({info.get('access', 'see homepage')})",
            f"- Homepage: {info.get('homepage', '')}",
            "- Rows: " + ", ".join(f"{s} {n:,}" for s, n in counts.items()),
            f"- Converted by emodata converter `{prov.get('converter')}` v{prov.get('converter_version')} "
            f"on {prov.get('created')}; {len(prov.get('sources', {}))} source file(s) with SHA-256 in the Parquet metadata.",
            "", "```bibtex", info.get("citation", "").strip(), "```", ""]))
    header = {"license": licences.pop() if len(licences) == 1 else "other",
              "tags": ["emotion-recognition", "emodata"], "configs": configs}
    return "\n".join([
        "---", yaml.safe_dump(header, sort_keys=False).strip(), "---", "",
        "# Emotion corpora in the emodata schema", "",
        "Converted with [emodata](https://pypi.org/project/emodata/): one row per sample, every raw rating kept "
        "(`ratings`), soft labels over one taxonomy, valence/arousal/dominance on [-1, 1]. Schema: see "
        "`schemas/schema_v1.md` in emodata. Media files are not included; paths are relative to each corpus root.",
        "", "```python", "from datasets import load_dataset",
        f"ds = load_dataset(\"<this folder or repo id>\", \"{names[0] if names else '<corpus>'}\")", "```", "",
        *sections])
