-- ---- guard: content-hash dedupe window -----------------------------------------
-- hd:{sN}:dd:<tenant>:<channel>:<hash> = "<first id>|<until ms>", PX the
-- window. A repeat inside the window is answered {"duplicate", first id}
-- and neither stored nor sent. Window: dedupe.window_ms.<channel>, else
-- dedupe.window_ms; 0 turns dedupe off. dedupe.fields names metadata keys
-- whose values also make messages differ (e.g. "order_id").

-- The channel's window (ms, and as strings for the record), once per
-- tenant, channel and call.
local function dedupe_window(ctx)
  local windows = tenant_table(ctx, 'dedupe_windows')
  local w = windows[ctx.ch]
  if not w then
    local ms = setting_number(ctx, 'dedupe.window_ms.' .. ctx.ch) or num(ctx, 'dedupe.window_ms')
    w = {ms = ms, px = tostring(ms), till = tostring(ctx.now + ms)}
    windows[ctx.ch] = w
  end
  return w
end

local function dedupe_key(ctx)
  local window = dedupe_window(ctx)
  if window.ms <= 0 then return nil end
  local hash = ctx.hash
  local fields = setting_text(ctx, 'dedupe.fields') or ''
  if fields ~= '' and not ctx.decoded(ctx) then
    local md = type(ctx.msg.metadata) == 'table' and ctx.msg.metadata or {}
    local extra = {}
    for name in fields:gmatch('[^,%s]+') do
      extra[#extra + 1] = name .. '=' .. tostring(md[name] or '')
    end
    hash = redis.sha1hex(hash .. '\n' .. table.concat(extra, '\n'))
  end
  return ctx.shard .. K.dedupe .. ctx.tenant .. ':' .. ctx.ch .. ':' .. hash, window
end

register_guard{
  name = 'dedupe',
  check = function(ctx)
    local key, window = dedupe_key(ctx)
    if not key then return nil end
    ctx.dedupe_key, ctx.dedupe_window = key, window
    local v = redis.call('GET', key)
    if not v then return nil end
    local id, till = v:match('^(.*)|(%d+)$')
    if id and tonumber(till) > ctx.now then return {'duplicate', id} end
    return nil
  end,
  record = function(ctx, answer)
    if answer[1] ~= 'ok' or not ctx.dedupe_key then return end
    local w = ctx.dedupe_window
    redis.call('SET', ctx.dedupe_key, answer[2] .. '|' .. w.till, 'PX', w.px)
  end,
}
