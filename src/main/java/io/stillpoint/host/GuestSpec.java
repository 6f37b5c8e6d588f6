package io.stillpoint.host;

import java.util.List;

/** What to create when a host can create guests (the simulated host can; real hosts register existing ones). */
public record GuestSpec(String name, List<Long> diskSizesBytes, long memoryBytes, String guestOs, boolean canQuiesce) {

    public GuestSpec {
        diskSizesBytes = List.copyOf(diskSizesBytes);
    }
}
