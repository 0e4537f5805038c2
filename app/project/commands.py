"""Undo commands: every edit of the document is a ``QUndoCommand`` pushed with ``push``.

Each command checks that it can be applied before it is pushed (``check`` raises ``PlacementError``
with a message for the status bar) and applies itself as one transaction: if a step fails midway the
steps already done are undone and the error is raised, so an operation succeeds whole or not at all.
Moves and trims carry a gesture number; the commands of one mouse drag merge (``mergeWith``) into a
single undo step. Property edits of the same field of the same object merge while typing.

Keyframes live on their clip (times from the clip's start): adding, removing, moving and changing one
are commands too; a keyframe drag merges like a clip drag. Trimming a clip's start keeps its keyframes
where they are in the video (their times shift with the start), and a split hands each half the
keyframes on its side plus one at the cut holding the curve's value there, so the curve is unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.project.model import Keyframe, PlacementError, ProjectSettings, PromptClip, Track, new_id

_MOVE_ID, _TRIM_ID, _PROPERTY_ID, _SETTING_ID, _KEYFRAME_ID = 1001, 1002, 1003, 1004, 1005
_gestures = itertools.count(1)


def next_gesture() -> int:
    """A fresh gesture number for a new drag (commands of one gesture merge)."""
    return next(_gestures)


class Edit(QUndoCommand):
    """A document edit: ``check`` before push, ``redo``/``undo`` as transactions."""

    def check(self) -> None:
        """Raise ``PlacementError`` if this edit cannot be applied to the document as it is."""

    @staticmethod
    def _transaction(steps: list[tuple[Callable[[], Any], Callable[[], Any]]]) -> None:
        """Run (do, undo) pairs in order; on failure undo the done ones in reverse and re-raise."""
        done: list[Callable[[], Any]] = []
        try:
            for do, undo in steps:
                do()
                done.append(undo)
        except Exception:
            for undo in reversed(done):
                undo()
            raise


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else err["msg"]


def push(stack: QUndoStack, command: Edit) -> None:
    """Check ``command`` and push it (which applies it); raises ``PlacementError`` if refused."""
    command.check()
    stack.push(command)


class Batch(Edit):
    """Several edits as one undo step (a delete or paste of prompt and audio clips together)."""

    def __init__(self, edits: list[Edit], text: str):
        super().__init__(text)
        self.edits = edits

    def check(self) -> None:
        for edit in self.edits:
            edit.check()

    def redo(self) -> None:
        self._transaction([(edit.redo, edit.undo) for edit in self.edits])

    def undo(self) -> None:
        for edit in reversed(self.edits):
            edit.undo()


class AddClips(Edit):
    """Create or paste clips onto a track."""

    def __init__(self, track: Track, clips: list[PromptClip], text: str = "Add clip"):
        super().__init__(text)
        self.track = track
        self.clips = clips

    def check(self) -> None:
        spans = sorted((c.start, c.end) for c in self.clips)
        for clip in self.clips:
            self.track.check_span(clip.start, clip.end)
        for (_, end_a), (start_b, _) in itertools.pairwise(spans):
            if start_b < end_a - 1e-9:
                raise PlacementError("the pasted clips overlap each other")

    def redo(self) -> None:
        self._transaction([(lambda c=c: self.track.add_clip(c), lambda c=c: self.track.remove_clip(c.id))
                           for c in self.clips])

    def undo(self) -> None:
        for clip in self.clips:
            self.track.remove_clip(clip.id)


class RemoveClips(Edit):
    """Delete clips (the removed clip objects come back on undo, with their ids)."""

    def __init__(self, track: Track, clip_ids: list[str], text: str = "Delete clip"):
        super().__init__(text)
        self.track = track
        self.clips = [track.clip(i) for i in clip_ids]

    def redo(self) -> None:
        self._transaction([(lambda c=c: self.track.remove_clip(c.id), lambda c=c: self.track.add_clip(c))
                           for c in self.clips])

    def undo(self) -> None:
        for clip in self.clips:
            self.track.add_clip(clip)


class SetSpan(Edit):
    """Move (``trim=False``) or trim a clip to a new [start, end); one drag = one undo step."""

    def __init__(self, track: Track, clip_id: str, start: float, end: float, gesture: int | None = None,
                 trim: bool = False):
        super().__init__("Trim clip" if trim else "Move clip")
        clip = track.clip(clip_id)
        self.track, self.clip_id, self.trim = track, clip_id, trim
        self.old = (clip.start, clip.end)
        self.new = (start, end)
        self.old_keyframes = list(clip.keyframes)
        self.gesture = gesture if gesture is not None else next_gesture()

    def id(self) -> int:
        return _TRIM_ID if self.trim else _MOVE_ID

    def check(self) -> None:
        self.track.check_span(*self.new, ignore=(self.clip_id,))

    def _keyframes_for(self, start: float) -> list[Keyframe]:
        """The keyframes at their video times when a trim moves the start to ``start``."""
        shift = start - self.old[0]
        if not self.trim or not self.old_keyframes or abs(shift) < 1e-12:
            return self.old_keyframes
        return [k.model_copy(update={"time": max(0.0, k.time - shift)}) for k in self.old_keyframes
                if k.time - shift >= -1e-9]

    def redo(self) -> None:
        clip = self.track.clip(self.clip_id)
        self.track.set_span(self.clip_id, *self.new)
        if self.trim and self.old_keyframes:
            clip.keyframes = self._keyframes_for(self.new[0])

    def undo(self) -> None:
        clip = self.track.clip(self.clip_id)
        self.track.set_span(self.clip_id, *self.old)
        if self.trim and self.old_keyframes:
            clip.keyframes = list(self.old_keyframes)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetSpan) or other.clip_id != self.clip_id or other.gesture != self.gesture:
            return False
        self.new = other.new
        return True


class SplitClip(Edit):
    """Cut a clip in two at ``at``: the right part is a new clip with the same settings."""

    def __init__(self, track: Track, clip_id: str, at: float):
        super().__init__("Split clip")
        self.track, self.clip_id, self.at = track, clip_id, at
        clip = track.clip(clip_id)
        self.old = (clip.start, clip.end)
        self.old_keyframes = list(clip.keyframes)
        self.left_keyframes, right_keyframes = split_keyframes(clip, at - clip.start)
        self.right = clip.model_copy(update={"id": new_id(), "start": at, "history": list(clip.history),
                                             "keyframes": right_keyframes}, deep=True)

    def check(self) -> None:
        start, end = self.old
        if not (start < self.at < end):
            raise PlacementError(f"the split point {self.at:g}s is not inside the clip [{start:g}s, {end:g}s)")
        self.track.check_span(start, self.at, ignore=(self.clip_id,))
        self.track.check_span(self.at, end, ignore=(self.clip_id,))

    def _set_keyframes(self, keyframes: list[Keyframe]) -> None:
        self.track.clip(self.clip_id).keyframes = list(keyframes)

    def redo(self) -> None:
        start, end = self.old
        self._transaction([
            (lambda: self.track.set_span(self.clip_id, start, self.at),
             lambda: self.track.set_span(self.clip_id, start, end)),
            (lambda: self._set_keyframes(self.left_keyframes), lambda: self._set_keyframes(self.old_keyframes)),
            (lambda: self.track.add_clip(self.right), lambda: self.track.remove_clip(self.right.id)),
        ])

    def undo(self) -> None:
        self.track.remove_clip(self.right.id)
        self._set_keyframes(self.old_keyframes)
        self.track.set_span(self.clip_id, *self.old)


def split_keyframes(clip: PromptClip, offset: float) -> tuple[list[Keyframe], list[Keyframe]]:
    """The keyframes of the parts of ``clip`` cut ``offset`` seconds in: each side keeps its own and
    gets one at the cut with the curve's value there (unless it has one there already)."""
    left = [k for k in clip.keyframes if k.time <= offset + 1e-9]
    right = [k.model_copy(update={"id": new_id(), "time": max(0.0, k.time - offset)}) for k in clip.keyframes
             if k.time >= offset - 1e-9]
    for param in sorted({k.param for k in clip.keyframes}):
        value = clip.value_at(param, offset, 0.0)
        if not any(k.param == param and abs(k.time - offset) < 1e-9 for k in left):
            left.append(Keyframe(time=offset, param=param, value=value))
            right.append(Keyframe(time=0.0, param=param, value=value))
    return sorted(left, key=lambda k: k.time), sorted(right, key=lambda k: k.time)


