"""Task rules: which next best actions need a person, priority, due date, owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.customize.tasks.owners import Assigner
from idic.customize.tasks.rules import config
from idic.errors import InputError

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cfg(**tasks):
    return config(SimpleNamespace(settings={"tasks": tasks} if tasks else {}))


@pytest.mark.parametrize(("row", "person"), [
    ({"action": "service_recovery", "value_category": "LMC"}, True),
    ({"action": "retain", "value_category": "MVC"}, True),
    ({"action": "retain", "value_category": "LMC"}, False),
    ({"action": "win_back", "value_category": "MGC"}, True),
    ({"action": "cross_sell", "value_category": "MVC"}, False),
    ({"action": "cross_sell", "value_category": "LMC", "account_id": "ACC-1"}, True),
    ({"action": "dont_contact", "account_id": "ACC-1"}, False),  # never a task
    ({"action": "reduce_cost_to_serve", "value_category": "BZ"}, False),
])
def test_default_rules(row, person):
    assert cfg().needs_person(row) is person


def test_configured_rules_replace_the_defaults():
    c = cfg(rules=[{"action": "cross_sell", "min_expected_value": 5, "min_clv": 100}])
    assert c.needs_person({"action": "cross_sell", "expected_value": 5, "clv": 100})
    assert not c.needs_person({"action": "cross_sell", "expected_value": 4.99, "clv": 900})
    assert not c.needs_person({"action": "cross_sell", "expected_value": 9, "clv": None})
    assert not c.needs_person({"action": "service_recovery", "expected_value": 99})


def test_priority_and_due_date():
    c = cfg()
    assert c.priority("service_recovery", 0.1) == "high"  # complaints: fast
    assert c.priority("retain", 50) == "high" and c.priority("retain", 49.99) == "normal"
    assert c.priority("win_back", 1.99) == "low" and c.priority("win_back", 2) == "normal"
    assert c.due(T0, "high") == T0 + timedelta(days=2)
    assert cfg(due_days={"high": 1, "normal": 3, "low": 5}).due(T0, "low") == T0 + timedelta(5)
    assert cfg(priority={"high_expected_value": 10}).priority("retain", 10) == "high"


@pytest.mark.parametrize(("tasks", "needle"), [
    ({"rules": [{"action": "retian"}]}, "closest: 'retain'"),
    ({"rules": [{"action": "retain", "colour": "red"}]}, "unknown key(s) colour"),
    ({"rules": [{"value_categories": ["VIP"]}]}, "value_categories"),
    ({"rules": [{"b2b": "yes"}]}, "b2b"),
    ({"rules": [{"min_clv": "lots"}]}, "min_clv"),
    ({"rules": "all"}, "rules"),
    ({"assignment": "random"}, "assignment"),
    ({"due_days": {"high": -1, "normal": 2, "low": 3}}, "due_days"),
    ({"cooldown_days": 1.5}, "cooldown_days"),
    ({"members": {"service": ["ok", "bad\x00name"]}}, "control characters"),
    ({"teams": {"x": ["fly"]}}, "teams.x"),
    ({"colour": 1}, "tasks.colour"),
    ({"max_open": -1}, "max_open"),
    ({"max_open": 2.5}, "max_open"),
    ({"max_open": True}, "max_open"),
    ({"max_open": {"Ana": "ten"}}, "max_open.Ana"),
    ({"max_open": {"bad\x00name": 3}}, "control characters"),
    ({"max_open": 100_001}, "max_open"),
])
def test_bad_configuration_is_one_clear_error(tasks, needle):
    with pytest.raises(InputError, match=None) as e:
        cfg(**tasks)
    assert needle in str(e.value)


def _task(owner, team="service", status="assigned"):
    return {"owner": owner, "team": team, "status": status}


def test_least_loaded_then_account_owner_then_queue():
    c = cfg(members={"service": ["Ana", "Ben"]})
    a = Assigner(c, [_task("Ana"), _task("Ana"), _task("Ben"), _task("Ben", status="done"),
                     _task("Ben", status="cancelled")])
    # active load: Ana 2, Ben 1 -> Ben, then tie 2:2 -> Ana (config order), then Ben
    assert [a.owner("service", None) for _ in range(3)] == ["Ben", "Ana", "Ben"]
    assert a.owner("service", "Priya Shah") == "Priya Shah"  # the B2B account owner
    assert a.owner("sales", None) == "queue:sales"  # nobody in sales: the team queue
    assert Assigner(cfg(account_owner=False), []).owner("sales", "Priya") == "queue:sales"


def test_round_robin_carries_on_across_runs():
    c = cfg(members={"retention": ["A", "B", "C"]}, assignment="round_robin")
    first = Assigner(c, [])
    got = [first.owner("retention", None) for _ in range(4)]
    assert got == ["A", "B", "C", "A"]
    later = Assigner(c, [_task(o, "retention", "done") for o in got])
    assert later.owner("retention", None) == "B"


def test_nobody_gets_more_than_their_max_open():
    """Capacity: a member at their max is skipped, one on leave (0) gets nothing, an
    account owner at capacity hands the task to the team, a full team queues it."""
    c = cfg(members={"service": ["Ana", "Ben", "Cy"]},
            max_open={"*": 2, "Ben": 1, "Cy": 0, "Priya": 1})
    a = Assigner(c, [_task("Ana"), _task("Priya", team="sales")])
    # Ana holds 1 of 2, Ben 0 of 1, Cy is on leave
    assert [a.owner("service", None) for _ in range(3)] == ["Ben", "Ana", "queue:service"]
    assert a.owner("service", "Priya") == "queue:service"  # Priya full, team full
    assert cfg(max_open=3).capacity("anyone") == 3 and cfg().capacity("x") == float("inf")
    rr = Assigner(cfg(members={"t": ["A", "B", "C"]}, assignment="round_robin",
                      max_open={"B": 0}), [])
    assert [rr.owner("t", None) for _ in range(4)] == ["A", "C", "A", "C"]
    full = Assigner(cfg(members={"t": ["A"]}, max_open=1), [_task("A", team="t")])
    assert full.owner("t", None) == "queue:t"
    # done and cancelled tasks do not count against the capacity
    again = Assigner(cfg(members={"t": ["A"]}, max_open=1),
                     [_task("A", team="t", status="done"), _task("A", "t", "cancelled")])
    assert again.owner("t", None) == "A"


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.none(), st.integers(-5, 200_000), st.floats(), st.booleans(),
                 st.text(max_size=5), st.dictionaries(
                     st.one_of(st.just("*"), st.text(max_size=12)),
                     st.one_of(st.integers(-3, 200_000), st.text(max_size=3), st.none()),
                     max_size=4)))
def test_max_open_fuzz(raw):
    """Any max_open is one clear error or a capacity of 0 to 100,000 per named person."""
    try:
        c = cfg(max_open=raw)
    except InputError as e:
        assert "max_open" in str(e) or "control characters" in str(e) or "tasks." in str(e)
        return
    if raw is None or raw == {}:
        assert not c.max_open and c.capacity("anyone") == float("inf")
        return
    assert c.max_open and all(isinstance(v, int) and 0 <= v <= 100_000
                              for v in c.max_open.values())
