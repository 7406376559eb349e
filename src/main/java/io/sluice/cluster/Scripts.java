package io.sluice.cluster;

/**
 * The Lua scripts the fleet runs in Redis, each one atomic: a lease is decided against the state
 * every instance sees, with Redis's clock ({@code TIME}) so instances' clocks need not agree.
 */
final class Scripts {
  private Scripts() {}

  /**
   * A token bucket of the fleet's accept rate. KEYS[1]: the bucket hash. ARGV: rate per second,
   * capacity, tokens wanted, tokens given back, key expiry (ms). Refills by the time elapsed, takes
   * back the returned tokens (never above capacity), grants up to what is there. Returns the grant.
   */
  static final String RATE_LEASE =
      """
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local rate = tonumber(ARGV[1])
      local cap = tonumber(ARGV[2])
      local want = tonumber(ARGV[3])
      local back = tonumber(ARGV[4])
      local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(state[1])
      local ts = tonumber(state[2])
      if tokens == nil or ts == nil then
        tokens = cap
        ts = now
      end
      if now > ts then
        tokens = math.min(cap, tokens + (now - ts) * rate / 1000)
      end
      tokens = math.min(cap, tokens + back)
      local grant = math.max(0, math.min(want, math.floor(tokens)))
      tokens = tokens - grant
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
      redis.call('PEXPIRE', KEYS[1], ARGV[5])
      return grant
      """;

  /**
   * This instance's lease of a server's fleet-wide connection limit. KEYS[1]: the server's lease
   * hash, one field per instance holding {@code held:wanted:expiry}, where {@code held} is the
   * larger of its grant and the connections it has open (a shrunk lease still holds the slots its
   * open connections use). ARGV: instance, slots wanted, the limit, lease lifetime (ms),
   * connections open here. Expired leases are dropped; the grant is what the others hold free, and
   * when wants exceed the limit no more than a max-min fair share, so an instance holding many
   * slots gives them up, as its connections end, to one that holds few. Returns the grant.
   */
  static final String SLOT_LEASE =
      """
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local self = ARGV[1]
      local want = tonumber(ARGV[2])
      local limit = tonumber(ARGV[3])
      local ttl = tonumber(ARGV[4])
      local all = redis.call('HGETALL', KEYS[1])
      local others = 0
      local wants = {want}
      for i = 1, #all, 2 do
        if all[i] ~= self then
          local g, w, e = string.match(all[i + 1], '^(%d+):(%d+):(%d+)$')
          if g == nil or tonumber(e) < now then
            redis.call('HDEL', KEYS[1], all[i])
          else
            others = others + tonumber(g)
            table.insert(wants, tonumber(w))
          end
        end
      end
      table.sort(wants)
      local left = limit
      local fair = limit
      for i = 1, #wants do
        local level = math.floor(left / (#wants - i + 1))
        if wants[i] > level then
          fair = level
          break
        end
        left = left - wants[i]
      end
      local grant = math.max(0, math.min(want, fair, limit - others))
      local held = math.max(grant, tonumber(ARGV[5]))
      redis.call('HSET', KEYS[1], self, held .. ':' .. want .. ':' .. (now + ttl))
      redis.call('PEXPIRE', KEYS[1], ttl * 4)
      return grant
      """;

  /**
   * A listener's ticket keys. KEYS[1]: the rotation lease, KEYS[2]: the keys hash. ARGV: instance,
   * lease lifetime (ms), rotation period (ms), a fresh key (base64), keys kept, the keys this
   * instance uses (empty before it has any). One instance at a time holds the lease (SET NX PX,
   * renewed while held); it alone writes keys: when none exist (a new fleet, or a Redis that lost
   * its data) it seeds them with the keys it uses, so tickets already issued keep resuming, else
   * with the fresh key; when the period passed it adds the fresh key, newest first. Every caller
   * gets the keys, comma-separated.
   */
  static final String TICKET_KEYS =
      """
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local holder = ARGV[1]
      if not redis.call('SET', KEYS[1], holder, 'NX', 'PX', ARGV[2]) then
        if redis.call('GET', KEYS[1]) == holder then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        else
          holder = nil
        end
      end
      if holder ~= nil then
        local keys = redis.call('HGET', KEYS[2], 'keys')
        local rotated = tonumber(redis.call('HGET', KEYS[2], 'rotated') or '0')
        if not keys and ARGV[6] ~= '' then
          redis.call('HSET', KEYS[2], 'keys', ARGV[6], 'rotated', now)
        elseif not keys or now - rotated >= tonumber(ARGV[3]) then
          local list = ARGV[4]
          local n = 1
          if keys then
            for k in string.gmatch(keys, '[^,]+') do
              if n < tonumber(ARGV[5]) then
                list = list .. ',' .. k
                n = n + 1
              end
            end
          end
          redis.call('HSET', KEYS[2], 'keys', list, 'rotated', now)
        end
        redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) * (tonumber(ARGV[5]) + 1))
      end
      return redis.call('HGET', KEYS[2], 'keys')
      """;

  /**
   * Publishes this instance's load. KEYS[1]: the instances' sorted set (score: last seen), KEYS[2]:
   * this instance's load hash. ARGV: instance, expiry (ms), then field and value pairs. The hash is
   * replaced and expires unless published again; instances not seen within the expiry leave the
   * set. Returns Redis's time, then up to 64 instances newest first with their last-seen times.
   */
  static final String PUBLISH_LOAD =
      """
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local ttl = tonumber(ARGV[2])
      redis.call('DEL', KEYS[2])
      redis.call('HSET', KEYS[2], '@seen', now)
      -- One field at a time: unpack() of a large pool's figures would pass Lua's stack limit.
      for i = 3, #ARGV - 1, 2 do
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
      end
      redis.call('PEXPIRE', KEYS[2], ttl)
      redis.call('ZADD', KEYS[1], now, ARGV[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
      redis.call('PEXPIRE', KEYS[1], ttl * 10)
      local seen = redis.call('ZREVRANGE', KEYS[1], 0, 63, 'WITHSCORES')
      table.insert(seen, 1, tostring(now))
      return seen
      """;
}
