-- ---- the tenant registry -------------------------------------------------------------------
-- FCALL herald_tenant_create 1 hd:{t}:tenants <tenant> <cap>
-- The tenants ops created, one global set with a hash tag of its own (a
-- tenant's data lives on its shard; the registry only names it). Answers
-- 1 (created), 0 (it existed) or {'err', 'tenant_limit', ...} at <cap>.
local function tenant_create(keys, args)
  local key, tenant, cap = keys[1], args[1], tonumber(args[2])
  if not tenant:match('^[%w_.-]+$') or #tenant > 64 then
    return err('invalid_argument', 'tenant must be 1-64 characters of [A-Za-z0-9_.-]')
  end
  if redis.call('SISMEMBER', key, tenant) == 1 then return 0 end
  local have = redis.call('SCARD', key)
  if have >= cap then
    return err('tenant_limit', have .. ' tenants, limit ' .. cap)
  end
  return redis.call('SADD', key, tenant)
end

register_checked('herald_tenant_create',
                 {usage = '<tenant> <cap>', fixed = 2, numbers = {2}, key = '^hd:{t}:tenants$',
                  key_text = 'hd:{t}:tenants'}, tenant_create)
