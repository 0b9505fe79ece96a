"""Two builds of systemejer answer the same reads the same, on the same database.

Usage: python3 bench/same_answers.py OLD_BINARY NEW_BINARY DATABASE_URL   (SYSTEMEJER_JWT_SECRET and, on PostgreSQL, SYSTEMEJER_LINK_SECRET set)

Starts both on the database, then compares, byte for byte (a problem's request id aside), both
reports (JSON and CSV), lists, and for 400 of the systems: the system, its obligations, the
readiness of every move, its records, agreements, exit checklist, history and completions.
Exits 1 when any answer differs. Reads only: nothing is written.
"""
import json, os, random, subprocess, sys, time, urllib.error, urllib.request

old_bin, new_bin, db = sys.argv[1:4]
env = dict(os.environ, SYSTEMEJER_DATABASE_URL=db, SYSTEMEJER_LOG="warn", SYSTEMEJER_RATE_LIMIT_PER_SECOND="0",
           SYSTEMEJER_WORKER_SCHEDULE="", SYSTEMEJER_BREACH_SCHEDULE="")
token = subprocess.check_output([new_bin, "token", "--email", "bench@kommune.dk", "--role", "admin"], env=env).decode().strip()


def serve(binary, port):
    proc = subprocess.Popen([binary, "serve"], env=dict(env, SYSTEMEJER_LISTEN=f"127.0.0.1:{port}"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz")
            return proc
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{binary} did not start")


def get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        body = json.loads(e.read())
        body.pop("request_id", None)
        return e.code, json.dumps(body, sort_keys=True).encode()


servers = [serve(old_bin, 18401), serve(new_bin, 18402)]
try:
    ids, cursor = [], None
    while True:
        page = json.loads(get(18401, "/api/v1/systems?limit=500" + (f"&cursor={cursor}" if cursor else ""))[1])
        ids += [s["id"] for s in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    random.seed(1)
    paths = ["/api/v1/reports/compliance", "/api/v1/reports/processing-records",
             "/api/v1/reports/processing-records.csv", "/api/v1/incidents?limit=500",
             "/api/v1/people?limit=500", "/api/v1/systems?limit=500&lifecycle_state=in_use"]
    for sid in random.sample(ids, min(400, len(ids))):
        s = f"/api/v1/systems/{sid}"
        paths += [s] + [s + p for p in ["/obligations", "/exit-checklist", "/transitions", "/changes", "/risk-assessments",
                                         "/processing-agreements", "/dpias", "/procedures", "/retention-rules",
                                         "/obligations/backup_test/completions"]]
        paths += [s + f"/readiness?to={to}" for to in ["in_use", "changing", "decommissioning", "retired"]]
    differ = [p for p in paths if get(18401, p) != get(18402, p)]
    for p in differ[:5]:
        print("differs:", p)
    print(f"{db.split('://')[0]}: {len(paths)} reads compared, {len(differ)} differ")
    sys.exit(1 if differ else 0)
finally:
    for s in servers:
        s.terminate()
