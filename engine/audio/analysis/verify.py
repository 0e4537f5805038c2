"""Check a rendering by localising it: does each source come from where the scene put it?

Rendering is linear, so each source is rendered alone (its stem: the mix is the sum of the stems) and
localised per 100 ms label frame with the format's DOA method (``engine.audio.analysis.doa``); for FOA
the ``mixture`` mode localises the mix itself instead, knowing only what each source sounds like. FOA and
mic-array renders are scored with the DCASE SELD metrics against the scene's own annotations (the class
of each estimate is its source's class: this checks the renderer, not a sound event detector) plus the
mean angular error. Binaural and stereo renders only carry a lateral cue (front and back are mirror
images for a time or level difference), so they are scored on the lateral angle: mean and maximum error,
and the number of frames whose side (left/right) is swapped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.audio.analysis.dcase_format import (
    LABEL_FRAME_S,
    label_frames,
    rows_to_events,
    scene_rows,
    source_classes,
)
from engine.audio.analysis.doa import (
    binaural_lateral_doa,
    foa_intensity_doa,
    foa_masked_doa,
    mic_array_doa,
    stereo_lateral_doa,
)
from engine.audio.analysis.seld_metrics import SeldMetrics, angular_distance
from engine.audio.spatial.render import RenderOptions, render_array
from engine.audio.spatial.sofa import load_hrtf
from engine.audio.spatial.spec import Scene
from engine.audio.spatial.trajectory import Trajectory

SIDE_MARGIN_DEG = 10.0  # sources nearer than this to the median plane have no side to swap


def _lateral(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    return np.degrees(np.arcsin(np.sin(np.radians(azimuth)) * np.cos(np.radians(elevation))))


def _track(name: str, azimuth: np.ndarray, elevation: np.ndarray | None) -> dict:
    """One source's estimate per label frame as JSON (NaN, a frame without an estimate, as null).
    Binaural and stereo estimates are lateral angles only (``elevation`` null)."""
    def listed(values: np.ndarray) -> list[float | None]:
        return [None if np.isnan(v) else round(float(v), 2) for v in values]
    return {"source": name, "frame_s": LABEL_FRAME_S, "azimuth": listed(azimuth),
            "elevation": None if elevation is None else listed(elevation)}


def _directional_estimates(scene: Scene, base_dir: Path | None, options: RenderOptions, mode: str,
                           mic_method: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per source, (azimuth, elevation) per label frame from an FOA or mic-array rendering."""
    stems = [render_array(scene, base_dir, options, only=[i]) for i in range(len(scene.sources))]
    if mode == "mixture":
        return foa_masked_doa(sum(stems), [stem[0] for stem in stems], scene.sample_rate)
    if options.fmt == "foa":
        return [foa_intensity_doa(stem, scene.sample_rate) for stem in stems]
    return [mic_array_doa(stem, scene.sample_rate, method=mic_method) for stem in stems]


def verify_scene(scene: Scene, base_dir: Path | None, options: RenderOptions, mic_method: str = "MUSIC",
                 mode: str = "stems") -> dict:
    """Localise the rendering and score it against the scene; returns JSON-able metrics.

    ``mode``: ``stems`` localises each source rendered alone; ``mixture`` (FOA only) localises the mix,
    giving each time-frequency bin to the source whose sound dominates it (``doa.foa_masked_doa``).
    """
    if mode not in ("stems", "mixture"):
        raise ValueError(f"verify mode must be 'stems' or 'mixture', got {mode!r}")
    if mode == "mixture" and options.fmt != "foa":
        raise ValueError(f"verify mode 'mixture' needs the foa format, not {options.fmt!r}")
    n_frames = label_frames(scene)
    centres = (np.arange(n_frames) + 0.5) * 0.1
    classes = source_classes(scene)
    reference = rows_to_events(scene_rows(scene, base_dir))
    active = {(frame, cls, track) for frame, events in reference.items() for cls, track, _, _ in events}
    truths = [Trajectory(source).at(centres)[:2] for source in scene.sources]
    result: dict = {"format": options.fmt, "frames": n_frames, "mode": mode}
    if options.fmt in ("foa", "mic"):
        predicted: dict[int, list] = {}
        errors: list[float] = []
        estimates = _directional_estimates(scene, base_dir, options, mode, mic_method)
        result["estimates"] = [_track(source.name, az, el) for source, (az, el) in zip(scene.sources, estimates)]
        for (cls, track), (az, el), (true_az, true_el) in zip(classes, estimates, truths):
            for k in range(min(n_frames, len(az))):
                if np.isnan(az[k]):
                    continue
                predicted.setdefault(k, []).append((cls, track, float(az[k]), float(el[k])))
                if (k, cls, track) in active:
                    errors.append(float(angular_distance(az[k], el[k], true_az[k], true_el[k])))
        metrics = SeldMetrics(n_classes=max(c for c, _ in classes) + 1, classes={c for c, _ in classes})
        metrics.update(predicted, reference, n_frames)
        result["seld"] = metrics.results()
        result["doa_error_mean_deg"] = float(np.mean(errors)) if errors else None
        result["doa_error_max_deg"] = float(np.max(errors)) if errors else None
        if options.fmt == "mic":
            result["mic_method"] = mic_method
        return result
    lateral_errors: list[float] = []
    swaps = 0
    for i, ((cls, track), (true_az, true_el)) in enumerate(zip(classes, truths)):
        stem = render_array(scene, base_dir, options, only=[i])
        if options.fmt in ("binaural", "foa_binaural"):
            lateral, _ = binaural_lateral_doa(stem, scene.sample_rate, load_hrtf(options.hrtf, scene.sample_rate))
        else:
            lateral = stereo_lateral_doa(stem, scene.sample_rate)
        truth = _lateral(true_az, true_el)
        result.setdefault("estimates", []).append(_track(scene.sources[i].name, lateral, None))
        for k in range(min(n_frames, len(lateral))):
            if np.isnan(lateral[k]) or (k, cls, track) not in active:
                continue
            lateral_errors.append(abs(float(lateral[k] - truth[k])))
            if abs(truth[k]) >= SIDE_MARGIN_DEG and np.sign(lateral[k]) != np.sign(truth[k]):
                swaps += 1
    result["lateral_error_mean_deg"] = float(np.mean(lateral_errors)) if lateral_errors else None
    result["lateral_error_max_deg"] = float(np.max(lateral_errors)) if lateral_errors else None
    result["left_right_swapped_frames"] = swaps
    result["scored_frames"] = len(lateral_errors)
    return result
