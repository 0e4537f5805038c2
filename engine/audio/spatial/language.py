"""From a phrase to a trajectory, by a fixed, documented rule set (no model; editable afterwards).

The phrase is read for the spatial attributes that BEWO / SpatialSonic extract with a language model:
start and end direction, distance, motion and speed. The rules, applied to the lower-cased phrase:

Directions (azimuth, elevation in degrees; the longest matching words win):
  front / ahead / in front -> (0, 0)         left -> (90, 0)          right -> (-90, 0)
  behind / back / rear -> (180, 0)           front left -> (45, 0)    front right -> (-45, 0)
  back left / behind left / rear left -> (135, 0)   back right / behind right / rear right -> (-135, 0)
  overhead / above / up / sky -> elevation 70 (azimuth from any other direction word, else 0)
  below / beneath / down / under -> elevation -40 (the lowest measured KEMAR elevation)
Distance:  very close 0.5 m; close / near / next to 1 m; (nothing said) 3 m; far / distant / away 15 m;
  very far / in the distance 40 m.
Motion (the first rule that matches):
  "from A to B"                   -> moves from A to B (a half turn passes in front; say "behind" to pass behind)
  passing / passes / goes by / drives by / flies by -> from A to B if given, else left to right; the source
                                     is three times farther at both ends than at the middle (fly-by)
  circling / around me / orbiting -> one full turn counter-clockwise starting at the named direction
  approaching / coming closer / towards me -> from 8x the distance to the distance
  receding / moving away / leaving / going away -> from the distance to 8x the distance
  otherwise                       -> static at the named direction (front if none)
Speed: slowly / slow -> the motion spans the whole scene; (nothing said) -> at most 6 s; quickly / fast /
  rushing / speeding -> at most 2.5 s; a motion shorter than the scene is centred in it.
"""

from __future__ import annotations

import re

from engine.audio.spatial.spec import Generator, Keyframe, Source

_DIRECTIONS = {
    "back left": 135.0, "behind left": 135.0, "rear left": 135.0,
    "back right": -135.0, "behind right": -135.0, "rear right": -135.0,
    "front left": 45.0, "front right": -45.0, "in front": 0.0, "front": 0.0, "ahead": 0.0,
    "left": 90.0, "right": -90.0, "behind": 180.0, "back": 180.0, "rear": 180.0,
}
_UP = ("overhead", "above", "up", "sky")
_DOWN = ("below", "beneath", "down", "under")
_DISTANCES = (("very close", 0.5), ("very far", 40.0), ("in the distance", 40.0), ("close", 1.0), ("near", 1.0),
              ("next to", 1.0), ("far", 15.0), ("distant", 15.0), ("away", 15.0))
_PASSING = ("passing", "passes", "goes by", "drives by", "flies by", "going by", "driving by", "flying by")
_CIRCLING = ("circling", "around me", "orbiting", "circles")
_APPROACHING = ("approaching", "coming closer", "towards me", "toward me", "comes closer")
_RECEDING = ("receding", "moving away", "leaving", "going away", "goes away")
_SLOW = ("slowly", "slow")
_FAST = ("quickly", "fast", "rushing", "speeding")


def _has(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)


def _direction(text: str) -> tuple[float, float] | None:
    """The direction named in ``text`` (longest phrase first), or None."""
    azimuth = None
    for words in sorted(_DIRECTIONS, key=len, reverse=True):
        if re.search(rf"\b{words}\b", text):
            azimuth = _DIRECTIONS[words]
            break
    elevation = 70.0 if _has(text, _UP) else -40.0 if _has(text, _DOWN) else None
    if azimuth is None and elevation is None:
        return None
    return azimuth or 0.0, elevation or 0.0


def _distance(text: str) -> float:
    for words, metres in _DISTANCES:
        if re.search(rf"\b{words}\b", text):
            return metres
    return 3.0


def interpret(phrase: str) -> dict:
    """The spatial attributes of ``phrase``: motion, start and end direction, distance, speed."""
    text = " ".join(phrase.lower().split())
    distance = _distance(text)
    speed = "slow" if _has(text, _SLOW) else "fast" if _has(text, _FAST) else "normal"
    match = re.search(r"\bfrom (?:the )?(.+?) to (?:the )?(.+?)(?:$|[,.;]| and | at | while )", text)
    start = end = None
    if match:
        start, end = _direction(match.group(1)), _direction(match.group(2))
    if start is not None and end is not None:
        motion = "passing" if _has(text, _PASSING) else "path"
    elif _has(text, _PASSING):
        motion, start, end = "passing", (90.0, 0.0), (-90.0, 0.0)
    elif _has(text, _CIRCLING):
        motion = "circling"
    elif _has(text, _APPROACHING):
        motion = "approaching"
    elif _has(text, _RECEDING):
        motion = "receding"
    else:
        motion = "static"
    if start is None:
        start = _direction(text) or (0.0, 0.0)
        end = start
    return {"motion": motion, "start": list(start), "end": list(end), "distance": distance, "speed": speed}


def phrase_to_trajectory(phrase: str, duration: float) -> list[Keyframe]:
    """Keyframes for ``phrase`` over a scene of ``duration`` seconds (see the module's rules)."""
    if duration <= 0:
        raise ValueError(f"duration must be positive, got {duration}")
    a = interpret(phrase)
    span = {"slow": duration, "normal": min(duration, 6.0), "fast": min(duration, 2.5)}[a["speed"]]
    t0 = (duration - span) / 2.0
    t1 = t0 + span
    (az0, el0), (az1, el1), d = a["start"], a["end"], a["distance"]
    motion = a["motion"]
    if motion == "static":
        return [Keyframe(t=0.0, azimuth=az0, elevation=el0, distance=d)]
    if motion == "path":
        return [Keyframe(t=t0, azimuth=az0, elevation=el0, distance=d),
                Keyframe(t=t1, azimuth=az1, elevation=el1, distance=d)]
    if motion == "passing":
        middle = Keyframe(t=(t0 + t1) / 2, azimuth=0.0, elevation=(el0 + el1) / 2, distance=d)
        step = (az1 - az0 + 180.0) % 360.0 - 180.0
        if abs(abs(step) - 180.0) > 1e-9:
            middle = middle.model_copy(update={"azimuth": az0 + step / 2})
        elif abs(az0) > 90.0:  # from one side to the other behind the listener when both ends are behind
            middle = middle.model_copy(update={"azimuth": 180.0})
        return [Keyframe(t=t0, azimuth=az0, elevation=el0, distance=3 * d), middle,
                Keyframe(t=t1, azimuth=az1, elevation=el1, distance=3 * d)]
    if motion == "circling":
        return [Keyframe(t=t0 + span * k / 4, azimuth=az0 + 90.0 * k, elevation=el0, distance=d) for k in range(5)]
    near, far = d, 8 * d
    first, last = (far, near) if motion == "approaching" else (near, far)
    return [Keyframe(t=t0, azimuth=az0, elevation=el0, distance=first),
            Keyframe(t=t1, azimuth=az0, elevation=el0, distance=last)]


def source_from_phrase(name: str, phrase: str, duration: float, audio: str | None = None,
                       generator: Generator | None = None, gain_db: float = 0.0) -> Source:
    """A scene source placed and moved as ``phrase`` says (smooth paths for fly-bys and circles)."""
    keys = phrase_to_trajectory(phrase, duration)
    interpolation = "smooth" if interpret(phrase)["motion"] in ("passing", "circling") else "linear"
    return Source(name=name, audio=audio, generator=generator, gain_db=gain_db, trajectory=keys,
                  interpolation=interpolation)
