package io.stillpoint.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console compiles against {@code ui/src/api/schema.d.ts} (the package step builds it with {@code tsc}), so
 * that file must be what openapi-typescript makes of the document this build stored: otherwise the console
 * would compile against a server that is no longer there. Runs after the package step, which stored the
 * document in {@code target/openapi} and installed the console's node modules.
 */
class ConsoleTypesIT {

    private static final Path DOCUMENT = Path.of("target/openapi/openapi.json");
    private static final Path COMMITTED = Path.of("ui/src/api/schema.d.ts");
    private static final Path GENERATOR = Path.of("ui/node_modules/openapi-typescript/bin/cli.js");

    @Test
    void theConsolesApiTypesAreGeneratedFromThisBuildsDocument(@TempDir Path work) throws Exception {
        assertThat(DOCUMENT).as("the document the package step stores").exists();
        assertThat(GENERATOR).as("openapi-typescript, installed with the console's dev dependencies").exists();
        Path fresh = work.resolve("schema.d.ts");
        Path output = work.resolve("openapi-typescript.log");
        Process generator = new ProcessBuilder(List.of("node", GENERATOR.toString(), DOCUMENT.toString(), "-o", fresh.toString()))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        assertThat(generator.waitFor(2, TimeUnit.MINUTES)).as("openapi-typescript finished").isTrue();
        assertThat(generator.exitValue()).as(Files.readString(output)).isZero();

        assertThat(Files.readString(COMMITTED))
                .as("ui/src/api/schema.d.ts is stale: after './mvnw -DskipTests package', run 'cd ui && npm run api:types', "
                        + "fix what the console's build then reports, and commit both")
                .isEqualTo(Files.readString(fresh));
    }
}
