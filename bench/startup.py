#!/usr/bin/env python3
"""Foundation measurements, loopback only, stops by itself.

For each backend (SQLite, and PostgreSQL when reachable) it starts the
release binary on a fresh database and prints:
  - time from process start to the first served /healthz,
  - idle resident memory (RSS) after start and after the measured load,
  - server CPU time per home-page request (utime+stime from /proc over N
    sequential keep-alive requests), and the page size.

Usage: bench/startup.py [--bin target/release/passerelles] [--requests 2000]
       [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse, http.client, os, shutil, signal, socket, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

def pg_reachable(url):
    hostport = url.split("@")[-1].split("/")[0]
    host, _, port = hostport.partition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port or 5432)), timeout=2).close()
        return True
    except OSError:
        return False

def run(binary, backend, db_url, data_dir, n):
    port = free_port()
    env = dict(os.environ, PASSERELLES_LOG="warn")
    t0 = time.monotonic()
    proc = subprocess.Popen([binary, "--data-dir", data_dir, "--database-url", db_url, "serve",
                             "--bind", f"127.0.0.1:{port}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        first = None
        while time.monotonic() - t0 < 30:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz"); r = c.getresponse(); r.read()
                if r.status == 200:
                    first = time.monotonic() - t0; break
            except OSError:
                time.sleep(0.005)
        if first is None:
            raise SystemExit(f"{backend}: server did not answer")
        time.sleep(1.0)
        idle = rss_kib(proc.pid)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/"); r = conn.getresponse(); body = r.read()
        size = len(body)
        ticks_per_s = os.sysconf("SC_CLK_TCK")
        c0 = cpu_ticks(proc.pid); w0 = time.monotonic()
        for _ in range(n):
            conn.request("GET", "/"); r = conn.getresponse(); r.read()
        wall = time.monotonic() - w0
        c1 = cpu_ticks(proc.pid)
        cpu_ms = (c1 - c0) * 1000 / ticks_per_s / n
        after = rss_kib(proc.pid)
        return dict(backend=backend, first_ms=first * 1000, idle_mib=idle / 1024, after_mib=after / 1024,
                    cpu_ms=cpu_ms, wall_ms=wall * 1000 / n, size=size)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/passerelles")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--pg-url", default=os.environ.get("PASSERELLES_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"))
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        raise SystemExit(f"{a.bin} not found: build it with cargo build --release")
    rows = []
    tmp = tempfile.mkdtemp(prefix="pbench-")
    try:
        rows.append(run(a.bin, "SQLite", f"sqlite://{tmp}/bench.db?mode=rwc", tmp, a.requests))
        if pg_reachable(a.pg_url) and shutil.which("psql"):
            name = f"pbench_{os.getpid()}"
            subprocess.run(["psql", a.pg_url, "-qc", f"CREATE DATABASE {name}"], check=True)
            try:
                rows.append(run(a.bin, "PostgreSQL", a.pg_url.rsplit("/", 1)[0] + "/" + name, tmp, a.requests))
            finally:
                subprocess.run(["psql", a.pg_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'backend':<11} {'start→first req':>16} {'RSS idle':>9} {'RSS after':>10} {'CPU/home':>9} {'wall/home':>10} {'home bytes':>11}")
    for r in rows:
        print(f"{r['backend']:<11} {r['first_ms']:>13.0f} ms {r['idle_mib']:>6.1f} MiB {r['after_mib']:>7.1f} MiB "
              f"{r['cpu_ms']:>6.3f} ms {r['wall_ms']:>7.3f} ms {r['size']:>11}")
    print(f"({a.requests} sequential keep-alive requests to / per backend, anonymous visitor)")

if __name__ == "__main__":
    main()
