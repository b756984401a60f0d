package dev.backstop.readme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The README's code is this module's code: every {@code ```java} block of README.md appears
 * verbatim (up to a uniform indentation) in the test sources here, where the build compiles it,
 * and every {@code ```xml} block names only artifacts of backstop-bom, at the project's version.
 */
class ReadmeTest {

  static final Path README = Path.of("../README.md");
  static final Path SOURCES = Path.of("src/test/java");
  static final Path BOM = Path.of("../backstop-bom/pom.xml");

  /** A fenced block of README.md: its language, first line number, section and lines. */
  record Block(String language, int line, String section, List<String> lines) {
    @Override
    public String toString() {
      String first = lines.stream().filter(l -> !l.isBlank()).findFirst().orElse("").strip();
      return "README.md line " + line + " (" + section + "): " + first;
    }
  }

  static List<Block> blocks(String language) throws IOException {
    List<String> readme = Files.readAllLines(README, StandardCharsets.UTF_8);
    List<Block> blocks = new ArrayList<>();
    String section = "top";
    for (int i = 0; i < readme.size(); i++) {
      String line = readme.get(i);
      if (line.startsWith("#")) {
        section = line;
      } else if (line.startsWith("```")) {
        int start = i + 1;
        int end = start;
        while (!readme.get(end).startsWith("```")) {
          end++;
        }
        if (line.substring(3).strip().equals(language)) {
          blocks.add(new Block(language, start + 1, section, readme.subList(start, end)));
        }
        i = end;
      }
    }
    return blocks;
  }

  @Test
  void everyJavaSnippetIsCompiledHereVerbatim() throws IOException {
    List<List<String>> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        sources.add(Files.readAllLines(file, StandardCharsets.UTF_8));
      }
    }
    List<Block> snippets = blocks("java");
    assertThat(snippets).hasSizeGreaterThan(10);
    List<String> missing =
        snippets.stream()
            .filter(s -> sources.stream().noneMatch(source -> contains(source, s.lines())))
            .map(Block::toString)
            .toList();
    assertThat(missing)
        .as("```java snippets of README.md not found verbatim in " + SOURCES.toAbsolutePath())
        .isEmpty();
  }

  @Test
  void theMatchIgnoresOnlyAUniformIndentation() {
    List<String> snippet = List.of("try {", "  call();", "", "} finally {}");
    assertThat(contains(List.of("class A {", "    try {", "      call();", "", "    } finally {}"), snippet))
        .isTrue();
    assertThat(contains(List.of("  try {", "call();", "", "  } finally {}"), snippet)).isFalse();
    assertThat(contains(List.of("try {", "  call();", "} finally {}"), snippet)).isFalse();
    assertThat(contains(List.of("try {", "  call(); ", "", "} finally {}  "), snippet)).isTrue();
  }

  /** Whether {@code source} has the lines of {@code snippet} in a row, all with one indentation. */
  static boolean contains(List<String> source, List<String> snippet) {
    for (int start = 0; start + snippet.size() <= source.size(); start++) {
      if (matchesAt(source, start, snippet)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matchesAt(List<String> source, int start, List<String> snippet) {
    String indent = null;
    for (int i = 0; i < snippet.size(); i++) {
      String want = snippet.get(i).stripTrailing();
      String have = source.get(start + i).stripTrailing();
      if (want.isEmpty()) {
        if (!have.isEmpty()) {
          return false;
        }
        continue;
      }
      if (indent == null) {
        if (!have.endsWith(want)) {
          return false;
        }
        indent = have.substring(0, have.length() - want.length());
        if (!indent.isBlank()) {
          return false;
        }
      } else if (!have.equals(indent + want)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void everyXmlSnippetNamesOnlyArtifactsOfTheBomAtTheProjectsVersion() throws Exception {
    String version = System.getProperty("backstop.version");
    assertThat(version).as("the project's version, from the build").isNotBlank();
    Set<String> published = bomArtifacts();
    assertThat(published).contains("backstop-core", "backstop-spring-boot-starter");
    Set<String> known = new LinkedHashSet<>(published);
    known.add("backstop-bom");

    List<Block> snippets = blocks("xml");
    assertThat(snippets).hasSizeGreaterThan(5);
    List<String> problems = new ArrayList<>();
    for (Block snippet : snippets) {
      Document xml = parse("<snippet>" + String.join("\n", snippet.lines()) + "</snippet>");
      NodeList dependencies = xml.getElementsByTagName("dependency");
      if (dependencies.getLength() == 0) {
        problems.add(snippet + ": names no dependency");
      }
      for (int i = 0; i < dependencies.getLength(); i++) {
        Element dependency = (Element) dependencies.item(i);
        String group = text(dependency, "groupId");
        String artifact = text(dependency, "artifactId");
        String v = text(dependency, "version");
        if (!"dev.backstop".equals(group) || !known.contains(artifact)) {
          problems.add(snippet + ": " + group + ":" + artifact + " is not in backstop-bom");
        }
        if (v != null && !v.equals(version)) {
          problems.add(snippet + ": " + artifact + " at version " + v + ", not " + version);
        }
        for (String other : suffixesInComments(dependency)) {
          if (!known.contains("backstop" + other)) {
            problems.add(snippet + ": backstop" + other + " (in a comment) is not in backstop-bom");
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /** The artifactIds whose versions backstop-bom manages. */
  static Set<String> bomArtifacts() throws Exception {
    Document bom = parse(Files.readString(BOM, StandardCharsets.UTF_8));
    Element management = (Element) bom.getElementsByTagName("dependencyManagement").item(0);
    NodeList dependencies = management.getElementsByTagName("dependency");
    Set<String> artifacts = new LinkedHashSet<>();
    for (int i = 0; i < dependencies.getLength(); i++) {
      artifacts.add(text((Element) dependencies.item(i), "artifactId"));
    }
    return artifacts;
  }

  /** The other modules a comment in a dependency names by suffix: "or -http, -okhttp". */
  private static Set<String> suffixesInComments(Element dependency) {
    Set<String> suffixes = new LinkedHashSet<>();
    NodeList children = dependency.getElementsByTagName("*");
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < children.getLength(); i++) {
      nodes.add(children.item(i));
    }
    nodes.add(dependency);
    for (Node node : nodes) {
      for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
        if (c.getNodeType() == Node.COMMENT_NODE) {
          Matcher m = Pattern.compile("(?:^|\\s)(-[a-z0-9]+(?:-[a-z0-9]+)*)").matcher(c.getNodeValue());
          while (m.find()) {
            suffixes.add(m.group(1));
          }
        }
      }
    }
    return suffixes;
  }

  private static Document parse(String xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
  }

  private static String text(Element parent, String child) {
    for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
      if (n instanceof Element e && e.getTagName().equals(child)) {
        return e.getTextContent().strip();
      }
    }
    return null;
  }

  @Test
  void theXmlCheckSeesTheModulesTheBomLists() throws Exception {
    Set<String> modules;
    try (Stream<Path> dirs = Files.list(Path.of(".."))) {
      modules =
          dirs.filter(d -> Files.exists(d.resolve("pom.xml")))
              .map(d -> d.getFileName().toString())
              .collect(Collectors.toSet());
    }
    assertThat(modules).containsAll(bomArtifacts());
  }
}
