-- wrk script: streaming Anthropic Messages API request (SSE, latency = time to the end of the stream), passed through natively.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.body = '{"model":"bench-claude","system":"You are a helpful assistant.","max_tokens":64,"temperature":0.2,'
  .. '"stream":true,"messages":[{"role":"user","content":"Say hello in one short sentence."}]}'
