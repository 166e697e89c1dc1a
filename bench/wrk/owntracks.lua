-- OwnTracks HTTP mode: POST /api/positions/owntracks, Basic auth device id : secret.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done
if c.paced() then delay = c.delay end
local auth = {}

function request()
  local d, ts, lat, lon = c.next_fix()
  if auth[d] == nil then
    auth[d] = "Basic " .. c.base64(string.format("d%d:bench-secret-%d", d, d))
  end
  local body = string.format(
    '{"_type":"location","tid":"A1","lat":%.6f,"lon":%.6f,"tst":%d,"acc":12,' ..
    '"alt":121,"vel":36,"cog":270,"batt":55,"bs":2,"t":"u","conn":"m"}', lat, lon, ts)
  return wrk.format("POST", "/api/positions/owntracks",
    { ["Content-Type"] = "application/json", ["Authorization"] = auth[d] }, body)
end
