-- wrk script for herald's HTTP API (issue 11): 2 KB transactional emails,
-- each one different (recipient, subject, invoice number, so neither the
-- dedupe window nor the loop breakers answer for them), sent with many
-- tenants' keys in turn.
--
--   wrk -t2 -c64 -d15s -s bench/api_wrk.lua http://127.0.0.1:8080 -- KEYS [MODE] [SIZE] [BYTES]
--
-- KEYS: a file with one tenant key a line (hk_...), used round-robin.
-- MODE: `single` (POST /v1/messages, the default) or `batch`
-- (POST /v1/messages/batch with SIZE messages a request, 100 by default).
-- BYTES: the JSON size of one message, 2048 by default.
--
-- At the end it prints one line `API_WRK {json}`: requests/s, admitted
-- messages/s (HTTP 202, or batch items with status 202), wrk's latency
-- percentiles (closed loop: they omit the requests a stalled connection
-- did not send; bench/api_load measures open loop), answers by status and
-- wrk's error counts.

local threads = {}
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

-- ---- per thread ----------------------------------------------------------------

local keys, bytes, nonce
mode, size = "single", 1 -- globals: done() reads them through thread:get
local sent, requests = 0, 0 -- messages, requests
statuses = {}
items = { accepted = 0, duplicate = 0, refused = 0 }

local filler = "Questions about this invoice? Reply to this email and our team will help. "

local function read_keys(path)
  local out = {}
  local f = assert(io.open(path, "r"), "api_wrk.lua: cannot open the keys file " .. tostring(path))
  for line in f:lines() do
    line = line:gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" and line:sub(1, 1) ~= "#" then table.insert(out, line) end
  end
  f:close()
  assert(#out > 0, "api_wrk.lua: no keys in " .. path)
  return out
end

function init(args)
  assert(args[1], "usage: wrk ... -s bench/api_wrk.lua URL -- KEYS [single|batch] [SIZE] [BYTES]")
  keys = read_keys(args[1])
  mode = args[2] or "single"
  assert(mode == "single" or mode == "batch", "api_wrk.lua: MODE is single or batch")
  size = tonumber(args[3] or "100")
  bytes = tonumber(args[4] or "2048")
  math.randomseed(os.time() * 1000 + tid)
  -- Unique to this run and thread: runs within one dedupe window differ.
  nonce = string.format("%08x%04x", math.random(0, 0x7fffffff), tid)
end

-- Filler of `room` bytes, made once per length: the load generator shares
-- the machine's two cores with the server and Redis, so its own work per
-- request is kept small.
local pads = {}
local function padding(room)
  if room <= 0 then return "" end
  local pad = pads[room]
  if not pad then
    pad = string.rep(filler, math.ceil(room / #filler)):sub(1, room)
    pads[room] = pad
  end
  return pad
end

-- One email of exactly `bytes` bytes of JSON (more when its fixed part is
-- already longer), unique by `id`.
local function email(id)
  local head = '{"channel":"email","from":"Acme Billing <billing@acme.example>",'
    .. '"to":["Customer ' .. id .. ' <customer-' .. id .. '@example.com>"],'
    .. '"reply_to":"support@acme.example",'
    .. '"subject":"Your invoice INV-' .. id .. ' is ready",'
    .. '"headers":{"X-Invoice":"INV-' .. id .. '"},'
    .. '"tags":["invoice","billing"],"metadata":{"invoice_id":"INV-' .. id .. '"},'
    .. '"html":"<p>Hello,</p><p>Your invoice <b>INV-' .. id .. '</b> for <b>EUR 49.00</b> is ready.</p>",'
    .. '"text":"Hello,\\n\\nYour invoice INV-' .. id .. ' for EUR 49.00 is ready.\\n\\n'
  local tail = '"}'
  local room = bytes - #head - #tail
  return head .. padding(room) .. tail
end

local function next_id()
  sent = sent + 1
  return nonce .. "-" .. sent
end

function request()
  -- Keys in turn per request (not per message: a batch of 100 would skip
  -- tenants whenever 100 and the number of keys share a factor).
  requests = requests + 1
  local key = keys[(tid + requests) % #keys + 1]
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
  }
  if mode == "single" then
    return wrk.format("POST", "/v1/messages", headers, email(next_id()))
  end
  local batch = {}
  for i = 1, size do
    batch[i] = email(next_id())
  end
  return wrk.format("POST", "/v1/messages/batch", headers,
                    '{"messages":[' .. table.concat(batch, ",") .. "]}")
end

local function count_items(body)
  local _, accepted = body:gsub('"status":%s*202', "")
  local _, duplicate = body:gsub('"status":%s*200', "")
  items.accepted = items.accepted + accepted
  items.duplicate = items.duplicate + duplicate
  items.refused = items.refused + size - accepted - duplicate
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if mode == "batch" and status == 200 then
    count_items(body)
  elseif mode == "batch" then
    items.refused = items.refused + size
  elseif mode == "single" then
    if status == 202 then
      items.accepted = items.accepted + 1
    elseif status == 200 then
      items.duplicate = items.duplicate + 1
    else
      items.refused = items.refused + 1
    end
  end
end

-- ---- the summary (main state) ------------------------------------------------

function done(summary, latency, requests)
  local by_status, total_items = {}, { accepted = 0, duplicate = 0, refused = 0 }
  local run_mode, run_size = "single", 1
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses") or {}) do
      by_status[code] = (by_status[code] or 0) + n
    end
    local its = t:get("items") or {}
    for k, _ in pairs(total_items) do
      total_items[k] = total_items[k] + (its[k] or 0)
    end
    run_mode = t:get("mode") or run_mode
    run_size = t:get("size") or run_size
  end
  local codes = {}
  for code, n in pairs(by_status) do
    table.insert(codes, string.format('"%d":%d', code, n))
  end
  table.sort(codes)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'API_WRK {"mode":"%s","batch_size":%d,"requests":%d,"duration_s":%.3f,'
      .. '"requests_per_s":%.1f,"messages_per_s":%.1f,'
      .. '"items":{"accepted":%d,"duplicate":%d,"refused":%d},'
      .. '"latency_ms":{"p50":%.3f,"p90":%.3f,"p99":%.3f,"p99.9":%.3f,"max":%.3f},'
      .. '"statuses":{%s},'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    run_mode, run_mode == "batch" and run_size or 1, summary.requests, secs,
    summary.requests / secs, total_items.accepted / secs,
    total_items.accepted, total_items.duplicate, total_items.refused,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000,
    table.concat(codes, ","),
    e.connect, e.read, e.write, e.status, e.timeout))
end
