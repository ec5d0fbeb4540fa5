"""Coverage with capacity, checked by hand on tiny layouts (metres on a line)."""

import numpy as np
import pandas as pd
import pytest

from ibm_geo.coverage import (
    IN_REACH,
    OUTSIDE,
    REFERRAL,
    SERVED,
    UNSERVED,
    assign_nearest_with_capacity,
    classify_clients,
)


def xy(*xs):
    return np.array([[x, 0.0] for x in xs], dtype=float)


def test_nearest_first_respects_capacity():
    # agent at 0 with room for 1; clients at 100, 50, 900 m; radius 1 km
    agent, dist = assign_nearest_with_capacity(xy(100, 50, 900), xy(0), np.array([1]), 1000)
    # the closest client (50 m) takes the only place
    assert agent.tolist() == [-1, 0, -1]
    assert dist[1] == pytest.approx(50)
    assert np.isnan(dist[0])


def test_client_goes_to_nearest_agent_with_room():
    # agents at 0 (cap 1) and 1000 (cap 2); clients at 10, 20, 600
    agent, dist = assign_nearest_with_capacity(xy(10, 20, 600), xy(0, 1000), np.array([1, 2]), 1500)
    # 10 m -> agent0 (full); 20 m client then to agent1 (980 m); 600 m client -> agent1 (400 m)
    assert agent.tolist() == [0, 1, 1]
    assert dist.tolist() == pytest.approx([10, 980, 400])


def test_radius_is_a_hard_limit():
    agent, _ = assign_nearest_with_capacity(xy(3000.0001, 2999.9), xy(0), np.array([5]), 3000)
    assert agent.tolist() == [-1, 0]


def test_no_agents_or_capacity():
    a, d = assign_nearest_with_capacity(xy(1, 2), np.zeros((0, 2)), np.zeros(0), 100)
    assert (a == -1).all() and np.isnan(d).all()
    a, _ = assign_nearest_with_capacity(xy(1, 2), xy(0), np.array([0]), 100)
    assert (a == -1).all()


def _clients(rows):
    return pd.DataFrame(rows, columns=["status_pasca", "tingkat", "agen_id", "located"])


def test_classify_clients_hand_checked():
    clients = _clients(
        [
            ("aktif", "ringan", None, True),  # in follow-up -> served
            ("belum", "sedang", "A1", True),  # assigned to active A1 -> served, uses 1 of 2
            ("belum", "berat", None, True),  # severe -> BNNP referral
            ("putus", "ringan", None, True),  # 100 m from A1 -> in reach (last place of A1)
            ("belum", "ringan", None, True),  # 200 m: A1 full -> unserved
            (
                "belum",
                "ringan",
                "A2",
                True,
            ),  # assigned to inactive agent -> not served; A2 can't reach
            ("belum", "ringan", None, False),  # no location -> outside
        ]
    )
    client_xy = xy(0, 0, 0, 100, 200, 5000, 0)
    agents = pd.DataFrame({"agen_id": ["A1", "A2"], "aktif": [True, False], "kapasitas": [2, 10]})
    cls, reach, spare = classify_clients(
        clients,
        client_xy,
        agents,
        xy(0, 5000),
        radius_m=3000,
        served_statuses=["aktif", "selesai"],
        severe_as_referral=True,
        default_capacity=10,
    )
    assert cls.tolist() == [SERVED, SERVED, REFERRAL, IN_REACH, UNSERVED, UNSERVED, OUTSIDE]
    assert reach.tolist()[:5] == [-1, 0, -1, 0, -1]
    assert spare.tolist() == [0, 0]


def test_severe_counted_as_unserved_when_not_referral():
    clients = _clients([("belum", "berat", None, True)])
    cls, _, _ = classify_clients(
        clients,
        xy(0),
        pd.DataFrame({"agen_id": [], "aktif": [], "kapasitas": []}),
        np.zeros((0, 2)),
        radius_m=3000,
        served_statuses=["aktif"],
        severe_as_referral=False,
        default_capacity=10,
    )
    assert cls.tolist() == [UNSERVED]


def test_capacity_property_never_exceeded():
    rng = np.random.default_rng(0)
    cxy = rng.uniform(0, 10_000, size=(500, 2))
    axy = rng.uniform(0, 10_000, size=(20, 2))
    cap = rng.integers(0, 8, size=20)
    agent, dist = assign_nearest_with_capacity(cxy, axy, cap, 2500)
    used = np.bincount(agent[agent >= 0], minlength=20)
    assert (used <= cap).all()
    # every assignment is within the radius and to the stated distance
    hit = agent >= 0
    real = np.linalg.norm(cxy[hit] - axy[agent[hit]], axis=1)
    assert np.allclose(real, dist[hit]) and (real <= 2500).all()
    # an unassigned client has no agent with spare capacity left within reach
    left = cap - used
    for c in np.flatnonzero(~hit):
        near = np.linalg.norm(axy - cxy[c], axis=1) <= 2500
        assert (left[near] == 0).all()


def _greedy_reference(cxy, axy, cap, radius):
    """The rule in words, without any index structure: every pair by distance, then client,
    then agent; take it when the client is free and the agent has room."""
    pairs = sorted(
        (float(np.hypot(*(cxy[c] - axy[a]))), c, a)
        for c in range(len(cxy))
        for a in range(len(axy))
        if np.hypot(*(cxy[c] - axy[a])) <= radius
    )
    left = list(cap)
    agent = [-1] * len(cxy)
    for _, c, a in pairs:
        if agent[c] < 0 and left[a] > 0:
            agent[c], left[a] = a, left[a] - 1
    return agent


@pytest.mark.parametrize("seed", range(8))
def test_assignment_equals_the_pairwise_greedy_rule(seed):
    rng = np.random.default_rng(seed)
    # integer grid: many equal distances, so the tie-break order is exercised too
    cxy = rng.integers(0, 40, size=(120, 2)).astype(float) * 100
    axy = rng.integers(0, 40, size=(9, 2)).astype(float) * 100
    cap = rng.integers(0, 6, size=9)
    agent, _ = assign_nearest_with_capacity(cxy, axy, cap, 1200)
    assert agent.tolist() == _greedy_reference(cxy, axy, cap, 1200)
