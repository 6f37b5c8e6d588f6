package io.stillpoint.schedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which VM names a job's {@code vmNamePattern} picks: a glob matched against the whole name, case-sensitively
 * (as QEMU, libvirt and Linux file names are). {@code *} matches any run of characters, none included;
 * {@code ?} exactly one; {@code [abc]} or {@code [a-z]} one of a set or range, {@code [!abc]} one not in it;
 * a backslash makes the next character literal. Everything else stands for itself.
 *
 * <p>A pattern is at most {@value #MAX_LENGTH} characters, and matching takes at most time proportional to
 * the name's length times the pattern's, whatever either holds: unlike a regular expression, which a viewer's
 * listing once spent minutes on, no glob makes matching explode.
 */
public final class VmNameGlob {

    public static final int MAX_LENGTH = 128;

    private static final int CACHED = 1024;
    private static final Map<String, VmNameGlob> COMPILED = new ConcurrentHashMap<>();

    private sealed interface Token permits One, AnyOne, AnyRun, OneOf {}

    private record One(int codePoint) implements Token {}

    private record AnyOne() implements Token {}

    private record AnyRun() implements Token {}

    /** @param ranges pairs of first and last code point, inclusive */
    private record OneOf(int[] ranges, boolean negated) implements Token {

        boolean contains(int codePoint) {
            for (int i = 0; i < ranges.length; i += 2) {
                if (codePoint >= ranges[i] && codePoint <= ranges[i + 1]) {
                    return !negated;
                }
            }
            return negated;
        }
    }

    private final String pattern;
    private final List<Token> tokens;

    private VmNameGlob(String pattern, List<Token> tokens) {
        this.pattern = pattern;
        this.tokens = tokens;
    }

    /**
     * The compiled glob: parsed once per distinct pattern, since every job listing and every fire matches it.
     *
     * @throws IllegalArgumentException saying what is wrong with the pattern
     */
    public static VmNameGlob of(String pattern) {
        VmNameGlob cached = COMPILED.get(pattern);
        if (cached != null) {
            return cached;
        }
        VmNameGlob glob = parse(pattern);
        if (COMPILED.size() >= CACHED) {
            COMPILED.clear();
        }
        COMPILED.put(pattern, glob);
        return glob;
    }

    public String pattern() {
        return pattern;
    }

    public boolean matches(String name) {
        int[] text = name.codePoints().toArray();
        int t = 0;
        int n = 0;
        // Where the last '*' was and how much of the name it has taken so far: on a mismatch it takes one
        // character more. Only the last '*' needs revisiting, so this never backtracks further.
        int star = -1;
        int starTook = 0;
        while (n < text.length) {
            Token token = t < tokens.size() ? tokens.get(t) : null;
            if (token instanceof AnyRun) {
                star = t++;
                starTook = n;
            } else if (token != null && matchesOne(token, text[n])) {
                t++;
                n++;
            } else if (star >= 0) {
                t = star + 1;
                n = ++starTook;
            } else {
                return false;
            }
        }
        while (t < tokens.size() && tokens.get(t) instanceof AnyRun) {
            t++;
        }
        return t == tokens.size();
    }

    private static boolean matchesOne(Token token, int codePoint) {
        if (token instanceof One one) {
            return one.codePoint() == codePoint;
        }
        if (token instanceof OneOf set) {
            return set.contains(codePoint);
        }
        return token instanceof AnyOne;
    }

    private static VmNameGlob parse(String pattern) {
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("must not be empty");
        }
        if (pattern.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("must be at most " + MAX_LENGTH + " characters, not " + pattern.length());
        }
        int[] chars = pattern.codePoints().toArray();
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < chars.length) {
            int c = chars[i];
            if (Character.isISOControl(c)) {
                throw new IllegalArgumentException("must not contain control characters");
            }
            switch (c) {
                case '*' -> {
                    if (tokens.isEmpty() || !(tokens.get(tokens.size() - 1) instanceof AnyRun)) {
                        tokens.add(new AnyRun());
                    }
                    i++;
                }
                case '?' -> {
                    tokens.add(new AnyOne());
                    i++;
                }
                case '\\' -> {
                    if (i + 1 == chars.length) {
                        throw new IllegalArgumentException("ends with a '\\' that escapes nothing");
                    }
                    tokens.add(new One(chars[i + 1]));
                    i += 2;
                }
                case '[' -> i = parseSet(chars, i, tokens);
                default -> {
                    tokens.add(new One(c));
                    i++;
                }
            }
        }
        return new VmNameGlob(pattern, List.copyOf(tokens));
    }

    /** Parses {@code [...]} starting at {@code open}; returns the index after its {@code ]}. */
    private static int parseSet(int[] chars, int open, List<Token> tokens) {
        int i = open + 1;
        boolean negated = i < chars.length && chars[i] == '!';
        if (negated) {
            i++;
        }
        List<Integer> ranges = new ArrayList<>();
        while (i < chars.length && chars[i] != ']') {
            int first = chars[i];
            if (first == '\\') {
                if (i + 1 == chars.length) {
                    break;
                }
                first = chars[++i];
            }
            int last = first;
            if (i + 2 < chars.length && chars[i + 1] == '-' && chars[i + 2] != ']') {
                last = chars[i + 2];
                if (last == '\\' && i + 3 < chars.length) {
                    last = chars[i + 3];
                    i++;
                }
                i += 2;
                if (last < first) {
                    throw new IllegalArgumentException("has the range '" + Character.toString(first) + "-"
                            + Character.toString(last) + "', whose end comes before its start");
                }
            }
            ranges.add(first);
            ranges.add(last);
            i++;
        }
        if (i >= chars.length) {
            throw new IllegalArgumentException("has a '[' without its ']'");
        }
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("has an empty set '[]'");
        }
        tokens.add(new OneOf(ranges.stream().mapToInt(Integer::intValue).toArray(), negated));
        return i + 1;
    }

    @Override
    public String toString() {
        return pattern;
    }
}
