"""Benchmark of the feature-domain masker x gain search against mixing waveforms + mosqito.

    python benchmarks/soundscape_search.py [--samples 16] [--workers 2] [--repeats 20] [--json]

Setup: the 30 s demo street (resources/examples/traffic_street.flac, calibrated to 65 dB(A)), every
builtin masker, SMR -6..+6 dB in 0.5 dB steps (25 gains). Prints:

1. search time with features cached (median of ``--repeats``), and the time of the reference way
   (mix each waveform, Zwicker loudness and DIN sharpness with mosqito) extrapolated from a sample;
2. accuracy on a seeded sample of combinations (always including the search's top choice): Spearman
   rank correlation of predicted ISOPl from feature-domain vs reference indicators, top-1 agreement,
   per-indicator errors, and the error of the uncorrelated-sources (power addition) assumption alone;
3. the pleasantness model's leave-one-location-out held-out error on the ISD (from its model.json).
"""

from __future__ import annotations

import argparse
import hashlib
import json
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
from engine.audio.soundscape.reference import reference_indicators
from engine.audio.soundscape.search import MaskerFeatures, calibration_for_level, search

SOUNDSCAPE = ROOT / "resources" / "examples" / "traffic_street.flac"
REFERENCE_VERSION = 1


def _reference_job(args: tuple[str, str, float, float, float, dict | None]) -> dict:
    """Mix one combination for real; its indicators the standard way (mosqito) unless already cached."""
    soundscape_path, masker_path, gain_db, calibration_db, frame_s, cached = args
    soundscape = read_audio(soundscape_path, sample_rate=ANALYSIS_RATE)
    masker = read_audio(masker_path, sample_rate=ANALYSIS_RATE)
    t0 = time.perf_counter()
    mixed = mix(soundscape, masker, gain_db, avoid_clipping=False)
    if cached is None:
        ref = reference_indicators(mixed.samples.mean(axis=1), ANALYSIS_RATE, calibration_db)
        cached = {"reference": ref, "seconds": time.perf_counter() - t0}
    real_feats = features_of_clip(AudioClip(mixed.samples, ANALYSIS_RATE), frame_s).powers.astype(float)
    return {**cached, "real_mix_powers": real_feats}


