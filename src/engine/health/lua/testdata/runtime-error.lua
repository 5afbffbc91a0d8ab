local hs = {}
-- status.phase does not exist on this object: indexing nil fails.
if obj.status.phase.ready then
  hs.status = "Healthy"
end
return hs
