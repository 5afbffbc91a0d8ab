// The Lua half of the health runtime, run once per Lua state. It builds the environment Argo CD gives
// health scripts (Argo CD runs gopher-lua, a Lua 5.1 dialect) and returns the functions the
// TypeScript half calls:
//   run(fn, useOpenLibs, obj, capture) -> status, message   (status nil: the script had no opinion)
//   takeOutput() -> what the script printed
//   STATE: shared flags; the instruction hook sets STATE.timedout before it raises the timeout error.
// The chunk gets one argument: a C function returning (wall-clock ms since the epoch, seconds since
// the runtime started), so os.time/os.date/os.clock read the clock the runtime was given.
//
// What a script sees, as in Argo CD:
//   always         the 5.1 base functions (assert, error, ipairs, pairs, pcall, print, select, tonumber,
//                  tostring, type, unpack, xpcall, load, loadstring, collectgarbage, getmetatable, …),
//                  table (with getn and maxn), os with only time/date/clock/difftime, and require, which
//                  knows "os", "table", "_G" and, with useOpenLibs, the libraries below;
//   useOpenLibs    also string (with string methods on string values: ("x"):upper()), math and coroutine.
// Without useOpenLibs there is no string or math library, exactly like Argo CD ("attempt to index a nil
// value (global 'string')"), so a script that works here works there.
// Deliberately absent even with useOpenLibs, where Argo CD's gopher-lua has them: io, debug, package,
// dofile, loadfile (the controller's files and process are not a script's business), os.execute/exit/
// getenv/remove/rename/tmpname/setlocale, getfenv/setfenv (no 5.1 function environments in 5.4), module,
// newproxy, and gopher-lua's own channel library. Also absent: utf8 and rawlen, which 5.1 does not have.
// Dates are computed in UTC: Argo CD's controller image sets no time zone, so its local time is UTC.
// Nothing a script can reach outlives its call: every call gets a new environment table, library
// tables are copied into it on first use, and the shared metatables are locked.

export const SANDBOX_CHUNK_NAME = '=kawa-health-sandbox';

