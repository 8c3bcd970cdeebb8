"""The built wheel carries the data the package reads at run time."""
import subprocess
import sys
import zipfile

from corpus_fixtures import REPO


def test_wheel_contains_package_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("emodata-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("emodata/catalog.yaml", "emodata/schemas/taxonomy.yaml", "emodata/schemas/russell_mehrabian_1977.csv",
                   "emodata/schemas/schema_v1.md", "emodata/demo/ATTRIBUTION.md", "emodata/demo/ferplus/fer2013new.csv",
                   "emodata/demo/goemotions/full_dataset/goemotions_1.csv", "emodata/converters/meld.py",
                   "emodata/annotation/templates/selfask/cfsa.yaml", "emodata/annotation/templates/agreement_report.html",
                   "emodata/pipelines/runner.py", "emodata/pipelines/native.py", "emodata/cli/__main__.py",
                   "emodata/cli/data.py", "emodata/curate/templates/curation_report.html", "emodata/components.py"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "converters/", "shared/")) for n in names)


def test_demo_converts_the_bundled_excerpts(tmp_path):
    from click.testing import CliRunner

    from emodata.cli import main
    from emodata.store import read_table
    res = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert read_table(tmp_path / "demo", "ferplus").num_rows == 300
    goemotions = read_table(tmp_path / "demo", "goemotions")
    assert goemotions.filter(goemotions["split"].to_numpy() == "validation").num_rows == 200
    assert sum(len(r) for r in goemotions["ratings"].to_pylist()) == 120
    assert "config_name: goemotions" in (tmp_path / "demo" / "README.md").read_text()
    assert "Output:" in res.output
