"""OpenTimelineIO export and import of a NoiseLoom timeline.

Export: one video track of the prompt clips (gaps where no prompt holds), each clip named by its
prompt, pointing at the generated video when one is given (else a missing reference), with the whole
clip in ``metadata["noiseloom"]`` so nothing is lost; a second track holds the generated video as one
clip with a marker at each prompt's start, which is what an editor shows on its timeline; each audio
track becomes an OTIO audio track of clips pointing at their files. The project's settings and
spatial scene ride in the timeline's metadata. Import reads such a file back exactly, and a
timeline from another editor as well: its first video track's clips become prompt clips named after
them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSequence
from pathlib import Path
from typing import Any

import opentimelineio as otio

from engine.atomic import write_bytes_atomic

KEY = "noiseloom"


def _plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary, AnyVector) back to plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, MutableSequence):
        return [_plain(v) for v in value]
    return value


def _range(start_s: float, duration_s: float, fps: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.from_seconds(start_s, fps),
                                   otio.opentime.from_seconds(duration_s, fps))


def _reference(media: Path | None, duration_s: float, fps: float) -> otio.core.MediaReference:
    if media is None:
        return otio.schema.MissingReference()
    return otio.schema.ExternalReference(target_url=Path(media).resolve().as_uri(),
                                         available_range=_range(0.0, duration_s, fps))


def project_to_timeline(project: dict[str, Any], media: Path | None = None) -> otio.schema.Timeline:
    """The OTIO timeline of a project (the ``project`` object of a .nloom file)."""
    settings = project["settings"]
    fps = float(settings["fps"])
    duration = float(settings["duration"])
    timeline = otio.schema.Timeline(name=project.get("name", "NoiseLoom"),
                                    global_start_time=otio.opentime.RationalTime(0, fps))
    audio = project.get("audio", {"tracks": [], "spatial": {}})
    timeline.metadata[KEY] = {"settings": settings, "name": project.get("name"), "spatial": audio.get("spatial", {})}
    for track in project["tracks"]:
        if track.get("kind", "prompt") != "prompt":
            continue
        otio_track = otio.schema.Track(name=track["name"], kind=otio.schema.TrackKind.Video)
        otio_track.metadata[KEY] = {"track": {k: v for k, v in track.items() if k != "clips"}}
        cursor = 0.0
        for clip in sorted(track["clips"], key=lambda c: c["start"]):
            if clip["start"] > cursor + 1e-9:
                otio_track.append(otio.schema.Gap(source_range=_range(0.0, clip["start"] - cursor, fps)))
            length = clip["end"] - clip["start"]
            item = otio.schema.Clip(name=clip["text"] or "(empty prompt)",
                                    media_reference=_reference(media, duration, fps),
                                    source_range=_range(clip["start"], length, fps))
            item.metadata[KEY] = {"clip": clip}
            otio_track.append(item)
            cursor = clip["end"]
        timeline.tracks.append(otio_track)
    if media is not None:
        generated = otio.schema.Track(name="Generated video", kind=otio.schema.TrackKind.Video)
        video = otio.schema.Clip(name=Path(media).name, media_reference=_reference(media, duration, fps),
                                 source_range=_range(0.0, duration, fps))
        for track in project["tracks"]:
            for clip in track["clips"] if track.get("kind", "prompt") == "prompt" else []:
                video.markers.append(otio.schema.Marker(
                    name=clip["text"], marked_range=_range(clip["start"], clip["end"] - clip["start"], fps),
                    color=otio.schema.MarkerColor.ORANGE))
        generated.append(video)
        timeline.tracks.append(generated)
    for track in audio.get("tracks", []):
        timeline.tracks.append(_audio_track(track, fps))
    return timeline


def _audio_track(track: dict[str, Any], fps: float) -> otio.schema.Track:
    otio_track = otio.schema.Track(name=track["name"], kind=otio.schema.TrackKind.Audio)
    otio_track.metadata[KEY] = {"track": {"id": track.get("id"), "name": track["name"]}}
    cursor = 0.0
    for clip in sorted(track["clips"], key=lambda c: c["start"]):
        if clip["start"] > cursor + 1e-9:
            otio_track.append(otio.schema.Gap(source_range=_range(0.0, clip["start"] - cursor, fps)))
        item = otio.schema.Clip(name=clip.get("name") or Path(clip["path"]).name,
                                media_reference=otio.schema.ExternalReference(
                                    target_url=Path(clip["path"]).resolve().as_uri()),
                                source_range=_range(clip.get("offset", 0.0), clip["duration"], fps))
        item.metadata[KEY] = {"clip": clip}
        otio_track.append(item)
        cursor = clip["start"] + clip["duration"]
    return otio_track


def timeline_to_project(timeline: otio.schema.Timeline, defaults: dict[str, Any]) -> dict[str, Any]:
    """A project (``project`` object of a .nloom file) from an OTIO timeline.

    ``defaults`` are the settings used when the timeline does not carry NoiseLoom's own.
    """
    ours = _plain(timeline.metadata.get(KEY, {}))
    settings = dict(ours.get("settings") or defaults)
    tracks = []
    video_tracks = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    prompt_tracks = [t for t in video_tracks if KEY in t.metadata] or video_tracks[:1]
    for otio_track in prompt_tracks:
        fps = None
        clips = []
        for item in otio_track:
            if not isinstance(item, otio.schema.Clip):
                continue
            span = otio_track.range_of_child(item)
            fps = fps or span.start_time.rate
            start = span.start_time.to_seconds()
            end = span.end_time_exclusive().to_seconds()
            saved = _plain(item.metadata.get(KEY, {})).get("clip")
            clip = dict(saved) if saved else {"text": item.name}
            clip.update(start=round(start, 6), end=round(end, 6))
            clips.append(clip)
        track = _plain(otio_track.metadata.get(KEY, {})).get("track") or {"name": otio_track.name, "kind": "prompt"}
        track["clips"] = clips
        tracks.append(track)
        if not ours.get("settings") and fps:
            settings["fps"] = max(1, round(fps))
    if not tracks:
        raise ValueError("the OTIO file has no video track to take prompt clips from")
    end = max((c["end"] for t in tracks for c in t["clips"]), default=0.0)
    settings["duration"] = max(float(settings.get("duration", 0.0)), end) or 1.0
    audio_tracks = [_audio_from_otio(t) for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    return {"name": ours.get("name") or timeline.name or "Imported", "settings": settings, "tracks": tracks,
            "audio": {"tracks": audio_tracks, "spatial": ours.get("spatial", {})}}


def _audio_from_otio(otio_track: otio.schema.Track) -> dict[str, Any]:
    clips = []
    for item in otio_track:
        if not isinstance(item, otio.schema.Clip):
            continue
        span = otio_track.range_of_child(item)
        saved = _plain(item.metadata.get(KEY, {})).get("clip")
        reference = getattr(item.media_reference, "target_url", "") or ""
        clip = dict(saved) if saved else {"name": item.name, "path": reference.removeprefix("file://") or item.name}
        clip.update(start=round(span.start_time.to_seconds(), 6), duration=round(span.duration.to_seconds(), 6),
                    offset=round(item.trimmed_range().start_time.to_seconds(), 6))
        clips.append(clip)
    track = _plain(otio_track.metadata.get(KEY, {})).get("track") or {"name": otio_track.name}
    return {**{k: v for k, v in track.items() if v is not None}, "clips": clips}


class OTIOInterchange:
    """The ``exporters`` contribution: ``export(project, out, media)`` and ``import_project(path, defaults)``."""

    extensions = (".otio",)

    def export(self, project: dict[str, Any], out: Path, media: Path | None = None) -> Path:
        text = otio.adapters.write_to_string(project_to_timeline(project, media), "otio_json")
        write_bytes_atomic(Path(out), text.encode())
        return Path(out)

    def import_project(self, path: Path, defaults: dict[str, Any]) -> dict[str, Any]:
        try:
            timeline = otio.adapters.read_from_file(str(path))
        except Exception as exc:  # OTIO raises many kinds of errors for a bad file
            raise ValueError(f"{path} is not a readable OpenTimelineIO file: {exc}") from None
        return timeline_to_project(timeline, defaults)


INTERCHANGE = OTIOInterchange()
