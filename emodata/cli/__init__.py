"""The ``emodata`` command line: one module per command group, imported when the group is used.

The listing (``emodata``, ``emodata --help``) imports only these small modules, never an extra;
a command whose extra is missing says which ``pip install`` line to run when it is invoked.
Conventions: a command that reads an existing dataset root takes it as the first positional
argument ``ROOT``; commands that create one (convert, demo, merge) take ``--out``.
"""
from __future__ import annotations

import importlib
import sys

import click

# command name -> (module in emodata.cli, attribute)
COMMANDS = {
    "catalog": ("data", "catalog"),
    "convert": ("data", "convert"),
    "stats": ("data", "stats"),
    "query": ("data", "query"),
    "relabel": ("data", "relabel"),
    "compact": ("data", "compact"),
    "export": ("data", "export"),
    "push": ("data", "push"),
    "demo": ("data", "demo"),
    "merge": ("merge", "merge"),
    "split": ("split", "split"),
    "agreement": ("agreement", "agreement"),
    "annotate": ("annotate", "annotate"),
    "selfask": ("selfask", "selfask"),
    "pipeline": ("pipeline", "pipeline"),
    "curate": ("curate", "curate"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)

    def resolve_command(self, ctx, args):
        name = click.utils.make_str(args[0]) if args else None
        if name is not None and name not in COMMANDS and not name.startswith("-"):
            import difflib
            close = difflib.get_close_matches(name, COMMANDS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            ctx.fail(f"No such command '{name}'.{hint} (emodata --help lists them)")
        return super().resolve_command(ctx, args)


@click.group(cls=LazyGroup)
@click.version_option(package_name="emodata")
def main():
    """emodata: emotion corpora in one Arrow/Parquet schema."""


if __name__ == "__main__":
    sys.exit(main())
