-- Traccar Client, OsmAnd protocol: GET /api/positions/osmand/<secret>?id=...&lat=...
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done
if c.paced() then delay = c.delay end

function request()
  local d, ts, lat, lon = c.next_fix()
  local path = string.format(
    "/api/positions/osmand/bench-secret-%d?id=d%d&timestamp=%d&lat=%.6f&lon=%.6f" ..
    "&speed=10.0&bearing=90.0&altitude=120.0&accuracy=8.0&batt=87.0", d, d, ts, lat, lon)
  return wrk.format("GET", path)
end
