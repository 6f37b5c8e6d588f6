package io.stillpoint.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** What classes log while the capture is open, for tests that assert a log line names something. */
public final class LogCapture implements AutoCloseable {

    private final List<Logger> loggers;
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            messages.add(record.getLevel() + " " + record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private LogCapture(Class<?>... sources) {
        this.loggers = java.util.Arrays.stream(sources).map(source -> Logger.getLogger(source.getName())).toList();
        handler.setLevel(Level.ALL);
        loggers.forEach(logger -> logger.addHandler(handler));
    }

    public static LogCapture of(Class<?>... sources) {
        return new LogCapture(sources);
    }

    /** Each record as {@code <level> <message>}, e.g. {@code WARNING left /tmp/x ...}. */
    public List<String> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void close() {
        loggers.forEach(logger -> logger.removeHandler(handler));
    }
}
