-- Lua 5.1 library functions older scripts still use.
local conditions = obj.status.conditions
local n = table.getn(conditions)
local first, second = unpack({ conditions[1].type, conditions[2].type })
local words = {}
for word in string.gfind("a b c", "%a+") do words[#words + 1] = word end
return {
  status = "Healthy",
  message = n .. " conditions: " .. first .. "," .. second .. "; 2^10=" .. math.pow(2, 10) .. "; words=" .. table.getn(words),
}
