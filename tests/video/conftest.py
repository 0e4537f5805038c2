"""Tiny, randomly initialised builtin-style model folders (real diffusers classes, saved to disk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.video.tiny_models import make_model_folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return make_model_folder(tmp_path_factory.mktemp("tiny_model"))


@pytest.fixture(scope="session")
def tiny_wan_vae_model(tmp_path_factory) -> Path:
    return make_model_folder(tmp_path_factory.mktemp("tiny_wan_vae_model"), vae_kind="wan")


@pytest.fixture(scope="session")
def tiny_wan_folder(tmp_path_factory) -> Path:
    """A Wan2.1-style folder: AutoencoderKLWan, UMT5 text encoder and tokenizer of its own."""
    return make_model_folder(tmp_path_factory.mktemp("tiny_wan_folder"), vae_kind="wan", text="umt5")
