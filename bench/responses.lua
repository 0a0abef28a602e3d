-- wrk script: OpenAI Responses API request (JSON response), translated to chat by the gateway.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-model","instructions":"You are a helpful assistant.",'
  .. '"input":"Say hello in one short sentence.","temperature":0.2,"max_output_tokens":64,"store":false}'
