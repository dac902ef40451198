-- wrk script: GET one key pair. Environment: KEYGEN_TOKEN, KEYGEN_CLOSE.
local token = os.getenv("KEYGEN_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
-- KEYGEN_CLOSE=1: one request per connection (over HTTPS, a full TLS
-- handshake per request; wrk does not resume sessions).
if os.getenv("KEYGEN_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
