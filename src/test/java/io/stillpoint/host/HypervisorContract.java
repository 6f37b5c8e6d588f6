package io.stillpoint.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link Hypervisor} adapter must do. A subclass supplies a host with two RUNNING guests: one
 * that can quiesce itself and one that cannot.
 */
public abstract class HypervisorContract {

    protected abstract Hypervisor hypervisor();

    /** A RUNNING guest that can quiesce itself. */
    protected abstract String quiescingGuest();

    /** A RUNNING guest that cannot quiesce itself. */
    protected abstract String nonQuiescingGuest();

    /**
     * Whether the quiescing guest's agent answers. A lab whose guest has its agent's channel configured
     * but no OS inside to run the agent (libvirt's) says no: its freeze must then fail and leave the guest
     * running.
     */
    protected boolean quiescingGuestAnswers() {
        return true;
    }

    @Test
    void listsItsGuestsRunning() {
        assertThat(hypervisor().guests()).extracting(GuestInfo::ref)
                .contains(quiescingGuest(), nonQuiescingGuest());
        GuestInfo guest = hypervisor().guest(quiescingGuest());
        assertThat(guest.state()).isEqualTo(GuestState.RUNNING);
        assertThat(guest.canQuiesce()).as("a running guest can quiesce when its agent answers")
                .isEqualTo(quiescingGuestAnswers());
        assertThat(guest.disks()).isNotEmpty().allSatisfy(disk -> assertThat(disk).startsWith(guest.directory()));
        assertThat(hypervisor().guest(nonQuiescingGuest()).canQuiesce()).isFalse();
    }

    @Test
    void unknownGuestIsNotFound() {
        String unknown = "no-such-guest";
        assertThatThrownBy(() -> hypervisor().guest(unknown)).isInstanceOf(GuestNotFoundException.class)
                .hasMessageContaining(unknown);
        assertThatThrownBy(() -> hypervisor().hold(unknown, HoldMode.PAUSE))
                .isInstanceOf(GuestNotFoundException.class);
        assertThatThrownBy(() -> hypervisor().start(unknown)).isInstanceOf(GuestNotFoundException.class);
        assertThatThrownBy(() -> hypervisor().stop(unknown)).isInstanceOf(GuestNotFoundException.class);
    }

    @ParameterizedTest
    @EnumSource(HoldMode.class)
    void holdKeepsTheGuestStillUntilClosed(HoldMode mode) {
        assumeTrue(hypervisor().capabilities().supports(mode), () -> mode + " not supported");
        String ref = quiescingGuest();
        if (mode == HoldMode.FREEZE && !quiescingGuestAnswers()) {
            // No agent to freeze anything: the hold must say so and leave the guest as it was.
            assertThatThrownBy(() -> hypervisor().hold(ref, mode)).isInstanceOf(HostException.class);
            assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
            return;
        }
        GuestHold hold = hypervisor().hold(ref, mode);
        try {
            assertThat(hold.mode()).isEqualTo(mode);
            assertThat(hold.priorState()).isEqualTo(GuestState.RUNNING);
            assertThat(hypervisor().guest(ref).state()).isEqualTo(heldState(mode));
        } finally {
            hold.close();
        }
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
        hold.close();
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void holdOnAGuestThatIsNotRunningIsANoOp() {
        String ref = nonQuiescingGuest();
        hypervisor().stop(ref);
        try (GuestHold hold = hypervisor().hold(ref, HoldMode.PAUSE)) {
            assertThat(hold.priorState()).isEqualTo(GuestState.OFF);
            assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.OFF);
        }
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.OFF);
        hypervisor().start(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void freezeNeedsAGuestThatCanQuiesce() {
        assumeTrue(hypervisor().capabilities().canFreeze());
        String ref = nonQuiescingGuest();
        String name = hypervisor().guest(ref).name();
        assertThatThrownBy(() -> hypervisor().hold(ref, HoldMode.FREEZE)).isInstanceOf(HostException.class)
                .hasMessageContaining(name);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void stopAndStartAreIdempotent() {
        String ref = nonQuiescingGuest();
        hypervisor().start(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
        hypervisor().stop(ref);
        hypervisor().stop(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.OFF);
        hypervisor().start(ref);
        hypervisor().start(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    @ParameterizedTest
    @EnumSource(value = HoldMode.class, names = {"PAUSE", "SAVE_STATE"})
    void startResumesAHeldGuest(HoldMode mode) {
        assumeTrue(hypervisor().capabilities().supports(mode));
        String ref = quiescingGuest();
        GuestHold hold = hypervisor().hold(ref, mode);
        hypervisor().start(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
        hold.close();
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    @Test
    void stopDiscardsASavedState() {
        assumeTrue(hypervisor().capabilities().canSaveState());
        String ref = quiescingGuest();
        GuestHold hold = hypervisor().hold(ref, HoldMode.SAVE_STATE);
        hypervisor().stop(ref);
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.OFF);
        hold.close();
        assertThat(hypervisor().guest(ref).state()).isEqualTo(GuestState.RUNNING);
    }

    private static GuestState heldState(HoldMode mode) {
        return switch (mode) {
            case FREEZE -> GuestState.RUNNING;
            case PAUSE -> GuestState.PAUSED;
            case SAVE_STATE -> GuestState.SAVED;
            case STOP -> GuestState.OFF;
        };
    }
}
