"""The cell key method: the ptable's design, equality with the ONS package, and consistency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibm_geo.ckm import MAX_DEVIATION, N_KEYS, cell_keys, group_keys, ptable
from ibm_geo.names import normalize_name
from ibm_geo.record_keys import _ID_DROP, identities, installation_secret, record_keys


@pytest.mark.parametrize("k", [3, 5, 10])
def test_ptable_design(k):
    """Zeros stay zero; 1..k-1 are never published (0 with probability (k-i)/2k, else k);
    counts >= k move by at most D, stay >= k and are unbiased to within one key's share; rows
    from k + D on are identical."""
    pt = ptable(k)
    assert pt.transition(0) == {0: 1.0}
    for i in range(1, 3 * k + 10):
        out = pt.transition(i)
        assert abs(sum(out.values()) - 1) < 1e-12
        assert not any(1 <= j < k for j in out), (i, out)
        mean = sum(j * p for j, p in out.items())
        if i >= k:
            assert abs(mean - i) <= 1 / N_KEYS * k, (i, mean)
            assert all(abs(j - i) <= MAX_DEVIATION and j >= k for j in out), (i, out)
        else:
            assert set(out) == {0, k}
            assert out[0] == pytest.approx((k - i) / (2 * k), abs=1 / N_KEYS)
    tail = pt.rows[k + MAX_DEVIATION]
    assert np.array_equal(pt.rows[pt.last], tail)
    # the variance target is met where the support allows it (two-sided, wide enough)
    assert pt.rows[pt.last].var() == pytest.approx(1.0, abs=0.05)


def test_every_small_count_is_deniable():
    """The attacker who knows the ptable: a published 0 may hide 0..k-1, a published k may be
    1..k+D; no published value pins a count 1..k-1."""
    pt = ptable(5)
    assert pt.possible_true(0) == [0, 1, 2, 3, 4]
    assert pt.possible_true(5) == [1, 2, 3, 4, 5, 6, 7]
    for pub in range(0, 40):
        cands = pt.possible_true(pub)
        assert not (len(cands) == 1 and 1 <= cands[0] <= 4)


def test_same_result_as_the_ons_package():
    """Our perturbation of a cross-table equals ``cell_key_perturbation.create_perturbed_table``
    (ONS, MIT) on the same microdata, record keys and ptable (threshold off: our ptable never
    publishes 1..k-1 itself), including counts above 750 (the ONS reuse of rows 501-750)."""
    pytest.importorskip("cell_key_perturbation")
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    rng = np.random.default_rng(3)
    n = 6000
    units = np.concatenate([rng.integers(0, 40, n - 900), np.full(900, 40)])  # unit 40: > 750
    status = rng.choice(["belum", "aktif", "selesai"], size=len(units))
    rk = rng.integers(0, N_KEYS, len(units))
    micro = pd.DataFrame({"unit": units, "status": status, "rk": rk})
    pt = ptable(5)
    got = create_perturbed_table(
        data=micro, ptable=pt.frame(), geog=["unit"], tab_vars=["status"], record_key="rk",
        threshold=0,
    )  # fmt: skip
    got = got.set_index(["unit", "status"])["count"].astype(int)
    cats = ["belum", "aktif", "selesai"]
    for s in cats:
        m = micro["status"].to_numpy() == s
        counts = np.bincount(units[m], minlength=41)
        keys = cell_keys(units, rk, 41, mask=m)
        ours = pt.perturb(counts, keys)
        theirs = got.xs(s, level="status").reindex(range(41)).to_numpy()
        assert np.array_equal(ours, theirs), s
    assert np.bincount(units, minlength=41)[40] > 750


def test_total_keys_are_the_sum_of_member_keys():
    rng = np.random.default_rng(0)
    unit = rng.integers(0, 10, 500)
    rk = rng.integers(0, N_KEYS, 500)
    per_unit = cell_keys(unit, rk, 10)
    parent = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 3])
    tot = group_keys(parent, per_unit[:, None], 4)[:, 0]
    direct = cell_keys(parent[unit], rk, 4)
    assert np.array_equal(tot, direct)


def test_record_keys_are_stable_secret_and_by_identity(tmp_path):
    """The same person has the same key in every upload (ID, else name + year; spacing and
    case do not matter); another secret gives other keys; the secret file is private."""
    a = pd.DataFrame(
        {"client_id": ["3171 0101", None, None], "name": ["x", "Made  Sari", "Budi"],
         "tahun_rehab": ["2020", "2021", "2021"]}
    )  # fmt: skip
    b = pd.DataFrame(
        {"client_id": ["31710101", None], "name": ["other name", "made sari"],
         "tahun_rehab": ["2024", "2021"]}
    )  # fmt: skip
    s1 = installation_secret(tmp_path / "s1")
    assert (tmp_path / "s1").stat().st_mode & 0o777 == 0o600
    assert installation_secret(tmp_path / "s1") == s1
    ka, kb = record_keys(identities(a), s1), record_keys(identities(b), s1)
    assert ka[0] == kb[0] and ka[1] == kb[1]
    s2 = installation_secret(tmp_path / "s2")
    assert s2 != s1
    many = pd.DataFrame({"client_id": [f"ID{i}" for i in range(2000)]})
    k1, k2 = record_keys(identities(many), s1), record_keys(identities(many), s2)
    assert (k1 != k2).mean() > 0.9
    # keys are spread over all 256 values (a keyed hash, not a checksum)
    assert len(np.unique(k1)) > 240


def test_column_identities_equal_the_row_rules():
    """The Arrow path of ``identities`` writes byte for byte what the row-by-row rules write:
    IDs with dots, dashes, spaces, a tab, accents, lower case, empty and missing; names with
    prefixes, accents, number words; years as int, text and missing."""
    df = pd.DataFrame(
        {
            "client_id": ["51.71-0101 ", " ab-12.3", "\t7x", "é-9", "", None, "  ", pd.NA,
                          "5171", "ß1", "-.-", "x\u00a0y"],
            "name": ["Kel. Made Sari", "nan", None, "Ni Luh Élia", "Putu Dua Puluh",
                     "  Wayan  ", "", "I Gede", "x", "Ketut", "Kadek", "Komang"],
            "tahun_rehab": [2019, 2020, None, 2021, 2022, 2023, 2024, None, 2019, 2020, 2021, 2022],
        }
    )  # fmt: skip
    assert identities(df) == identities_scalar(df)
    for storage in ("pyarrow", "python"):  # the Arrow-backed column is taken as it is
        typed = df.astype({"client_id": pd.StringDtype(storage)})
        assert identities(typed) == identities_scalar(df)
    no_id = df.drop(columns="client_id")
    assert identities(no_id) == identities_scalar(no_id)
    assert identities(df.iloc[:0]) == []


def identities_scalar(clients: pd.DataFrame) -> list[bytes]:
    """The identity rules of ibm_geo.record_keys one row at a time, as they were written
    before the Arrow version: the reference ``identities`` is tested against."""
    n = len(clients)
    if "client_id" in clients:
        raw = clients["client_id"].astype(object).to_numpy()
    else:
        raw = np.full(n, None, dtype=object)
    out: list[bytes | None] = [None] * n
    missing = []
    for i, v in enumerate(raw):
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            missing.append(i)
            continue
        cid = str(v).strip().upper().translate(_ID_DROP)
        if cid:
            out[i] = ("id:" + cid).encode("utf-8")
        else:
            missing.append(i)
    if missing:
        sub = clients.iloc[missing]

        def col(name: str) -> list[str]:
            if name not in sub:
                return [""] * len(sub)
            return sub[name].astype("string").fillna("").str.strip().tolist()

        names = [normalize_name(x) for x in col("name")]
        years = col("tahun_rehab")
        for i, nm, yr in zip(missing, names, years, strict=True):
            out[i] = f"nm:{nm}|{yr}".encode()
    return out  # type: ignore[return-value]
