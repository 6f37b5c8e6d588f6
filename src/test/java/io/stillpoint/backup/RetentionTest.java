package io.stillpoint.backup;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.backup.Retention.Verification;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Retention rules against tables of dates, in the manner of restic's {@code forget} tests: which
 * restore points each policy keeps, including time zones and daylight-saving changes.
 */
class RetentionTest {

    /** Points at these instants (UTC unless a zone is named), newest last. */
    private static final String[] DAYS = {
        "2026-01-01T10:00:00Z", "2026-01-01T18:00:00Z", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z",
        "2026-01-11T23:00:00Z", "2026-01-12T01:00:00Z", "2026-02-01T12:00:00Z", "2026-02-15T12:00:00Z",
        "2026-03-01T12:00:00Z", "2027-01-01T12:00:00Z"
    };

    static List<Arguments> cases() {
        return List.of(
                Arguments.of("keepLast 3", DAYS, Map.of("keepLast", 3), "UTC",
                        "2027-01-01T12:00:00Z 2026-03-01T12:00:00Z 2026-02-15T12:00:00Z"),
                Arguments.of("keepDaily 3: newest of each of the 3 newest days", DAYS, Map.of("keepDaily", 3), "UTC",
                        "2027-01-01T12:00:00Z 2026-03-01T12:00:00Z 2026-02-15T12:00:00Z"),
                Arguments.of("keepDaily picks the newest of a day with two points", Arrays.copyOf(DAYS, 3),
                        Map.of("keepDaily", 5), "UTC", "2026-01-02T09:00:00Z 2026-01-01T18:00:00Z"),
                Arguments.of("keepWeekly 3: ISO weeks, Monday to Sunday", Arrays.copyOf(DAYS, 6), Map.of("keepWeekly", 3),
                        "UTC", "2026-01-12T01:00:00Z 2026-01-11T23:00:00Z 2026-01-02T09:00:00Z"),
                Arguments.of("keepMonthly 2", DAYS, Map.of("keepMonthly", 2), "UTC",
                        "2027-01-01T12:00:00Z 2026-03-01T12:00:00Z"),
                Arguments.of("keepYearly 5", DAYS, Map.of("keepYearly", 5), "UTC",
                        "2027-01-01T12:00:00Z 2026-03-01T12:00:00Z"),
                Arguments.of("rules combine: a point kept by any rule is kept", DAYS,
                        Map.of("keepLast", 1, "keepMonthly", 3), "UTC",
                        "2027-01-01T12:00:00Z 2026-03-01T12:00:00Z 2026-02-15T12:00:00Z"),
                Arguments.of("in New York 23:00Z and 01:00Z next day are the same day", Arrays.copyOf(DAYS, 6),
                        Map.of("keepDaily", 2), "America/New_York", "2026-01-12T01:00:00Z 2026-01-05T09:00:00Z"),
                Arguments.of("in UTC they are two days", Arrays.copyOf(DAYS, 6), Map.of("keepDaily", 2), "UTC",
                        "2026-01-12T01:00:00Z 2026-01-11T23:00:00Z"),
                Arguments.of("autumn DST in Berlin: 02:30 CEST and 02:30 CET fall in one local hour",
                        new String[] {"2026-10-24T23:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"},
                        Map.of("keepHourly", 2), "Europe/Berlin", "2026-10-25T01:30:00Z 2026-10-24T23:30:00Z"),
                Arguments.of("spring DST in Berlin: 01:59 CET and 03:01 CEST are consecutive local hours",
                        new String[] {"2026-03-29T00:30:00Z", "2026-03-29T00:59:00Z", "2026-03-29T01:01:00Z"},
                        Map.of("keepHourly", 2), "Europe/Berlin", "2026-03-29T01:01:00Z 2026-03-29T00:59:00Z"),
                Arguments.of("more periods than points keeps all", Arrays.copyOf(DAYS, 2), Map.of("keepYearly", 10),
                        "UTC", "2026-01-01T18:00:00Z"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void keepsWhatThePolicySays(String name, String[] instants, Map<String, Integer> policy, String zone, String kept) {
        List<Retention.Candidate> points = new ArrayList<>();
        for (String instant : instants) {
            points.add(new Retention.Candidate(UUID.randomUUID(), Instant.parse(instant), false, Verification.UNVERIFIED));
        }
        List<Retention.Decision> decisions = Retention.decide(points, RetentionPolicy.of(policy), ZoneId.of(zone));

        assertThat(decisions.stream().filter(Retention.Decision::keep).map(d -> d.createdAt().toString())
                .collect(Collectors.joining(" "))).isEqualTo(kept);
        assertThat(decisions).hasSize(instants.length);
    }

    @ParameterizedTest(name = "protected points survive {0}")
    @MethodSource("cases")
    void protectedPointsAreAlwaysKept(String name, String[] instants, Map<String, Integer> policy, String zone, String kept) {
        List<Retention.Candidate> points = new ArrayList<>();
        for (String instant : instants) {
            points.add(new Retention.Candidate(UUID.randomUUID(), Instant.parse(instant), true, Verification.UNVERIFIED));
        }
        List<Retention.Decision> decisions = Retention.decide(points, RetentionPolicy.of(policy), ZoneId.of(zone));

        assertThat(decisions).allMatch(Retention.Decision::keep);
        assertThat(decisions).allMatch(d -> d.reasons().contains("protected"));
    }

    @org.junit.jupiter.api.Test
    void theRuleThatKeepsAPointIsNamed() {
        Retention.Candidate only = new Retention.Candidate(UUID.randomUUID(), Instant.parse("2026-05-05T05:05:05Z"), false,
                Verification.UNVERIFIED);
        List<Retention.Decision> decisions = Retention.decide(List.of(only),
                RetentionPolicy.of(Map.of("keepLast", 1, "keepDaily", 1, "keepYearly", 1)), ZoneId.of("UTC"));
        assertThat(decisions.get(0).reasons()).containsExactly("last", "daily", "yearly");
    }

    @org.junit.jupiter.api.Test
    void aNewestPointThatFailedItsVerifyDoesNotPushOutTheVerifiedOne() {
        Retention.Candidate good = point("2026-05-01T02:00:00Z", Verification.PASSED);
        Retention.Candidate broken = point("2026-05-02T02:00:00Z", Verification.FAILED);
        Map<UUID, List<String>> kept = reasons(Retention.decide(List.of(good, broken),
                RetentionPolicy.of(Map.of("keepLast", 1)), ZoneId.of("UTC")));

        assertThat(kept.get(good.id())).containsExactly("last");
        assertThat(kept.get(broken.id())).containsExactly(Retention.VERIFY_FAILED);
    }

    @org.junit.jupiter.api.Test
    void failedPointsAreNotCountedByPeriodRulesNorPruned() {
        Retention.Candidate first = point("2026-05-01T02:00:00Z", Verification.PASSED);
        Retention.Candidate second = point("2026-05-02T02:00:00Z", Verification.UNVERIFIED);
        Retention.Candidate third = point("2026-05-03T02:00:00Z", Verification.FAILED);
        Map<UUID, List<String>> kept = reasons(Retention.decide(List.of(first, second, third),
                RetentionPolicy.of(Map.of("keepDaily", 2)), ZoneId.of("UTC")));

        assertThat(kept.get(second.id())).containsExactly("daily");
        assertThat(kept.get(first.id())).containsExactly("daily");
        assertThat(kept.get(third.id())).containsExactly(Retention.VERIFY_FAILED);
    }

    @org.junit.jupiter.api.Test
    void theNewestVerifiedPointIsKeptBesidesNewerUnverifiedOnes() {
        Retention.Candidate older = point("2026-05-01T02:00:00Z", Verification.PASSED);
        Retention.Candidate verified = point("2026-05-02T02:00:00Z", Verification.PASSED);
        Retention.Candidate unverified = point("2026-05-03T02:00:00Z", Verification.UNVERIFIED);
        List<Retention.Decision> decisions = Retention.decide(List.of(older, verified, unverified),
                RetentionPolicy.of(Map.of("keepLast", 1)), ZoneId.of("UTC"));
        Map<UUID, List<String>> kept = reasons(decisions);

        assertThat(kept.get(unverified.id())).containsExactly("last");
        assertThat(kept.get(verified.id())).containsExactly(Retention.NEWEST_VERIFIED);
        assertThat(kept.get(older.id())).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void theNewestVerifiedPointNeedsNoExtraReasonWhenARuleKeepsIt() {
        Retention.Candidate verified = point("2026-05-02T02:00:00Z", Verification.PASSED);
        Retention.Candidate unverified = point("2026-05-03T02:00:00Z", Verification.UNVERIFIED);
        Map<UUID, List<String>> kept = reasons(Retention.decide(List.of(verified, unverified),
                RetentionPolicy.of(Map.of("keepLast", 2)), ZoneId.of("UTC")));

        assertThat(kept.get(verified.id())).containsExactly("last");
    }

    @org.junit.jupiter.api.Test
    void verifyStatusesOfTheCatalogReadAsVerifications() {
        assertThat(Verification.of("OK")).isEqualTo(Verification.PASSED);
        assertThat(Verification.of("FAILED")).isEqualTo(Verification.FAILED);
        assertThat(Verification.of("RUNNING")).isEqualTo(Verification.UNVERIFIED);
        assertThat(Verification.of(null)).isEqualTo(Verification.UNVERIFIED);
    }

    private static Retention.Candidate point(String instant, Verification verification) {
        return new Retention.Candidate(UUID.randomUUID(), Instant.parse(instant), false, verification);
    }

    private static Map<UUID, List<String>> reasons(List<Retention.Decision> decisions) {
        return decisions.stream().collect(Collectors.toMap(Retention.Decision::id, Retention.Decision::reasons));
    }

    @org.junit.jupiter.api.Test
    void negativeOrUnknownRulesAreRefusedByName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RetentionPolicy.of(Map.of("keepDaily", -1)))
                .hasMessageStartingWith("keepDaily:");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RetentionPolicy.of(Map.of("keepForever", 1)))
                .hasMessageStartingWith("keepForever:");
        assertThat(RetentionPolicy.of(Map.of()).keepsNothing()).isTrue();
    }
}
