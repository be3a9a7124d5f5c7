# Stage 2: replay each session's bk2s in stable-retro → frame-exact mp4s + per-frame states tables.


rule replay_session:
    input:
        bk2s=session_bk2s,
    output:
        replay=directory(f"{RESULTS}/replay/{{session}}"),
    params:
        bk2s=lambda wildcards, input: (
            session_files(wildcards, input.bk2s, ".bk2") if DATALAD else list(input.bk2s)
        ),
        game=config["game"],
        options=" ".join(
            [
                "" if config["replay"]["video"] else "--no-video",
                "--audio" if config["replay"]["audio"] else "",
                f"--preset {config['replay']['preset']}",
                f"--crf {config['replay']['crf']}",
                f"--fps {config['replay']['fps']}" if config["replay"]["fps"] else "",
            ]
        ),
    log:
        f"{RESULTS}/logs/replay/{{session}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/replay/{{session}}.tsv"
    threads: 2  # emulation and video encoding run in two processes
    resources:
        mem_mb=2000,
        runtime=lambda wildcards: 10 + 2 * len(SESSIONS[wildcards.session]),
    conda:
        "../envs/replay.yaml"
    shell:
        "python -m shinobi_tools replay {params.bk2s:q} --out-dir {output.replay:q} --game {params.game} "
        "{params.options} --quiet > {log:q} 2>&1"
