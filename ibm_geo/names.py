"""Place-name and code normalisation, so "KEL. LA'LATANG" and "Lalatang" compare equal.

Rules (applied in this order, the same to written and official names, so they only need to agree
with themselves):

1. Unicode accents stripped (NFKD), lower-cased.
2. Apostrophes removed without a gap ("La'latang" -> "lalatang"); every other non-alphanumeric
   character (hyphen, dot, comma, brackets) becomes a space; spaces collapsed.
3. Leading administrative prefixes dropped while more words follow: kel, kelurahan, desa, ds, dsn,
   kec, kecamatan, kab, kabupaten, kota ("Kel. Parang" -> "parang", "Kota Makassar" -> "makassar").
4. Indonesian numbers written as words become digits, compounds included: satu..sembilan,
   sepuluh, se-/-belas, -puluh, -ratus, joined, hyphenated or spaced ("Dua-puluh-sembilan Ilir"
   == "Duapuluh Sembilan Ilir" == "29 Ilir"; "Sebelas Ulu" == "11 Ulu"; "Tiga Empat Ulu" ==
   "3-4 Ulu"). A name that is *only* a number phrase ("Lima Puluh", a kelurahan in Pekanbaru) is
   left in words, so "Limapuluh" still meets it. Roman numerals (I..XXXIX) become digits when
   they are not the first word ("Tamalanrea Satu" == "Tamalanrea I" == "tamalanrea 1").

:func:`compact_key` additionally removes spaces, so "Parang tambung" == "Parangtambung".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

PREFIXES = frozenset(
    {"kel", "kelurahan", "desa", "ds", "dsn", "kec", "kecamatan", "kab", "kabupaten", "kota"}
)
NUMBER_WORDS = {
    "satu": "1",
    "dua": "2",
    "tiga": "3",
    "empat": "4",
    "lima": "5",
    "enam": "6",
    "tujuh": "7",
    "delapan": "8",
    "sembilan": "9",
    "sepuluh": "10",
}
_ROMAN_UNITS = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"]
#: Roman numerals 1..39 (kampung/lorong numbering rarely goes further)
ROMAN = {"x" * (n // 10) + _ROMAN_UNITS[n % 10]: str(n) for n in range(1, 40)}
#: digit value of the unit words, "se" (one) only before puluh/belas/ratus
_UNITS = {w: int(d) for w, d in NUMBER_WORDS.items() if w != "sepuluh"}
_MULT = ("puluh", "belas", "ratus")
_MORPHEME = re.compile(
    r"(?:" + "|".join([*sorted(_UNITS, key=len, reverse=True), "se"]) + r")(?:puluh|belas|ratus)?"
)
_NUMBER_TOKEN = re.compile(r"(?:" + _MORPHEME.pattern + r")+|puluh|belas|ratus")
_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc\u0060\u00b4]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_KODE_DOTTED = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


@lru_cache(maxsize=500_000)
def normalize_name(s: str) -> str:
    """Canonical comparison form of a place name (see module docstring); "" for empty input."""
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return ""
    text = unicodedata.normalize("NFKD", str(s))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _APOSTROPHES.sub("", text)
    tokens = _NON_ALNUM.sub(" ", text).split()
    while len(tokens) > 1 and tokens[0] in PREFIXES:
        tokens = tokens[1:]
    return " ".join(_numbers(tokens))


def _split_number_token(t: str) -> list[str] | None:
    """'duapuluh' -> ['dua', 'puluh'], 'sebelas' -> ['se', 'belas']; None if not a number."""
    if t in _MULT:
        return [t]
    if not _NUMBER_TOKEN.fullmatch(t):
        return None
    out: list[str] = []
    for m in _MORPHEME.finditer(t):
        word = m.group(0)
        for mult in _MULT:
            if word.endswith(mult) and word != mult:
                out += [word[: -len(mult)], mult]
                break
        else:
            out.append(word)
    if "se" in out and not _se_ok(out):
        return None
    return out


def _se_ok(parts: list[str]) -> bool:
    return all(
        parts[k + 1] in _MULT if k + 1 < len(parts) else False
        for k, w in enumerate(parts)
        if w == "se"
    )


def _parse_number(parts: list[str], i: int) -> tuple[int, int] | None:
    """One number starting at ``parts[i]``: (value, next index), or None."""

    def unit(k: int, allow_se: bool) -> int | None:
        if k < len(parts):
            if parts[k] in _UNITS:
                return _UNITS[parts[k]]
            if allow_se and parts[k] == "se":
                return 1
        return None

    def mult(k: int) -> str | None:
        return parts[k] if k < len(parts) and parts[k] in _MULT else None

    j, value = i, 0
    u = unit(j, True)
    if u is not None and mult(j + 1) == "ratus":
        value, j = u * 100, j + 2
    u = unit(j, True)
    if u is not None and mult(j + 1) == "belas":
        return value + 10 + u, j + 2
    if u is not None and mult(j + 1) == "puluh":
        value, j = value + 10 * u, j + 2
    u = unit(j, False)
    if u is not None and mult(j + 1) is None:
        value, j = value + u, j + 1
    return (value, j) if j > i else None


def _numbers(tokens: list[str]) -> list[str]:
    """Number phrases to digits (see module docstring, rule 4); other tokens unchanged."""
    parts: list[str] = []
    is_num: list[bool] = []
    for t in tokens:
        split = _split_number_token(t)
        parts += split if split else [t]
        is_num += [bool(split)] * (len(split) if split else 1)
    if all(is_num) and not all(p.isdigit() for p in parts):
        # a name that is only a number phrase stays in words; joined forms are split back
        return [" ".join(_split_number_token(t) or [t]) for t in tokens]
    out: list[str] = []
    k = 0
    while k < len(parts):
        if is_num[k]:
            got = _parse_number(parts, k)
            if got is not None and all(is_num[k : got[1]]):
                out.append(str(got[0]))
                k = got[1]
                continue
        t = parts[k]
        out.append(ROMAN.get(t, t) if out else t)
        k += 1
    return out


def compact_key(s: str) -> str:
    """Normalised name without spaces: joins "Parang tambung" and "Parangtambung"."""
    return normalize_name(s).replace(" ", "")


def _map_distinct(values: pd.Series, func) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value and broadcast (fast for 1M rows)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    out = pd.Series(mapped[codes], index=values.index, dtype=object)
    return out.where(out.notna() & (out != ""), None)


_PREFIX_RE = r"^(?:" + "|".join(sorted(PREFIXES, key=len, reverse=True)) + r") "
_ANY_NUMBER_WORD = (
    r"(?:^| )(?:"
    + _NUMBER_TOKEN.pattern
    + r")(?: |$)| (?:"
    + "|".join(sorted(ROMAN, key=len, reverse=True))
    + r")(?: |$)"
)


def _normalize_arrow(a):
    """The rules of :func:`normalize_name` as Arrow kernels over a string array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pc.all(pc.string_is_ascii(a)).as_py():  # accents: only where there can be any
        wide = pc.invert(pc.string_is_ascii(a))
        sub = pc.filter(a, wide)
        sub = pc.replace_substring_regex(pc.utf8_normalize(sub, form="NFKD"), r"\p{Mn}", "")
        a = pc.replace_with_mask(a, wide, sub)
    a = pc.utf8_lower(a)
    a = pc.replace_substring_regex(a, "['\u2018\u2019\u02bc\u0060\u00b4]", "")
    a = pc.replace_substring_regex(a, r"[^a-z0-9]+", " ")
    a = pc.utf8_trim(a, characters=" ")
    while True:  # leading prefixes, while another word follows ("kel" alone stays)
        b = pc.replace_substring_regex(a, _PREFIX_RE, "")
        if b.equals(a):
            break
        a = b
    # number words and Roman numerals: only the few names that have one are rewritten, by the
    # scalar rule itself (one definition)
    has = pc.match_substring_regex(a, _ANY_NUMBER_WORD)
    if pc.any(has).as_py():
        sub = pc.filter(a, has)
        fixed = [" ".join(_numbers(v.split())) for v in sub.to_pylist()]
        a = pc.replace_with_mask(a, has, pa.array(fixed, type=a.type))
    return a.cast(pa.string())


