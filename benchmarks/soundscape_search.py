"""Benchmark of the feature-domain masker x gain search against mixing waveforms + mosqito.

    python benchmarks/soundscape_search.py [--samples 60] [--reference-seconds 30] [--workers 2] [--json]

Setup: the 30 s demo street (resources/examples/traffic_street.flac, calibrated to 65 dB(A)), every
builtin masker, SMR -6..+6 dB in 0.5 dB steps (25 gains). Prints:

1. search time with features cached (median of ``--repeats``; wall clock and CPU time of this
   process, with the load average, since the machine is shared), and the time of the reference way
   (mix each waveform, indicators with mosqito) per combination, from the sample;
2. accuracy on a stratified sample fixed before the search runs: every masker at ``ceil(samples /
   maskers)`` SMRs spread evenly over the range, plus the search's top choice, searched and mixed on
   the first ``--reference-seconds`` of the street (mosqito costs about a CPU-second per second of
   mix, and this machine's two cores are shared with a training run). Spearman rank
   correlation of predicted ISOPl/ISOEv from feature-domain vs reference indicators with a bootstrap
   95 % interval, top-1 agreement, per-indicator errors against mosqito, the error of the
   uncorrelated-sources (power addition) assumption alone, and the gain-interpolation error;
3. the pleasantness model's leave-one-location-out held-out error on the ISD (from its model.json)
   next to the ARAUS paper's published baselines (other data: a comparison of scale).

Reference results are cached by content hash (``--reference-cache``), so a rerun costs seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.audio.io import AudioClip, read_audio
from engine.audio.soundscape.bands import band_powers_of_levels, iso_band_levels
from engine.audio.soundscape.features import (
    ANALYSIS_RATE,
    default_cache_dir,
    features_of_clip,
    features_of_file,
    file_hash,
)
from engine.audio.soundscape.indicators import INDICATORS, indicators
from engine.audio.soundscape.maskers import index_maskers
from engine.audio.soundscape.mix import mix
from engine.audio.soundscape.model import DEFAULT_MODEL_DIR, load_model
from engine.audio.soundscape.reference import P_REF, indicators_of_pascal, pascal_at_reference_rate
from engine.audio.soundscape.search import MaskerFeatures, calibration_for_level, search

SOUNDSCAPE = ROOT / "resources" / "examples" / "traffic_street.flac"
REFERENCE_VERSION = 2
BATCH = 8  # combinations whose mosqito loudness runs together (reference.zwicker_time_varying)


def _excerpt(path: Path | str, seconds: float) -> AudioClip:
    clip = read_audio(path, sample_rate=ANALYSIS_RATE)
    return AudioClip(clip.samples[: int(round(seconds * ANALYSIS_RATE))], ANALYSIS_RATE)


def _reference_batch(args: tuple[str, float, list[tuple[str, float]], float, float, bool]) -> list[dict]:
    """Mix each (masker, gain) for real; mosqito's indicators (unless not ``with_mosqito``) and the
    real mix's band powers."""
    soundscape_path, seconds, combos, calibration_db, frame_s, with_mosqito = args
    t0 = time.process_time()
    soundscape = _excerpt(soundscape_path, seconds)
    signals, levels = [], []
    for masker_path, gain_db in combos:
        mixed = mix(soundscape, read_audio(masker_path, sample_rate=ANALYSIS_RATE), gain_db, avoid_clipping=False)
        x48 = pascal_at_reference_rate(mixed.samples.mean(axis=1), ANALYSIS_RATE, calibration_db)
        signals.append(x48)
        levels.append(iso_band_levels(x48))
    refs = indicators_of_pascal(signals, levels, batch=BATCH) if with_mosqito else [None] * len(combos)
    unit = 10.0 ** (calibration_db / 10.0) * P_REF**2  # pascal squared of a digital mean square of 1
    seconds = (time.process_time() - t0) / len(combos)
    return [{"reference": ref, "cpu_seconds": seconds, "real_mix_powers": band_powers_of_levels(lv, frame_s, unit)}
            for ref, lv in zip(refs, levels, strict=True)]


def _reference_key(soundscape: str, seconds: float, masker: str, gain_db: float, calibration_db: float,
                   frame_s: float) -> str:
    text = (f"{file_hash(soundscape)}|{seconds:g}|{file_hash(masker)}|{gain_db:.3f}|{calibration_db:.3f}"
            f"|{frame_s:g}|{REFERENCE_VERSION}")
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _load_cached(folder: Path, key: str) -> dict | None:
    meta, powers = folder / f"{key}.json", folder / f"{key}.npy"
    if not (meta.is_file() and powers.is_file()):
        return None
    return {**json.loads(meta.read_text()), "real_mix_powers": np.load(powers)}


