# Annotate retro-game recordings: bk2 replays → videos, per-frame states, events, datasets, models.
# Entry point only: the configuration, the stage rule files in pipeline order, and the final targets.
# The configuration is validated in common.smk (config/schema.yaml + consistency checks, one line on error).
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/replay.smk"
include: "workflow/rules/events.smk"
include: "workflow/rules/clips.smk"
include: "workflow/rules/dataset.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/spotter.smk"
include: "workflow/rules/vlm.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
