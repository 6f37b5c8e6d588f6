package io.stillpoint.inventory;

import io.stillpoint.catalog.Vm;
import io.stillpoint.catalog.VmLock;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import java.time.Instant;
import java.util.UUID;

/** Takes and releases the per-VM lock row, inside the caller's transaction. */
@ApplicationScoped
public class VmLocks {

    /**
     * @throws BusyException naming the run or restore that holds the VM
     */
    public void acquire(Vm vm, String holder, UUID holderId, String node) {
        VmLock.of(vm.id).ifPresent(existing -> {
            throw busy(vm, existing.holder, existing.holderId);
        });
        VmLock lock = new VmLock();
        lock.vmId = vm.id;
        lock.holder = holder;
        lock.holderId = holderId;
        lock.node = node;
        lock.acquiredAt = Instant.now();
        try {
            lock.persistAndFlush();
        } catch (PersistenceException raced) {
            // Another node took the lock between our read and our insert.
            throw new BusyException("VM '" + vm.name + "' (" + vm.id + ") is busy with another run or restore");
        }
    }

    public void release(UUID vmId, UUID holderId) {
        VmLock.release(vmId, holderId);
    }

    static BusyException busy(Vm vm, String holder, UUID holderId) {
        return new BusyException("VM '" + vm.name + "' (" + vm.id + ") is busy with " + holder + " " + holderId);
    }
}