def normalize_array(values) -> np.ndarray:
    """:func:`normalize_name` for many strings at once, in Arrow's C++ kernels.

    The same rules, as column operations: a national client list has ~180,000 distinct written
    names, and the per-string Python version spends seconds on them. Tested to agree with the
    scalar version on generated and on all official names.
    """
    import pyarrow as pa

    a = pa.array([str(v) for v in values], type=pa.string())
    return np.asarray(_normalize_arrow(a).to_pylist(), dtype=object)


def _map_distinct_vec(values: pd.Series, compact: bool) -> pd.Series:
    """Normalise once per distinct value (pandas factorizes Arrow strings in C) and broadcast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    a = _normalize_arrow(pa.array([str(v) for v in uniques], type=pa.string()))
    if compact:
        a = pc.replace_substring(a, " ", "")
    mapped = np.append(np.asarray(a.to_pylist(), dtype=object), None)
    mapped[mapped == ""] = None
    return pd.Series(mapped[codes], index=values.index, dtype=object)


def lower_spaced(values) -> np.ndarray:
    """Lower-case with whitespace runs as one space: the "as written" form for exact matches."""
    import pyarrow as pa
    import pyarrow.compute as pc

    a = pc.utf8_lower(pa.array([str(v) for v in values], type=pa.string()))
    a = pc.utf8_trim_whitespace(pc.replace_substring_regex(a, r"[\s\p{Z}]+", " "))
    return np.asarray(a.to_pylist(), dtype=object)


def normalize_names(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_name`; missing or empty values stay missing (None)."""
    return _map_distinct_vec(values, compact=False)


