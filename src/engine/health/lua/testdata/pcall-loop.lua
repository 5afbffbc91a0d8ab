-- A script that catches errors must still be stopped by the time limit.
while true do
  pcall(function() while true do end end)
end
