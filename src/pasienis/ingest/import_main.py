"""Entry point of an isolated import (``python -m pasienis.ingest.import_main PID``).

A module of its own, not imported by the package, so that running it as ``__main__`` does not
load :mod:`pasienis.ingest.isolated` twice.
"""

import sys

from pasienis.ingest.isolated import child_main

if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
