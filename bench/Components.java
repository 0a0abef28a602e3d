import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import dev.switchboard.api.Usage;
import dev.switchboard.config.AuthConfig;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.ratelimit.LocalBuckets;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.server.AccessLog;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Per-component cost of the request path's hot pieces, in CPU nanoseconds per call of this thread (ThreadMXBean, so
 * other processes on a shared machine do not inflate it), median of 15 batches after warm-up. Runs against any build:
 * {@code java -cp target/switchboard.jar bench/Components.java} (or -cp /work/bench-before.jar for the old one).
 *
 * <ul>
 *   <li>access-log line: {@code AccessLog.finished} of a served stream's outcome, to a logger whose only handler
 *       (JUL, older builds) or appender (Logback, since issue 17) counts; the batching appender adds a queue
 *       offer;</li>
 *   <li>key check: {@code RateLimiter.admit} for a key with rpm and tpm limits (local buckets), body = the
 *       bench-compare chat request (its token estimate included);</li>
 *   <li>request metrics: {@code GatewayMetrics.requestFinished} + tokens, on a Prometheus registry.</li>
 * </ul>
 */
public class Components {
  static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
  static volatile Object sink;

  interface Op {
    void run() throws Throwable;
  }

  public static void main(String[] args) throws Throwable {
    String chat = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a concise "
        + "assistant for an e-commerce support desk. Answer in at most three sentences and never invent order "
        + "numbers.\"},{\"role\":\"user\",\"content\":\"Hi! I ordered a pair of running shoes last Tuesday and the "
        + "tracking page still says 'label created'. Is that normal, and when should I expect the parcel?\"}],"
        + "\"temperature\":0.2,\"max_tokens\":256,\"user\":\"bench-user-42\"}";
    JsonObject body = new JsonObject(chat);
    GatewayRequest request = new GatewayRequest("req_0123456789abcdef", Endpoint.CHAT, "gpt-4o-mini", true, false,
        body, Buffer.buffer(chat), "bench", null, null, System.nanoTime());

    if (args.length > 0 && args[0].equals("--log-pipeline")) {
      logPipeline(request);
      return;
    }
    // The access log logs through JUL in older builds and to Logback directly since issue 17: count on both sides,
    // and keep the lines from any console appender.
    Logger access = Logger.getLogger("switchboard.access");
    access.setUseParentHandlers(false);
    long[] lines = new long[1];
    access.addHandler(new Handler() {
      @Override
      public void publish(LogRecord r) {
        lines[0] += r.getMessage().length();
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    });
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
      ch.qos.logback.classic.Logger logback = context.getLogger("switchboard.access");
      logback.setAdditive(false);
      ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> counting =
          new ch.qos.logback.core.AppenderBase<>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
              lines[0] += e.getFormattedMessage().length();
            }
          };
      counting.setContext(context);
      counting.start();
      logback.addAppender(counting);
    }
    AccessLog log = new AccessLog(true);
    long t0 = System.nanoTime();
    RequestOutcome outcome = new RequestOutcome("req_0123456789abcdef", "POST", "/v1/chat/completions", "chat",
        request, "bench", "openai", "gpt-4o-mini-2024-07-18", List.of("openai:200"), 200, ClientReply.Outcome.OK,
        null, 16, new Usage(61, 54, 115, 0), "BYPASS", false, Usage.NONE, false, null, t0, t0 + 1_234_567,
        t0 + 2_345_678, true, 317);
    measure("access-log line", () -> log.finished(outcome));
    dev.switchboard.server.RequestValidator validator = new dev.switchboard.server.RequestValidator();
    Buffer raw = Buffer.buffer(chat);
    measure("request parse (RequestValidator.parse, chat body)", () -> sink = validator.parse(Endpoint.CHAT, raw,
        "req_0123456789abcdef", "bench", null, null, 0L));

    // The writer thread's credential filter over one access line (package-private: called through a method handle).
    java.lang.reflect.Method filter = Class.forName("dev.switchboard.logging.CredentialPatterns")
        .getDeclaredMethod("mayHoldOne", String.class);
    filter.setAccessible(true);
    java.lang.invoke.MethodHandle mayHoldOne = java.lang.invoke.MethodHandles.lookup().unreflect(filter);
    String accessLine = "{\"ts\":\"2026-12-06T16:49:23.175Z\",\"type\":\"access\",\"request_id\":"
        + "\"req_c0c7c6e1e799e48fc0c7c6e1e799e48f\",\"method\":\"POST\",\"path\":\"/v1/chat/completions\","
        + "\"status\":200,\"outcome\":\"ok\",\"duration_ms\":23.71,\"client\":\"bench\",\"model\":"
        + "\"gpt-4o-mini\",\"stream\":false,\"cache\":\"bypass\",\"provider\":\"openai\",\"upstream_model\":"
        + "\"gpt-4o-mini-2024-07-18\",\"attempts\":\"openai:200\",\"prompt_tokens\":61,\"completion_tokens\":54}";
    measure("credential filter over an access line (writer thread)",
        () -> sink = (boolean) mayHoldOne.invokeExact(accessLine));

    // What the access log's JUL detour cost (issue 17 moved it to Logback directly): one line through JUL and the
    // SLF4J bridge to a Logback logger, against the same line straight to a Logback logger; both end in a counting
    // appender.
    if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context) {
      for (String name : List.of("bench.bridged", "bench.direct")) {
        ch.qos.logback.classic.Logger logback = context.getLogger(name);
        logback.setAdditive(false);
        ch.qos.logback.core.AppenderBase<ch.qos.logback.classic.spi.ILoggingEvent> counting =
            new ch.qos.logback.core.AppenderBase<>() {
              @Override
              protected void append(ch.qos.logback.classic.spi.ILoggingEvent e) {
                lines[0] += e.getFormattedMessage().length();
              }
            };
        counting.setContext(context);
        counting.start();
        logback.addAppender(counting);
      }
      org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
      org.slf4j.bridge.SLF4JBridgeHandler.install();
      Logger bridged = Logger.getLogger("bench.bridged");
      org.slf4j.Logger direct = org.slf4j.LoggerFactory.getLogger("bench.direct");
      measure("a line through JUL and the SLF4J bridge to Logback", () -> bridged.info(accessLine));
      measure("the same line to a Logback logger directly", () -> direct.info(accessLine));
      org.slf4j.bridge.SLF4JBridgeHandler.uninstall();
    }

    AuthConfig auth = new AuthConfig(List.of(new ClientKeyConfig("bench", Secret.of("sk-bench-key"),
        new Limits(100_000_000, 100_000_000_000L, 100_000_000, 100_000_000_000L), 0, 0)), Secret.of(""));
    GatewayMetrics metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    RateLimiter limiter = new RateLimiter(RateLimitConfig.DEFAULT, auth, new LocalBuckets(), metrics);
    limiter.providerLimits(true);
    measure("key check (admit, estimate included)", () -> sink = limiter.admit(request, null, null).result());
    measure("token estimate alone", () -> sink = limiter.estimate(request));

    measure("request metrics (requestFinished + 2 token counters)", () -> {
      metrics.requestStarted();
      metrics.requestFinished("chat", "openai", 200, "ok", 2_345_678);
      metrics.tokens("openai", "gpt-4o-mini-2024-07-18", "prompt", 61);
      metrics.tokens("openai", "gpt-4o-mini-2024-07-18", "completion", 54);
    });

    Path canned = Path.of("/work/shared/bench-compare/nginx/html/canned/chat_completion.sse");
    if (Files.exists(canned)) {
      Buffer stream = Buffer.buffer(Files.readAllBytes(canned));
      int[] events = new int[1];
      measure("SSE parse of the canned 16-event stream (one read)", () -> {
        dev.switchboard.api.SseParser parser = new dev.switchboard.api.SseParser(1 << 20, e -> events[0]++);
        parser.feed(stream);
        parser.finish();
      });
    }
    if (Files.exists(canned)) {
      // The OpenAI adapter's per-stream work: parse + translate all 16 events (the preamble check until the first
      // content chunk, the usage scan of every chunk); the emitted payloads are only counted.
      dev.switchboard.provider.openai.OpenAiAdapter adapter = new dev.switchboard.provider.openai.OpenAiAdapter(
          dev.switchboard.config.ConfigLoader.fromYaml("""
              providers:
                openai: {type: openai, base_url: "http://127.0.0.1:1/v1", api_key: sk-x, models: [gpt-4o-mini]}
              """, java.util.Map.of()).providers().get("openai"));
      GatewayRequest streamRequest = new GatewayRequest("req_0123456789abcdef", Endpoint.CHAT, "gpt-4o-mini", true,
          true, body, Buffer.buffer(chat), "bench", null, null, System.nanoTime());
      Buffer stream = Buffer.buffer(Files.readAllBytes(canned));
      long[] emitted = new long[1];
      java.util.function.Consumer<Buffer> emit = b -> emitted[0] += b.length();
      measure("SSE parse + OpenAI translate, canned 16-event stream", () -> {
        dev.switchboard.provider.StreamTranslator t = adapter.streamTranslator(streamRequest);
        dev.switchboard.api.SseParser parser = new dev.switchboard.api.SseParser(1 << 20, e -> t.onEvent(e, emit));
        parser.feed(stream);
        parser.finish();
        sink = t.usage();
      });
      Buffer reply = Buffer.buffer("{\"id\":\"chatcmpl-B9MHD\",\"object\":\"chat.completion\",\"created\":1733480000,"
          + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          + "\"content\":\"'Label created' usually means the parcel is waiting for pickup.\",\"refusal\":null},"
          + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":62,\"completion_tokens\":41,"
          + "\"total_tokens\":103,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
          + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}},"
          + "\"service_tier\":\"default\",\"system_fingerprint\":\"fp_0ba0d124f1\"}");
      measure("OpenAI JSON reply translate (usage read)", () ->
          sink = adapter.translateReply(streamRequest, "application/json", reply));
    }
    accounting(request, outcome);
    System.out.println("(access-log bytes written: " + lines[0] + ")");
  }

  /**
   * The finish path's accounting for the same outcome (ledger row, spend counters, statistics: what
   * {@code LedgerListener.finished} does per request; the row queue is emptied every 10,000 rows, as the ledger's
   * writer would, its poll included), the cost header's text, and the key lookup's hash.
   */
  static void accounting(GatewayRequest request, RequestOutcome outcome) throws Exception {
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      dev.switchboard.provider.ProviderRegistry providers = new dev.switchboard.provider.ProviderRegistry(
          dev.switchboard.config.ConfigLoader.fromYaml("""
              providers:
                openai:
                  base_url: http://127.0.0.1:1/v1
                  models: [{name: gpt-4o-mini-2024-07-18, input_price: 0.15, output_price: 0.6}]
              """, java.util.Map.of()));
      dev.switchboard.usage.ClientKeys keys = new dev.switchboard.usage.ClientKeys(
          List.of(new ClientKeyConfig("bench", Secret.of("sk-bench-0123456789abcdef0123456789abcdef"))));
      dev.switchboard.usage.UsageService usage = new dev.switchboard.usage.UsageService(vertx,
          new dev.switchboard.config.UsageConfig("data", false, java.time.ZoneOffset.UTC, java.time.Duration.ofDays(90),
              java.time.Duration.ofMillis(100), 0.8),
          new dev.switchboard.usage.BudgetWindows(java.time.Clock.systemUTC(), java.time.ZoneOffset.UTC), keys,
          providers, new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
      dev.switchboard.usage.LedgerListener ledger = new dev.switchboard.usage.LedgerListener(usage, providers,
          r -> 61, System::currentTimeMillis, new dev.switchboard.usage.StatsListener(
              new dev.switchboard.usage.RequestStats(java.time.Duration.ofMinutes(10),
                  dev.switchboard.config.Clocks.SYSTEM)));
      java.lang.reflect.Method drain = usage.getClass().getDeclaredMethod("drain", int.class);
      drain.setAccessible(true);
      int[] rows = new int[1];
      measure("ledger listener (row, spend, stats)", () -> {
        ledger.finished(outcome);
        if (++rows[0] == 10_000) {
          rows[0] = 0;
          drain.invoke(usage, Integer.MAX_VALUE);
        }
      });
      dev.switchboard.server.RequestMetrics requestMetrics = new dev.switchboard.server.RequestMetrics(
          new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
      measure("request metrics listener (RequestMetrics.finished)", () -> requestMetrics.finished(outcome));
      double cost = 61 * 0.15 / 1e6 + 54 * 0.6 / 1e6;
      measure("cost header text (CostText.of)", () -> sink = dev.switchboard.api.CostText.of(cost));
      measure("key lookup (ClientKeys.bySecret)",
          () -> sink = keys.bySecret("sk-bench-0123456789abcdef0123456789abcdef"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  /**
   * The whole access-log pipeline as the gateway runs it: the Logback logger (JUL bridged to SLF4J in older builds),
   * the batching appender (Logback's async appender in older builds) and its writer thread to stdout (run with
   * {@code > /dev/null}, or to a file and count the lines); process CPU (all threads, the writer's syscalls included)
   * per line (less the same paced loop with the log off), printed on stderr. Lines are offered at a rate the writer
   * keeps up with: a line dropped by a full queue would cost less than one written.
   */
  static void logPipeline(GatewayRequest request) throws Exception {
    dev.switchboard.logging.LogbackSetup.install(dev.switchboard.config.LoggingConfig.of(true, "info"),
        dev.switchboard.config.Secrets.none());
    AccessLog log = new AccessLog(true);
    long t0 = System.nanoTime();
    RequestOutcome outcome = new RequestOutcome("req_0123456789abcdef", "POST", "/v1/chat/completions", "chat",
        request, "bench", "openai", "gpt-4o-mini-2024-07-18", List.of("openai:200"), 200, ClientReply.Outcome.OK,
        null, 16, new Usage(61, 54, 115, 0), "BYPASS", false, Usage.NONE, false, null, t0, t0 + 1_234_567,
        t0 + 2_345_678, true, 317);
    AccessLog off = new AccessLog(false);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double[] perLine = new double[7];
    for (int round = -3; round < perLine.length; round++) {
      // The same paced loop with the access log off: what the process spends anyway (the pacing's own wakes, JIT,
      // GC threads) is subtracted, leaving the lines' cost.
      long with = cpuOfPacedLines(os, log, outcome);
      long without = cpuOfPacedLines(os, off, outcome);
      if (round >= 0) {
        perLine[round] = (with - without) / (double) PACED_LINES;
      }
    }
    Arrays.sort(perLine);
    dev.switchboard.logging.LogbackSetup.stop();
    System.err.printf("access log, whole pipeline (line + queue + writer thread + stdout), process CPU: %.0f ns/line"
        + " (min %.0f, max %.0f)%n", perLine[perLine.length / 2], perLine[0], perLine[perLine.length - 1]);
  }

  static final int PACED_LINES = 40_000;

  /** Process CPU of {@link #PACED_LINES} calls of {@code log}, 32 a millisecond at most. */
  static long cpuOfPacedLines(com.sun.management.OperatingSystemMXBean os, AccessLog log, RequestOutcome outcome) {
    long c0 = os.getProcessCpuTime();
    for (int i = 0; i < PACED_LINES; i++) {
      log.finished(outcome);
      if ((i & 31) == 31) {
        // 32 lines per millisecond at most (a gateway serving 32,000 requests a second): a writer that keeps up
        // drops none. (1,024 per ms, as here before, outran both writers: most lines were dropped, which is cheap.)
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
    }
    return os.getProcessCpuTime() - c0;
  }

  static void measure(String name, Op op) throws Throwable {
    int batch = 20_000;
    for (int i = 0; i < 30 * batch; i++) {
      op.run();
    }
    double[] perOp = new double[15];
    for (int b = 0; b < perOp.length; b++) {
      long c0 = CPU.getCurrentThreadCpuTime();
      for (int i = 0; i < batch; i++) {
        op.run();
      }
      perOp[b] = (CPU.getCurrentThreadCpuTime() - c0) / (double) batch;
    }
    Arrays.sort(perOp);
    System.out.printf("%-55s %8.0f ns/op (min %.0f, max %.0f)%n", name, perOp[perOp.length / 2], perOp[0],
        perOp[perOp.length - 1]);
  }
}
