-- ---- guard: sender domain (domains/) -------------------------------------------
-- hd:{sN}:senders:<tenant> is the domain store's word on the tenant's
-- sender domains (domains/sender_state.hpp publishes it): field = the
-- domain as a lower-case A-label, value = 'verified', or
-- 'regressed:<block_at_ms>' (a verified domain whose recheck failed, still
-- allowed until then by admission's clock); anything else, or no field,
-- is not verified. Its publisher bumps the settings version, so admission
-- reads the hash once per version (load_settings' memo), never per call.
--
-- Email only, while domains.require_verified is 1: mail From a domain
-- that is not verified for the tenant is refused with domain_not_verified,
-- unless every recipient is on the tenant's domains.sandbox list (for
-- onboarding). The From domain is the producer's (herald's doors vouch
-- for it, as an A-label), or else the payload's From, decoded.

local SENDERS = {} -- this guard's helpers, under one top-level name

-- The From domain in lower case, or nil and the payload's refusal.
function SENDERS.from_domain(ctx)
  if ctx.from_domain then return ctx.from_domain end
  local refusal = ctx.decoded(ctx)
  if refusal then return nil, refusal end
  local from = ctx.msg.from
  if type(from) ~= 'string' then return nil, err('invalid_message', 'from: is required') end
  local a = normalize_address(from)
  local at = a:match('.*()@')
  return at and a:sub(at + 1) or ''
end

-- The tenant's domain states, read once per settings version.
function SENDERS.states(ctx)
  local memo = ctx.t.memo
  if not memo.senders then
    memo.senders = hash_table(redis.call('HGETALL', ctx.shard .. K.senders .. ctx.tenant), {})
  end
  return memo.senders
end

-- The sandbox's addresses as a set (false: none), parsed once per version.
function SENDERS.sandbox(ctx)
  local memo = ctx.t.memo
  if memo.sandbox == nil then
    local set, list = false, setting_text(ctx, 'domains.sandbox')
    for a in (list or ''):gmatch('[^,%s]+') do
      set = set or {}
      set[normalize_address(a)] = true
    end
    memo.sandbox = set
  end
  return memo.sandbox
end

-- Whether every recipient is on the sandbox list; or the payload's refusal.
function SENDERS.sandboxed(ctx)
  local set = SENDERS.sandbox(ctx)
  if not set then return false end
  local refusal = ctx.with_recipients(ctx)
  if refusal then return false, refusal end
  for _, r in ipairs(ctx.rcpts) do
    if not set[r] then return false end
  end
  return #ctx.rcpts > 0
end

-- What the tenant must do, for the refusal's detail.
function SENDERS.why(ctx, domain, state)
  local till = state and tonumber(state:match('^regressed:(%d+)$'))
  if till then
    return 'From domain ' .. domain .. ' failed its recheck and stopped sending at ' .. till
           .. ' (ms): fix its DNS records, then run herald domain verify ' .. domain
           .. ' --tenant ' .. ctx.tenant
  end
  local hint = ''
  if domain:find('[\128-\255]') then
    hint = ' (an internationalised domain is compared as its A-label: pass from_domain)'
  end
  return 'From domain ' .. domain .. ' is not verified for tenant ' .. ctx.tenant .. hint
         .. ': run herald domain add ' .. domain .. ' --tenant ' .. ctx.tenant
         .. ', publish the records it prints, then herald domain verify ' .. domain
         .. ' (or send only to the addresses of the tenant setting domains.sandbox)'
end

register_guard{
  name = 'sender_domain',
  check = function(ctx)
    if ctx.ch ~= 'email' or num(ctx, 'domains.require_verified') == 0 then return nil end
    local domain, refusal = SENDERS.from_domain(ctx)
    if refusal then return refusal end
    local state = SENDERS.states(ctx)[domain]
    if state == 'verified' then return nil end
    local till = state and tonumber(state:match('^regressed:(%d+)$'))
    if till and ctx.now < till then return nil end
    local sandboxed
    sandboxed, refusal = SENDERS.sandboxed(ctx)
    if refusal then return refusal end
    if sandboxed then return nil end
    return err('domain_not_verified', SENDERS.why(ctx, domain, state))
  end,
}

-- FCALL herald_sender_state 1 hd:{sN} <tenant> <domain> <state | "">
-- The domain store's one way to publish a domain's state ("" removes it),
-- with the settings version bumped so admission sees it on its next call.
-- The domain must be a lower-case A-label; the tenant must live on this
-- shard. Answers {"ok"}.
local function sender_state(keys, args)
  local shard, tenant, domain, state = keys[1], args[1], args[2], args[3]
  if not tenant:match('^[%w_.-]+$') or #tenant > 64 then
    return err('invalid_argument', 'tenant must be 1-64 characters of [A-Za-z0-9_.-]')
  end
  if #domain > 255 or not domain:match('^[a-z0-9][a-z0-9.-]*%.[a-z0-9-]+$') then
    return err('invalid_argument', 'domain must be a lower-case A-label name, not ' .. domain)
  end
  if #state > 64 or state:match('[^%w:_.-]') then
    return err('invalid_argument', 'state must be up to 64 characters of [A-Za-z0-9:_.-]')
  end
  local meta = redis.call('HMGET', shard .. K.meta, 'shard', 'shards')
  if not meta[1] or not meta[2] then
    return err('not_initialized', shard .. ' has not been initialised by herald')
  end
  local home = crc32(tenant) % tonumber(meta[2])
  if home ~= tonumber(meta[1]) then
    return err('wrong_shard', 'tenant ' .. tenant .. ' belongs to shard ' .. home)
  end
  local key = shard .. K.senders .. tenant
  if state == '' then
    redis.call('HDEL', key, domain)
  else
    redis.call('HSET', key, domain, state)
  end
  bump_settings(shard)
  return {'ok'}
end

register_checked('herald_sender_state', {usage = '<tenant> <domain> <state | "">', fixed = 3},
                 sender_state)
