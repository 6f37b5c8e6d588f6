package io.stillpoint.host.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How instant recovery edits a guest's command line: a disk's format driver, and its node renamed after a move. */
class InstantCommandLineTest {

    private static final List<String> JSON_FORM = List.of("qemu-system-x86_64",
            "-blockdev", "{\"driver\":\"file\",\"node-name\":\"vd0-file\",\"filename\":\"/vms/a/disk0.raw\"}",
            "-blockdev", "{\"driver\":\"raw\",\"node-name\":\"vd0\",\"file\":\"vd0-file\"}",
            "-device", "virtio-blk-pci,drive=vd0,id=vd0",
            "-device", "{\"driver\":\"virtio-blk-pci\",\"drive\":\"vd1\",\"id\":\"vd1\"}",
            "-blockdev", "driver=qcow2,node-name=vd1,file.driver=file,file.filename=/vms/a/we,,ird.qcow2");

    @Test
    void setsTheFormatDriverOfTheNamedNodesOnly() {
        List<String> argv = QemuInstantGuests.CommandLine.rewrite(JSON_FORM, Map.of(), Map.of("vd0", "qcow2"));

        assertThat(argv.get(4)).isEqualTo("{\"driver\":\"qcow2\",\"node-name\":\"vd0\",\"file\":\"vd0-file\"}");
        assertThat(argv.get(2)).isEqualTo(JSON_FORM.get(2));
        assertThat(argv.subList(5, argv.size())).isEqualTo(JSON_FORM.subList(5, JSON_FORM.size()));
    }

    @Test
    void renamesANodeWhereItIsDefinedAndWhereADeviceAttachesIt() {
        List<String> argv = QemuInstantGuests.CommandLine.rewrite(JSON_FORM, Map.of("vd0", "ir1a2b3c4d-0", "vd1",
                "ir1a2b3c4d-1"), Map.of());

        assertThat(argv.get(4)).contains("\"node-name\":\"ir1a2b3c4d-0\"").contains("\"file\":\"vd0-file\"");
        assertThat(argv.get(6)).isEqualTo("virtio-blk-pci,drive=ir1a2b3c4d-0,id=vd0");
        assertThat(argv.get(8)).contains("\"drive\":\"ir1a2b3c4d-1\"");
        assertThat(argv.get(10)).isEqualTo("driver=qcow2,node-name=ir1a2b3c4d-1,file.driver=file,"
                + "file.filename=/vms/a/we,,ird.qcow2");
        assertThat(argv.get(2)).as("the protocol node keeps its name").isEqualTo(JSON_FORM.get(2));
    }

    @Test
    void findsTheNodesGivenByBlockdevInBothForms() {
        assertThat(QemuInstantGuests.CommandLine.blockdevNodes(JSON_FORM)).containsExactly("vd0-file", "vd0", "vd1");
        assertThat(QemuInstantGuests.CommandLine.get("driver=file,filename=/a,,b", "filename")).contains("/a,b");
    }
}
