"""Entry point of the import's writer process (``python -m pasienis.ingest.writer_main PID``).

A module of its own, not imported by the package, so that running it as ``__main__`` does not
load :mod:`pasienis.ingest.writer` twice.
"""

import sys

from pasienis.ingest.writer import child_main

if __name__ == "__main__":
    sys.exit(child_main(int(sys.argv[1])))
