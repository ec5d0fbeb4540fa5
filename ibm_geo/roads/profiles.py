"""Travel profiles: which OSM ways a mode may use, in which direction, and how fast.

``motor`` is a sepeda motor (the way most Agen Pemulihan travel): speeds by highway class for
mixed Indonesian traffic, ``oneway`` respected, ``access``/``motorcycle``/``motor_vehicle``
tags respected, toll motorways closed unless tagged for motorcycles, ferries allowed. ``walk``
uses every way a pedestrian may use, in both directions, at 4.5 km/h. One table per mode, so a
planner can read exactly what the tool assumes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROFILES = ("motor", "walk")

#: km/h on a sepeda motor in mixed traffic (urban and rural averages, not speed limits).
MOTOR_SPEED_KMH: dict[str, float] = {
    "motorway": 60.0,
    "motorway_link": 40.0,
    "trunk": 45.0,
    "trunk_link": 35.0,
    "primary": 40.0,
    "primary_link": 30.0,
    "secondary": 35.0,
    "secondary_link": 30.0,
    "tertiary": 30.0,
    "tertiary_link": 25.0,
    "unclassified": 25.0,
    "road": 25.0,
    "residential": 20.0,
    "living_street": 12.0,
    "service": 15.0,
    "track": 12.0,
    # gang and village paths: only with motorcycle=yes/permissive/designated
    "path": 10.0,
    "footway": 8.0,
    "pedestrian": 8.0,
    "cycleway": 12.0,
    "bridleway": 8.0,
}
#: classes a motorcycle may use only when tagged so (motorway: Indonesian toll roads forbid them).
MOTOR_ONLY_IF_TAGGED = {
    "motorway",
    "motorway_link",
    "path",
    "footway",
    "pedestrian",
    "cycleway",
    "bridleway",
}

WALK_SPEED_KMH = 4.5
WALK_CLASSES = set(MOTOR_SPEED_KMH) - {"motorway", "motorway_link"} | {"steps", "corridor"}

#: off-network leg (from a point to the nearest road), walked straight.
ACCESS_SPEED_KMH = 4.5
#: ferry cruising speed when the way has no usable ``duration`` tag.
FERRY_SPEED_KMH = 15.0

_YES = {"yes", "designated", "permissive", "destination", "customers", "delivery"}
_NO = {"no", "private", "agricultural", "forestry", "discouraged", "use_sidepath"}


@dataclass(frozen=True)
class WayRule:
    """What a profile makes of one way: usable directions and speed (km/h)."""

    forward: bool
    backward: bool
    speed_kmh: float
    ferry: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    speeds: dict[str, float] = field(default_factory=dict)

    def rule(self, tags: dict[str, str]) -> WayRule | None:
        """The rule for a way with these tags, or None when this mode cannot use it."""
        if tags.get("route") == "ferry":
            return self._ferry(tags)
        hw = tags.get("highway")
        if hw is None or hw in {"proposed", "construction", "abandoned", "platform", "raceway"}:
            return None
        return self._motor(tags, hw) if self.name == "motor" else self._walk(tags, hw)

    def _ferry(self, tags: dict[str, str]) -> WayRule | None:
        mode_tag = tags.get("motorcycle" if self.name == "motor" else "foot")
        if mode_tag in _NO:
            return None
        return WayRule(True, True, FERRY_SPEED_KMH, ferry=True)

    def _motor(self, tags: dict[str, str], hw: str) -> WayRule | None:
        speed = self.speeds.get(hw)
        if speed is None:
            return None
        specific = tags.get("motorcycle") or tags.get("motor_vehicle") or tags.get("vehicle")
        if specific in _NO:
            return None
        if hw in MOTOR_ONLY_IF_TAGGED and specific not in _YES:
            return None
        if tags.get("access") in _NO and specific not in _YES:
            return None
        ow = tags.get("oneway:motorcycle") or tags.get("oneway")
        if ow in {"yes", "1", "true"}:
            return WayRule(True, False, speed)
        if ow in {"-1", "reverse"}:
            return WayRule(False, True, speed)
        if ow is None and (tags.get("junction") in {"roundabout", "circular"} or hw == "motorway"):
            return WayRule(True, False, speed)
        return WayRule(True, True, speed)

    def _walk(self, tags: dict[str, str], hw: str) -> WayRule | None:
        if hw not in WALK_CLASSES:
            return None
        foot = tags.get("foot")
        if foot in _NO:
            return None
        if tags.get("access") in _NO and foot not in _YES:
            return None
        return WayRule(True, True, WALK_SPEED_KMH)


def get_profile(name: str) -> Profile:
    """``motor`` or ``walk``; anything else is a programming error (the scenario validates it)."""
    if name == "motor":
        return Profile("motor", MOTOR_SPEED_KMH)
    if name == "walk":
        return Profile("walk", {})
    raise ValueError(f"unknown travel profile {name!r}; use one of {PROFILES}")


def max_speed_kmh(name: str) -> float:
    """Upper bound of any speed in the profile (bounds the area a time-limited search can reach)."""
    if name == "motor":
        return max(max(MOTOR_SPEED_KMH.values()), FERRY_SPEED_KMH, ACCESS_SPEED_KMH)
    return max(WALK_SPEED_KMH, FERRY_SPEED_KMH, ACCESS_SPEED_KMH)
