"""Prompt timelines: a global prompt plus timed prompts, turned into per-block conditioning weights.

A timeline says which text holds at each moment of the video. Between two neighbouring segments the
conditioning blends over the incoming prompt's ``transition`` seconds, centred on the boundary
(FreeNoise-style prompt interpolation: the embeddings themselves are interpolated), along the incoming
prompt's transition curve (``engine.video.transitions``: linear by default, or an ease, or a plugin's);
a ``hard_cut`` boundary (or the ``cut`` curve) switches at once (the sampler moves it to the nearest
block boundary and cuts the block context there, so the scene changes cleanly). The global prompt is
appended to every timed text and fills the gaps between timed prompts. A block of frames is conditioned
on the mean of the weights of the frames it covers, so every distinct text is encoded once and blocks
only mix embeddings.

A timed prompt's keyframes (the job language's ``keyframe_value`` curves) set its guidance scale and its
weight over time: a weight w scales the prompt's share of the blend and gives the rest to the negative
prompt (``PromptEmbeddings.blend(..., rest=negative)``), so 1 is the prompt as written, 0 is no prompt
and 2 pushes twice as far from the negative prompt; the guidance of a moment is the blend of the
active prompts' guidance curves (the job's guidance where a prompt has none).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import torch

from engine.video.spec import keyframe_value
from engine.video.transitions import DEFAULT, PROMPT_TRANSITIONS, Transition, incoming_weight, is_hard_cut


@dataclass(frozen=True)
class TimedPrompt:
    """``text`` holds from ``start`` to ``end`` seconds; it blends in over ``transition`` seconds along
    the transition ``curve`` (a registered name; ``None``: the timeline's default). With a ``seed`` the
    prompt's seed is locked: the frames it holds start from that seed's noise (``SeedLockedNoise``)."""

    start: float
    end: float
    text: str
    transition: float = 0.5
    hard_cut: bool = False
    curve: str | None = None
    keyframes: tuple[tuple[str, float, float], ...] = ()  # (param, seconds from start, value)
    seed: int | None = None

    def __post_init__(self) -> None:
        keys = sorted(((str(p), float(t), float(v)) for p, t, v in self.keyframes), key=lambda k: k[1])
        object.__setattr__(self, "keyframes", tuple(keys))
        if not self.end > self.start >= 0:
            raise ValueError(f"timed prompt {self.text!r}: need 0 <= start < end, got {self.start}..{self.end}")
        if self.transition < 0:
            raise ValueError(f"timed prompt {self.text!r}: transition must be >= 0 seconds")

    def keyed(self, param: str, t: float, default: float) -> float:
        """This prompt's ``param`` at video time ``t`` (``default`` without keyframes of it)."""
        points = [(self.start + time, value) for name, time, value in self.keyframes if name == param]
        return keyframe_value(points, t, default)


@dataclass(frozen=True)
class _Segment:
    start: float
    end: float
    text: str
    transition: float
    hard_cut: bool
    curve: str
    source: TimedPrompt | None = None   # the timed prompt that holds here (its keyframes)

    def keyed(self, param: str, t: float, default: float) -> float:
        return default if self.source is None else self.source.keyed(param, t, default)


@dataclass(frozen=True)
class PromptTimeline:
    """A global prompt and timed prompts; where timed prompts overlap, the later start wins.
    ``default_curve`` is the transition curve of prompts without their own (and of the global prompt)."""

    global_prompt: str = ""
    timed: tuple[TimedPrompt, ...] = ()
    default_curve: str = DEFAULT
    _curves: dict[str, Transition] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.global_prompt.strip() and not self.timed:
            raise ValueError("prompts: give a global prompt or at least one timed prompt")

    def __getstate__(self) -> dict:
        """Pickled (for a spawned worker) without the imported curves: the worker imports its own."""
        return {**self.__dict__, "_curves": {}}

    def _curve_name(self, prompt: TimedPrompt) -> str:
        return prompt.curve or self.default_curve

    def _transition(self, name: str) -> Transition:
        """The registered transition ``name`` (imported once per timeline)."""
        if name not in self._curves:
            self._curves[name] = PROMPT_TRANSITIONS.load(name, "curve")
        return self._curves[name]

    def _cuts(self, prompt: TimedPrompt) -> bool:
        return prompt.hard_cut or is_hard_cut(self._transition(self._curve_name(prompt)))

    def _compose(self, local: str) -> str:
        glob = self.global_prompt.strip()
        return f"{local.strip()}, {glob}" if glob else local.strip()

    def _segments(self, duration: float) -> list[_Segment]:
        """The timeline as contiguous segments covering [0, duration)."""
        cuts = sorted({0.0, duration, *(t for p in self.timed for t in (p.start, p.end) if t < duration)})
        segments: list[_Segment] = []
        for a, b in itertools.pairwise(cuts):
            mid = 0.5 * (a + b)
            p = self.holder(mid)
            if p is not None:
                seg = self._segment(a, b, p, self._compose(p.text))
            elif self.global_prompt.strip():
                seg = _Segment(a, b, self.global_prompt.strip(), 0.5, False, self.default_curve)
            else:
                nearest = min(self.timed, key=lambda q: min(abs(q.start - mid), abs(q.end - mid)))
                seg = self._segment(a, b, nearest, self._compose(nearest.text))
            last = segments[-1] if segments else None
            if last is not None and last.text == seg.text and _same_curves(last.source, seg.source):
                segments[-1] = replace(last, end=b)
            else:
                segments.append(seg)
        return segments

    def holder(self, t: float) -> TimedPrompt | None:
        """The timed prompt that holds at time ``t`` (where prompts overlap, the later start wins;
        ``None`` between timed prompts)."""
        active = [p for p in self.timed if p.start <= t < p.end]
        return max(active, key=lambda p: p.start) if active else None

    def _segment(self, start: float, end: float, prompt: TimedPrompt, text: str) -> _Segment:
        return _Segment(start, end, text, prompt.transition, self._cuts(prompt), self._curve_name(prompt), prompt)

    def texts(self, duration: float) -> list[str]:
        """The distinct texts the video of ``duration`` seconds uses, in order of appearance."""
        return list(dict.fromkeys(s.text for s in self._segments(duration)))

    def _shares_at(self, t: float, duration: float) -> list[tuple[_Segment, float]]:
        """The segments blended at time ``t`` and their shares (summing to 1)."""
        segments = self._segments(duration)
        i = next((j for j, s in enumerate(segments) if s.start <= t < s.end), len(segments) - 1)
        seg = segments[i]
        shares: list[tuple[_Segment, float]] = []
        if i > 0 and not seg.hard_cut and t - seg.start < seg.transition / 2:
            progress = 0.5 + (t - seg.start) / seg.transition
            shares.append((segments[i - 1], 1.0 - self._incoming(seg, progress)))
        if i + 1 < len(segments):
            nxt = segments[i + 1]
            if not nxt.hard_cut and seg.end - t < nxt.transition / 2:
                progress = 0.5 - (seg.end - t) / nxt.transition
                shares.append((nxt, self._incoming(nxt, progress)))
        shares.append((seg, max(1.0 - sum(share for _, share in shares), 0.0)))
        total = sum(share for _, share in shares)
        return [(s, share / total) for s, share in shares if share > 0]

    def weights_at(self, t: float, duration: float) -> dict[str, float]:
        """The blend of texts at time ``t``: shares summing to 1, each scaled by its prompt's weight
        keyframes (what is left below 1 belongs to the negative prompt)."""
        weights: dict[str, float] = {}
        for seg, share in self._shares_at(t, duration):
            weights[seg.text] = weights.get(seg.text, 0.0) + share * seg.keyed("weight", t, 1.0)
        return weights

    def guidance_at(self, t: float, duration: float, default: float) -> float:
        """The guidance scale at time ``t``: the blend of the active prompts' guidance keyframes."""
        return sum(share * seg.keyed("guidance", t, default) for seg, share in self._shares_at(t, duration))

    def _incoming(self, segment: _Segment, progress: float) -> float:
        """The share of ``segment``'s text at ``progress`` (0..1) through the transition into it."""
        return incoming_weight(self._transition(segment.curve), segment.curve, progress)

    def hard_cuts(self, duration: float) -> list[float]:
        """The times of the boundaries that switch at once."""
        return [s.start for s in self._segments(duration)[1:] if s.hard_cut]

    def snapped(self, boundaries: Sequence[float]) -> PromptTimeline:
        """This timeline with every hard cut moved to the nearest of ``boundaries`` (block starts)."""
        def snap(t: float) -> float:
            return min(boundaries, key=lambda b: abs(b - t))

        cuts = {p.start for p in self.timed if self._cuts(p)}
        timed = []
        for p in self.timed:
            start = snap(p.start) if self._cuts(p) else p.start
            end = snap(p.end) if p.end in cuts else p.end
            if end > start:
                timed.append(replace(p, start=start, end=end))
        return PromptTimeline(self.global_prompt, tuple(timed), self.default_curve)

    def span_weights(self, frame_times: Sequence[float], duration: float) -> dict[str, float]:
        """The mean blend over the given frame times (the conditioning of a block covering them)."""
        acc: dict[str, float] = {}
        for t in frame_times:
            for text, w in self.weights_at(t, duration).items():
                acc[text] = acc.get(text, 0.0) + w / len(frame_times)
        return acc

    def span_guidance(self, frame_times: Sequence[float], duration: float, default: float) -> float:
        """The mean guidance scale over the given frame times (the guidance of a block covering them);
        exactly ``default`` when no prompt has guidance keyframes."""
        if not any(name == "guidance" for p in self.timed for name, _t, _v in p.keyframes):
            return default
        return sum(self.guidance_at(t, duration, default) for t in frame_times) / len(frame_times)

    def guided(self, default: float) -> bool:
        """Whether any moment needs the unconditional pass (a guidance above 1 anywhere)."""
        keyed = [v for p in self.timed for name, _t, v in p.keyframes if name == "guidance"]
        return default > 1.0 or any(v > 1.0 for v in keyed)


def _same_curves(a: TimedPrompt | None, b: TimedPrompt | None) -> bool:
    """Neighbouring segments of one text merge unless they follow different keyframes."""
    return a is b or not (a is not None and a.keyframes) and not (b is not None and b.keyframes)


class PromptEmbeddings:
    """Each distinct text encoded once; blends are weighted sums of those embeddings."""

    def __init__(self, texts: Sequence[str], encode: Callable[[list[str]], torch.Tensor]):
        unique = list(dict.fromkeys(texts))
        encoded = encode(unique)
        self._by_text = {text: encoded[i] for i, text in enumerate(unique)}

    def __len__(self) -> int:
        return len(self._by_text)

    def blend(self, weights: dict[str, float], rest: str | None = None) -> torch.Tensor:
        """The weighted sum of the embeddings named in ``weights`` (shape: tokens x text_dim); with
        ``rest``, that text's embedding takes whatever the weights leave of 1 (or gives it back)."""
        remainder = 1.0 - sum(weights.values())
        if rest is not None and abs(remainder) > 1e-9:
            weights = {**weights, rest: weights.get(rest, 0.0) + remainder}
        return sum(self._by_text[text] * w for text, w in weights.items())
