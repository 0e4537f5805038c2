"""Param models of the soundscape job kinds (pure pydantic: imported by the GUI through engine.spec)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from engine.spec import JobKind, Params, register_kind


class Calibration(Params):
    """How digital samples map to sound pressure; the soundscape's level by default."""

    soundscape_level_dba: float | None = Field(
        65.0, ge=20.0, le=120.0,
        description="the LAeq in dB(A) SPL the soundscape recording stands for (sets the calibration)")
    calibration_db: float | None = Field(
        None, ge=40.0, le=200.0,
        description="dB SPL of a digital mean square of 1 (0 dBFS RMS); overrides soundscape_level_dba")


class SoundscapeSearchParams(Params):
    soundscape: str = Field(..., min_length=1, description="recording of the place (WAV/FLAC/OGG...)")
    maskers: list[str] = Field(default_factory=list, description="extra folders of WAV/FLAC maskers")
    include_builtin: bool = Field(True, description="also search the masker bank: the maskers of enabled "
                                                     "masker-source plugins (the procedural bank by default)")
    only: list[str] = Field(default_factory=list, description="search only these masker names (all if empty)")
    snr_min_db: float = Field(-6.0, ge=-60.0, le=60.0, description="lowest soundscape-to-masker ratio (ARAUS)")
    snr_max_db: float = Field(6.0, ge=-60.0, le=60.0, description="highest soundscape-to-masker ratio")
    snr_step_db: float = Field(0.5, gt=0.0, le=60.0, description="ratio step")
    masker_levels_dba: list[float] | None = Field(
        None, min_length=1, max_length=1000,
        description="absolute masker playback levels in dB(A) SPL to search instead of ratios")
    calibration: Calibration = Field(default_factory=Calibration)
    top_k: int = Field(10, ge=1, le=10000, description="length of the ranking")
    model_dir: str | None = Field(None, description="pleasantness model folder (model.json); default: ISD model")
    frame_s: float = Field(0.25, ge=0.05, le=2.0, description="analysis frame length in seconds")
    field_type: Literal["free", "diffuse"] = Field("free", description="sound field for Zwicker loudness")
    cache_dir: str | None = Field(None, description="feature cache folder; default: the user cache")

    @model_validator(mode="after")
    def _check_range(self) -> SoundscapeSearchParams:
        if self.snr_max_db < self.snr_min_db:
            raise ValueError(f"snr_max_db ({self.snr_max_db}) must be >= snr_min_db ({self.snr_min_db})")
        if (self.snr_max_db - self.snr_min_db) / self.snr_step_db > 2000:
            raise ValueError("snr range / snr_step_db gives more than 2000 gains; use a larger snr_step_db")
        return self


class SoundscapeRenderParams(Params):
    soundscape: str = Field(..., min_length=1, description="recording of the place")
    masker: str = Field(..., min_length=1, description="a masker name from the bank or a path to an audio file")
    maskers: list[str] = Field(default_factory=list, description="extra masker folders to look the name up in")
    gain_db: float | None = Field(None, ge=-80.0, le=40.0, description="gain applied to the masker file")
    snr_db: float | None = Field(None, ge=-60.0, le=60.0, description="soundscape-to-masker ratio instead of gain")
    output: str = Field("augmented.flac", description="output file name (.flac or .wav)")
    frame_s: float = Field(0.25, ge=0.05, le=2.0, description="analysis frame length for the level match")
    cache_dir: str | None = Field(None, description="feature cache folder; default: the user cache")

    @model_validator(mode="after")
    def _one_gain(self) -> SoundscapeRenderParams:
        if (self.gain_db is None) == (self.snr_db is None):
            raise ValueError("give exactly one of gain_db or snr_db")
        if not self.output.lower().endswith((".flac", ".wav")):
            raise ValueError(f"output {self.output!r} must end in .flac or .wav")
        return self


register_kind(JobKind(
    name="soundscape.search",
    params=SoundscapeSearchParams,
    runner="engine.audio.soundscape.runners:run_search",
    description="Rank masker x gain combinations by predicted ISO pleasantness (feature-domain search).",
))

register_kind(JobKind(
    name="soundscape.render",
    params=SoundscapeRenderParams,
    runner="engine.audio.soundscape.runners:run_render",
    description="Mix a masker into a soundscape at a gain or soundscape-to-masker ratio and write the file.",
))


class SoundscapeGenerateParams(Params):
    model_dir: str = Field(..., min_length=1, description="local diffusers folder: StableAudio or AudioLDM2")
    prompt: str = Field(..., min_length=1, max_length=500, description="what the masker should sound like")
    name: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", description="masker name (file stem)")
    masker_class: str = Field("generated", min_length=1, max_length=40, description="class in the bank")
    seconds: float = Field(10.0, gt=0.0, le=60.0, description="length to generate")
    seed: int = Field(0, ge=0, description="generation seed (recorded in the manifest)")
    steps: int = Field(50, ge=1, le=500, description="diffusion steps")
    guidance_scale: float = Field(7.0, ge=0.0, le=30.0)
    masker_dir: str | None = Field(None, description="also add the masker to this folder and its manifest")


register_kind(JobKind(
    name="soundscape.generate",
    params=SoundscapeGenerateParams,
    runner="engine.audio.soundscape.runners:run_generate",
    description="Generate a masker from a text prompt with a local text-to-audio diffusers folder.",
))
