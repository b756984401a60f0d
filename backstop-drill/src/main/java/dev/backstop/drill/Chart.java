package dev.backstop.drill;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a {@link Timeline}: requests offered, sent, rejected and failed at the backend per 100 ms
 * on the left axis, the breaker's rejection probability on the right axis, dead phases shaded and
 * every phase boundary marked and labelled.
 *
 * <p>Runs headless (it never opens a window). Stateless and thread-safe.
 */
public final class Chart {

  private static final Color OFFERED = new Color(0xBDBDBD);
  private static final Color SENT = new Color(0x2E7D32);
  private static final Color REJECTED = new Color(0xEF6C00);
  private static final Color FAILED = new Color(0xC62828);
  private static final Color PROBABILITY = new Color(0x1565C0);
  private static final Color SHADE = new Color(198, 40, 40, 40);

  private static final int WIDTH = 1200;
  private static final int HEIGHT = 600;

  private Chart() {}

  /**
   * Writes the chart of {@code timeline} to {@code out}, creating or replacing the file, as PNG if
   * the name ends in {@code .png} or SVG if it ends in {@code .svg}.
   *
   * @param title the chart's title
   * @throws IllegalArgumentException if the name ends in neither
   * @throws IOException if the file cannot be written
   */
  public static void write(Timeline timeline, String title, Path out) throws IOException {
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(title, "title");
    boolean png = isPng(out);
    XYChart chart = draw(timeline, title);
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (png) {
      png(BitmapEncoder.getBufferedImage(chart), out);
    } else {
      try (OutputStream stream = Files.newOutputStream(out)) {
        VectorGraphicsEncoder.saveVectorGraphic(
            chart, stream, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
      }
    }
  }

  /**
   * A line drawn beside a timeline's own, on the left axis: one value per slot.
   *
   * @param name the legend's label
   * @param values one per slot of the timeline
   * @param color the line's color
   */
  record Extra(String name, double[] values, Color color) {}

  /**
   * Writes several charts one above the other into one PNG file, each with its own extra lines
   * ({@code extras.get(i)} for {@code timelines.get(i)}).
   */
  static void writeStacked(
      List<Timeline> timelines, List<String> titles, List<List<Extra>> extras, Path out)
      throws IOException {
    if (!isPng(out)) {
      throw new IllegalArgumentException("out must end in .png for this chart, was " + out);
    }
    List<XYChart> charts = new java.util.ArrayList<>();
    for (int i = 0; i < timelines.size(); i++) {
      charts.add(draw(timelines.get(i), titles.get(i), extras.get(i)));
    }
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    BufferedImage image =
        new BufferedImage(WIDTH, HEIGHT * charts.size(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      for (XYChart chart : charts) {
        chart.paint(g, WIDTH, HEIGHT);
        g.translate(0, HEIGHT);
      }
    } finally {
      g.dispose();
    }
    png(image, out);
  }

  /**
   * Writes a PNG through an in-memory cache. ImageIO's default file cache registers a shutdown
   * hook, which fails while the JVM shuts down: exactly when the live drill draws its chart after
   * Ctrl-C.
   */
  private static void png(BufferedImage image, Path out) throws IOException {
    try (OutputStream stream = Files.newOutputStream(out);
        ImageOutputStream cached = new MemoryCacheImageOutputStream(stream)) {
      if (!ImageIO.write(image, "png", cached)) {
        throw new IOException("no PNG writer in this JDK");
      }
    }
  }

  /**
   * Returns true if {@code out} names a PNG file, false if an SVG file.
   *
   * @throws IllegalArgumentException if it names neither
   */
  static boolean isPng(Path out) {
    Path name = Objects.requireNonNull(out, "out").getFileName();
    String lower = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
    if (!lower.endsWith(".png") && !lower.endsWith(".svg")) {
      throw new IllegalArgumentException("out must end in .png or .svg, was " + out);
    }
    return lower.endsWith(".png");
  }

  static XYChart draw(Timeline timeline, String title) {
    return draw(timeline, title, List.of());
  }

  /** Draws {@code timeline} with {@code extras} after its own lines, before the probability. */
  static XYChart draw(Timeline timeline, String title, List<Extra> extras) {
    List<Slot> slots = timeline.slots();
    int n = slots.size();
    double step = Timeline.SLOT.toNanos() / 1e9;
    double[] x = new double[n];
    double[] offered = new double[n];
    double[] sent = new double[n];
    double[] rejected = new double[n];
    double[] failed = new double[n];
    double[] probability = new double[n];
    double top = 1;
    boolean hasProbability = false;
    for (int i = 0; i < n; i++) {
      Slot s = slots.get(i);
      x[i] = i * step;
      offered[i] = s.offered();
      sent[i] = s.sent();
      rejected[i] = s.rejected();
      failed[i] = s.failed();
      probability[i] = s.probability();
      hasProbability |= !Double.isNaN(s.probability());
      top = Math.max(top, s.offered());
    }
    for (Extra e : extras) {
      for (double v : e.values()) {
        top = Math.max(top, v);
      }
    }
    top = Math.ceil(top * 1.15);

    XYChart chart = new XYChart(WIDTH, HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle("time (s)");
    chart.setYAxisTitle("requests per 100 ms");
    XYStyler styler = chart.getStyler();
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotGridLinesColor(new Color(0xE0E0E0));
    styler.setMarkerSize(0);
    styler.setYAxisMin(0, 0.0);
    styler.setYAxisMax(0, top);
    styler.setXAxisMin(0.0);
    styler.setXAxisMax(n * step);
    styler.setXAxisDecimalPattern("0");
    styler.setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
    styler.setYAxisMin(1, 0.0);
    styler.setYAxisMax(1, 1.0);
    styler.putYAxisGroupDecimalPatternMap(1, "0%");
    styler.setAntiAlias(true);

    shade(chart, timeline, top, step);
    line(chart, "offered", x, offered, OFFERED, 4f, 0);
    line(chart, "sent", x, sent, SENT, 1.2f, 0);
    line(chart, "rejected", x, rejected, REJECTED, 1.2f, 0);
    line(chart, "failed at backend", x, failed, FAILED, 1.2f, 0);
    for (Extra e : extras) {
      line(chart, e.name(), x, e.values(), e.color(), 1.2f, 0);
    }
    if (hasProbability) {
      for (int i = 0; i < n; i++) {
        if (Double.isNaN(probability[i])) {
          probability[i] = 0;
        }
      }
      line(chart, "rejection probability (right)", x, probability, PROBABILITY, 2f, 1);
      chart.setYAxisGroupTitle(1, "rejection probability");
    }
    for (int i = 0; i < timeline.phases().size(); i++) {
      double start = timeline.start(i) * step;
      if (i > 0) {
        chart.addAnnotation(new AnnotationLine(start, true, false));
      }
      chart.addAnnotation(
          new AnnotationText(
              timeline.phases().get(i).name(),
              start + timeline.phases().get(i).slots() * step / 2,
              top * 0.95,
              false));
    }
    return chart;
  }

  /** A filled step series reaching the top of the left axis over every dead phase. */
  private static void shade(XYChart chart, Timeline timeline, double top, double step) {
    for (int i = 0; i < timeline.phases().size(); i++) {
      if (!(timeline.phases().get(i).backend().base() instanceof Backend.Dead)) {
        continue;
      }
      double from = timeline.start(i) * step;
      double to = from + timeline.phases().get(i).slots() * step;
      XYSeries s =
          chart.addSeries(
              "backend failing" + (i == firstDead(timeline) ? "" : " " + i),
              new double[] {from, to},
              new double[] {top, top});
      s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
      s.setFillColor(SHADE);
      s.setLineColor(SHADE);
      s.setMarker(SeriesMarkers.NONE);
      s.setShowInLegend(i == firstDead(timeline));
    }
  }

  private static int firstDead(Timeline timeline) {
    for (int i = 0; i < timeline.phases().size(); i++) {
      if (timeline.phases().get(i).backend().base() instanceof Backend.Dead) {
        return i;
      }
    }
    return -1;
  }

  private static void line(
      XYChart chart, String name, double[] x, double[] y, Color color, float width, int axis) {
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(color);
    s.setLineStyle(new BasicStroke(width));
    s.setYAxisGroup(axis);
  }
}
