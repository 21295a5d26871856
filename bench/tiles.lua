-- wrk script of bench/tiles: each request asks for a random path of the file given after "--",
-- counts the answers by status (and cache hits), and prints the latency percentiles as JSON, with every
-- latency recorded (microseconds, with its count) so that several loads can be merged exactly.
local paths, threads = {}, {}
counts = {}  -- global: done() reads each thread's with thread:get()

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  math.randomseed(os.time() * 100 + id)
  counts = { ok = 0, empty = 0, bad = 0, hit = 0 }
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  if status == 200 then counts.ok = counts.ok + 1
  elseif status == 204 then counts.empty = counts.empty + 1
  else counts.bad = counts.bad + 1 end
  if (headers["x-tile-cache"] or headers["X-Tile-Cache"]) == "hit" then counts.hit = counts.hit + 1 end
end

function done(summary, latency, requests)
  local total = { ok = 0, empty = 0, bad = 0, hit = 0 }
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do total[k] = total[k] + v end
  end
  local histogram = {}
  for i = 1, #latency do
    local value, count = latency(i)
    table.insert(histogram, string.format("[%d,%d]", value, count))
  end
  io.write(string.format(
    '{"latency_us": [%s], "requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "ok": %d, "empty": %d, "bad": %d, "hits": %d, "errors": %d}\n',
    table.concat(histogram, ","), summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, total.ok, total.empty, total.bad, total.hit,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
