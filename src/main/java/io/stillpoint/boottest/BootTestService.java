package io.stillpoint.boottest;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.alert.Alert;
import io.stillpoint.alert.AlertType;
import io.stillpoint.alert.Alerts;
import io.stillpoint.catalog.BackupRepository;
import io.stillpoint.catalog.BackupRun;
import io.stillpoint.catalog.Host;
import io.stillpoint.catalog.RestorePoint;
import io.stillpoint.catalog.Vm;
import io.stillpoint.config.NodeName;
import io.stillpoint.fs.OwnedFolder;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.host.qemu.QemuConfig;
import io.stillpoint.inventory.ConflictException;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import io.stillpoint.repository.RepositoryLayout;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.exception.ConstraintViolationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jboss.logging.Logger;

/**
 * Boot tests of restore points: a request is checked and recorded as {@code RUNNING} at once, then runs on
 * a pool of {@code stillpoint.boot-test.max-concurrent} threads in a {@link Sandbox} for its host's kind;
 * the verdict, its evidence, the screenshot and the serial log are kept with the point. A failed test raises
 * {@code boot-test-failed} in the transaction that records it.
 *
 * <p>Sandboxes never outlive their test: each stops its QEMU and removes its work folder on every path;
 * cancel and shutdown tell the running ones to stop and wait for them; {@link BootTestRecovery} ends what
 * a crash left.
 */
@ApplicationScoped
public class BootTestService {

    static final String WORK_PURPOSE = "boot-test";
    static final String RESULTS_PURPOSE = "boot-test-results";
    public static final String SCREENSHOT = "screenshot.png";
    public static final String SERIAL_LOG = "serial.log";
    static final String QEMU = "qemu";
    static final String SIMULATED = "simulated";
    private static final int MAX_COMMAND_WORDS = 64;
    private static final int MAX_PATTERN = 1000;
    private static final Logger LOG = Logger.getLogger(BootTestService.class);

    private final BootTestConfig config;
    private final TrustedExecutables emulators;
    private final TrustedExecutables qemuImg;
    private final Alerts alerts;
    private final String node;
    private final ExecutorService executor;
    private final Map<UUID, AtomicBoolean> cancels = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    BootTestService(BootTestConfig config, QemuConfig qemu, Alerts alerts, NodeName node) {
        this.config = config;
        this.emulators = new TrustedExecutables(qemu.binaries(), QemuConfig.BINARIES_KEY);
        this.qemuImg = new TrustedExecutables(List.of(qemu.qemuImg()), QemuConfig.QEMU_IMG_KEY);
        this.alerts = alerts;
        this.node = node.value();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(Math.max(1, config.maxConcurrent()),
                r -> new Thread(r, "boot-test-" + threads.incrementAndGet()));
    }

    /** What a request may ask beyond the configuration; each null means "as configured". */
    public record Options(List<String> checkCommand, String serialPattern, Integer timeoutSeconds) {}

