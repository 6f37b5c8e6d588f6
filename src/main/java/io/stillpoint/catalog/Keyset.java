package io.stillpoint.catalog;

import io.quarkus.hibernate.orm.panache.Panache;
import jakarta.persistence.TypedQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hibernate.jpa.HibernateHints;

/**
 * A newest-first list query with filters, paged by keyset: the conditions become one HQL query that the
 * indexes of {@code V16__catalog_paging.sql} serve (filter columns first, then the instant and id).
 */
public final class Keyset<T> {

    private final Class<T> entity;
    private final String at;
    private final List<String> conditions = new ArrayList<>();
    private final Map<String, Object> params = new HashMap<>();

    private Keyset(Class<T> entity, String at) {
        this.entity = entity;
        this.at = at;
    }

    /** @param at the entity's instant field the list is ordered by (newest first, then id) */
    public static <T> Keyset<T> of(Class<T> entity, String at) {
        return new Keyset<>(entity, at);
    }

    /** Keeps items whose {@code field} equals {@code value}; no condition when the value is null. */
    public Keyset<T> where(String field, Object value) {
        if (value != null) {
            String param = "p" + params.size();
            conditions.add(field + " = :" + param);
            params.put(param, value);
        }
        return this;
    }

    /** Keeps items at or after {@code since} and before {@code until}; either may be null. */
    public Keyset<T> between(Instant since, Instant until) {
        if (since != null) {
            conditions.add(at + " >= :since");
            params.put("since", since);
        }
        if (until != null) {
            conditions.add(at + " < :until");
            params.put("until", until);
        }
        return this;
    }

    /**
     * One more item than the page holds, so the caller knows whether another page follows. The cursor is
     * two conditions: the first ({@code <=}) lets the index start at the cursor, the second skips the items
     * of the same instant shown already.
     */
    public List<T> fetch(PageRequest page) {
        List<String> all = new ArrayList<>(conditions);
        Map<String, Object> bound = new HashMap<>(params);
        if (page.afterAt() != null) {
            all.add(at + " <= :afterAt and (" + at + " < :afterAt or id < :afterId)");
            bound.put("afterAt", page.afterAt());
            bound.put("afterId", page.afterId());
        }
        String hql = "from " + entity.getSimpleName() + (all.isEmpty() ? "" : " where " + String.join(" and ", all))
                + " order by " + at + " desc, id desc";
        // Read-only: a page is shown, never changed, so Hibernate keeps no snapshot of each item to dirty-check.
        TypedQuery<T> query = Panache.getEntityManager().createQuery(hql, entity)
                .setHint(HibernateHints.HINT_READ_ONLY, true);
        bound.forEach(query::setParameter);
        return query.setMaxResults(page.limit() + 1).getResultList();
    }
}
