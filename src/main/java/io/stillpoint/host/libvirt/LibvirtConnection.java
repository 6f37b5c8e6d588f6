package io.stillpoint.host.libvirt;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.HostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One libvirt connection ({@code virConnectPtr}) of a host: opened on the first call, kept alive with
 * libvirt's keepalive so that a dead libvirtd is noticed, and opened again on the next call after it was
 * lost. Every call runs on a small pool of this connection's own threads under a deadline: a libvirtd that
 * hangs makes a call fail with a timeout, never hangs a backup. libvirt's errors are per thread, so each
 * call reads them on its pool thread right after the function that failed.
 */
final class LibvirtConnection implements AutoCloseable {

    private static final int THREADS = 4;
    private static final int KEEPALIVE_INTERVAL_SECONDS = 5;
    private static final int KEEPALIVE_COUNT = 3;

    private final String hostName;
    private final String uri;
    private final ThreadPoolExecutor pool;
    private Pointer conn;

    LibvirtConnection(String hostName, String uri) {
        this.hostName = hostName;
        this.uri = uri;
        AtomicInteger count = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(64), r -> {
            Thread thread = new Thread(r, "libvirt-" + hostName + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    String uri() {
        return uri;
    }

    /** What a call sees: the library and an open connection, with helpers that turn failures into exceptions. */
    final class Calls {

        final LibvirtNative lib;
        final Pointer conn;

        private Calls(LibvirtNative lib, Pointer conn) {
            this.lib = lib;
            this.conn = conn;
        }

        /** @throws HostException with libvirt's message when {@code result} is negative */
        int check(int result, String what) {
            if (result < 0) {
                throw failure(what);
            }
            return result;
        }

        HostException failure(String what) {
            String message = lib.virGetLastErrorMessage();
            return new HostException(what + " on host '" + hostName + "' failed: " + message, false, null);
        }

        /** Runs {@code body} on the domain of {@code uuid} and frees it afterwards. */
        <T> T withDomain(String uuid, Function<Pointer, T> body) {
            lib.virResetLastError();
            Pointer domain = lib.virDomainLookupByUUIDString(conn, uuid);
            if (domain == null) {
                if (lib.virGetLastErrorCode() == LibvirtNative.VIR_ERR_NO_DOMAIN) {
                    throw new GuestNotFoundException(hostName, uuid);
                }
                throw failure("looking up domain " + uuid);
            }
            try {
                return body.apply(domain);
            } finally {
                lib.virDomainFree(domain);
            }
        }

        /** Every domain of the connection, each handed to {@code body} and freed afterwards. */
        <T> List<T> eachDomain(Function<Pointer, T> body) {
            PointerByReference array = new PointerByReference();
            int count = check(lib.virConnectListAllDomains(conn, array, 0), "listing domains");
            Pointer[] domains = count == 0 ? new Pointer[0] : array.getValue().getPointerArray(0, count);
            List<T> results = new ArrayList<>(count);
            try {
                for (Pointer domain : domains) {
                    results.add(body.apply(domain));
                }
            } finally {
                for (Pointer domain : domains) {
                    lib.virDomainFree(domain);
                }
                if (array.getValue() != null) {
                    Native.free(Pointer.nativeValue(array.getValue()));
                }
            }
            return results;
        }

        /** The domain's live XML (no secrets), freed on the native side. */
        String xml(Pointer domain) {
            Pointer text = lib.virDomainGetXMLDesc(domain, 0);
            if (text == null) {
                throw failure("reading a domain's XML");
            }
            try {
                return text.getString(0, StandardCharsets.UTF_8.name());
            } finally {
                Native.free(Pointer.nativeValue(text));
            }
        }
    }

    /**
     * Runs {@code body} on this connection's pool, opening the connection first if it is not open or was
     * lost, and waits at most {@code deadline}.
     *
     * @throws HostException with libvirt's message, or a transient one for a timeout or a lost connection
     */
    <T> T call(String what, Duration deadline, Function<Calls, T> body) {
        Future<T> future;
        try {
            future = pool.submit(() -> run(body));
        } catch (RejectedExecutionException e) {
            throw new HostException(what + " on host '" + hostName + "': too many libvirt calls are waiting for "
                    + uri + ", which does not answer", true, e);
        }
        try {
            return future.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new HostException(what + " on host '" + hostName + "': libvirt at " + uri + " did not answer within "
                    + deadline.toMillis() + " ms", true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(what + " on host '" + hostName + "' was interrupted", true, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof HostException host) {
                throw host;
            }
            throw new HostException(what + " on host '" + hostName + "' failed: " + e.getCause(), false, e.getCause());
        }
    }

    private <T> T run(Function<Calls, T> body) {
        LibvirtNative lib = LibvirtLibrary.get();
        Pointer open = open(lib);
        lib.virResetLastError();
        try {
            return body.apply(new Calls(lib, open));
        } catch (HostException e) {
            if (lib.virConnectIsAlive(open) != 1) {
                dropIf(lib, open);
                throw new HostException(e.getMessage() + " (the connection to " + uri + " was lost; the next call"
                        + " connects again)", true, e);
            }
            throw e;
        }
    }

    private synchronized Pointer open(LibvirtNative lib) {
        if (conn != null && lib.virConnectIsAlive(conn) == 1) {
            return conn;
        }
        if (conn != null) {
            lib.virConnectClose(conn);
            conn = null;
        }
        lib.virResetLastError();
        Pointer opened = lib.virConnectOpen(uri);
        if (opened == null) {
            throw new HostException("connecting host '" + hostName + "' to libvirt at " + uri + " failed: "
                    + lib.virGetLastErrorMessage(), true, null);
        }
        // Local drivers need no keepalive and say so; remote ones answer 0.
        lib.virConnectSetKeepAlive(opened, KEEPALIVE_INTERVAL_SECONDS, KEEPALIVE_COUNT);
        conn = opened;
        return opened;
    }

    private synchronized void dropIf(LibvirtNative lib, Pointer lost) {
        if (conn != null && Pointer.nativeValue(conn) == Pointer.nativeValue(lost)) {
            lib.virConnectClose(conn);
            conn = null;
        }
    }

    @Override
    public void close() {
        try {
            pool.submit(() -> {
                synchronized (this) {
                    if (conn != null) {
                        LibvirtLibrary.get().virConnectClose(conn);
                        conn = null;
                    }
                }
            });
        } catch (RejectedExecutionException alreadyClosed) {
            return;
        }
        pool.shutdown();
    }
}
