"""``python -m shinobi_tools.cli ARGS`` is ``shinobi-tools ARGS``."""

import sys

from shinobi_tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
