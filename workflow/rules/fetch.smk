# Stage 1: fetch each session's bk2s from a DataLad dataset (`datalad get`), only for the sessions the DAG needs.
# Defined only when the dataset root is a DataLad dataset (common.smk: DATALAD); a plain folder has no fetch jobs.
# The job copies the fetched bk2s into results/ as temp() files that the replay reads: the dataset's own files
# stay out of Snakemake's file checks (Snakemake 9 takes an annexed file without content, a broken symlink, for
# an existing file and then fails on its mtime), and a later `datalad drop` reruns nothing.


if DATALAD:

    rule fetch_session:
        output:
            bk2s=temp(directory(f"{RESULTS}/fetch/{{session}}")),
        params:
            dataset=DATASET,
            sources=lambda wildcards: [DATASET / RUNS[run].folder / f"{run}.bk2" for run in SESSIONS[wildcards.session]],
            # The annex keys (content hashes) of the bk2s: new content in the dataset reruns the session's jobs.
            annex_keys=fetch_keys,
        log:
            f"{RESULTS}/logs/fetch/{{session}}.log",
        conda:
            "../envs/datalad.yaml"
        # Downloads run where Snakemake runs (the login node on a cluster: compute nodes are offline).
        localrule: True
        # A file that cannot be fetched is one line of the log: the file, the failed command, DataLad's reason.
        shell:
            "python -m shinobi_tools fetch {params.sources:q} --dataset {params.dataset:q} --out-dir {output.bk2s:q} "
            "> {log:q} 2>&1"
