"""Ground-truth tables of the demo world: ``persons.parquet`` and ``params.json``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from idic.datasets import demo_identities as di
from idic.datasets import demo_journeys as dj
from idic.datasets import demo_network as dn
from idic.datasets import demo_orders as do
from idic.datasets import demo_people as dp
from idic.datasets import demo_voice as dv
from idic.datasets.demo_util import AS_OF, START, WEEK_S, int_text, pick, ts_array


def e164(digits: np.ndarray, country: np.ndarray) -> list[str]:
    """The true E.164 phone of each person (what normalising any of its formats gives)."""
    out = []
    for d, c in zip(digits.tolist(), country.tolist(), strict=True):
        code = dp.COUNTRIES[c]
        if code == "GB":
            out.append(f"+44{d}")
        elif code == "FR":
            out.append(f"+33{600_000_000 + d % 100_000_000:09d}")
        elif code == "DE":
            out.append(f"+49151{d % 100_000_000:08d}")
        else:
            out.append(f"+1{2_000_000_000 + d % 8_000_000_000:010d}")
    return out


def persons_table(
    people: dp.People,
    member: dict[str, np.ndarray],
    draw: do.BgnbdDraw,
    orders: do.Orders,
    ids: di.Identities,
    referred_by: np.ndarray,
    propensity: np.ndarray,
    n_cases: np.ndarray,
    bad_case: np.ndarray,
    delays: np.ndarray,
    basher: np.ndarray,
    followers: np.ndarray,
    attitude: np.ndarray,
    unsub: np.ndarray,
) -> pa.Table:
    """One row per true person with every latent trait the generator used."""
    n = people.n
    pid = int_text(np.arange(n) + 1, "P", 7)
    src_flags = np.stack([member[s] for s in di.SOURCES], axis=1)
    sources = np.array(
        [
            "|".join(s for s, f in zip(di.SOURCES, row, strict=True) if f)
            for row in src_flags.tolist()
        ],
        dtype=object,
    )
    spend_eur = np.bincount(orders.person, weights=orders.cents_eur, minlength=n) / 100
    n_orders = np.bincount(orders.person, minlength=n)
    n_web = np.bincount(orders.person[orders.web], minlength=n)
    referred = pc.if_else(
        pa.array(referred_by >= 0),
        int_text(np.maximum(referred_by, 0) + 1, "P", 7),
        pa.scalar(None, pa.string()),
    )
    cols: dict[str, Any] = {
        "person_id": pid,
        "household_id": int_text(people.household + 1, "H", 7),
        "household_size": pa.array(people.household_size),
        "first_name": pa.array(people.first.tolist(), pa.string()),
        "last_name": pa.array(people.last.tolist(), pa.string()),
        "birth_date": pa.array(people.birth_days, pa.date32()),
        "country": pick(dp.COUNTRIES, people.country),
        "city": pa.array(people.city.tolist(), pa.string()),
        "postcode": pa.array(people.postcode.tolist(), pa.string()),
        "address": pa.array(people.address.tolist(), pa.string()),
        "moved": pa.array(people.moved),
        "old_postcode": pa.array(
            np.where(people.moved, people.old_postcode, None).tolist(), pa.string()
        ),
        "old_address": pa.array(
            np.where(people.moved, people.old_address, None).tolist(), pa.string()
        ),
        "email": pa.array(people.email.tolist(), pa.string()),
        "family_email": pa.array(
            np.where(people.family_email != "", people.family_email, None).tolist(), pa.string()
        ),
        "phone_e164": pa.array(e164(people.phone_digits, people.country), pa.string()),
        "social_handle": pa.array(people.handle.tolist(), pa.string()),
        "sources": pa.array(sources.tolist(), pa.string()),
        "n_sources": pa.array(src_flags.sum(axis=1)),
        "segment": pick(tuple(dp.SEGMENTS), people.segment),
        "web_share": pa.array(people.web_pref),
        "acquired_at": ts_array(people.acquired_s),
        "T_weeks": pa.array(people.T_weeks),
        "lambda": pa.array(people.lam),
        "p": pa.array(people.p),
        "x_repeat": pa.array(draw.x),
        "n_orders": pa.array(n_orders),
        "n_web_orders": pa.array(n_web),
        "churned": pa.array(draw.churned),
        "churned_at": ts_array(draw.churn_s),
        "nu": pa.array(people.nu),
        "mean_spend": pa.array(dp.GAMMA_GAMMA["p"] / people.nu),
        "total_spend_eur": pa.array(np.round(spend_eur, 2)),
        "wallet_annual": pa.array(people.wallet),
        "share_of_wallet": pa.array(people.soc),
        "delivery_delays": pa.array(delays),
        "n_cases": pa.array(n_cases),
        "bad_complaint": pa.array(bad_case),
        "attitude": pa.array(attitude),
        "referred_by": referred,
        "referral_propensity": pa.array(propensity),
        "n_referred": pa.array(np.bincount(referred_by[referred_by >= 0], minlength=n)),
        "basher": pa.array(basher),
        "followers": pa.array(followers),
        "unsubscribed_at": ts_array(unsub),
    }
    for j, cat in enumerate(dp.CATEGORIES):
        cols[f"pref_{cat}"] = pa.array(people.cat_prefs[:, j])
        cols[f"wallet_{cat}"] = pa.array(np.round(people.wallet * people.cat_prefs[:, j], 2))
    return pa.table(cols)


def params_dict(
    seed: int, n: int, ids: di.Identities, orders: do.Orders, stats: dict[str, int]
) -> dict[str, Any]:
    """Every parameter and planted effect of the demo world (``truth/params.json``)."""
    web = orders.web
    d, last = orders.delayed[web], orders.last_before_dropout[web]

    def rate(num: int, den: int) -> float | None:
        return round(num / den, 4) if den else None

    cs, cc = stats.get("checkout_sessions", 0), stats.get("checkout_converted", 0)
    es, ec = stats.get("error_sessions", 0), stats.get("error_converted", 0)
    hs, hc = stats.get("chat_sessions", 0), stats.get("chat_converted", 0)
    return {
        "seed": seed,
        "customers": n,
        "as_of": str(AS_OF) + "Z",
        "history_start": str(START) + "Z",
        "time_unit": "weeks",
        "week_seconds": WEEK_S,
        "bgnbd": dict(dp.BGNBD),
        "bgnbd_process": "first purchase at acquisition; repeat purchases Poisson(lambda); dropout "
        "with probability p after each repeat purchase (Fader, Hardie & Lee 2005)",
        "gamma_gamma": dict(dp.GAMMA_GAMMA),
        "gamma_gamma_mean_spend_eur": dp.GAMMA_GAMMA["p"]
        * dp.GAMMA_GAMMA["v"]
        / (dp.GAMMA_GAMMA["q"] - 1),
        "currency": "EUR",
        "gbp_per_eur": do.GBP_PER_EUR,
        "margin_rates": dict(do.MARGIN_RATES),
        "margin_share": do.MARGIN_SHARE,
        "categories": list(dp.CATEGORIES),
        "segments": {
            k: {"category_mix": dict(zip(dp.CATEGORIES, v[0], strict=True)), "web_share": v[1]}
            for k, v in dp.SEGMENTS.items()
        },
        "pain_points": {
            "Checkout Error": {
                "effect": "conversion of checkout sessions",
                "p_error_if_converting": dj.P_ERROR_CONVERTING,
                "p_error_if_abandoned": dj.P_ERROR_ABANDONED,
                "conversion_with": rate(ec, es),
                "conversion_without": rate(cc - ec, cs - es),
            },
            "Delivery Delayed": {
                "effect": "retention after the order (dropout follows the order)",
                "p_delay_if_last_before_dropout": do.DELAY_IF_LAST,
                "p_delay_otherwise": do.DELAY_OTHERWISE,
                "dropout_after_delayed_order": rate(int((d & last).sum()), int(d.sum())),
                "dropout_after_other_order": rate(int((~d & last).sum()), int((~d).sum())),
                "nps_effect": dv.NPS_MODEL["delayed_delivery"],
                "p_complaint": dv.CASE_IF_DELAYED,
            },
        },
        "moments_of_truth": {
            "Live Chat Resolved": {
                "effect": "conversion of checkout sessions",
                "p_chat_if_converting": dj.P_CHAT_CONVERTING,
                "p_chat_if_abandoned": dj.P_CHAT_ABANDONED,
                "conversion_with": rate(hc, hs),
                "conversion_without": rate(cc - hc, cs - hs),
            },
        },
        "journey_counts": stats,
        "nps_model": dict(dv.NPS_MODEL),
        "unlabelled_event_share": dj.UNLABELLED_SHARE,
        "event_user_id_source": dict(dj.USER_ID_SOURCE),
        "traps": {
            "family_emails": ids.family_emails,
            "generic_phones": dict(di.GENERIC_PHONES),
            "generic_phone_share_of_store_records": di.GENERIC_PHONE_SHARE,
        },
        "consent_rates": {
            k: dict(zip(dn.PURPOSES, v, strict=True)) for k, v in dn.CONSENT_RATES.items()
        },
        "consent_withdraw_share": dn.WITHDRAW_SHARE,
        "referred_share": dn.REFERRED_SHARE,
        "referrals": {
            "referred_share_of_web_accounts": dn.REFERRED_SHARE,
            "referrer_propensity": "Pareto(1.3) + 0.05 per web account; referrer drawn among "
            "accounts created before the referral, with probability proportional to it",
        },
        "bashers": {
            "basher_share": dn.BASHER_SHARE,
            "basher_share_after_pain_point": dn.BASHER_SHARE_AFTER_PAIN,
            "pain_point": "at least one delayed delivery or a badly handled complaint "
            "(persons.delivery_delays > 0 or persons.bad_complaint)",
            "population": "persons with a social handle (the social source)",
            "mention_activity": "Poisson(Gamma(0.6, 5)), doubled for bashers",
            "mention_sentiment_positive_neutral_negative": {
                "basher": [0.1, 0.1, 0.8], "other": [0.6, 0.3, 0.1]},
        },
        "wallet_survey_share": dv.WALLET_SHARE,
    }