export const SANDBOX_LUA = String.raw`
local clock_source = ...
local STATE = { timedout = false, capture = false, out = {}, outbytes = 0, open = false, env = nil }
local OUTPUT_LIMIT = 65536
local TIMEOUT = "health script timed out"

local assert, error, getmetatable, ipairs, next, pairs = assert, error, getmetatable, ipairs, next, pairs
local rawequal, rawget, rawset, select, setmetatable = rawequal, rawget, rawset, select, setmetatable
local tonumber, type, rawtostring, rawpcall, rawxpcall, rawload = tonumber, type, tostring, pcall, xpcall, load
local string, table, math, coroutine = string, table, math, coroutine
local floor, mathtype, tointeger = math.floor, math.type, math.tointeger
-- Locals, because scripts without useOpenLibs have no string methods and the sandbox must not need them.
local rawformat, gmatch, gsub, byte, sub = string.format, string.gmatch, string.gsub, string.byte, string.sub
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
  if r == floor(r) and r > -2^53 and r < 2^53 then return tointeger(r) end
  return r
end
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == 1/0 or x == -1/0 then return x, 0 end
  local e = floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  -- log2 can be off by one at powers of two; keep 0.5 <= |m| < 1.
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x)
  if x > 20 then return 1.0 elseif x < -20 then return -1.0 end
  local a, b = math.exp(x), math.exp(-x)
  return (a - b) / (a + b)
end
math.mod = math.fmod
math.atan2 = function(y, x) return math.atan(y, x) end

-- Strings share one metatable. Lock it, and give strings their methods only where the string
-- library is open, as gopher-lua does (without it, ("x"):upper() fails in Argo CD too).
local string_mt = getmetatable("")
string_mt.__index = function(_, key)
  if STATE.open then return string[key] end
  error("attempt to index a string value (no string library: set useOpenLibs)", 2)
end
string_mt.__metatable = false

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

local function bad_argument(n, fname, expected, got)
  error("bad argument #" .. n .. " to '" .. fname .. "' (" .. expected .. " expected, got " .. type(got) .. ")", 3)
end

-- load and loadstring compile source text only (never binary chunks) into the calling script's
-- environment, so loaded code sees what the script sees and runs under the same limits.
local function load51(chunk, chunkname)
  local kind = type(chunk)
  if kind ~= "string" and kind ~= "function" then bad_argument(1, "load", "string or function", chunk) end
  return rawload(chunk, chunkname, "t", STATE.env)
end
local function loadstring51(text, chunkname)
  if type(text) ~= "string" then bad_argument(1, "loadstring", "string", text) end
  return rawload(text, chunkname, "t", STATE.env)
end

-- ---------------------------------------------------------------------------------------------
-- os, the safe subset Argo CD provides: time, date, clock, difftime. Times are seconds since the
-- epoch; broken-down dates are UTC. Days to civil dates after Howard Hinnant's days_from_civil.
local function days_from_civil(y, m, d)
  if m <= 2 then y = y - 1 end
  local era = y // 400
  local yoe = y - era * 400
  local mp = m > 2 and m - 3 or m + 9
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end
local function civil_from_days(z)
  z = z + 719468
  local era = z // 146097
  local doe = z - era * 146097
  local yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
  local doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
  local mp = (5 * doy + 2) // 153
  local d = doy - (153 * mp + 2) // 5 + 1
  local m = mp < 10 and mp + 3 or mp - 9
  local y = yoe + era * 400
  if m <= 2 then y = y + 1 end
  return y, m, d
end

local function now_seconds()
  local wall = clock_source()
  return floor(wall / 1000)
end

-- 5.1 reads date fields with lua_tointeger: numbers (and numeric strings) truncated toward zero;
-- anything else counts as missing.
local function date_field(t, key, default)
  local n = tonumber(t[key])
  if n == nil or n ~= n or n == 1/0 or n == -1/0 then
    if default == nil then error("field '" .. key .. "' missing in date table", 3) end
    return default
  end
  local i = tointeger(n >= 0 and floor(n) or -floor(-n))
  if i == nil then error("field '" .. key .. "' is out-of-bound", 3) end
  return i
end

local function os_time(t)
  if t == nil then return now_seconds() end
  if type(t) ~= "table" then bad_argument(1, "time", "table", t) end
  local sec, min, hour = date_field(t, "sec", 0), date_field(t, "min", 0), date_field(t, "hour", 12)
  local day, month, year = date_field(t, "day"), date_field(t, "month"), date_field(t, "year")
  -- Out-of-range fields carry over (month 13 is January of the next year), as mktime does.
  year = year + (month - 1) // 12
  month = (month - 1) % 12 + 1
  return (days_from_civil(year, month, 1) + day - 1) * 86400 + hour * 3600 + min * 60 + sec
end

local function broken_down(seconds)
  local days = seconds // 86400
  local rest = seconds - days * 86400
  local y, m, d = civil_from_days(days)
  return {
    year = y, month = m, day = d,
    hour = rest // 3600, min = rest % 3600 // 60, sec = rest % 60,
    wday = (days + 4) % 7 + 1, -- 1970-01-01 was a Thursday; Sunday is 1
    yday = days - days_from_civil(y, 1, 1) + 1,
    isdst = false,
  }
end

local WDAY = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" }
local WDAY_FULL = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" }
local MONTH = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" }
local MONTH_FULL = { "January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December" }
local function two(n) return rawformat("%02d", n) end
local function hour12(d) local h = d.hour % 12 if h == 0 then h = 12 end return h end
-- The C locale's strftime conversions; an unknown one is copied as it is (as gopher-lua does).
local CONVERSIONS = {
  a = function(d) return WDAY[d.wday] end,
  A = function(d) return WDAY_FULL[d.wday] end,
  b = function(d) return MONTH[d.month] end,
  B = function(d) return MONTH_FULL[d.month] end,
  c = function(d)
    return rawformat("%s %s %2d %02d:%02d:%02d %d", WDAY[d.wday], MONTH[d.month], d.day, d.hour, d.min, d.sec, d.year)
  end,
  C = function(d) return two(d.year // 100) end,
  d = function(d) return two(d.day) end,
  D = function(d) return rawformat("%02d/%02d/%02d", d.month, d.day, d.year % 100) end,
  e = function(d) return rawformat("%2d", d.day) end,
  F = function(d) return rawformat("%d-%02d-%02d", d.year, d.month, d.day) end,
  h = function(d) return MONTH[d.month] end,
  H = function(d) return two(d.hour) end,
  I = function(d) return two(hour12(d)) end,
  j = function(d) return rawformat("%03d", d.yday) end,
  m = function(d) return two(d.month) end,
  M = function(d) return two(d.min) end,
  n = function() return "\n" end,
  p = function(d) return d.hour < 12 and "AM" or "PM" end,
  r = function(d) return rawformat("%02d:%02d:%02d %s", hour12(d), d.min, d.sec, d.hour < 12 and "AM" or "PM") end,
  R = function(d) return rawformat("%02d:%02d", d.hour, d.min) end,
  s = function(d) return rawformat("%d", d.epoch) end,
  S = function(d) return two(d.sec) end,
  t = function() return "\t" end,
  T = function(d) return rawformat("%02d:%02d:%02d", d.hour, d.min, d.sec) end,
  u = function(d) return rawformat("%d", d.wday == 1 and 7 or d.wday - 1) end,
  w = function(d) return rawformat("%d", d.wday - 1) end,
  x = function(d) return rawformat("%02d/%02d/%02d", d.month, d.day, d.year % 100) end,
  X = function(d) return rawformat("%02d:%02d:%02d", d.hour, d.min, d.sec) end,
  y = function(d) return two(d.year % 100) end,
  Y = function(d) return rawformat("%d", d.year) end,
  z = function() return "+0000" end,
  Z = function() return "UTC" end,
  ["%"] = function() return "%" end,
}

local function os_date(format, t)
  if format == nil then format = "%c" end
  local kind = type(format)
  if kind == "number" then format = tostring51(format) elseif kind ~= "string" then bad_argument(1, "date", "string", format) end
  local seconds
  if t == nil then
    seconds = now_seconds()
  else
    local n = tonumber(t)
    if n == nil then bad_argument(2, "date", "number", t) end
    seconds = tointeger(floor(n))
    if seconds == nil then error("bad argument #2 to 'date' (time out-of-bounds)", 2) end
  end
  -- "!" asks for UTC; local time is UTC here anyway.
  if byte(format, 1) == 33 then format = sub(format, 2) end
  local d = broken_down(seconds)
  if sub(format, 1, 2) == "*t" then return d end
  d.epoch = seconds
  return (gsub(format, "%%(.)", function(conversion)
    local convert = CONVERSIONS[conversion]
    if convert == nil then return "%" .. conversion end
    return convert(d)
  end))
end

local function os_clock()
  local _, seconds = clock_source()
  return seconds
end

local function os_difftime(t2, t1)
  local a = tonumber(t2)
  if a == nil then bad_argument(1, "difftime", "number", t2) end
  local b = 0
  if t1 ~= nil then
    b = tonumber(t1)
    if b == nil then bad_argument(2, "difftime", "number", t1) end
  end
  return a - b
end

local SAFE_OS = { clock = os_clock, date = os_date, difftime = os_difftime, time = os_time }
-- ---------------------------------------------------------------------------------------------

local SAFE_COROUTINE = {
  create = coroutine.create, isyieldable = coroutine.isyieldable, running = coroutine.running,
  status = coroutine.status, wrap = coroutine.wrap, yield = coroutine.yield,
  resume = function(co, ...) return passthrough(coroutine.resume(co, ...)) end,
  close = function(co) return passthrough(coroutine.close(co)) end,
}

local LIBS = { table = table, os = SAFE_OS }
local OPEN_LIBS = { table = table, os = SAFE_OS, string = string, math = math, coroutine = SAFE_COROUTINE }

-- require knows only what is already loaded, like gopher-lua with nothing on its search path:
-- Argo CD's own scripts write local os = require("os").
local function require51(name)
  if type(name) ~= "string" then bad_argument(1, "require", "string", name) end
  local env = STATE.env
  if name == "_G" then return env end
  if (STATE.open and OPEN_LIBS or LIBS)[name] ~= nil then return env[name] end
  error("module '" .. name .. "' not found", 2)
end

local BASE = {
  assert = assert, error = error, getmetatable = getmetatable, ipairs = ipairs, next = next, pairs = pairs,
  pcall = safe_pcall, print = print51, rawequal = rawequal, rawget = rawget, rawset = rawset,
  select = select, setmetatable = safe_setmetatable, tonumber = tonumber, tostring = tostring51, type = type,
  unpack = unpack, xpcall = safe_xpcall, _VERSION = "Lua 5.1",
  load = load51, loadstring = loadstring51, require = require51,
  -- gopher-lua's collectgarbage just asks Go to collect; here the state is collected between runs.
  collectgarbage = function() return 0 end,
}

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
  STATE.open = use_open_libs
  local env = setmetatable({ obj = obj }, use_open_libs and OPEN_ENV or CLOSED_ENV)
  env._G = env
  STATE.env = env
  return result_of(fn(env))
end

local function take_output()
  local text = concat(STATE.out)
  STATE.out, STATE.outbytes = {}, 0
  return text
end

return run, take_output, STATE
`;
