"""`python -m qhub_cli ...` runs the `qhub` command."""

import sys

from qhub_cli.cli import main

if __name__ == "__main__":
    sys.exit(main())
