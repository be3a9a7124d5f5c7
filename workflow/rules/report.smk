# The report's figures: results table bars, per-test-run timelines, dataset statistics, the config used.
# `snakemake --report results/report.html` collects every output wrapped in report().

FIGURES = f"{RESULTS}/report"
if RUNS_IN["train"] and RUNS_IN["test"]:
    DATASET_TARGETS.extend(
        [f"{FIGURES}/f1_bars.png", f"{FIGURES}/split_statistics.png", f"{FIGURES}/config.yaml"]
        + [f"{FIGURES}/preview.gif"]
        + ([f"{FIGURES}/training_curves.png"] if SPOTTER["enabled"] or VLM["enabled"] else [])
        + expand(f"{FIGURES}/timelines/{{run}}.png", run=RUNS_IN["test"])
    )


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
        "python -m shinobi_tools plot f1 {input.metrics} --out {output.figure} > {log} 2>&1"


rule report_timeline:
    input:
        truth=f"{RESULTS}/events/{{run}}_events.tsv",
        predictions=lambda wildcards: expand(f"{PREDICTIONS}/{{model}}/{wildcards.run}_events.tsv", model=MODELS),
    output:
        figure=report(
            f"{FIGURES}/timelines/{{run}}.png",
            caption="../report/timeline.rst",
            category="Timelines",
            labels={"run": "{run}"},
        ),
    params:
        models=lambda wildcards: " ".join(
            f"{model}={PREDICTIONS}/{model}/{wildcards.run}_events.tsv" for model in MODELS
        ),
    log:
        f"{RESULTS}/logs/report/timeline_{{run}}.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot timeline truth={input.truth} {params.models} --title {wildcards.run} "
        "--out {output.figure} > {log} 2>&1"


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
        "python -m shinobi_tools plot stats {input.statistics} --out {output.figure} > {log} 2>&1"


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
        predictions=lambda wildcards: expand(f"{PREDICTIONS}/{{model}}/{RUNS_IN['test'][0]}_events.tsv", model=MODELS),
    output:
        preview=report(f"{FIGURES}/preview.gif", caption="../report/preview.rst", category="Evaluation"),
    params:
        sources=lambda wildcards, input: " ".join(f"{m}={p}" for m, p in zip(MODELS, input.predictions)),
        length=config["report"]["preview_seconds"],
    log:
        f"{RESULTS}/logs/report/preview.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools preview {input.video} truth={input.truth} {params.sources} --length {params.length} "
        "--out {output.preview} > {log} 2>&1"


rule report_training_curves:
    input:
        spotter=rules.train_spotter.output.metrics if SPOTTER["enabled"] else [],
        vidllm=rules.train_finetune.output.final if VLM["enabled"] else [],
    output:
        figure=report(f"{FIGURES}/training_curves.png", caption="../report/training_curves.rst", category="Method"),
    params:
        # The video LLM's metrics.tsv sits beside final/ (not an output: it must survive a resumed job).
        curves=lambda wildcards, input: " ".join(
            ([f"spotter={input.spotter}"] if input.spotter else [])
            + ([f"vidllm={Path(input.vidllm).parent / 'metrics.tsv'}"] if input.vidllm else [])
        ),
    log:
        f"{RESULTS}/logs/report/training_curves.log",
    conda:
        "../envs/events.yaml"
    shell:
        "python -m shinobi_tools plot curves {params.curves} --out {output.figure} > {log} 2>&1"
