-- cert-manager style: Ready=True is healthy, a certificate still being issued is progressing.
hs = {}
if obj.status ~= nil and obj.status.conditions ~= nil then
  for i, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      if condition.status == "True" then
        hs.status = "Healthy"
        hs.message = condition.message
        return hs
      end
      if condition.reason == "Issuing" or condition.reason == "InProgress" then
        hs.status = "Progressing"
        hs.message = condition.message
        return hs
      end
      hs.status = "Degraded"
      hs.message = condition.message
      return hs
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for certificate"
return hs
