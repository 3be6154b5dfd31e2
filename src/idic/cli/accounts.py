"""``idic accounts``: B2B contacts rolled up to accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from idic.cli.common import JsonOpt, WorkspaceOpt, command, emit_json, open_ws, out

app = typer.Typer(help="B2B: contacts linked to accounts; orders, value, CLV per account.",
                  no_args_is_help=True)


@app.callback()
def accounts() -> None:
    """B2B: contacts linked to accounts; orders, value, CLV per account."""


@app.command("run")
@command
def run_cmd(
    workspace: WorkspaceOpt = None,
    by_domain: Annotated[bool | None, typer.Option(
        "--by-domain/--no-by-domain",
        help="Also link contacts by e-mail domain (never a free-mail one); remembered "
             "in workspace.json for `idic run`")] = None,
    free_mail: Annotated[list[str] | None, typer.Option(
        "--free-mail-domain", help="A consumer mail domain to add to the built-in free-mail "
        "list (repeatable; remembered)")] = None,
    as_of: Annotated[str | None, typer.Option(
        help="RFM as-of date (default: the latest order's date)")] = None,
    json_: JsonOpt = False,
) -> None:
    """Link contacts to accounts (group calls, identities.b2b_account_id, e-mail domain when
    configured) and write account_contacts, account_orders, account_value, account_journeys."""
    from idic.accounts.stage import configure, run

    with open_ws(workspace) as ws:
        if by_domain is not None or free_mail:
            configure(ws, by_domain=by_domain, free_mail=free_mail)
        result = run(ws, as_of=as_of)
    if json_:
        emit_json(result)
        return
    by = ", ".join(f"{k} {v:,}" for k, v in sorted(result["linked_by"].items())) or "none"
    out.print(f"{result['contacts']:,} contacts linked to {result['accounts_with_contacts']:,} "
              f"of {result['accounts']:,} accounts (by {by}); account revenue "
              f"{result['account_revenue']:,.2f}, CLV {result['account_clv']:,.2f}")
    if result["free_mail_refused"]:
        out.print(f"{result['free_mail_refused']:,} records not linked through a free-mail "
                  "account domain")
    if result["unknown_account_ids"]:
        out.print(f"{result['unknown_account_ids']:,} linked account ids are not in accounts "
                  "(load them: idic ingest accounts FILE)")


@app.command("show")
@command
def show_cmd(
    account_id: Annotated[str, typer.Argument(help="Account id (accounts.account_id)")],
    workspace: WorkspaceOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The account 360: attributes, value, contacts, recent orders and journeys."""
    from idic.accounts.profile import account_profile

    with open_ws(workspace) as ws:
        prof = account_profile(ws, account_id)
    if json_:
        emit_json(prof)
        return
    a = prof["account"]
    out.print(f"[bold]{a['account_id']}[/] {a.get('name') or ''} ({a.get('domain') or '-'}), "
              f"{a.get('industry') or '-'}, size {a.get('size') or '-'}, owner "
              f"{a.get('owner') or '-'}")
    v = prof.get("value") or {}
    if v:
        out.print(f"contacts {v['contacts']}, orders {v['orders']}, revenue "
                  f"{v.get('revenue') or 0:,.2f}, CLV {v.get('clv') or 0:,.2f}, RFM "
                  f"{v.get('rfm_segment') or '-'}")
    for c in prof["contacts"]:
        name = " ".join(x for x in (c.get("first_name"), c.get("last_name")) if x)
        out.print(f"  {c['customer_id']}  {name}  ({c['linked_by']}: {c['evidence']})")
