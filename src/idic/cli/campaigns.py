"""``idic campaigns``: send and holdout lists of an audience, behind consent and caps; results.

The logic lives in :mod:`idic.customize.campaigns`. ``idic export campaign_members`` writes
the lists (``customer_id``, ``campaign``, ``arm``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(name="campaigns", no_args_is_help=True,
                  help="Campaigns: an audience split into treatment and holdout by hash, "
                       "behind the consent gate and contact-pressure caps; results.")


@app.command("create", help="Make the send list (treatment) and the holdout list of a "
             "campaign; the treatment arm is recorded as contacted.")
@command
def create_cmd(
    name: Annotated[str, typer.Argument(help="Campaign name (also the assignment salt)")],
    audience: Annotated[str, typer.Option("--audience", help="Audience name")],
    holdout: Annotated[float, typer.Option("--holdout", help="Share kept as control")] = 0.1,
    cap: Annotated[str | None, typer.Option(
        "--cap", help="Contact-pressure cap on the channel, e.g. 3/30d")] = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", help="Channel (default: the audience's)")] = None,
    message: Annotated[str | None, typer.Option("--message", help="Message reference")] = None,
    max_sends: Annotated[int | None, typer.Option(
        "--max-sends", help="Volume cap: the most valuable customers (by CLV) first")] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.customize import campaigns as cp

    with open_ws(workspace) as ws:
        c = cp.create(ws, name, audience=audience, holdout=holdout, cap=cap, channel=channel,
                      message=message, max_sends=max_sends)
    if json_:
        emit_json(c.as_dict())
    else:
        out.print(f"campaign {name}: {c.treatment:,} to send, {c.holdout_size:,} held out "
                  f"({c.excluded_by_gate:,} excluded by consent, {c.excluded_by_cap:,} by "
                  f"caps); `idic export campaign_members -o FILE.csv` writes the lists")


@app.command("list", help="Campaigns with their list sizes.")
@command
def list_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import campaigns as cp

    with open_ws(workspace, read_only=True) as ws:
        rows = [c.as_dict() for c in cp.all_campaigns(ws)]
    if json_:
        emit_json({"campaigns": rows})
        return
    t = Table("name", "audience", "channel", "sent_at", "treatment", "holdout", "cap")
    for r in rows:
        t.add_row(r["name"], r["audience"], r["channel"] or "", r["sent_at"][:19],
                  f"{r['treatment']:,}", f"{r['holdout_size']:,}", r["cap"] or "")
    out.print(t)


@app.command("results", help="Conversion and revenue per customer, treatment vs holdout.")
@command
def results_cmd(name: Annotated[str, typer.Argument(help="Campaign name")],
                days: Annotated[int, typer.Option("--days", help="Days after the send")] = 30,
                workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import campaigns as cp

    with open_ws(workspace, read_only=True) as ws:
        res = cp.results(ws, name, days=days)
    if json_:
        emit_json(res)
        return
    t = Table("arm", "customers", "conversion", "revenue/customer")
    for a, r in res["arms"].items():
        conv = "" if r["conversion"] is None else f"{r['conversion']:.2%}"
        rpc = "" if r["revenue_per_customer"] is None else f"{r['revenue_per_customer']:.2f}"
        t.add_row(a, f"{r['customers']:,}", conv, rpc)
    out.print(t)
    if "conversion_lift" in res:
        lo, hi = res["conversion_lift"]["ci95"]
        out.print(f"conversion lift {res['conversion_lift']['difference']:+.2%} "
                  f"(95% CI {lo:+.2%} to {hi:+.2%})")