def _store(folder: Path, key: str, result: dict) -> None:
    buffer = io.BytesIO()
    np.save(buffer, result["real_mix_powers"].astype(np.float32))
    for name, data in ((f"{key}.npy", buffer.getvalue()),
                       (f"{key}.json", json.dumps({k: result[k] for k in ("reference", "cpu_seconds")}).encode())):
        fd, tmp = tempfile.mkstemp(prefix=".ref.", dir=str(folder))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / name)


def stratified_sample(rows: list[dict], snr: np.ndarray, per_masker: int) -> list[int]:
    """Row indices: every masker at ``per_masker`` SMRs spread evenly over ``snr`` (grid points)."""
    targets = np.linspace(float(snr.min()), float(snr.max()), per_masker)
    chosen = {float(snr[np.abs(snr - t).argmin()]) for t in targets}
    return [i for i, r in enumerate(rows) if r["snr_db"] in chosen]


def spearman_interval(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, n: int = 2000) -> tuple[float, float]:
    """Bootstrap 95 % interval of Spearman's rho over the sampled combinations."""
    from scipy.stats import spearmanr

    stats = [spearmanr(a[i], b[i]).statistic for i in (rng.integers(0, a.size, a.size) for _ in range(n))]
    return float(np.nanpercentile(stats, 2.5)), float(np.nanpercentile(stats, 97.5))


