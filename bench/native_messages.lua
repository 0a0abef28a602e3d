-- wrk script: Anthropic Messages API request (JSON response), passed through natively to an Anthropic provider.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.body = '{"model":"bench-claude","system":"You are a helpful assistant.","max_tokens":64,"temperature":0.2,'
  .. '"messages":[{"role":"user","content":"Say hello in one short sentence."}]}'
