#!/usr/bin/python3
"""Throughput of mod_cxxbalancer against stock mod_proxy_balancer + mod_proxy_http, or
(`--proto ajp`) + mod_proxy_ajp, or (`--proto https`) + mod_proxy_http and mod_ssl's
SSLProxyEngine (certificates checked on both sides against the test CA).

One apache2 (event MPM) serves both sides with the same settings, against the same
members, keep-alive to the members on both sides:
  /b/  stock:  <Proxy balancer://b>  + ProxyPass /b/ balancer://b/
  /c/  ours:   <CxxBalancer b>       + ProxyPass /c/ cxxbalancer://b/
HTTP/HTTPS: two nginx members. AJP: one Tomcat 10 (test/integration/tomcat.py, full JIT, an AJP
connector with a secret), warmed through both sides before measuring.
After a warm-up, `wrk --latency` runs against each side in turn, alternating, and the
req/s, p50 and p99 of each side and the ratio cxxbalancer/stock are printed.

Not part of ctest (timings on a shared CI machine prove little); `-d 2s` is a smoke run.
Every process it starts is stopped on exit, Ctrl-C included.
"""

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))
import env  # noqa: E402
import tomcat  # noqa: E402

# Every thread up from the start and none stopped for being spare: process churn closes
# client keep-alive connections, which wrk counts as read errors.
BENCH_MPM = ("StartServers 4\nServerLimit 4\nThreadsPerChild 16\nThreadLimit 16\n"
             "MinSpareThreads 16\nMaxSpareThreads 128\nMaxRequestWorkers 64")

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(out):
    """req/s, p50 and p99 in ms, non-2xx/3xx count, socket errors from wrk's output."""
    def latency(pct):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": latency(50), "p99": latency(99),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "sockerr": sum(int(x) for x in sock.groups()) if sock else 0,
        "sockdetail": sock.group(0) if sock else "",
    }


def wrk(url, threads, conns, duration, latency=True):
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}"]
    if latency:
        cmd.append("--latency")
    p = subprocess.run(cmd + [url], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"wrk failed: {p.stderr or p.stdout}")
    return parse_wrk(p.stdout), p.stdout


