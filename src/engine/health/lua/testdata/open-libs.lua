-- Reports which libraries the script can see.
local seen = {}
for _, name in ipairs({ "os", "io", "debug", "package", "require", "dofile", "loadfile", "load", "coroutine", "utf8" }) do
  if _G[name] ~= nil then seen[#seen + 1] = name end
end
local clock = "no clock"
if os ~= nil then clock = "os.time " .. type(os.time()) .. ", os.execute " .. type(os.execute) .. ", os.getenv " .. type(os.getenv) end
return { status = "Healthy", message = "libs: " .. table.concat(seen, ",") .. "; " .. clock }
