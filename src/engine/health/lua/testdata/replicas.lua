-- Counts from the object end up in the message: they must print as 3, never 3.0.
local want = obj.spec.replicas
local ready = obj.status.readyReplicas or 0
local hs = {}
if ready < want then
  hs.status = "Progressing"
  hs.message = "Waiting: " .. ready .. " of " .. want .. " replicas ready (" .. tostring(want - ready) .. " missing, "
    .. string.format("%d%%", ready / want * 100) .. ", generation " .. tostring(obj.metadata.generation) .. ")"
  return hs
end
hs.status = "Healthy"
hs.message = string.format("%s replicas ready", want)
return hs
