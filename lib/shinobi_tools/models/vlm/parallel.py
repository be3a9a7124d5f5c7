"""Data-parallel fine-tuning over N processes (``accelerate launch --num_processes N``; one GPU each, or CPU
processes with gloo): every process draws the same global batch, trains on its own shard of it, gradients are
averaged by DDP, losses are averaged for the log, and only the main process writes checkpoints, metrics and the
final model. With one process every function here is the identity.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import torch

from shinobi_tools.errors import ConfigError

#: Variables a launcher sets in each worker process (torchrun, accelerate's GPU launcher, mpirun).
_WORKER_VARIABLES = ("WORLD_SIZE", "LOCAL_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")


def requested_processes() -> int:
    """How many processes the module form's launch asks for: 1 inside a worker, else what ``accelerate launch --cpu
    --num_processes N`` asked of its single child (accelerate starts CPU processes only through mpirun, so the
    child reads N from its parent's command line and starts them itself)."""
    if any(name in os.environ for name in _WORKER_VARIABLES):
        return 1
    if os.environ.get("ACCELERATE_USE_CPU", "").lower() not in ("true", "1") or "MASTER_ADDR" not in os.environ:
        return 1
    try:
        parent = Path(f"/proc/{os.getppid()}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return 1
    for flag in ("--num_processes", "--num-processes"):
        if flag in parent[:-1]:
            value = parent[parent.index(flag) + 1]
            return int(value) if value.isdigit() else 1
    return 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def relaunch(processes: int, args: list[str]) -> int:
    """Run ``python -m shinobi_tools.finetune ARGS`` as ``processes`` local workers (ranks 0..N-1 on a free port;
    gloo on CPU, NCCL on GPUs) and return the first failing exit code (0 when all succeed). A worker that fails
    stops the others; Ctrl-C reaches every worker, which checkpoint and stop (this launcher waits for them)."""
    env = dict(os.environ, MASTER_ADDR=os.environ.get("MASTER_ADDR", "127.0.0.1"),
               MASTER_PORT=os.environ.get("MASTER_PORT", str(_free_port())), WORLD_SIZE=str(processes),
               LOCAL_WORLD_SIZE=str(processes))
    env.setdefault("ACCELERATE_USE_CPU", str(not torch.cuda.is_available()).lower())
    command = [sys.executable, "-m", "shinobi_tools.finetune", *args]
    workers = [subprocess.Popen(command, env=dict(env, RANK=str(rank), LOCAL_RANK=str(rank)))
               for rank in range(processes)]
    previous = signal.signal(signal.SIGINT, lambda *_: None)  # the workers handle Ctrl-C themselves
    try:
        while True:
            codes = [worker.poll() for worker in workers]
            failed = [code for code in codes if code not in (None, 0)]
            if failed or all(code == 0 for code in codes):
                break
            time.sleep(0.2)
        for worker in workers:  # the others usually fail the same way at once; a hung one is stopped
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.terminate()
                worker.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
    return failed[0] if failed else 0


def check_world(batch_size: int, world: int) -> None:
    """The global batch must split evenly over the processes (so that N processes train as one would)."""
    if batch_size % world:
        raise ConfigError(f"train.batch_size {batch_size} does not split over {world} processes; give a multiple of "
                          f"{world} (it is the global batch: each process takes batch_size / {world} examples)")


def shard(examples: list, accelerator) -> list:
    """This process's share of a global batch: every ``world``-th example from its rank."""
    return examples[accelerator.process_index::accelerator.num_processes]


def mean_over_processes(value: float, accelerator) -> float:
    """The mean of a per-process number over every process (the number itself with one process)."""
    if accelerator.num_processes == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=accelerator.device)
    return float(accelerator.reduce(tensor, reduction="mean").item())


def any_process(flag: bool, accelerator) -> bool:
    """True when any process raised ``flag`` (a signal seen by one stops every process at the same step)."""
    if accelerator.num_processes == 1:
        return flag
    tensor = torch.tensor([int(flag)], dtype=torch.int64, device=accelerator.device)
    return bool(accelerator.reduce(tensor, reduction="sum").item() > 0)
