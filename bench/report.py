#!/usr/bin/env python3
"""Turns the raw output of bench/run into a Markdown table and a JSON file.

bench/run calls it with --work (its temporary folder), --json and --markdown (the result files),
and --readme when the "Latest figures" section of bench/README.md is to be rewritten.
Standard library only.
"""

import argparse
import json
import re
import statistics
import sys
from pathlib import Path

# Issue 7's targets per route class (on SQLite; PostgreSQL is to reach 70 % of the throughput
# targets). A class not listed only gets the targets every route has.
EVERY_ROUTE = {"p99_ms": 20.0, "rss_mib": 150.0}
TARGETS = {
    "page": {"rps": 2500.0, "ratio": 0.40},
    "search": {"rps": 2500.0, "ratio": 0.40, "p99_ms": 50.0},
    "json": {"rps": 5000.0},
    "ics": {"rps": 1000.0},
    "write": {"fsync_ratio": 0.80},
    "ops": {},
}
POSTGRES_FACTOR = 0.70

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}


def duration_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(m.group(1)) * UNITS[m.group(2)]


def parse_wrk(path):
    text = Path(path).read_text()
    out = {"rps": None, "p50_ms": None, "p99_ms": None, "max_ms": None, "requests": None, "errors": 0}
    for line in text.splitlines():
        s = line.split()
        if line.startswith("Requests/sec:"):
            out["rps"] = float(s[1])
        elif len(s) >= 2 and s[0] == "50%":
            out["p50_ms"] = duration_ms(s[1])
        elif len(s) >= 2 and s[0] == "99%":
            out["p99_ms"] = duration_ms(s[1])
        elif len(s) >= 4 and s[0] == "Latency" and not line.strip().startswith("Latency Distribution"):
            out["max_ms"] = duration_ms(s[3])
        elif re.match(r"\s*\d+ requests in", line):
            out["requests"] = int(s[0])
        elif "Non-2xx or 3xx responses:" in line:
            out["errors"] += int(s[-1])
        elif line.strip().startswith("Socket errors:"):
            out["errors"] += sum(int(x) for x in re.findall(r"\d+", line))
    if out["rps"] is None:
        raise ValueError(f"{path}: no Requests/sec line (wrk failed?)")
    return out


def parse_oha(path):
    d = json.loads(Path(path).read_text())
    summary = d.get("summary", {})
    pct = d.get("latencyPercentiles", {})
    codes = d.get("statusCodeDistribution", {}) or {}
    # 200 for reads, 201 for the durable write (a created event).
    ok = sum(int(n) for c, n in codes.items() if str(c) in ("200", "201"))
    bad = sum(int(n) for c, n in codes.items() if str(c) not in ("200", "201"))
    # In-flight requests cut off by -z are "aborted due to deadline": not the server's fault.
    errors = sum(int(n) for k, n in (d.get("errorDistribution", {}) or {}).items() if "deadline" not in k)
    sec = lambda v: None if v is None else float(v) * 1e3  # oha reports seconds
    return {
        "achieved_rps": summary.get("requestsPerSec"),
        "p50_ms": sec(pct.get("p50")),
        "p99_ms": sec(pct.get("p99")),
        "max_ms": sec(summary.get("slowest")),
        "requests": ok + bad,
        "errors": bad + errors,
    }


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": values,
    }


def read_meta(work):
    meta = {}
    for line in (work / "meta").read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            meta[k] = v
    return meta


def numbers(text):
    return [float(x) for x in text.split()]


