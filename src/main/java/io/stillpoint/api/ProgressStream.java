package io.stillpoint.api;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A server-sent event stream of a run's or restore's state: a fresh snapshot every half second, the
 * last one being the finished state, then the stream ends.
 */
final class ProgressStream {

    private static final Duration EVERY = Duration.ofMillis(500);

    private ProgressStream() {}

    static <T> Multi<T> of(Supplier<T> snapshot, Predicate<T> finished) {
        return Multi.createFrom().emitter(emitter -> {
            var timer = Infrastructure.getDefaultWorkerPool().scheduleWithFixedDelay(() -> {
                try {
                    T now = snapshot.get();
                    emitter.emit(now);
                    if (finished.test(now)) {
                        emitter.complete();
                    }
                } catch (RuntimeException e) {
                    emitter.fail(e);
                }
            }, 0, EVERY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            emitter.onTermination(() -> timer.cancel(false));
        });
    }
}
