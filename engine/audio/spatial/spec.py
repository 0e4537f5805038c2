"""The spatial scene and the ``spatial.render`` job kind (pure pydantic: the GUI imports this).

A scene places sources around a listener and moves them over time. Conventions are those of DCASE and
AmbiX: azimuth in degrees, 0 = front, positive counter-clockwise (90 = left, -90 = right, 180 = behind);
elevation in degrees, positive up; distance in metres from the centre of the listener's head. The
listener sits at the origin looking along +x (azimuth 0) with +y to the left and +z up; in a room the
listener stands at ``room.listener`` and keeps that orientation.

Each source has a trajectory of keyframes ``(t, azimuth, elevation, distance)``. Between keyframes the
direction moves along the shorter arc of azimuth (an exact half turn goes through the front, so a source
from +90 to -90 passes in front; add a keyframe at 180 to pass behind); ``linear`` moves at constant
angular speed per segment, ``smooth`` uses a shape-preserving cubic (no overshoot) through all keyframes.
Before the first and after the last keyframe the source stays put. Distance is interpolated in the log
domain (a source approaching from 8 m to 1 m slows down as it gets close, as a source at constant speed
passing by does in angle).

Input rules: azimuth of any finite value is wrapped into (-180, 180]; elevation outside [-90, 90] is
refused (say azimuth 180 for "behind"); NaN and infinity are refused everywhere; a scene needs at least
one source; keyframe times must increase. A source shorter than the scene is padded with silence or
looped (``fit``); a longer one is cut at the end of the scene. Audio paths are relative to the scene file.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from engine.plugins import ExtensionRegistry
from engine.spec import JobKind, Params, register_kind

SCENE_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Keyframe(_Strict):
    """Where a source is at time ``t`` (seconds from the start of the scene)."""

    t: float = Field(..., ge=0, description="time in seconds")
    azimuth: float = Field(0.0, description="degrees, 0 = front, 90 = left, -90 = right, 180 = behind; wrapped")
    elevation: float = Field(0.0, description="degrees, positive up, -90..90")
    distance: float = Field(1.0, gt=0, le=10_000, description="metres from the listener's head centre")

    @field_validator("azimuth")
    @classmethod
    def _wrap_azimuth(cls, value: float) -> float:
        return wrap_azimuth(value)

    @field_validator("elevation")
    @classmethod
    def _check_elevation(cls, value: float) -> float:
        if not -90.0 <= value <= 90.0:
            raise ValueError(
                f"elevation must be within -90..90 degrees (positive up), got {value}; for a direction "
                "over the back use azimuth 180 with an elevation below 90")
        return value


class Generator(_Strict):
    """A sound made on the fly instead of read from a file (deterministic from ``seed``)."""

    kind: Literal["white", "pink", "brown", "tone"] = Field("pink", description="noise colour or a sine tone")
    frequency: float = Field(1000.0, gt=0, le=20_000, description="tone frequency in Hz (tone only)")
    level_db: float = Field(-20.0, le=0, description="RMS level in dB re full scale")
    seed: int = Field(0, ge=0, description="noise seed")


class Source(_Strict):
    """A sound in the scene and its path."""

    name: str = Field(..., min_length=1, max_length=100)
    audio: str | None = Field(None, min_length=1, description="audio file; relative paths are relative to the scene file")
    generator: Generator | None = Field(None, description="a generated sound instead of a file")
    masker: str | None = Field(None, min_length=1, description="a masker of the builtin bank by name, e.g. 'fountain'")
    gain_db: float = Field(0.0, ge=-120, le=40, description="gain applied to the source in dB")
    trajectory: list[Keyframe] = Field(..., min_length=1, description="keyframes with increasing t")
    interpolation: Literal["linear", "smooth"] = "linear"
    start: float = Field(0.0, ge=0, description="scene time in seconds at which the source's sound begins")
    fit: Literal["pad", "loop"] = Field("pad", description="a sound shorter than the scene: pad with silence or loop")
    class_index: int | None = Field(None, ge=0, le=1000, description="DCASE class index (default: position in the list)")

    @model_validator(mode="after")
    def _check(self) -> Source:
        given = [k for k in ("audio", "generator", "masker") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"source {self.name!r}: give exactly one of 'audio' (a file), 'generator' or "
                             f"'masker' (got {', '.join(given) or 'none'})")
        times = [k.t for k in self.trajectory]
        if any(b <= a for a, b in pairwise(times)):
            raise ValueError(f"source {self.name!r}: trajectory keyframe times must strictly increase, got {times}")
        return self


Vector3 = Annotated[list[float], Field(min_length=3, max_length=3)]


class Room(_Strict):
    """A shoebox room (pyroomacoustics image sources for early reflections, a statistical late tail)."""

    dimensions: Vector3 = Field(..., description="length (x), width (y), height (z) in metres")
    listener: Vector3 = Field(..., description="listener position in the room in metres; it looks along +x")
    rt60: float | None = Field(None, gt=0.05, le=10, description="reverberation time in s (sets the walls' absorption)")
    material: str | None = Field(None, description="a pyroomacoustics material name for all walls, e.g. 'brickwork'")
    absorption: float | None = Field(None, gt=0, le=1, description="energy absorption of all walls")
    max_order: int | None = Field(None, ge=0, le=40, description="image source order (default: enough for ~80 ms)")
    late_tail: bool = Field(True, description="add a statistical late reverberation tail after the early part")

    @model_validator(mode="after")
    def _check(self) -> Room:
        if any(d <= 0 or d > 200 for d in self.dimensions):
            raise ValueError(f"room.dimensions must be positive metres up to 200, got {self.dimensions}")
        if not all(0 < p < d for p, d in zip(self.listener, self.dimensions)):
            raise ValueError(f"room.listener {self.listener} must lie inside the room {self.dimensions}")
        given = [name for name in ("rt60", "material", "absorption") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"room: give exactly one of rt60, material, absorption (got {given or 'none'})")
        return self


class Scene(_Strict):
    """A listener, sources with trajectories, an optional room."""

    version: Literal[1] = Field(SCENE_VERSION, description="scene format version")
    sample_rate: Literal[44100, 48000] = Field(48000, description="output sample rate in Hz")
    duration: float = Field(..., gt=0, le=24 * 3600, description="scene length in seconds")
    sources: list[Source] = Field(..., description="at least one source")
    room: Room | None = None

    @field_validator("sources")
    @classmethod
    def _not_empty(cls, value: list[Source]) -> list[Source]:
        if not value:
            raise ValueError("a scene needs at least one source; add one to 'sources'")
        names = [s.name for s in value]
        if len(set(names)) != len(names):
            raise ValueError(f"source names must be unique, got {names}")
        return value

    @model_validator(mode="after")
    def _sources_in_room(self) -> Scene:
        if self.room is None:
            return self
        for source in self.sources:
            for key in source.trajectory:
                position = keyframe_position(key, self.room.listener)
                if not all(0 < p < d for p, d in zip(position, self.room.dimensions)):
                    raise ValueError(
                        f"source {source.name!r} at t={key.t} (azimuth {key.azimuth}, elevation {key.elevation}, "
                        f"distance {key.distance} m) lies outside the room {self.room.dimensions}; "
                        "bring it closer or make the room bigger")
        return self


def wrap_azimuth(degrees: float) -> float:
    """Wrap an azimuth in degrees into (-180, 180]."""
    wrapped = math.fmod(degrees, 360.0)
    if wrapped > 180.0:
        wrapped -= 360.0
    elif wrapped <= -180.0:
        wrapped += 360.0
    return wrapped


def keyframe_position(key: Keyframe, origin: list[float]) -> list[float]:
    """The Cartesian position in metres of a keyframe seen from ``origin`` (x front, y left, z up)."""
    az, el = math.radians(key.azimuth), math.radians(key.elevation)
    return [origin[0] + key.distance * math.cos(el) * math.cos(az),
            origin[1] + key.distance * math.cos(el) * math.sin(az),
            origin[2] + key.distance * math.sin(el)]


SPATIAL_RENDERERS = ExtensionRegistry("spatial_renderers", "output format", {
    "binaural": ("engine.audio.spatial.formats:BINAURAL", "Binaural (measured HRTF)"),
    "foa": ("engine.audio.spatial.formats:FOA", "First-order Ambisonics (AmbiX: ACN, SN3D)"),
    "stereo": ("engine.audio.spatial.formats:STEREO", "Stereo (constant-power panning, optional ITD)"),
    "mic": ("engine.audio.spatial.formats:MIC", "Tetrahedral mic array (DCASE MIC format)"),
    "foa_binaural": ("engine.audio.spatial.formats:FOA_BINAURAL", "FOA decoded to binaural"),
})


class SpatialRenderParams(Params):
    """Render a scene to a WAV file, optionally with DCASE annotations and a localisation check."""

    scene_path: str | None = Field(None, min_length=1, description="a scene JSON file on the engine's machine")
    scene: Scene | None = Field(None, description="an inline scene (audio paths relative to audio_root)")
    audio_root: str | None = Field(None, description="folder that inline scenes' relative audio paths start from")
    format: str = Field(
        "binaural", min_length=1, max_length=100,
        description="binaural (HRTF), foa (AmbiX ACN/SN3D), stereo (panning), mic (tetrahedral array), "
                    "foa_binaural (FOA decoded to binaural through virtual loudspeakers), or a plugin's "
                    "spatial renderer")
    output: str = Field("render.wav", min_length=1, description="output WAV file name in the job's folder")
    annotations: str | None = Field(None, min_length=1, description="also write DCASE metadata CSV with this name")
    verify: bool = Field(False, description="localise the render and report DOA error and SELD metrics")
    verify_mode: Literal["stems", "mixture"] = Field(
        "stems", description="verify each source rendered alone, or (foa only) localise the mix itself")
    hrtf: str | None = Field(None, description="SOFA SimpleFreeFieldHRIR file (default: MIT KEMAR)")
    doppler: bool = Field(False, description="time-varying propagation delay (pitch shift of moving sources)")
    air_absorption: bool = Field(True, description="frequency-dependent air absorption with distance")
    stereo_itd: bool = Field(True, description="stereo: add an interaural time difference to the panning")
    seed: int = Field(0, ge=0, description="seed of the late reverberation tail's noise")

    @field_validator("output", "annotations")
    @classmethod
    def _file_names(cls, value: str | None, info: ValidationInfo) -> str | None:
        suffix = ".wav" if info.field_name == "output" else ".csv"
        if value is not None and (not value.lower().endswith(suffix) or "/" in value or "\\" in value):
            raise ValueError(f"{info.field_name} must be a plain file name ending in {suffix}, got {value!r}")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str, info: ValidationInfo) -> str:
        return SPATIAL_RENDERERS.check(value, info.field_name)

    @model_validator(mode="after")
    def _one_scene(self) -> SpatialRenderParams:
        if (self.scene_path is None) == (self.scene is None):
            raise ValueError("give exactly one of 'scene_path' (a JSON file) or 'scene' (inline)")
        if self.verify and self.format not in SPATIAL_RENDERERS.core_names:
            raise ValueError(f"verify localises the core formats only ({', '.join(SPATIAL_RENDERERS.core_names)}), "
                             f"not {self.format!r}: render without verify")
        if self.verify and self.verify_mode == "mixture" and self.format != "foa":
            raise ValueError(f"verify_mode 'mixture' needs format 'foa', not {self.format!r}")
        return self


register_kind(JobKind(
    name="spatial.render",
    params=SpatialRenderParams,
    runner="engine.audio.spatial.runner:run",
    description="Render a spatial scene to binaural, first-order Ambisonics (AmbiX), stereo or a "
                "tetrahedral mic array, with rooms; optionally export DCASE annotations and verify by "
                "localisation.",
))
