"""``python -m shinobi_tools`` runs the ``shinobi-tools`` CLI."""

import sys

from shinobi_tools.cli import main

sys.exit(main())
