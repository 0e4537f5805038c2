"""The DCASE SELD metrics (Task 3, 2021-2023 definition), segment-based with Hungarian track matching.

Reference and predictions are DCASE label frames (100 ms) holding events ``(class, track, azimuth,
elevation)`` in degrees. Frames are grouped into one-second segments (10 frames). Per segment and class:

- the reference counts ``max over frames of the number of its tracks`` towards N_ref;
- if both have the class: in every frame where both have it, reference and predicted directions are
  matched by the Hungarian algorithm on angular distance; the distances are averaged per reference track
  over the frames it was matched in; each matched track adds that average to the localisation error
  (DE_TP += 1) and is a true positive if it is within the threshold (20 degrees), else a false positive;
  if no frame had both, it is a false negative;
- reference only: a false negative; prediction only: a false positive.

Then, per class (macro average) or pooled (micro): ER = (S + D + I) / N_ref with S = min(FN, FP),
D = max(0, FN - FP), I = max(0, FP - FN); F = TP / (TP + (FP + FN) / 2); LE = sum of the track errors /
DE_TP; LR = DE_TP / (DE_TP + DE_FN); SELD = mean(ER, 1 - F, LE / 180, 1 - LR). This follows Mesaros et
al. (WASPAA 2019) with the multi-track extension of Politis et al. (TASLP 2020), as the challenge's
evaluation code computes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

Event = tuple[int, int, float, float]  # class, track, azimuth deg, elevation deg
FrameEvents = Mapping[int, Sequence[Event]]
FRAMES_PER_SEGMENT = 10
_EPS = np.finfo(float).eps


def angular_distance(az1: np.ndarray, el1: np.ndarray, az2: np.ndarray, el2: np.ndarray) -> np.ndarray:
    """Great-circle angle in degrees between directions given in degrees."""
    az1, el1, az2, el2 = (np.radians(np.asarray(v, dtype=float)) for v in (az1, el1, az2, el2))
    cos = np.sin(el1) * np.sin(el2) + np.cos(el1) * np.cos(el2) * np.cos(az1 - az2)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def _segments(events: FrameEvents, n_frames: int) -> list[dict[int, dict[int, list[tuple[int, float, float]]]]]:
    """Per segment, per class: {frame in segment: [(track, az, el), ...]}."""
    n_segments = -(-n_frames // FRAMES_PER_SEGMENT)
    out: list[dict[int, dict[int, list[tuple[int, float, float]]]]] = [{} for _ in range(n_segments)]
    for frame, frame_events in events.items():
        if not 0 <= frame < n_frames:
            continue
        segment = out[frame // FRAMES_PER_SEGMENT]
        for cls, track, az, el in frame_events:
            segment.setdefault(int(cls), {}).setdefault(frame % FRAMES_PER_SEGMENT, []).append((track, az, el))
    return out


class SeldMetrics:
    """Accumulates the SELD counts over files; ``results()`` gives ER, F, LE, LR and the SELD score."""

    def __init__(self, n_classes: int, doa_threshold: float = 20.0, average: str = "macro",
                 classes: Iterable[int] | None = None):
        if average not in ("macro", "micro"):
            raise ValueError(f"average must be 'macro' or 'micro', got {average!r}")
        self.n_classes = n_classes
        self.threshold = doa_threshold
        self.average = average
        self.classes = sorted(set(classes)) if classes is not None else list(range(n_classes))
        zeros = lambda: np.zeros(n_classes)
        self.tp, self.fp, self.fn, self.n_ref = zeros(), zeros(), zeros(), zeros()
        self.total_de, self.de_tp, self.de_fn = zeros(), zeros(), zeros()

    def update(self, predicted: FrameEvents, reference: FrameEvents, n_frames: int) -> None:
        """Add one file's predictions against its reference (both over ``n_frames`` label frames)."""
        pred_segments, ref_segments = _segments(predicted, n_frames), _segments(reference, n_frames)
        for pred, ref in zip(pred_segments, ref_segments):
            for cls in range(self.n_classes):
                if cls in ref:
                    self.n_ref[cls] += max(len(v) for v in ref[cls].values())
                if cls in ref and cls in pred:
                    self._match(cls, pred[cls], ref[cls])
                elif cls in ref:
                    self.fn[cls] += 1
                    self.de_fn[cls] += 1
                elif cls in pred:
                    self.fp[cls] += 1

    def _match(self, cls: int, pred: dict, ref: dict) -> None:
        per_track: dict[int, list[float]] = {}
        for frame, ref_events in ref.items():
            if frame not in pred:
                continue
            ref_arr = np.array([[az, el] for _, az, el in ref_events], dtype=float)
            pred_arr = np.array([[az, el] for _, az, el in pred[frame]], dtype=float)
            cost = angular_distance(ref_arr[:, None, 0], ref_arr[:, None, 1], pred_arr[None, :, 0], pred_arr[None, :, 1])
            rows, cols = linear_sum_assignment(cost)
            for r, c in zip(rows, cols):
                per_track.setdefault(ref_events[r][0], []).append(float(cost[r, c]))
        if not per_track:
            self.fn[cls] += 1
            self.de_fn[cls] += 1
            return
        for distances in per_track.values():
            error = sum(distances) / len(distances)
            self.total_de[cls] += error
            self.de_tp[cls] += 1
            if error <= self.threshold:
                self.tp[cls] += 1
            else:
                self.fp[cls] += 1

    def results(self) -> dict:
        """ER, F, LE (degrees), LR, SELD score, and the per-class values (macro)."""
        idx = self.classes
        tp, fp, fn, n_ref = self.tp[idx], self.fp[idx], self.fn[idx], self.n_ref[idx]
        total_de, de_tp, de_fn = self.total_de[idx], self.de_tp[idx], self.de_fn[idx]
        s, d, i = np.minimum(fn, fp), np.maximum(0, fn - fp), np.maximum(0, fp - fn)
        if self.average == "micro":
            er = (s.sum() + d.sum() + i.sum()) / (n_ref.sum() + _EPS)
            f = tp.sum() / (_EPS + tp.sum() + 0.5 * (fp.sum() + fn.sum()))
            le = total_de.sum() / (de_tp.sum() + _EPS)
            lr = de_tp.sum() / (_EPS + de_tp.sum() + de_fn.sum())
            classwise = {}
        else:
            er_c = (s + d + i) / (n_ref + _EPS)
            f_c = tp / (_EPS + tp + 0.5 * (fp + fn))
            le_c = total_de / (de_tp + _EPS)
            lr_c = de_tp / (_EPS + de_tp + de_fn)
            classwise = {int(c): {"error_rate": float(er_c[k]), "f_score": float(f_c[k]),
                                  "localization_error": float(le_c[k]), "localization_recall": float(lr_c[k])}
                         for k, c in enumerate(idx)}
            er, f, le, lr = er_c.mean(), f_c.mean(), le_c.mean(), lr_c.mean()
        seld = float(np.mean([er, 1 - f, le / 180.0, 1 - lr]))
        return {"error_rate": float(er), "f_score": float(f), "localization_error": float(le),
                "localization_recall": float(lr), "seld_score": seld, "doa_threshold": self.threshold,
                "average": self.average, "classwise": classwise}
