"""Source records of the true persons (``identities``) with realistic mess and planted traps.

Five sources: ``web`` (accounts), ``store`` (loyalty cards), ``call_centre``, ``email_list``
and ``social``. Every person is in one to four sources and in at least one selling source
(web or store). Mess: typos (swap / drop / insert), nicknames, first and last name swapped,
upper-case names, people who moved (old address in one source), missing values, e-mail
case / whitespace variants, phones in national and international formats. Traps: shared
family e-mails (several people of one household) and shops' generic phone numbers typed into
many unrelated store records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets.demo_people import People
from idic.datasets.demo_util import (
    AS_OF_S,
    DAY_S,
    START_S,
    date_text,
    hex_text,
    int_text,
    ts_text,
    unique_ints,
)
from idic.datasets.demo_vocab import COUNTRIES, NICKNAMES

SOURCES = ("web", "store", "call_centre", "email_list", "social")
PREFIX = {"web": "W-", "store": "S-", "call_centre": "CC-", "email_list": "E-", "social": "SO-"}
#: Generic shop phone numbers (national format as typed, E.164 as normalised).
GENERIC_PHONES = {"020 7946 0000": "+442079460000", "0161 496 0000": "+441614960000"}
GENERIC_PHONE_SHARE = 0.02
FAMILY_EMAIL_USE = 0.85
WEB_NO_ADDRESS = 0.05  # web accounts without a delivery address (digital goods only)
WEB_PHONE = 0.7  # web accounts with the mobile phone
STORE_EMAIL = 0.6  # loyalty cards with an e-mail (besides those without a usable phone)
IDENTITY_COLUMNS = (
    "source",
    "source_record_id",
    "email",
    "phone",
    "loyalty_id",
    "account_id",
    "device_id",
    "cookie_id",
    "social_handle",
    "first_name",
    "last_name",
    "birth_date",
    "address",
    "postcode",
    "city",
    "region",
    "country",
    "first_seen",
    "last_seen",
)


@dataclass
class Identities:
    """The identities table, its truth, and per-person handles for the other generators."""

    table: pa.Table
    truth: pa.Table
    member: dict[str, np.ndarray]
    rid: dict[str, pa.Array]  # per person: record id in the source (null when absent)
    first_seen: dict[str, np.ndarray]  # per person: epoch seconds, -1 when absent
    cookie: pa.Array  # per person: web cookie id (null without web record)
    device: pa.Array  # per person: device id (null when none)
    email_used: np.ndarray  # per person: e-mail on the web / e-mail list records ("" none)
    family_emails: list[str] = field(default_factory=list)


def assign_sources(rng: np.random.Generator, people: People) -> dict[str, np.ndarray]:
    """Which sources hold a record of each person (1-4 sources, at least web or store)."""
    n = people.n
    web = rng.random(n) < 0.30 + 0.55 * people.web_pref
    store = rng.random(n) < 0.30 + 0.55 * (1 - people.web_pref)
    neither = ~web & ~store
    pick_web = rng.random(n) < people.web_pref
    web |= neither & pick_web
    store |= neither & ~pick_web
    cc = rng.random(n) < 0.20
    el = rng.random(n) < np.where(web, 0.45, 0.25)
    so = rng.random(n) < 0.12
    too_many = web & store & cc & el & so
    drop_social = too_many & (rng.random(n) < 0.5)
    so &= ~drop_social
    cc &= ~(too_many & ~drop_social)
    device = web & (rng.random(n) < 0.55)
    return {
        "web": web,
        "store": store,
        "call_centre": cc,
        "email_list": el,
        "social": so,
        "device": device,
    }


def _typo(s: str, r: float, pos: float, ch: str) -> str:
    if len(s) < 3:
        return s
    i = 1 + int(pos * (len(s) - 2))
    if r < 0.4:
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :] if i + 1 < len(s) else s[:-1]
    if r < 0.7:
        return s[:i] + s[i + 1 :]
    return s[:i] + ch + s[i:]


def messy_names(
    rng: np.random.Generator,
    first: np.ndarray,
    last: np.ndarray,
    *,
    nick: float,
    typo: float,
    swap: float,
    upper: float = 0.0,
    miss_first: float = 0.0,
    miss_last: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply nicknames, typos, first/last swaps, upper case and missing values to names."""
    first, last = first.copy(), last.copy()
    k = first.size
    sel = np.flatnonzero(rng.random(k) < nick)
    pick = rng.random(sel.size)
    nicked = np.zeros(k, dtype=bool)
    for i, u in zip(sel, pick, strict=True):
        alts = NICKNAMES.get(first[i])
        if alts:
            first[i] = alts[int(u * len(alts))]
            nicked[i] = True
    letters = "aeinorstlmhc"
    for j, arr in enumerate((first, last)):
        # no typo in a nickname: "Bceca" for Rebecca is beyond anyone
        sel = np.flatnonzero((rng.random(k) < typo) & ~(nicked if j == 0 else False))
        r, pos, ch = (
            rng.random(sel.size),
            rng.random(sel.size),
            rng.integers(0, len(letters), sel.size),
        )
        for i, a, b, c in zip(sel, r, pos, ch, strict=True):
            arr[i] = _typo(arr[i], a, b, letters[c])
    sw = rng.random(k) < swap
    first[sw], last[sw] = last[sw], first[sw].copy()
    up = rng.random(k) < upper
    if up.any():
        first[up] = np.char.upper(first[up].astype(str)).astype(object)
        last[up] = np.char.upper(last[up].astype(str)).astype(object)
    first[rng.random(k) < miss_first] = None
    last[rng.random(k) < miss_last] = None
    return first, last


