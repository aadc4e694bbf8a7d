-- SPDX-License-Identifier: GPL-3.0-or-later
-- wrk script for proxy-bench.sh: every request is a forward-proxy request with an
-- absolute URI (BENCH_URL) and the origin's Host; at the end one machine-readable
-- line, `WRK key=value ...`.
local url = os.getenv("BENCH_URL")
if url == nil then
   error("BENCH_URL is not set")
end
wrk.method = "GET"
wrk.path = url
wrk.headers["Host"] = url:match("^http://([^/]+)")

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "WRK requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
      "connect=%d read=%d write=%d timeout=%d status=%d\n",
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status))
end
