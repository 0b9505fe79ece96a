"""Turns bench/run.sh's measurements into one table; prints it, and with a path writes it into
that document between the `<!-- bench:begin -->` and `<!-- bench:end -->` markers."""

import sys

results_path, explain_path, doc_path = sys.argv[1], sys.argv[2], sys.argv[3]
r = {}
for line in open(results_path, encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition("=")
    r[key] = value


def num(key):
    return float(r[key])


def verdict(ok):
    return "met" if ok else "**missed**"


ratio_pg = num("get_postgres_rps") / max(num("pgbench_tps"), 1)
ratio_sqlite = num("get_sqlite_rps") / max(num("pgbench_tps"), 1)
explain = open(explain_path, encoding="utf-8").read().strip()
uses_index = "Index" in explain and "Seq Scan on obligations" not in explain
find_ratio = num("reminder_pass_find_ms") / max(num("reminder_raw_sql_ms"), 1)
c, d = r["connections"], r["duration_s"]

rows = [
    ("1", f"GET /systems/{{id}}, {c} connections, {d} s: PostgreSQL",
     f"{num('get_postgres_rps'):.0f} req/s, p50 {r['get_postgres_p50_ms']} ms, p99 {r['get_postgres_p99_ms']} ms", ""),
    ("1", "… the same on SQLite",
     f"{num('get_sqlite_rps'):.0f} req/s, p50 {r['get_sqlite_p50_ms']} ms, p99 {r['get_sqlite_p99_ms']} ms", ""),
    ("1", f"`pgbench -S`, {c} connections, same server", f"{num('pgbench_tps'):.0f} tps", ""),
    ("1", "service / pgbench (PostgreSQL; SQLite)", f"{ratio_pg:.2f}; {ratio_sqlite:.2f}",
     f"≥ 0.6: {verdict(ratio_pg >= 0.6)}"),
    ("2", f"GET /systems?limit=100&lifecycle_state=in_use over {r['small']} systems: PostgreSQL",
     f"{num('list_postgres_rps'):.0f} req/s, p99 {r['list_postgres_p99_ms']} ms",
     f"p99 ≤ 25 ms: {verdict(num('list_postgres_p99_ms') <= 25)}"),
    ("2", "… the same on SQLite", f"{num('list_sqlite_rps'):.0f} req/s, p99 {r['list_sqlite_p99_ms']} ms",
     f"p99 ≤ 25 ms: {verdict(num('list_sqlite_p99_ms') <= 25)}"),
    ("2", f"… the same at {r['few']} connections: PostgreSQL; SQLite",
     f"{num('list_few_postgres_rps'):.0f} req/s, p99 {r['list_few_postgres_p99_ms']} ms; "
     f"{num('list_few_sqlite_rps'):.0f} req/s, p99 {r['list_few_sqlite_p99_ms']} ms",
     f"p99 ≤ 25 ms: {verdict(num('list_few_postgres_p99_ms') <= 25)}; {verdict(num('list_few_sqlite_p99_ms') <= 25)}"),
    ("3", f"compliance report over {r['small']} systems (best of 3)",
     f"PostgreSQL {r['compliance_postgres_ms']} ms; SQLite {r['compliance_sqlite_ms']} ms", ""),
    ("4", f"reminder pass over {r['large']} systems ({r['obligations_rows']} obligations, {r['reminder_due_rows']} due within 30 days): finding the due duties with their systems and people (`worker --once --dry-run`, best of 3)",
     f"{r['reminder_pass_find_ms']} ms", ""),
    ("4", "… the raw SQL for the same rows (best of 3)", f"{r['reminder_raw_sql_ms']} ms; finding is {find_ratio:.1f}×",
     f"≤ 3×: {verdict(find_ratio <= 3)}; reads an index: {verdict(uses_index)}"),
    ("4", "… finding, planning who is told, and leaving out what was sent before",
     f"{r['reminder_pass_total_ms']} ms ({r['reminder_pass_steps']})",
     f"≤ 2 s: {verdict(num('reminder_pass_total_ms') <= 2000)}"),
    ("4", "… the whole dry run, printing the plan as JSON",
     f"{r['reminder_dry_run_ms']} ms ({r['reminder_dry_run_mib']} MiB of JSON)", ""),
    ("5", f"mail delivery to a local SMTP server ({r['mail_sent']} messages)", f"{r['mail_per_s']} messages/s",
     f"≥ 200/s: {verdict(num('mail_per_s') >= 200)}"),
    ("6", "API RSS idle: PostgreSQL; SQLite", f"{r['rss_idle_postgres_mib']} MiB; {r['rss_idle_sqlite_mib']} MiB", ""),
    ("6", "API RSS under load 1: PostgreSQL; SQLite",
     f"{r['get_postgres_rss_mib']} MiB; {r['get_sqlite_rss_mib']} MiB", ""),
    ("6", "start to ready on SQLite", f"{r['start_to_ready_sqlite_ms']} ms", ""),
    ("–", f"loading the demo, {r['large']} systems on PostgreSQL", f"{r['demo_large_load_s']} s", "minutes, not hours"),
]

# Every load must have been answered 2xx: a non-2xx answer (a 429 from the rate limit, a 503, a
# 404 from a wrong path) or a socket error fails the measurement, and the run.
loads = sorted(k[: -len("_non_2xx")] for k in r if k.endswith("_non_2xx"))
bad = [(k, int(r[f"{k}_non_2xx"]), int(r.get(f"{k}_socket_errors", "0"))) for k in loads]
bad = [(k, n, e) for k, n, e in bad if n or e]
if int(r.get("mail_not_sent", "0")):
    bad.append(("mail delivery (to retry or failed)", int(r["mail_not_sent"]), 0))
if bad:
    failed = "; ".join(f"{k}: {n} non-2xx, {e} socket errors" for k, n, e in bad)
    rows.insert(0, ("!", "**FAILED: answers that were not 2xx, so the figures below do not count**", failed, "0: **missed**"))
else:
    rows.append(("–", "answers that were not 2xx, or none, in every load", "0", "0: met"))

lines = [
    f"Run on {r['date']} ({r['mode']} mode): {r['cores']} cores ({r['cpu']}), {r['memory_gib']} GiB, "
    f"PostgreSQL {r['postgres']} on the same machine; `bench/run.sh`.",
    "",
    "| # | measurement | result | target |",
    "|---|---|---|---|",
]
lines += [f"| {n} | {what} | {result} | {target} |" for n, what, result, target in rows]
lines += ["", "The plan of the raw query (`EXPLAIN`):", "", "```", explain, "```"]
table = "\n".join(lines)
print(table)

if doc_path != "-":
    doc = open(doc_path, encoding="utf-8").read()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    head, _, rest = doc.partition(begin)
    _, _, tail = rest.partition(end)
    open(doc_path, "w", encoding="utf-8").write(f"{head}{begin}\n{table}\n{end}{tail}")

if bad:
    print(f"bench: FAILED: {failed}", file=sys.stderr)
    sys.exit(1)
