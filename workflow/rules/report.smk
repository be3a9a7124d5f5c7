# The report's figures: results table bars, timelines of a sample of test runs (report.timelines), dataset
# statistics, the config used.
# `snakemake --report results/report.html` collects every output wrapped in report().

FIGURES = f"{RESULTS}/report"


rule report_f1_bars:
    input:
        metrics=f"{RESULTS}/evaluation/metrics.tsv",
    output:
        figure=report(f"{FIGURES}/f1_bars.png", caption="../report/f1_bars.rst", category="Evaluation"),
    log:
        f"{RESULTS}/logs/report/f1_bars.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot f1 {input.metrics:q} --out {output.figure:q} > {log:q} 2>&1"


rule report_timeline:
    input:
        events=lambda wildcards: f"{RESULTS}/events/{RUNS[wildcards.run].session_folder}",
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{{{run}}}}_events.tsv", model=models()),
    output:
        figure=report(
            f"{FIGURES}/timelines/{{run}}.png",
            caption="../report/timeline.rst",
            category="Timelines",
            labels={"run": "{run}"},
        ),
    params:
        truth=lambda wildcards: run_file("events", wildcards.run, "_events.tsv"),
        models=lambda wildcards, input: " ".join(
            shlex.quote(f"{model}={path}") for model, path in zip(models(), input.predictions)
        ),
        game=GAME,
    log:
        f"{RESULTS}/logs/report/timeline_{{run}}.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot timeline truth={params.truth:q} {params.models} --title {wildcards.run} "
        "{params.game} --out {output.figure:q} > {log:q} 2>&1"


rule report_statistics:
    input:
        statistics=f"{DATASET_OUT}/statistics.tsv",
    output:
        figure=report(f"{FIGURES}/split_statistics.png", caption="../report/statistics.rst", category="Dataset"),
    log:
        f"{RESULTS}/logs/report/statistics.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot stats {input.statistics:q} --out {output.figure:q} > {log:q} 2>&1"


rule report_config:
    output:
        config=report(f"{FIGURES}/config.yaml", caption="../report/config.rst", category="Method"),
    params:
        resolved=lambda wildcards: yaml.safe_dump(config, sort_keys=False),
    log:
        f"{RESULTS}/logs/report/config.log",
    run:
        Path(output.config).write_text(params.resolved)


rule report_preview:
    input:
        replay=expand(f"{RESULTS}/replay/{{session}}", session=sessions_of(PREVIEW_RUN)),
        events=expand(f"{RESULTS}/events/{{session}}", session=sessions_of(PREVIEW_RUN)),
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{run}}_events.tsv", model=models(), run=PREVIEW_RUN),
    output:
        preview=report(f"{FIGURES}/preview.gif", caption="../report/preview.rst", category="Evaluation"),
    params:
        video=[run_file("replay", run, ".mp4") for run in PREVIEW_RUN],
        truth=[run_file("events", run, "_events.tsv") for run in PREVIEW_RUN],
        sources=lambda wildcards, input: " ".join(shlex.quote(f"{m}={p}") for m, p in zip(models(), input.predictions)),
        length=config["report"]["preview_seconds"],
    log:
        f"{RESULTS}/logs/report/preview.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools preview {params.video:q} truth={params.truth:q} {params.sources} "
        "--length {params.length} --out {output.preview:q} > {log:q} 2>&1"


rule report_training_curves:
    input:
        spotter=f"{RESULTS}/models/spotter/metrics.tsv" if SPOTTER["enabled"] else [],
        vidllm=f"{VLM_OUT}/final" if VLM["enabled"] else [],
    output:
        figure=report(f"{FIGURES}/training_curves.png", caption="../report/training_curves.rst", category="Method"),
    params:
        # The video LLM's training metrics are inside its final/ folder (the declared input).
        curves=lambda wildcards, input: " ".join(
            ([shlex.quote(f"spotter={input.spotter}")] if input.spotter else [])
            + ([shlex.quote(f"vidllm={Path(input.vidllm) / 'metrics.tsv'}")] if input.vidllm else [])
        ),
    log:
        f"{RESULTS}/logs/report/training_curves.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot curves {params.curves} --out {output.figure:q} > {log:q} 2>&1"
