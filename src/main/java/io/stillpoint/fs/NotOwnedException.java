package io.stillpoint.fs;

import java.nio.file.Path;

/** Stillpoint was about to claim or delete in a folder it cannot prove it made; nothing was changed. */
public class NotOwnedException extends RuntimeException {

    private final transient Path path;
    private final String problem;

    public NotOwnedException(Path path, String problem) {
        super(path + " " + problem);
        this.path = path;
        this.problem = problem;
    }

    public Path path() {
        return path;
    }

    /** What the path is instead, e.g. "carries no Stillpoint marker". */
    public String problem() {
        return problem;
    }
}
