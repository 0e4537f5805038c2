"""Text-to-audio maskers with a tiny, randomly initialised StableAudio pipeline built in code."""

import json

import numpy as np
import pytest
import soundfile as sf

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tiny_stable_audio(tmp_path_factory):
    from diffusers import (
        AutoencoderOobleck,
        EDMDPMSolverMultistepScheduler,
        StableAudioDiTModel,
        StableAudioPipeline,
        StableAudioProjectionModel,
    )
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, T5Config, T5EncoderModel

    words = ["<pad>", "</s>", "<unk>", "rain", "on", "leaves", "birds", "water", "a", "the", "soft"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>", model_max_length=16)
    torch.manual_seed(0)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(words), d_model=8, d_kv=4, d_ff=16, num_layers=1,
                                           num_heads=2, pad_token_id=0, eos_token_id=1))
    transformer = StableAudioDiTModel(sample_size=64, in_channels=3, num_layers=2, attention_head_dim=4,
                                      num_key_value_attention_heads=2, out_channels=3, cross_attention_dim=4,
                                      time_proj_dim=8, global_states_input_dim=8, cross_attention_input_dim=4)
    vae = AutoencoderOobleck(encoder_hidden_size=6, downsampling_ratios=[1, 2], decoder_channels=3,
                             decoder_input_channels=3, audio_channels=2, channel_multiples=[2, 4],
                             sampling_rate=8000)
    projection = StableAudioProjectionModel(text_encoder_dim=8, conditioning_dim=4, min_value=0, max_value=32)
    # StableAudio checkpoints ship CosineDPMSolverMultistepScheduler, which needs torchsde; the EDM
    # solver the pipeline also accepts keeps this test within the project's dependencies
    scheduler = EDMDPMSolverMultistepScheduler(solver_order=2, prediction_type="v_prediction", sigma_data=1.0,
                                               sigma_schedule="exponential")
    pipe = StableAudioPipeline(vae=vae, text_encoder=text_encoder, projection_model=projection,
                               tokenizer=tokenizer, transformer=transformer, scheduler=scheduler)
    folder = tmp_path_factory.mktemp("tiny-stable-audio")
    pipe.save_pretrained(folder)
    return folder


def test_generates_a_seeded_masker_and_indexes_it(tiny_stable_audio, tmp_path):
    from engine.audio.soundscape.generate import add_to_manifest, generate_audio, generate_masker

    a, rate = generate_audio(tiny_stable_audio, "soft rain on leaves", seconds=0.015, seed=3, steps=2)
    b, _ = generate_audio(tiny_stable_audio, "soft rain on leaves", seconds=0.015, seed=3, steps=2)
    c, _ = generate_audio(tiny_stable_audio, "soft rain on leaves", seconds=0.015, seed=4, steps=2)
    assert rate == 8000 and a.shape == (120, 2)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    entry = generate_masker(tiny_stable_audio, "birds", "tiny_birds", "bird", tmp_path / "tiny_birds.flac",
                            seconds=0.015, seed=1, steps=2)
    add_to_manifest(tmp_path, entry)
    manifest = json.loads((tmp_path / "manifest.json").read_text())["maskers"]
    assert manifest[0]["name"] == "tiny_birds" and "seed 1" in manifest[0]["source"]
    assert sf.info(str(tmp_path / "tiny_birds.flac")).samplerate == 8000


def test_refuses_folders_that_are_not_text_to_audio(tmp_path):
    from engine.audio.soundscape.generate import generate_audio

    with pytest.raises(ValueError, match="model_index.json"):
        generate_audio(tmp_path, "rain", 1.0, 0)


def test_generate_job_adds_the_masker_to_a_folder(tiny_stable_audio, tmp_path):
    from engine.audio.soundscape.runners import run_generate
    from engine.jobs.context import LocalContext
    from engine.spec import JobRequest, validate_request

    params = validate_request(JobRequest(kind="soundscape.generate", params={
        "model_dir": str(tiny_stable_audio), "prompt": "water", "name": "gen_water", "masker_class": "water",
        "seconds": 0.015, "seed": 2, "steps": 2, "masker_dir": str(tmp_path / "bank")}))
    result = run_generate(params, LocalContext(tmp_path / "out"))
    assert (tmp_path / "bank" / "gen_water.flac").is_file()
    assert result["name"] == "gen_water" and result["sample_rate"] == 8000
    entries = json.loads((tmp_path / "bank" / "manifest.json").read_text())["maskers"]
    assert [e["name"] for e in entries] == ["gen_water"]
