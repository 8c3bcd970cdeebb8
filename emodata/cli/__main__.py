"""``python -m emodata.cli``."""
import sys

from . import main

sys.exit(main(prog_name="emodata"))
