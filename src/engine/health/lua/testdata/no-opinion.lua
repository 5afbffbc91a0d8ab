-- Only judges objects with a status; returning nil hands the rest to the built-in checks.
if obj.status == nil then return nil end
return { status = "Suspended", message = "judged by Lua" }
