-- A wrk script that stops each thread after a fixed number of responses,
-- so that the number of requests sent is known exactly. With one
-- connection per thread (-c equal to -t) no request is in flight when a
-- thread stops, and the server sees exactly what wrk counts.
--
-- OBS_REQUESTS_PER_THREAD: responses per thread.
-- OBS_STOPPED_FILE: each thread appends a line here when it stops, so
-- that the caller can end wrk's fixed duration early with SIGINT.

local limit = tonumber(os.getenv("OBS_REQUESTS_PER_THREAD") or "")
local stopped_file = os.getenv("OBS_STOPPED_FILE")
if limit == nil or limit < 1 then
    error("OBS_REQUESTS_PER_THREAD must be a positive number")
end
local seen = 0

function response(status, headers, body)
    seen = seen + 1
    if seen == limit then
        wrk.thread:stop()
        if stopped_file then
            local file = io.open(stopped_file, "a")
            file:write("stopped\n")
            file:close()
        end
    end
end
