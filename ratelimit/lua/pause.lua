-- ---- send gate: a paused tenant ---------------------------------------------------
-- send.paused = 1 (queue/tenants.hpp set_paused, or `herald tenant set`)
-- holds every queued message of the tenant back for SCHEMA.pause_wait_ms
-- at a time, without using an attempt, while admission goes on; the
-- claim looks again when that wait is over, so a resume takes effect
-- within it. Registered before the rate limits, so a held message takes
-- no rate-limit slot.
register_send_gate(function(ctx)
  if num_or_0(ctx, 'send.paused') == 0 then return nil end
  return SCHEMA.pause_wait_ms, 'paused'
end)
