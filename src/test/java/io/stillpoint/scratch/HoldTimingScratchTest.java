package io.stillpoint.scratch;

import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.libvirt.LibvirtHypervisor;
import io.stillpoint.host.libvirt.LibvirtHypervisorFactory;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.writer.PreparedSnapshot;
import io.stillpoint.writer.Snapshot;
import io.stillpoint.writer.libvirt.LibvirtSnapshotWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HoldTimingScratchTest {
    @TempDir Path root;
    @Test
    void time() throws Exception {
        int n = Integer.getInteger("n", 8);
        try (LibvirtLab lab = new LibvirtLab()) {
            LibvirtLab.Domain domain = lab.define("timing", false, 256, 1024, "");
            lab.start(domain);
            LibvirtHypervisor host = (LibvirtHypervisor) new LibvirtHypervisorFactory(root).create("lv", Map.of("uri", LibvirtLab.URI,
                    "root", root.resolve("host").toString()));
            LibvirtSnapshotWriter writer = new LibvirtSnapshotWriter(new TrustedExecutables(List.of("/usr/bin/qemu-img"), "qemu-img"),
                    new TrustedExecutables(List.of("/usr/bin/qemu-nbd"), "qemu-nbd"));
            for (int i = 0; i < n; i++) {
                GuestInfo guest = host.guest(domain.uuid());
                PreparedSnapshot prepared = writer.prepare(host, guest, root);
                long t1 = System.nanoTime();
                GuestHold hold = host.hold(domain.uuid(), HoldMode.PAUSE);
                long t2 = System.nanoTime();
                Snapshot s = prepared.create();
                long t4 = System.nanoTime();
                hold.close();
                long t5 = System.nanoTime();
                System.out.printf("TIMING hold %.1f create %.1f resume %.1f total %.1f%n",
                        (t2-t1)/1e6, (t4-t2)/1e6, (t5-t4)/1e6, (t5-t1)/1e6);
                s.close();
            }
            host.close();
        }
    }
}
