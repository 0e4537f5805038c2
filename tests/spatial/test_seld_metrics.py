"""The DCASE SELD metrics on hand-computed cases."""

from __future__ import annotations

import pytest

from engine.audio.analysis.seld_metrics import SeldMetrics, angular_distance


def _events(frames, cls, track, az, el=0.0):
    return {f: [(cls, track, az, el)] for f in frames}


def _merge(*dicts):
    out = {}
    for d in dicts:
        for k, v in d.items():
            out.setdefault(k, []).extend(v)
    return out


def test_angular_distance():
    assert angular_distance(0, 0, 90, 0) == pytest.approx(90)
    assert angular_distance(170, 0, -170, 0) == pytest.approx(20)
    assert angular_distance(0, 90, 123, 90) == pytest.approx(0, abs=1e-6)


def test_perfect_prediction():
    ref = _events(range(20), 0, 0, 30.0)
    m = SeldMetrics(n_classes=1)
    m.update(ref, ref, 20)
    r = m.results()
    assert (r["error_rate"], r["f_score"], r["localization_error"], r["localization_recall"], r["seld_score"]) \
        == pytest.approx((0, 1, 0, 1, 0), abs=1e-9)


def test_one_true_positive_one_far_prediction():
    # segment 0: 10 degrees off -> TP; segment 1: 30 degrees off -> counted in LE but FP at 20 degrees
    ref = _events(range(20), 0, 0, 0.0)
    pred = _merge(_events(range(10), 0, 0, 10.0), _events(range(10, 20), 0, 0, 30.0))
    m = SeldMetrics(n_classes=1)
    m.update(pred, ref, 20)
    r = m.results()
    # TP=1 FP=1 FN=0 Nref=2: ER=(0+0+1)/2, F=1/(1+0.5), LE=(10+30)/2, LR=2/2
    assert r["error_rate"] == pytest.approx(0.5)
    assert r["f_score"] == pytest.approx(2 / 3)
    assert r["localization_error"] == pytest.approx(20.0)
    assert r["localization_recall"] == pytest.approx(1.0)
    assert r["seld_score"] == pytest.approx((0.5 + 1 / 3 + 20 / 180 + 0) / 4)


def test_missed_segment_and_spurious_class():
    # class 0 active in both segments, predicted only in segment 0 (exact); class 1 predicted, never there
    ref = _events(range(20), 0, 0, 45.0)
    pred = _merge(_events(range(10), 0, 0, 45.0), _events(range(5), 1, 0, -90.0))
    m = SeldMetrics(n_classes=2, average="micro")
    m.update(pred, ref, 20)
    r = m.results()
    # class 0: TP=1, FN=1 (DE_FN=1); class 1: FP=1. S, D, I are per class, then pooled:
    # class 0: S=0 D=1 I=0; class 1: S=0 D=0 I=1 -> ER=(1+1)/Nref 2 = 1; F=1/(1+(1+1)/2)=0.5; LE=0; LR=1/2
    assert r["error_rate"] == pytest.approx(1.0)
    assert r["f_score"] == pytest.approx(0.5)
    assert r["localization_error"] == pytest.approx(0.0)
    assert r["localization_recall"] == pytest.approx(0.5)


def test_macro_average_over_classes():
    ref = _merge(_events(range(10), 0, 0, 0.0), _events(range(10), 1, 0, 90.0))
    pred = _merge(_events(range(10), 0, 0, 4.0), _events(range(10), 1, 0, 150.0))
    m = SeldMetrics(n_classes=2)
    m.update(pred, ref, 10)
    r = m.results()
    assert r["classwise"][0]["f_score"] == pytest.approx(1.0)
    assert r["classwise"][1]["f_score"] == pytest.approx(0.0)
    assert r["f_score"] == pytest.approx(0.5)
    assert r["localization_error"] == pytest.approx((4 + 60) / 2)
    assert r["error_rate"] == pytest.approx((0 + 1) / 2)


def test_two_tracks_of_a_class_are_matched_by_the_hungarian_algorithm():
    # reference: tracks at +60 and -60; predictions listed in the other order: matched, zero error
    ref = _merge(_events(range(10), 0, 0, 60.0), _events(range(10), 0, 1, -60.0))
    pred = _merge(_events(range(10), 0, 0, -58.0), _events(range(10), 0, 1, 61.0))
    m = SeldMetrics(n_classes=1)
    m.update(pred, ref, 10)
    r = m.results()
    assert m.n_ref[0] == 2 and m.tp[0] == 2
    assert r["localization_error"] == pytest.approx(1.5)
    assert r["f_score"] == pytest.approx(1.0)


def test_frames_that_never_overlap_are_a_false_negative():
    ref = _events(range(5), 0, 0, 0.0)
    pred = _events(range(5, 10), 0, 0, 0.0)
    m = SeldMetrics(n_classes=1)
    m.update(pred, ref, 10)
    assert (m.tp[0], m.fp[0], m.fn[0]) == (0, 0, 1)
