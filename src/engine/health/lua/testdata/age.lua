-- Ages from timestamps, as Argo CD users compute them: string.match needs useOpenLibs; os is always there.
local hs = {}
if obj.status ~= nil and obj.status.readyReplicas == obj.spec.replicas then
  return { status = "Healthy", message = "all replicas ready" }
end
local y, mo, d, h, mi, s = string.match(obj.metadata.creationTimestamp, "(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z")
local created = os.time({ year = tonumber(y), month = tonumber(mo), day = tonumber(d), hour = tonumber(h), min = tonumber(mi), sec = tonumber(s) })
local minutes = math.floor(os.difftime(os.time(), created) / 60)
if minutes > 60 then
  hs.status = "Degraded"
  hs.message = "not ready " .. minutes .. " minutes after creation (" .. os.date("!%Y-%m-%d %H:%M", created) .. ")"
  return hs
end
hs.status = "Progressing"
hs.message = "created " .. minutes .. " minutes ago"
return hs
