-- ---- dead letters of one tenant ------------------------------------------------------
-- hd:{sN}:dead is the shard's, shared by its tenants: every call here looks
-- at no more than <scan> entries, newest first, from just before <cursor>
-- ("" for the newest), and answers where the next call goes on ("" at the
-- end), so no call is long whatever the stream holds.

local function dead_page(shard, cursor, scan)
  local from = cursor == '' and '+' or '(' .. cursor
  return redis.call('XREVRANGE', shard .. K.dead, from, '-', 'COUNT', scan)
end

-- FCALL herald_dead_list 1 hd:{sN} <tenant> <cursor> <limit> <scan>
-- Answers {next cursor, (id reason detail died attempts)...}: at most
-- <limit> of the tenant's dead letters.
local function dead_list(keys, args)
  local shard, tenant, limit, scan = keys[1], args[1], tonumber(args[3]), tonumber(args[4])
  local entries = dead_page(shard, args[2], scan)
  local out, found, last = {''}, 0, nil
  for _, e in ipairs(entries) do
    if found == limit then break end
    last = e[1]
    local f = hash_table(e[2], {})
    if f['tenant'] == tenant then
      for _, v in ipairs({f['id'] or '', f['reason'] or '', f['detail'] or '', f['died'] or '0',
                          f['attempt'] or '0'}) do
        out[#out + 1] = v
      end
      found = found + 1
    end
  end
  if last and (#entries == scan or found == limit) then out[1] = last end
  return out
end

-- FCALL herald_dead_purge 1 hd:{sN} <tenant> <cursor> <scan>
-- Deletes the tenant's dead letters among the next <scan> entries.
-- Answers {next cursor, deleted}. Their status records stay: the messages
-- are still dead, only no longer requeueable.
local function dead_purge(keys, args)
  local shard, tenant, scan = keys[1], args[1], tonumber(args[3])
  local entries = dead_page(shard, args[2], scan)
  local deleted = 0
  for _, e in ipairs(entries) do
    if hash_table(e[2], {})['tenant'] == tenant then
      deleted = deleted + redis.call('XDEL', shard .. K.dead, e[1])
    end
  end
  local last = entries[#entries]
  return {#entries == scan and last and last[1] or '', deleted}
end

-- The dead entry of message `id`: where its status record says, else
-- among the newest <scan> (the record lives done_ttl_s, the entry until
-- the stream's cap pushes it out).
local function find_dead(shard, id, scan)
  local st = redis.call('GET', status_key(shard, id))
  local x = st and st:sub(1, 1) == 'x' and split_fields(st, 8)
  if x and x[6] ~= '' then
    local f = entry_fields(shard .. K.dead, x[6])
    if f and f['id'] == id then return x[6], f end
  end
  for _, e in ipairs(dead_page(shard, '', scan)) do
    local f = hash_table(e[2], {})
    if f['id'] == id then return e[1], f end
  end
  return nil
end

-- FCALL herald_dead_requeue 1 hd:{sN} <tenant> <id> <now_ms or ""> <scan>
-- The tenant's dead letter back into its ingress stream as a fresh
-- message (attempts from 0, a new max age; its history kept), charged to
-- the storage quota again. Answers {'ok', entry}, {'none'} (no such dead
-- letter of this tenant) or a refusal (storage_quota_exceeded, not_initialized).
local function dead_requeue(keys, args)
  local shard, tenant, id, now, scan = keys[1], args[1], args[2], tonumber(args[3]) or now_ms(),
      args[4]
  local dead_entry, f = find_dead(shard, id, scan)
  if not dead_entry or f['tenant'] ~= tenant or not f['payload'] then return {'none'} end
  local settings = load_settings(shard, tenant)
  if not settings then return err('not_initialized', shard .. ' has not been initialised') end
  local ctx = {shard = shard, tenant = tenant, settings = settings, nums = {},
               t = {name = tenant}, payload = f['payload']}
  local refusal = storage_check(ctx)
  if refusal then return refusal end
  storage_record(ctx, {'ok'})
  storage_write(ctx.t, {shard = shard})
  local ch = f['channel'] or (id:match('%-(%a)%d+$') == 's' and 'sms' or 'email')
  local fresh = {v = f['v'] or ENTRY_SCHEMA, tenant = tenant, payload = f['payload'],
                 created = f['created'] or tostring(now),
                 expires = tostring(now + num(ctx, 'max_age_ms')), attempt = '0',
                 units = f['units'] or '1', id = id, history = f['history']}
  local entry = redis.call('XADD', shard .. K.ingress .. ch, '*', unpack(flatten(fresh)))
  redis.call('XDEL', shard .. K.dead, dead_entry)
  status_moved(shard, fresh, entry, now)
  emit({shard = shard, tenant = tenant, now = now}, 'message.requeued', {}, id)
  return {'ok', entry}
end

register_checked('herald_dead_list', {usage = '<tenant> <cursor> <limit> <scan>', fixed = 4,
                                      numbers = {3, 4}, flags = {'no-writes'}}, dead_list)
register_checked('herald_dead_purge', {usage = '<tenant> <cursor> <scan>', fixed = 3,
                                       numbers = {3}, flags = {'allow-oom'}}, dead_purge)
register_checked('herald_dead_requeue', {usage = '<tenant> <id> <now_ms> <scan>', fixed = 4,
                                         numbers = {4}}, dead_requeue)
