"""A real single-node SLURM on localhost for the tests: munged, slurmctld and slurmd with their own files.

Debian's ``slurmctld slurmd slurm-client munge`` packages (``.ci/run`` installs them) run here without
systemd or cgroups. Everything lives in a temporary folder (munge key and socket, state, spool, logs, pid
files) except ``/etc/slurm/slurm.conf``: Snakemake's SLURM executor strips ``SLURM_CONF`` from the
environment of the ``srun`` that runs each job, so the config must be at the default place too. That file
is written only when absent or written by an earlier run of this helper (its first line is MARKER), and
removed again at the end. Every daemon is started in the foreground by this process and killed by its PID;
every command runs under ``timeout -s KILL``.

    with SlurmCluster(tmp_path) as cluster:    # raises ClusterUnavailable(reason) where it cannot run
        cluster.run("sbatch", "--wrap", "hostname")
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

MARKER = "# written by shinobi-tools tests/slurm_cluster.py; removed when the test ends"
SYSTEM_CONF = Path("/etc/slurm/slurm.conf")
DAEMONS = {"munged": "/usr/sbin/munged", "slurmctld": "/usr/sbin/slurmctld", "slurmd": "/usr/sbin/slurmd"}
CLIENTS = ("sbatch", "srun", "squeue", "scontrol", "sinfo")
#: The partition of the test cluster (what the test puts in place of the profile's partition).
PARTITION = "debug"
#: Fake GPUs declared on the node, so that rules asking for an A100 can be scheduled on a CPU-only machine.
GPUS = "gpu:a100:1"


class ClusterUnavailable(RuntimeError):
    """This machine cannot run the test cluster; the message says why (a test skips with it)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_programs() -> list[str]:
    return [name for name, path in DAEMONS.items() if not os.access(path, os.X_OK)] + [
        name for name in CLIENTS if shutil.which(name) is None
    ]


