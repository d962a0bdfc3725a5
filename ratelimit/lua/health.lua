-- ---- destination health --------------------------------------------------------
-- FCALL herald_health 1 hd:{h:<destination>}:health <check|fail|ok> <now_ms>
--       <failures> <suspend_ms> <suspend_max_ms>
-- One destination (an SMTP relay or MX host:port), shared by every worker.
-- `failures` failures of the whole destination in a row (connections
-- refused, 421, a 4xx to every transaction) suspend it for suspend_ms,
-- doubling while it keeps failing, up to suspend_max_ms. When a suspension
-- ends, the first check answers 'probe' and the others 'down' until the
-- probe's window (suspend_ms) ends: one connection finds out whether it is
-- back. The probe's success ('ok') closes the case; its failure suspends
-- the destination again, for longer.
-- Fields: fails (in a row), level (suspensions in a row), until and probe
-- (ms). The key expires 4 x suspend_max_ms after its last change.
-- Answers: check {'up', fails} | {'down', until} | {'probe', until};
-- fail {'counted', fails} | {'suspended', until, level} | {'down', until};
-- ok {'up', 0} | {'recovered', level}.

local function health(keys, args)
  local key, action, now = keys[1], args[1], tonumber(args[2])
  local failures, base, max = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  local h = redis.call('HMGET', key, 'fails', 'level', 'until', 'probe')
  local fails, level = tonumber(h[1]) or 0, tonumber(h[2]) or 0
  local until_, probe = tonumber(h[3]) or 0, tonumber(h[4]) or 0
  if action == 'check' then
    if until_ == 0 then return {'up', fails} end
    if now < until_ then return {'down', until_} end
    if now < probe then return {'down', probe} end
    redis.call('HSET', key, 'probe', now + base)
    redis.call('PEXPIRE', key, 4 * max)
    return {'probe', now + base}
  elseif action == 'fail' then
    if now < until_ then return {'down', until_} end
    if until_ == 0 and fails + 1 < failures then
      redis.call('HSET', key, 'fails', fails + 1)
      redis.call('PEXPIRE', key, 4 * max)
      return {'counted', fails + 1}
    end
    level = level + 1
    until_ = now + math.min(max, base * 2 ^ (level - 1))
    redis.call('HSET', key, 'fails', 0, 'level', level, 'until', until_, 'probe', 0)
    redis.call('PEXPIRE', key, 4 * max)
    return {'suspended', until_, level}
  elseif action == 'ok' then
    if h[1] == false and h[3] == false then return {'up', 0} end
    redis.call('DEL', key)
    if until_ ~= 0 then return {'recovered', level} end
    return {'up', 0}
  end
  return err('invalid_argument', 'usage: FCALL herald_health 1 <key> <check|fail|ok> ...')
end

register_checked('herald_health',
                 {usage = '<check|fail|ok> <now_ms> <failures> <suspend_ms> <suspend_max_ms>',
                  fixed = 5, numbers = {2, 3, 4, 5}, key = '^hd:{h:[^}]+}:health$',
                  key_text = 'hd:{h:<destination>}:health'}, health)