def compact_keys(values: pd.Series) -> pd.Series:
    """Vectorised :func:`compact_key`; missing values stay missing (None)."""
    return _map_distinct_vec(values, compact=True)


def normalize_kode(value: object) -> str | None:
    """Kemendagri village code as ``PP.KK.CC.XDDD``, or None when it is not one.

    Accepts the dotted form, 10 bare digits ("5171011001", as BIG and spreadsheets write it) and
    Excel's float rendering ("5171011001.0").
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    s = str(value).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    if _KODE_DOTTED.match(s):
        return s
    digits = re.sub(r"[\s.\-]", "", s)
    if len(digits) == 10 and digits.isdigit():
        return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}.{digits[6:]}"
    return None


def normalize_kodes(values: pd.Series) -> pd.Series:
    """Vectorised :func:`normalize_kode` (None where the value is not a village code)."""
    return _map_distinct(values, normalize_kode)


# -- abbreviations and spelling variants (one place: matching and the app's suggestions) ------

#: Written short forms and local spellings -> the word official lists use. Balinese direction
#: words (kaja/kelod/kangin/kauh/kaler, dangin/dauh "east/west of"), the usual Indonesian
#: place-name abbreviations (Tj., Kp., Sei, Pd., Ps., Sp.), compass words, and Bugis/Makassar
#: forms (Bt. Bonto, Lmp. Lompo, Pa'bbaeng -> apostrophe already dropped by rule 2).
ABBREVIATIONS: dict[str, str] = {
    # Balinese
    "dgn": "dangin",
    "dg": "dangin",
    "dngn": "dangin",
    "dh": "dauh",
    "kaje": "kaja",
    "kj": "kaja",
    "klod": "kelod",
    "kld": "kelod",
    "kgn": "kangin",
    "kngn": "kangin",
    "kaleran": "kaler",
    "klr": "kaler",
    "kh": "kauh",
    # compass words
    "utr": "utara",
    "ut": "utara",
    "sel": "selatan",
    "slt": "selatan",
    "sltn": "selatan",
    "tim": "timur",
    "tmr": "timur",
    "bar": "barat",
    "brt": "barat",
    "tgh": "tengah",
    "teng": "tengah",
    # Indonesian place words
    "tj": "tanjung",
    "tg": "tanjung",
    "tjg": "tanjung",
    "kp": "kampung",
    "kpg": "kampung",
    "kamp": "kampung",
    "sei": "sungai",
    "sg": "sungai",
    "pd": "pondok",
    "ps": "pasar",
    "sp": "simpang",
    "smp": "simpang",
    "kr": "karang",
    "krg": "karang",
    "bj": "banjar",
    "bt": "bonto",
    "lmp": "lompo",
    "mks": "makassar",
}
#: Old (pre-1972) and Dutch-era spellings still on many lists, and Bugis/Makassar doubled
#: consonants: each pair is (written, official) applied inside a word. Not "nj" -> "ny": the
#: modern spelling keeps "nj" (Tanjung, Panjer, Banjar).
SPELLINGS: tuple[tuple[str, str], ...] = (
    ("oe", "u"),
    ("tj", "c"),
    ("dj", "j"),
    ("sj", "sy"),
    ("ch", "kh"),
)
_DOUBLED = re.compile(r"([bcdfghjklmnpqrstvwxyz])\1")


@lru_cache(maxsize=200_000)
def _expand_token(t: str) -> str:
    t = ABBREVIATIONS.get(t, t)
    for old, new in SPELLINGS:
        t = t.replace(old, new)
    return _DOUBLED.sub(r"\1", t)


@lru_cache(maxsize=500_000)
def expand_name(s: str) -> str:
    """:func:`normalize_name` with abbreviations and spelling variants written out
    ("Penatih Dgn Puri" -> "penatih dangin puri", "Sumerta Kaje" -> "sumerta kaja",
    "Tjempaka" -> "cempaka", "Maccini" -> "macini").

    Why a second form rather than a change to the first: the exact and normalised matches stay
    what they were; this form is compared (on both sides) only when those found nothing, and by
    the app's search over every unit."""
    return " ".join(_expand_token(t) for t in normalize_name(s).split())


