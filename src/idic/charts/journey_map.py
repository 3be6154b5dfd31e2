"""The customer journey map as a picture: HTML + SVG (no script), a PNG and Mermaid text.

The layout follows the journey-map elements of the seeds (persona, scenario, stages,
actions/touchpoints, channels, emotions, pain and love points, moments of truth,
opportunities; Kalbach 2016, *Mapping Experiences*, ch. 11; Lemon & Verhoef 2016): stages are
the columns, each element a swimlane, every cell measured from the data
(:class:`idic.interact.journeys.journey_map.JourneyMap`). Text is laid out by the browser
(CSS grid, wrapping), so labels never overlap; the page holds no script and loads nothing from
the network. :func:`map_png` renders it in headless Chromium; :func:`map_mermaid` writes a
Mermaid ``journey`` diagram (scores 1-5 from the emotion) for docs and wikis.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from idic import format as F

if TYPE_CHECKING:
    from idic.interact.journeys.journey_map import JourneyMap

PAIN, LOVE, MOT, INK, MUTED = "#c0392b", "#1e8449", "#b9770e", "#1f2933", "#52606d"
CHANNEL_COLORS = {"web": "#3b82f6", "app": "#8b5cf6", "email": "#f59e0b", "store": "#10b981",
                  "call_centre": "#ef4444", "social": "#ec4899", "partner": "#6b7280"}
WIDTH = 1400
TOP_TOUCHPOINTS = 5
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

CSS = """
.jmap { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2933;
  font-size: 13px; line-height: 1.35; max-width: 1360px; }