class SlurmCluster:
    def __init__(self, root: Path, cpus: int | None = None, memory_mb: int = 4000, timeout: int = 20):
        self.root = Path(root)
        self.cpus = cpus or os.cpu_count() or 1
        self.memory_mb = memory_mb
        self.timeout = timeout
        self.processes: dict[str, subprocess.Popen] = {}
        self.wrote_system_conf = False

    # -- set-up ---------------------------------------------------------------------------------------------

    def check(self) -> None:
        missing = missing_programs()
        if missing:
            raise ClusterUnavailable(
                f"SLURM is not installed ({', '.join(missing)} missing): "
                "apt-get install --no-install-recommends slurmctld slurmd slurm-client munge (.ci/run does)"
            )
        if os.geteuid() != 0:
            raise ClusterUnavailable("the single-node SLURM test runs as root (it writes /etc/slurm/slurm.conf)")
        for path in (SYSTEM_CONF, SYSTEM_CONF.parent / "gres.conf"):
            if path.exists() and not path.read_text().startswith(MARKER):
                raise ClusterUnavailable(f"{path} belongs to a real SLURM installation; not touching it")

    def write_config(self) -> str:
        r = self.root
        for folder in ("munge", "state", "spool", "log", "run"):
            (r / folder).mkdir(parents=True, exist_ok=True)
        (r / "munge").chmod(0o700)
        key = r / "munge" / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.socket = r / "munge" / "munge.socket"
        conf = f"""{MARKER}
ClusterName=shinobitest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket={self.socket}
CredType=cred/munge
StateSaveLocation={r / 'state'}
SlurmdSpoolDir={r / 'spool'}
SlurmctldPidFile={r / 'run' / 'slurmctld.pid'}
SlurmdPidFile={r / 'run' / 'slurmd.pid'}
SlurmctldLogFile={r / 'log' / 'slurmctld.log'}
SlurmdLogFile={r / 'log' / 'slurmd.log'}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
GresTypes=gpu
ReturnToService=2
# squeue must still see finished jobs when Snakemake's executor polls (no slurmdbd here, so no sacct).
MinJobAge=300
SchedulerType=sched/backfill
MpiDefault=none
MailProg=/bin/true
# Like the Alliance clusters: each job gets a node-local scratch folder in $SLURM_TMPDIR.
TaskProlog={r / 'task_prolog.sh'}
NodeName=localhost CPUs={self.cpus} RealMemory={self.memory_mb} Gres={GPUS} State=UNKNOWN
PartitionName={PARTITION} Nodes=localhost Default=YES MaxTime=INFINITE State=UP
"""
        (r / "slurm.conf").write_text(conf)
        prolog = r / "task_prolog.sh"
        prolog.write_text(f"#!/bin/sh\nmkdir -p {r / 'jobtmp'}/$SLURM_JOB_ID\necho export SLURM_TMPDIR={r / 'jobtmp'}/$SLURM_JOB_ID\n")
        prolog.chmod(0o755)
        (r / "gres.conf").write_text(f"{MARKER}\nNodeName=localhost Name=gpu Type=a100 File=/dev/null\n")
        return conf

    def start(self) -> SlurmCluster:
        self.check()
        conf = self.write_config()
        SYSTEM_CONF.parent.mkdir(parents=True, exist_ok=True)
        SYSTEM_CONF.write_text(conf)
        (SYSTEM_CONF.parent / "gres.conf").write_text((self.root / "gres.conf").read_text())
        self.wrote_system_conf = True
        r = self.root
        self.env = {**os.environ, "SLURM_CONF": str(SYSTEM_CONF)}
        self._spawn("munged", [DAEMONS["munged"], "--foreground", "--force", "--key-file", str(r / "munge" / "munge.key"),
                               "--socket", str(self.socket), "--pid-file", str(r / "run" / "munged.pid"),
                               "--seed-file", str(r / "munge" / "munge.seed"), "--log-file", str(r / "log" / "munged.log")])
        self._wait(lambda: self.socket.exists(), "munged did not create its socket")
        self._spawn("slurmctld", [DAEMONS["slurmctld"], "-D", "-i", "-f", str(SYSTEM_CONF)])
        self._spawn("slurmd", [DAEMONS["slurmd"], "-D", "-f", str(SYSTEM_CONF)])
        self._wait(self._node_idle, "the node did not become idle")
        return self

    def _spawn(self, name: str, command: list[str]) -> None:
        with open(self.root / "log" / f"{name}.out", "w") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                                    start_new_session=True)

    def _node_idle(self) -> bool:
        result = self.run("sinfo", "--noheader", "--format=%T", check=False)
        return result.returncode == 0 and result.stdout.strip() in ("idle", "mixed")

    def _wait(self, ready, message: str) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise ClusterUnavailable(f"{name} exited with {process.returncode}: {self.logs()}")
            if ready():
                return
            time.sleep(0.2)
        raise ClusterUnavailable(f"{message} within {self.timeout} s: {self.logs()}")

    # -- use ------------------------------------------------------------------------------------------------

    def run(self, *command: str, timeout: int = 30, check: bool = True) -> subprocess.CompletedProcess:
        """A SLURM client command, killed after ``timeout`` seconds."""
        return subprocess.run(["timeout", "-s", "KILL", str(timeout), *command], capture_output=True, text=True,
                              env=self.env, check=check)

    def logs(self) -> str:
        tails = []
        for path in sorted((self.root / "log").glob("*")):
            lines = path.read_text(errors="replace").strip().splitlines()[-5:]
            tails.append(f"[{path.name}] " + " | ".join(lines))
        return " ".join(tails)

    # -- tear-down ------------------------------------------------------------------------------------------

    def stop(self) -> None:
        if "slurmctld" in self.processes and self.processes["slurmctld"].poll() is None:
            self.run("scancel", f"--partition={PARTITION}", timeout=10, check=False)  # jobs left by a failed test
        for name in ("slurmd", "slurmctld", "munged"):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)
        if self.wrote_system_conf:
            for path in (SYSTEM_CONF, SYSTEM_CONF.parent / "gres.conf"):
                if path.exists() and path.read_text().startswith(MARKER):
                    path.unlink()
            self.wrote_system_conf = False

    def __enter__(self) -> SlurmCluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()
