-- wrk script: OpenAI Responses API request (JSON response), passed through natively to a provider with responses: true.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench-native","instructions":"You are a helpful assistant.",'
  .. '"input":"Say hello in one short sentence.","temperature":0.2,"max_output_tokens":64,"store":false}'