def expanded_key(s: str) -> str:
    """:func:`expand_name` without spaces (the compact form matching compares)."""
    return expand_name(s).replace(" ", "")


def expanded_keys(values) -> np.ndarray:
    """:func:`expanded_key` for many names: normalised in Arrow (:func:`normalize_array`),
    expanded once per distinct normalised name (83,402 official names: ~0.2 s)."""
    norm = normalize_array(values)
    codes, uniques = pd.factorize(pd.Series(norm, dtype=object))
    done = np.array(
        ["".join(_expand_token(t) for t in str(u).split()) for u in uniques], dtype=object
    )
    return done[codes] if len(codes) else np.zeros(0, dtype=object)


# -- office names (monitoring targets) ----------------------------------------------------------
# A targets file names offices as planners write them ("BNNP NTT", "Kota Denpasar", "53.71");
# these find the office row they mean in a table of offices (``area, area_level, kode``).
#: abbreviations planners write for provinces ("BNNP NTT", "Sulsel")
PROVINCE_ALIASES = {
    "ntt": "Nusa Tenggara Timur",
    "ntb": "Nusa Tenggara Barat",
    "sulsel": "Sulawesi Selatan",
    "sulut": "Sulawesi Utara",
    "sulteng": "Sulawesi Tengah",
    "sultra": "Sulawesi Tenggara",
    "sulbar": "Sulawesi Barat",
    "sumsel": "Sumatera Selatan",
    "sumut": "Sumatera Utara",
    "sumbar": "Sumatera Barat",
    "kalbar": "Kalimantan Barat",
    "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur",
    "kaltara": "Kalimantan Utara",
    "jabar": "Jawa Barat",
    "jateng": "Jawa Tengah",
    "jatim": "Jawa Timur",
    "diy": "Daerah Istimewa Yogyakarta",
    "yogyakarta": "Daerah Istimewa Yogyakarta",
    "dki": "DKI Jakarta",
    "jakarta": "DKI Jakarta",
    "babel": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau",
    "malut": "Maluku Utara",
}
OFFICE_WORDS = {"bnnp", "bnnk", "bnn", "provinsi", "prov", "propinsi", "kabupaten", "kab", "kota"}


