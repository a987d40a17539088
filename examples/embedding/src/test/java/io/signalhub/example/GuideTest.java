package io.signalhub.example;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code docs/embedding.md} shows the tested code: every {@code ```java} block of the guide is, line for line
 * (indentation aside), a region of this project's sources marked {@code // tag::name[]} ... {@code // end::name[]},
 * so a change to the example that the guide does not follow fails the build, and the other way round.
 */
class GuideTest {

  private static final Path GUIDE = Path.of("../../docs/embedding.md");
  private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern REGION = Pattern.compile("// tag::([\\w-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL);

  @Test
  void everyJavaBlockOfTheGuideIsARegionOfTheTestedCode() throws IOException {
    List<String> regions = new ArrayList<>();
    try (Stream<Path> files = Stream.concat(Files.walk(Path.of("src/main/java")), Files.walk(Path.of("src/test/java")))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = REGION.matcher(Files.readString(f));
        while (m.find()) {
          regions.add(dedent(m.group(2)));
        }
      }
    }
    assertFalse(regions.isEmpty(), "no tagged regions found");
    Matcher blocks = JAVA_BLOCK.matcher(Files.readString(GUIDE));
    int n = 0;
    while (blocks.find()) {
      n++;
      String block = dedent(blocks.group(1));
      assertTrue(regions.contains(block), "docs/embedding.md shows code that is not a tagged region of the example "
        + "(update the guide or the example so that they agree):\n" + block + "\n--- regions:\n" + String.join("\n---\n", regions));
    }
    assertTrue(n >= 3, "the guide's code blocks were found: " + n);
  }

  /** Removes the common leading indentation and trailing blanks of each line, and blank lines at both ends. */
  static String dedent(String text) {
    List<String> lines = new ArrayList<>(text.lines().map(String::stripTrailing).toList());
    while (!lines.isEmpty() && lines.get(0).isEmpty()) {
      lines.remove(0);
    }
    while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    int indent = lines.stream().filter(l -> !l.isEmpty()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
    return String.join("\n", lines.stream().map(l -> l.isEmpty() ? l : l.substring(indent)).toList());
  }
}
