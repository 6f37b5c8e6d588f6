package io.stillpoint.inventory;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.Vm;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.host.InvalidHostSettingsException;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Hosts, their guests and backup repositories as the catalog records them. */
@ApplicationScoped
public class Inventory {

    private final HostRegistry hosts;
    private final RepositoryPlacement placement;
    private final HostRefresh refresh;

    Inventory(HostRegistry hosts, RepositoryPlacement placement, HostRefresh refresh) {
        this.hosts = hosts;
        this.placement = placement;
        this.refresh = refresh;
    }

    public Host createHost(String name, String type, Map<String, String> settings) {
        if (QuarkusTransaction.requiringNew().call(() -> Host.byName(name).isPresent())) {
            throw new InvalidRequestException("name", "a host named '" + name + "' exists already");
        }
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> placement.checkHostFolders(name, hosts.folders(name, type, settings)));
        try {
            hosts.connect(id, name, type, settings);
        } catch (InvalidHostSettingsException e) {
            throw new InvalidRequestException("settings." + e.field(), e.problem());
        }
        Host created = QuarkusTransaction.requiringNew().call(() -> {
            Host host = new Host();
            host.id = id;
            host.name = name;
            host.type = type;
            host.settings = Map.copyOf(settings);
            host.createdAt = Instant.now();
            host.persist();
            return host;
        });
        // A host with guests of its own (Hyper-V) shows them at once; one that cannot list them says why.
        refresh.refresh(id);
        return QuarkusTransaction.requiringNew().call(() -> Host.byId(created.id).orElseThrow());
    }

    /** Creates a guest on a host that can, and catalogs it. */
    public Vm createGuest(UUID hostId, GuestSpec spec) {
        Host host = QuarkusTransaction.requiringNew().call(
                () -> Host.byId(hostId).orElseThrow(() -> new NotFoundException("host", hostId)));
        Hypervisor hypervisor = hosts.of(host);
        if (!hypervisor.capabilities().canCreateGuests()) {
            throw new InvalidRequestException("hostId", hypervisor.capabilities().canRegisterGuests()
                    ? "host '" + host.name + "' registers existing guests; it cannot create one"
                    : listsItsGuests(host));
        }
        boolean taken = hypervisor.guests().stream().anyMatch(g -> g.name().equals(spec.name()));
        if (taken) {
            throw new InvalidRequestException("name", "host '" + host.name + "' has a guest named '" + spec.name() + "' already");
        }
        GuestInfo guest;
        try {
            guest = hypervisor.create(spec);
        } catch (InvalidGuestSpecException e) {
            throw new InvalidRequestException(e.field(), e.problem());
        }
        return catalog(host, guest);
    }

    /** Registers a running guest on a host that can, and catalogs it. */
    public Vm registerGuest(UUID hostId, Map<String, String> settings) {
        Host host = QuarkusTransaction.requiringNew().call(
                () -> Host.byId(hostId).orElseThrow(() -> new NotFoundException("host", hostId)));
        Hypervisor hypervisor = hosts.of(host);
        if (!hypervisor.capabilities().canRegisterGuests()) {
            throw new InvalidRequestException("qmpSocket", hypervisor.capabilities().canCreateGuests()
                    ? "host '" + host.name + "' (" + host.type + ") creates its guests; it cannot register a running one"
                    : listsItsGuests(host));
        }
        GuestInfo guest;
        try {
            guest = hypervisor.register(settings);
        } catch (InvalidGuestSpecException e) {
            throw new InvalidRequestException(e.field(), e.problem());
        }
        return catalog(host, guest);
    }

    private static String listsItsGuests(Host host) {
        return "host '" + host.name + "' (" + host.type + ") has its guests already: POST /api/hosts/" + host.id
                + "/refresh catalogs them";
    }

    /**
     * The guest's catalog row, made if there is none; a row marked vanished is there again. Takes the
     * host's row for update, as {@link HostRefresh} does, so the two never both add the guest.
     */
    public Vm catalog(Host host, GuestInfo guest) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Host.findByIdOptional(host.id, LockModeType.PESSIMISTIC_WRITE);
            Vm vm = Vm.byRef(host.id, guest.ref()).orElseGet(() -> {
                Vm made = newVm(host.id, guest);
                made.persist();
                return made;
            });
            vm.vanishedAt = null;
            return vm;
        });
    }

    static Vm newVm(UUID hostId, GuestInfo guest) {
        Vm vm = new Vm();
        vm.id = UUID.randomUUID();
        vm.hostId = hostId;
        vm.ref = guest.ref();
        vm.name = guest.name();
        vm.guestOs = guest.guestOs();
        vm.canQuiesce = guest.canQuiesce();
        vm.memoryBytes = guest.memoryBytes();
        vm.createdAt = Instant.now();
        return vm;
    }

    public GuestInfo live(Vm vm) {
        Host host = QuarkusTransaction.requiringNew().call(() -> Host.byId(vm.hostId).orElseThrow());
        return hosts.of(host).guest(vm.ref);
    }

    /**
     * Creates a repository on a folder that is new or empty, or that carries the marker of a repository
     * whose catalog is gone (re-attaching it after a reinstall), and marks it as the new repository's. The
     * folder is placed by {@link RepositoryPlacement}'s rules and stored by its real path.
     *
     * @throws InvalidRequestException naming {@code name} or {@code path}; nothing is changed then
     */
    public BackupRepository createRepository(String name, String path) {
        return QuarkusTransaction.requiringNew().call(() -> {
            // One creation at a time across all nodes, so that two cannot take overlapping folders.
            BackupRepository.getEntityManager().createNativeQuery("LOCK TABLE backup_repository IN SHARE ROW EXCLUSIVE MODE")
                    .executeUpdate();
            if (BackupRepository.byName(name).isPresent()) {
                throw new InvalidRequestException("name", "a repository named '" + name + "' exists already");
            }
            Path real = placement.place(path);
            UUID id = UUID.randomUUID();
            refuseAnotherRepositorysFolder(real);
            try {
                real = OwnedFolder.create(real, RepositoryLayout.PURPOSE, id).path();
            } catch (NotOwnedException e) {
                throw new InvalidRequestException("path", e.getMessage() + "; a repository needs a new or empty folder,"
                        + " or one that carries Stillpoint's repository marker");
            } catch (IOException e) {
                throw new InvalidRequestException("path", "cannot be created: " + e.getMessage());
            }
            BackupRepository repository = new BackupRepository();
            repository.id = id;
            repository.name = name;
            repository.path = real.toString();
            repository.createdAt = Instant.now();
            repository.persist();
            return repository;
        });
    }

    /**
     * A marker naming a repository that the catalog still lists means the folder is that repository's, seen
     * through another path (a second mount of the same share); re-attaching is only for a lost catalog.
     */
    private static void refuseAnotherRepositorysFolder(Path real) {
        Optional<OwnedFolder.Ownership> marker;
        try {
            marker = OwnedFolder.read(real);
        } catch (IOException e) {
            throw new InvalidRequestException("path", "cannot be read: " + e.getMessage());
        }
        if (marker.isPresent() && marker.get().purpose().equals(RepositoryLayout.PURPOSE)) {
            Optional<BackupRepository> owner = BackupRepository.byId(marker.get().id());
            if (owner.isPresent()) {
                throw new InvalidRequestException("path", real + " is the folder of repository '" + owner.get().name
                        + "' (" + owner.get().path + ") already");
            }
        }
    }
}
