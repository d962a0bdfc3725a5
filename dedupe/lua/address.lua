-- ---- recipient addresses -----------------------------------------------------------
-- One normalisation for every door: the same as dedupe/content_hash.cpp's
-- normalize_address, which tests/dedupe/address_test checks against this
-- one on one table. "Ann <Ann@Example.COM>" -> "Ann@example.com": the part
-- inside the last <...> if there is one, trimmed, the domain lower-cased.

local function normalize_address(a)
  local open, close = a:match('.*()<'), a:match('.*()>')
  if open and close and close > open then a = a:sub(open + 1, close - 1) end
  a = a:match('^%s*(.-)%s*$')
  local at = a:match('.*()@')
  if at then a = a:sub(1, at - 1) .. a:sub(at):lower() end
  return a
end

-- FCALL_RO herald_address 0 <address>: the address as herald counts and
-- dedupes it, for producers that compute recipients themselves.
redis.register_function{function_name = 'herald_address',
                        callback = function(_, args) return normalize_address(args[1] or '') end,
                        flags = {'no-writes'}}
