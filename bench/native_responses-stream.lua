-- wrk script: streaming OpenAI Responses API request (SSE, latency = time to the end of the stream), passed through natively.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.body = '{"model":"bench-native","instructions":"You are a helpful assistant.",'
  .. '"input":"Say hello in one short sentence.","temperature":0.2,"max_output_tokens":64,"store":false,"stream":true}'
