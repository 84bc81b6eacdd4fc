"""``python -m turnout``: the command line."""

import sys

from turnout.cli import main

sys.exit(main())
