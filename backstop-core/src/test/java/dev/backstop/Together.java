package dev.backstop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Runs tasks on threads of their own, started together on a latch, and waits for them all. */
final class Together {

  private Together() {}

  /** Runs every task at once; rethrows the first failure, in task order. */
  static void run(List<? extends Callable<?>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> futures = new ArrayList<>();
    for (Callable<?> task : tasks) {
      futures.add(
          pool.submit(
              () -> {
                start.await();
                return task.call();
              }));
    }
    start.countDown();
    try {
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Runs {@code threads} copies of {@code task}, each given its index. */
  static void run(int threads, Task task) throws Exception {
    List<Callable<Void>> tasks = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      tasks.add(
          () -> {
            task.run(id);
            return null;
          });
    }
    run(tasks);
  }

  /** A task that knows which of the threads runs it. */
  interface Task {
    void run(int id) throws Exception;
  }
}
