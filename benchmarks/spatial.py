"""Spatial audio benchmark: localisation accuracy, ITD fidelity, clicks, speed and memory of the renderers.

Run:  PYTHONPATH=. python benchmarks/spatial.py [--quick] [--json]

Rows (targets from issue 6):
- FOA anechoic, 36 static directions: mean DOA error (intensity vector) <= 3 degrees
- FOA in a shoebox room with RT60 0.5 s, 36 directions: mean DOA error <= 10 degrees
- moving sources (FOA, anechoic and in the room; mic array with MUSIC): DCASE F20 >= 0.9, each source
  localised alone (stems) and, for FOA, in the mix (time-frequency bins given to the dominant source)
- binaural ITD (GCC-PHAT) vs the KEMAR measurement over the horizontal plane: max difference <= 50 us,
  no left/right swaps
- clicks: max sample-to-sample jump of a moving 500 Hz tone / the static one <= 1.2, and the moving
  tone's energy above 2 kHz (a click spreads it upwards) - ours and, for contrast, a per-block
  fftconvolve renderer that switches HRIRs without crossfade
- speed, on one core: 8 moving sources x 60 s binaural >= 50x real time; FOA, room and the per-block
  scipy.signal.fftconvolve renderer timed in the same run (process CPU time of the pinned, single-threaded
  process, so that other load on a shared machine does not count; wall time is printed beside it)
- memory: peak traced allocation of a streamed render to file, short vs 4x longer scene
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import json
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import fftconvolve, lfilter

from engine.audio.analysis.doa import binaural_lateral_doa, foa_intensity_doa, gcc_phat_delay, mic_array_doa
from engine.audio.analysis.seld_metrics import angular_distance
from engine.audio.analysis.verify import verify_scene
from engine.audio.spatial.render import RenderOptions, render_array, render_to_file
from engine.audio.spatial.sofa import default_sofa, load_hrtf, read_sofa
from engine.audio.spatial.spec import Scene
from engine.audio.spatial.trajectory import Trajectory

RATE = 48000
ROOM = {"dimensions": [8.0, 6.0, 3.0], "listener": [4.0, 3.0, 1.5], "rt60": 0.5}


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _directions_36() -> list[tuple[float, float]]:
    """36 directions: azimuth every 10 degrees, elevations cycling through -40..60."""
    elevations = [-40.0, -20.0, 0.0, 20.0, 40.0, 60.0]
    return [(-175.0 + 10.0 * k, elevations[(k * 5) % 6]) for k in range(36)]


def _scene(sources: list[dict], duration: float, room: dict | None = None) -> Scene:
    return Scene.model_validate({"version": 1, "sample_rate": RATE, "duration": duration, "sources": sources,
                                 "room": room})


def _static_source(az: float, el: float, distance: float, seed: int = 0) -> dict:
    return {"name": "s", "generator": {"kind": "pink", "seed": seed},
            "trajectory": [{"t": 0, "azimuth": az, "elevation": el, "distance": distance}]}


def foa_static_error(room: dict | None, seconds: float) -> dict:
    errors = []
    for az, el in _directions_36():
        scene = _scene([_static_source(az, el, 1.2 if room else 2.0)], seconds, room)
        est_az, est_el = foa_intensity_doa(render_array(scene, None, RenderOptions(fmt="foa")), RATE)
        errors.append(float(np.nanmean(angular_distance(est_az, est_el, az, el))))
    return {"mean_deg": float(np.mean(errors)), "max_deg": float(np.max(errors)), "directions": len(errors)}


def mic_static_error(room: dict | None, seconds: float) -> dict:
    errors = []
    for az, el in _directions_36():
        scene = _scene([_static_source(az, el, 1.2 if room else 2.0)], seconds, room)
        est_az, est_el = mic_array_doa(render_array(scene, None, RenderOptions(fmt="mic")), RATE)
        errors.append(float(np.nanmean(angular_distance(est_az, est_el, az, el))))
    return {"mean_deg": float(np.mean(errors)), "max_deg": float(np.max(errors)), "directions": len(errors)}


def binaural_lateral_error(seconds: float) -> dict:
    hrtf = load_hrtf(None, RATE)
    errors = []
    for az, el in _directions_36():
        scene = _scene([_static_source(az, el, 2.0)], seconds)
        lateral, _ = binaural_lateral_doa(render_array(scene, None, RenderOptions()), RATE, hrtf)
        truth = np.degrees(np.arcsin(np.sin(np.radians(az)) * np.cos(np.radians(el))))
        errors.append(float(np.nanmean(np.abs(lateral - truth))))
    return {"mean_deg": float(np.mean(errors)), "max_deg": float(np.max(errors)), "directions": len(errors)}


def _moving_scene(duration: float, room: dict | None) -> Scene:
    """Four sources of four classes moving on different paths, overlapping in time."""
    d = 1.3 if room else 3.0
    sources = [
        {"name": "car", "class_index": 0, "generator": {"kind": "pink", "seed": 1},
         "trajectory": [{"t": 0, "azimuth": 90, "distance": d}, {"t": duration, "azimuth": -90, "distance": d}]},
        {"name": "bird", "class_index": 1, "generator": {"kind": "white", "seed": 2}, "interpolation": "smooth",
         "trajectory": [{"t": 0, "azimuth": -150, "elevation": 40, "distance": d},
                        {"t": duration / 2, "azimuth": 160, "elevation": 60, "distance": d},
                        {"t": duration, "azimuth": 100, "elevation": 20, "distance": d}]},
        {"name": "steps", "class_index": 2, "generator": {"kind": "brown", "seed": 3}, "start": duration / 4,
         "trajectory": [{"t": 0, "azimuth": 0, "elevation": -20, "distance": d},
                        {"t": duration, "azimuth": 170, "elevation": 0, "distance": d}]},
        {"name": "bee", "class_index": 3, "generator": {"kind": "pink", "seed": 4},
         "trajectory": [{"t": duration * k / 4, "azimuth": -90 + 90 * k, "elevation": 10, "distance": d}
                        for k in range(5)]},
    ]
    return _scene(sources, duration, room)


def moving_f20(duration: float) -> dict:
    out = {}
    for name, fmt, room, mode in (("foa_anechoic", "foa", None, "stems"), ("foa_room", "foa", ROOM, "stems"),
                                  ("foa_anechoic_mixture", "foa", None, "mixture"),
                                  ("foa_room_mixture", "foa", ROOM, "mixture"), ("mic_music", "mic", None, "stems")):
        length = duration if fmt == "foa" else min(duration, 4.0)
        result = verify_scene(_moving_scene(length, room), None, RenderOptions(fmt=fmt), mode=mode)
        out[name] = {"f20": result["seld"]["f_score"], "error_rate": result["seld"]["error_rate"],
                     "le_deg": result["seld"]["localization_error"], "lr": result["seld"]["localization_recall"],
                     "seld": result["seld"]["seld_score"], "seconds": length}
    return out


def binaural_itd() -> dict:
    kemar = read_sofa(default_sofa())
    horizontal = np.where(kemar.directions[:, 1] == 0)[0]
    diffs, swaps = [], 0
    for i in horizontal:
        az = float(kemar.directions[i, 0])
        measured = gcc_phat_delay(kemar.irs[i, 0], kemar.irs[i, 1], kemar.sample_rate)
        scene = _scene([_static_source(az, 0.0, 1.4)], 0.5)
        out = render_array(scene, None, RenderOptions(fmt="binaural", air_absorption=False))
        rendered = gcc_phat_delay(out[0], out[1], RATE)
        diffs.append(abs(rendered - measured))
        side = np.sin(np.radians(az))
        if abs(side) > 0.1 and np.sign(rendered) != np.sign(side):
            swaps += 1
    return {"directions": len(horizontal), "max_diff_us": 1e6 * float(np.max(diffs)),
            "mean_diff_us": 1e6 * float(np.mean(diffs)), "left_right_swaps": swaps}


class BlockFftconvolveRenderer:
    """The straightforward baseline: per 1024-sample block, nearest HRIR, fftconvolve, overlap-add."""

    def __init__(self, block: int = 1024):
        self.block = block
        self.hrtf = load_hrtf(None, RATE)

    def render(self, scene: Scene, signals: list[np.ndarray]) -> np.ndarray:
        n = int(scene.duration * RATE)
        taps = self.hrtf.taps
        out = np.zeros((2, n + self.block + taps), dtype=np.float64)
        for source, signal in zip(scene.sources, signals):
            trajectory = Trajectory(source)
            for start in range(0, n, self.block):
                t = (start + self.block / 2) / RATE
                az, el, dist = trajectory.at(np.array([t]))
                hrir = self.hrtf.irs[self.hrtf.nearest(az, el)[0]] / max(dist[0], 0.1)
                chunk = signal[start:start + self.block]
                for ear in range(2):
                    piece = fftconvolve(chunk, hrir[ear])
                    out[ear, start:start + len(piece)] += piece
        return out[:, :n]


def _pink(n: int, seed: int) -> np.ndarray:
    x = lfilter([0.049922035, -0.095993537, 0.050612699, -0.004408786],
                [1.0, -2.494956002, 2.017265875, -0.522189400], np.random.default_rng(seed).standard_normal(n))
    return (0.1 * x / np.std(x)).astype(np.float32)


def _eight_moving(folder: Path, duration: float, room: dict | None = None) -> tuple[Scene, list[np.ndarray]]:
    signals, sources = [], []
    d = 1.3 if room else 3.0
    for k in range(8):
        signal = _pink(int(duration * RATE), k)
        sf.write(folder / f"src{k}.wav", signal, RATE, subtype="FLOAT")
        signals.append(signal)
        sources.append({"name": f"src{k}", "audio": f"src{k}.wav", "trajectory": [
            {"t": 0, "azimuth": -180 + 45 * k, "elevation": 10 * (k % 3), "distance": d},
            {"t": duration, "azimuth": -180 + 45 * k + 170, "elevation": -10 * (k % 3), "distance": d}]})
    return _scene(sources, duration, room), signals


def _timed(work, scene_seconds: float) -> dict:
    """Wall and CPU time of ``work``; on a shared machine the CPU time of this single-threaded process,
    pinned to one core, is the time that core spent, so ``x_realtime`` uses it (wall is reported too)."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"cpu_seconds": cpu, "wall_seconds": wall, "x_realtime": scene_seconds / cpu,
            "x_realtime_wall": scene_seconds / wall, "scene_seconds": scene_seconds}


