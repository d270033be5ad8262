/**
 * Lua code run once in every new script state, after the JS functions were registered (the
 * `__seshat_setup` global holds them): Lua 5.1 compatibility names, Redis's pcall, removal of
 * what Redis does not offer, and the protection of globals and library tables.
 *
 * Read-only tables: Redis patches Lua 5.1 with read-only tables. Here every library table is
 * replaced by an empty proxy whose metatable reads through to the real table and refuses
 * writes with Redis's message ("Attempt to modify a readonly table"); scripts see globals
 * through such a proxy too (their _ENV), and reading an undefined global fails with Redis's
 * "Script attempted to access nonexistent global variable" error.
 */
export const PRELUDE = `
local S = __seshat_setup
__seshat_setup = nil
local rawload, rawsetmetatable, rawpcall, type, error, tostring = load, setmetatable, pcall, type, error, tostring
local G = _G

-- Lua 5.1 names Redis scripts use (Redis runs Lua 5.1).
unpack = table.unpack
table.getn = function(t) return #t end
table.setn = function() error("'setn' is obsolete", 2) end
table.maxn = function(t) local n = 0 for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end return n end
math.mod = math.fmod
math.pow = function(x, y) return x ^ y end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.log10 = function(x) return math.log(x, 10) end
string.gfind = string.gmatch
load = function(chunk, name, mode, env) return rawload(chunk, name, 't', env) end
loadstring = function(s, name) return rawload(s, name, 't') end
gcinfo = function() return collectgarbage('count') end

-- Redis 7 raises errors as tables {err=...}; its pcall hands scripts the message.
-- Lua 5.4 words runtime type errors "attempt to call a nil value (field 'f')"; Redis's Lua 5.1
-- says "attempt to call field 'f' (a nil value)", and scripts (and tests) match on that.
local gsub = string.gsub
local function lua51_message(msg)
  return (gsub(msg, "attempt to (%l[%l ]-) a (%l+) value %((%l+) '([^']*)'%)", "attempt to %1 %3 '%4' (a %2 value)"))
end

pcall = function(f, ...)
  local r = table.pack(rawpcall(f, ...))
  if not r[1] and type(r[2]) == 'table' and type(r[2].err) == 'string' then return false, r[2].err end
  if not r[1] and type(r[2]) == 'string' then return false, lua51_message(r[2]) end
  return table.unpack(r, 1, r.n)
end

math.random = S.random
math.randomseed = S.randomseed
bit = S.bit
cjson = S.cjson
cmsgpack = S.cmsgpack
struct = S.struct

local dbg = debug
print, dofile, loadfile, require, package, io, os, utf8, warn, debug = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil

local function err_handler(err)
  -- The failing line of the user's code: past C functions and this prelude's helpers (which
  -- stand in for C functions of Redis's patched Lua).
  local level = 2
  local i = dbg.getinfo(level, 'nSl')
  while i and (i.what == 'C' or i.source == '=prelude') do
    level = level + 1
    i = dbg.getinfo(level, 'nSl')
  end
  if type(err) ~= 'table' then err = {err = 'ERR ' .. lua51_message(tostring(err))} end
  if i then err['source'] = i.source err['line'] = i.currentline end
  return err
end

local protected = rawsetmetatable({}, {__mode = 'k'})
local function readonly() error('Attempt to modify a readonly table', 2) end
local function protect(t)
  local proxy = {}
  protected[proxy] = true
  local lock = {}
  protected[lock] = true
  rawsetmetatable(lock, {__index = {}, __newindex = readonly, __metatable = false})
  rawsetmetatable(proxy, {
    __index = t, __newindex = readonly, __metatable = lock,
    __pairs = function() return next, t, nil end, __len = function() return #t end,
  })
  return proxy
end
local rawrawset, rawrawget = rawset, rawget
setmetatable = function(t, mt)
  if protected[t] then error('Attempt to modify a readonly table', 0) end
  -- Lua 5.1 (Redis) runs no finalizer for a table. Here one would run whenever this node's
  -- collector gets to it, which differs between replicas: the table is not marked for one.
  local gc = type(mt) == 'table' and rawrawget(mt, '__gc') or nil
  if gc == nil then return rawsetmetatable(t, mt) end
  rawrawset(mt, '__gc', nil)
  local r = rawsetmetatable(t, mt)
  rawrawset(mt, '__gc', gc)
  return r
end
rawset = function(t, k, v)
  if protected[t] then error('Attempt to modify a readonly table', 2) end
  return rawrawset(t, k, v)
end

local function missing(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end

local function api(fields)
  local t = {}
  for k, v in pairs(fields) do t[k] = v end
  t.LOG_DEBUG, t.LOG_VERBOSE, t.LOG_NOTICE, t.LOG_WARNING = 0, 1, 2, 3
  t.REDIS_VERSION, t.REDIS_VERSION_NUM = '7.0.15', 0x07000f
  return t
end

-- A script's own coroutine.yield outside any coroutine it created would yield the coroutine
-- the script runs in; Redis's Lua runs scripts on the main thread, where that is an error.
local rawyield, running = coroutine.yield, coroutine.running
local top = nil -- the coroutine of the script running now (set by the runner below)
coroutine.yield = function(...)
  if running() == top then error('attempt to yield across metamethod/C-call boundary', 0) end
  return rawyield(...)
end

local redis_api = api(S.redis)
redis_api.REPL_NONE, redis_api.REPL_AOF, redis_api.REPL_SLAVE, redis_api.REPL_REPLICA, redis_api.REPL_ALL = 0, 1, 2, 2, 3
for _, name in ipairs({'string', 'math', 'table', 'coroutine', 'bit', 'cjson', 'cmsgpack', 'struct'}) do
  G[name] = protect(G[name])
end
G.redis = protect(redis_api)

-- What library code sees while FUNCTION LOAD runs it: only a small redis table.
-- (reading any other field of it fails as an undeclared global does, as in Redis)
local load_redis = protect(rawsetmetatable(api({register_function = S.register_function, log = S.redis.log}), {__index = missing}))
local load_globals = rawsetmetatable({redis = load_redis}, {__index = missing})

rawsetmetatable(G, {__index = missing})
local env_meta = {__index = G, __newindex = readonly, __metatable = false}
local env = rawsetmetatable({}, env_meta)
protected[env] = true
local env_lock = protect({})
env_meta.__metatable = env_lock
rawrawset(G, '_G', env)

-- Scripts run in a coroutine (the count hook yields it between time slices): this is its
-- body, the script protected by the error handler; it returns (ok, value) with one value, as
-- Redis keeps one result.
local rawxpcall = xpcall
local function runner(h, f, ...)
  top = running()
  local ok, v = rawxpcall(f, h, ...)
  return ok, v
end

-- Returned to JS: the scripts' environment, the handler, the switch for library loading and
-- the runner.
return env, err_handler, function(loading)
  if loading then env_meta.__index = load_globals else env_meta.__index = G end
end, runner
`;
