package io.stillpoint.writer.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.writer.ChangedRanges;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirtyRangesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long K = 65536;

    @Test
    void dirtyGuestClustersMapToTheirHostClustersAndEverythingUnmappedIsReReadToo() throws Exception {
        // guest 0..4K dirty at 1K..2K and 3K..5K (clusters of 64 KiB written as K); host: metadata 0..3K
        JsonNode dirty = JSON.readTree("[" + extent(0, 1 * K, true) + "," + extent(1 * K, 1 * K, false) + ","
                + extent(2 * K, 1 * K, true) + "," + extent(3 * K, 2 * K, false) + "," + extent(5 * K, 11 * K, true)
                + "]");
        JsonNode host = JSON.readTree("[{\"start\":0,\"length\":" + 2 * K
                + ",\"depth\":0,\"present\":true,\"zero\":false,\"data\":true,\"offset\":" + 3 * K + "},"
                + "{\"start\":" + 2 * K + ",\"length\":" + 2 * K + ",\"depth\":0,\"present\":false,\"zero\":true,"
                + "\"data\":false},"
                + "{\"start\":" + 4 * K + ",\"length\":" + 1 * K
                + ",\"depth\":0,\"present\":true,\"zero\":false,\"data\":true,\"offset\":" + 9 * K + "},"
                + "{\"start\":" + 5 * K + ",\"length\":" + 1 * K
                + ",\"depth\":0,\"present\":true,\"zero\":false,\"data\":true,\"offset\":" + 5 * K + "}]");
        ChangedRanges ranges = DirtyRanges.of(dirty, host, 10 * K);

        // unmapped: 0..3K (header, tables), 6K..9K (nothing of the guest's); dirty: guest 1K -> host 4K,
        // guest 4K -> host 9K; guest 3K is a zero cluster, no host bytes of its own; host 3K (guest 0) and
        // host 5K (guest 5K) are clean
        assertThat(ranges.ranges()).containsExactly(new ChangedRanges.Range(0, 3 * K),
                new ChangedRanges.Range(4 * K, 1 * K), new ChangedRanges.Range(6 * K, 4 * K));
        assertThat(ranges.length()).isEqualTo(10 * K);
    }

    @Test
    void aCleanDiskCostsOnlyItsMetadata() throws Exception {
        JsonNode dirty = JSON.readTree("[" + extent(0, 16 * K, true) + "]");
        JsonNode host = JSON.readTree("[{\"start\":0,\"length\":" + 4 * K
                + ",\"depth\":0,\"present\":true,\"zero\":false,\"data\":true,\"offset\":" + 4 * K + "}]");
        assertThat(DirtyRanges.of(dirty, host, 8 * K).ranges()).isEqualTo(List.of(new ChangedRanges.Range(0, 4 * K)));
    }

    private static String extent(long start, long length, boolean data) {
        return "{\"start\":" + start + ",\"length\":" + length + ",\"depth\":0,\"present\":true,\"zero\":false,"
                + "\"data\":" + data + "}";
    }
}