def _errors(fast: dict[str, np.ndarray], ref: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    return {k: {"bias": float(np.mean(fast[k] - ref[k])), "sd": float(np.std(fast[k] - ref[k])),
                "mean_abs": float(np.mean(np.abs(fast[k] - ref[k]))),
                "max_abs": float(np.max(np.abs(fast[k] - ref[k])))} for k in INDICATORS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=60,
                    help="about this many combinations checked against mosqito (0: time the search only)")
    ap.add_argument("--reference-seconds", type=float, default=30.0,
                    help="check accuracy on the first this many seconds of the street")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    ap.add_argument("--frame-s", type=float, default=0.25, help="analysis frame length of the search")
    ap.add_argument("--reference-cache", type=Path, default=default_cache_dir().parent / "soundscape-reference",
                    help="folder keeping mosqito results by content hash (delete it to recompute)")
    ap.add_argument("--feature-cache", type=Path, default=None,
                    help="feature cache to use (default: a new empty one, so that the cold time is measured)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from scipy.stats import spearmanr

    cache = args.feature_cache or Path(tempfile.mkdtemp(prefix="soundscape-bench-cache-"))
    t0 = time.perf_counter()
    index = index_maskers()
    s_feats = features_of_file(SOUNDSCAPE, args.frame_s, cache_dir=cache, what="soundscape")
    maskers = [MaskerFeatures(m.name, m.masker_class, features_of_file(m.path, args.frame_s, cache_dir=cache))
               for m in index.maskers]
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    features_of_file(SOUNDSCAPE, args.frame_s, cache_dir=cache)
    for m in index.maskers:
        features_of_file(m.path, args.frame_s, cache_dir=cache)
    cached_s = time.perf_counter() - t0
    model = load_model()
    cal = calibration_for_level(s_feats, 65.0)
    snr = np.arange(-6.0, 6.0 + 1e-9, 0.5)
    wall, cpu = [], []
    for _ in range(args.repeats):
        c0 = time.process_time()
        result = search(s_feats, maskers, model, cal, snr_db=snr, top_k=10)
        cpu.append((time.process_time() - c0) * 1000.0)
        wall.append(result["search_ms"])
    load = os.getloadavg()[0]
    timing = {"combinations": result["combinations"], "search_ms_median": round(float(np.median(wall)), 1),
              "search_ms_min": round(float(np.min(wall)), 1), "search_cpu_ms_median": round(float(np.median(cpu)), 1),
              "load_average_1min": round(load, 2), "cpus": os.cpu_count()}
    if args.samples == 0:
        print(json.dumps(timing))
        return 0
    exact = search(s_feats, maskers, model, cal, snr_db=snr, top_k=10, anchor_db=0.0)["rows"]
    interpolation = {k: float(max(abs(a[k] - b[k]) for a, b in zip(result["rows"], exact, strict=True)))
                     for k in ("N5", "S", "isopl")}
    excerpt = features_of_clip(_excerpt(SOUNDSCAPE, args.reference_seconds), args.frame_s)
    result = search(excerpt, maskers, model, cal, snr_db=snr, top_k=10)
    rows = result["rows"]

    top = rows.index(result["ranking"][0])
    chosen = stratified_sample(rows, snr, math.ceil(args.samples / len(maskers)))
    chosen = [top] + [i for i in chosen if i != top]
    paths = {m.name: str(m.path) for m in index.maskers}
    args.reference_cache.mkdir(parents=True, exist_ok=True)
    keys = [_reference_key(str(SOUNDSCAPE), args.reference_seconds, paths[rows[i]["masker"]], rows[i]["gain_db"],
                           cal, args.frame_s) for i in chosen]
    refs: list[dict | None] = [_load_cached(args.reference_cache, k) for k in keys]
    todo = [j for j, r in enumerate(refs) if r is None]
    # powers cached before sub-frames had pieces: mix again for the powers, keep mosqito's result
    stale = [j for j, r in enumerate(refs) if r is not None and r["real_mix_powers"].ndim != s_feats.powers.ndim]
    batches = [(todo[b:b + BATCH], True) for b in range(0, len(todo), BATCH)]
    batches += [(stale[b:b + BATCH], False) for b in range(0, len(stale), BATCH)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        jobs = [(str(SOUNDSCAPE), args.reference_seconds,
                 [(paths[rows[chosen[j]]["masker"]], rows[chosen[j]]["gain_db"]) for j in batch],
                 cal, args.frame_s, with_mosqito) for batch, with_mosqito in batches]
        for (batch, with_mosqito), results in zip(batches, pool.map(_reference_batch, jobs), strict=True):
            for j, r in zip(batch, results, strict=True):
                if not with_mosqito:
                    r = {**refs[j], "real_mix_powers": r["real_mix_powers"]}
                refs[j] = r
                _store(args.reference_cache, keys[j], r)
    reference_wall_s = time.perf_counter() - t0
    per_combo_s = float(np.mean([r["cpu_seconds"] for r in refs]))

    ref_ind = {k: np.array([r["reference"][k] for r in refs]) for k in INDICATORS}
    fast_ind = {k: np.array([rows[i][k] for i in chosen]) for k in INDICATORS}
    real_list = [indicators(r["real_mix_powers"], cal, s_feats.subframe_s) for r in refs]
    real_ind = {k: np.array([float(ri[k]) for ri in real_list]) for k in INDICATORS}
    ref_pl, ref_ev = model.predict(ref_ind)
    fast_pl = np.array([rows[i]["isopl"] for i in chosen])
    fast_ev = np.array([rows[i]["isoev"] for i in chosen])
    real_pl, _ = model.predict(real_ind)
    rng = np.random.default_rng(args.seed)
    cv_info = json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())["info"]
    report = {
        "setup": {"soundscape": str(SOUNDSCAPE.relative_to(ROOT)), "maskers": len(maskers), "gains": len(snr),
                  "frames": int(s_feats.powers.shape[0]), "frame_s": s_feats.frame_s,
                  "subframe_s": s_feats.subframe_s, "reference_seconds": args.reference_seconds},
        **timing,
        "features_cold_s": round(cold_s, 2), "features_cached_s": round(cached_s, 3),
        "reference_cpu_s_per_combination": round(per_combo_s, 2),
        "reference_cpu_s_per_combination_30s": round(per_combo_s * 30.0 / args.reference_seconds, 1),
        "speedup_cpu": round(per_combo_s * 30.0 / args.reference_seconds * timing["combinations"] * 1000.0
                             / float(np.median(cpu)), 0),
        "reference_sample": len(chosen), "reference_computed": len(todo), "reference_wall_s": round(reference_wall_s, 1),
        "workers": args.workers,
        "spearman_isopl": float(spearmanr(fast_pl, ref_pl).statistic),
        "spearman_isopl_95ci": spearman_interval(fast_pl, ref_pl, rng),
        "spearman_isoev": float(spearmanr(fast_ev, ref_ev).statistic),
        "spearman_isoev_95ci": spearman_interval(fast_ev, ref_ev, rng),
        "spearman_isopl_power_addition_only": float(spearmanr(fast_pl, real_pl).statistic),
        "spearman_isopl_indicators_only": float(spearmanr(real_pl, ref_pl).statistic),
        "top1_agreement": bool(int(np.argmax(ref_pl)) == 0),
        "top1_reference_rank_of_search_choice": int(np.sum(ref_pl > ref_pl[0])) + 1,
        "isopl_mean_abs_error": float(np.mean(np.abs(fast_pl - ref_pl))),
        "indicator_errors_vs_mosqito": _errors(fast_ind, ref_ind),
        "indicator_errors_of_real_mix_vs_mosqito": _errors(real_ind, ref_ind),
        "indicator_errors_power_addition": _errors(fast_ind, real_ind),
        "gain_interpolation_max_abs": interpolation,
        "model_cv": cv_info["cv"],
        "araus_published_isopl_mse": cv_info["araus_published_isopl_mse"],
        "samples": [{"masker": rows[i]["masker"], "snr_db": rows[i]["snr_db"], "gain_db": rows[i]["gain_db"],
                     "isopl": rows[i]["isopl"], "isopl_reference": float(ref_pl[j]),
                     **{k: rows[i][k] for k in INDICATORS},
                     **{f"{k}_reference": float(ref_ind[k][j]) for k in INDICATORS}}
                    for j, i in enumerate(chosen)],
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    _print_report(report, s_feats.frame_s)
    return 0


def _print_report(report: dict, frame_s: float) -> None:
    setup = report["setup"]
    print(f"{report['combinations']} combinations ({setup['maskers']} maskers x {setup['gains']} gains), "
          f"30 s soundscape, {setup['frames']} frames of {frame_s} s, sub-frames of {setup['subframe_s'] * 1000:g} ms")
    print(f"{'features, cold (all files)':46s} {report['features_cold_s']:10.2f} s")
    print(f"{'features, cached (all files)':46s} {report['features_cached_s']:10.3f} s")
    print(f"{'search, features cached: wall (median)':46s} {report['search_ms_median']:10.1f} ms"
          f"  (load average {report['load_average_1min']:.1f} on {report['cpus']} CPUs)")
    print(f"{'search, features cached: CPU time (median)':46s} {report['search_cpu_ms_median']:10.1f} ms")
    print(f"{'reference per combination (mix + mosqito), CPU':46s} {report['reference_cpu_s_per_combination']:10.1f} s"
          f"  for {setup['reference_seconds']:g} s of mix ({report['reference_computed']} of "
          f"{report['reference_sample']} computed now, {report['reference_wall_s']:.0f} s wall)")
    print(f"{'  the same for 30 s of mix (proportional)':46s} {report['reference_cpu_s_per_combination_30s']:10.1f} s")
    print(f"{'speed-up of the search over the reference (CPU)':46s} {report['speedup_cpu']:10.0f} x")
    lo, hi = report["spearman_isopl_95ci"]
    elo, ehi = report["spearman_isoev_95ci"]
    print(f"accuracy on {report['reference_sample']} combinations (every masker at evenly spread SMRs, "
          f"plus the search's top choice) on the street's first {setup['reference_seconds']:g} s, "
          f"reference mosqito:")
    print(f"  Spearman ISOPl {report['spearman_isopl']:.3f} (95% CI {lo:.3f}..{hi:.3f})   "
          f"ISOEv {report['spearman_isoev']:.3f} (95% CI {elo:.3f}..{ehi:.3f})")
    print(f"  Spearman ISOPl, indicator computation alone (real mix): {report['spearman_isopl_indicators_only']:.3f};"
          f" power addition alone: {report['spearman_isopl_power_addition_only']:.3f}")
    print(f"  top-1 agreement: {report['top1_agreement']} (search's choice ranks "
          f"{report['top1_reference_rank_of_search_choice']} by the reference); "
          f"ISOPl mean abs error {report['isopl_mean_abs_error']:.4f}")
    print(f"  {'indicator':10s} {'search - mosqito: bias':>23s} {'sd':>6s} {'mean|e|':>8s} {'max|e|':>7s}"
          f" {'real mix - mosqito: mean|e|':>28s} {'power addition: mean|e|':>24s}")
    for k in INDICATORS:
        e = report["indicator_errors_vs_mosqito"][k]
        print(f"  {k:10s} {e['bias']:+23.3f} {e['sd']:6.3f} {e['mean_abs']:8.3f} {e['max_abs']:7.3f}"
              f" {report['indicator_errors_of_real_mix_vs_mosqito'][k]['mean_abs']:28.3f}"
              f" {report['indicator_errors_power_addition'][k]['mean_abs']:24.3f}")
    gi = report["gain_interpolation_max_abs"]
    print(f"  loudness interpolated between gains 3 dB apart, max error: N5 {gi['N5']:.3f} sone, "
          f"S {gi['S']:.4f} acum, ISOPl {gi['isopl']:.4f}")
    print("pleasantness model, ISD leave-one-location-out held-out MSE of ISOPl (this project):")
    for name, r in report["model_cv"].items():
        print(f"  {name:28s} {r['isopl_mse']:.4f}")
    print("ARAUS published baselines, MSE of ISOPl (other data, ARAUS; compare scale only):")
    for name, mse in report["araus_published_isopl_mse"].items():
        print(f"  {name}: {mse}")


if __name__ == "__main__":
    raise SystemExit(main())
