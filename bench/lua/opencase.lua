-- opencase scenarios for wrk. Arguments (after `--`):
--   MODE API_KEY APP_KEY [mode arguments]
-- MODE:
--   post_case PROJECT_ID            POST /api/v2/cases, a new case per request
--   get_ids IDS_FILE                GET /api/v2/cases/{id}, rotating over the ids in the file
--   put_insights IDS_FILE N PREFIX  PUT /api/v2/cases/{id}/insights with N insights whose
--                                   resource_ids are new on every request (PREFIX-counter-j),
--                                   so every request is an effective change; requests rotate
--                                   over the cases in the file
--   get PATH                        GET of a fixed path
-- wrk itself counts non-2xx/3xx responses and socket errors; bench/run.py fails on any.

local mode, ids, n, prefix, path, body
local counter = 0
local headers = {}

local function read_ids(file)
  local out = {}
  for line in io.lines(file) do
    if #line > 0 then out[#out + 1] = line end
  end
  assert(#out > 0, "no ids in " .. file)
  return out
end

function init(args)
  mode = args[1]
  headers["DD-API-KEY"] = args[2]
  headers["DD-APPLICATION-KEY"] = args[3]
  headers["Accept"] = "application/json"
  headers["Content-Type"] = "application/json"
  if mode == "post_case" then
    body = '{"data":{"type":"case","attributes":{"title":"Benchmark case",'
      .. '"type_id":"00000000-0000-0000-0000-000000000001","priority":"P2",'
      .. '"description":"created by bench/run.py"},'
      .. '"relationships":{"project":{"data":{"type":"project","id":"' .. args[4] .. '"}}}}}'
  elseif mode == "get_ids" then
    ids = read_ids(args[4])
  elseif mode == "put_insights" then
    ids = read_ids(args[4])
    n = tonumber(args[5])
    prefix = args[6]
  elseif mode == "get" then
    path = args[4]
  else
    error("unknown mode " .. tostring(mode))
  end
end

function request()
  if mode == "post_case" then
    return wrk.format("POST", "/api/v2/cases", headers, body)
  elseif mode == "get_ids" then
    counter = counter + 1
    return wrk.format("GET", "/api/v2/cases/" .. ids[(counter % #ids) + 1], headers, nil)
  elseif mode == "put_insights" then
    counter = counter + 1
    local parts = {}
    for j = 1, n do
      parts[j] = string.format(
        '{"type":"MONITOR","ref":"/monitors/%d?from=bench","resource_id":"%s-%d-%d"}',
        counter, prefix, counter, j)
    end
    local b = '{"data":{"type":"case","attributes":{"insights":['
      .. table.concat(parts, ",") .. ']}}}'
    local id = ids[(counter % #ids) + 1]
    return wrk.format("PUT", "/api/v2/cases/" .. id .. "/insights", headers, b)
  else
    return wrk.format("GET", path, headers, nil)
  end
end
