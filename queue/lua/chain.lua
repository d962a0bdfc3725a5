-- ---- the guard chain -------------------------------------------------------------
-- A guard is {name, check(ctx) -> answer or nil, record(ctx, answer),
-- write(t, call)}. check() runs before the append, in the chain's order,
-- SCHEMA.chain; the first answer it gives ends admission (a refusal, a
-- replay, a duplicate). record() runs after an accepting answer ('ok' or
-- 'duplicate'), so guards can remember it. One call admits many messages:
-- what a guard keeps per tenant (rate, quota and usage counters) lives in
-- ctx.t for the call, read once and written once, by write() after the
-- last message; per-message keys are written by record() at once, so a
-- later message of the same call sees them.

local GUARDS, GUARDS_BY_NAME = {}, {}

local function register_guard(g)
  if GUARDS_BY_NAME[g.name] then error('herald: guard ' .. g.name .. ' registered twice') end
  GUARDS_BY_NAME[g.name] = g
end

-- The registered guards in SCHEMA.chain's order (queue/contract.hpp),
-- put in order on the first call (FUNCTION LOAD runs the library without
-- Lua's standard functions). Every guard of the chain must be registered,
-- and every registered one be in the chain, or admission answers an error.
local function guards()
  if #GUARDS > 0 then return GUARDS end
  for i, name in ipairs(SCHEMA.chain) do
    GUARDS[i] = GUARDS_BY_NAME[name] or error('herald: guard ' .. name .. ' is not registered')
    GUARDS_BY_NAME[name] = nil
  end
  local stray = next(GUARDS_BY_NAME)
  if stray then error('herald: guard ' .. stray .. ' is not in the chain') end
  return GUARDS
end

-- ---- hooks for later stages ------------------------------------------------------
-- Send gates run in herald_claim before a lease is given: gate(ctx) returns
-- how many ms the message must wait, or nil. ctx = {shard, tenant, ch,
-- units, sender, now, settings}. Leave hooks run when a message leaves the
-- queue for good (delivered, dead, expired): hook(shard, tenant, bytes).

local SEND_GATES, LEAVE_HOOKS = {}, {}

local function register_send_gate(g) SEND_GATES[#SEND_GATES + 1] = g end
local function register_leave_hook(h) LEAVE_HOOKS[#LEAVE_HOOKS + 1] = h end

local function left_queue(shard, tenant, bytes)
  if not tenant or tenant == '' then return end
  for _, h in ipairs(LEAVE_HOOKS) do h(shard, tenant, bytes) end
end
