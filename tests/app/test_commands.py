"""Undo commands on the real document: create, move, trim, split, delete, paste, properties; merging."""

import pytest
from PySide6.QtGui import QUndoStack

from app.project.commands import (
    AddClips,
    RemoveClips,
    SetClipProperty,
    SetSetting,
    SetSpan,
    SplitClip,
    next_gesture,
    pasted_copies,
    push,
)
from app.project.model import PlacementError, Project, PromptClip


@pytest.fixture
def doc(qapp):
    project = Project()
    stack = QUndoStack()
    push(stack, AddClips(project.prompt_track, [PromptClip(start=0, end=4, text="one")]))
    push(stack, AddClips(project.prompt_track, [PromptClip(start=6, end=9, text="two")]))
    yield project, stack
    stack.clear()


def _spans(project):
    return [(c.start, c.end) for c in project.prompt_track]


def test_create_undo_redo(doc):
    project, stack = doc
    assert _spans(project) == [(0, 4), (6, 9)]
    stack.undo()
    assert _spans(project) == [(0, 4)]
    stack.redo()
    assert _spans(project) == [(0, 4), (6, 9)]


def test_a_drag_is_one_undo_step(doc):
    project, stack = doc
    track = project.prompt_track
    clip = track.clips[0]
    gesture = next_gesture()
    count = stack.count()
    for x in (0.5, 1.0, 1.5, 2.0):
        push(stack, SetSpan(track, clip.id, x, x + 4, gesture=gesture))
    assert stack.count() == count + 1
    assert (clip.start, clip.end) == (2.0, 6.0)
    stack.undo()
    assert (clip.start, clip.end) == (0, 4)
    stack.redo()
    assert (clip.start, clip.end) == (2.0, 6.0)
    # a second drag is a second step; trims do not merge into moves
    push(stack, SetSpan(track, clip.id, 2.0, 5.5, trim=True))
    push(stack, SetSpan(track, clip.id, 1.0, 4.5))
    assert stack.count() == count + 3


def test_refused_edit_changes_nothing(doc):
    project, stack = doc
    track = project.prompt_track
    count = stack.count()
    with pytest.raises(PlacementError, match="overlaps"):
        push(stack, SetSpan(track, track.clips[0].id, 3, 7))
    with pytest.raises(PlacementError, match="overlaps"):
        push(stack, AddClips(track, pasted_copies([c.model_dump() for c in track], at=3)))
    assert stack.count() == count and _spans(project) == [(0, 4), (6, 9)]


def test_transaction_rolls_back_a_half_done_paste(doc):
    project, _stack = doc
    track = project.prompt_track
    ok = PromptClip(start=10, end=11, text="fits")
    clash = PromptClip(start=7, end=8, text="clashes")
    command = AddClips(track, [ok, clash])
    with pytest.raises(PlacementError):
        command.redo()          # applied without check: fails at the second clip
    assert _spans(project) == [(0, 4), (6, 9)]


def test_split_and_delete(doc):
    project, stack = doc
    track = project.prompt_track
    first = track.clips[0]
    push(stack, SplitClip(track, first.id, 1.5))
    assert _spans(project) == [(0, 1.5), (1.5, 4), (6, 9)]
    assert [c.text for c in track] == ["one", "one", "two"]
    with pytest.raises(PlacementError, match="not inside"):
        push(stack, SplitClip(track, first.id, 5))
    push(stack, RemoveClips(track, [c.id for c in track.clips[1:]]))
    assert _spans(project) == [(0, 1.5)]
    stack.undo()
    stack.undo()
    assert _spans(project) == [(0, 4), (6, 9)]
    assert track.clips[0] is first


def test_paste_copies_at_the_playhead(doc):
    project, stack = doc
    track = project.prompt_track
    copied = [c.model_dump() for c in track]
    push(stack, AddClips(track, pasted_copies(copied, at=10), "Paste"))
    assert _spans(project) == [(0, 4), (6, 9), (10, 14), (16, 19)]
    assert len({c.id for c in track}) == 4
    stack.undo()
    assert len(track) == 2