class SetClipProperty(Edit):
    """Change one field of a clip (text edits keep the prompt history); typing merges."""

    def __init__(self, clip: PromptClip, field: str, value: Any, merge: bool = True):
        super().__init__(f"Change {field.replace('_', ' ')}")
        self.clip, self.field, self.value = clip, field, value
        self.old = getattr(clip, field)
        self.old_history = list(clip.history)
        self.merge = merge

    def id(self) -> int:
        return _PROPERTY_ID

    def check(self) -> None:
        try:
            PromptClip.model_validate({**self.clip.model_dump(), self.field: self.value})
        except ValidationError as exc:
            raise PlacementError(_first_error(exc)) from None

    def redo(self) -> None:
        if self.field == "text":
            self.clip.set_text(self.value)
        else:
            setattr(self.clip, self.field, self.value)

    def undo(self) -> None:
        setattr(self.clip, self.field, self.old)
        self.clip.history = list(self.old_history)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetClipProperty) and self.merge and other.merge
                and other.clip is self.clip and other.field == self.field):
            return False
        self.value = other.value
        if self.field == "text":
            # one typing session is one history entry: the text before the session
            kept = [h for h in self.old_history if h not in (self.value, self.old)]
            self.clip.history = [*kept, self.old][-50:] if self.old and self.old != self.value else kept
        return True


