package dev.backstop.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReceiptsTest {

  @Test
  void eachNumberIsReceivedOnceRepeatsAndStraysAreCountedApart() {
    Receipts r = new Receipts(130);
    r.mark(0);
    r.mark(64);
    r.mark(129);
    r.mark(64);
    r.mark(Receipts.WARM_UP);
    r.mark(130);
    r.mark(-2);
    assertThat(r.received()).isEqualTo(3);
    assertThat(r.repeats()).isEqualTo(1);
    assertThat(r.strays()).isEqualTo(2);
    assertThat(r.contains(0)).isTrue();
    assertThat(r.contains(1)).isFalse();
    assertThat(r.contains(129)).isTrue();
    assertThat(r.contains(130)).isFalse();
  }

  @Test
  void threadsMarkingTogetherLoseNothing() throws InterruptedException {
    int threads = 8;
    int ids = 100_000;
    Receipts r = new Receipts(ids);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int offset = t;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                // Every thread marks every even number, and its own share of the odd ones, so
                // words are contended on every bit.
                for (int id = 0; id < ids; id++) {
                  if (id % 2 == 0 || id % threads == offset) {
                    r.mark(id);
                  }
                }
              });
      thread.start();
      all.add(thread);
    }
    start.countDown();
    for (Thread t : all) {
      t.join();
    }
    assertThat(r.received()).isEqualTo(ids);
    assertThat(r.repeats()).isEqualTo((long) (threads - 1) * (ids / 2));
    assertThat(r.strays()).isZero();
  }
}
