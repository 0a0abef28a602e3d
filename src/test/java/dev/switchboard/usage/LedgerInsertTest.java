package dev.switchboard.usage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Batches go in as groups of rows per statement plus the rest one by one: every row arrives whole, in order. */
class LedgerInsertTest {
  @TempDir
  Path dir;

  private static LedgerRow row(int i) {
    // Every column distinct per row, nulls and extremes included, so a value bound to the wrong row or column shows.
    return new LedgerRow(1_765_000_000_000L + i, "req-" + i, i % 3 == 0 ? null : "key-" + i, "prov-" + (i % 5),
        "model-" + i, 100 + i, 200 + i, i % 2 == 0 ? 0 : 7 + i, i * 0.000123, 1_000 + i, i % 4 == 0 ? -1 : 50 + i,
        i % 7 == 0 ? 502 : 200, i % 2 == 1, i % 6 == 0 ? null : "prov-" + (i % 5) + ":200", i % 3 == 1,
        i % 4 == 1 ? null : "user-" + i);
  }

  @Test
  void batchesOfEverySizeAroundTheGroupArriveWholeAndInOrder() throws Exception {
    int group = Ledger.ROWS_PER_STATEMENT;
    List<LedgerRow> expected = new ArrayList<>();
    int next = 0;
    try (Ledger ledger = Ledger.open(dir)) {
      for (int size : new int[] {1, group - 1, group, group + 1, 2 * group, 3 * group + 5, 0, 2}) {
        List<LedgerRow> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
          batch.add(row(next++));
        }
        ledger.insert(batch);
        expected.addAll(batch);
      }
      List<Map.Entry<Long, LedgerRow>> stored = ledger.after(0, 10_000);
      assertThat(stored).extracting(Map.Entry::getValue).containsExactlyElementsOf(expected);
      assertThat(stored).extracting(Map.Entry::getKey).isSorted().doesNotHaveDuplicates();
      assertThat(ledger.count()).isEqualTo(expected.size());
    }
  }

  @Test
  void aFailingBatchLeavesNothingOfItself() throws Exception {
    try (Ledger ledger = Ledger.open(dir)) {
      ledger.insert(List.of(row(0)));
      List<LedgerRow> batch = new ArrayList<>();
      for (int i = 1; i <= Ledger.ROWS_PER_STATEMENT + 3; i++) {
        batch.add(row(i));
      }
      // A null time breaks NOT NULL in the last, one-by-one part: the grouped rows before it go back too.
      LedgerRow last = batch.get(batch.size() - 1);
      batch.set(batch.size() - 1, null);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.insert(batch)).isInstanceOf(Exception.class);
      assertThat(ledger.count()).isEqualTo(1);
      batch.set(batch.size() - 1, last);
      ledger.insert(batch);
      assertThat(ledger.count()).isEqualTo(1 + batch.size());
    }
  }
}