def test_typing_merges_and_keeps_one_history_entry(doc):
    project, stack = doc
    clip = project.prompt_track.clips[0]
    count = stack.count()
    for text in ("o", "on", "ocean", "ocean waves"):
        push(stack, SetClipProperty(clip, "text", text))
    assert stack.count() == count + 1
    assert clip.text == "ocean waves" and clip.history == ["one"]
    stack.undo()
    assert clip.text == "one" and clip.history == []
    with pytest.raises(PlacementError, match="transition"):
        push(stack, SetClipProperty(clip, "transition", "wipe"))


def test_settings_edit_validates_and_merges(doc):
    project, stack = doc
    settings = project.settings
    count = stack.count()
    push(stack, SetSetting(settings, "steps", 20))
    push(stack, SetSetting(settings, "steps", 25))
    assert stack.count() == count + 1 and settings.steps == 25
    with pytest.raises(PlacementError, match="width"):
        push(stack, SetSetting(settings, "width", 100))     # not a multiple of 8
    stack.undo()
    assert settings.steps == 12


def _keys(clip, param=None):
    return [(round(k.time, 6), k.param, k.value) for k in clip.keyframes if param in (None, k.param)]


def test_keyframes_add_move_merge_change_delete_with_undo(doc):
    from app.project.commands import AddKeyframe, RemoveKeyframes, SetKeyframe
    from app.project.model import Keyframe

    project, stack = doc
    clip = project.prompt_track.clips[0]
    key = Keyframe(time=1.0, param="guidance", value=6.0)
    push(stack, AddKeyframe(clip, key))
    with pytest.raises(PlacementError, match="already has a guidance keyframe at 1s"):
        push(stack, AddKeyframe(clip, Keyframe(time=1.0, param="guidance", value=2.0)))
    push(stack, AddKeyframe(clip, Keyframe(time=1.0, param="weight", value=0.5)))   # another parameter: fine
    gesture = next_gesture()
    depth = stack.count()
    for t in (1.2, 1.6, 2.5):           # one drag
        push(stack, SetKeyframe(clip, key.id, time=t, gesture=gesture))
    assert stack.count() == depth + 1 and _keys(clip, "guidance") == [(2.5, "guidance", 6.0)]
    with pytest.raises(PlacementError, match="inside its clip"):
        push(stack, SetKeyframe(clip, key.id, time=4.5))
    with pytest.raises(PlacementError, match="value must lie in 0..30"):
        push(stack, SetKeyframe(clip, key.id, value=31.0))
    push(stack, SetKeyframe(clip, key.id, value=9.0))
    push(stack, RemoveKeyframes(clip, [key.id]))
    assert _keys(clip) == [(1.0, "weight", 0.5)]
    stack.undo()
    assert clip.keyframe(key.id).value == 9.0
    stack.undo()
    stack.undo()
    assert _keys(clip, "guidance") == [(1.0, "guidance", 6.0)]        # the whole drag undone at once
    stack.undo()
    stack.undo()
    assert clip.keyframes == []


def test_trimming_the_start_keeps_keyframes_in_place_and_split_keeps_the_curve(doc):
    from app.project.model import Keyframe

    project, stack = doc
    track = project.prompt_track
    clip = track.clips[0]                      # 0 .. 4
    clip.keyframes = [Keyframe(time=0.5, param="guidance", value=2.0), Keyframe(time=3.0, param="guidance", value=7.0)]
    push(stack, SetSpan(track, clip.id, 1.0, 4.0, trim=True))
    assert _keys(clip) == [(2.0, "guidance", 7.0)]       # 3 s into the video still; the one at 0.5 s is cut off
    stack.undo()
    assert _keys(clip) == [(0.5, "guidance", 2.0), (3.0, "guidance", 7.0)]
    push(stack, SplitClip(track, clip.id, 2.0))
    left, right = track.clips[0], track.clips[1]
    assert _keys(left) == [(0.5, "guidance", 2.0), (2.0, "guidance", 5.0)]
    assert _keys(right) == [(0.0, "guidance", 5.0), (1.0, "guidance", 7.0)]
    stack.undo()
    assert _keys(track.clips[0]) == [(0.5, "guidance", 2.0), (3.0, "guidance", 7.0)] and len(track) == 2
