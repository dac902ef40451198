-- wrk script: POST creates with a public key, each with a unique name.
-- Environment: KEYGEN_TOKEN, KEYGEN_PATH, KEYGEN_PUBKEY (empty: generate).
local token = os.getenv("KEYGEN_TOKEN")
local path = os.getenv("KEYGEN_PATH")
local pubkey = os.getenv("KEYGEN_PUBKEY") or ""
local threads = 0
local counter = 0
math.randomseed(os.time())
local run = math.random(1, 1000000000)

-- `prefix` is a global of each thread's own Lua state, set from the main
-- state, so names never collide across threads (or runs).
function setup(thread)
  threads = threads + 1
  thread:set("prefix", "r" .. run .. "t" .. threads)
end

function request()
  counter = counter + 1
  local body
  if pubkey == "" then
    body = string.format('{"name":"%s-%d"}', prefix, counter)
  else
    body = string.format('{"name":"%s-%d","publicKey":"%s"}', prefix, counter, pubkey)
  end
  return wrk.format("POST", path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  io.write(string.format("p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
