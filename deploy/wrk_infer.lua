-- wrk script for deploy/replica_kill_test.sh: POSTs a valid KServe v2 infer request for the `mlp`
-- test model (input_0 FP32 [1,784]) and counts every response that is not a 200 carrying
-- output_0. wrk's own summary counts socket errors (connect/read/write/timeout) and
-- "Non-2xx or 3xx responses"; done() prints one machine-readable WRK_RESULT line with both.
--   wrk -t 2 -c 8 -d 20s --latency -s deploy/wrk_infer.lua http://127.0.0.1:PORT/v2/models/mlp/infer

local N = 784
local values = {}
for i = 0, N - 1 do
  values[#values + 1] = string.format("%.4f", ((i * 37) % 101) / 101)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"inputs":[{"name":"input_0","datatype":"FP32","shape":[1,' .. N ..
           '],"data":[' .. table.concat(values, ",") .. ']}]}'

-- setup() runs in the main Lua state once per thread; each thread then has its own Lua state,
-- whose globals done() reads back with thread:get().
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

-- Per-thread counters (globals of the thread's state).
ok_count = 0
bad_status = 0    -- responses whose status is not 200
bad_body = 0      -- 200s without "output_0" in the body
statuses = ""     -- "429=12 502=1": the count of each non-200 status (thread:get copies strings)
local counts = {}
first_bad = ""    -- the first non-200 response: status and the start of its body

function response(status, headers, body)
  if status ~= 200 then
    bad_status = bad_status + 1
    counts[status] = (counts[status] or 0) + 1
    local parts = {}
    for s, n in pairs(counts) do parts[#parts + 1] = s .. "=" .. n end
    statuses = table.concat(parts, " ")
    if first_bad == "" then
      first_bad = status .. " " .. string.sub(body or "", 1, 200)
    end
  elseif body == nil or not string.find(body, '"output_0"', 1, true) then
    bad_body = bad_body + 1
    if first_bad == "" then first_bad = "200 without output_0: " .. string.sub(body or "", 1, 200) end
  else
    ok_count = ok_count + 1
  end
end

function done(summary, latency, requests)
  local ok, non200, badbody, by_status, first = 0, 0, 0, {}, ""
  for _, t in ipairs(threads) do
    ok = ok + t:get("ok_count")
    non200 = non200 + t:get("bad_status")
    badbody = badbody + t:get("bad_body")
    for s, n in string.gmatch(t:get("statuses"), "(%d+)=(%d+)") do
      by_status[s] = (by_status[s] or 0) + tonumber(n)
    end
    if first == "" then first = t:get("first_bad") end
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  local ms = function(p) return latency:percentile(p) / 1000 end
  io.write(string.format(
    "WRK_RESULT requests=%d ok=%d seconds=%.2f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f " ..
    "max_ms=%.2f connect=%d read=%d write=%d timeout=%d status=%d non200=%d badbody=%d\n",
    summary.requests, ok, secs, summary.requests / secs, ms(50), ms(90), ms(99),
    latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status, non200, badbody))
  if non200 > 0 then
    local parts = {}
    for s, n in pairs(by_status) do parts[#parts + 1] = s .. "x" .. n end
    table.sort(parts)
    io.write("WRK_NON200 " .. table.concat(parts, " ") .. "\n")
  end
  if first ~= "" then
    io.write("WRK_FIRST_BAD " .. string.gsub(first, "\n", " ") .. "\n")
  end
end
