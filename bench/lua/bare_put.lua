-- Bare-app PUT ceiling: a 3 KB JSON body per request (the app reads all of it).
wrk.method = "PUT"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"data":{"type":"case","attributes":{"pad":"' .. string.rep("x", 3000 - 48) .. '"}}}'
