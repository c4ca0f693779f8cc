-- wrk script: every request carries the admin bearer token taken from the environment
-- (GH_LOAD_BEARER_TOKEN), so that the token never appears on a command line.
local token = os.getenv("GH_LOAD_BEARER_TOKEN")
if token == nil or token == "" then
    error("GH_LOAD_BEARER_TOKEN is not set")
end
wrk.headers["Authorization"] = "Bearer " .. token