class SetSetting(Edit):
    """Change one project setting; consecutive changes of the same field merge."""

    def __init__(self, settings: ProjectSettings, field: str, value: Any):
        super().__init__(f"Change {field.replace('_', ' ')}")
        self.settings, self.field, self.value = settings, field, value
        self.old = getattr(settings, field)

    def id(self) -> int:
        return _SETTING_ID

    def check(self) -> None:
        try:
            ProjectSettings.model_validate({**self.settings.model_dump(), self.field: self.value})
        except ValidationError as exc:
            raise PlacementError(_first_error(exc)) from None

    def redo(self) -> None:
        setattr(self.settings, self.field, self.value)

    def undo(self) -> None:
        setattr(self.settings, self.field, self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetSetting) and other.settings is self.settings
                and other.field == self.field):
            return False
        self.value = other.value
        return True


class AddKeyframe(Edit):
    """Put a keyframe on a clip (refused where one of the same parameter is at the same time)."""

    def __init__(self, clip: PromptClip, keyframe: Keyframe):
        super().__init__(f"Add {keyframe.param} keyframe")
        self.clip, self.keyframe = clip, keyframe

    def check(self) -> None:
        _check_keyframe_time(self.clip, self.keyframe.param, self.keyframe.time, ignore=self.keyframe.id)

    def redo(self) -> None:
        self.clip.keyframes = sorted([*self.clip.keyframes, self.keyframe], key=lambda k: k.time)

    def undo(self) -> None:
        self.clip.keyframes = [k for k in self.clip.keyframes if k.id != self.keyframe.id]


class RemoveKeyframes(Edit):
    """Delete keyframes from a clip (they come back with their ids on undo)."""

    def __init__(self, clip: PromptClip, keyframe_ids: list[str]):
        super().__init__("Delete keyframe" if len(keyframe_ids) == 1 else f"Delete {len(keyframe_ids)} keyframes")
        self.clip = clip
        self.old = list(clip.keyframes)
        self.ids = set(keyframe_ids)

    def redo(self) -> None:
        self.clip.keyframes = [k for k in self.old if k.id not in self.ids]

    def undo(self) -> None:
        self.clip.keyframes = list(self.old)


class SetKeyframe(Edit):
    """Move a keyframe in time and/or change its value; the commands of one drag (gesture) or of one
    typing session in the inspector merge into one undo step."""

    def __init__(self, clip: PromptClip, keyframe_id: str, time: float | None = None, value: float | None = None,
                 gesture: int | None = None):
        key = clip.keyframe(keyframe_id)
        super().__init__("Move keyframe" if value is None else f"Change {key.param} keyframe")
        self.clip, self.keyframe_id = clip, keyframe_id
        self.old = (key.time, key.value)
        self.new = (key.time if time is None else time, key.value if value is None else value)
        self.gesture = gesture if gesture is not None else next_gesture()

    def id(self) -> int:
        return _KEYFRAME_ID

    def check(self) -> None:
        key = self.clip.keyframe(self.keyframe_id)
        try:
            Keyframe.model_validate({**key.model_dump(), "time": self.new[0], "value": self.new[1]})
        except ValidationError as exc:
            raise PlacementError(_first_error(exc)) from None
        _check_keyframe_time(self.clip, key.param, self.new[0], ignore=key.id)

    def _apply(self, time: float, value: float) -> None:
        keys = [k.model_copy(update={"time": time, "value": value}) if k.id == self.keyframe_id else k
                for k in self.clip.keyframes]
        self.clip.keyframes = sorted(keys, key=lambda k: k.time)

    def redo(self) -> None:
        self._apply(*self.new)

    def undo(self) -> None:
        self._apply(*self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetKeyframe) and other.clip is self.clip
                and other.keyframe_id == self.keyframe_id and other.gesture == self.gesture):
            return False
        self.new = other.new
        return True


def _check_keyframe_time(clip: PromptClip, param: str, time: float, ignore: str) -> None:
    if not -1e-9 <= time <= clip.duration + 1e-9:
        raise PlacementError(f"a keyframe must lie inside its clip (0s..{clip.duration:g}s from its start; "
                             f"got {time:g}s)")
    for other in clip.keyframes:
        if other.id != ignore and other.param == param and abs(other.time - time) < 1e-6:
            raise PlacementError(f"the clip already has a {param} keyframe at {time:g}s; change that one")


def pasted_copies(clips: list[dict], at: float) -> list[PromptClip]:
    """Fresh clips (new ids) from copied clip dicts, shifted so the earliest starts at ``at``."""
    if not clips:
        return []
    first = min(c["start"] for c in clips)
    return [PromptClip.model_validate({**c, "id": new_id(), "start": c["start"] - first + at,
                                       "end": c["end"] - first + at}) for c in clips]
