package dev.backstop.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A class histogram of this JVM's heap: instances and bytes per class, as {@code jcmd <pid>
 * GC.class_histogram} prints it, taken through the same diagnostic command from inside the JVM. The
 * difference of two histograms says exactly which objects, by class, appeared in between.
 *
 * @param classes instances and bytes by class name ({@code [B} is {@code byte[]})
 */
record Histogram(Map<String, Count> classes) {

  /** One line of {@code GC.class_histogram}: {@code num: #instances #bytes class (module)}. */
  private static final Pattern LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

  /**
   * How many objects of one class, and their bytes; per operation after {@link Histogram#per}.
   *
   * @param name the class name as the JVM prints it, e.g. {@code [J} or {@code java.lang.String}
   * @param objects the number of instances
   * @param bytes their shallow size in bytes
   */
  record Count(String name, double objects, double bytes) {}

  /**
   * Takes the histogram of the live objects, after a full collection, or with {@code all} of every
   * object in the heap, unreachable ones included, without a collection. The text is parsed by
   * {@link #parse} afterwards, so that taking one histogram allocates only its text.
   */
  static String take(boolean all) {
    try {
      return (String)
          ManagementFactory.getPlatformMBeanServer()
              .invoke(
                  new ObjectName("com.sun.management:type=DiagnosticCommand"),
                  "gcClassHistogram",
                  new Object[] {all ? new String[] {"-all"} : new String[0]},
                  new String[] {String[].class.getName()});
    } catch (JMException e) {
      throw new IllegalStateException("GC.class_histogram is not available in this JVM", e);
    }
  }

  /** Parses the text of {@code GC.class_histogram}. */
  static Histogram parse(String text) {
    Map<String, Count> classes = new HashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (m.find()) {
        String name = m.group(3);
        // A class loaded twice (by two loaders) has two lines.
        classes.merge(
            name,
            new Count(name, Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
            (a, b) -> new Count(name, a.objects() + b.objects(), a.bytes() + b.bytes()));
      }
    }
    return new Histogram(classes);
  }

  /**
   * What appeared between {@code before} and this histogram, per operation of {@code operations}:
   * every class whose count changed, the largest in bytes first.
   */
  List<Count> since(Histogram before, long operations) {
    List<Count> grown = new ArrayList<>();
    for (Count now : classes.values()) {
      Count then = before.classes.getOrDefault(now.name(), new Count(now.name(), 0, 0));
      if (now.objects() != then.objects() || now.bytes() != then.bytes()) {
        grown.add(
            new Count(
                now.name(),
                (now.objects() - then.objects()) / operations,
                (now.bytes() - then.bytes()) / operations));
      }
    }
    for (Count then : before.classes.values()) {
      if (!classes.containsKey(then.name())) {
        grown.add(new Count(then.name(), -then.objects() / operations, -then.bytes() / operations));
      }
    }
    grown.sort(Comparator.comparingDouble((Count c) -> -Math.abs(c.bytes())));
    return grown;
  }

  /** The sum of the objects and bytes of {@code counts}, named {@code name}. */
  static Count total(String name, List<Count> counts) {
    double objects = 0;
    double bytes = 0;
    for (Count c : counts) {
      objects += c.objects();
      bytes += c.bytes();
    }
    return new Count(name, objects, bytes);
  }

  /**
   * The counts of {@code minuend} less those of {@code subtrahend}, class by class: what one path
   * allocates beyond another. Classes whose difference is below {@code threshold} objects per
   * operation either way are left out as noise.
   */
  static List<Count> minus(List<Count> minuend, List<Count> subtrahend, double threshold) {
    Map<String, Count> diff = new HashMap<>();
    for (Count c : minuend) {
      diff.put(c.name(), c);
    }
    for (Count c : subtrahend) {
      diff.merge(
          c.name(),
          new Count(c.name(), -c.objects(), -c.bytes()),
          (a, b) -> new Count(a.name(), a.objects() + b.objects(), a.bytes() + b.bytes()));
    }
    List<Count> kept = new ArrayList<>();
    for (Count c : diff.values()) {
      if (Math.abs(c.objects()) >= threshold) {
        kept.add(c);
      }
    }
    kept.sort(Comparator.comparingDouble((Count c) -> -Math.abs(c.bytes())));
    return kept;
  }
}
