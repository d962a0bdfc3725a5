-- ---- message units ----------------------------------------------------------------
-- Message units: 1 for email; for SMS the segments of the body, counted
-- exactly as sms/segments.cpp counts them (both run tests/sms/segment_cases.tsv):
-- GSM-7 when every character is in the GSM 03.38 default alphabet or its
-- extension table (^{}\[~]|, € and form feed cost two septets), else
-- UCS-2 in UTF-16 units; 160 septets or 70 units in one part, 153 or 67
-- per concatenated part, and a part never splits an escape or a surrogate
-- pair. An invalid UTF-8 byte counts as one U+FFFD.

-- Septets per code point, 1 or 2 (nil: not GSM-7). Built on first use:
-- FUNCTION LOAD runs the library without Lua's standard functions.
local SMS_SEPTETS = {}

local function gsm_septets()
  local t = SMS_SEPTETS
  if t[64] then return t end
  t[10], t[13] = 1, 1
  for c = 32, 126 do t[c] = 1 end
  t[96] = nil  -- the backtick
  -- The default alphabet beyond ASCII: £ ¥ è é ù ì ò Ç Ø ø Å å, the
  -- Greek capitals Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ, Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à.
  for _, c in ipairs({0xA3, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0xD8, 0xF8, 0xC5, 0xE5,
                      0x394, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E,
                      0xC6, 0xE6, 0xDF, 0xC9, 0xA4, 0xA1, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF,
                      0xE4, 0xF6, 0xF1, 0xFC, 0xE0}) do
    t[c] = 1
  end
  -- The extension table: form feed ^ { } \ [ ~ ] | €.
  for _, c in ipairs({0x0C, 0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C, 0x20AC}) do
    t[c] = 2
  end
  return t
end

-- The code point at byte i and its length; an invalid or cut sequence is
-- U+FFFD for its first byte only (no overlongs, no encoded surrogates).
local function next_code_point(s, i)
  local b0 = s:byte(i)
  if b0 < 0x80 then return b0, 1 end
  local len, cp, lo, hi = 0, 0, 0x80, 0xBF
  if b0 >= 0xC2 and b0 <= 0xDF then
    len, cp = 2, b0 - 0xC0
  elseif b0 >= 0xE0 and b0 <= 0xEF then
    len, cp = 3, b0 - 0xE0
    if b0 == 0xE0 then lo = 0xA0 end
    if b0 == 0xED then hi = 0x9F end
  elseif b0 >= 0xF0 and b0 <= 0xF4 then
    len, cp = 4, b0 - 0xF0
    if b0 == 0xF0 then lo = 0x90 end
    if b0 == 0xF4 then hi = 0x8F end
  else
    return 0xFFFD, 1
  end
  if i + len - 1 > #s then return 0xFFFD, 1 end
  local b1 = s:byte(i + 1)
  if b1 < lo or b1 > hi then return 0xFFFD, 1 end
  for k = 1, len - 1 do
    local b = s:byte(i + k)
    if b < 0x80 or b > 0xBF then return 0xFFFD, 1 end
    cp = cp * 64 + (b - 0x80)
  end
  return cp, len
end

-- One pass fills parts both ways (whether the text is GSM-7 is known only
-- at its end); a character that does not fit whole opens the next part.
local function sms_segments(body)
  if type(body) ~= 'string' then return 1 end
  local septets_of = gsm_septets()
  local septets, units, gsm = 0, 0, true
  local g_parts, g_fill, u_parts, u_fill = 1, 0, 1, 0
  local i, n = 1, #body
  while i <= n do
    local cp, len = next_code_point(body, i)
    i = i + len
    local u = cp >= 0x10000 and 2 or 1
    units = units + u
    if u_fill + u > 67 then u_parts, u_fill = u_parts + 1, u else u_fill = u_fill + u end
    if gsm then
      local s = septets_of[cp]
      if s then
        septets = septets + s
        if g_fill + s > 153 then g_parts, g_fill = g_parts + 1, s else g_fill = g_fill + s end
      else
        gsm = false
      end
    end
  end
  if gsm then return septets <= 160 and 1 or g_parts end
  return units <= 70 and 1 or u_parts
end

local function message_units(ctx)
  if ctx.units then return ctx.units end
  ctx.units = 1
  if ctx.ch == 'sms' and not ctx.decoded(ctx) then ctx.units = sms_segments(ctx.msg.body) end
  return ctx.units
end

-- ---- guard: SMS length ------------------------------------------------------------
-- A body of more segments than the tenant's sms.max_segments is refused
-- with too_many_segments before any guard counts or charges it.
register_guard{
  name = 'segments',
  check = function(ctx)
    if ctx.ch ~= 'sms' then return nil end
    local max, n = num(ctx, 'sms.max_segments'), message_units(ctx)
    if n <= max then return nil end
    return err('too_many_segments', 'body: ' .. n .. ' segments, at most ' .. max ..
               ' (the tenant\'s sms.max_segments)')
  end,
}
