import pytest
import torch

from engine.video.noise import NoisePool
from engine.video.prompts import PromptEmbeddings, PromptTimeline, TimedPrompt


def timeline(hard_cut: bool = False) -> PromptTimeline:
    return PromptTimeline("grey floor", (TimedPrompt(0, 4, "red circle"),
                                         TimedPrompt(4, 8, "blue square", transition=2.0, hard_cut=hard_cut)))


def test_transition_blends_linearly_around_the_boundary():
    tl = timeline()
    red, blue = "red circle, grey floor", "blue square, grey floor"
    assert tl.texts(8.0) == [red, blue]
    assert tl.weights_at(1.0, 8.0) == {red: 1.0}
    assert tl.weights_at(4.0, 8.0) == pytest.approx({blue: 0.5, red: 0.5})
    assert tl.weights_at(3.5, 8.0) == pytest.approx({red: 0.75, blue: 0.25})
    assert tl.weights_at(4.5, 8.0) == pytest.approx({blue: 0.75, red: 0.25})
    assert tl.weights_at(5.1, 8.0) == {blue: 1.0}


def test_hard_cut_switches_at_once_and_gaps_fall_back_to_the_global_prompt():
    tl = timeline(hard_cut=True)
    assert tl.weights_at(3.99, 8.0) == {"red circle, grey floor": 1.0}
    assert tl.weights_at(4.0, 8.0) == {"blue square, grey floor": 1.0}
    assert tl.weights_at(9.0, 10.0) == {"grey floor": 1.0}


def test_each_distinct_prompt_is_encoded_once():
    calls = []

    def encode(texts):
        calls.append(list(texts))
        return torch.stack([torch.full((2, 3), float(len(t))) for t in texts])

    embeds = PromptEmbeddings(["a", "bb", "a", "bb", "ccc"], encode)
    assert calls == [["a", "bb", "ccc"]] and len(embeds) == 3
    assert torch.allclose(embeds.blend({"a": 0.5, "ccc": 0.5}), torch.full((2, 3), 2.0))


def keyed_timeline() -> PromptTimeline:
    return PromptTimeline("grey floor", (
        TimedPrompt(0, 4, "red circle", keyframes=(("weight", 1.0, 1.0), ("weight", 3.0, 0.0))),
        TimedPrompt(4, 8, "blue square", transition=2.0, keyframes=[["guidance", 2.0, 9.0]])))


def test_weight_keyframes_scale_the_prompts_share_and_leave_the_rest_to_the_negative_prompt():
    tl = keyed_timeline()
    red, blue = "red circle, grey floor", "blue square, grey floor"
    assert tl.weights_at(0.5, 8.0) == {red: 1.0}                 # held before the first keyframe
    assert tl.weights_at(2.0, 8.0) == pytest.approx({red: 0.5})  # halfway from 1 to 0
    assert tl.weights_at(3.5, 8.0) == pytest.approx({red: 0.0, blue: 0.25})  # the blend, weight 0 after 3 s
    embeds = PromptEmbeddings([red, "ugly"], lambda texts: torch.stack(
        [torch.full((2, 3), 4.0 if t == red else 0.0) for t in texts]))
    assert torch.allclose(embeds.blend(tl.weights_at(2.0, 8.0), rest="ugly"), torch.full((2, 3), 2.0))
    assert torch.allclose(embeds.blend({red: 1.5}, rest="ugly"), torch.full((2, 3), 6.0))


def test_guidance_keyframes_follow_the_active_prompt_and_blend_through_transitions():
    tl = keyed_timeline()
    assert tl.guidance_at(1.0, 8.0, 5.0) == 5.0                  # the red prompt has no guidance keyframes
    assert tl.guidance_at(7.0, 8.0, 5.0) == 9.0                  # 2 s after the blue prompt's start
    assert tl.guidance_at(4.0, 8.0, 5.0) == pytest.approx(7.0)   # half red (5), half blue (9)
    assert tl.span_guidance([6.0, 7.0], 8.0, 5.0) == 9.0
    assert tl.guided(1.0) and not PromptTimeline("x", (TimedPrompt(0, 1, "y"),)).guided(1.0)
    plain = timeline()
    assert plain.span_guidance([3.9, 4.0, 4.1], 8.0, 4.5) == 4.5  # exactly the job's guidance without keyframes


def test_a_timeline_needs_a_prompt():
    with pytest.raises(ValueError, match="prompt"):
        PromptTimeline("", ())


def test_block_noise_is_a_seeded_shuffle_of_one_pool():
    a, b = NoisePool(5, 4, 6, 6, 8), NoisePool(5, 4, 6, 6, 8)
    assert torch.equal(a.block_noise(3, 8), b.block_noise(3, 8))
    x, y = a.block_noise(0, 8), a.block_noise(1, 8)
    assert not torch.equal(x, y)
    key = lambda t: sorted(t[0, :, f].sum().item() for f in range(t.shape[2]))
    assert key(x) == pytest.approx(key(y))  # the same frames, in another order
    assert not torch.equal(NoisePool(6, 4, 6, 6, 8).block_noise(0, 8), x)
