-- Shared by the per-protocol scripts: devices d0..d(N-1) with secret "bench-secret-<i>",
-- split between wrk threads so each device's timestamps rise; counts answers per status.
local M = {}
local threads = {}
local counter = 0

function M.setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function M.init(args)
  ndev = tonumber(os.getenv("BENCH_DEVICES") or "200")
  nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  t0 = tonumber(os.getenv("BENCH_T0") or "1700000000")
  ok, refused, other = 0, 0, 0
  per_thread = math.floor(ndev / nthreads)
  -- Paced mode, fixed pause: each connection waits this long before its next request, so the
  -- offered load is connections * 1000 / (delay_ms + answer time) requests/s.
  delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
  -- Paced mode, steady rate (BENCH_RATE requests/s over all threads): see M.delay().
  rate = tonumber(os.getenv("BENCH_RATE") or "0")
  interval_ms = rate > 0 and nthreads * 1000 / rate or 0
  next_slot = nil
end

-- A monotonic clock in milliseconds (wrk's Lua is LuaJIT: clock_gettime through the FFI).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local timespec = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

-- How long the connection that just got its answer (or just connected) waits before its next
-- request. With a fixed pause every connection starts at once and a batch of answers sends
-- its connections back together, so the server sees bursts of up to `connections` requests
-- (the first burst alone is 200 of ~6,000 requests: the p99). With a rate, each request
-- takes the next free slot of a schedule spaced 1/rate apart: evenly spaced arrivals at the
-- offered rate, whatever the server's answers look like (a slot never lies in the past, so a
-- late server is not caught up with a burst either).
function M.delay()
  if interval_ms == 0 then
    return delay_ms
  end
  local now = now_ms()
  if next_slot == nil or next_slot < now then
    next_slot = now
  end
  local wait = next_slot - now
  next_slot = next_slot + interval_ms
  return math.floor(wait + 0.5)
end

-- Whether a protocol script should install M.delay as wrk's delay().
function M.paced()
  return (tonumber(os.getenv("BENCH_DELAY_MS") or "0")) > 0
    or (tonumber(os.getenv("BENCH_RATE") or "0")) > 0
end

-- The next (device index, epoch seconds, lat, lon) of this thread.
function M.next_fix()
  local k = counter % per_thread
  local round = math.floor(counter / per_thread)
  counter = counter + 1
  local device = tid + nthreads * k
  local lat = 54.6 + (round % 1000) * 0.00001
  local lon = 25.2 + device * 0.001
  return device, t0 + round, lat, lon
end

function M.response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1
  elseif status == 401 then refused = refused + 1
  else other = other + 1 end
end

function M.done(summary, latency, requests)
  local accepted, refused_n, other_n = 0, 0, 0
  for _, t in ipairs(threads) do
    accepted = accepted + t:get("ok")
    refused_n = refused_n + t:get("refused")
    other_n = other_n + t:get("other")
  end
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "accepted": %d, "refused": %d, ' ..
    '"other": %d, "socket_errors": %d, "p50_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f}\n',
    summary.requests, summary.duration, accepted, refused_n, other_n,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
function M.base64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

return M
