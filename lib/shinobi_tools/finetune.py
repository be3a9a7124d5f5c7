"""``python -m shinobi_tools.finetune ARGS`` is ``shinobi-tools finetune ARGS``: the module form that
``accelerate launch -m`` needs."""

import sys

from shinobi_tools.cli import main

if __name__ == "__main__":
    sys.exit(main(["finetune", *sys.argv[1:]]))