def messy_emails(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """Case and whitespace variants of e-mails (`` Ann.Lee@Example.com ``)."""
    out = emails.copy()
    u = rng.random(out.size)
    for i in np.flatnonzero(u < 0.14):
        local, _, dom = out[i].partition("@")
        if u[i] < 0.08:
            out[i] = ".".join(w.capitalize() for w in local.split(".")) + "@" + dom.capitalize()
        elif u[i] < 0.11:
            out[i] = f" {out[i]} "
        else:
            out[i] = out[i].upper()
    return out


def format_phones(rng: np.random.Generator, digits: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Phone numbers as people type them: national and international formats per country."""
    out = np.empty(digits.size, dtype=object)
    style = rng.integers(0, 5, digits.size)
    for i, (d, c, s) in enumerate(
        zip(digits.tolist(), country.tolist(), style.tolist(), strict=True)
    ):
        code = COUNTRIES[c]
        if code == "GB":
            a, b = divmod(d, 1_000_000)
            out[i] = (
                f"0{a} {b:06d}",
                f"+44 {a} {b:06d}",
                f"+44{a}{b:06d}",
                f"0{a}{b:06d}",
                f"(0{a}) {b // 1000:03d} {b % 1000:03d}",
            )[s]
        elif code == "FR":
            n = 600_000_000 + d % 100_000_000
            g = f"{n:09d}"
            pairs = " ".join(g[j : j + 2] for j in range(1, 9, 2))
            out[i] = (
                f"0{g[0]} {pairs}",
                f"+33 {g[0]} {pairs}",
                f"+33{g}",
                f"0{g}",
                f"0{g[0]} {pairs}",
            )[s]
        elif code == "DE":
            n = d % 100_000_000
            out[i] = (
                f"0151 {n:08d}",
                f"+49 151 {n:08d}",
                f"+49151{n:08d}",
                f"0151{n:08d}",
                f"0151-{n:08d}",
            )[s]
        else:
            n = 2_000_000_000 + d % 8_000_000_000
            g = f"{n:010d}"
            out[i] = (
                f"({g[:3]}) {g[3:6]}-{g[6:]}",
                f"+1 {g[:3]} {g[3:6]} {g[6:]}",
                f"+1{g}",
                f"{g[:3]}-{g[3:6]}-{g[6:]}",
                f"+1 ({g[:3]}) {g[3:6]}-{g[6:]}",
            )[s]
    return out


def pd_isnull(a: np.ndarray) -> np.ndarray:
    """Null mask of an object array."""
    return np.array([v is None for v in a.tolist()], dtype=bool)


def _obj(a: np.ndarray) -> pa.Array:
    return pa.array(a.tolist(), type=pa.string())


def _contacts(
    rng: np.random.Generator,
    people: People,
    member: dict[str, np.ndarray],
    fam_used: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per person: web account with the mobile phone, loyalty card with the e-mail, loyalty
    card without phone, with a shop's generic phone, call-centre record from the household
    landline.

    Web, e-mail list and social records carry the e-mail in use; loyalty cards and
    call-centre records the mobile phone. Somewhere the two must meet (a web account with
    the phone or a loyalty card with both), else one is added: a careful human can always
    tie a person's records together. Cards without a usable phone, and persons who moved
    (old address in one source, new in another), always get the e-mail."""
    n = people.n
    web, store, cc = member["web"], member["store"], member["call_centre"]
    store_no_phone = rng.random(n) < 0.12
    store_generic = ~store_no_phone & (rng.random(n) < GENERIC_PHONE_SHARE)
    cc_land = np.zeros(n, dtype=bool)  # landline callers give their e-mail (drawn later)
    web_phone = web & (fam_used | people.moved | (rng.random(n) < WEB_PHONE))
    store_ok = store & ~store_no_phone & ~store_generic
    store_mail = store & (
        ~store_ok | people.moved | fam_used | (rng.random(n) < STORE_EMAIL)
    )
    by_mail = web | member["email_list"] | member["social"] | (cc & cc_land) | store_mail
    phone_only = (store_ok & ~store_mail) | (cc & ~cc_land)
    bridge = web_phone | (store_mail & store_ok)
    need = by_mail & phone_only & ~bridge
    web_phone |= need & web
    store_mail |= need & ~web & store_ok
    cc_mail = cc & (cc_land | (need & ~web & ~store_ok))
    return web_phone, store_mail, store_no_phone, store_generic, cc_mail


def build_identities(
    rng: np.random.Generator,
    people: People,
    member: dict[str, np.ndarray],
    first_web_order: np.ndarray,
    last_web_order: np.ndarray,
    first_store_order: np.ndarray,
    last_store_order: np.ndarray,
) -> Identities:
    """Create every source record (messy) and the identity truth."""
    n = people.n
    acq = people.acquired_s
    span = AS_OF_S - acq
    tables: list[pa.Table] = []
    truth: list[pa.Table] = []
    rid: dict[str, pa.Array] = {}
    seen: dict[str, np.ndarray] = {}
    fam = people.family_email != ""
    email_used = np.where(
        fam & (rng.random(n) < FAMILY_EMAIL_USE), people.family_email, people.email
    )
    fam_used = fam & (email_used == people.family_email)
    # Which records carry which contact: decided per person so that the records of one
    # person are always tied together by some identifier (see _contacts).
    web_phone, store_mail, store_no_phone, store_generic, cc_mail = _contacts(
        rng, people, member, fam_used
    )
    cookie_all = hex_text(unique_ints(rng, n, 2**32 - 1), "ck-")
    has_dev = member["device"]
    device_all = pc.if_else(
        pa.array(has_dev),
        hex_text(unique_ints(rng, n, 2**32 - 1), "dev-"),
        pa.scalar(None, pa.string()),
    )
    cookie = pc.if_else(pa.array(member["web"]), cookie_all, pa.scalar(None, pa.string()))
    landline = 1_000_000_000 + unique_ints(
        rng, int(people.household[-1]) + 1 if n else 0, 999_999_999
    )

    for src in SOURCES:
        idx = np.flatnonzero(member[src])
        k = idx.size
        num = rng.permutation(k) + 1
        ids = int_text(num, PREFIX[src], 7)
        per_person = np.full(n, None, dtype=object)
        per_person[idx] = ids.to_numpy(zero_copy_only=False)
        rid[src] = pa.array(per_person.tolist(), type=pa.string())
        cols: dict[str, pa.Array] = {"source": pa.array([src] * k), "source_record_id": ids}
        f, ln = people.first[idx], people.last[idx]
        country = people.country[idx]
        moved_old = people.moved[idx] & (rng.random(k) < 0.5)
        fs = np.full(n, -1, dtype=np.int64)
        if src == "web":
            first_seen = np.where(
                first_web_order[idx] >= 0,
                first_web_order[idx],
                acq[idx] + (rng.random(k) * span[idx] * 0.5).astype(np.int64),
            )
            last_seen = np.minimum(
                np.maximum(last_web_order[idx], first_seen)
                + (rng.random(k) * 30 * DAY_S).astype(np.int64),
                AS_OF_S,
            )
            fn, lnn = messy_names(
                rng, f, ln, nick=0.08, typo=0.03, swap=0.01, miss_last=0.05
            )
            bd = np.where(rng.random(k) < 0.30, people.birth_days[idx], -1)
            # Delivery address (the old one for half the movers: e-mail and phone still
            # link them) and, on most accounts, the mobile phone (always when the account
            # uses a shared family e-mail or the person moved).
            addr = np.where(moved_old, people.old_address[idx], people.address[idx])
            post = np.where(moved_old, people.old_postcode[idx], people.postcode[idx])
            no_addr = rng.random(k) < WEB_NO_ADDRESS
            phone = format_phones(rng, people.phone_digits[idx], country)
            phone[~web_phone[idx]] = None
            cols |= {
                "phone": _obj(phone),
                "address": _obj(np.where(no_addr, None, addr)),
                "postcode": _obj(np.where(no_addr, None, post)),
                "city": _obj(np.where(no_addr, None, people.city[idx])),
                "email": _obj(messy_emails(rng, email_used[idx])),
                "account_id": int_text(unique_ints(rng, k, 10**7), "acc_"),
                "device_id": pc.take(device_all, pa.array(idx)),
                "cookie_id": pc.take(cookie_all, pa.array(idx)),
                "first_name": _obj(fn),
                "last_name": _obj(lnn),
                "birth_date": date_text(bd),
                # the country is given with the phone (national numbers need it)
                "country": pa.array(
                    np.where(
                        (rng.random(k) < 0.8) | web_phone[idx],
                        np.array(COUNTRIES, dtype=object)[country],
                        None,
                    ).tolist(),
                    pa.string(),
                ),
            }
        elif src == "store":
            first_seen = np.where(first_store_order[idx] >= 0, first_store_order[idx], acq[idx])
            last_seen = np.maximum(last_store_order[idx], first_seen)
            fn, lnn = messy_names(
                rng, f, ln, nick=0.05, typo=0.05, swap=0.02, miss_last=0.02
            )
            phone = format_phones(rng, people.phone_digits[idx], country)
            phone[store_no_phone[idx]] = None
            generic = store_generic[idx]
            gen_vals = np.array(list(GENERIC_PHONES), dtype=object)
            phone[generic] = gen_vals[rng.integers(0, gen_vals.size, int(generic.sum()))]
            addr = np.where(moved_old, people.old_address[idx], people.address[idx])
            post = np.where(moved_old, people.old_postcode[idx], people.postcode[idx])
            addr = np.where(rng.random(k) < 0.04, None, addr)
            # Loyalty sign-up asks for an e-mail: most cards carry one, and every card
            # without a usable phone (none, or the shop's generic number) or of a person
            # who moved does.
            has_mail = store_mail[idx]
            mail = messy_emails(rng, email_used[idx])
            cols |= {
                "email": _obj(np.where(has_mail, mail, None)),
                "phone": _obj(phone),
                "loyalty_id": int_text(unique_ints(rng, k, 10**8), "L", 8),
                "first_name": _obj(fn),
                "last_name": _obj(lnn),
                "address": _obj(addr),
                "postcode": _obj(post),
                "city": _obj(people.city[idx]),
                "region": _obj(np.where(rng.random(k) < 0.7, people.region[idx], None)),
                "country": _obj(np.array(COUNTRIES, dtype=object)[country]),
            }
        elif src == "call_centre":
            first_seen = acq[idx] + (rng.random(k) * span[idx] * 0.3).astype(np.int64)
            last_seen = first_seen + (rng.random(k) * (AS_OF_S - first_seen)).astype(np.int64)
            fn, lnn = messy_names(
                rng, f, ln, nick=0.12, typo=0.06, swap=0.03, upper=0.3, miss_last=0.1
            )
            phone = format_phones(rng, people.phone_digits[idx], country)
            # a household landline (with the e-mail noted) only for persons whose e-mail is
            # on another record: else nothing would tie the call to them
            mail_elsewhere = (
                member["web"] | member["email_list"] | member["social"] | store_mail
            )[idx]
            use_land = (rng.random(k) < 0.10) & (country == 0) & mail_elsewhere
            phone[use_land] = format_phones(
                rng, landline[people.household[idx[use_land]]], country[use_land]
            )
            post = np.where(moved_old, people.old_postcode[idx], people.postcode[idx])
            # Agents note the caller's e-mail when calling from a household landline, or
            # when nothing else ties the caller to the person's other records.
            mail = messy_emails(rng, email_used[idx])
            cols |= {
                "phone": _obj(phone),
                "email": _obj(np.where(cc_mail[idx] | use_land, mail, None)),
                "first_name": _obj(fn),
                "last_name": _obj(lnn),
                "postcode": _obj(np.where(rng.random(k) < 0.15, None, post)),
                "country": _obj(np.array(COUNTRIES, dtype=object)[country]),
            }
        elif src == "email_list":
            first_seen = acq[idx] + ((rng.random(k) - 0.3) * 60 * DAY_S).astype(np.int64)
            early = first_seen < START_S
            first_seen[early] = START_S + (rng.random(int(early.sum())) * 14 * DAY_S).astype(
                np.int64
            )
            first_seen = np.minimum(first_seen, AS_OF_S)
            last_seen = np.full(k, -1, dtype=np.int64)
            fn, lnn = messy_names(
                rng, f, ln, nick=0.15, typo=0.03, swap=0.0, miss_first=0.25, miss_last=0.4
            )
            # A sign-up with a shared family e-mail gives the subscriber's name (else the
            # record could be any member of the household).
            fu = fam_used[idx]
            fn[fu & pd_isnull(fn)] = f[fu & pd_isnull(fn)]
            lnn[fu & pd_isnull(lnn)] = ln[fu & pd_isnull(lnn)]
            cols |= {
                "email": _obj(messy_emails(rng, email_used[idx])),
                "first_name": _obj(fn),
                "last_name": _obj(lnn),
            }
        else:
            first_seen = np.minimum(
                acq[idx] + (rng.random(k) * 90 * DAY_S).astype(np.int64), AS_OF_S
            )
            last_seen = np.full(k, -1, dtype=np.int64)
            fn, lnn = messy_names(rng, f, ln, nick=0.3, typo=0.02, swap=0.0, miss_last=0.35)
            # Social login shares the e-mail of the account; the subscriber's name when the
            # e-mail is a shared family one.
            fu = fam_used[idx]
            lnn[fu & pd_isnull(lnn)] = ln[fu & pd_isnull(lnn)]
            cols |= {
                "email": _obj(messy_emails(rng, email_used[idx])),
                "social_handle": _obj(people.handle[idx]),
                "first_name": _obj(fn),
                "last_name": _obj(lnn),
            }
        first_seen = np.maximum(first_seen, 0)
        fs[idx] = first_seen
        seen[src] = fs
        cols["first_seen"] = ts_text(first_seen)
        cols["last_seen"] = ts_text(last_seen)
        full = {c: cols.get(c, pa.nulls(k, pa.string())) for c in IDENTITY_COLUMNS}
        order = np.argsort(num, kind="stable")
        tables.append(pa.table(full).take(pa.array(order)))
        truth.append(
            pa.table(
                {
                    "source": pa.array([src] * k),
                    "source_record_id": ids,
                    "person_id": int_text(idx + 1, "P", 7),
                }
            ).take(pa.array(order))
        )

    on_record = fam & (email_used == people.family_email) & (member["web"] | member["email_list"])
    fam_vals, fam_counts = np.unique(people.family_email[on_record].astype(str), return_counts=True)
    family = sorted(fam_vals[fam_counts >= 2].tolist())
    return Identities(
        table=pa.concat_tables(tables),
        truth=pa.concat_tables(truth),
        member=member,
        rid=rid,
        first_seen=seen,
        cookie=cookie,
        device=device_all,
        email_used=np.where(member["web"] | member["email_list"], email_used, ""),
        family_emails=family,
    )
