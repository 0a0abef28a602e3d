package dev.switchboard.api;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplyRecorderTest {
  @Test
  void attemptsReadAsProviderColonResultAndAmendingReplacesTheProvidersLastOne() {
    ReplyRecorder books = new ReplyRecorder("req-1", "POST", "/v1/chat/completions", 0);
    books.attempt("a", "503");
    books.attempt("b", "200");
    books.attempt("a", "200");
    books.amendLastAttempt("a", "cut");
    books.amendLastAttempt("c", "resumed");
    assertThat(books.attempts()).containsExactly("a:503", "b:200", "a:cut", "c:resumed");

    ReplyRecorder next = new ReplyRecorder("req-2", "POST", "/v1/chat/completions", 0);
    next.attempt("b", "200");
    assertThat(next.attempts().get(0)).as("one text per provider and result, shared by requests")
        .isSameAs(books.attempts().get(1));
    assertThat(List.of(ReplyRecorder.attemptText("azure:eu", "timeout"))).containsExactly("azure:eu:timeout");
  }
}
