package dev.switchboard.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How Switchboard talks to a provider. */
public enum ProviderType {
  /** Any OpenAI-compatible HTTP API: OpenAI, OpenRouter, Groq, vLLM, Ollama, the compatibility endpoints of others. */
  OPENAI,
  /** Switchboard's own degraded answers, used when no real provider can serve. */
  LOCAL,
  /** Anthropic's Messages API ({@code /v1/messages}), translated to and from OpenAI's shapes. */
  ANTHROPIC,
  /** Google's Gemini API ({@code :generateContent}, {@code :streamGenerateContent}, embeddings), translated. */
  GEMINI,
  /** Azure OpenAI's per-deployment URLs with {@code api-version} and the {@code api-key} header. */
  AZURE;

  public static Optional<ProviderType> parse(String text) {
    try {
      return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public static String names() {
    return Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));
  }
}
