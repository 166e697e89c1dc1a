-- Traccar Client 9, JSON body: POST /api/positions/osmand/<secret>, the device id in the body.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done
if c.paced() then delay = c.delay end
local headers = { ["Content-Type"] = "application/json" }

function request()
  local d, ts, lat, lon = c.next_fix()
  local body = string.format(
    '{"location":{"timestamp":"%s","coords":{"latitude":%.6f,"longitude":%.6f,' ..
    '"accuracy":5,"speed":13.9,"heading":-1,"altitude":110},"is_moving":true,' ..
    '"battery":{"level":0.87,"is_charging":false}},"device_id":"d%d"}',
    os.date("!%Y-%m-%dT%H:%M:%S.000Z", ts), lat, lon, d)
  return wrk.format("POST", "/api/positions/osmand/bench-secret-" .. d, headers, body)
end
