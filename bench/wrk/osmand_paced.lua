-- Traccar Client (OsmAnd) fixes at a steady pace, not at saturation: each connection waits
-- BENCH_DELAY_MS after an answer before its next request (the console benchmark's feed:
-- connections x 1000 / (delay + answer time) fixes per second).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup, response, done = c.setup, c.response, c.done
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "100")

function init(args)
  c.init(args)
end

function delay()
  return pause
end

function request()
  local d, ts, lat, lon = c.next_fix()
  local path = string.format(
    "/api/positions/osmand/bench-secret-%d?id=d%d&timestamp=%d&lat=%.6f&lon=%.6f" ..
    "&speed=1.0&bearing=0.0&accuracy=8.0", d, d, ts, lat, lon)
  return wrk.format("GET", path)
end
