package io.stillpoint.inventory;

import io.stillpoint.catalog.Host;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.HypervisorFactory;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open hypervisor connections, one per catalog host, made by the factory whose kind matches the
 * host's type. Adapters register by contributing a {@link HypervisorFactory} bean; two factories of
 * one kind fail start-up.
 */
@ApplicationScoped
public class HostRegistry {

    private final Map<String, HypervisorFactory> factories = new TreeMap<>();
    private final Map<UUID, Hypervisor> connected = new ConcurrentHashMap<>();

    HostRegistry(Instance<HypervisorFactory> beans) {
        for (HypervisorFactory factory : beans) {
            HypervisorFactory clash = factories.put(factory.kind(), factory);
            if (clash != null) {
                throw new IllegalStateException("two hypervisor adapters claim the kind '" + factory.kind() + "': "
                        + clash.getClass().getName() + " and " + factory.getClass().getName());
            }
        }
    }


    /** Validates settings by connecting once; the caller stores the host only if this succeeds. */
    public Hypervisor connect(UUID hostId, String name, String type, Map<String, String> settings) {
        HypervisorFactory factory = factories.get(type);
        if (factory == null) {
            throw new InvalidRequestException("type", "must be one of " + factories.keySet());
        }
        Hypervisor hypervisor = factory.create(name, settings);
        Hypervisor previous = connected.put(hostId, hypervisor);
        if (previous != null) {
            previous.close();
        }
        return hypervisor;
    }

    public Hypervisor of(Host host) {
        return connected.computeIfAbsent(host.id, id -> {
            HypervisorFactory factory = factories.get(host.type);
            if (factory == null) {
                throw new IllegalStateException(
                        "host '" + host.name + "' is of type '" + host.type + "', which this server has no adapter for");
            }
            return factory.create(host.name, host.settings);
        });
    }

    /** The host's folders on this server (see {@link HypervisorFactory#folders}), whether it can be reached or not. */
    public List<Path> folders(Host host) {
        return folders(host.name, host.type, host.settings);
    }

    /** The folders a host of this type and these settings would keep on this server. */
    public List<Path> folders(String name, String type, Map<String, String> settings) {
        HypervisorFactory factory = factories.get(type);
        return factory == null ? List.of() : factory.folders(name, settings);
    }

    public void disconnect(UUID hostId) {
        Hypervisor hypervisor = connected.remove(hostId);
        if (hypervisor != null) {
            hypervisor.close();
        }
    }

    @PreDestroy
    void closeAll() {
        connected.values().forEach(Hypervisor::close);
        connected.clear();
    }
}
