import itertools

from engine.video.dualparal.plan import BlockPlan, blocks_for


def test_every_block_takes_every_step_once_newest_first():
    plan = BlockPlan(blocks=5, block_frames=3, context_frames=1, steps=4)
    assert len(plan.tasks) == 5 * 4
    assert sorted((t.block, t.step) for t in plan.tasks) == [(k, s) for k in range(5) for s in range(4)]
    for t in plan.iterations:
        blocks = [task.block for task in plan.tasks if task.iteration == t]
        assert blocks == sorted(blocks, reverse=True)
        steps = [task.step for task in plan.tasks if task.iteration == t]
        assert all(b - a == 1 for a, b in itertools.pairwise(steps))  # each newer block one step behind


def test_cache_reads_follow_writes_and_dependencies_come_earlier():
    plan = BlockPlan(blocks=6, block_frames=2, context_frames=1, steps=3)
    for prev, task in zip(plan.tasks, plan.tasks[1:]):
        assert task.reads_cache == (prev.writes_cache and prev.iteration == task.iteration)
    assert not plan.tasks[0].reads_cache and not plan.tasks[0].old_context
    for task in plan.tasks:
        assert plan.needs(task) < task.index


def test_regeneration_plan_starts_at_its_first_block():
    plan = BlockPlan(blocks=6, block_frames=2, context_frames=1, steps=3, first_block=2)
    assert {t.block for t in plan.tasks} == {2, 3, 4, 5}
    first = plan.tasks[0]
    assert first.block == 2 and first.old_context and first.old_steps_done == 1 and not first.writes_cache


def test_video_spans_tile_the_video():
    plan = BlockPlan(blocks=4, block_frames=3, context_frames=1, steps=2)
    spans = [plan.video_span(k) for k in range(plan.blocks)]
    assert spans[0] == (0, 9)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert blocks_for(41, 3) == 4 and blocks_for(33, 3) == 3
