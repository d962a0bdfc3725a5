-- ---- guard: backpressure ----------------------------------------------------------
-- The first and cheapest check. herald's watermark watcher
-- (ratelimit/watermarks.hpp) sets meta's pressure_until/pressure_reason
-- while Redis memory is above its ceiling or the persistence disk is
-- short of space, and renews them while it lasts: new work is refused
-- with 503 backpressure long before Redis itself must refuse writes.
-- If the watcher stops, the flag lapses on its own (pressure_until).

register_guard{
  name = 'pressure',
  check = function(ctx)
    local till = num_or_0(ctx, 'pressure_until')
    if till > ctx.now then
      return err('backpressure', 'refusing new work: ' .. (setting_text(ctx, 'pressure_reason') or '?'),
                 math.max(1, math.ceil((till - ctx.now) / 1000)))
    end
    return nil
  end,
}
