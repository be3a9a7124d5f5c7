"""Event-detection metrics: one-to-one matching of onsets within time tolerances, P/R/F1, onset error, and for
durational events the quality of the matched spans (temporal IoU, offset error).

Events are tables with ``onset`` (s), ``trial_type`` (plain or hierarchical names: ``Screen/Death``), optionally
``duration`` (s), ``run`` (matching stays within a run) and, for predictions, ``score``. F1 always counts onsets
matched within the tolerance, for point and durational events alike; a durational true event (duration > 0:
``PlayerDied``, ``Screen/*``, a button hold) matched by a prediction also scores the span: IoU of the two
intervals and the error of the end time. The ``gym-retro_game`` row of CNeuroMod's vocabulary is the repetition
itself (metadata, not an event): it is never scored, nor are the types given in ``exclude``. Pure functions;
nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shinobi_tools.events.vocabulary import targets

DEFAULT_TOLERANCES = (0.25, 0.5, 1.0, 2.0)
ALL = "ALL"          # micro average over every event type
MACRO = "MACRO"      # macro average over the types present in truth or prediction
SALIENT = "SALIENT"  # macro average over the game's salient types


@dataclass
class Matching:
    """Matched index pairs (truth, prediction) of one type at one tolerance."""

    truth: np.ndarray
    pred: np.ndarray


def match_onsets(truth: np.ndarray, pred: np.ndarray, tolerance: float) -> Matching:
    """Optimal one-to-one matching: the most pairs within ``tolerance``, then the least total time distance."""
    from scipy.optimize import linear_sum_assignment  # slow to import; only matching needs it

    truth, pred = np.asarray(truth, float), np.asarray(pred, float)
    if len(truth) == 0 or len(pred) == 0:
        return Matching(np.array([], int), np.array([], int))
    distance = np.abs(truth[:, None] - pred[None, :])
    valid = distance <= tolerance + 1e-9
    if not valid.any():
        return Matching(np.array([], int), np.array([], int))
    # Only rows/columns with a valid pair matter; a large cost on invalid pairs makes each valid pair
    # worth more than any total of distances, so the count of pairs is maximised first.
    rows, cols = np.flatnonzero(valid.any(1)), np.flatnonzero(valid.any(0))
    sub = distance[np.ix_(rows, cols)]
    big = tolerance * (len(rows) + len(cols) + 1) + 1.0
    cost = np.where(valid[np.ix_(rows, cols)], sub - big, 0.0)
    r, c = linear_sum_assignment(cost)
    keep = valid[rows[r], cols[c]]
    return Matching(rows[r][keep], cols[c][keep])


def _by_run(frame: pd.DataFrame) -> dict:
    if "run" not in frame.columns:
        return {None: frame}
    return {run: group for run, group in frame.groupby("run", sort=False)}


def _type_counts(truth: pd.DataFrame, pred: pd.DataFrame, tolerance: float) -> dict:
    """tp, n_true, n_pred, onset errors, and for durational true events IoUs and offset errors, within each run."""
    tp, errors, ious, offsets = 0, [], [], []
    truth_runs, pred_runs = _by_run(truth), _by_run(pred)
    for run, true_events in truth_runs.items():
        predicted = pred_runs.get(run)
        if predicted is None or predicted.empty:
            continue
        matching = match_onsets(true_events["onset"].to_numpy(), predicted["onset"].to_numpy(), tolerance)
        tp += len(matching.truth)
        t = true_events.iloc[matching.truth]
        p = predicted.iloc[matching.pred]
        errors.extend(np.abs(t["onset"].to_numpy() - p["onset"].to_numpy()))
        if "duration" in t.columns:
            span_iou, span_offset = _span_quality(t, p)
            ious.extend(span_iou)
            offsets.extend(span_offset)
    return {"tp": tp, "n_true": len(truth), "n_pred": len(pred), "errors": errors, "ious": ious, "offsets": offsets}


def _span_quality(t: pd.DataFrame, p: pd.DataFrame) -> tuple[list[float], list[float]]:
    """Temporal IoU and end-time error of matched pairs whose true event lasts (a prediction without a duration is
    a point: IoU 0, its onset as its end)."""
    ious, offsets = [], []
    predicted = p["duration"].to_numpy(float) if "duration" in p.columns else np.zeros(len(p))
    for a0, ad, b0, bd in zip(t["onset"].to_numpy(float), t["duration"].to_numpy(float), p["onset"].to_numpy(float),
                              predicted):
        if not ad > 0:
            continue
        a1, b1 = a0 + ad, b0 + (bd if bd > 0 else 0.0)
        union = max(a1, b1) - min(a0, b0)
        ious.append(max(0.0, min(a1, b1) - max(a0, b0)) / union if union > 0 else 0.0)
        offsets.append(abs(a1 - b1))
    return ious, offsets


def _scores(tp: int, n_true: int, n_pred: int) -> tuple[float, float, float]:
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_true if n_true else 0.0
    f1 = 2 * tp / (n_true + n_pred) if (n_true + n_pred) else 0.0
    return precision, recall, f1


def evaluate(truth: pd.DataFrame, pred: pd.DataFrame, tolerances=DEFAULT_TOLERANCES,
             salient: tuple[str, ...] | list[str] = (), exclude: tuple[str, ...] | list[str] = ()) -> pd.DataFrame:
    """One row per event type (plus ``ALL``, ``MACRO`` and ``SALIENT``) and tolerance.

    Columns: ``event_type``, ``tolerance``, ``precision``, ``recall``, ``f1``, ``n_true``, ``n_pred``,
    ``tp``, ``onset_mae`` (s, matched pairs), ``iou`` and ``offset_mae`` (s): mean temporal IoU and end-time error
    of the matched pairs whose true event lasts (NaN for types of point events).
    Types absent from both tables get no row; an empty prediction gives recall 0, never a division by zero.
    The ``gym-retro_game`` rows and the ``exclude`` types (e.g. a game's invisible inputs) are left out of both.
    """
    truth = targets(truth, exclude) if "trial_type" in truth.columns else pd.DataFrame(columns=["onset", "trial_type"])
    pred = targets(pred, exclude) if "trial_type" in pred.columns else pd.DataFrame(columns=["onset", "trial_type"])
    types = sorted(set(truth["trial_type"]) | set(pred["trial_type"]))
    rows = []
    for tolerance in tolerances:
        per_type = {
            t: _type_counts(truth[truth["trial_type"] == t], pred[pred["trial_type"] == t], tolerance) for t in types
        }
        type_rows = [_row(t, tolerance, counts) for t, counts in per_type.items()]
        totals = _empty()
        for counts in per_type.values():
            totals = {key: totals[key] + counts[key] for key in totals}
        rows += type_rows
        rows.append(_row(ALL, tolerance, totals))
        rows.append(_macro_row(MACRO, tolerance, type_rows))
        salient_rows = [r for r in type_rows if r["event_type"] in salient]
        if salient_rows:  # over the salient types that occur in the truth or the prediction
            rows.append(_macro_row(SALIENT, tolerance, salient_rows))
    return pd.DataFrame(rows, columns=COLUMNS)


#: Columns of :func:`evaluate`'s table.
COLUMNS = ["event_type", "tolerance", "precision", "recall", "f1", "n_true", "n_pred", "tp", "onset_mae", "iou",
           "offset_mae"]


def _empty() -> dict:
    return {"tp": 0, "n_true": 0, "n_pred": 0, "errors": [], "ious": [], "offsets": []}


def _row(event_type: str, tolerance: float, counts: dict) -> dict:
    precision, recall, f1 = _scores(counts["tp"], counts["n_true"], counts["n_pred"])
    return {
        "event_type": event_type, "tolerance": tolerance, "precision": precision, "recall": recall, "f1": f1,
        "n_true": counts["n_true"], "n_pred": counts["n_pred"], "tp": counts["tp"],
        "onset_mae": float(np.mean(counts["errors"])) if counts["errors"] else np.nan,
        "iou": float(np.mean(counts["ious"])) if counts["ious"] else np.nan,
        "offset_mae": float(np.mean(counts["offsets"])) if counts["offsets"] else np.nan,
    }


def _macro_row(name: str, tolerance: float, rows: list[dict]) -> dict:
    if not rows:
        return {"event_type": name, "tolerance": tolerance, "precision": 0.0, "recall": 0.0, "f1": 0.0,
                "n_true": 0, "n_pred": 0, "tp": 0, "onset_mae": np.nan, "iou": np.nan, "offset_mae": np.nan}
    mean = lambda key: float(np.nanmean([r[key] for r in rows])) if any(  # noqa: E731
        not np.isnan(r[key]) for r in rows) else np.nan
    return {
        "event_type": name, "tolerance": tolerance,
        "precision": float(np.mean([r["precision"] for r in rows])),
        "recall": float(np.mean([r["recall"] for r in rows])),
        "f1": float(np.mean([r["f1"] for r in rows])),
        "n_true": sum(r["n_true"] for r in rows), "n_pred": sum(r["n_pred"] for r in rows),
        "tp": sum(r["tp"] for r in rows), "onset_mae": mean("onset_mae"), "iou": mean("iou"),
        "offset_mae": mean("offset_mae"),
    }


def metrics_json(table: pd.DataFrame) -> dict:
    """The ``--json`` form: tolerances, overall (micro) and per-type precision/recall/F1 by tolerance."""
    def pick(rows: pd.DataFrame) -> dict:
        return {f"{r.tolerance:g}": {"precision": r.precision, "recall": r.recall, "f1": r.f1}
                for r in rows.itertuples()}
    tolerances = sorted(table["tolerance"].unique().tolist())
    per_type = {t: pick(rows) for t, rows in table.groupby("event_type") if t not in (ALL, MACRO, SALIENT)}
    result = {"tolerances": tolerances, "overall": pick(table[table["event_type"] == ALL]), "per_type": per_type}
    for name in (MACRO, SALIENT):
        if (table["event_type"] == name).any():
            result[name.lower()] = pick(table[table["event_type"] == name])
    return result
