// The Lua half of the health runtime, run once per Lua state. It adds the Lua 5.1 habits Argo CD
// users' scripts rely on (Argo CD runs gopher-lua, a 5.1 dialect), builds the sandbox each script
// runs in, and returns the functions the TypeScript half calls:
//   run(fn, useOpenLibs, obj, capture) -> status, message   (status nil: the script had no opinion)
//   takeOutput() -> what the script printed
//   STATE: shared flags; the instruction hook sets STATE.timedout before it raises the timeout error.
// Nothing a script can reach outlives its call: every call gets a new environment table, library
// tables are copied into it on first use, and the shared metatables are locked.

export const SANDBOX_CHUNK_NAME = '=kawa-health-sandbox';

export const SANDBOX_LUA = String.raw`
local STATE = { timedout = false, capture = false, out = {}, outbytes = 0 }
local OUTPUT_LIMIT = 65536
local TIMEOUT = "health script timed out"

local assert, error, getmetatable, ipairs, next, pairs = assert, error, getmetatable, ipairs, next, pairs
local rawequal, rawget, rawlen, rawset, select, setmetatable = rawequal, rawget, rawlen, rawset, select, setmetatable
local tonumber, type, rawtostring, rawpcall, rawxpcall = tonumber, type, tostring, pcall, xpcall
local string, table, math, os, coroutine, utf8 = string, table, math, os, coroutine, utf8
local floor, mathtype, rawformat, gmatch = math.floor, math.type, string.format, string.gmatch
local concat, unpack = table.concat, table.unpack

-- Lua 5.1 prints integral numbers without ".0"; 5.4 prints floats such as 10/2 as "5.0".
local function tostring51(v)
  if mathtype(v) == "float" and v == floor(v) and v > -2^53 and v < 2^53 then
    return rawformat("%d", v)
  end
  return rawtostring(v)
end

-- 5.1's string.format truncates floats for integer conversions (5.4 raises "no integer
-- representation") and prints integral floats in %s without ".0".
local INTEGER_CONVERSIONS = { d = true, i = true, c = true, o = true, x = true, X = true }
local function format51(fmt, ...)
  local n = select("#", ...)
  local args = { ... }
  local i = 0
  for _, conversion in gmatch(fmt, "%%([-+ #0]*%d*%.?%d*)([%a%%])") do
    if conversion ~= "%" then
      i = i + 1
      local v = args[i]
      if mathtype(v) == "float" then
        if INTEGER_CONVERSIONS[conversion] and v == v and v ~= 1/0 and v ~= -1/0 then
          args[i] = v >= 0 and floor(v) or -floor(-v)
        elseif conversion == "s" then
          args[i] = tostring51(v)
        end
      end
    end
  end
  return rawformat(fmt, unpack(args, 1, n))
end

-- Installed in the real library tables, so method calls on strings (("%d"):format(x)) see them too.
string.format = format51
string.gfind = string.gmatch
table.getn = function(t) return #t end
table.maxn = function(t)
  local max = 0
  for k in pairs(t) do
    if type(k) == "number" and k > max then max = k end
  end
  return max
end
-- 5.1 has one number type, so 2^10 prints "1024"; hand back an integer whenever the result is one.
math.pow = function(x, y)
  local r = x ^ y
  if r == floor(r) and r > -2^53 and r < 2^53 then return math.tointeger(r) end
  return r
end
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.mod = math.fmod
math.atan2 = function(y, x) return math.atan(y, x) end

-- Strings share one metatable: lock it so no script can change string methods for the next one.
getmetatable("").__metatable = false

-- pcall and friends must not swallow the timeout: once the hook fired, every catch rethrows.
local function passthrough(ok, ...)
  if not ok and STATE.timedout then error(TIMEOUT, 0) end
  return ok, ...
end
local function safe_pcall(f, ...)
  return passthrough(rawpcall(f, ...))
end
local function safe_xpcall(f, handler, ...)
  return passthrough(rawxpcall(f, function(e)
    if STATE.timedout then return e end
    return handler(e)
  end, ...))
end

local function print51(...)
  if not STATE.capture then return end
  local parts = {}
  for i = 1, select("#", ...) do parts[i] = tostring51((select(i, ...))) end
  local line = concat(parts, "\t") .. "\n"
  if STATE.outbytes + #line > OUTPUT_LIMIT then return end
  STATE.outbytes = STATE.outbytes + #line
  STATE.out[#STATE.out + 1] = line
end

-- A finalizer would run during some later garbage collection, outside any time limit.
local function safe_setmetatable(t, mt)
  if type(mt) == "table" and rawget(mt, "__gc") ~= nil then
    error("__gc metamethods are not allowed in health scripts", 2)
  end
  return setmetatable(t, mt)
end

local BASE = {
  assert = assert, error = error, getmetatable = getmetatable, ipairs = ipairs, next = next, pairs = pairs,
  pcall = safe_pcall, print = print51, rawequal = rawequal, rawget = rawget, rawlen = rawlen, rawset = rawset,
  select = select, setmetatable = safe_setmetatable, tonumber = tonumber, tostring = tostring51, type = type,
  unpack = unpack, xpcall = safe_xpcall, _VERSION = _VERSION,
}

-- With useOpenLibs: clocks and dates only from os (never execute, remove, getenv or exit), no io,
-- debug or package, and coroutines whose resume cannot swallow the timeout either.
local SAFE_OS = { clock = os.clock, date = os.date, difftime = os.difftime, time = os.time }
local SAFE_COROUTINE = {
  create = coroutine.create, isyieldable = coroutine.isyieldable, running = coroutine.running,
  status = coroutine.status, wrap = coroutine.wrap, yield = coroutine.yield,
  resume = function(co, ...) return passthrough(coroutine.resume(co, ...)) end,
  close = function(co) return passthrough(coroutine.close(co)) end,
}

local LIBS = { string = string, table = table, math = math }
local OPEN_LIBS = { string = string, table = table, math = math, os = SAFE_OS, coroutine = SAFE_COROUTINE, utf8 = utf8 }

-- Globals resolve to BASE, then to a private copy of a library made on first use.
local function env_metatable(libs)
  return {
    __metatable = false,
    __index = function(env, key)
      local value = BASE[key]
      if value ~= nil then return value end
      local lib = libs[key]
      if lib == nil then return nil end
      local copy = {}
      for name, member in next, lib do copy[name] = member end
      rawset(env, key, copy)
      return copy
    end,
  }
end
local CLOSED_ENV, OPEN_ENV = env_metatable(LIBS), env_metatable(OPEN_LIBS)

-- Argo CD's reading of the returned table: nil or {} means no opinion; message must be text.
local function result_of(hs)
  if hs == nil then return nil end
  if type(hs) ~= "table" then error("expect table output from Lua script, not " .. type(hs), 0) end
  if next(hs) == nil then return nil end
  local status, message = rawget(hs, "status"), rawget(hs, "message")
  local mtype = type(message)
  if mtype == "number" or mtype == "boolean" then
    message = tostring51(message)
  elseif message ~= nil and mtype ~= "string" then
    error("expect a string message from Lua script, not " .. mtype, 0)
  end
  if status == nil then status = "" elseif type(status) ~= "string" then status = tostring51(status) end
  return status, message
end

local function run(fn, use_open_libs, obj, capture)
  STATE.timedout = false
  STATE.capture = capture
  local env = setmetatable({ obj = obj }, use_open_libs and OPEN_ENV or CLOSED_ENV)
  env._G = env
  return result_of(fn(env))
end

local function take_output()
  local text = concat(STATE.out)
  STATE.out, STATE.outbytes = {}, 0
  return text
end

return run, take_output, STATE
`;
