# The report's figures: results table bars, per-test-run timelines, dataset statistics, the config used.
# `snakemake --report results/report.html` collects every output wrapped in report().

FIGURES = f"{RESULTS}/report"


rule report_f1_bars:
    input:
        metrics=rules.evaluate_metrics.output.metrics,
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
        truth=f"{RESULTS}/events/{{run}}_events.tsv",
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{{{run}}}}_events.tsv", model=models()),
    output:
        figure=report(
            f"{FIGURES}/timelines/{{run}}.png",
            caption="../report/timeline.rst",
            category="Timelines",
            labels={"run": "{run}"},
        ),
    params:
        models=lambda wildcards, input: " ".join(
            shlex.quote(f"{model}={path}") for model, path in zip(models(), input.predictions)
        ),
        game=GAME,
    log:
        f"{RESULTS}/logs/report/timeline_{{run}}.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot timeline truth={input.truth:q} {params.models} --title {wildcards.run} "
        "{params.game} --out {output.figure:q} > {log:q} 2>&1"


rule report_statistics:
    input:
        statistics=rules.dataset_build.output.statistics,
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
        video=f"{RESULTS}/replay/{RUNS_IN['test'][0]}.mp4" if RUNS_IN["test"] else [],
        truth=f"{RESULTS}/events/{RUNS_IN['test'][0]}_events.tsv" if RUNS_IN["test"] else [],
        predictions=expand(f"{PREDICTIONS}/{{model}}/{{run}}_events.tsv", model=models(), run=RUNS_IN["test"][:1]),
    output:
        preview=report(f"{FIGURES}/preview.gif", caption="../report/preview.rst", category="Evaluation"),
    params:
        sources=lambda wildcards, input: " ".join(shlex.quote(f"{m}={p}") for m, p in zip(models(), input.predictions)),
        length=config["report"]["preview_seconds"],
    log:
        f"{RESULTS}/logs/report/preview.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools preview {input.video:q} truth={input.truth:q} {params.sources} "
        "--length {params.length} --out {output.preview:q} > {log:q} 2>&1"


rule report_training_curves:
    input:
        spotter=rules.spotter_train.output.metrics if SPOTTER["enabled"] else [],
        vidllm=rules.vlm_train.output.final if VLM["enabled"] else [],
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
