"""Prompt clips show their blends along the transition's own curve, meeting at the boundary as the
engine blends, and the timeline paints them."""

import pytest
from PySide6.QtCore import QRectF

from app.project.model import PromptClip
from app.widgets.timeline import TRACK_H, TRACK_Y
from app.widgets.transition_shading import shading_paths, shares
from engine.video.prompts import PromptTimeline, TimedPrompt

RED, BLUE = "a red circle", "a blue square"


def _clips(curve=None, seconds=2.0, transition="blend"):
    return (PromptClip(start=0.0, end=4.0, text=RED),
            PromptClip(start=4.0, end=8.0, text=BLUE, curve=curve, transition_seconds=seconds, transition=transition))


def _other_share_from_engine(curve, t):
    """The share of the prompt not holding at ``t``, as the engine's timeline blends them."""
    timeline = PromptTimeline("", (TimedPrompt(0, 4, RED), TimedPrompt(4, 8, BLUE, transition=2.0, curve=curve)))
    return timeline.weights_at(t, 8.0)[BLUE if t < 4.0 else RED]


@pytest.mark.parametrize("curve", [None, "smoothstep", "cosine"])
def test_the_shaded_shares_are_the_engine_blend(curve):
    first, second = _clips(curve)
    outgoing = dict(shares(first, second))
    incoming = dict(shares(second, None))
    assert min(outgoing) == pytest.approx(3.0) and max(outgoing) == pytest.approx(4.0)
    assert min(incoming) == pytest.approx(0.0) and max(incoming) == pytest.approx(1.0)
    for t, share in outgoing.items():
        if t > 3.0:
            assert share == pytest.approx(_other_share_from_engine(curve, t), abs=1e-9)
    for t, share in incoming.items():
        if t < 1.0:
            assert share == pytest.approx(_other_share_from_engine(curve, 4.0 + t), abs=1e-9)
    assert outgoing[4.0] == pytest.approx(0.5) and incoming[0.0] == pytest.approx(0.5)   # the halves meet
    assert outgoing[3.5] == pytest.approx({None: 0.25, "smoothstep": 0.15625, "cosine": 0.1464466}[curve])


def test_cuts_first_clips_and_gaps():
    assert shares(*_clips(transition="cut")) == [] and shares(*_clips(curve="cut")) == []
    assert shares(_clips()[0], None) == [], "the first clip blends in from nothing"
    first, second = _clips()
    second.start = 4.5      # a gap: the first clip's end is not where the second blends in
    assert shares(first, second) == []
    assert dict(shares(second, None))[0.0] == pytest.approx(0.5), "it blends in from the gap's global prompt"
    first, second = _clips(curve="late")       # a plugin's curve is drawn as the linear blend
    assert dict(shares(first, second))[3.5] == pytest.approx(0.25)


def test_the_paths_follow_the_curve_in_pixels():
    first, second = _clips("smoothstep")
    rect = QRectF(0, 0, 200, 40)           # 4 s at 50 px/s
    [outgoing] = shading_paths(rect, 50.0, first, second)
    polygon = outgoing.toFillPolygon()
    bottom_at = {round(p.x(), 3): p.y() for p in polygon if p.y() > 0}
    assert bottom_at[200.0] == pytest.approx(20.0) and bottom_at[175.0] == pytest.approx(40 * 0.15625)
    assert shading_paths(rect, 50.0, first, None) == []
    [incoming] = shading_paths(rect, 50.0, second, None)
    assert incoming.boundingRect().width() == pytest.approx(50.0)


def test_the_timeline_paints_the_curve(shown_window):
    view = shown_window.timeline
    view.add_clip(0.0, RED)
    view.add_clip(4.0, BLUE)
    first, second = view.track.clips
    assert view.items[first.id].next_clip() is second and view.items[second.id].next_clip() is None

    def column_brightness(seconds):
        image = view.grab().toImage()
        point = view.mapFromScene(seconds * view.pps, TRACK_Y + 4 + 0.25 * (TRACK_H - 8))
        return image.pixelColor(point).lightness()

    second.transition_seconds = 2.0
    view.viewport().repaint()
    linear = column_brightness(3.6)       # the next prompt's share there: linear 0.30, cosine 0.21
    second.curve = "cosine"
    view.viewport().repaint()
    eased = column_brightness(3.6)
    assert linear > eased, "at 3.6 s the linear blend has more of the next prompt than the cosine ease"
