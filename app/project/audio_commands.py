"""Undo commands of the sound edits: audio clips on tracks, and the spatial scene's sources and paths.

Like ``app.project.commands``: each is a ``QUndoCommand`` pushed with ``commands.push``; a drag (of an
audio clip on the timeline, of a source in the spatial view) carries a gesture number and its commands
merge into one undo step; a command that fails midway undoes its done steps (``Edit._transaction``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import ValidationError
from PySide6.QtGui import QUndoCommand

from app.project.audio import (
    MIN_AUDIO_SECONDS,
    AudioClip,
    AudioDocument,
    AudioSpan,
    AudioTrack,
    SpatialDocument,
    SpatialSettings,
    SpatialSource,
)
from app.project.commands import Edit, next_gesture
from app.project.model import PlacementError, new_id
from engine.audio.spatial.spec import Keyframe

_AUDIO_PROPERTY_ID, _KEYFRAME_ID, _AUDIO_MOVE_ID, _AUDIO_TRIM_ID = 2001, 2002, 2003, 2004


def _checked(clip: AudioClip, span: AudioSpan) -> None:
    """Raise ``PlacementError`` (naming the field) unless ``clip`` may take ``span``."""
    try:
        AudioClip.model_validate({**clip.model_dump(), **asdict(span)})
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise PlacementError(f"{where}: {err['msg']}" if where else err["msg"]) from None


class AddAudioClip(Edit):
    """Put a clip on an audio track (an imported file, an applied masker, a recording)."""

    def __init__(self, track: AudioTrack, clip: AudioClip, text: str = "Add audio clip"):
        super().__init__(text)
        self.track, self.clip = track, clip

    def redo(self) -> None:
        self.track.add_clip(self.clip)

    def undo(self) -> None:
        self.track.remove_clip(self.clip.id)


class RemoveAudioClip(Edit):
    def __init__(self, track: AudioTrack, clip: AudioClip):
        super().__init__("Delete audio clip")
        self.track, self.clip = track, clip

    def redo(self) -> None:
        self.track.remove_clip(self.clip.id)

    def undo(self) -> None:
        self.track.add_clip(self.clip)


class SetAudioSpan(Edit):
    """Move (also onto another track) or trim an audio clip; the commands of one drag merge into one step."""

    def __init__(self, doc: AudioDocument, clip_id: str, track: AudioTrack, span: AudioSpan,
                 gesture: int | None = None, trim: bool = False):
        super().__init__("Trim audio clip" if trim else "Move audio clip")
        self.doc, self.clip_id, self.trim = doc, clip_id, trim
        old_track, clip = doc.find_clip(clip_id)
        self.old = (old_track, AudioSpan.of(clip))
        self.new = (track, span)
        self.gesture = gesture if gesture is not None else next_gesture()

    def id(self) -> int:
        return _AUDIO_TRIM_ID if self.trim else _AUDIO_MOVE_ID

    def check(self) -> None:
        _checked(self.doc.find_clip(self.clip_id)[1], self.new[1])

    def _place(self, track: AudioTrack, span: AudioSpan) -> None:
        current, clip = self.doc.find_clip(self.clip_id)
        steps = []
        if current is not track:
            steps.append((lambda: current.remove_clip(clip.id), lambda: current.add_clip(clip)))
            steps.append((lambda: track.add_clip(clip), lambda: track.remove_clip(clip.id)))
        steps.append((lambda: track.set_span(clip.id, span), lambda: None))
        self._transaction(steps)

    def redo(self) -> None:
        self._place(*self.new)

    def undo(self) -> None:
        self._place(*self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetAudioSpan) or other.clip_id != self.clip_id or other.gesture != self.gesture:
            return False
        self.new = other.new
        return True


class SplitAudioClip(Edit):
    """Cut an audio clip in two at ``at``: the right part plays on from where the left one stops."""

    def __init__(self, track: AudioTrack, clip_id: str, at: float):
        super().__init__("Split audio clip")
        self.track, self.clip_id, self.at = track, clip_id, at
        clip = track.clip(clip_id)
        self.old = AudioSpan.of(clip)
        self.left, right = self.old.split(at)
        self.right = clip.model_copy(update={"id": new_id(), **asdict(right)})

    def check(self) -> None:
        if not self.old.start + MIN_AUDIO_SECONDS <= self.at <= self.old.end - MIN_AUDIO_SECONDS:
            raise PlacementError(f"the split point {self.at:g}s is not inside the audio clip "
                                 f"[{self.old.start:g}s, {self.old.end:g}s)")

    def redo(self) -> None:
        self._transaction([
            (lambda: self.track.set_span(self.clip_id, self.left), lambda: self.track.set_span(self.clip_id, self.old)),
            (lambda: self.track.add_clip(self.right), lambda: self.track.remove_clip(self.right.id)),
        ])

    def undo(self) -> None:
        self.track.remove_clip(self.right.id)
        self.track.set_span(self.clip_id, self.old)


def pasted_audio_copies(entries: list[dict], shift: float) -> list[tuple[str, AudioClip]]:
    """(track id, fresh clip with a new id) for copied ``{"track", "clip"}`` entries, moved by ``shift``."""
    return [(e["track"], AudioClip.model_validate({**e["clip"], "id": new_id(),
                                                   "start": max(0.0, e["clip"]["start"] + shift)}))
            for e in entries]


class SetField(Edit):
    """Change one field of an audio clip or of the spatial settings; edits of one field merge."""

    def __init__(self, target: AudioClip | SpatialSettings, field: str, value: Any):
        super().__init__(f"Set {field.replace('_', ' ')}")
        self.target, self.field, self.value = target, field, value
        self.old = getattr(target, field)

    def check(self) -> None:
        try:
            type(self.target).model_validate({**self.target.model_dump(), self.field: self.value})
        except ValidationError as exc:
            raise PlacementError(f"{self.field}: {exc.errors(include_url=False)[0]['msg']}") from None

    def id(self) -> int:
        return _AUDIO_PROPERTY_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetField) or other.target is not self.target or other.field != self.field:
            return False
        self.value = other.value
        return True

    def redo(self) -> None:
        setattr(self.target, self.field, self.value)

    def undo(self) -> None:
        setattr(self.target, self.field, self.old)


class AddSource(Edit):
    def __init__(self, doc: SpatialDocument, source: SpatialSource):
        super().__init__(f"Add source {source.name}")
        self.doc, self.source = doc, source

    def check(self) -> None:
        if any(s.name == self.source.name for s in self.doc.sources):
            raise PlacementError(f"a source named {self.source.name!r} is already in the scene")

    def redo(self) -> None:
        self.doc.add_source(self.source)

    def undo(self) -> None:
        self.doc.remove_source(self.source.id)


class SetTrajectory(Edit):
    """Replace a source's keyframes (a phrase's proposal, a keyframe added or deleted, a drag).

    Commands with the same non-zero ``gesture`` on the same source merge: one drag, one undo step."""

    def __init__(self, source: SpatialSource, keyframes: list[Keyframe], text: str = "Edit path",
                 gesture: int = 0, interpolation: str | None = None):
        super().__init__(text)
        self.source, self.new, self.gesture = source, list(keyframes), gesture
        self.old = list(source.trajectory)
        self.old_interpolation = source.interpolation
        self.interpolation = interpolation or source.interpolation

    def check(self) -> None:
        try:
            SpatialSource.model_validate({**self.source.model_dump(), "trajectory": self.new})
        except ValidationError as exc:
            raise PlacementError(f"path of {self.source.name}: {exc.errors(include_url=False)[0]['msg']}") from None

    def id(self) -> int:
        return _KEYFRAME_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (not isinstance(other, SetTrajectory) or not self.gesture or other.gesture != self.gesture
                or other.source is not self.source):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self.source.interpolation = self.interpolation
        self.source.trajectory = self.new

    def undo(self) -> None:
        self.source.interpolation = self.old_interpolation
        self.source.trajectory = self.old


def keyframes_with(trajectory: list[Keyframe], t: float, azimuth: float, distance: float,
                   elevation: float | None = None, tolerance_s: float = 0.05) -> list[Keyframe]:
    """The trajectory with the keyframe at time ``t`` set to a new direction (added when none is near)."""
    kept = [k for k in trajectory if abs(k.t - t) > tolerance_s]
    near = [k for k in trajectory if abs(k.t - t) <= tolerance_s]
    at = near[0].t if near else t
    el = elevation if elevation is not None else (near[0].elevation if near else 0.0)
    return sorted([*kept, Keyframe(t=at, azimuth=azimuth, elevation=el, distance=distance)], key=lambda k: k.t)
