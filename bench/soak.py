#!/usr/bin/env python3
"""The soak test's load driver and its report (see bench/soak.sh). Python 3 standard library only.

  soak.py load --ports 18301,18302 --duration 600 --warmup 90 --bin BIN --pids api1=PID,... --out load.json
      Spreads a mixed load over the API instances for --duration seconds: threads of reads,
      of writes with If-Match (several threads on the same few resources, so that some are
      refused with 412), of lifecycle moves (two threads per pool of systems, both on the same
      system at a time: in use -> changing -> a risk assessment approved by the owner -> in use,
      then the pool's next system) and of completions of duties. Records
      every answer by operation and status, every accepted write, and the RSS of the service's
      processes (after the warm-up and at the end of the load); at the end reads every written
      resource back from each instance and replays the accepted writes (lost updates).

  soak.py report --work DIR --results FILE --table FILE
      Reads what bench/soak.sh collected in DIR (load.json, meta.json, sink.txt, outbox.tsv,
      passes.tsv, the processes' logs), prints the report and a markdown table, writes both,
      and exits 1 when a rule is broken, each broken rule on a line of its own (FAILED: ...).
"""
import argparse
import datetime
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import traceback
from collections import Counter, defaultdict

# --------------------------------------------------------------------------------------------
# The load
# --------------------------------------------------------------------------------------------

# What each kind of operation may answer without anything being wrong: a 412 is a write that
# lost the race (its If-Match was stale), a 409 a move the other thread made first, or a
# completion of a duty the system no longer has.
EXPECTED = {
    "setup:changing": {200},
    "setup:risk_assessment": {201},
    "setup:in_use": {200, 409},
    "write:patch": {200, 412},
    "move:changing": {200, 409},
    "move:in_use": {200, 409},
    "move:risk_assessment": {201},
    "move:approve": {200, 409},
    "complete:post": {201, 409},
}
# Duties a completion records (risk_reassessment and dpia_review are done by approving).
COMPLETABLE = {
    "backup_test",
    "access_review",
    "log_sample",
    "processor_supervision",
    "contingency_plan_test",
    "deletion_run",
    "procedure_review",
    "contract_renewal",
}
# The duties whose completion can fail (a test); the others are done or not.
TESTS = {"backup_test", "contingency_plan_test"}


def expected(kind):
    return EXPECTED.get(kind, {200})


def today():
    """Today in the municipality (the service's SYSTEMEJER_TIMEZONE, Europe/Copenhagen by
    default): a risk assessment performed today counts for a change begun today."""
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(os.environ.get("SYSTEMEJER_TIMEZONE") or "Europe/Copenhagen")
    except Exception:  # no time zone data: UTC is never ahead of Copenhagen
        zone = datetime.timezone.utc
    return datetime.datetime.now(zone).date()


class Stats:
    """One thread's counts; merged at the end."""

    def __init__(self):
        self.counts = Counter()  # (kind, status) -> n; status 0: no answer
        self.latency = defaultdict(list)  # kind -> [(monotonic s, ms)]
        self.n = 0  # answers and failures, for the throughput over time
        self.retries = 0
        self.samples = []  # unexpected answers and failures, a few of each kind

    def sample(self, what):
        if sum(1 for s in self.samples if s["kind"] == what["kind"]) < 5:
            self.samples.append(what)


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Api:
    """Keep-alive connections to every instance, one per instance, for one thread."""

    def __init__(self, ports, token, stats):
        self.ports, self.token, self.stats = ports, token, stats
        self.conns = {}

    def call(self, kind, method, path, body=None, headers=None, port=None):
        port = port or random.choice(self.ports)
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        hdrs.update(headers or {})
        for attempt in (0, 1):
            conn = self.conns.get(port)
            if conn is None:
                conn = self.conns[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=hdrs)
                resp = conn.getresponse()
                raw = resp.read()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self.conns[port] = None
                # A read is safe to send again (a keep-alive connection the server had closed);
                # a write without an answer may or may not have been made: it counts as a failure.
                if method == "GET" and attempt == 0:
                    self.stats.retries += 1
                    continue
                self.stats.counts[(kind, 0)] += 1
                self.stats.n += 1
                self.stats.sample({"kind": kind, "status": 0, "request": f"{method} {path} (port {port})", "error": repr(e)})
                return Reply(0, {}, None)
            ms = (time.perf_counter() - started) * 1000
            status = resp.status
            self.stats.counts[(kind, status)] += 1
            self.stats.n += 1
            self.stats.latency[kind].append((time.monotonic(), ms))
            rheaders = {k.lower(): v for k, v in resp.getheaders()}
            try:
                parsed = json.loads(raw) if raw and "json" in rheaders.get("content-type", "") else None
            except ValueError:
                parsed = None
            if status not in expected(kind):
                self.stats.sample(
                    {
                        "kind": kind,
                        "status": status,
                        "request": f"{method} {path} (port {port})",
                        "request_id": rheaders.get("x-request-id"),
                        "body": raw[:400].decode("utf-8", "replace"),
                    }
                )
            if resp.will_close:
                conn.close()
                self.conns[port] = None
            return Reply(status, rheaders, parsed)
        raise AssertionError("unreachable")


