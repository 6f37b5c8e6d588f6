package io.stillpoint.backup;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Decides which restore points a {@link RetentionPolicy} keeps, and which rule keeps each. Pure.
 *
 * <p>A point whose verify failed is no good to count on: the rules count only the others, so a broken
 * newest point never takes the place of a good one. It is not pruned either (its files may still be the
 * only copy of what it holds; it is kept as {@value #VERIFY_FAILED} until deleted by hand or verified
 * again). And since an unverified point may turn out broken, the newest point whose verify passed is kept
 * besides ({@value #NEWEST_VERIFIED}) when no rule keeps it.
 */
public final class Retention {

    public static final String NEWEST_VERIFIED = "newest-verified";
    public static final String VERIFY_FAILED = "verify-failed";

    private Retention() {}

    /** What the last verify of a restore point said. */
    public enum Verification {
        PASSED, UNVERIFIED, FAILED;

        /** From the catalog's verify status ({@code OK}, {@code FAILED}, {@code RUNNING} or none). */
        public static Verification of(String verifyStatus) {
            if ("OK".equals(verifyStatus)) {
                return PASSED;
            }
            return "FAILED".equals(verifyStatus) ? FAILED : UNVERIFIED;
        }
    }

    public record Candidate(UUID id, Instant createdAt, boolean isProtected, Verification verification) {}

    /** @param reasons the rules that keep the point; empty when it is to be removed */
    public record Decision(UUID id, Instant createdAt, List<String> reasons) {

        public boolean keep() {
            return !reasons.isEmpty();
        }
    }

    /**
     * Periods are calendar periods in {@code zone}, so "daily" follows the admin's days across DST
     * changes; weeks are ISO weeks (Monday to Sunday).
     */
    public static List<Decision> decide(List<Candidate> points, RetentionPolicy policy, ZoneId zone) {
        List<Candidate> newestFirst = new ArrayList<>(points);
        newestFirst.sort(Comparator.comparing(Candidate::createdAt).reversed().thenComparing(Candidate::id));
        Map<UUID, List<String>> reasons = new LinkedHashMap<>();
        newestFirst.forEach(p -> reasons.put(p.id(), new ArrayList<>()));
        List<Candidate> counted = newestFirst.stream().filter(p -> p.verification() != Verification.FAILED).toList();

        for (int i = 0; i < Math.min(policy.keepLast(), counted.size()); i++) {
            reasons.get(counted.get(i).id()).add("last");
        }
        keepNewestPerPeriod(counted, policy.keepHourly(), "hourly", zone,
                t -> t.getYear() + "-" + t.getDayOfYear() + "-" + t.getHour(), reasons);
        keepNewestPerPeriod(counted, policy.keepDaily(), "daily", zone,
                t -> t.getYear() + "-" + t.getDayOfYear(), reasons);
        keepNewestPerPeriod(counted, policy.keepWeekly(), "weekly", zone,
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), reasons);
        keepNewestPerPeriod(counted, policy.keepMonthly(), "monthly", zone,
                t -> t.getYear() + "-" + t.getMonthValue(), reasons);
        keepNewestPerPeriod(counted, policy.keepYearly(), "yearly", zone, t -> String.valueOf(t.getYear()), reasons);
        counted.stream().filter(p -> p.verification() == Verification.PASSED).findFirst()
                .map(p -> reasons.get(p.id()))
                .filter(List::isEmpty)
                .ifPresent(kept -> kept.add(NEWEST_VERIFIED));
        for (Candidate p : newestFirst) {
            if (p.verification() == Verification.FAILED) {
                reasons.get(p.id()).add(VERIFY_FAILED);
            }
            if (p.isProtected()) {
                reasons.get(p.id()).add("protected");
            }
        }
        return newestFirst.stream().map(p -> new Decision(p.id(), p.createdAt(), List.copyOf(reasons.get(p.id())))).toList();
    }

    private static void keepNewestPerPeriod(List<Candidate> newestFirst, int periods, String rule, ZoneId zone,
            Function<ZonedDateTime, String> period, Map<UUID, List<String>> reasons) {
        String last = null;
        int kept = 0;
        for (Candidate p : newestFirst) {
            if (kept == periods) {
                return;
            }
            String current = period.apply(p.createdAt().atZone(zone));
            if (!Objects.equals(current, last)) {
                reasons.get(p.id()).add(rule);
                last = current;
                kept++;
            }
        }
    }
}
