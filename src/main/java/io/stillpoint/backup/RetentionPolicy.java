package io.stillpoint.backup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many restore points a VM keeps, as restic's {@code forget} and Proxmox's prune options count
 * them: the newest {@code keepLast}, and for each of the newest {@code keepHourly} hours (days, weeks,
 * months, years) that have restore points, the newest one of that period. A point kept by any rule is
 * kept; protected points are always kept.
 */
public record RetentionPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly, int keepYearly) {

    public static final String[] KEYS = {"keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly"};

    public boolean keepsNothing() {
        return keepLast == 0 && keepHourly == 0 && keepDaily == 0 && keepWeekly == 0 && keepMonthly == 0 && keepYearly == 0;
    }

    /** @throws IllegalArgumentException naming the key that is unknown or negative */
    public static RetentionPolicy of(Map<String, Integer> values) {
        for (Map.Entry<String, Integer> e : values.entrySet()) {
            if (!java.util.Arrays.asList(KEYS).contains(e.getKey())) {
                throw new IllegalArgumentException(e.getKey() + ": is not a retention rule; rules are "
                        + String.join(", ", KEYS));
            }
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException(e.getKey() + ": must be zero or more");
            }
        }
        return new RetentionPolicy(get(values, "keepLast"), get(values, "keepHourly"), get(values, "keepDaily"),
                get(values, "keepWeekly"), get(values, "keepMonthly"), get(values, "keepYearly"));
    }

    public Map<String, Integer> asMap() {
        Map<String, Integer> map = new LinkedHashMap<>();
        int[] counts = {keepLast, keepHourly, keepDaily, keepWeekly, keepMonthly, keepYearly};
        for (int i = 0; i < KEYS.length; i++) {
            if (counts[i] > 0) {
                map.put(KEYS[i], counts[i]);
            }
        }
        return map;
    }

    private static int get(Map<String, Integer> values, String key) {
        Integer value = values.get(key);
        return value == null ? 0 : value;
    }
}