def office_key(text: str) -> str:
    """Name comparison form without office words ("BNNK Kota Denpasar" -> "denpasar")."""
    tokens = normalize_name(text).split()
    while len(tokens) > 1 and tokens[0] in OFFICE_WORDS:
        tokens = tokens[1:]
    return " ".join(tokens)


def match_area(written: str, table: pd.DataFrame) -> int | None | list[int]:
    """Row of ``table`` (from :func:`ibm_geo.monitoring.offices`) meant by a written office name or code.

    Order: a Kemendagri code (``53``, ``53.71``, ``5371``); the exact name; the name without
    office words ("BNNP Bali", "Kota Denpasar", "Kab. Badung"); a province abbreviation ("NTT").
    Returns the row, None when nothing fits, or the candidate rows when several fit."""
    w = str(written).strip()
    digits = re.sub(r"[.\s]", "", w)
    if digits.isdigit() and len(digits) in (2, 4):
        code = digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"
        hit = np.flatnonzero(table["kode"].astype(object).eq(code).to_numpy())
        return int(hit[0]) if len(hit) else None
    lower = " ".join(w.lower().split())
    exact = np.flatnonzero(table["area"].str.lower().eq(lower).to_numpy())
    if len(exact) == 1:
        return int(exact[0])
    key = office_key(w)
    words = set(re.sub(r"[^a-z]+", " ", lower).split()[:3]) & OFFICE_WORDS
    keys = table["area"].map(office_key)
    hit = np.flatnonzero(keys.eq(key).to_numpy())
    if len(hit) > 1 and words:
        # "Kota Bandung" vs "Kabupaten Bandung", "BNNP Bali" vs "Kabupaten Bali": the written
        # office word decides
        if words & {"bnnp", "provinsi", "prov", "propinsi"}:
            want = lambda i: table["area_level"].iloc[i] == "provinsi"  # noqa: E731
        elif "kota" in words:
            want = lambda i: _lead(table["area"].iloc[i]) == "kota"  # noqa: E731
        elif words & {"kabupaten", "kab"}:
            want = lambda i: _lead(table["area"].iloc[i]) in ("kabupaten", "kab")  # noqa: E731
        else:
            want = lambda i: table["area_level"].iloc[i] == "kab_kota"  # noqa: E731
        hit = np.asarray([i for i in hit if want(i)] or hit)
    if len(hit) == 1:
        return int(hit[0])
    if len(hit) > 1:
        return [int(i) for i in hit]
    alias = PROVINCE_ALIASES.get(key.replace(" ", ""))
    if alias:
        hit = np.flatnonzero(
            (table["area"].map(normalize_name).eq(normalize_name(alias))).to_numpy()
        )
        if len(hit):
            return int(hit[0])
    return None


def _lead(name: str) -> str:
    words = re.sub(r"[^a-z]+", " ", str(name).lower()).split()
    return words[0] if words else ""


_KAB_PREFIX = re.compile(r"^(kabupaten|kab|kota|kotamadya|kodya|kotif)\s+(.*)$")


def area_key(name: object) -> tuple[str | None, str]:
    """(``kab``/``kota``/None, normalised name): "Kota Malang" and "Kabupaten Malang" are two
    areas, while a bare "Malang" written in a file matches either (an office's scope)."""
    t = " ".join(re.sub(r"[.,_\-]", " ", str(name or "").strip().lower()).split())
    kind = None
    m = _KAB_PREFIX.match(t)
    if m:
        kind = "kab" if m.group(1).startswith("kab") else "kota"
        t = m.group(2)
    return kind, normalize_name(t)
