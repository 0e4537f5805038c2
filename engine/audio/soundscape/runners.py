"""Runners of the soundscape job kinds: ``soundscape.search`` and ``soundscape.render``."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from engine.atomic import write_json_atomic
from engine.audio.io import read_audio, write_audio
from engine.audio.soundscape.features import BandFeatures, features_of_file
from engine.audio.soundscape.indicators import laeq
from engine.audio.soundscape.maskers import Masker, index_maskers
from engine.audio.soundscape.mix import mix
from engine.audio.soundscape.model import load_model
from engine.audio.soundscape.search import MaskerFeatures, calibration_for_level, search, tile_frames
from engine.audio.soundscape.spec import (
    SoundscapeGenerateParams,
    SoundscapeRenderParams,
    SoundscapeSearchParams,
)
from engine.jobs.context import JobContext

MIN_SOUNDSCAPE_S = 1.0


def _clip_warning(what: str, feats: BandFeatures) -> list[str]:
    if feats.clipped_fraction <= 0.0:
        return []
    return [(f"{what}: {100 * feats.clipped_fraction:.3f}% of samples are at full scale (clipped); "
             "its indicators are biased low at the peaks")]


def _select(maskers: list[Masker], only: list[str]) -> list[Masker]:
    if not only:
        return maskers
    known = {m.name: m for m in maskers}
    unknown = [n for n in only if n not in known]
    if unknown:
        raise ValueError(f"only: unknown masker names {unknown}; known: {', '.join(sorted(known))}")
    return [known[n] for n in only]


def run_search(params: SoundscapeSearchParams, ctx: JobContext) -> dict:
    t0 = time.perf_counter()
    ctx.progress(0.0, "indexing maskers")
    index = index_maskers(params.maskers, params.include_builtin)
    chosen = _select(index.maskers, params.only)
    soundscape = features_of_file(params.soundscape, params.frame_s, params.cache_dir, MIN_SOUNDSCAPE_S,
                                  what="soundscape")
    warnings = _clip_warning(f"soundscape {params.soundscape!r}", soundscape)
    problems = list(index.problems)
    maskers: list[MaskerFeatures] = []
    for i, m in enumerate(chosen):
        ctx.check_cancel()
        ctx.progress(0.05 + 0.85 * i / len(chosen), f"features of {m.name}")
        try:
            feats = features_of_file(m.path, params.frame_s, params.cache_dir, what=f"masker {m.name!r}")
        except ValueError as exc:
            problems.append({"path": m.path, "reason": str(exc)})
            continue
        warnings += _clip_warning(f"masker {m.name!r}", feats)
        maskers.append(MaskerFeatures(m.name, m.masker_class, feats))
    if not maskers:
        raise ValueError(f"maskers: none of the {len(chosen)} masker files could be used: {problems}")
    model = load_model(params.model_dir)
    cal = params.calibration
    calibration_db = (cal.calibration_db if cal.calibration_db is not None
                      else calibration_for_level(soundscape, float(cal.soundscape_level_dba or 65.0)))
    features_ms = (time.perf_counter() - t0) * 1000.0
    ctx.check_cancel()
    ctx.progress(0.9, "searching")
    if params.masker_levels_dba is not None:
        gains = {"masker_levels_dba": np.asarray(params.masker_levels_dba, float)}
    else:
        count = int(np.floor((params.snr_max_db - params.snr_min_db) / params.snr_step_db + 1e-9)) + 1
        gains = {"snr_db": params.snr_min_db + params.snr_step_db * np.arange(count)}
    result = search(soundscape, maskers, model, calibration_db, top_k=params.top_k,
                    field=params.field_type, **gains)
    rows = result.pop("rows")
    out = ctx.output_path("search.json")
    write_json_atomic(out, {**result, "rows": rows})
    result.update({
        "features_ms": round(features_ms, 1),
        "soundscape": {"path": params.soundscape, "duration_s": round(soundscape.duration_s, 3),
                       "channels": soundscape.channels},
        "maskers_searched": len(maskers),
        "maskers_skipped": problems,
        "warnings": warnings,
        "output": str(out),
    })
    ctx.progress(1.0, "done")
    return result


def _find_masker(name: str, folders: list[str]) -> Masker | Path:
    if Path(name).is_file():
        return Path(name)
    index = index_maskers(folders)
    for m in index.maskers:
        if m.name == name:
            return m
    raise ValueError(f"masker: {name!r} is neither a file nor a known masker; known: "
                     f"{', '.join(m.name for m in index.maskers)}")


def run_render(params: SoundscapeRenderParams, ctx: JobContext) -> dict:
    ctx.progress(0.0, "reading")
    found = _find_masker(params.masker, params.maskers)
    masker_path = str(found) if isinstance(found, Path) else found.path
    soundscape = read_audio(params.soundscape, min_duration_s=MIN_SOUNDSCAPE_S, what="soundscape")
    masker = read_audio(masker_path, min_duration_s=0.1, what="masker")
    ctx.check_cancel()
    s_feats = features_of_file(params.soundscape, params.frame_s, params.cache_dir, what="soundscape")
    m_feats = features_of_file(masker_path, params.frame_s, params.cache_dir, min_duration_s=0.1, what="masker")
    s_level = float(laeq(s_feats.powers, 0.0))
    m_level = float(laeq(tile_frames(m_feats.powers, s_feats.powers.shape[0]), 0.0))
    if params.snr_db is not None:
        gain_db = s_level - params.snr_db - m_level
        snr_db = params.snr_db
    else:
        gain_db = float(params.gain_db)
        snr_db = s_level - (m_level + gain_db)
    ctx.progress(0.5, "mixing")
    mixed = mix(soundscape, masker, gain_db)
    out = write_audio(ctx.output_path(params.output), mixed.samples, mixed.sample_rate, subtype="PCM_24")
    ctx.progress(1.0, "done")
    return {
        "output": str(out), "masker": params.masker, "gain_db": round(gain_db, 3), "snr_db": round(snr_db, 3),
        "scaled_db": round(mixed.scaled_db, 3), "sample_rate": mixed.sample_rate,
        "channels": int(mixed.samples.shape[1]), "duration_s": round(mixed.samples.shape[0] / mixed.sample_rate, 3),
        "warnings": ([f"the mix would clip; scaled down by {-mixed.scaled_db:.2f} dB"] if mixed.scaled_db else [])
        + ([f"soundscape: {100 * soundscape.clipped_fraction:.3f}% of samples clipped"] if soundscape.clipped else []),
    }


def run_generate(params: SoundscapeGenerateParams, ctx: JobContext) -> dict:
    from engine.audio.soundscape.generate import add_to_manifest, generate_masker

    ctx.progress(0.0, "generating")
    device = next((d for d in ctx.devices if d.startswith("cuda")), "cpu")
    out = ctx.output_path(f"{params.name}.flac")
    entry = generate_masker(params.model_dir, params.prompt, params.name, params.masker_class, out,
                            params.seconds, params.seed, params.steps, params.guidance_scale, device=device)
    if params.masker_dir is not None:
        folder = Path(params.masker_dir)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".flac", dir=str(folder))
        os.close(fd)
        shutil.copyfile(out, tmp)
        os.replace(tmp, folder / out.name)
        add_to_manifest(folder, entry)
    ctx.progress(1.0, "done")
    return {"output": str(out), **entry}
