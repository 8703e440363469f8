-- wrk script: optional varied JSON bodies (from bodies.lua), optional pacing to a target
-- rate, and a one-line summary with p50/p99/p99.9 that load.sh parses.
local bodies_file = os.getenv("WRK_BODIES")
local rate = tonumber(os.getenv("WRK_RATE") or "0")
local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "1")
local counter = 0

if bodies_file and bodies_file ~= "" then
  dofile(bodies_file)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

request = function()
  if bodies then
    counter = counter + 1
    return wrk.format(nil, nil, nil, bodies[(counter % #bodies) + 1])
  end
  return wrk.format()
end

-- Pace each connection so all together send about WRK_RATE requests per second.
delay = function()
  if rate > 0 then
    return 1000 * connections / rate
  end
  return 0
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d non2xx=%d requests=%d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.requests))
end
