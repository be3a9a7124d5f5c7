"""The fast video pathway of the video LLM: every frame (or every 2nd one, ~30 fps) at the game's temporal resolution.

The language model's vision tower sees a few frames per second in detail (many tokens each). Beside it, the event
network (:class:`shinobi_tools.models.eventnet.EventNet`, the spotter's architecture with onset and active heads)
reads *every* fast frame; its per-frame output does two things:

* the **event head**: per event type, onsets, durations and confidences of the annotation
  (:class:`shinobi_tools.models.detect.Detector`): times from a dedicated head rather than digit tokens (TRACE,
  VideoExpert);
* the **fast tokens**: the hidden state and logits of the fast frames, pooled into ``tokens_per_step`` tokens per
  detailed frame, projected into the language model's embedding space and put right after that frame's tokens
  (``<time> <frame tokens> <fast> <fast>``), so the text reads the fast stream too (SlowFast tokens: LITA,
  LLaVA-Video). The placeholder ``<fast>`` gets its embedding through a hook on the input embeddings.

Modules: ``pathway`` (the pathway: run a video, detect, pool tokens, save / load), ``pretrain`` (its training on
whole runs, once, before the language model's steps; then frozen), ``tokens`` (projector, placeholder, injection
hook, the QA clips' token source). Saved as ``fast_pathway.pt`` in the model folder.
"""
