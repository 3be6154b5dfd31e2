"""Who gets a new task: the B2B account's owner (key account manager) when the customer is a
contact of an account that has one, else a member of the action's team — the least loaded
(fewest active tasks, ties by the order in ``workspace.json``) or the next in turn (round
robin) — else the team's queue ``queue:<team>``, where anyone in the team picks it up.

Nobody is given more active tasks than ``tasks.max_open`` allows them (0: on leave): a
member at capacity is skipped, an account owner at capacity hands the task to the team,
and when the whole team is at capacity the task waits in the team's queue. The stage hands
out new tasks high priority first, so it is the low-priority ones that queue."""

from __future__ import annotations

from collections import Counter
from typing import Any

from idic.customize.tasks.rules import Config
from idic.customize.tasks.store import ACTIVE, QUEUE


class Assigner:
    def __init__(self, cfg: Config, existing: list[dict[str, Any]]) -> None:
        self.cfg = cfg
        self.load: Counter[str] = Counter(r["owner"] for r in existing
                                          if r["status"] in ACTIVE and r["owner"])
        self.turns: Counter[str] = Counter()
        for r in existing:  # round robin carries on where the last run stopped
            if r["owner"] in cfg.members.get(r["team"] or "", ()):
                self.turns[r["team"]] += 1

    def _free(self, person: str) -> bool:
        return self.load[person] < self.cfg.capacity(person)

    def owner(self, team: str, account_owner: str | None) -> str:
        if self.cfg.account_owner and account_owner and self._free(account_owner):
            who = account_owner
        else:
            members = self.cfg.members.get(team) or ()
            free = [m for m in members if self._free(m)]
            if not free:
                return QUEUE + team
            if self.cfg.assignment == "round_robin":
                # the next in turn who has room (the turn moves past those who have none)
                for _ in range(len(members)):
                    who = members[self.turns[team] % len(members)]
                    self.turns[team] += 1
                    if self._free(who):
                        break
            else:
                who = min(free, key=lambda m: (self.load[m], members.index(m)))
        self.load[who] += 1
        return who
