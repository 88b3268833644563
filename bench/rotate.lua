-- wrk script: rotate over the paths in $BENCH_PATHS ("path" or "path<TAB>etag" per line;
-- an etag becomes If-None-Match), or hit wrk's own URL when it is empty; print one
-- machine-readable RESULT line (format of ../shared/bench/run_bench.sh's report.lua).
local requests = {}
local index = 0

init = function(args)
  local file = os.getenv("BENCH_PATHS")
  if file == nil or file == "" then return end
  for line in io.lines(file) do
    local path, etag = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = {}
      if etag ~= nil and etag ~= "" then headers["If-None-Match"] = etag end
      table.insert(requests, wrk.format("GET", path, headers))
    end
  end
  -- each thread starts at a different place in the list
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  if #requests > 0 then index = math.random(#requests) end
end

request = function()
  if #requests == 0 then return wrk.format() end
  index = index % #requests + 1
  return requests[index]
end

done = function(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format("RESULT\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f\t%.0f\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
