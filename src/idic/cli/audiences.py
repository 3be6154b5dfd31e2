"""``idic audiences``: saved rules over the customer profile, behind the consent gate.

The logic lives in :mod:`idic.customize.audiences`; this module parses flags and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out, output_file
from idic.errors import InputError

app = typer.Typer(name="audiences", no_args_is_help=True,
                  help="Audiences: saved --where rules over the customer profile; every export "
                       "goes through the consent gate.")

NameArg = Annotated[str, typer.Argument(help="Audience name")]


@app.command("create", help="Save an audience (a new version if the name exists) and "
             "compute its members. Give --where/--purpose, or --spec FILE.yaml.")
@command
def create_cmd(
    name: Annotated[str | None, typer.Argument(help="Audience name (or in --spec)")] = None,
    where: Annotated[str | None, typer.Option(
        "--where", help="Rule over the profile, e.g. \"abc_class = 'A' and clv > 100\"")] = None,
    purpose: Annotated[str | None, typer.Option(
        "--purpose", help="Processing purpose the consent gate checks (email_marketing, "
                          "sms_marketing, profiling, personalisation, third_party_sharing)")
    ] = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", help="Channel the audience is reached on (email needs email_marketing "
                          "consent too)")] = None,
    description: Annotated[str | None, typer.Option("--description", help="Free text")] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="A YAML spec file")] = None,
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    from idic.customize import audiences as au

    if spec is not None:
        data = au.load_spec(spec)
        if name is not None and name != data["name"]:
            raise InputError(f"the name {name!r} differs from the spec's {data['name']!r}")
        name, where = data["name"], data["where"]
        purpose, channel = data["purpose"], data.get("channel") or channel
        description = data.get("description") or description
    if name is None or where is None or purpose is None:
        raise InputError("give NAME, --where and --purpose (or --spec FILE.yaml)")
    with open_ws(workspace) as ws:
        aud = au.create(ws, name, where=where, purpose=purpose, channel=channel,
                        description=description)
        info = au.refresh(ws, name)[name]
    res = {**aud.as_dict(), **info}
    if json_:
        emit_json(res)
    else:
        out.print(f"audience {name} v{aud.version}: {info['members']:,} members "
                  f"({info['matched']:,} match the rule, {info['excluded_by_gate']:,} "
                  f"excluded by the consent gate for {purpose})")


@app.command("list", help="Saved audiences (latest version) with their member counts.")
@command
def list_cmd(workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import audiences as au

    with open_ws(workspace, read_only=True) as ws:
        rows = []
        has_members = ws.engine.has_table(au.MEMBERS)
        for a in au.all_audiences(ws):
            n = int(au.members(ws, a.name).count().execute()) if has_members else 0
            rows.append({**a.as_dict(), "members": n})
    if json_:
        emit_json({"audiences": rows})
        return
    t = Table("name", "version", "purpose", "channel", "members", "rule")
    for r in rows:
        t.add_row(r["name"], str(r["version"]), r["purpose"], r["channel"] or "",
                  f"{r['members']:,}", r["rule"])
    out.print(t)


@app.command("refresh", help="Recompute members (one audience or all); record who joined "
             "and who left.")
@command
def refresh_cmd(name: Annotated[str | None, typer.Argument(help="Audience name")] = None,
                workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import audiences as au

    with open_ws(workspace) as ws:
        res = au.refresh(ws, name)
    if json_:
        emit_json({"audiences": res})
    else:
        for n, i in res.items():
            out.print(f"{n}: {i['members']:,} members (+{i['joined']:,} joined, "
                      f"-{i['left']:,} left)")


@app.command("export", help="Refresh the audience, then write its members (customer_id, ...) "
             "to CSV or Parquet, or POST them as JSON to a --webhook.")
@command
def export_cmd(name: NameArg,
               output: Annotated[Path | None, typer.Option("--output", "-o",
                                                           help="OUT.csv or OUT.parquet")] = None,
               webhook: Annotated[str | None, typer.Option(
                   "--webhook", help="POST members as JSON batches to this http(s) URL")
               ] = None,
               workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import audiences as au
    from idic.privacy.audit import record_cli

    if (output is None) == (webhook is None):
        raise InputError("give -o FILE.csv|FILE.parquet or --webhook URL")
    if output is not None:
        if output.suffix.lower() not in (".csv", ".parquet"):
            raise InputError(f"{output}: expected a .csv or .parquet file name")
        output_file(output)
    with open_ws(workspace) as ws:
        if output is not None:
            res = au.export(ws, name, output)
            target = output.name
        else:
            assert webhook is not None
            res = au.post_webhook(ws, name, webhook)
            target = webhook
        record_cli(ws, "audience_export", name, {"rows": res["rows"], "to": target})
    if json_:
        emit_json(res)
    else:
        out.print(f"wrote {res['rows']:,} members of {name} to {target}")


@app.command("why", help="Why is (or isn't) this customer in the audience: the rule, their "
             "values, consent, history.")
@command
def why_cmd(name: NameArg,
            customer_id: Annotated[str, typer.Option("--customer-id", help="A customer id")],
            workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize import audiences as au

    with open_ws(workspace, read_only=True) as ws:
        res = au.why(ws, name, customer_id)
    if json_:
        emit_json(res)
        return
    vals = ", ".join(f"{k} = {v!r}" for k, v in res["values"].items())
    out.print(f"rule: {res['rule']}\nvalues: {vals}\nrule met: {res['rule_met']}; consent "
              f"for {res['purpose']}: {'yes' if res['consent_ok'] else 'no'}; member: "
              f"{res['member']}")


@app.command("fairness", help="Selection and consent-exclusion rates by age band, gender and "
             "country vs the whole base; ratios outside the band are flagged.")
@command
def fairness_cmd(name: NameArg,
                 low: Annotated[float, typer.Option("--low", help="Lowest fair ratio")] = 0.8,
                 high: Annotated[float, typer.Option("--high", help="Highest fair ratio")] = 1.25,
                 workspace: WorkspaceOpt = None, json_: JsonOpt = False) -> None:
    from idic.customize.fairness import audience_fairness

    if not 0 < low <= 1 <= high:
        raise InputError("need 0 < --low <= 1 <= --high")
    with open_ws(workspace, read_only=True) as ws:
        res = audience_fairness(ws, name, band=(low, high))
    if json_:
        emit_json(res)
        return
    t = Table("attribute", "group", "customers", "selection rate", "ratio", "flag")
    for r in res["groups"]:
        rate = "" if r["selection_rate"] is None else f"{r['selection_rate']:.1%}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        t.add_row(r["attribute"], str(r["group"]), f"{r['customers']:,}", rate, ratio,
                  "FLAG" if r["flagged"] else "")
    out.print(t)
