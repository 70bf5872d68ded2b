-- wrk script: request the paths listed in the file $CHRONO_PATHS (one a line), in turn.
local paths = {}
for line in io.lines(os.getenv("CHRONO_PATHS")) do
  paths[#paths + 1] = line
end
local next_path = 0

request = function()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