.jmap h1 { font-size: 24px; margin: 0 0 4px; }
.jmap .sub { color: #52606d; margin: 0 0 12px; font-size: 14px; }
.jmap .persona { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px;
  margin: 0 0 14px; }
.jmap .persona div { background: #f5f7fa; border-radius: 6px; padding: 8px 10px; }
.jmap .persona b { display: block; font-size: 12px; color: #52606d; text-transform: uppercase;
  letter-spacing: .04em; }
.jmap .grid { display: grid; border: 1px solid #d9e2ec; border-radius: 6px; overflow: hidden; }
.jmap .lane { background: #f0f4f8; font-weight: 600; padding: 8px; font-size: 13px;
  border-top: 1px solid #d9e2ec; }
.jmap .lane small { display: block; font-weight: 400; color: #52606d; font-size: 12px; }
.jmap .cell { padding: 8px; border-top: 1px solid #d9e2ec; border-left: 1px solid #e4e7eb;
  min-width: 0; overflow-wrap: anywhere; }
.jmap .head { background: #243b53; color: #fff; border-top: 0; }
.jmap .head .name { font-size: 16px; font-weight: 700; text-transform: capitalize; }
.jmap .head small { color: #d9e2ec; font-size: 12px; display: block; }
.jmap .bar { height: 8px; background: #d9e2ec; border-radius: 4px; margin: 4px 0; }
.jmap .bar span { display: block; height: 8px; border-radius: 4px; background: #3b82f6; }
.jmap .head .bar { background: #486581; }
.jmap .head .bar span { background: #9fb3c8; }
.jmap ul { list-style: none; margin: 0; padding: 0; }
.jmap li { margin: 0 0 6px; }
.jmap .tp b { font-weight: 600; }
.jmap .tp small, .jmap .pt small { display: block; color: #52606d; font-size: 12px; }
.jmap .tag { display: inline-block; font-size: 11px; font-weight: 700; border-radius: 3px;
  padding: 0 4px; margin-left: 4px; color: #fff; vertical-align: 1px; }
.jmap .tag.pain { background: #c0392b; } .jmap .tag.love { background: #1e8449; }
.jmap .tag.mot { background: #b9770e; }
.jmap .pt.pain b { color: #c0392b; } .jmap .pt.love b { color: #1e8449; }
.jmap .pt.mot b { color: #8a5a0b; }
.jmap .chan { display: flex; height: 10px; border-radius: 3px; overflow: hidden; margin: 2px 0 4px; }
.jmap .none { color: #9aa5b1; font-size: 12px; }
.jmap .conv { font-size: 14px; font-weight: 700; }
.jmap .emotion { grid-column: 2 / -1; border-top: 1px solid #d9e2ec; padding: 4px 0; }
.jmap .emotion svg { display: block; width: 100%; height: auto; }
.jmap .opps { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 10px; }
.jmap .opp { border: 1px solid #d9e2ec; border-left: 4px solid #c0392b; border-radius: 6px;
  padding: 8px 10px; }
.jmap .opp .big { font-size: 15px; font-weight: 700; }
.jmap .legend { color: #52606d; font-size: 12px; margin: 8px 0 0; }
.jmap .note { color: #52606d; font-size: 12px; margin: 6px 0 0; }
.jmap table.data { border-collapse: collapse; font-size: 12px; width: 100%; }
.jmap table.data th, .jmap table.data td { padding: 4px 6px; border-bottom: 1px solid #e4e7eb;
  text-align: left; vertical-align: top; }
.jmap h2 { font-size: 18px; margin: 22px 0 8px; }
"""


def _names(cell: Any) -> list[str]:
    return [x.strip() for x in str(cell or "").split(",") if x.strip()]


def _moment_rows(jm: JourneyMap) -> dict[str, dict[str, Any]]:
    m = jm.moments
    if m is None or m.empty:
        return {}
    return {str(r["touchpoint"]): r for r in m.to_dict("records")}


def _effect(r: dict[str, Any]) -> str:
    """``OR 0.31 (0.22-0.45)``: the odds ratio of the outcome with its 95% interval."""
    return (f"odds × {F.ratio(r['odds_ratio'])} "
            f"({F.ratio(r['or_low'])}–{F.ratio(r['or_high'])})")


def _outcome_word(r: dict[str, Any]) -> str:
    return "repeat order" if r.get("outcome") == "retention" else "order"


def _impact(r: dict[str, Any], vpo: float, currency: str) -> str:
    """``≈ 242 orders lost (≈ 12,049 EUR)`` / ``≈ 4,870 more orders (≈ 242,314 EUR)``."""
    imp = r.get("impact")
    if imp is None or pd.isna(imp) or round(float(imp)) == 0:
        return ""
    n = abs(float(imp))
    word = _outcome_word(r) + ("s" if round(n) != 1 else "")
    text = f"≈ {F.count(n)} {word} lost" if imp < 0 else f"≈ {F.count(n)} more {word}"
    if vpo:
        text += f" (≈ {F.money(n * vpo, currency)})"
    return text


def persona_text(jm: JourneyMap, persona: str | None = None,
                 scenario: str | None = None) -> tuple[str, str]:
    """The persona/segment and the scenario lines of the header (defaults from the data)."""
    who = persona or f"All customers with journeys ({F.count(jm.persons)} persons)"
    conv = ", ".join(jm.conversion_events) or "a conversion event"
    when = f" between {jm.period[0]} and {jm.period[1]}" if jm.period else ""
    what = scenario or (f"From the first touch to an order ({conv}) and after it: delivery, "
                        f"support and loyalty{when}.")
    return who, what


def _main_stage_only(tps: pd.DataFrame) -> pd.DataFrame:
    """Each touchpoint in the stage where most of its touches are (a few events are put in
    another stage by the taxonomy rules; they would repeat on the map)."""
    if tps.empty or "main_stage" not in tps.columns:
        return tps
    return tps[tps["stage"] == tps["main_stage"]]


def _emotion_svg(stages: pd.DataFrame) -> str:
    """The emotion curve across the stage columns: one point per stage (mean sentiment,
    -1 pain to +1 love), its value written beside it; a dashed line at neutral."""
    n = len(stages)
    col, h, top = 200, 150, 22
    w = col * n

    def y(v: float) -> float:
        return top + (1 - (v + 1) / 2) * (h - 2 * top)

    pts = [(col * i + col / 2, y(float(e)) if pd.notna(e) else None)
           for i, e in enumerate(stages["emotion"])]
    parts = [f'<svg viewBox="0 0 {w} {h}" role="img" aria-label="Emotion curve by stage">',
             f'<rect x="0" y="0" width="{w}" height="{(h) / 2:.0f}" fill="#eafaf1"/>',
             f'<rect x="0" y="{h / 2:.0f}" width="{w}" height="{h / 2:.0f}" fill="#fdedec"/>',
             f'<line x1="0" x2="{w}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#9aa5b1" '
             'stroke-dasharray="4 4"/>',
             f'<text x="6" y="16" font-size="12" fill="{LOVE}">love +1</text>',
             f'<text x="6" y="{h - 6}" font-size="12" fill="{PAIN}">pain −1</text>']
    line = [p for p in pts if p[1] is not None]
    if len(line) >= 2:
        d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{yy:.1f}" for i, (x, yy) in enumerate(line))
        parts.append(f'<path d="{d}" fill="none" stroke="{INK}" stroke-width="3"/>')
    for (x, yy), e in zip(pts, stages["emotion"], strict=True):
        if yy is None:
            continue
        color = LOVE if e > 0.05 else PAIN if e < -0.05 else MUTED
        ty = yy - 10 if yy > 40 else yy + 20
        parts.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="6" fill="{color}"/>')
        parts.append(f'<text x="{x + 10:.1f}" y="{ty:.1f}" font-size="13" font-weight="700" '
                     f'fill="{color}">{float(e):+.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _channel_cell(ch: pd.DataFrame) -> str:
    if ch.empty:
        return '<span class="none">no touches</span>'
    ch = ch.sort_values("volume", ascending=False)
    tot = float(ch["volume"].sum()) or 1.0
    bar = "".join(f'<span title="{escape(str(r.channel))}" style="width:{100 * r.volume / tot:.1f}%;'
                  f'background:{CHANNEL_COLORS.get(str(r.channel), "#9aa5b1")}"></span>'
                  for r in ch.itertuples())
    text = ", ".join(f"{escape(str(r.channel).replace('_', ' '))} {r.volume / tot:.0%}"
                     for r in ch.head(3).itertuples())
    return f'<div class="chan">{bar}</div>{text}'


def _touchpoint_cell(tp: pd.DataFrame, moments: dict[str, dict[str, Any]]) -> str:
    if tp.empty:
        return '<span class="none">no touches</span>'
    items = []
    for r in tp.head(TOP_TOUCHPOINTS).itertuples():
        name = str(r.touchpoint)
        m = moments.get(name, {})
        tags = ""
        if m.get("kind") == "pain_point":
            tags += '<span class="tag pain">pain</span>'
        elif m.get("kind") == "love_point":
            tags += '<span class="tag love">love</span>'
        if bool(m.get("moment_of_truth")) and not pd.isna(m.get("moment_of_truth")):
            tags += '<span class="tag mot">★ truth</span>'
        conv = ""
        if m and pd.notna(m.get("rate_exposed")):
            conv = f", {F.percent(m['rate_exposed'], 0)} then {_outcome_word(m)}"
        items.append(f'<li class="tp"><b>{escape(name)}</b>{tags}<small>'
                     f'{F.count(r.volume)} touches, {F.count(r.reach)} persons{conv}</small></li>')
    more = len(tp) - TOP_TOUCHPOINTS
    if more > 0:
        items.append(f'<li class="none">+ {more} more</li>')
    return "<ul>" + "".join(items) + "</ul>"


def _points_cell(names: list[str], moments: dict[str, dict[str, Any]], cls: str, vpo: float,
                 currency: str) -> str:
    if not names:
        return '<span class="none">none measured</span>'
    items = []
    for n in names:
        r = moments.get(n)
        detail = ""
        if r is not None:
            imp = _impact(r, vpo, currency)
            word = _outcome_word(r)
            detail = f"<small>{_effect(r)} of {'an' if word[0] in 'aeiou' else 'a'} {word}" + \
                (f"; {imp}" if imp else "") + "</small>"
        items.append(f'<li class="pt {cls}"><b>{"★ " if cls == "mot" else ""}{escape(n)}</b>'
                     f"{detail}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _stage_head(r: Any, max_reach: int, persons: int) -> str:
    share = r.reach / max_reach if max_reach else 0
    entered = getattr(r, "started_here", 0) or 0
    extra = f"<small>{F.count(entered)} start here</small>" if entered else ""
    phase = str(r.phase or "").replace("-", " ")
    return (f'<div class="name">{escape(str(r.stage))}</div><small>{escape(phase)}</small>'
            f'<div class="bar"><span style="width:{100 * share:.0f}%"></span></div>'
            f"<b>{F.count(r.reach)}</b> persons ({F.percent(r.reach / persons if persons else 0, 0)})"
            f"{extra}")


def _next_cell(r: Any) -> str:
    if pd.isna(r.conversion_to_next):
        return '<span class="none">last stage</span>'
    t = F.duration(r.median_seconds_to_next)
    return (f'<div class="conv">→ {F.percent(r.conversion_to_next, 0)}</div>'
            f"reach {escape(str(r.next_stage))}" + (f"<br>median {t} later" if t else ""))


def _opportunity(o: dict[str, Any], currency: str) -> str:
    ex = o.get("explained_by") or []
    why = ("<br>Explained by: " + "; ".join(
        f"<b>{escape(e['touchpoint'])}</b> ({_effect(e)}"
        + (f", {F.money(e['value_at_stake'], currency)} at stake" if e.get("value_at_stake")
           else "") + ")" for e in ex)) if ex else \
        "<br><span class='none'>No measured pain point explains it: look at the pages and " \
        "offers of this stage.</span>"
    return (f'<div class="opp"><div class="big">{escape(str(o["stage"]).capitalize())} → '
            f'{escape(str(o["next_stage"]))}: {F.count(o["lost_persons"])} persons lost '
            f'({F.percent(o["drop_off_rate"], 0)})</div>'
            f'Value at stake: <b>{F.money(o.get("value_at_stake"), currency)}</b> '
            f"(one average order from each){why}</div>")


def map_fragment(jm: JourneyMap, *, persona: str | None = None, scenario: str | None = None,
                 currency: str = "", heading: bool = True, after: str = "") -> str:
    """The map as an HTML fragment (``<div class="jmap">``, styles in :data:`CSS`); ``after``
    is HTML put at its end."""
    st = jm.stages.reset_index(drop=True)
    n = len(st)
    moments = _moment_rows(jm)
    vpo = float(getattr(jm, "value_per_order", 0.0) or 0.0)
    who, what = persona_text(jm, persona, scenario)
    max_reach = int(st["reach"].max()) if n else 0
    cols = f"grid-template-columns: 170px repeat({n}, minmax(0, 1fr));"
    rows: list[str] = []

    def lane(title: str, sub: str, cells: list[str], head: bool = False) -> None:
        rows.append(f'<div class="lane{" head" if head else ""}">{title}'
                    f"<small>{sub}</small></div>")
        rows.extend(f'<div class="cell{" head" if head else ""}">{c}</div>' for c in cells)

    tps = _main_stage_only(jm.touchpoints)
    chans = getattr(jm, "channels", pd.DataFrame())
    lane("Stage", "persons who reached it", [_stage_head(r, max_reach, jm.persons)
                                             for r in st.itertuples()], head=True)
    lane("Actions &amp; touchpoints", "most frequent first", [
        _touchpoint_cell(tps[tps["stage"] == s] if not tps.empty else tps, moments)
        for s in st["stage"]])
    lane("Channels", "share of touches", [
        _channel_cell(chans[chans["stage"] == s] if not chans.empty else chans)
        for s in st["stage"]])
    lane("Next stage", "conversion and median time", [_next_cell(r) for r in st.itertuples()])
    rows.append('<div class="lane">Emotion<small>mean sentiment of the touches</small></div>'
                f'<div class="emotion">{_emotion_svg(st)}</div>')
    lane("Pain points", "lower the odds of an order", [
        _points_cell(_names(c), moments, "pain", vpo, currency)
        for c in st["pain_points"]])
    lane("Love points", "raise the odds of an order", [
        _points_cell(_names(c), moments, "love", vpo, currency)
        for c in st["love_points"]])
    lane("Moments of truth", "strongest effects", [
        _points_cell(_names(c), moments, "mot", vpo, currency)
        for c in st["moments_of_truth"]])
    notes = []
    for i in range(1, n):
        rise = int(st.loc[i, "reach"] - st.loc[i - 1, "reach"])
        if rise > 0 and str(st.loc[i, "phase"]) != "post-purchase":
            notes.append(f"{str(st.loc[i, 'stage']).capitalize()} reaches {F.count(rise)} more "
                         f"persons than {st.loc[i - 1, 'stage']}: "
                         f"{F.count(st.loc[i, 'started_here'])} persons start their journey "
                         "there without a recorded earlier touch (direct visits, store walk-ins).")
    notes.append("After the purchase the stages are not a funnel: use, support and loyalty "
                 "are reached by some customers, in any order.")
    opps = "".join(_opportunity(o, currency) for o in jm.opportunities) or \
        '<p class="none">No drop-off measured.</p>'
    head = (f"<h1>{escape(jm.title)}</h1>" if heading else "")
    return f"""<div class="jmap">{head}
<div class="persona"><div><b>Persona / segment</b>{escape(who)}</div>
<div><b>Scenario</b>{escape(what)}</div>
<div><b>How to read it</b>Stages are columns, each row one element of the journey.
Effects are odds ratios with 95% intervals against journeys of the same stage and channel
(before the order: of an order; after it: of a repeat order); associations, not causes.</div></div>
<div class="grid" style="{cols}">{''.join(rows)}</div>
<p class="note">{'<br>'.join(escape(x) for x in notes)}</p>
<p class="legend"><span class="tag pain">pain</span> lowers the odds
<span class="tag love">love</span> raises them <span class="tag mot">★ truth</span> moment of
truth: the strongest effects. Navigation (page, screen, product views, e-mail opens) is how
people move, not a pain or love point.</p>
<h2>Opportunities: the biggest drop-offs</h2><div class="opps">{opps}</div>{after}</div>"""


def embedded_map(jm: JourneyMap, *, currency: str = "", persona: str | None = None,
                 scenario: str | None = None) -> str:
    """The map with its styles, to put inside another page (report, dashboard)."""
    return f"<style>{CSS}</style>" + map_fragment(jm, persona=persona, scenario=scenario,
                                                  currency=currency)


def map_page(jm: JourneyMap, *, persona: str | None = None, scenario: str | None = None,
             currency: str = "", tables: bool = True) -> str:
    """A self-contained HTML page: the map, the opportunities and the tables behind it."""
    extra = ""
    if tables:
        cols = [c for c in ("stage", "reach", "started_here", "volume", "emotion",
                            "conversion_to_next", "median_seconds_to_next", "top_touchpoints")
                if c in jm.stages.columns]
        extra += "<h2>The table behind the map</h2>" + F.frame(
            jm.stages[cols], currency=currency).to_html(index=False, border=0, classes="data")
        if not jm.moments.empty:
            mcols = [c for c in ("touchpoint", "stage", "channel", "kind", "outcome",
                                 "n_exposed", "rate_exposed", "rate_baseline", "odds_ratio",
                                 "or_low", "or_high", "impact", "baseline")
                     if c in jm.moments.columns]
            mt = jm.moments[mcols].copy()
            if "kind" in mt:
                mt["kind"] = mt["kind"].astype(str).str.replace("_", " ")
            extra += ("<h2>Every touchpoint measured</h2>" + F.frame(
                mt, currency=currency, units={"outcome": "text"}).to_html(
                    index=False, border=0, classes="data"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(jm.title)}</title>
<meta name="viewport" content="width={WIDTH}">
<style>body {{ margin: 20px; background: #fff; }} {CSS}</style></head>
<body>{map_fragment(jm, persona=persona, scenario=scenario, currency=currency, after=extra)}
</body></html>
"""


def map_png(html: str, path: str | Path, *, width: int = WIDTH) -> Path:
    """Render the page ``html`` in headless Chromium to a PNG of the whole page."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "map.html"
        src.write_text(html, encoding="utf-8")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:  # no Playwright: the browser's own --screenshot
            return _chromium_cli(src, path, width)
        exe = next((c for c in CHROMIUM if Path(c).exists()), None)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(src.as_uri())
                page.screenshot(path=str(path), full_page=True)
            finally:
                browser.close()
    return path


def _chromium_cli(src: Path, path: Path, width: int) -> Path:
    from idic.errors import InputError

    exe = next((c for c in CHROMIUM if Path(c).exists()), None) or shutil.which("chromium")
    if exe is None:
        raise InputError("a PNG needs Chromium (or Playwright): none found",
                         hint="apt-get install chromium, or write HTML (-o map.html)")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={path}", f"--window-size={width},2600", src.as_uri()],
                   check=True, capture_output=True, timeout=120)
    return path


def _mermaid_text(text: str) -> str:
    """Mermaid journey text may not hold ':' (the score separator), '#', ';' or line breaks."""
    return re.sub(r"\s+", " ", re.sub(r"[:#;\n\r]", " ", str(text))).strip() or "-"


def map_mermaid(jm: JourneyMap, *, top: int = TOP_TOUCHPOINTS) -> str:
    """A Mermaid ``journey`` diagram: one section per stage, its main touchpoints as tasks with
    a score 1-5 (pain point 1, love point 5, else the touchpoint's sentiment -1..+1 mapped to
    1..5) and its channels as actors."""
    moments = _moment_rows(jm)
    lines = ["journey", f"    title {_mermaid_text(jm.title)}"]
    tps = _main_stage_only(jm.touchpoints)
    for r in jm.stages.itertuples():
        sub = tps[tps["stage"] == r.stage].head(top) if not tps.empty else tps
        if sub.empty:
            continue
        lines.append(f"    section {_mermaid_text(str(r.stage).capitalize())}")
        for t in sub.itertuples():
            m = moments.get(str(t.touchpoint), {})
            if m.get("kind") == "pain_point":
                score = 1
            elif m.get("kind") == "love_point":
                score = 5
            else:
                s = float(t.sentiment_score) if pd.notna(t.sentiment_score) else 0.0
                score = int(min(5, max(1, round(3 + 2 * s))))
            actor = _mermaid_text(str(getattr(t, "channel", "") or "customer").replace("_", " "))
            lines.append(f"      {_mermaid_text(t.touchpoint)}: {score}: {actor}")
    return "\n".join(lines) + "\n"