def speed(duration: float, room_duration: float) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scene, signals = _eight_moving(folder, duration)
        load_hrtf(None, RATE)  # the HRTF set is loaded once per process, not per render
        for fmt in ("binaural", "foa", "stereo", "mic", "foa_binaural"):
            out[fmt] = _timed(lambda fmt=fmt: render_to_file(scene, folder, RenderOptions(fmt=fmt),
                                                             folder / f"{fmt}.wav"), duration)
        baseline = BlockFftconvolveRenderer()
        out["fftconvolve_per_block_binaural"] = _timed(lambda: baseline.render(scene, signals), duration)
        room_scene, _ = _eight_moving(folder, room_duration, ROOM)
        for fmt in ("foa", "binaural"):
            out[f"room_{fmt}"] = _timed(lambda fmt=fmt: render_to_file(room_scene, folder, RenderOptions(fmt=fmt),
                                                                       folder / f"room_{fmt}.wav"), room_duration)
    return out


def _max_jump(x: np.ndarray) -> float:
    return float(np.max(np.abs(np.diff(x[:, 200:], axis=-1))))


def _splatter_db(x: np.ndarray, above_hz: float = 2000.0) -> float:
    """Energy above ``above_hz`` relative to all, in dB: clicks spread a pure tone's energy upwards."""
    x = x[:, 4800:]
    power = np.abs(np.fft.rfft(x * np.hanning(x.shape[1]), axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[1], 1 / RATE)
    return float(10 * np.log10(power[:, freqs > above_hz].sum() / power.sum()))


def clicks() -> dict:
    tone = {"kind": "tone", "frequency": 500.0, "level_db": -10}
    still = {"name": "t", "generator": tone, "trajectory": [{"t": 0, "azimuth": 90, "distance": 1}]}
    moving = {"name": "t", "generator": tone, "trajectory": [{"t": 0, "azimuth": 90, "distance": 1},
                                                            {"t": 4, "azimuth": -90, "distance": 1}]}
    out = {}
    for fmt in ("binaural", "foa", "stereo"):
        options = RenderOptions(fmt=fmt, air_absorption=False)
        moved = render_array(_scene([moving], 4.0), None, options)
        out[fmt] = {"jump_ratio": _max_jump(moved) / _max_jump(render_array(_scene([still], 4.0), None, options)),
                    "splatter_db": _splatter_db(moved)}
    baseline = BlockFftconvolveRenderer()
    t = np.arange(4 * RATE) / RATE
    signal = (np.sqrt(2) * 0.1 * np.sin(2 * np.pi * 500 * t)).astype(np.float32)
    moved = baseline.render(_scene([moving], 4.0), [signal])
    out["fftconvolve_per_block_binaural"] = {
        "jump_ratio": _max_jump(moved) / _max_jump(baseline.render(_scene([still], 4.0), [signal])),
        "splatter_db": _splatter_db(moved)}
    return out


def memory(short: float) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for duration in (short, 4 * short):
            scene = _scene([{"name": "s", "generator": {"kind": "pink"}, "trajectory": [
                {"t": 0, "azimuth": 0}, {"t": duration, "azimuth": 170}]}], duration)
            tracemalloc.start()
            render_to_file(scene, None, RenderOptions(fmt="foa"), Path(tmp) / "m.wav")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out[f"{duration:g}s_peak_mib"] = peak / 2 ** 20
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter scenes (a smoke run, not the figures)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    _pin_one_core()
    duration = 10.0 if args.quick else 60.0
    results = {
        "foa_static_anechoic": foa_static_error(None, 0.5),
        "foa_static_room_rt60_0.5": foa_static_error(ROOM, 1.0),
        "mic_music_static_anechoic": mic_static_error(None, 0.3),
        "mic_music_static_room_rt60_0.5": mic_static_error(ROOM, 0.5),
        "binaural_lateral_static": binaural_lateral_error(0.5),
        "moving_f20": moving_f20(10.0 if args.quick else 30.0),
        "binaural_itd_vs_kemar": binaural_itd(),
        "clicks_moving_tone": clicks(),
        "speed_8_moving_sources": speed(duration, 5.0 if args.quick else 20.0),
        "memory_streamed_foa": memory(15.0 if args.quick else 60.0),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    r = results
    rows = [
        ("FOA anechoic, 36 directions: mean / max DOA error (deg)", "<= 3",
         f"{r['foa_static_anechoic']['mean_deg']:.2f} / {r['foa_static_anechoic']['max_deg']:.2f}"),
        ("FOA room RT60 0.5 s, 36 directions: mean / max (deg)", "<= 10",
         f"{r['foa_static_room_rt60_0.5']['mean_deg']:.2f} / {r['foa_static_room_rt60_0.5']['max_deg']:.2f}"),
    ]
    for key, label in (("mic_music_static_anechoic", "mic array (MUSIC) anechoic"),
                       ("mic_music_static_room_rt60_0.5", "mic array (MUSIC) room RT60 0.5 s"),
                       ("binaural_lateral_static", "binaural lateral angle (GCC-PHAT ITD)")):
        rows.append((f"{label}, 36 directions: mean / max error (deg)", "",
                     f"{r[key]['mean_deg']:.2f} / {r[key]['max_deg']:.2f}"))
    for name, m in r["moving_f20"].items():
        rows.append((f"moving, 4 sources, {name} ({m['seconds']:g} s): F20 / ER / LE / LR", ">= 0.9",
                     f"{m['f20']:.3f} / {m['error_rate']:.3f} / {m['le_deg']:.1f} / {m['lr']:.3f}"))
    itd = r["binaural_itd_vs_kemar"]
    rows.append((f"binaural ITD vs KEMAR, {itd['directions']} horizontal dirs: max / mean (us)", "<= 50",
                 f"{itd['max_diff_us']:.1f} / {itd['mean_diff_us']:.1f}"))
    rows.append(("binaural left/right swaps", "0", str(itd["left_right_swaps"])))
    for name, c in r["clicks_moving_tone"].items():
        rows.append((f"clicks: moving/static max jump; energy > 2 kHz (dB), {name}", "<= 1.2",
                     f"{c['jump_ratio']:.3f}; {c['splatter_db']:.1f}"))
    for name, s in r["speed_8_moving_sources"].items():
        target = ">= 50" if name == "binaural" else ""
        rows.append((f"speed, 8 moving x {s['scene_seconds']:g} s, one core: {name} (x real time, CPU; wall)",
                     target, f"{s['x_realtime']:.1f} ({s['cpu_seconds']:.2f} s); {s['x_realtime_wall']:.1f}"))
    for name, mib in r["memory_streamed_foa"].items():
        rows.append((f"memory, streamed FOA render {name}", "flat", f"{mib:.1f} MiB"))
    width = max(len(a) for a, _, _ in rows)
    print(f"{'measure':<{width}}  {'target':>7}  result")
    for a, b, c in rows:
        print(f"{a:<{width}}  {b:>7}  {c}")


if __name__ == "__main__":
    main()
