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

/** Decides which restore points a {@link RetentionPolicy} keeps, and which rule keeps each. Pure. */
public final class Retention {

    private Retention() {}

    public record Candidate(UUID id, Instant createdAt, boolean isProtected) {}

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

        for (int i = 0; i < Math.min(policy.keepLast(), newestFirst.size()); i++) {
            reasons.get(newestFirst.get(i).id()).add("last");
        }
        keepNewestPerPeriod(newestFirst, policy.keepHourly(), "hourly", zone,
                t -> t.getYear() + "-" + t.getDayOfYear() + "-" + t.getHour(), reasons);
        keepNewestPerPeriod(newestFirst, policy.keepDaily(), "daily", zone,
                t -> t.getYear() + "-" + t.getDayOfYear(), reasons);
        keepNewestPerPeriod(newestFirst, policy.keepWeekly(), "weekly", zone,
                t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), reasons);
        keepNewestPerPeriod(newestFirst, policy.keepMonthly(), "monthly", zone,
                t -> t.getYear() + "-" + t.getMonthValue(), reasons);
        keepNewestPerPeriod(newestFirst, policy.keepYearly(), "yearly", zone, t -> String.valueOf(t.getYear()), reasons);
        for (Candidate p : newestFirst) {
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
