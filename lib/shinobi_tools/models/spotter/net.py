"""The spotter's network: the shared event network (:class:`..eventnet.EventNet`) with the spotter's widths,
per-frame logits of each event type's onset and, with ``active_head``, of the event being under way."""

from __future__ import annotations

import numpy as np
import torch

from shinobi_tools.models.eventnet import EventNet, run_outputs
from shinobi_tools.models.spotter.config import SpotterConfig


def spotter_net(n_types: int, config: SpotterConfig) -> EventNet:
    return EventNet(n_types, config.channels, config.feature_dim, config.temporal_dim, config.dilations,
                    config.dropout, active=config.active_head)


def run_logits(model: EventNet, frames: np.ndarray, chunk: int = 256) -> torch.Tensor:
    """(T, C) or (T, 2C) logits over a whole run."""
    return run_outputs(model, frames, chunk)[1]