class Resource:
    def __init__(self, key, path, field):
        self.key, self.path, self.field = key, path, field


def list_all(api, path):
    """Every item of a list, page by page (setup)."""
    items, cursor = [], None
    while True:
        url = f"{path}{'&' if '?' in path else '?'}limit=500" + (f"&cursor={cursor}" if cursor else "")
        r = api.call("setup:list", "GET", url, port=api.ports[0])
        if r.status != 200:
            raise SystemExit(f"soak: setup: GET {url} answered {r.status}")
        items += r.body["items"]
        cursor = r.body.get("next_cursor")
        if not cursor:
            return items


def mint(binary, email=None, role=None):
    args = [binary, "token", "--ttl", "6h"]
    args += ["--email", email] if email else []
    args += ["--role", role] if role else []
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def load(args):
    ports = [int(p) for p in args.ports.split(",")]
    pids = dict(item.split("=") for item in args.pids.split(",")) if args.pids else {}
    setup_stats = Stats()
    admin_token = mint(args.bin, email="soak-admin@demo-kommune.dk", role="admin")
    admin = Api(ports, admin_token, setup_stats)
    rng = random.Random(args.seed)

    systems = list_all(admin, "/api/v1/systems")
    people = list_all(admin, "/api/v1/people")
    units = list_all(admin, "/api/v1/org-units")
    people_by_id = {p["id"]: p for p in people}
    in_use = sorted((s for s in systems if s["lifecycle_state"] == "in_use"), key=lambda s: s["id"])
    rng.shuffle(in_use)

    # The systems that move: in use, with an active owner, and a first round trip through
    # `changing` that works (the demo's systems carry what the gate into use asks for). Each
    # pair of mover threads takes a pool of them in turn, so that the history a round trip
    # leaves (a risk assessment, two transitions) spreads as a municipality's would, instead of
    # piling thousands of records on one system.
    movers, stuck = [], set()
    wanted = args.movers * args.pool
    candidates = [s for s in in_use if people_by_id.get(s["owner_id"], {}).get("active")]
    for s in candidates:
        if len(movers) == wanted:
            break
        owner_token = mint(args.bin, email=people_by_id[s["owner_id"]]["email"])
        api = Api(ports, owner_token, setup_stats)
        path = f"/api/v1/systems/{s['id']}"
        if cycle(api, path, "setup:", "Soak: the first round") == "in_use":
            movers.append((s, owner_token))
        else:
            stuck.add(s["id"])
    if len(movers) < wanted:
        raise SystemExit(f"soak: setup: only {len(movers)} of {wanted} systems could be moved and back")
    pools = [movers[i :: args.movers] for i in range(args.movers)]
    mover_ids = {s["id"] for s, _ in movers}
    others = [s for s in in_use if s["id"] not in mover_ids and s["id"] not in stuck]
    owners = {s["owner_id"] for s, _ in movers}
    # The resources every writer thread writes: two systems' vendor, the description of each
    # pool's first system (a move must not undo a change made meanwhile), two people's names,
    # two org units' names.
    contended = [Resource(f"system:{s['id']}:vendor", f"/api/v1/systems/{s['id']}", "vendor") for s in others[:2]]
    contended += [
        Resource(f"system:{pool[0][0]['id']}:description", f"/api/v1/systems/{pool[0][0]['id']}", "description")
        for pool in pools
    ]
    plain = [p for p in people if p["active"] and p["id"] not in owners]
    contended += [Resource(f"person:{p['id']}:name", f"/api/v1/people/{p['id']}", "name") for p in plain[:2]]
    contended += [Resource(f"org_unit:{u['id']}:name", f"/api/v1/org-units/{u['id']}", "name") for u in units[:2]]
    completion_systems = [s["id"] for s in others[2:]] or [s["id"] for s in others]
    moves_before = {}
    for s, token in movers:
        r = Api(ports, token, setup_stats).call("setup:transitions", "GET", f"/api/v1/systems/{s['id']}/transitions")
        moves_before[s["id"]] = sum(1 for t in r.body["items"] if t["to"] == "changing")

    stop = threading.Event()
    lock = threading.Lock()
    writes = []  # accepted writes
    thread_stats = []
    driver_errors = []
    etag_mismatches = []
    moves_answered = Counter()  # system id -> 200s to `changing`

    def guarded(name, body):
        stats = Stats()
        with lock:
            thread_stats.append(stats)

        def run():
            while not stop.is_set():
                try:
                    body(stats)
                except Exception:  # a bug in the driver: counted, and the run fails
                    with lock:
                        if len(driver_errors) < 20:
                            driver_errors.append(f"{name}: {traceback.format_exc()}")
                    time.sleep(0.1)

        return threading.Thread(target=run, name=name, daemon=True)

    def reader(tid):
        state = {}

        def step(stats):
            api = state.get("api") or state.setdefault("api", Api(ports, admin_token, stats))
            s = rng.choice(systems)["id"]
            p = rng.choice(people)["id"]
            choice = random.random() * 100
            if choice < 30:
                api.call("read:system", "GET", f"/api/v1/systems/{s}")
            elif choice < 40:
                query = random.choice(
                    [
                        "",
                        "&lifecycle_state=in_use",
                        "&lifecycle_state=changing",
                        "&q=system",
                        f"&owner_id={rng.choice(systems)['owner_id']}",
                    ]
                )
                api.call("read:systems", "GET", f"/api/v1/systems?limit=50&offset={random.randrange(0, 200)}{query}")
            elif choice < 48:
                api.call("read:people", "GET", f"/api/v1/people?limit=50&offset={random.randrange(0, 200)}")
            elif choice < 63:
                api.call("read:person", "GET", f"/api/v1/people/{p}")
            elif choice < 68:
                api.call("read:org_units", "GET", "/api/v1/org-units?limit=100")
            elif choice < 83:
                api.call("read:obligations", "GET", f"/api/v1/systems/{s}/obligations")
            elif choice < 91:
                api.call("read:transitions", "GET", f"/api/v1/systems/{s}/transitions")
            elif choice < 94:
                api.call("read:notifications", "GET", "/api/v1/notifications?limit=50")
            elif choice < 96:
                u = rng.choice(others)["id"]
                api.call("read:readiness", "GET", f"/api/v1/systems/{u}/readiness?to=decommissioning")
            elif not args.reports:
                # Without the whole-register reports (`--no-reports`): one system instead.
                api.call("read:system", "GET", f"/api/v1/systems/{s}")
            elif choice < 98.5:
                api.call("read:compliance_report", "GET", "/api/v1/reports/compliance")
            else:
                api.call("read:processing_records", "GET", "/api/v1/reports/processing-records")

        return step

    def writer(tid):
        state = {"seq": 0}

        def step(stats):
            api = state.get("api") or state.setdefault("api", Api(ports, admin_token, stats))
            res = random.choice(contended)
            r = api.call("write:get", "GET", res.path)
            if r.status != 200:
                return
            version = r.body["version"]
            if r.headers.get("etag") != f'"v{version}"':
                with lock:
                    etag_mismatches.append(f"{res.path}: version {version}, ETag {r.headers.get('etag')}")
            state["seq"] += 1
            value = f"Soak w{tid}.{state['seq']}"
            w = api.call("write:patch", "PATCH", res.path, {res.field: value}, {"If-Match": f'"v{version}"'})
            if w.status == 200:
                with lock:
                    writes.append(
                        {
                            "resource": res.key,
                            "based_on": version,
                            "value": value,
                            "answered": w.body["version"],
                            "answered_value": w.body.get(res.field),
                            "etag": w.headers.get("etag"),
                        }
                    )

        return step

    def mover(tid, pool, turn):
        """One of the two threads of a pool: both work the system whose turn it is (`turn`,
        shared) until it is back in use, then the pool's next."""
        state = {"n": 0}

        def step(stats):
            with lock:
                at = turn["at"]
            system, token = pool[at % len(pool)]
            api = state.get("api") or state.setdefault("api", Api(ports, token, stats))
            api.token = token  # as the owner of the system whose turn it is
            state["n"] += 1
            path = f"/api/v1/systems/{system['id']}"
            left = cycle(api, path, "move:", f"Soak m{tid}.{state['n']}", moves_answered, system["id"], lock)
            if left is None:
                time.sleep(0.05)
            elif left == "in_use":
                with lock:
                    if turn["at"] == at:
                        turn["at"] += 1

        return step

    def completer(tid):
        state = {"n": 0}

        def step(stats):
            api = state.get("api") or state.setdefault("api", Api(ports, admin_token, stats))
            s = rng.choice(completion_systems)
            r = api.call("complete:obligations", "GET", f"/api/v1/systems/{s}/obligations")
            if r.status != 200:
                return
            duties = [o for o in r.body["items"] if o["kind"] in COMPLETABLE]
            if not duties:
                return
            due = [o for o in duties if o["status"] != "ok"]
            o = random.choice(due if due and random.random() < 0.7 else duties)
            state["n"] += 1
            body = {
                "done_on": (today() - datetime.timedelta(days=random.randrange(0, 15))).isoformat(),
                # Only a test can fail; the other duties are done or not.
                "result": "failed" if o["kind"] in TESTS and random.random() < 0.1 else "passed",
                "notes": f"Soak c{tid}.{state['n']}",
            }
            if o.get("subject"):
                body["subject"] = o["subject"]
            api.call("complete:post", "POST", f"/api/v1/systems/{s}/obligations/{o['kind']}/completions", body)

        return step

    threads = [guarded(f"reader-{i}", reader(i)) for i in range(args.readers)]
    threads += [guarded(f"writer-{i}", writer(i)) for i in range(args.writers)]
    for i, pool in enumerate(pools):
        turn = {"at": 0}
        threads += [guarded(f"mover-{i}{side}", mover(f"{i}{side}", pool, turn)) for side in "ab"]
    threads += [guarded(f"completer-{i}", completer(i)) for i in range(args.completers)]

    rss = []  # [elapsed s, {name: KiB}, requests answered so far]

    def sample_rss(started):
        with lock:
            answered = sum(st.n for st in thread_stats)
        rss.append([round(time.monotonic() - started, 1), {name: rss_kib(pid) for name, pid in pids.items()}, answered])

    started_at = datetime.datetime.now(datetime.timezone.utc)
    started = time.monotonic()
    for t in threads:
        t.start()
    print(
        f"soak: load on ports {args.ports}: {len(threads)} threads ({args.readers} reading, {args.writers} writing "
        f"{len(contended)} resources, {2 * len(pools)} moving {len(movers)} systems in {len(pools)} pools, {args.completers} completing); "
        f"{args.duration} s",
        flush=True,
    )
    rss_start = None
    next_sample = started
    deadline = started + args.duration
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now >= next_sample:
            sample_rss(started)
            if rss_start is None and now - started >= args.warmup:
                rss_start = rss[-1]
            next_sample += args.sample
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
    if rss_start is None:
        sample_rss(started)
        rss_start = rss[-1]
    stop.set()
    for t in threads:
        t.join(timeout=180)
    ended_at = datetime.datetime.now(datetime.timezone.utc)
    elapsed = time.monotonic() - started
    sample_rss(started)
    rss_end = rss[-1]
    alive = [t.name for t in threads if t.is_alive()]

    # Read every written resource back, from each instance: both must answer the same value.
    final_stats = Stats()
    final = {}
    for res in contended:
        seen = []
        for port in ports:
            r = Api(ports, admin_token, final_stats).call("final:get", "GET", res.path, port=port)
            seen.append((r.body or {}).get(res.field) if r.status == 200 else None)
            version = (r.body or {}).get("version")
        final[res.key] = {"values": seen, "version": version}
    moves_recorded = {}
    for s, token in movers:
        r = Api(ports, token, final_stats).call("final:get", "GET", f"/api/v1/systems/{s['id']}/transitions")
        moves_recorded[s["id"]] = sum(1 for t in (r.body or {}).get("items", []) if t["to"] == "changing") - moves_before[s["id"]]

    # Merge.
    counts, latency, retries, samples = Counter(), defaultdict(list), 0, []
    for st in thread_stats + [setup_stats, final_stats]:
        counts.update(st.counts)
        for k, v in st.latency.items():
            latency[k].extend(v)
        retries += st.retries
        samples += st.samples
    by_kind = defaultdict(dict)
    for (kind, status), n in sorted(counts.items()):
        by_kind[kind][str(status)] = n
    load_counts = Counter()
    for (kind, status), n in counts.items():
        if not kind.startswith(("setup:", "final:")):
            load_counts[str(status)] += n
    load_total = sum(load_counts.values())

    def pct(values, p):
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2) if values else None

    # The first and the last minute of the load (a third of it when shorter): does anything
    # slow down as the register grows and the processes run?
    window = min(60.0, args.duration / 3)
    load_end = started + args.duration

    def windows(values):
        first = [ms for t, ms in values if t < started + window]
        last = [ms for t, ms in values if t >= load_end - window]
        return {"first_p50": pct(first, 50), "last_p50": pct(last, 50), "first_n": len(first), "last_n": len(last)}

    def rate(lo, hi):
        n = sum(1 for kind, values in latency.items() if not kind.startswith(("setup:", "final:")) for t, _ in values if lo <= t < hi)
        return round(n / window, 1)

    lost = lost_updates(writes, final, contended)
    result = {
        "started_at": started_at.isoformat(),
        "ended_at": ended_at.isoformat(),
        "duration_s": round(elapsed, 1),
        "warmup_s": args.warmup,
        "threads": {
            "readers": args.readers,
            "writers": args.writers,
            "movers": 2 * len(pools),
            "completers": args.completers,
        },
        "requests": {
            "load_total": load_total,
            "load_by_status": dict(sorted(load_counts.items())),
            "per_second": round(load_total / elapsed, 1),
            "by_kind": by_kind,
            "window_s": window,
            "per_second_first_window": rate(started, started + window),
            "per_second_last_window": rate(load_end - window, load_end),
            "latency_ms": {
                k: {
                    "p50": pct([ms for _, ms in v], 50),
                    "p99": pct([ms for _, ms in v], 99),
                    "max": pct([ms for _, ms in v], 100),
                    "n": len(v),
                    **windows(v),
                }
                for k, v in sorted(latency.items())
            },
            "server_errors": sum(n for (k, s), n in counts.items() if s >= 500),
            "no_answer": sum(n for (k, s), n in counts.items() if s == 0),
            "unexpected": sum(n for (k, s), n in counts.items() if s != 0 and s < 500 and s not in expected(k)),
            "get_retries": retries,
            "samples": samples,
        },
        "writes": {
            "resources": [r.key for r in contended],
            "accepted": len(writes),
            "conflicts_412": counts[("write:patch", 412)],
            "etag_mismatches": etag_mismatches,
            "lost_updates": lost["count"],
            "violations": lost["violations"],
            "per_resource": lost["per_resource"],
            "log": writes,
        },
        "moves": {
            s["id"]: {"answered_200": moves_answered[s["id"]], "recorded": moves_recorded[s["id"]]} for s, _ in movers
        },
        "completions": {
            "recorded": counts[("complete:post", 201)],
            "refused_409": counts[("complete:post", 409)],
        },
        "rss_kib": {"start": rss_start, "end": rss_end, "series": rss},
        "driver_errors": driver_errors + [f"thread {name} did not stop" for name in alive],
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(
        f"soak: load done: {load_total} requests in {elapsed:.0f} s ({load_total / elapsed:.0f}/s), "
        f"{len(writes)} writes accepted, {counts[('write:patch', 412)]} refused as stale",
        flush=True,
    )


def cycle(api, path, prefix, description, answered=None, key=None, lock=None):
    """One step of a system's round trip: in use -> changing; changing -> a risk assessment the
    owner approves -> in use. Answers the state it left the system in (None: nothing answered)."""
    r = api.call(f"{prefix}get", "GET", path)
    if r.status != 200:
        return None
    state = r.body["lifecycle_state"]
    transitions = f"{path}/transitions"
    if state == "in_use":
        change = {"to": "changing", "change_description": description, "dpia_needed": False}
        m = api.call(f"{prefix}changing", "POST", transitions, change)
        if m.status == 200 and answered is not None:
            with lock:
                answered[key] += 1
        if prefix == "setup:" and m.status == 200:
            return cycle(api, path, prefix, description)
        return "changing" if m.status == 200 else None
    if state == "changing":
        assessment = {
            "perspective": "information_security",
            "performed_on": today().isoformat(),
            "risk_level": "low",
            "summary": description,
        }
        ra = api.call(f"{prefix}risk_assessment", "POST", f"{path}/risk-assessments", assessment)
        if ra.status == 201:
            api.call(f"{prefix}approve", "POST", f"{path}/risk-assessments/{ra.body['id']}/approve", {})
        m = api.call(f"{prefix}in_use", "POST", transitions, {"to": "in_use"})
        return "in_use" if m.status == 200 else None
    raise RuntimeError(f"{path} is {state}: neither in use nor changing")


def lost_updates(writes, final, contended):
    """Replays the accepted writes: per resource, no two may be based on the same version (or
    answer the same version), each must answer a later version than it read and the value it
    wrote, and the value read at the end must be that of the write that answered the highest
    version. Every breach is a lost update."""
    by_resource = defaultdict(list)
    for w in writes:
        by_resource[w["resource"]].append(w)
    violations, per_resource = [], {}
    for res in contended:
        ws = by_resource.get(res.key, [])
        for field, what in (("based_on", "based on"), ("answered", "answering")):
            for version, n in Counter(w[field] for w in ws).items():
                if n > 1:
                    violations.append(f"{res.key}: {n} accepted writes {what} version {version}")
                    violations += [f"    {w}" for w in ws if w[field] == version][:4]
        for w in ws:
            if w["answered"] <= w["based_on"]:
                violations.append(f"{res.key}: a write based on v{w['based_on']} answered v{w['answered']}")
            if w["answered_value"] != w["value"]:
                violations.append(f"{res.key}: wrote {w['value']!r}, the answer holds {w['answered_value']!r}")
            if w["etag"] != f'"v{w["answered"]}"':
                violations.append(f"{res.key}: answered version {w['answered']} with ETag {w['etag']}")
        values = final[res.key]["values"]
        last = max(ws, key=lambda w: w["answered"]) if ws else None
        if len(set(values)) != 1:
            violations.append(f"{res.key}: the instances answer different values at the end: {values}")
        if last and values[0] != last["value"]:
            violations.append(
                f"{res.key}: holds {values[0]!r} at the end; the last accepted write "
                f"(v{last['based_on']} -> v{last['answered']}) wrote {last['value']!r}"
            )
        if last and (final[res.key]["version"] or 0) < last["answered"]:
            violations.append(f"{res.key}: version {final[res.key]['version']} at the end, below v{last['answered']}")
        per_resource[res.key] = {
            "accepted": len(ws),
            "final_version": final[res.key]["version"],
            "final_value": values[0],
        }
    count = sum(1 for v in violations if not v.startswith("    "))
    return {"count": count, "violations": violations, "per_resource": per_resource}


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def mib(kib):
    return f"{kib / 1024:.1f}" if kib is not None else "–"


def growth(pct):
    return "–" if pct is None else f"{'+' if pct >= 0 else ''}{pct} %"


def report(args):
    work = args.work
    run = json.load(open(os.path.join(work, "load.json")))
    meta = json.load(open(os.path.join(work, "meta.json")))
    smoke = meta["mode"] == "smoke"
    failed = []

    req = run["requests"]
    if req["server_errors"]:
        failed.append(f"{req['server_errors']} answers were 5xx (must be 0)")
    if req["no_answer"]:
        failed.append(f"{req['no_answer']} requests got no answer (must be 0)")
    if req["unexpected"]:
        failed.append(f"{req['unexpected']} answers had a status their operation never expects (see the samples)")
    wr = run["writes"]
    if wr["lost_updates"]:
        failed.append(f"{wr['lost_updates']} lost updates (must be 0)")
    if wr["etag_mismatches"]:
        failed.append(f"{len(wr['etag_mismatches'])} reads whose ETag was not \"v<version>\"")
    if wr["conflicts_412"] == 0:
        failed.append("no write was refused with 412: the load did not test concurrent writes")
    for sid, m in run["moves"].items():
        if m["answered_200"] != m["recorded"]:
            failed.append(f"system {sid}: {m['answered_200']} moves to changing answered 200, {m['recorded']} recorded")
        if m["answered_200"] == 0:
            failed.append(f"system {sid}: never moved")
    if run["completions"]["recorded"] == 0:
        failed.append("no completion was recorded")
    if run["driver_errors"]:
        failed.append(f"the load driver failed {len(run['driver_errors'])} time(s) (see below)")

    # Mail: what the sink received against what the outbox says was sent.
    received = []
    with open(os.path.join(work, "sink.txt")) as f:
        for line in f:
            rcpt, _, mid = line.rstrip("\n").partition("\t")
            received.append((rcpt, mid))
    outbox = []
    with open(os.path.join(work, "outbox.tsv")) as f:
        for line in f:
            if line.strip():
                oid, status, rcpt = line.rstrip("\n").split("\t")[:3]
                outbox.append((oid, status, rcpt))
    domain = meta["mail_domain"]
    statuses = Counter(status for _, status, _ in outbox)
    sent_rows = {f"<{oid}@{domain}>": rcpt for oid, status, rcpt in outbox if status == "sent"}
    mids = Counter(mid for _, mid in received)
    duplicates = sum(n - 1 for n in mids.values() if n > 1)
    missing = sorted(set(sent_rows) - set(mids))
    unknown = sorted(set(mids) - set(sent_rows))
    wrong_rcpt = sorted(mid for rcpt, mid in received if mid in sent_rows and sent_rows[mid].lower() != rcpt.lower())
    mail = {
        "received": len(received),
        "expected_sent_rows": len(sent_rows),
        "duplicates": duplicates,
        "outbox_by_status": dict(statuses),
        "sent_but_not_received": missing[:20],
        "received_but_not_sent": unknown[:20],
        "wrong_recipient": wrong_rcpt[:20],
        "drain": meta.get("drain"),
    }
    if len(received) != len(sent_rows):
        failed.append(f"mails: the SMTP sink received {len(received)}, the outbox has {len(sent_rows)} sent")
    if duplicates:
        failed.append(f"mails: {duplicates} duplicate Message-IDs received (must be 0)")
    if missing or unknown:
        failed.append(f"mails: {len(missing)} sent but never received, {len(unknown)} received but not sent as such")
    if wrong_rcpt:
        failed.append(f"mails: {len(wrong_rcpt)} received by another recipient than the outbox names")
    if statuses.get("queued", 0):
        failed.append(f"mails: {statuses['queued']} left queued in the outbox after the last pass")
    if statuses.get("failed", 0):
        failed.append(f"mails: {statuses['failed']} given up (failed) in the outbox")
    if len(sent_rows) == 0:
        failed.append("mails: none were sent: the workers did not run")
    if str(meta.get("drain", "")).startswith("timed out"):
        failed.append(f"the workers' passes after the load: {meta['drain']}")

    # The workers' passes.
    passes = Counter()
    failed_passes = 0
    with open(os.path.join(work, "passes.tsv")) as f:
        for line in f:
            if line.strip():
                name, succeeded, n = line.rstrip("\n").split("\t")
                passes[name] += int(n)
                if succeeded != "t":
                    failed_passes += int(n)
    if failed_passes:
        failed.append(f"{failed_passes} worker passes failed (worker_passes.succeeded = false)")

    # The processes: exit codes and what they logged at WARN or ERROR.
    logs = {}
    for name in meta["processes"]:
        path = os.path.join(work, f"{name}.log")
        levels, lines, problems = Counter(), [], 0
        if os.path.exists(path):
            for line in open(path, errors="replace"):
                try:
                    entry = json.loads(line)
                    level = entry.get("level", "?")
                except ValueError:
                    entry, level = {}, "TEXT"
                levels[level] += 1
                # tracing-actix-web logs every answer with a problem (a 412, a 409) at WARN;
                # those are counted apart, the requests' statuses are in the load's figures.
                if level == "WARN" and entry.get("target") == "tracing_actix_web::middleware":
                    problems += 1
                    continue
                if level in ("WARN", "ERROR", "TEXT") and len(lines) < 5:
                    lines.append(line.strip()[:600])
        logs[name] = {"levels": dict(levels), "problem_warnings_by_middleware": problems, "first_warnings": lines}
        code = meta["exit_codes"].get(name)
        if code != 0:
            failed.append(f"{name} exited with {code} on SIGTERM (expected 0)")
        if levels.get("ERROR"):
            failed.append(f"{name} logged {levels['ERROR']} ERROR line(s)")

    # Memory.
    start, end = run["rss_kib"]["start"], run["rss_kib"]["end"]
    rss = {}
    for name in meta["processes"]:
        s, e = start[1].get(name), end[1].get(name)
        peak = max((row[1].get(name) or 0) for row in run["rss_kib"]["series"])
        growth = (e - s) / s * 100 if s and e else None
        rss[name] = {"start_kib": s, "end_kib": e, "max_kib": peak, "growth_pct": round(growth, 1) if growth is not None else None}
        if e is None:
            failed.append(f"{name}: no RSS at the end of the load: the process was gone")
        elif growth is not None and growth > 10 and not smoke:
            failed.append(f"{name}: RSS grew {growth:.1f} % ({mib(s)} -> {mib(e)} MiB; at most 10 %)")

    results = {
        "meta": meta,
        "passed": not failed,
        "failed": failed,
        "requests": {k: v for k, v in req.items()},
        "writes": {k: v for k, v in wr.items() if k != "log"},
        "moves": run["moves"],
        "completions": run["completions"],
        "mail": mail,
        "worker_passes": dict(passes),
        "rss": rss,
        "rss_series_kib": run["rss_kib"]["series"],
        "logs": logs,
        "driver_errors": run["driver_errors"],
        "duration_s": run["duration_s"],
        "warmup_s": run["warmup_s"],
        "threads": run["threads"],
    }
    with open(args.results, "w") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    table = markdown(results)
    with open(args.table, "w") as f:
        f.write(table)

    # stdout
    print()
    print(f"soak: requests by operation and status ({run['duration_s']:.0f} s):")
    width = max(len(k) for k in req["by_kind"])
    for kind, by_status in req["by_kind"].items():
        lat = req["latency_ms"].get(kind, {})
        statuses_text = ", ".join(f"{s}: {n}" for s, n in by_status.items())
        print(
            f"  {kind:<{width}}  {statuses_text}   (p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms; "
            f"p50 first {lat.get('first_p50')} ms, last {lat.get('last_p50')} ms)"
        )
    for s in req["samples"][:20]:
        print(f"  sample: {json.dumps(s, ensure_ascii=False)}")
    for v in wr["violations"][:40]:
        print(f"  lost update: {v}")
    for e in run["driver_errors"][:5]:
        print(f"  driver error: {e}")
    for name, l in logs.items():
        for line in l["first_warnings"]:
            print(f"  {name} log: {line}")
    print()
    print(table)
    if failed:
        for f_ in failed:
            print(f"FAILED: {f_}")
        sys.exit(1)
    print("soak: passed: no 5xx, no lost updates, every mail delivered once" + ("" if smoke else ", memory flat"))


def markdown(r):
    meta, req, wr, mail, rss = r["meta"], r["requests"], r["writes"], r["mail"], r["rss"]
    out = []
    out.append(
        f"Run on {meta['date']} ({meta['mode']} mode): {meta['cores']} cores ({meta['cpu']}), {meta['memory_gib']} GiB, "
        f"PostgreSQL {meta['postgres']} on the same machine; `{meta['command']}` ({meta['profile']} build, "
        f"demo of {meta['systems']} systems"
        + (f", `MALLOC_ARENA_MAX={meta['malloc_arena_max']}`" if meta.get("malloc_arena_max") else "")
        + f"); load average before the run {meta.get('loadavg_before', '?')}."
    )
    out.append("")
    out.append("| measurement | result | rule |")
    out.append("|---|---|---|")
    if r["failed"]:
        out.append(f"| **FAILED** | {'; '.join(r['failed'])} | |")
    t = r["threads"]
    out.append(
        f"| load | {r['duration_s']:.0f} s over 2 API instances: {t['readers']} threads reading, {t['writers']} writing "
        f"{len(wr['resources'])} resources with If-Match, {t['movers']} moving {len(r['moves'])} system(s) "
        f"in use ⇄ changing, {t['completers']} recording completions | |"
    )
    by_status = ", ".join(f"{s}: {n}" for s, n in req["load_by_status"].items())
    out.append(f"| requests by status | {req['load_total']} ({by_status}) | |")
    out.append(
        f"| requests per second: whole run; first {req['window_s']:.0f} s → last {req['window_s']:.0f} s | "
        f"{req['per_second']:.0f}; {req['per_second_first_window']:.0f} → {req['per_second_last_window']:.0f} | |"
    )
    out.append(f"| 5xx | {req['server_errors']} | 0: {'met' if req['server_errors'] == 0 else '**missed**'} |")
    out.append(
        f"| no answer; answers no operation expects | {req['no_answer']}; {req['unexpected']} | "
        f"0: {'met' if req['no_answer'] + req['unexpected'] == 0 else '**missed**'} |"
    )
    moves = sum(m["answered_200"] for m in r["moves"].values())
    recorded = sum(m["recorded"] for m in r["moves"].values())
    out.append(
        f"| writes accepted; refused as stale (412) | {wr['accepted']}; {wr['conflicts_412']} | |"
    )
    out.append(f"| lost updates (replaying the accepted writes) | {wr['lost_updates']} | 0: {'met' if wr['lost_updates'] == 0 else '**missed**'} |")
    out.append(
        f"| moves to `changing` answered 200; recorded | {moves}; {recorded} | equal: {'met' if moves == recorded else '**missed**'} |"
    )
    out.append(f"| completions recorded; refused (409) | {r['completions']['recorded']}; {r['completions']['refused_409']} | |")
    ok_mail = (
        mail["received"] == mail["expected_sent_rows"]
        and mail["duplicates"] == 0
        and not mail["outbox_by_status"].get("queued")
        and not mail["sent_but_not_received"]
        and not mail["received_but_not_sent"]
    )
    passes = ", ".join(f"{k} {v}" for k, v in sorted(r["worker_passes"].items()))
    out.append(
        f"| mails received by the SMTP sink; outbox rows `sent`; duplicate Message-IDs; left queued | "
        f"{mail['received']}; {mail['expected_sent_rows']}; {mail['duplicates']}; {mail['outbox_by_status'].get('queued', 0)} | "
        f"equal, 0, 0: {'met' if ok_mail else '**missed**'} |"
    )
    out.append(f"| worker passes run (both workers) | {passes} | |")
    logs = r["logs"]
    errors = sum(l["levels"].get("ERROR", 0) for l in logs.values())
    warnings = sum(l["levels"].get("WARN", 0) - l["problem_warnings_by_middleware"] for l in logs.values())
    problems = sum(l["problem_warnings_by_middleware"] for l in logs.values())
    out.append(
        f"| log lines at ERROR; at WARN; 4xx answers logged at WARN by tracing-actix-web | {errors}; {warnings}; {problems} | "
        f"ERROR 0: {'met' if errors == 0 else '**missed**'} |"
    )
    smoke = meta["mode"] == "smoke"
    for name, m in rss.items():
        flat = m["end_kib"] is not None and (m["growth_pct"] or 0) <= 10
        verdict = "reported only (smoke)" if smoke else ("met" if flat else "**missed**")
        out.append(
            f"| RSS {name}: after {r['warmup_s']} s warm-up → end of load (max) | "
            f"{mib(m['start_kib'])} → {mib(m['end_kib'])} MiB ({growth(m['growth_pct'])}; max {mib(m['max_kib'])}) | "
            f"≤ +10 %: {verdict} |"
        )
    out.append("")
    w = f"{req['window_s']:.0f} s"
    out.append(f"| operation | answers by status | p50 ms | p99 ms | p50 ms, first {w} → last {w} |")
    out.append("|---|---|---|---|---|")
    for kind, by_status in req["by_kind"].items():
        if kind.startswith(("setup:", "final:")):
            continue
        lat = req["latency_ms"].get(kind, {})
        out.append(
            f"| `{kind}` | {', '.join(f'{s}: {n}' for s, n in by_status.items())} | {lat.get('p50')} | {lat.get('p99')} | "
            f"{lat.get('first_p50')} → {lat.get('last_p50')} |"
        )
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--ports", required=True)
    p.add_argument("--duration", type=float, required=True)
    p.add_argument("--warmup", type=float, default=10)
    p.add_argument("--sample", type=float, default=5, help="seconds between RSS samples")
    p.add_argument("--bin", required=True, help="the systemejer binary (mints the tokens)")
    p.add_argument("--pids", default="", help="name=pid,... of the processes whose RSS is sampled")
    p.add_argument("--readers", type=int, default=4)
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--movers", type=int, default=2, help="pools of systems moved (two threads each)")
    p.add_argument("--pool", type=int, default=25, help="systems in each pool")
    p.add_argument("--completers", type=int, default=1)
    p.add_argument(
        "--no-reports",
        dest="reports",
        action="store_false",
        help="leave out the compliance report and the record of processing (to tell their memory apart)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--work", required=True)
    r.add_argument("--results", required=True)
    r.add_argument("--table", required=True)
    args = parser.parse_args()
    load(args) if args.command == "load" else report(args)


if __name__ == "__main__":
    main()
