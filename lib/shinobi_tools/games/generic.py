"""The event vocabulary of a game nobody wrote rules for, in one place: what a button press is called, and which
event a rise or fall of the integration's ``score``, ``lives`` and ``health`` variables is.

stable-retro's integrations name these three variables the same way in most games (of its 1,030 games, 906 define
``score``, 807 ``lives``, 432 ``health``); other names (a score split into digits, two players' scores) can be mapped
onto them with the game's ``event_options: {roles: {score: score1}}``. Buttons have no role in stable-retro; the
only role known for a whole platform is the Atari 2600 joystick's single button, the fire button.
"""

from __future__ import annotations

#: Button → role, per platform (stable-retro core name); other buttons are named by themselves (legacy vocabulary).
BUTTON_ROLES: dict[str, dict[str, str]] = {"Atari2600": {"BUTTON": "FIRE"}}
#: The same roles in CNeuroMod's controller vocabulary (``Action/<role>``); other buttons are ``Action/Other``.
ACTION_ROLES: dict[str, dict[str, str]] = {"Atari2600": {"BUTTON": "Attack"}}

#: Variable → {direction of the change: event type}, with the event family.
VARIABLE_EVENTS: dict[str, dict[str, str]] = {
    "score": {"increase": "ScoreIncrease"},
    "lives": {"decrease": "LifeLost", "increase": "LifeGained"},
    "health": {"decrease": "PlayerDamaged", "increase": "HealthGained"},
}
VARIABLE_FAMILIES: dict[str, str] = {"score": "score", "lives": "life", "health": "health"}
#: The event types the evaluation reports apart (SALIENT), where the game has their variable.
SALIENT_EVENTS: tuple[str, ...] = ("ScoreIncrease", "LifeLost", "PlayerDamaged")
#: The rules (in ``shinobi_tools.events.rules.RULES``) and the phrasings file of generic games.
RULES_NAME = "generic"
DESCRIPTIONS_FILE = "generic_descriptions.yaml"


def button_role(system: str, button: str) -> str:
    """The event type of a press of ``button``: its role where one is known (Atari ``BUTTON`` → ``FIRE``), else
    the button's own name."""
    return BUTTON_ROLES.get(system, {}).get(button, button)


def action_roles(system: str) -> dict[str, str]:
    """Button → CNeuroMod controller role (``Attack``) where one is known for the platform."""
    return dict(ACTION_ROLES.get(system, {}))


def salient_events(variables: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The salient event types a game with these variables can have."""
    present = {kind for name in variables for kind in VARIABLE_EVENTS.get(name, {}).values()}
    return tuple(kind for kind in SALIENT_EVENTS if kind in present)
