"""``python -m speedlab``: the same command line as the ``speedlab`` script."""

import sys

from speedlab.cli import main

sys.exit(main())
