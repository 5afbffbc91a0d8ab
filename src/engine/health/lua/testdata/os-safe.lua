-- Which os functions a script can reach: the same safe subset with or without useOpenLibs.
local names = {}
for _, name in ipairs({ "time", "date", "clock", "difftime", "execute", "exit", "getenv", "remove", "rename", "tmpname", "setlocale" }) do
  if os[name] ~= nil then names[#names + 1] = name end
end
local required = require("os")
return { status = "Healthy", message = "os: " .. table.concat(names, ",") .. "; require(\"os\") is os: " .. tostring(required == os) }