def _reference_key(soundscape: str, masker: str, gain_db: float, calibration_db: float) -> str:
    text = f"{file_hash(soundscape)}|{file_hash(masker)}|{gain_db:.3f}|{calibration_db:.3f}|{REFERENCE_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=16,
                    help="combinations checked against mosqito (0: time the search only)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frame-s", type=float, default=0.25, help="analysis frame length of the search")
    ap.add_argument("--reference-cache", type=Path, default=default_cache_dir().parent / "soundscape-reference",
                    help="folder keeping mosqito results by content hash (delete it to recompute)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from scipy.stats import spearmanr

    cache = Path(tempfile.mkdtemp(prefix="soundscape-bench-cache-"))
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
    times = []
    for _ in range(args.repeats):
        result = search(s_feats, maskers, model, cal, snr_db=snr, top_k=10)
        times.append(result["search_ms"])
    search_ms = float(np.median(times))
    rows = result["rows"]
    load = os.getloadavg()[0]
    if args.samples == 0:
        print(json.dumps({"combinations": result["combinations"], "search_ms_median": round(search_ms, 2),
                          "search_ms_min": round(float(np.min(times)), 2), "load_average_1min": load,
                          "cpus": os.cpu_count()}))
        return 0

    # a seeded sample that does not depend on the search's result, plus the search's top choice
    rng = np.random.default_rng(args.seed)
    top = rows.index(result["ranking"][0])
    sample = [int(i) for i in rng.permutation(len(rows))[: args.samples]]
    chosen = [top, *sorted(i for i in sample if i != top)][: args.samples]
    paths = {m.name: m.path for m in index.maskers}
    args.reference_cache.mkdir(parents=True, exist_ok=True)
    keys = [_reference_key(str(SOUNDSCAPE), paths[rows[i]["masker"]], rows[i]["gain_db"], cal) for i in chosen]
    cached = [json.loads((args.reference_cache / f"{k}.json").read_text())
              if (args.reference_cache / f"{k}.json").is_file() else None for k in keys]
    jobs = [(str(SOUNDSCAPE), paths[rows[i]["masker"]], rows[i]["gain_db"], cal, args.frame_s, c)
            for i, c in zip(chosen, cached, strict=True)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        refs = list(pool.map(_reference_job, jobs))
    wall_s = time.perf_counter() - t0
    for key, r in zip(keys, refs, strict=True):
        (args.reference_cache / f"{key}.json").write_text(
            json.dumps({"reference": r["reference"], "seconds": r["seconds"]}))
    per_combo_s = float(np.mean([r["seconds"] for r in refs]))

    ref_ind = {k: np.array([r["reference"][k] for r in refs]) for k in INDICATORS}
    ref_pl, ref_ev = model.predict(ref_ind)
    fast_pl = np.array([rows[i]["isopl"] for i in chosen])
    fast_ev = np.array([rows[i]["isoev"] for i in chosen])
    # the power-addition assumption alone: indicators of the real mix's features vs feature-domain mix
    real_ind = [indicators(r["real_mix_powers"], cal) for r in refs]
    real_pl, _ = model.predict({k: np.array([ri[k] for ri in real_ind]) for k in INDICATORS})
    errors = {k: {"mean_abs_vs_mosqito": float(np.mean(np.abs(np.array([rows[i][k] for i in chosen]) - ref_ind[k]))),
                  "mean_abs_power_addition": float(np.mean(np.abs(
                      np.array([rows[i][k] for i in chosen]) - np.array([ri[k] for ri in real_ind]))))}
              for k in INDICATORS}
    best_ref = int(np.argmax(ref_pl))
    report = {
        "setup": {"soundscape": str(SOUNDSCAPE.relative_to(ROOT)), "maskers": len(maskers), "gains": len(snr),
                  "frames": int(s_feats.powers.shape[0]), "frame_s": s_feats.frame_s},
        "combinations": result["combinations"],
        "features_cold_s": round(cold_s, 2), "features_cached_s": round(cached_s, 3),
        "search_ms_median": round(search_ms, 2), "search_ms_min": round(float(np.min(times)), 2),
        "load_average_1min_during_search": load, "cpus": os.cpu_count(),
        "reference_s_per_combination": round(per_combo_s, 2),
        "reference_s_all_combinations_estimated": round(per_combo_s * result["combinations"], 1),
        "speedup": round(per_combo_s * result["combinations"] * 1000.0 / search_ms, 0),
        "reference_sample": len(chosen), "reference_wall_s": round(wall_s, 1), "workers": args.workers,
        "reference_cached": sum(c is not None for c in cached),
        "spearman_isopl": float(spearmanr(fast_pl, ref_pl).statistic),
        "spearman_isoev": float(spearmanr(fast_ev, ref_ev).statistic),
        "spearman_isopl_power_addition_only": float(spearmanr(fast_pl, real_pl).statistic),
        "top1_agreement": bool(best_ref == 0),
        "top1_reference_rank_of_search_choice": int(np.sum(ref_pl > ref_pl[0])) + 1,
        "isopl_mean_abs_error": float(np.mean(np.abs(fast_pl - ref_pl))),
        "indicator_errors": errors,
        "model_cv": json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())["info"]["cv"],
        "samples": [{"masker": rows[i]["masker"], "snr_db": rows[i]["snr_db"], "gain_db": rows[i]["gain_db"],
                     "isopl": rows[i]["isopl"], "isopl_reference": float(ref_pl[j]),
                     **{k: rows[i][k] for k in INDICATORS},
                     **{f"{k}_reference": float(ref_ind[k][j]) for k in INDICATORS}}
                    for j, i in enumerate(chosen)],
        "araus_quoted_isopl_mse": json.loads((DEFAULT_MODEL_DIR / "model.json").read_text())["info"][
            "quoted_araus_isopl_mse"],
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"{report['combinations']} combinations ({len(maskers)} maskers x {len(snr)} gains), "
          f"30 s soundscape, {report['setup']['frames']} frames of {s_feats.frame_s} s")
    print(f"{'features, cold (all files)':44s} {cold_s:10.2f} s")
    print(f"{'features, cached (all files)':44s} {cached_s:10.3f} s")
    print(f"{'search, features cached (median)':44s} {search_ms:10.1f} ms"
          f"  (load average {load:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'reference per combination (mix + mosqito)':44s} {per_combo_s:10.1f} s"
          f"  ({report['reference_cached']} of {len(chosen)} from the reference cache)")
    print(f"{'reference for all combinations (estimated)':44s} {per_combo_s * result['combinations']:10.0f} s")
    print(f"{'speed-up of the search':44s} {report['speedup']:10.0f} x")
    print(f"accuracy on {len(chosen)} sampled combinations (mosqito reference):")
    print(f"  Spearman ISOPl {report['spearman_isopl']:.3f}   ISOEv {report['spearman_isoev']:.3f}   "
          f"(power addition alone: {report['spearman_isopl_power_addition_only']:.3f})")
    print(f"  top-1 agreement: {report['top1_agreement']} (search's choice ranks "
          f"{report['top1_reference_rank_of_search_choice']} by the reference); "
          f"ISOPl mean abs error {report['isopl_mean_abs_error']:.4f}")
    print(f"  {'indicator':10s} {'|fast - mosqito|':>17s} {'|fast - real mix|':>18s}")
    for k, e in errors.items():
        print(f"  {k:10s} {e['mean_abs_vs_mosqito']:17.3f} {e['mean_abs_power_addition']:18.3f}")
    print("pleasantness model, ISD leave-one-location-out held-out error:")
    for name, r in report["model_cv"].items():
        print(f"  {name:28s} ISOPl MSE {r['isopl_mse']:.4f} MAE {r['isopl_mae']:.4f}   "
              f"ISOEv MSE {r['isoev_mse']:.4f}")
    for name, mse in report["araus_quoted_isopl_mse"].items():
        print(f"  quoted (ARAUS data, not ISD): {name}: ISOPl MSE {mse}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
