return {
  status = "Healthy",
  message = tostring(leaked) .. " " .. ("ok"):upper() .. " " .. string.upper("ok") .. " " .. type(table.getn),
}
