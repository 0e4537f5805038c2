"""``noiseloom``: the studio (no subcommand: ``noiseloom [PROJECT.nloom] [--engine URL --token T]``)
and its command line.

Every job subcommand accepts ``--engine URL`` (with ``--token`` or ``--engine-data-dir``) to use a
running engine; otherwise it starts a private local engine, uses it and stops it. Long jobs show a
progress bar on a terminal; ``--json`` prints machine-readable results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from app.engine_api import EngineAPI, EngineError
from app.engine_process import EngineStartError, LocalEngine


# ---- engine connection ------------------------------------------------------------------------
def _engine_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("engine")
    group.add_argument("--engine", metavar="URL", default=os.environ.get("NOISELOOM_ENGINE_URL"),
                       help="use a running engine (default: start a private one)")
    group.add_argument("--token", default=os.environ.get("NOISELOOM_TOKEN"),
                       help="the running engine's token (or use --engine-data-dir)")
    group.add_argument("--engine-data-dir", type=Path, help="read the token from this engine data folder")
    group.add_argument("--devices", default="auto", help="devices of a private engine: auto, cpu:N, cuda:0,1")
    group.add_argument("--json", action="store_true", help="print machine-readable JSON")


@contextlib.contextmanager
def engine_for(args: argparse.Namespace) -> Iterator[EngineAPI]:
    """The engine the user named, or a private one for the duration of the command."""
    if args.engine:
        token = args.token
        if not token and args.engine_data_dir:
            token = (args.engine_data_dir / "token").read_text().strip()
        if not token:
            raise SystemExit("error: --engine needs --token or --engine-data-dir (where its token file is)")
        api = EngineAPI(args.engine, token)
        try:
            yield api
        finally:
            api.close()
        return
    with LocalEngine(devices=args.devices) as engine:
        api = EngineAPI(engine.url, engine.token)
        try:
            yield api
        finally:
            api.close()


class _Progress:
    """A terminal progress bar fed by job events (silent when not on a terminal or with --json)."""

    def __init__(self, enabled: bool):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=1000, unit="‰", bar_format="{l_bar}{bar}| {elapsed}<{remaining} {desc}",
                            file=sys.stderr)

    def __call__(self, event: dict[str, Any]) -> None:
        if self.bar is None or event["type"] != "progress":
            return
        self.bar.n = int(1000 * event["payload"]["fraction"])
        self.bar.set_description_str(event["payload"].get("stage", ""), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_job(args: argparse.Namespace, kind: str, params: dict[str, Any],
            outputs: dict[str, Path] | None = None) -> int:
    """Run one job, show its progress, download ``outputs`` (engine name -> local path), print result."""
    progress = _Progress(sys.stderr.isatty() and not args.json)
    try:
        with engine_for(args) as api:
            job = api.run(kind, params, on_event=progress)
            progress.close()
            if job["status"] != "completed":
                message = job.get("error") or job["status"]
                print(json.dumps({"status": job["status"], "error": message, "job": job["id"]})
                      if args.json else f"error: job {job['status']}: {message}", file=sys.stderr)
                return 1
            for name, dest in (outputs or {}).items():
                api.download(job["id"], name, dest)
    except (EngineError, EngineStartError) as exc:
        progress.close()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = job["result"] or {}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(_summary(result))
        for dest in (outputs or {}).values():
            print(f"wrote {dest}")
    return 0


def _summary(result: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {json.dumps(value)[:200]}" for key, value in result.items())


# ---- subcommands ------------------------------------------------------------------------------
def cmd_probe(args: argparse.Namespace) -> int:
    return run_job(args, "media.probe", {"path": str(Path(args.file).resolve()), "loudness": not args.no_loudness})


def _timed_prompt(text: str) -> tuple[float, str]:
    seconds, sep, prompt = text.partition("=")
    try:
        if not sep or not prompt.strip():
            raise ValueError
        return float(seconds), prompt.strip()
    except ValueError:
        raise argparse.ArgumentTypeError(f"--prompt-at {text!r}: expected SECONDS=TEXT, e.g. 4='a blue ball'") from None


def video_params(args: argparse.Namespace) -> dict[str, Any]:
    """The ``video.generate`` params of ``noiseloom video``'s flags (timed prompts end where the next starts)."""
    params: dict[str, Any] = {
        "prompt": args.prompt or "", "negative_prompt": args.negative_prompt, "fps": args.fps,
        "width": args.width, "height": args.height, "seed": args.seed, "model": args.model,
        "mode": args.mode or ("dualparal" if args.prompt_at else "full"), "workers": args.workers,
        "transition_curve": args.transition_curve}
    for flag in ("seconds", "frames", "steps", "guidance", "block_frames", "context_frames"):
        if getattr(args, flag) is not None:
            params[flag] = getattr(args, flag)
    if args.prompt_at:
        timed = sorted(args.prompt_at)
        end = args.seconds if args.seconds is not None else (args.frames or 17) / args.fps
        params["prompts"] = [
            {"start": start, "end": timed[i + 1][0] if i + 1 < len(timed) else end, "text": text,
             "transition": args.transition, "hard_cut": args.hard_cut}
            for i, (start, text) in enumerate(timed)]
    return params


