"""``idic demo``: generate the demo retailer, ingest every file, run every stage."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from idic.demo_guard import record_demo_files
from idic.pipeline import available_stages
from idic.workspace import Workspace

Progress = Callable[..., None]


def run_demo(path: Path | str, *, customers: int = 20_000, seed: int = 42, engine: str | None = None,
             progress: Progress | None = None) -> dict[str, Any]:
    """Build a fresh demo workspace at ``path``; returns what was loaded and found."""
    from idic.datasets.demo import generate

    def say(msg: str, frac: float | None = None) -> None:
        if progress:
            progress(msg, frac)

    path = Path(path)
    ws = Workspace.init(path, engine=engine)
    from idic.customize.tasks.simulate import DEMO_MEMBERS
    from idic.datasets.demo_orders import MONEY_SETTINGS

    # the generator books a few GB store orders in GBP (idic.money converts them);
    # the demo's reps work the follow-up tasks (docs/tasks.md)
    ws.save_settings(demo=True, demo_seed=seed, demo_customers=customers, **MONEY_SETTINGS,
                     tasks={"members": DEMO_MEMBERS})
    try:
        data_dir = path / "demo-data"
        say("generating demo data")
        manifest = generate(data_dir, customers=customers, seed=seed,
                            progress=lambda msg, frac: say(f"generating: {msg}", frac))
        ingest: dict[str, Any] = {}
        files = manifest.files
        resend = manifest.resend
        # what the demo loads, so a later `idic demo` can tell its loads from a user's
        b2b = manifest.b2b
        loaded = ([data_dir / name for name in files.values()]
                  + ([data_dir / resend["file"]] if resend else [])
                  + [data_dir / name for name in b2b.get("files", {}).values()]
                  + [data_dir / name for name in manifest.pressure.get("files", {}).values()])
        record_demo_files(path, loaded)
        for i, (kind, name) in enumerate(files.items()):
            say(f"ingesting {kind}", i / max(len(files), 1))
            ingest[kind] = ws.ingest(kind, data_dir / name).to_dict()
        if resend:
            # the tills' late re-send: duplicates and broken rows, checked against truth
            say("ingesting the tills' re-send")
            got = ws.ingest(resend["kind"], data_dir / resend["file"]).to_dict()
            got["expected"] = {k: resend[k] for k in ("received", "accepted", "quarantined",
                                                      "duplicates")}
            ingest["orders_resend"] = got
        if b2b:
            # the B2B slice: accounts, CRM contacts and group calls; link by work e-mail
            # domain, never by the demo world's consumer mail domains
            from idic.accounts.stage import configure

            say("ingesting the B2B accounts")
            for kind, name in b2b["files"].items():
                got = ws.ingest(kind, data_dir / name, **({"source": "web"}
                                                          if kind == "segment" else {}))
                ingest[f"b2b_{kind}"] = got.to_dict()
            configure(ws, by_domain=True, free_mail=b2b["free_mail_domains"])
        for kind, name in manifest.pressure.get("files", {}).items():
            # newsletter sends and the opt-outs contact pressure provokes (planted)
            say(f"ingesting the newsletter {kind}")
            ingest[f"pressure_{kind}"] = ws.ingest(kind, data_dir / name).to_dict()
        if (data_dir / "winback_campaign.csv").exists():
            # the randomised win-back campaign: next best action learns win_back's uplift per
            # customer from it (as `idic nba campaign win_back ...` would register it)
            from idic.customize.nba import campaigns

            campaigns.register(ws, campaigns.Campaign(
                "win_back", "demo-data/winback_campaign.csv", "arm", "control", "reactivated",
                ("segment", "value_tier")))
        stages: dict[str, Any] = {}
        for stage in available_stages():
            say(f"stage {stage.name}")
            stages[stage.name] = stage.runner()(ws)
            if stage.name == "identify":
                # a back-dated pilot: planned on the orders before its start, its planted
                # extra orders loaded before the other stages (idic.datasets.demo_pilot)
                from idic.customize.experiments.pilots.demo import plant

                say("planting the pilot")
                pilot_file = plant(ws, data_dir, seed)
                if pilot_file is not None:
                    ingest["pilot_orders"] = ws.ingest("orders", pilot_file).to_dict()
                    record_demo_files(path, [*loaded, pilot_file])
        truth_path = data_dir / "truth" / "identity_truth.parquet"
        if "identify" in stages and ws.engine.has_table("identity_map") and truth_path.exists():
            from idic.identify.quality import evaluate_workspace, read_truth

            # how close identify came to the generator's true persons
            stages["identify"]["truth_comparison"] = {
                "true_persons": customers,
                **evaluate_workspace(ws.engine, read_truth(truth_path))}
        params_path = data_dir / "truth" / "params.json"
        if "journeys" in stages and ws.engine.has_table("moments") and params_path.exists():
            from idic.interact.journeys.quality import planted_effects

            # are the planted pain points and moments of truth found?
            stages["journeys"]["truth_comparison"] = planted_effects(
                ws.engine.to_pandas(ws.table("moments")), json.loads(params_path.read_text()))
        if "needs" in stages and params_path.exists() and truth_path.exists() \
                and ws.engine.has_table("identity_map"):
            from idic.differentiate.needs.quality import segments_vs_truth

            stages["needs"]["truth_comparison"] = segments_vs_truth(ws, data_dir)
        if "accounts" in stages and b2b:
            from idic.accounts.quality import membership_vs_truth

            stages["accounts"]["truth_comparison"] = membership_vs_truth(ws, data_dir)
        if "customize" in stages:
            from idic.customize.experiments.demo_check import checkout_vs_truth

            # the planted checkout A/B test: lift measured (CUPED) vs planted
            got = checkout_vs_truth(data_dir, ws)
            if got is not None:
                stages["customize"].setdefault("truth_comparison", {})["checkout lift"] = got
            from idic.customize.experiments.pilots.demo import pilot_vs_truth

            # the planted pilot: incremental cash flow per test customer (DiD) vs planted
            got = pilot_vs_truth(ws, data_dir)
            if got is not None:
                stages["customize"].setdefault("truth_comparison", {})["pilot cash flow"] = got
        wb = (stages.get("nba") or {}).get("uplift_models", {}).get("win_back")
        if wb and params_path.exists():
            # the registered win-back campaign: its measured average uplift vs the planted one
            planted = json.loads(params_path.read_text()).get("winback_campaign", {}).get(
                "uplift_overall")
            lo, hi = wb["average"]["ci"]
            if planted is not None and lo is not None and hi is not None:
                stages["nba"]["truth_comparison"] = {"win_back uplift": {
                    "measured": wb["average"]["uplift"], "ci": [lo, hi], "planted": planted,
                    "found": lo <= planted <= hi}}
        if stages.get("tasks", {}).get("tables"):
            from idic.customize.tasks.simulate import simulate_outcomes

            say("the reps work their tasks (simulated outcomes)")
            stages["tasks"]["simulated"] = simulate_outcomes(ws, seed, data_dir)
        report = None
        try:
            from idic.measure.report import build_report
        except ImportError:
            build_report = None
        if build_report is not None:
            say("writing the report")
            report = str(build_report(ws, path / "report.html", refresh=False))
        return {
            "workspace": str(path),
            "report": report,
            "engine": ws.engine.name,
            "customers_generated": customers,
            "seed": seed,
            "ingest": ingest,
            "stages": stages,
            "tables": ws.counts(),
        }
    finally:
        ws.close()