def main():
    ap = argparse.ArgumentParser(description="stock mod_proxy_balancer vs mod_cxxbalancer")
    ap.add_argument("-d", "--duration", default="10s", help="per wrk run (default 10s)")
    ap.add_argument("-t", "--threads", type=int, default=2)
    ap.add_argument("-c", "--connections", type=int, default=32)
    ap.add_argument("-r", "--rounds", type=int, default=2, help="alternations (default 2)")
    ap.add_argument("-w", "--warmup", default="2s")
    ap.add_argument("--proto", choices=("http", "https", "ajp"), default="http",
                    help="members: two nginx over HTTP (default) or HTTPS, or one Tomcat "
                         "over AJP")
    ap.add_argument("--path", help="member path requested (default /id; AJP: /static.txt)")
    ap.add_argument("--module", help="mod_cxxbalancer.so (default: $CXXB_MODULE or build/)")
    ap.add_argument("--stock-only", action="store_true",
                    help="measure only the stock side (checks the harness without the module)")
    ap.add_argument("--keep", action="store_true", help="keep the server roots")
    args = ap.parse_args()
    ajp = args.proto == "ajp"
    if args.path is None:
        args.path = "/static.txt" if ajp else "/id"

    if args.module:
        # Absolute: httpd resolves a relative LoadModule path against its ServerRoot.
        os.environ["CXXB_MODULE"] = str(Path(args.module).resolve())
    module = env.module_path()
    have_module = module.is_file() and not args.stock_only
    if not module.is_file() and not args.stock_only:
        print(f"ERROR: {module} not found (build it, pass --module, or use --stock-only)",
              file=sys.stderr)
        return 1

    # SIGTERM/SIGHUP end the run through the same cleanup as Ctrl-C.
    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    root = Path(tempfile.mkdtemp(prefix="cxxb-bench-"))
    root.chmod(0o755)
    static = root / "static"
    static.mkdir()
    started = []
    rc = 1
    try:
        if ajp:
            # --- AJP: stock mod_proxy_ajp and ours against the same warmed Tomcat ---------
            tc = tomcat.Tomcat(root / "tomcat", "jvm1", secret="bench-secret", quick=False,
                               max_threads=200)
            started.append(tc)
            tc.start()
            pairs = [(tc.ajp_url, "route=jvm1 secret=bench-secret")]
            extra = ["proxy_ajp"]
        else:
            tls = env.make_tls_files(root / "tls") if args.proto == "https" else None
            members = []
            for name in ("m1", "m2"):
                n = env.Nginx(root / f"nginx-{name}", name, static, workers=2,
                              tls=(tls["cert"], tls["key"]) if tls else None)
                started.append(n)
                members.append(n.start())
            # By name for HTTPS: mod_ssl checks DNS names only, not IP addresses.
            pairs = [(m.url.replace("127.0.0.1", "localhost") if tls else m.url, "")
                     for m in members]
            extra = ["ssl"] if tls else []
        httpd = env.Httpd(root / "httpd", mpm="event", cxxb=have_module, stock_balancer=True,
                          access_log=False, max_keepalive_requests=0, mpm_conf=BENCH_MPM,
                          extra_modules=extra)
        started.append(httpd)
        conf = [env.stock_balancer("b", pairs), "ProxyPass /b/ balancer://b/"]
        ours = pairs
        if args.proto == "https":  # the same checks on both sides: chain and name (IP)
            conf += ["SSLProxyEngine On", f"SSLProxyCACertificateFile {env.TEST_CA}",
                     "SSLProxyCheckPeerName On"]
            ours = [(url, f"sslca={env.TEST_CA}") for url, _ in pairs]
        if have_module:
            conf += [env.cxxb_balancer("b", ours), "ProxyPass /c/ cxxbalancer://b/"]
        if args.proto == "https":  # mod_ssl without SSLSessionCache (not needed to proxy)
            httpd.expect_log("AH01873")
        httpd.write_config("\n".join(conf) + "\n")
        httpd.start()

        sides = [("stock", httpd.url("/b" + args.path))]
        if have_module:
            sides.append(("cxxbalancer", httpd.url("/c" + args.path)))
        for name, url in sides:
            out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url],
                                 capture_output=True, text=True).stdout
            if out != "200":
                raise RuntimeError(f"{name}: {url} answers {out or 'nothing'}, not 200\n"
                                   f"{httpd.error_log_tail()}")
            wrk(url, args.threads, args.connections, args.warmup, latency=False)
        if ajp:  # let the JVM's JIT settle on both paths before anything is measured
            for _name, url in sides:
                wrk(url, args.threads, args.connections, args.warmup, latency=False)

        results = {name: [] for name, _ in sides}
        what = "1 Tomcat 10 over AJP" if ajp else f"2 nginx members over {args.proto.upper()}"
        print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration} --latency, "
              f"{args.rounds} rounds, event MPM, {what}, path {args.path}")
        print(f"{'round':>5} {'side':<12} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'non-2xx':>8} {'sock err':>8}")
        for rnd in range(1, args.rounds + 1):
            for name, url in sides:
                r, _ = wrk(url, args.threads, args.connections, args.duration)
                results[name].append(r)
                print(f"{rnd:>5} {name:<12} {r['rps']:>10.0f} {r['p50']:>8.2f} {r['p99']:>8.2f} "
                      f"{r['non2xx']:>8} {r['sockerr']:>8}", flush=True)
                if r["sockerr"]:
                    print(f"      ({r['sockdetail']})", flush=True)

        print()
        means = {}
        for name, rs in results.items():
            means[name] = {k: statistics.mean(r[k] for r in rs) for k in ("rps", "p50", "p99")}
            m = means[name]
            print(f"{name:<12} mean {m['rps']:>10.0f} req/s  p50 {m['p50']:.2f} ms  "
                  f"p99 {m['p99']:.2f} ms")
        if have_module:
            s, c = means["stock"], means["cxxbalancer"]
            print(f"ratio cxxbalancer/stock ({args.proto}): req/s {c['rps'] / s['rps']:.3f}  "
                  f"p50 {c['p50'] / s['p50']:.3f}  p99 {c['p99'] / s['p99']:.3f}")
        errors = sum(r["non2xx"] + r["sockerr"] for rs in results.values() for r in rs)
        if errors:
            print(f"WARNING: {errors} failed requests (non-2xx or socket errors)")
        bad = httpd.unexpected_log_lines()
        if bad:
            print("WARNING: error_log:\n" + "\n".join(bad[:20]))
        rc = 0 if not errors and not bad else 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        rc = 130
    except Exception as e:  # report, then clean up
        print(f"ERROR: {e}", file=sys.stderr)
        rc = 1
    finally:
        for p in reversed(started):
            try:
                p.stop()
            except Exception as e:
                print(f"cleanup: {e}", file=sys.stderr)
        if args.keep or rc not in (0, 130):
            print(f"server roots kept in {root}", file=sys.stderr)
        else:
            env.rm_tree(root)
    return rc


if __name__ == "__main__":
    sys.exit(main())
