"""The ``spatial.render`` job: render a scene to WAV, optionally write annotations and verify."""

from __future__ import annotations

from pathlib import Path

from engine.audio.analysis.dcase_format import scene_rows, write_csv
from engine.audio.analysis.verify import verify_scene
from engine.audio.spatial.render import RenderOptions, render_to_file
from engine.audio.spatial.scene_io import load_scene
from engine.audio.spatial.spec import SpatialRenderParams
from engine.jobs.context import JobContext


def run(params: SpatialRenderParams, ctx: JobContext) -> dict:
    """Render ``params``' scene; returns the file names, render facts and (with verify) the metrics."""
    if params.scene_path is not None:
        scene, base_dir = load_scene(params.scene_path)
    else:
        scene, base_dir = params.scene, Path(params.audio_root) if params.audio_root else None
    options = RenderOptions(fmt=params.format, hrtf=params.hrtf, doppler=params.doppler,
                            air_absorption=params.air_absorption, stereo_itd=params.stereo_itd, seed=params.seed)
    render_share = 0.5 if params.verify else 0.95
    info = render_to_file(scene, base_dir, options, ctx.output_path(params.output),
                          progress=lambda f: ctx.progress(f * render_share, "render"),
                          check_cancel=ctx.check_cancel)
    result: dict = {"output": params.output, "render": {k: v for k, v in info.items() if k != "path"},
                    "seed": params.seed}
    if params.annotations is not None:
        rows = scene_rows(scene, base_dir)
        write_csv(rows, ctx.output_path(params.annotations))
        result["annotations"] = params.annotations
        result["annotation_rows"] = len(rows)
    if params.verify:
        ctx.check_cancel()
        ctx.progress(render_share, "verify")
        result["verify"] = verify_scene(scene, base_dir, options, mode=params.verify_mode)
    ctx.progress(1.0, "done")
    return result
