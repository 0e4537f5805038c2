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
