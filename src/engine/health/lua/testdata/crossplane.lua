-- One script for every Crossplane managed resource: both Synced and Ready must be True.
local health_status = {}
local synced, ready = nil, nil
if obj.status == nil or obj.status.conditions == nil then
  health_status.status = "Progressing"
  health_status.message = "Waiting for " .. obj.kind .. " to report conditions"
  return health_status
end
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Synced" then synced = c end
  if c.type == "Ready" then ready = c end
end
if synced ~= nil and synced.status == "False" then
  health_status.status = "Degraded"
  health_status.message = synced.message or synced.reason
  return health_status
end
if ready ~= nil and ready.status == "True" then
  health_status.status = "Healthy"
  health_status.message = obj.kind .. " " .. obj.metadata.name .. " is available"
  return health_status
end
health_status.status = "Progressing"
health_status.message = "Waiting for " .. obj.kind .. " to become ready"
return health_status
