"""Shared pieces of the command modules: consoles, progress bar, extras, the ROOT argument."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

# command groups -> the extra that provides their third-party packages
EXTRAS = {"annotate": "labelstudio", "selfask": "llm", "pipeline": "pipelines", "curate": "curate"}


def console():
    from rich.console import Console
    return Console(stderr=True)


def out():
    from rich.console import Console
    return Console(width=None if sys.stdout.isatty() else 160)   # wide tables when piped


def progress():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console(), transient=False)


def need(module: str, group: str):
    """Import ``module``; a missing third-party package becomes one line naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name and e.name.split(".")[0] == "emodata":
            raise
        extra = EXTRAS.get(group, group)
        raise click.ClickException(f"'emodata {group}' needs {e.name or 'a package'} that is not installed: "
                                   f"pip install 'emodata[{extra}]'") from None


def root_argument():
    """An existing dataset root as the first positional argument, the same for every command."""
    return click.argument("root", type=click.Path(exists=True, file_okay=False, path_type=Path))


def read_ids(ids: str | None) -> list[str] | None:
    """``--ids a,b,c`` or ``--ids @FILE`` (one id per line) of annotate launch and selfask run."""
    if not ids:
        return None
    if ids.startswith("@"):
        try:
            return [line.strip() for line in Path(ids[1:]).read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError as e:
            raise click.ClickException(f"--ids {ids}: {e.strerror}") from None
    return [i.strip() for i in ids.split(",") if i.strip()]