def cmd_video(args: argparse.Namespace) -> int:
    if not args.prompt and not args.prompt_at:
        print("error: give --prompt TEXT or timed prompts with --prompt-at SECONDS=TEXT", file=sys.stderr)
        return 2
    outputs = {"video.mp4": Path(args.out)}
    if args.stats:
        outputs["video.json"] = Path(args.stats)
    return run_job(args, "video.generate", video_params(args), outputs)


def _snr_range(text: str) -> tuple[float, float, float]:
    try:
        low, high, step = (float(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--snr {text!r}: expected LOW:HIGH:STEP in dB, e.g. -6:6:0.5") from None
    return low, high, step


def cmd_soundscape_search(args: argparse.Namespace) -> int:
    low, high, step = args.snr
    params = {"soundscape": str(Path(args.soundscape).resolve()), "snr_min_db": low, "snr_max_db": high,
              "snr_step_db": step, "top_k": args.top,
              "maskers": [str(Path(m).resolve()) for m in args.maskers]}
    if args.model:
        params["model_dir"] = str(Path(args.model).resolve())
    if args.level:
        params["masker_levels_dba"] = args.level
    if args.only:
        params["only"] = args.only
    calibration = {"soundscape_level_dba": args.soundscape_level, "calibration_db": args.calibration}
    params["calibration"] = {key: value for key, value in calibration.items() if value is not None}
    return run_job(args, "soundscape.search", params)


def cmd_soundscape_render(args: argparse.Namespace) -> int:
    out = Path(args.out)
    params = {"soundscape": str(Path(args.soundscape).resolve()), "masker": args.masker,
              "maskers": [str(Path(m).resolve()) for m in args.maskers],
              "output": f"augmented{out.suffix or '.flac'}"}
    if args.gain_db is not None:
        params["gain_db"] = args.gain_db
    if args.snr_db is not None:
        params["snr_db"] = args.snr_db
    return run_job(args, "soundscape.render", params, {params["output"]: out})


def cmd_spatial_render(args: argparse.Namespace) -> int:
    from engine.audio.spatial.spec import SPATIAL_RENDERERS

    try:
        SPATIAL_RENDERERS.check(args.format, "--format")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    params: dict[str, Any] = {"scene_path": str(Path(args.scene).resolve()), "format": args.format,
                              "output": f"render{out.suffix or '.wav'}", "verify": args.verify,
                              "verify_mode": args.verify_mode, "doppler": args.doppler, "seed": args.seed,
                              "air_absorption": not args.no_air_absorption, "stereo_itd": not args.no_itd}
    outputs = {params["output"]: out}
    if args.hrtf:
        params["hrtf"] = str(Path(args.hrtf).resolve())
    if args.annotations:
        params["annotations"] = "annotations.csv"
        outputs["annotations.csv"] = Path(args.annotations)
    return run_job(args, "spatial.render", params, outputs)


DEMO_PROMPTS = [(0.0, "a red ball bouncing on green grass"), (3.0, "a blue square moving left on green grass"),
                (6.0, "a yellow triangle growing on green grass")]


def _demo_step(api: EngineAPI, title: str, kind: str, params: dict[str, Any],
               outputs: dict[str, Path]) -> dict[str, Any] | None:
    """Run one demo job; print what it made, or why it could not run (the demo never fakes output)."""
    print(f"demo: {title}...", file=sys.stderr)
    job = api.run(kind, params)
    if job["status"] != "completed":
        print(f"demo: {title}: not made: {job.get('error') or job['status']}", file=sys.stderr)
        return None
    for name, dest in outputs.items():
        api.download(job["id"], name, dest)
        print(f"demo: wrote {dest}", file=sys.stderr)
    return job["result"]


def cmd_demo(args: argparse.Namespace) -> int:
    """The main jobs headless on the builtin defaults: a multi-prompt video, the best masker for the
    example street, and a binaural scene of it; results and a summary under ``--out``."""
    from engine.atomic import write_json_atomic
    from engine.resources import resource_path

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    street = resource_path("examples", "traffic_street.flac")
    summary: dict[str, Any] = {}
    with engine_for(args) as api:
        video = {"prompt": "", "prompts": [{"start": s, "end": e, "text": t} for (s, t), (e, _) in
                                           zip(DEMO_PROMPTS, [*DEMO_PROMPTS[1:], (9.0, "")], strict=True)],
                 "seconds": 9.0, "fps": 16, "width": 64, "height": 64, "mode": "dualparal", "seed": 7}
        summary["video"] = _demo_step(api, "multi-prompt video (builtin model, DualParal)", "video.generate",
                                      video, {"video.mp4": out / "video.mp4", "video.json": out / "video.json"})
        search = _demo_step(api, "soundscape search on the example street", "soundscape.search",
                            {"soundscape": str(street), "top_k": 5}, {})
        summary["soundscape"] = search
        if search:
            best = search["ranking"][0]
            summary["augmented"] = _demo_step(
                api, f"the street with {best['masker']} at {best['snr_db']:+.1f} dB SMR", "soundscape.render",
                {"soundscape": str(street), "masker": best["masker"], "snr_db": best["snr_db"],
                 "output": "augmented.flac"}, {"augmented.flac": out / "augmented.flac"})
        scene = {"version": 1, "sample_rate": 48000, "duration": 8, "room": None, "sources": [
            {"name": "street", "audio": str(street), "gain_db": 0,
             "trajectory": [{"t": 0, "azimuth": 90, "elevation": 0, "distance": 6},
                            {"t": 8, "azimuth": -90, "elevation": 0, "distance": 6}]}]}
        summary["spatial"] = _demo_step(api, "binaural scene: the street passing from left to right", "spatial.render",
                                        {"scene": scene, "format": "binaural", "output": "street_binaural.wav",
                                         "annotations": "street.csv", "verify": True},
                                        {"street_binaural.wav": out / "street_binaural.wav",
                                         "street.csv": out / "street.csv"})
    write_json_atomic(out / "demo.json", summary)
    made = [name for name, result in summary.items() if result]
    print(f"demo: made {', '.join(made) or 'nothing'}; summary in {out / 'demo.json'}")
    return 0 if made else 1


def cmd_screenshots(args: argparse.Namespace) -> int:
    from app.screenshots import ScreenshotError, render_screenshots

    try:
        written = render_screenshots(Path(args.out), devices=args.devices)
    except ScreenshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def _interchange(format_name: str) -> Any:
    """The enabled ``exporters`` contribution called ``format_name`` (e.g. ``otio``)."""
    from engine.plugins import PluginError, PluginManager

    manager = PluginManager()
    manager.discover()
    available = {c.id: c for c in manager.contributions("exporters")}
    if format_name not in available:
        raise SystemExit(f"error: no enabled exporter {format_name!r}; available: "
                         f"{', '.join(sorted(available)) or 'none'} (see noiseloom plugins list)")
    try:
        return manager.load(available[format_name])
    except PluginError as exc:
        raise SystemExit(f"error: {exc}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from app.project.fileio import ProjectFileError, load_project

    try:
        project = load_project(Path(args.project))
    except ProjectFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = _interchange(args.format).export(project.to_dict(), Path(args.out),
                                           Path(args.media) if args.media else None)
    print(f"wrote {out}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.project.fileio import save_project
    from app.project.model import Project, ProjectSettings

    try:
        data = _interchange(args.format).import_project(Path(args.source), ProjectSettings().model_dump())
        project = Project.from_dict(data)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_project(project, Path(args.out))
    print(f"wrote {args.out} ({sum(len(t) for t in project.tracks)} clips)")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    try:
        params = json.loads(args.params)
    except json.JSONDecodeError as exc:
        print(f"error: --params is not valid JSON: {exc}", file=sys.stderr)
        return 2
    return run_job(args, args.kind, params)


def cmd_jobs(args: argparse.Namespace) -> int:
    with engine_for(args) as api:
        jobs = api.jobs()
    if args.json:
        print(json.dumps(jobs, indent=2))
    else:
        for job in jobs:
            print(f"{job['id']}  {job['status']:<11} {job['kind']:<20} {100 * job['progress']:5.1f}%  "
                  f"{job.get('error') or job.get('stage') or ''}")
    return 0


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _audio_output() -> str:
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        return f"unusable: {exc} (install the system library: apt-get install libportaudio2)"
    try:
        device = sounddevice.query_devices(kind="output")
        return f"yes: {device['name']}"
    except (sounddevice.PortAudioError, ValueError) as exc:
        return f"no output device ({exc}); playback is off, everything else works"


def _qt() -> str:
    try:
        from PySide6 import __version__ as qt_version
        from PySide6.QtGui import QGuiApplication  # noqa: F401
    except ImportError as exc:
        return f"unusable: {exc} (install the gui extra: pip install 'noiseloom[gui]')"
    display = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
    platform_name = os.environ.get("QT_QPA_PLATFORM")
    if display or platform_name:
        return f"yes: PySide6 {qt_version} ({platform_name or 'display ' + display})"
    return f"PySide6 {qt_version} installed, but no display: set QT_QPA_PLATFORM=offscreen for headless use"


def cmd_doctor(args: argparse.Namespace) -> int:
    report: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(),
        "versions": {name: _version(name) for name in
                     ("noiseloom", "torch", "diffusers", "PySide6-Essentials", "av", "soundfile", "numpy")},
        "audio_output": _audio_output(), "qt": _qt(),
    }
    try:
        with engine_for(args) as api:
            report["engine"] = api.health()
            report["devices"] = api.devices()
    except (EngineError, EngineStartError, OSError) as exc:
        report["engine"] = f"unusable: {exc}"
        report["devices"] = []
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"python      {report['python']} on {report['platform']}")
    for name, version in report["versions"].items():
        print(f"{name:<11} {version}")
    print(f"audio out   {report['audio_output']}")
    print(f"qt          {report['qt']}")
    print(f"engine      {report['engine']}")
    for device in report["devices"]:
        memory = device.get("total_memory_bytes")
        print(f"device      {device['id']}: {device['name']}"
              + (f", {memory / 2**30:.1f} GiB" if memory else ""))
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from engine.plugins import PluginError, PluginManager

    manager = PluginManager()
    plugins = manager.discover()
    if args.action in ("enable", "disable"):
        try:
            plugin = manager.set_enabled(args.name, args.action == "enable")
        except PluginError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{plugin.name} {'enabled' if plugin.enabled else 'disabled'} "
              "(a running engine applies it when restarted)")
        return 0
    if args.json:
        print(json.dumps({"plugins": [p.to_json() for p in plugins], "problems": manager.problems}, indent=2))
        return 0
    for plugin in plugins:
        state = "enabled" if plugin.enabled else "disabled"
        if not plugin.compatible:
            state = f"incompatible (API {plugin.api_version})"
        elif plugin.error:
            state = "disabled after an error"
        points = ", ".join(f"{k}: {', '.join(v)}" for k, v in plugin.to_json()["contributes"].items())
        print(f"{plugin.name:<20} {plugin.version:<9} {state:<24} {points}")
    for problem in manager.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="noiseloom", description="NoiseLoom studio and command line")
    sub = parser.add_subparsers(dest="command")

    doctor = sub.add_parser("doctor", help="versions, devices, audio and Qt: what works and why not")
    _engine_options(doctor)
    doctor.set_defaults(func=cmd_doctor)

    probe = sub.add_parser("probe", help="streams and loudness of a media file")
    probe.add_argument("file")
    probe.add_argument("--no-loudness", action="store_true")
    _engine_options(probe)
    probe.set_defaults(func=cmd_probe)

    jobs = sub.add_parser("jobs", help="list the engine's jobs")
    _engine_options(jobs)
    jobs.set_defaults(func=cmd_jobs)

    video = sub.add_parser("video", help="generate a video from a prompt or a timeline of prompts")
    video.add_argument("--prompt", help="the (global) prompt")
    video.add_argument("--prompt-at", type=_timed_prompt, action="append", default=[], metavar="SECONDS=TEXT",
                       help="a prompt from SECONDS on (repeatable): a multi-prompt long video")
    video.add_argument("--transition", type=float, default=0.5, help="seconds of blending between prompts")
    video.add_argument("--hard-cut", action="store_true", help="cut between timed prompts instead of blending")
    video.add_argument("--transition-curve", default="linear",
                       help="how prompts blend: linear, smoothstep, cosine, cut or a plugin's transition")
    video.add_argument("--negative-prompt", default="")
    length = video.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float)
    length.add_argument("--frames", type=int)
    video.add_argument("--fps", type=int, default=16)
    video.add_argument("--width", type=int, default=64)
    video.add_argument("--height", type=int, default=64)
    video.add_argument("--steps", type=int)
    video.add_argument("--guidance", type=float)
    video.add_argument("--seed", type=int, default=0)
    video.add_argument("--model", default="builtin:shapes", help="builtin:shapes or a local Wan diffusers folder")
    video.add_argument("--mode", choices=("dualparal", "full", "window"),
                       help="default: full for one prompt, dualparal for timed prompts")
    video.add_argument("--workers", type=int, default=1, help="worker processes of a dualparal group")
    video.add_argument("--block-frames", type=int)
    video.add_argument("--context-frames", type=int)
    video.add_argument("--out", required=True, help="the MP4 file to write")
    video.add_argument("--stats", help="also write the JSON sidecar (settings, seed, timings, memory)")
    _engine_options(video)
    video.set_defaults(func=cmd_video)

    soundscape = sub.add_parser("soundscape", help="rank maskers and gains, render an augmented soundscape")
    soundscape_sub = soundscape.add_subparsers(dest="soundscape_command", required=True)
    search = soundscape_sub.add_parser("search", help="rank masker x gain by predicted pleasantness")
    search.add_argument("--soundscape", required=True, help="recording of the place")
    search.add_argument("--maskers", action="append", default=[], metavar="DIR",
                        help="a folder of your own maskers (repeatable); the bank (masker-source plugins) is searched too")
    search.add_argument("--snr", type=_snr_range, default=(-6.0, 6.0, 0.5), metavar="LOW:HIGH:STEP",
                        help="soundscape-to-masker ratios in dB (default -6:6:0.5)")
    search.add_argument("--top", type=int, default=10)
    search.add_argument("--model", help="a pleasantness model folder (default: the ISD-fitted model)")
    search.add_argument("--level", type=float, action="append", default=[], metavar="DBA",
                        help="absolute masker playback levels in dB(A) instead of ratios (repeatable)")
    search.add_argument("--only", action="append", default=[], metavar="NAME", help="search only these maskers")
    search.add_argument("--soundscape-level", type=float, metavar="DBA",
                        help="the recording's real level in dB(A) (calibration)")
    search.add_argument("--calibration", type=float, metavar="DB",
                        help="dB SPL of a digital mean square of 1 (overrides --soundscape-level)")
    _engine_options(search)
    search.set_defaults(func=cmd_soundscape_search)
    render = soundscape_sub.add_parser("render", help="mix a masker into the soundscape at a gain")
    render.add_argument("--soundscape", required=True)
    render.add_argument("--masker", required=True, help="a masker name from the bank, or an audio file")
    render.add_argument("--maskers", action="append", default=[], metavar="DIR")
    level = render.add_mutually_exclusive_group(required=True)
    level.add_argument("--gain-db", type=float, help="gain applied to the masker file")
    level.add_argument("--snr-db", type=float, help="soundscape-to-masker ratio")
    render.add_argument("--out", required=True, help="output .flac or .wav")
    _engine_options(render)
    render.set_defaults(func=cmd_soundscape_render)

    spatial = sub.add_parser("spatial", help="render a spatial audio scene")
    spatial_sub = spatial.add_subparsers(dest="spatial_command", required=True)
    spatial_render = spatial_sub.add_parser("render", help="render SCENE.json to a WAV file")
    spatial_render.add_argument("scene")
    spatial_render.add_argument("--format", default="binaural",
                                help="binaural, foa, stereo, mic, foa_binaural or an enabled plugin's format")
    spatial_render.add_argument("--out", required=True)
    spatial_render.add_argument("--annotations", help="also write the DCASE metadata CSV here")
    spatial_render.add_argument("--verify", action="store_true", help="localise the render, print the metrics")
    spatial_render.add_argument("--verify-mode", choices=("stems", "mixture"), default="stems",
                                help="stems: each source localised alone; mixture: the FOA mix (needs --format foa)")
    spatial_render.add_argument("--hrtf", help="a SOFA SimpleFreeFieldHRIR file (default: MIT KEMAR)")
    spatial_render.add_argument("--doppler", action="store_true", help="pitch shift of moving sources")
    spatial_render.add_argument("--no-air-absorption", action="store_true")
    spatial_render.add_argument("--no-itd", action="store_true", help="stereo: level panning only")
    spatial_render.add_argument("--seed", type=int, default=0, help="seed of the room's late tail")
    _engine_options(spatial_render)
    spatial_render.set_defaults(func=cmd_spatial_render)

    export = sub.add_parser("export", help="export a project's timeline to another editor's format")
    export.add_argument("format", help="an exporter, e.g. otio")
    export.add_argument("project", help="the .nloom project")
    export.add_argument("out")
    export.add_argument("--media", help="the generated video to reference from the timeline")
    export.set_defaults(func=cmd_export)

    importer = sub.add_parser("import", help="import a timeline from another editor's format as a project")
    importer.add_argument("format", help="an exporter that can import, e.g. otio")
    importer.add_argument("source")
    importer.add_argument("out", help="the .nloom project to write")
    importer.set_defaults(func=cmd_import)

    demo = sub.add_parser("demo", help="run the main jobs headless on the builtin defaults")
    demo.add_argument("--out", default="out/demo")
    _engine_options(demo)
    demo.set_defaults(func=cmd_demo)

    shots = sub.add_parser("screenshots", help="render the studio's main views offscreen to PNG files")
    shots.add_argument("--out", required=True, help="folder for main-empty.png, main-video.png, ...")
    shots.add_argument("--devices", default="cpu:2", help="devices of the engine used for the running views")
    shots.set_defaults(func=cmd_screenshots)

    plugins = sub.add_parser("plugins", help="list, enable or disable plugins")
    plugins.add_argument("action", nargs="?", choices=("list", "enable", "disable"), default="list")
    plugins.add_argument("name", nargs="?")
    plugins.add_argument("--json", action="store_true")
    plugins.set_defaults(func=cmd_plugins)

    run = sub.add_parser("run", help="run any job kind with JSON params")
    run.add_argument("kind")
    run.add_argument("--params", default="{}", help="the kind's params as JSON")
    _engine_options(run)
    run.set_defaults(func=cmd_run)
    parser.subcommand_names = tuple(sub.choices)
    return parser


def _attach_negative_ranges(argv: list[str]) -> list[str]:
    """Let ``--snr -6:6:0.5`` through: argparse would take ``-6:6:0.5`` for an option."""
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] == "--snr" and item.startswith("-"):
            joined[-1] = f"--snr={item}"
        else:
            joined.append(item)
    return joined


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if not argv or (argv[0] not in parser.subcommand_names and argv[0] not in ("-h", "--help")):
        from app.gui import main as studio

        return studio(argv)
    args = parser.parse_args(_attach_negative_ranges(argv))
    if getattr(args, "action", None) in ("enable", "disable") and not args.name:
        parser.error(f"plugins {args.action} needs the plugin's NAME")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
