-- Globals, library tables and the string metatable: none of this may reach the next script.
leaked = "from a previous script"
string.upper = function() return "hijacked" end
table.getn = nil
return { status = "Healthy", message = "wrote globals" }
