from hypothesis import given, settings
from hypothesis import strategies as st

from shinobi_tools.dataset.answers import (
    NO_EVENT,
    NOT_IN_CLIP,
    AnswerEvent,
    format_events,
    format_intervals,
    format_point_answer,
    parse_events,
)

from conftest import parse_intervals

times = st.floats(min_value=0, max_value=600, allow_nan=False).map(lambda t: round(t, 2))
types = st.sampled_from(["Fire", "EnemyDestroyed", "LifeLost", "HIT", "JUMP", "Kill", "HealthLoss", "Screen/Death",
                         "Action/Jump", "PlayerState/HitRecovery", "WeaponPowerupStarted/Ninjutsu1"])
words = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=60)


@st.composite
def events(draw):
    onset = draw(times)
    return AnswerEvent(onset, round(onset + draw(st.floats(0, 5).map(lambda d: round(d, 2))), 2), draw(types),
                       " ".join(draw(words).split()))


@given(st.lists(events(), max_size=12))
def test_events_text_events_round_trip(original):
    parsed = parse_events(format_events(original))
    assert parsed.malformed == 0
    assert len(parsed.events) == len(original)
    key = lambda e: (e.onset, e.trial_type, e.offset, e.description)  # noqa: E731
    for got, want in zip(sorted(parsed.events, key=key), sorted(original, key=key)):
        assert abs(got.onset - want.onset) <= 0.005 and abs(got.offset - want.offset) <= 0.005
        assert got.trial_type == want.trial_type and got.description == want.description


def test_documented_examples():
    text = format_events([AnswerEvent(1.25, 1.6, "Jump", "The player jumps.")])
    assert text == "1.25s-1.60s Jump: The player jumps."
    assert format_events([]) == NO_EVENT
    assert parse_events(NO_EVENT).events == [] and parse_events(NO_EVENT).malformed == 0
    assert format_intervals([(2.1, 2.4), (0.5, 0.9)]) == "0.50s-0.90s, 2.10s-2.40s"
    assert parse_intervals("0.50s-0.90s, 2.10s-2.40s") == [(0.5, 0.9), (2.1, 2.4)]
    assert format_intervals([]) == NOT_IN_CLIP and parse_intervals(NOT_IN_CLIP) == []
    assert format_point_answer(["The player fires.", "The ship moves left."]) == "The player fires. The ship moves left."


def test_model_style_noise_is_counted_not_fatal():
    parsed = parse_events("Sure! Here are the events:\n0.5s - 0.75s Fire: shoots\n3.00s-2.00s Fire: backwards\n1.2s-\n"
                          "2.5s LifeLost: onset only")
    assert [(e.onset, e.offset, e.trial_type) for e in parsed.events] == [(0.5, 0.75, "Fire"), (2.5, 2.5, "LifeLost")]
    assert parsed.malformed == 3


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_parsers_never_raise_on_random_text(text):
    parse_events(text)


@given(st.lists(events(), min_size=1, max_size=6), st.integers(min_value=0, max_value=400))
def test_truncated_answers_parse(original, cut):
    text = format_events(original)
    parsed = parse_events(text[:cut])
    assert len(parsed.events) <= len(original)
    assert parse_events(None).malformed == 1


def test_hierarchical_types_in_both_line_forms():
    parsed = parse_events("1.25s-1.60s Screen/Death: The death animation plays.\n"
                          "0.50s WeaponPowerupStarted/Ninjutsu1: magic\nScreen/: no name after the slash")
    assert [(e.trial_type, e.onset, e.offset) for e in parsed.events] == [
        ("Screen/Death", 1.25, 1.6), ("WeaponPowerupStarted/Ninjutsu1", 0.5, 0.5)]
    assert parsed.malformed == 1
