-- ---- message units ----------------------------------------------------------------
-- Message units: 1 for email; for SMS the segments of the body. GSM-7 when
-- the body is plain ASCII (the extension characters count twice), else
-- UCS-2 in UTF-16 units. Non-ASCII GSM-7 letters (é, ü, …) are counted as
-- UCS-2: never fewer segments than the carrier bills.
local GSM_EXTENDED = {['^'] = true, ['{'] = true, ['}'] = true, ['\\'] = true,
                      ['['] = true, ['~'] = true, [']'] = true, ['|'] = true}

local function sms_segments(body)
  if type(body) ~= 'string' or body == '' then return 1 end
  local septets, ascii = 0, true
  for c in body:gmatch('.') do
    local b = c:byte()
    if b >= 128 or b == 96 then
      ascii = false
      break
    end
    septets = septets + (GSM_EXTENDED[c] and 2 or 1)
  end
  if ascii then return septets <= 160 and 1 or math.ceil(septets / 153) end
  local units = 0
  for c in body:gmatch('[%z\1-\127\194-\244][\128-\191]*') do
    units = units + (c:byte() >= 240 and 2 or 1)
  end
  return units <= 70 and 1 or math.ceil(units / 67)
end

local function message_units(ctx)
  if ctx.units then return ctx.units end
  ctx.units = 1
  if ctx.ch == 'sms' and not ctx.decoded(ctx) then ctx.units = sms_segments(ctx.msg.body) end
  return ctx.units
end
