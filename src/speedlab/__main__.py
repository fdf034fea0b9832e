"""``python -m speedlab``: the same command line as the ``speedlab`` script."""

import sys

from speedlab.cli import console

sys.exit(console())
