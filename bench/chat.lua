-- wrk script: non-streaming chat completion (JSON response).
-- usage: wrk -t2 -c50 -d15s --latency -s bench/chat.lua http://127.0.0.1:8080/v1/chat/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"model":"bench-model","messages":[{"role":"system","content":"You are a helpful assistant."},'
  .. '{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.2,"max_tokens":64,"stream":false}'
