"""True persons of the demo world: who they are, where they live, how they buy.

One row per person (vectorised NumPy). Purchase behaviour follows the BG/NBD model
(Fader, Hardie & Lee 2005, "Counting your customers the easy way"): each person has a
purchase rate ``lambda ~ Gamma(r, alpha)`` (per week) and a dropout probability
``p ~ Beta(a, b)``; spend per transaction follows the Gamma-Gamma model (Fader, Hardie & Lee
2005, "RFM and CLV"): ``nu ~ Gamma(q, v)`` (rate ``v``), spend ``z ~ Gamma(p, nu)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idic.datasets.demo_util import (
    AS_OF_S,
    HISTORY_WEEKS,
    START_S,
    WEEK_S,
    choice_idx,
    unique_ints,
)
from idic.datasets.demo_vocab import (
    COUNTRIES,
    EMAIL_DOMAINS,
    FEMALE,
    GEO,
    LAST_NAMES,
    MALE,
)

#: BG/NBD parameters (time unit: weeks).
BGNBD = {"r": 0.75, "alpha": 5.0, "a": 0.8, "b": 2.5}
#: Gamma-Gamma parameters (EUR): E[spend] = p * v / (q - 1) = 50.0 EUR.
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "v": 25.0}

CATEGORIES = ("books", "music", "electronics", "home", "fashion", "toys", "beauty", "garden")
#: Needs segments: base category mix and propensity to use the web shop (vs the stores).
SEGMENTS: dict[str, tuple[tuple[float, ...], float]] = {
    "bookworm": ((0.50, 0.20, 0.05, 0.08, 0.04, 0.05, 0.03, 0.05), 0.70),
    "tech_enthusiast": ((0.08, 0.15, 0.55, 0.07, 0.05, 0.04, 0.02, 0.04), 0.85),
    "home_maker": ((0.06, 0.04, 0.08, 0.42, 0.06, 0.06, 0.05, 0.23), 0.40),
    "fashionista": ((0.04, 0.06, 0.04, 0.06, 0.50, 0.02, 0.26, 0.02), 0.60),
    "family_shopper": ((0.12, 0.04, 0.06, 0.18, 0.18, 0.36, 0.03, 0.03), 0.50),
}
SEGMENT_SHARES = (0.20, 0.18, 0.20, 0.20, 0.22)


@dataclass
class People:
    """Column arrays of the true persons (index = person number)."""

    n: int
    household: np.ndarray
    household_size: np.ndarray
    female: np.ndarray
    first: np.ndarray  # object array of str (true first name)
    last: np.ndarray  # object array of str
    birth_days: np.ndarray  # days since epoch
    country: np.ndarray  # index into COUNTRIES
    city: np.ndarray  # object
    region: np.ndarray  # object
    postcode: np.ndarray  # object
    address: np.ndarray  # object
    moved: np.ndarray  # bool
    old_postcode: np.ndarray
    old_address: np.ndarray
    phone_digits: np.ndarray  # int64 national significant number
    email: np.ndarray  # object, lower-case true personal e-mail
    family_email: np.ndarray  # object, "" when none
    handle: np.ndarray  # object, social handle
    segment: np.ndarray  # index into SEGMENTS
    cat_prefs: np.ndarray  # (n, len(CATEGORIES))
    web_pref: np.ndarray  # share of purchases made on the web
    acquired_s: np.ndarray  # epoch seconds of the first purchase
    T_weeks: np.ndarray
    lam: np.ndarray  # purchases per week
    p: np.ndarray  # dropout probability after each repeat purchase
    nu: np.ndarray  # Gamma-Gamma spend scale (rate)
    soc: np.ndarray  # true share of category wallet spent with us
    wallet: np.ndarray  # true annual category spend (EUR), all categories


def _households(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    sizes = choice_idx(rng, n, (0.55, 0.30, 0.10, 0.05)) + 1
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, n)) + 1
    sizes = sizes[:k].copy()
    sizes[-1] -= ends[k - 1] - n
    household = np.repeat(np.arange(k), sizes)
    return household, np.repeat(sizes, sizes)


def make_people(rng: np.random.Generator, n: int) -> People:
    """Draw ``n`` true persons with households, geography, needs and BG/NBD / Gamma-Gamma traits."""
    household, hh_size = _households(rng, n)
    n_hh = int(household[-1]) + 1 if n else 0
    head = np.r_[True, household[1:] != household[:-1]] if n else np.zeros(0, bool)

    female = rng.random(n) < 0.52
    fem = np.array(FEMALE, dtype=object)
    mal = np.array(MALE, dtype=object)
    first = np.where(female, fem[rng.integers(0, fem.size, n)], mal[rng.integers(0, mal.size, n)])
    # No two members of a household share a given name (parents do not name a child after
    # themselves here): the next name of the list instead, no random draw.
    for _ in range(4):
        key = np.char.add(household.astype(str), first.astype(str))
        _, first_pos = np.unique(key, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first_pos] = False
        if not dup.any():
            break
        for i in np.flatnonzero(dup):
            names = fem if female[i] else mal
            pos = int(np.flatnonzero(names == first[i])[0])
            first[i] = names[(pos + 1) % names.size]
    last_names = np.array(LAST_NAMES, dtype=object)
    hh_last = last_names[rng.integers(0, last_names.size, n_hh)]
    last = hh_last[household]
    own_last = rng.random(n) < 0.10
    last = np.where(own_last & ~head, last_names[rng.integers(0, last_names.size, n)], last)
    age_days = (rng.uniform(18, 80, n) * 365.25).astype(np.int64)
    birth_days = (AS_OF_S // 86400 - age_days).astype(np.int32)

    # Geography per household.
    hh_country = choice_idx(rng, n_hh, [GEO[c][0] for c in COUNTRIES])
    hh_city = np.empty(n_hh, dtype=object)
    hh_region = np.empty(n_hh, dtype=object)
    hh_post = np.empty(n_hh, dtype=object)
    hh_addr = np.empty(n_hh, dtype=object)
    for ci, code in enumerate(COUNTRIES):
        idx = np.flatnonzero(hh_country == ci)
        city_i, post_i, addr_i = _places(rng, code, idx.size)
        cities = GEO[code][1]
        hh_city[idx] = np.array([c[0] for c in cities], dtype=object)[city_i]
        hh_region[idx] = np.array([c[1] for c in cities], dtype=object)[city_i]
        hh_post[idx] = post_i
        hh_addr[idx] = addr_i
    country = hh_country[household]
    moved = rng.random(n) < 0.07
    # The previous address of movers: same country, drawn afresh.
    old_post = np.full(n, "", dtype=object)
    old_addr = np.full(n, "", dtype=object)
    for ci, code in enumerate(COUNTRIES):
        idx = np.flatnonzero(moved & (country == ci))
        _, post_i, addr_i = _places(rng, code, idx.size)
        old_post[idx] = post_i
        old_addr[idx] = addr_i

    # Unique mobile numbers (national significant numbers, 10 digits for GB).
    # (GB mobiles 07xxx, FR 06, DE 0151, US: distinct numbers within each country's format).
    u = unique_ints(rng, n, 10**8)
    phone = np.select([country == 0, country == 3], [7_000_000_000 + 9 * u, 7 * u], u)

    seg = choice_idx(rng, n, SEGMENT_SHARES)
    base = np.array([SEGMENTS[s][0] for s in SEGMENTS])
    prefs = rng.gamma(12.0 * base[seg] + 0.05)
    prefs /= prefs.sum(axis=1, keepdims=True)
    web_pref = np.clip(
        np.array([SEGMENTS[s][1] for s in SEGMENTS])[seg] + rng.normal(0, 0.15, n), 0.02, 0.98
    )

    # Acquisition staggered over the two years, growing slightly towards the end.
    span = AS_OF_S - START_S
    acquired = START_S + (rng.random(n) ** 0.85 * (span - 3600)).astype(np.int64)
    t_weeks = (AS_OF_S - acquired) / WEEK_S
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    p = rng.beta(BGNBD["a"], BGNBD["b"], n)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["v"], n)
    soc = rng.beta(2.0, 3.0, n) * 0.9 + 0.05
    annual_with_us = lam * 52.0 * GAMMA_GAMMA["p"] / nu
    wallet = np.round(np.maximum(annual_with_us / soc, 40.0), 2)

    emails, handles = _emails_handles(rng, first, last)
    fam = np.full(n, "", dtype=object)
    # Shared family e-mails: some multi-person households use one address.
    fam_hh = (rng.random(n_hh) < 0.04) & (np.bincount(household, minlength=n_hh) >= 2)
    uses = fam_hh[household]
    fam[uses] = [
        f"the{str(ln).lower().replace(' ', '').replace(chr(39), '')}{h % 1000}@{EMAIL_DOMAINS[h % 3]}"
        for ln, h in zip(hh_last[household[uses]], household[uses], strict=True)
    ]
    return People(
        n=n,
        household=household,
        household_size=hh_size,
        female=female,
        first=first,
        last=last,
        birth_days=birth_days,
        country=country,
        city=hh_city[household],
        region=hh_region[household],
        postcode=hh_post[household],
        address=hh_addr[household],
        moved=moved,
        old_postcode=old_post,
        old_address=old_addr,
        phone_digits=phone,
        email=emails,
        family_email=fam,
        handle=handles,
        segment=seg,
        cat_prefs=prefs,
        web_pref=web_pref,
        acquired_s=acquired,
        T_weeks=t_weeks,
        lam=lam,
        p=p,
        nu=nu,
        soc=soc,
        wallet=wallet,
    )


_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)


def _places(
    rng: np.random.Generator, code: str, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """City index, postcode and street address for ``k`` homes in a country."""
    cities, streets = GEO[code][1], GEO[code][2]
    if k == 0:  # small demos can have no one in a country
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=object), np.empty(0, dtype=object)
    city_i = rng.integers(0, len(cities), k)
    prefix = np.array([c[2] for c in cities], dtype=object)[city_i]
    num = rng.integers(1, 180, k).astype(str).astype(object)
    street = np.array(streets, dtype=object)[rng.integers(0, len(streets), k)]
    if code == "GB":
        district = rng.integers(1, 20, k).astype(str).astype(object)
        sector = rng.integers(0, 10, k).astype(str).astype(object)
        unit = (
            _LETTERS[rng.integers(0, _LETTERS.size, k)]
            + _LETTERS[rng.integers(0, _LETTERS.size, k)]
        )
        post = prefix + district + " " + sector + unit
        addr = num + " " + street
    elif code == "DE":
        post = prefix + rng.integers(100, 999, k).astype(str).astype(object)
        addr = street + " " + num
    else:
        width = 5 - len(str(prefix[0])) if k else 0
        post = prefix + np.char.zfill(rng.integers(0, 10**width, k).astype(str), width).astype(
            object
        )
        addr = num + (", " if code == "FR" else " ") + street
    return city_i, post, addr


def _emails_handles(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """True personal e-mail and social handle per person (unique by a numeric suffix)."""
    n = first.size
    f = np.char.lower(first.astype(str))
    ln = np.char.replace(np.char.replace(np.char.lower(last.astype(str)), " ", ""), "'", "")
    suffix = unique_ints(rng, n, max(10 * n, 1000)).astype(str)
    style = rng.integers(0, 3, n)
    dom = np.array(EMAIL_DOMAINS)[rng.integers(0, len(EMAIL_DOMAINS), n)]
    initial = f.astype("<U1")
    local = np.where(
        style == 0,
        np.char.add(np.char.add(f, "."), ln),
        np.where(style == 1, np.char.add(initial, ln), np.char.add(np.char.add(ln, "."), f)),
    )
    local = np.char.add(local, suffix)
    email = np.char.add(np.char.add(local, "@"), dom).astype(object)
    handle = np.char.add(np.char.add(np.char.add("@", f), ln), suffix).astype(object)
    return email, handle


def expected_repeat(t: np.ndarray | float) -> np.ndarray:
    """BG/NBD E[X(t)] for the true parameters (Fader, Hardie & Lee 2005, eq. 9)."""
    from scipy.special import hyp2f1

    r, alpha, a, b = BGNBD["r"], BGNBD["alpha"], BGNBD["a"], BGNBD["b"]
    t = np.asarray(t, dtype=float)
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


__all__ = [
    "BGNBD",
    "CATEGORIES",
    "COUNTRIES",
    "GAMMA_GAMMA",
    "HISTORY_WEEKS",
    "SEGMENTS",
    "People",
    "expected_repeat",
    "make_people",
]
