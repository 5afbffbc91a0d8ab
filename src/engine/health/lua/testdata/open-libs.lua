-- Reports which libraries and base functions the script can see.
local seen = {}
for _, name in ipairs({ "string", "math", "coroutine", "table", "os", "require", "load", "loadstring", "collectgarbage",
  "io", "debug", "package", "dofile", "loadfile", "utf8", "rawlen", "getfenv", "setfenv", "module", "newproxy" }) do
  if _G[name] ~= nil then seen[#seen + 1] = name end
end
return { status = "Healthy", message = "libs: " .. table.concat(seen, ",") .. "; " .. _VERSION }
