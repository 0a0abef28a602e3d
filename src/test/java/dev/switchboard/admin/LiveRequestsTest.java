package dev.switchboard.admin;

import dev.switchboard.api.AbandonedAttempt;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's request list shows a hedge loser's estimated tokens in its attempts entry. */
class LiveRequestsTest {
  @Test
  void aHedgeLosersEntrySaysWhatItIsEstimatedToHaveCost() {
    List<String> shown = LiveRequests.attemptsShown(List.of("s:hedge_lost", "b:200"),
        List.of(new AbandonedAttempt("s", "m1", 0, "hedge_lost")), 412);
    assertThat(shown).containsExactly("s:hedge_lost (~412 tokens billed)", "b:200");
  }
}
