-- RFC 3339 times in UTC compare correctly as text, so this needs no string library: os.date gives
-- the current time in the same form (the way Argo CD's own restart action writes timestamps).
local now = os.date("!%Y-%m-%dT%XZ")
local notAfter = obj.status and obj.status.notAfter
if notAfter == nil then
  return { status = "Progressing", message = "Waiting for certificate" }
end
if notAfter <= now then
  return { status = "Degraded", message = "Certificate expired at " .. notAfter .. " (now " .. now .. ")" }
end
return { status = "Healthy", message = "Certificate valid until " .. notAfter }
