"""Hostile accounts files: whatever the text, the load reconciles and stores clean domains."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idic.cli.main import app
from idic.ingest.validate import DOMAIN_RE
from idic.workspace import Workspace

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
               max_size=30)
domain_like = st.one_of(text, st.from_regex(r"(https?://)?(www\.)?[A-Za-z0-9-]{1,12}\.[a-z]{2,6}"
                                            r"(/[a-z]*)?", fullmatch=True))
row = st.fixed_dictionaries({"account_id": st.one_of(st.just(""), text,
                                                      st.sampled_from(["A1", "A2"])),
                             "name": text, "domain": domain_like, "industry": text,
                             "size": text, "owner": text})


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=12))
def test_hostile_accounts_file(rows):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "accounts.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        with Workspace.init(Path(d) / "ws") as ws:
            r = ws.ingest("accounts", path)
            assert r.received == len(rows) == r.accepted + r.quarantined + r.duplicates
            again = ws.ingest("accounts", path)
            assert again.accepted == 0
            assert again.received == again.quarantined + again.duplicates
            df = ws.to_pandas("accounts")
            assert len(df) == r.accepted and df.account_id.is_unique
            for dom in df.domain.dropna():
                assert re.match(DOMAIN_RE, dom) and dom == dom.lower()
                assert not dom.startswith("www.") and "/" not in dom


def test_cli_contract_ingest_and_export(tmp_path):
    from typer.testing import CliRunner

    (tmp_path / "a.csv").write_text("account_id,name,domain,industry,size,owner\n"
                                    "ACC-1,Northwind,WWW.Northwind.example,wholesale,51-200,"
                                    "Priya Shah\nACC-2,Contoso,,retail,,\n")
    w = str(tmp_path / "ws")
    run = CliRunner().invoke
    res = run(app, ["ingest", "accounts", str(tmp_path / "a.csv"), "--workspace", w])
    assert res.exit_code == 0, res.output
    assert "received 2 = accepted 2 + quarantined 0 + duplicates 0" in res.output
    res = run(app, ["export", "accounts", "-o", str(tmp_path / "out.csv"), "--workspace", w])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == "account_id,name,domain,industry,size,owner,source"
    assert sorted(lines[1:]) == ["ACC-1,Northwind,northwind.example,wholesale,51-200,"
                                 "Priya Shah,", "ACC-2,Contoso,,retail,,,"]
    res = run(app, ["accounts", "run", "--workspace", w, "--json"])
    assert res.exit_code == 0, res.output
    assert '"accounts": 2' in res.output