def fmt_num(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def fmt_spread(s, digits=0, scale=1.0):
    if s is None:
        return "–"
    med = fmt_num(s["median"] * scale, digits)
    if len(s["runs"]) < 2:
        return med
    return f"{med} ({fmt_num(s['min'] * scale, digits)}–{fmt_num(s['max'] * scale, digits)})"


def ms_digits(v):
    return 2 if v is not None and v < 10 else 1


def build(work):
    meta = read_meta(work)
    routes = []
    for line in (work / "raw" / "routes.tsv").read_text().splitlines():
        name, cls, auth, path = line.split("\t")
        routes.append({"name": name, "class": cls, "auth": auth, "path": path})
    sizes = dict(l.split("\t") for l in (work / "raw" / "sizes.tsv").read_text().splitlines())

    rows = {}
    for line in (work / "raw" / "measurements.tsv").read_text().splitlines():
        # The sixth field, the CPU steal in per cent, is missing in runs before it was measured.
        run, name, kind, path, rss, *rest = line.split("\t")
        r = rows.setdefault(name, {"server-closed": [], "nginx-closed": [], "server-open": [], "rss": []})
        parsed = parse_oha(path) if kind == "server-open" else parse_wrk(path)
        parsed["steal_pct"] = float(rest[0]) if rest and rest[0] not in ("", "-") else None
        r[kind].append(parsed)
        if kind.startswith("server"):
            r["rss"].append(int(rss))

    postgres = meta.get("database") == "postgres"
    fsync = spread(numbers(meta.get("fsync_per_s", "")))
    out_routes = []
    for route in routes:
        r = rows.get(route["name"])
        if r is None:
            continue
        closed, nginx, open_ = r["server-closed"], r["nginx-closed"], r["server-open"]
        rps = spread([m["rps"] for m in closed])
        nginx_rps = spread([m["rps"] for m in nginx])
        ratios = [a["rps"] / b["rps"] for a, b in zip(closed, nginx) if b["rps"]]
        ratio = spread(ratios)
        rss_mib = max(r["rss"]) / 1024 if r["rss"] else None
        entry = {
            **route,
            "body_bytes": int(sizes.get(route["name"], 0)),
            "rps": rps,
            "nginx_rps": nginx_rps,
            "ratio_to_nginx": ratio,
            "closed_loop_latency_ms": {
                "p50": spread([m["p50_ms"] for m in closed]),
                "p99": spread([m["p99_ms"] for m in closed]),
            },
            "half_load": {
                "rate": spread([m["achieved_rps"] for m in open_]),
                "p50_ms": spread([m["p50_ms"] for m in open_]),
                "p99_ms": spread([m["p99_ms"] for m in open_]),
                "max_ms": spread([m["max_ms"] for m in open_]),
                "steal_pct": spread([m["steal_pct"] for m in open_ if m["steal_pct"] is not None]),
            },
            "errors": {
                "server": sum(m["errors"] for m in closed + open_),
                "nginx": sum(m["errors"] for m in nginx),
            },
            "rss_peak_mib": rss_mib,
        }
        entry["targets"] = check_targets(entry, postgres, fsync)
        entry["met"] = all(t["met"] for t in entry["targets"] if t["met"] is not None)
        out_routes.append(entry)

    # The catch-up after each run's durable write: how many events the run stored (wrk and oha
    # answers that were not errors) and how long the calendar and the search took them in.
    catchup = []
    catchup_file = work / "raw" / "catchup.tsv"
    lines = catchup_file.read_text().splitlines() if catchup_file.exists() else []
    for line in lines:
        label, calendar_ms, search_ms = line.split("\t")
        if label == "warm-up":
            continue
        run = int(label)
        written = 0
        for rt in routes:
            r = rows.get(rt["name"]) if rt["class"] == "write" else None
            for m in (r["server-closed"][run - 1 : run] + r["server-open"][run - 1 : run]) if r else []:
                written += (m["requests"] or 0) - m["errors"]
        catchup.append({"run": run, "events": written, "calendar_ms": int(calendar_ms), "search_ms": int(search_ms)})

    startup = spread(numbers(meta.get("startup_ms", "")))
    idle = spread([v / 1024 for v in numbers(meta.get("idle_rss_kib", ""))])
    result = {
        "meta": {
            "date": meta.get("date"),
            "commit": meta.get("commit"),
            "dirty": meta.get("dirty") == "true",
            "database": meta.get("database"),
            "database_label": meta.get("database_label"),
            "quick": meta.get("quick") == "1",
            "runs": int(meta.get("runs", 0)),
            "duration_s": int(meta.get("duration_s", 0)),
            "connections": int(meta.get("connections", 0)),
            "pinning": meta.get("pinning"),
            "machine": {
                "nproc": int(meta.get("nproc", 0)),
                "cpu_model": meta.get("cpu_model"),
                "kernel": meta.get("kernel"),
                "load_at_start": meta.get("load_at_start"),
                "load_at_end": meta.get("load_at_end"),
            },
            "tools": {"closed_loop": meta.get("wrk"), "open_loop": meta.get("oha"), "limit": meta.get("nginx")},
        },
        "startup_ms": {"fresh_database": float(meta["startup_fresh_ms"]), "migrated_database": startup},
        "rss_mib": {
            "idle": idle,
            "peak": int(meta.get("peak_rss_kib", 0)) / 1024,
        },
        "fsync_per_s": fsync,
        "catch_up_after_write": catchup,
        "routes": out_routes,
    }
    return result


def check_targets(e, postgres, fsync):
    t = {**EVERY_ROUTE, **TARGETS.get(e["class"], {})}
    f = POSTGRES_FACTOR if postgres else 1.0
    checks = []

    def add(what, limit, value, ok):
        checks.append({"what": what, "limit": limit, "value": value, "met": None if value is None else ok})

    med = lambda s: None if s is None else s["median"]
    if "rps" in t:
        lim = t["rps"] * f
        v = med(e["rps"])
        add("rps", lim, v, v is not None and v >= lim)
    if "ratio" in t:
        lim = t["ratio"] * f
        v = med(e["ratio_to_nginx"])
        add("ratio_to_nginx", lim, v, v is not None and v >= lim)
    if "fsync_ratio" in t and fsync:
        lim = t["fsync_ratio"] * fsync["median"] * f
        v = med(e["rps"])
        add("rps", lim, v, v is not None and v >= lim)
    v = med(e["half_load"]["p99_ms"])
    add("p99_ms", t["p99_ms"], v, v is not None and v <= t["p99_ms"])
    v = e["rss_peak_mib"]
    add("rss_mib", t["rss_mib"], v, v is not None and v <= t["rss_mib"])
    return checks


def target_text(e):
    parts = []
    for c in e["targets"]:
        if c["what"] == "rps":
            parts.append(f"≥ {fmt_num(c['limit'])}/s")
        elif c["what"] == "ratio_to_nginx":
            parts.append(f"≥ {c['limit'] * 100:.0f} %")
        elif c["what"] == "p99_ms":
            parts.append(f"p99 ≤ {c['limit']:.0f} ms")
    missed = [c["what"].replace("_ms", "").replace("_mib", "").replace("_to_nginx", "") for c in e["targets"] if c["met"] is False]
    verdict = "✓" if not missed else "✗ " + ", ".join(missed)
    return ", ".join(parts), verdict


def markdown(res):
    m = res["meta"]
    mach = m["machine"]
    lines = []
    title = f"{m['database_label']} · commit {m['commit']}{' (uncommitted changes)' if m['dirty'] else ''} · {m['date']}"
    lines.append(f"**{title}**")
    lines.append("")
    lines.append(
        f"{mach['nproc']} × {mach['cpu_model']}, load average {mach['load_at_start']} at start, {mach['load_at_end']} at the end; "
        f"{m['runs']} run(s) × {m['duration_s']} s, {m['connections']} connections; pinning: {m['pinning']}; "
        f"max throughput {m['tools']['closed_loop']} (closed loop), latency {m['tools']['open_loop']} "
        f"(open loop at half the route's max), limit nginx {m['tools']['limit']}."
        + (" **Quick mode: figures only show that the harness works.**" if m["quick"] else "")
    )
    def load1(text):
        try:
            return float((text or "0").split()[0])
        except (ValueError, IndexError):
            return 0.0

    busy = max(load1(mach["load_at_start"]), load1(mach.get("load_at_end")))
    if busy > 1.0:
        lines.append("")
        lines.append(
            f"**The machine was not idle** (load average up to {busy:.2f}, other jobs running): throughput "
            "is lower and tail latency higher than on an idle machine; the ratios to nginx are the figures to read."
        )
    lines.append("")
    lines.append(
        "| route | path | req/s | nginx req/s | ratio to nginx | p50 ms | p99 ms | max ms | at req/s | steal % | RSS MiB | target | met |"
    )
    lines.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|")
    for e in res["routes"]:
        h = e["half_load"]
        p99 = h["p99_ms"]["median"] if h["p99_ms"] else None
        tgt, verdict = target_text(e)
        ratio = fmt_spread(e["ratio_to_nginx"], 0, 100)
        ratio = ratio if ratio == "–" else ratio.replace(" (", " % (") if "(" in ratio else ratio + " %"
        lines.append(
            "| {name}{auth} | `{path}` | {rps} | {nrps} | {ratio} | {p50} | {p99} | {mx} | {rate} | {steal} | {rss} | {tgt} | {ok} |".format(
                name=e["name"],
                auth=" (session)" if e["auth"] == "session" else "",
                path=e["path"],
                rps=fmt_spread(e["rps"]),
                nrps=fmt_spread(e["nginx_rps"]),
                ratio=ratio,
                p50=fmt_spread(h["p50_ms"], ms_digits(h["p50_ms"]["median"] if h["p50_ms"] else None)),
                p99=fmt_spread(h["p99_ms"], ms_digits(p99)),
                mx=fmt_spread(h["max_ms"], 1),
                rate=fmt_num(h["rate"]["median"] if h["rate"] else None),
                steal=fmt_spread(h.get("steal_pct"), 1),
                rss=fmt_num(e["rss_peak_mib"], 1),
                tgt=tgt,
                ok=verdict,
            )
        )
    lines.append("")
    s = res["startup_ms"]
    fs = res["fsync_per_s"]
    rss = res["rss_mib"]
    lines.append(
        f"- start-up (process start → first 200 on `/readyz`): {fmt_num(s['fresh_database'])} ms on the fresh "
        f"database (migrate + seed the demo region), {fmt_spread(s['migrated_database'])} ms on the migrated one"
    )
    lines.append(f"- RSS: {fmt_spread(rss['idle'], 1)} MiB idle after start, {fmt_num(rss['peak'], 1)} MiB peak (VmHWM) after all load")
    lines.append(
        f"- fsync rate of the data disk (4 KiB append + fsync): {fmt_spread(fs)} /s — the limit the durable-write "
        "route will be compared with (target ≥ 80 %)"
    )
    for c in res.get("catch_up_after_write", []):
        total = (c["calendar_ms"] + c["search_ms"]) / 1000
        rate = f", {c['events'] / total:,.0f} events/s for both indexes together" if total > 0 else ""
        lines.append(
            f"- catch-up after the write route, run {c['run']}: {c['events']:,} new events taken into the calendar index "
            f"in {c['calendar_ms']:,} ms and into the search index in {c['search_ms']:,} ms{rate} "
            "(measured alone, before the next route)"
        )
    errs = [
        f"{e['name']} {n} ({side})" for e in res["routes"] for side, n in e["errors"].items() if n
    ]
    if errs:
        lines.append("- **errors** (answers other than 200/201, socket errors or timeouts): " + ", ".join(errs))
    lines.append("")
    lines.append(
        "Figures are medians over the runs, (min–max) their spread. Latency is measured in open loop at half the "
        "route's median max throughput; `at req/s` is the rate oha achieved; `steal %` is the share of the server's "
        "CPU time (its pinned core) the virtual machine's host took away during those runs (`/proc/stat`): a p99 measured while the host "
        "stole the CPU tells about the host, not the server."
    )
    return "\n".join(lines) + "\n"


def update_readme(readme, res, md):
    text = readme.read_text()
    db = res["meta"]["database"]
    start, end = f"<!-- latest:{db}:start -->", f"<!-- latest:{db}:end -->"
    if start not in text or end not in text:
        print(f"report.py: {readme} has no {start} … {end} markers; not updated", file=sys.stderr)
        return
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    readme.write_text(before + start + "\n" + md + end + after)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--json", required=True, type=Path)
    ap.add_argument("--markdown", required=True, type=Path)
    ap.add_argument("--readme", type=Path)
    a = ap.parse_args()
    res = build(a.work)
    a.json.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    md = markdown(res)
    a.markdown.write_text(md)
    if a.readme:
        update_readme(a.readme, res, md)


if __name__ == "__main__":
    main()
