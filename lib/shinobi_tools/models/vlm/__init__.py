"""Video LLMs for gameplay annotation: one code path for real SmolVLM2 / Qwen2.5-VL checkpoints, the offline
embedded SmolVLM (SmolLM2-135M + a small random vision encoder) and tiny random test models.

Modules: ``config`` (typed run config), ``frames`` (PyAV sampling, time markers), ``family`` (what every model
family provides), ``smolvlm`` / ``qwen2_5_vl`` (one family each), ``families`` (the table of families),
``prompt`` (chat rendering, answer-only labels), ``targets`` (answers shaped for training), ``data`` / ``batch``
(QA records, examples, batches), ``head`` (the per-frame event head), ``model`` (load / prepare / save),
``embedded`` (the offline base), ``tiny`` (test models), ``bases`` (the base a run starts from), ``train`` (the
fine-tuning loop), ``calibration`` (the head's decision settings), ``fast`` (the fast video pathway: every 2nd
frame through the event network, its head and its tokens), ``generate`` (windows and generation), ``decoding`` /
``annotate`` (whole-video annotation), ``synthetic`` (synthetic QA clips). Heavy dependencies (transformers, peft,
accelerate, gguf) are imported where they are used.
"""
