#!/usr/bin/env python3
"""Passerelles benchmark: seeds demo data, starts the release server on
127.0.0.1, measures, prints a Markdown table per backend and scale, and stops
by itself. Benchmarks print; they never fail CI.

  bench/run.py [--scales 1] [--backends sqlite,postgres] [--seconds 5] [--out BENCHMARKS-run.md] [--keep DIR] [--only territory,map]

Needs: target/release/passerelles and target/release/loadgen
(`cargo build --release --bins`), python3; psql for PostgreSQL.
Per page (home, community, publication, API listing):
  requests/s and latency p50/p99 at 1 and 50 connections; server CPU ms per
  request, alone and with the database engine's (PostgreSQL's backends for
  the bench database, read from /proc; SQLite runs inside the server); bytes raw and gzip; DOM elements; requests the page makes (and how
  many to third parties); SQL statements per page. The pages of
  MEMBER_PAGES are measured again for a signed-in ordinary member.
Per run: RSS idle and peak, seed time, publications written per second
(8 clients POSTing to /api/v1/publications).
"""
import argparse, gzip, html.parser, http.client, json, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release/passerelles")
LOADGEN = os.path.join(TARGET, "release/loadgen")

class Weigher(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.elements = 0; self.requests = []
    def handle_starttag(self, tag, attrs):
        self.elements += 1
        a = dict(attrs)
        if tag in ("img", "script", "iframe", "video", "audio", "source") and a.get("src"):
            self.requests.append(a["src"])
        if tag == "link" and a.get("href") and (a.get("rel") or "") in ("stylesheet", "icon", "preload", "manifest"):
            self.requests.append(a["href"])

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse(); body = r.read(); c.close()
    return r.status, dict(r.getheaders()), body

def sql_total(port, name="passerelles_sql_statements_total"):
    _, _, body = get(port, "/metrics")
    m = re.search(rb"^" + name.encode() + rb" (\d+)", body, re.M)
    return int(m.group(1)) if m else 0

def pick_paths(backend, db_url, data_dir):
    q_comm = "SELECT slug FROM communities WHERE visibility = 'open' AND status = 'active' ORDER BY member_count DESC LIMIT 1"
    q_pub = ("SELECT p.id FROM publications p JOIN publication_communities pc ON pc.publication_id = p.id "
             "JOIN communities c ON c.id = pc.community_id WHERE c.visibility = 'open' AND p.status = 'visible' "
             "ORDER BY p.reply_count DESC LIMIT 1")
    # The library (issue 19): the open community with the most resources, and
    # the lexicon term linked to tags (seed-demo links its concepts' labels).
    q_lib = ("SELECT c.slug FROM communities c JOIN resource_communities rc ON rc.community_id = c.id "
             "WHERE c.visibility = 'open' AND c.status = 'active' GROUP BY c.slug ORDER BY COUNT(*) DESC, c.slug LIMIT 1")
    q_term = ("SELECT t.slug FROM lexicon_terms t WHERE t.status = 'accepted' "
              "AND EXISTS (SELECT 1 FROM lexicon_term_tags k WHERE k.term_id = t.id) ORDER BY t.id LIMIT 1")
    # The open community holding the most events (seed-demo spreads ~1,500
    # at scale 1, a quarter recurring): its agenda, month grid and feed.
    q_ev = ("SELECT c.slug FROM communities c JOIN event_communities ec ON ec.community_id = c.id "
            "WHERE c.visibility = 'open' AND c.status = 'active' GROUP BY c.id, c.slug "
            "ORDER BY COUNT(*) DESC, c.id LIMIT 1")
    if backend == "sqlite":
        con = sqlite3.connect(os.path.join(data_dir, "bench.db"))
        one = lambda q: (con.execute(q).fetchone() or [""])[0]
        slug = one(q_comm); pid = one(q_pub); lib = one(q_lib); term = one(q_term)
        ev_slug = one(q_ev) or slug; con.close()
    else:
        run = lambda q: subprocess.run(["psql", db_url, "-Atc", q], capture_output=True, text=True, check=True).stdout.strip()
        slug = run(q_comm); pid = run(q_pub); lib = run(q_lib); term = run(q_term); ev_slug = run(q_ev) or slug
    return [("home", "/"), ("community", f"/c/{slug}"), ("publication", f"/p/{pid}"),
            ("API communities", "/api/v1/communities"), ("tag page", "/tags/financement"),
            ("search", "/search?q=financement+b%C3%A9n%C3%A9voles"),
            # Territories (seed-demo's demo layer): a region, a city, the province map.
            ("territory region", "/t/montreal"), ("territory city", "/t/montreal-66023"),
            ("map", "/map"),
            ("library", "/library"), ("community library", f"/c/{lib}/library"),
            ("lexicon term", f"/lexicon/{term}"),
            # Events (issue 15): the busiest open community's agenda, month
            # grid and iCalendar feed (every occurrence of its series).
            ("events agenda", f"/events?community={ev_slug}"),
            ("events month", f"/events/month?community={ev_slug}"),
            ("events feed", f"/c/{ev_slug}/events.ics"),
            # The instance's feed: its 300 series (the feed's cap), a quarter
            # recurring, well over 500 occurrences.
            ("events feed instance", "/events.ics")]

# Pages measured a second time for a signed-in member (a session row written
# here for an ordinary member of an open community: the common case).
MEMBER_PAGES = ("home", "community", "territory region", "territory city", "map", "library", "events month")

def member_cookie(backend, db_url, data_dir):
    """A session cookie for an ordinary active member (not an administrator)
    who belongs to at least one community."""
    uid = sql_exec(backend, db_url, data_dir,
                   "SELECT u.id FROM users u WHERE u.status = 'active' AND u.is_admin = 0 AND EXISTS "
                   "(SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.state = 'active') ORDER BY u.id LIMIT 1")
    token = __import__("secrets").token_urlsafe(32)
    digest = __import__("hashlib").sha256(token.encode()).hexdigest()
    t = int(time.time())
    sql_exec(backend, db_url, data_dir,
             "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen_at, expires_at) "
             f"VALUES ('{digest}', {uid}, 'bench', {t}, {t}, {t + 30 * 86400})")
    return f"psid={token}"

def all_paths(backend, db_url, data_dir):
    """(name, path, headers): every page anonymously, then MEMBER_PAGES as a member."""
    paths = pick_paths(backend, db_url, data_dir)
    out = [(n, p, {}) for n, p in paths]
    cookie = member_cookie(backend, db_url, data_dir)
    out += [(n + " (member)", p, {"Cookie": cookie}) for n, p in paths if n in MEMBER_PAGES]
    return out

def sql_exec(backend, db_url, data_dir, q):
    """Run one statement on the bench database (setting up the writer)."""
    if backend == "sqlite":
        con = sqlite3.connect(os.path.join(data_dir, "bench.db"))
        rows = con.execute(q).fetchall(); con.commit(); con.close()
        return rows[0][0] if rows else None
    out = subprocess.run(["psql", db_url, "-Atc", q], capture_output=True, text=True, check=True).stdout.strip()
    return out.splitlines()[0] if out else None

def measure_writes(backend, db_url, data_dir, port, seconds, conns=8):
    """Publications per second sustained: `conns` clients POST new
    publications through the JSON API (the whole path: auth, policy, Markdown,
    search index, notifications) for `seconds`. The writer is a demo
    community's owner with an API token written here; the server runs with
    the per-account write limit off."""
    slug = sql_exec(backend, db_url, data_dir,
                    "SELECT slug FROM communities WHERE visibility = 'open' AND status = 'active' ORDER BY id LIMIT 1")
    owner = sql_exec(backend, db_url, data_dir, f"SELECT created_by FROM communities WHERE slug = '{slug}'")
    # Same shape as a real secret: "pat_" + 43 URL-safe base64 characters.
    secret = "pat_" + __import__("base64").urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
    digest = __import__("hashlib").sha256(secret.encode()).hexdigest()
    sql_exec(backend, db_url, data_dir,
             "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) "
             f"VALUES ({owner}, 'bench', '{digest}', 'bench', {int(time.time())})")
    body = json.dumps({"kind": "discussion", "title": "Mesure d’écriture {n}",
                       "body": "Un compte rendu de **mesure** numéro {n}, avec un lien https://exemple.qc.ca/{n} et #financement.",
                       "communities": [slug]}, ensure_ascii=False)
    before = int(sql_exec(backend, db_url, data_dir, "SELECT COUNT(*) FROM publications"))
    out = subprocess.run([LOADGEN, "--url", f"http://127.0.0.1:{port}/api/v1/publications", "--connections", str(conns),
                          "--seconds", str(seconds), "--header", f"Authorization: Bearer {secret}", "--body", body],
                         capture_output=True, text=True)
    res = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {}
    after = int(sql_exec(backend, db_url, data_dir, "SELECT COUNT(*) FROM publications"))
    res["stored"] = after - before
    res["conns"] = conns
    return res

def start_server(data_dir, db_url, port, count_sql):
    env = dict(os.environ, PASSERELLES_LOG="warn", PASSERELLES_COUNT_SQL="1" if count_sql else "0",
               PASSERELLES_LIMIT_PUBLICATIONS="0")
    proc = subprocess.Popen([BIN, "--data-dir", data_dir, "--database-url", db_url, "serve", "--bind", f"127.0.0.1:{port}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if get(port, "/healthz")[0] == 200: return proc
        except OSError:
            time.sleep(0.05)
    stop(proc)
    sys.exit("server did not start")

def wait_idle(proc, limit_s=1800):
    """Wait until the server's own background work (the minute and hourly
    jobs catching up after a seed) stops using CPU, so it is not counted in
    the pages' CPU: under 3 % of a core over two seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        c0 = cpu_ticks(proc.pid); time.sleep(2); c1 = cpu_ticks(proc.pid)
        if (c1 - c0) / os.sysconf("SC_CLK_TCK") / 2 < 0.03:
            return time.monotonic() - t0
    return time.monotonic() - t0

def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try: proc.wait(15)
    except subprocess.TimeoutExpired: proc.kill()

def loadgen(port, path, conns, seconds, headers=None):
    extra = [a for k, v in (headers or {}).items() for a in ("--header", f"{k}: {v}")]
    out = subprocess.run([LOADGEN, "--url", f"http://127.0.0.1:{port}{path}", "--connections", str(conns),
                          "--seconds", str(seconds)] + extra, capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else {}

def pg_backend_ticks(pg_url, pg_name):
    """CPU ticks of the PostgreSQL backends serving the bench database (the
    server's pooled connections), read from /proc: the engine's share of a
    request, which the app's own CPU leaves out."""
    if not pg_name:
        return 0
    pids = subprocess.run(["psql", pg_url, "-Atc", f"SELECT pid FROM pg_stat_activity WHERE datname = '{pg_name}'"],
                          capture_output=True, text=True).stdout.split()
    total = 0
    for pid in pids:
        try:
            total += cpu_ticks(int(pid))
        except (OSError, ValueError):
            pass
    return total

def run_one(backend, scale, pg_url, seconds, keep=None, only=None):
    """`keep`: a folder (SQLite) or database name (PostgreSQL) kept after the
    run and reused, already seeded, by the next run with the same `keep`
    (scale 100 takes a while to seed)."""
    tmp = tempfile.mkdtemp(prefix="pbench-")
    pg_name = None
    reuse = False
    if backend == "sqlite":
        if keep:
            tmp = os.path.abspath(os.path.join(keep, f"sqlite-{scale}"))
            os.makedirs(tmp, exist_ok=True)
            reuse = os.path.exists(os.path.join(tmp, "bench.db"))
        db_url = f"sqlite://{tmp}/bench.db?mode=rwc"
    else:
        pg_name = f"pbench_{os.getpid()}_{scale}" if not keep else f"pbench_keep_{scale}"
        exists = subprocess.run(["psql", pg_url, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{pg_name}'"],
                                capture_output=True, text=True).stdout.strip() == "1"
        reuse = bool(keep) and exists
        if not reuse:
            subprocess.run(["psql", pg_url, "-qc", f"DROP DATABASE IF EXISTS {pg_name}"], check=True)
            subprocess.run(["psql", pg_url, "-qc", f"CREATE DATABASE {pg_name}"], check=True)
        db_url = pg_url.rsplit("/", 1)[0] + "/" + pg_name
    proc = None
    try:
        t = time.monotonic()
        if not reuse:
            subprocess.run([BIN, "--data-dir", tmp, "--database-url", db_url, "admin", "seed-demo", "--scale", str(scale)],
                           check=True, capture_output=True)
        seed_s = time.monotonic() - t if not reuse else float("nan")
        # SQL statements per page come from a second server with statement
        # counting on (sqlx's statement log costs CPU, so the timed server
        # runs without it).
        sql_counts = {}
        paths = all_paths(backend, db_url, tmp)
        cport = free_port()
        counter = start_server(tmp, db_url, cport, count_sql=True)
        waited = wait_idle(counter)
        if waited > 5:
            print(f"(waited {waited:.0f} s for the server's background work to finish)", file=sys.stderr)
        try:
            for name, path, hdrs in paths:
                if only and not any(o in name for o in only):
                    continue
                get(cport, path, hdrs)  # warm caches
                s0 = sql_total(cport)
                for _ in range(20): get(cport, path, hdrs)
                sql_counts[name] = (sql_total(cport) - s0) / 20
        finally:
            stop(counter)
        port = free_port()
        proc = start_server(tmp, db_url, port, count_sql=False)
        wait_idle(proc)
        rss_idle = proc_status(proc.pid, "VmRSS")
        rows = []
        for name, path, hdrs in paths:
            if only and not any(o in name for o in only):
                continue
            status, _, body = get(port, path, hdrs)
            if status != 200:
                rows.append(dict(name=name, path=path, status=status)); continue
            _, hz, gz = get(port, path, dict(hdrs, **{"Accept-Encoding": "gzip"}))
            w = Weigher(); w.feed(body.decode("utf-8", "replace")) if b"<html" in body[:200] else None
            third = [r for r in w.requests if r.startswith("http") or r.startswith("//")]
            sql_per = sql_counts.get(name, float("nan"))
            c0, d0 = cpu_ticks(proc.pid), pg_backend_ticks(pg_url, pg_name)
            one = loadgen(port, path, 1, seconds, hdrs)
            c1, d1 = cpu_ticks(proc.pid), pg_backend_ticks(pg_url, pg_name)
            per = 1000 / os.sysconf("SC_CLK_TCK") / max(one.get("requests", 1), 1)
            cpu_ms = (c1 - c0) * per
            # The engine's CPU: PostgreSQL's backends; SQLite runs inside the app.
            db_ms = (d1 - d0) * per
            fifty = loadgen(port, path, 50, seconds, hdrs)
            rows.append(dict(name=name, path=path, status=200, raw=len(body), gz=len(gz) if hz.get("content-encoding") == "gzip" else len(body),
                             dom=w.elements, reqs=len(w.requests), third=len(third), sql=sql_per, cpu=cpu_ms, db=db_ms, one=one, fifty=fifty))
        rss_peak = proc_status(proc.pid, "VmHWM")
        # The slow-statement log (over 50 ms) of the reads above, before the
        # write test adds its own load.
        slow = sql_total(port, "passerelles_sql_slow_statements_total")
        writes = measure_writes(backend, db_url, tmp, port, max(seconds * 2, 5)) if not only else {}
        return dict(backend=backend, scale=scale, seed_s=seed_s, rss_idle=rss_idle, rss_peak=rss_peak, rows=rows,
                    writes=writes, slow=slow)
    finally:
        if proc:
            stop(proc)
        if pg_name and not keep:
            subprocess.run(["psql", pg_url, "-qc", f"DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)"], capture_output=True)
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)

def table(res):
    out = [f"### {res['backend']}, scale {res['scale']}",
           (f"Seed {res['seed_s']:.1f} s · " if res['seed_s'] == res['seed_s'] else "Seeded earlier (--keep) · ") + f"RSS idle {res['rss_idle']:.1f} MiB · RSS peak {res['rss_peak']:.1f} MiB · "
           f"slow statements (over 50 ms) during the reads: {res.get('slow', 0)}", "",
           "| page | req/s ×1 | p50 ×1 | p99 ×1 | req/s ×50 | p50 ×50 | p99 ×50 | CPU ms/req (app) | app + database | bytes | gzip | DOM | requests (3rd-party) | SQL/page |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in res["rows"]:
        if r["status"] != 200:
            out.append(f"| {r['name']} (`{r['path']}`) | status {r['status']} | | | | | | | | | | | | |"); continue
        o, f = r["one"], r["fifty"]
        out.append(f"| {r['name']} | {o.get('rps',0):.0f} | {o.get('p50',0):.2f} | {o.get('p99',0):.2f} | {f.get('rps',0):.0f} | "
                   f"{f.get('p50',0):.2f} | {f.get('p99',0):.2f} | {r['cpu']:.3f} | {r['cpu'] + r['db']:.3f} | {r['raw']} | {r['gz']} | {r['dom']} | "
                   f"{r['reqs']} ({r['third']}) | {r['sql']:.1f} |")
    w = res.get("writes") or {}
    if w:
        out += ["", f"Writes: {w.get('rps', 0):.0f} publications/s sustained over the API with {w.get('conns', 0)} clients "
                    f"(p50 {w.get('p50', 0):.1f} ms, p99 {w.get('p99', 0):.1f} ms; {w.get('requests', 0)} acknowledged, "
                    f"{w.get('stored', 0)} stored, {w.get('errors', 0)} errors)."]
    return "\n".join(out)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="1")
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--pg-url", default=os.environ.get("PASSERELLES_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    ap.add_argument("--out")
    ap.add_argument("--keep", help="keep seeded databases (SQLite under this folder, PostgreSQL as pbench_keep_<scale>) and reuse them")
    ap.add_argument("--only", help="comma-separated words: measure only the pages whose name holds one (e.g. territory,map); skips the write test")
    a = ap.parse_args()
    for b in (BIN, LOADGEN):
        if not os.path.exists(b):
            sys.exit(f"{b} missing: run cargo build --release --bins")
    parts = []
    for scale in [int(s) for s in a.scales.split(",")]:
        for backend in a.backends.split(","):
            if backend == "postgres" and not shutil.which("psql"):
                print("skipping postgres: psql not found"); continue
            res = run_one(backend, scale, a.pg_url, a.seconds, a.keep, a.only.split(",") if a.only else None)
            t = table(res); print(t + "\n"); parts.append(t)
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n\n".join(parts) + "\n")

if __name__ == "__main__":
    main()
