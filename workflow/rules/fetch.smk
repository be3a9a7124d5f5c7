# Stage 1: fetch each run's bk2 from a DataLad dataset (`datalad get`), only for the runs the DAG needs.
# Defined only when the dataset root is a DataLad dataset (common.smk: DATALAD); a plain folder has no fetch jobs.
# The job copies the fetched bk2 into results/ as a temp() file that the replay reads: the dataset's own files
# stay out of Snakemake's file checks (Snakemake 9 takes an annexed file without content, a broken symlink, for
# an existing file and then fails on its mtime), and a later `datalad drop` reruns nothing.


if DATALAD:

    rule fetch_bk2:
        output:
            bk2=temp(f"{RESULTS}/fetch/{{run}}.bk2"),
        params:
            dataset=DATASET,
            source=dataset_bk2,
            # The annex key (content hash) of the bk2: new content in the dataset reruns the run's jobs.
            key=fetch_key,
        log:
            f"{RESULTS}/logs/fetch/{{run}}.log",
        conda:
            "../envs/datalad.yaml"
        # Downloads run where Snakemake runs (the login node on a cluster: compute nodes are offline).
        localrule: True
        # On failure the log is one line: the file, the `datalad get` command that failed, DataLad's reason.
        shell:
            "if ! out=$(datalad get -d {params.dataset:q} {params.source:q} 2>&1); then"
            " echo \"error: {params.source}: content not available;"
            " \\`datalad get -d {params.dataset} {params.source}\\` failed:"
            " $(printf '%s' \"$out\" | grep -m1 -iE 'error|fail|unable' | tr -s '[:space:]' ' ' | sed 's/ $//')"
            " (check access to the dataset's siblings: datalad siblings -d {params.dataset})\" > {log};"
            " exit 1; fi; printf '%s\\n' \"$out\" > {log}; cp --dereference {params.source:q} {output.bk2:q}"
