-- wrk script: GET one key pair. Environment: KEYGEN_TOKEN.
local token = os.getenv("KEYGEN_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
