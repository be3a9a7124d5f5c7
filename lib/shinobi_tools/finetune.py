"""``python -m shinobi_tools.finetune ARGS`` is ``shinobi-tools finetune ARGS``: the module form that
``accelerate launch -m`` and ``torchrun -m`` need. ``accelerate launch --cpu --num_processes N -m
shinobi_tools.finetune ...`` gives N CPU processes (gloo) here: accelerate itself starts one (it expects mpirun),
which starts the N workers.
"""

import sys

from shinobi_tools.cli import main
from shinobi_tools.models.vlm.parallel import relaunch, requested_processes

if __name__ == "__main__":
    processes = requested_processes()
    sys.exit(relaunch(processes, sys.argv[1:]) if processes > 1 else main(["finetune", *sys.argv[1:]]))