    /**
     * Checks the request and the point, records the test as running, and starts it in the background.
     *
     * @throws NotFoundException for an unknown point
     * @throws InvalidRequestException naming the field, for bad options or a point no sandbox can start
     * @throws ConflictException when the point is being tested already
     */
    public BootTest start(UUID pointId, Options options, String requestedBy) {
        Options given = options == null ? new Options(null, null, null) : options;
        List<String> command = checkCommand(given.checkCommand());
        Pattern pattern = pattern(given.serialPattern());
        int timeout = timeout(given.timeoutSeconds());
        Located located = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint point = RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            return new Located(kindOf(point), filesOf(point));
        });
        String kind = located.kind();
        if (SIMULATED.equals(kind) && given.checkCommand() != null) {
            throw new InvalidRequestException("checkCommand", "a simulated guest has no agent to run a command in");
        }
        if (QEMU.equals(kind)) {
            refuseUnbootable(located.files());
        }
        BootTest test;
        try {
            test = record(pointId, kind, command, pattern, timeout, requestedBy);
        } catch (RuntimeException e) {
            if (raced(e)) {
                throw new ConflictException("restore point " + pointId + " is being boot-tested already");
            }
            throw e;
        }
        AtomicBoolean cancel = new AtomicBoolean();
        cancels.put(test.id, cancel);
        executor.execute(() -> execute(test.id, cancel));
        return test;
    }

    /** Whether a request lost the race for a point to another one (the one-running-test index). */
    private static boolean raced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException violation
                    && ("boot_test_one_running".equals(violation.getConstraintName())
                            || String.valueOf(violation.getMessage()).contains("boot_test_one_running"))) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (raced(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    private BootTest record(UUID pointId, String kind, List<String> command, Pattern pattern, int timeout,
            String requestedBy) {
        return QuarkusTransaction.requiringNew().call(() -> {
            if (BootTest.runningOf(pointId).isPresent()) {
                throw new ConflictException("restore point " + pointId + " is being boot-tested already");
            }
            BootTest t = new BootTest();
            t.id = UUID.randomUUID();
            t.restorePointId = pointId;
            t.status = BootTest.RUNNING;
            t.kind = kind;
            t.startedAt = Instant.now();
            t.checkCommand = command.isEmpty() ? null : command;
            t.serialPattern = pattern == null ? null : pattern.pattern();
            t.timeoutSeconds = timeout;
            t.requestedBy = requestedBy;
            t.node = node;
            t.persist();
            return t;
        });
    }

    private record Located(String kind, Path files) {}

    private static Path filesOf(RestorePoint point) {
        BackupRepository repository = BackupRepository.byId(point.repositoryId).orElseThrow();
        return new RepositoryLayout(repository.root()).resolve(point.relativePath).resolve(RepositoryLayout.FILES);
    }

    /** A point whose disks the sandbox cannot start is refused before anything starts. */
    private static void refuseUnbootable(Path files) {
        SandboxDisks machine;
        try {
            machine = SandboxDisks.of(files);
        } catch (IOException e) {
            throw new InvalidRequestException("id", "the restore point cannot be boot-tested: its description cannot be"
                    + " read: " + e.getMessage());
        }
        if (machine.uefi()) {
            throw new InvalidRequestException("id", "the restore point is of a UEFI guest; the sandbox boots BIOS guests"
                    + " only, as no UEFI firmware (OVMF) is configured for it");
        }
    }

    /** Starts a boot test after a job's run; a point that cannot be tested is logged, not thrown. */
    public void startAfterRun(UUID pointId, String job) {
        try {
            start(pointId, null, "job '" + job + "'");
        } catch (RuntimeException e) {
            LOG.warnf("job '%s': restore point %s gets no boot test: %s", job, pointId, e.getMessage());
            QuarkusTransaction.requiringNew().run(() -> RestorePoint.byId(pointId).ifPresent(p -> alerts.raise(
                    alert(p, "could not be boot-tested after job '" + job + "': " + e.getMessage()))));
        }
    }

    /**
     * Stops the point's running test: its sandbox is stopped and its overlays removed before it is recorded
     * as cancelled.
     *
     * @throws ConflictException when no test of the point runs
     */
    public BootTest cancel(UUID pointId, String by) {
        BootTest running = QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            return BootTest.runningOf(pointId).orElseThrow(() -> new ConflictException("restore point " + pointId
                    + " has no boot test running"));
        });
        AtomicBoolean cancel = cancels.get(running.id);
        if (cancel == null) {
            throw new ConflictException("boot test " + running.id + " runs on node '" + running.node
                    + "'; cancel it there");
        }
        cancel.set(true);
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (cancels.containsKey(running.id) && System.nanoTime() < until) {
            sleep();
        }
        LOG.infof("boot test %s of restore point %s cancelled by %s", running.id, pointId, by);
        return QuarkusTransaction.requiringNew().call(() -> BootTest.byId(running.id).orElseThrow());
    }

    public Optional<BootTest> newest(UUID pointId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RestorePoint.byId(pointId).orElseThrow(() -> new NotFoundException("restore point", pointId));
            return BootTest.newestOf(pointId);
        });
    }

    /** A file a finished test kept, or empty. */
    public Optional<Path> file(UUID testId, String name) {
        BootTest test = QuarkusTransaction.requiringNew().call(() -> BootTest.byId(testId).orElse(null));
        if (test == null) {
            return Optional.empty();
        }
        Path file = results(test.restorePointId).resolve(test.id + "-" + name);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    Path results(UUID pointId) {
        return config.resultsDir().resolve(pointId.toString());
    }

    /** Removes the screenshots and logs of a point that is no longer in the catalog. */
    public void forget(UUID pointId) {
        Path folder = results(pointId);
        if (!Files.isDirectory(folder)) {
            return;
        }
        try {
            OwnedFolder.open(folder, RESULTS_PURPOSE, pointId).delete();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("the boot test results of deleted restore point %s stay in %s: %s", pointId, folder, e.getMessage());
        }
    }

    private void execute(UUID testId, AtomicBoolean cancel) {
        Sandbox.Verdict verdict;
        boolean screenshot = false;
        boolean serial = false;
        try {
            Prepared prepared = QuarkusTransaction.requiringNew().call(() -> prepare(testId));
            Path results = OwnedFolder.create(results(prepared.pointId()), RESULTS_PURPOSE, prepared.pointId()).path();
            Path screen = results.resolve(testId + "-" + SCREENSHOT);
            Path log = results.resolve(testId + "-" + SERIAL_LOG);
            OwnedFolder work = OwnedFolder.createNamedById(Files.createDirectories(config.workDir()), WORK_PURPOSE, testId);
            try {
                Sandbox sandbox = sandbox(prepared.kind());
                verdict = cancel.get() ? Sandbox.Verdict.cancelled("cancelled before its sandbox started")
                        : sandbox.run(new Sandbox.Request(prepared.files(), prepared.vmName(), prepared.memoryBytes(),
                                prepared.checkCommand(), prepared.serialPattern(), prepared.timeout(), work.path(), screen,
                                log, pid -> recordPid(testId, pid), cancel::get));
            } finally {
                work.delete();
            }
            screenshot = Files.isRegularFile(screen);
            serial = Files.isRegularFile(log);
        } catch (InvalidRequestException e) {
            verdict = Sandbox.Verdict.failed(e.getMessage());
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "boot test %s failed", testId);
            verdict = Sandbox.Verdict.failed("the sandbox failed: " + e.getMessage());
        }
        if (stopping && verdict.cancelled()) {
            verdict = Sandbox.Verdict.failed("interrupted: the server stopped while the test ran; its sandbox was stopped");
        }
        finish(testId, verdict, screenshot, serial);
        cancels.remove(testId);
    }

    private record Prepared(UUID pointId, String kind, Path files, String vmName, long memoryBytes,
            List<String> checkCommand, Pattern serialPattern, Duration timeout) {}

    private Prepared prepare(UUID testId) {
        BootTest test = BootTest.byId(testId).orElseThrow();
        RestorePoint point = RestorePoint.byId(test.restorePointId)
                .orElseThrow(() -> new InvalidRequestException("id", "the restore point was deleted"));
        Path files = filesOf(point);
        Vm vm = Vm.byId(point.vmId).orElse(null);
        List<String> command = test.checkCommand != null ? test.checkCommand
                : SIMULATED.equals(test.kind) ? List.of() : config.checkCommand().orElse(List.of());
        Pattern pattern = test.serialPattern != null ? Pattern.compile(test.serialPattern)
                : config.serialPattern().map(Pattern::compile).orElse(null);
        return new Prepared(point.id, test.kind, files, vm == null ? String.valueOf(point.vmId) : vm.name,
                vm == null ? 0 : vm.memoryBytes, command, pattern, Duration.ofSeconds(test.timeoutSeconds));
    }

    private Sandbox sandbox(String kind) {
        if (SIMULATED.equals(kind)) {
            return new SimulatedSandbox();
        }
        try {
            Path emulator = emulators.byFileName(config.emulator()).orElseThrow(() -> new InvalidRequestException("id",
                    "no QEMU executable the server allows (" + emulators.configKeys() + ") is a '" + config.emulator()
                            + "' (stillpoint.boot-test.emulator) that Stillpoint may run"));
            Path img = qemuImg.vet(qemuImg.allowed().get(0));
            return new QemuSandbox(emulator, img, config);
        } catch (UntrustedExecutableException e) {
            throw new InvalidRequestException("id", "qemu-img " + e.getMessage());
        }
    }

    private void recordPid(UUID testId, long pid) {
        QuarkusTransaction.requiringNew().run(() -> BootTest.byId(testId).ifPresent(t -> t.sandboxPid = pid));
    }

    private void finish(UUID testId, Sandbox.Verdict verdict, boolean screenshot, boolean serial) {
        QuarkusTransaction.requiringNew().run(() -> BootTest.byId(testId).ifPresent(t -> {
            t.status = verdict.passed() ? BootTest.PASSED : verdict.cancelled() ? BootTest.CANCELLED : BootTest.FAILED;
            t.finishedAt = Instant.now();
            t.bootMillis = verdict.bootMillis();
            t.evidence = verdict.evidence();
            t.hasScreenshot = screenshot;
            t.hasSerialLog = serial;
            t.sandboxPid = null;
            if (BootTest.FAILED.equals(t.status)) {
                RestorePoint.byId(t.restorePointId).ifPresent(p -> alerts.raise(alert(p, "failed its boot test: "
                        + verdict.evidence())));
            }
        }));
        LOG.infof("boot test %s: %s", testId, verdict.evidence());
    }

    static Alert alert(RestorePoint point, String what) {
        String vm = Vm.byId(point.vmId).map(v -> "'" + v.name + "'").orElse(String.valueOf(point.vmId));
        UUID jobId = point.runId == null ? null : BackupRun.byId(point.runId).map(r -> r.jobId).orElse(null);
        String line = what.length() > 500 ? what.substring(0, 500) + "..." : what;
        return Alert.of(AlertType.BOOT_TEST_FAILED, "restore point " + point.id + " of VM " + vm + " (" + point.createdAt
                        + ") " + line)
                .vm(point.vmId).job(jobId).restorePoint(point.id).repository(point.repositoryId).scope("VM " + vm);
    }

    /** The sandbox a point's host kind boots in; refused for a host whose guests the sandbox cannot start. */
    static String kindOf(RestorePoint point) {
        Vm vm = Vm.byId(point.vmId).orElseThrow();
        Host host = Host.byId(vm.hostId).orElseThrow(() -> new InvalidRequestException("id",
                "the host of restore point " + point.id + " is no longer known, so its kind of guest is not"));
        return switch (host.type) {
            case "qemu", "libvirt" -> QEMU;
            case "simulated" -> SIMULATED;
            case "hyperv" -> throw new InvalidRequestException("id", "restore point " + point.id
                    + " is of a Hyper-V guest: its VHDX disks hold a Windows guest made for Hyper-V's firmware and"
                    + " devices, which the QEMU sandbox cannot start");
            default -> throw new InvalidRequestException("id", "restore point " + point.id + " is of a '" + host.type
                    + "' host, whose guests the sandbox cannot start");
        };
    }

    private static List<String> checkCommand(List<String> command) {
        if (command == null) {
            return List.of();
        }
        if (command.isEmpty() || command.size() > MAX_COMMAND_WORDS) {
            throw new InvalidRequestException("checkCommand", "must be a program and its arguments, 1 to "
                    + MAX_COMMAND_WORDS + " strings");
        }
        if (command.stream().anyMatch(w -> w == null || w.indexOf('\0') >= 0) || command.get(0).isBlank()) {
            throw new InvalidRequestException("checkCommand", "must name a program first and hold no null or NUL");
        }
        return List.copyOf(command);
    }

    private static Pattern pattern(String pattern) {
        if (pattern == null) {
            return null;
        }
        if (pattern.isEmpty() || pattern.length() > MAX_PATTERN) {
            throw new InvalidRequestException("serialPattern", "must be 1 to " + MAX_PATTERN + " characters");
        }
        try {
            return Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            throw new InvalidRequestException("serialPattern", "is not a regular expression: " + e.getDescription());
        }
    }

    private int timeout(Integer seconds) {
        long max = config.timeout().toSeconds();
        if (seconds == null) {
            return (int) max;
        }
        if (seconds < 1 || seconds > max) {
            throw new InvalidRequestException("timeoutSeconds", "must be between 1 and " + max
                    + " (stillpoint.boot-test.timeout)");
        }
        return seconds;
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops every running sandbox and waits for them to clean up; what is left is recovery's at the next start. */
    @PreDestroy
    void shutdown() {
        stopping = true;
        cancels.values().forEach(c -> c.set(true));
        executor.shutdown();
        try {
            if (!executor.awaitTermination(20, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
